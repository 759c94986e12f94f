// SPDX-License-Identifier: GPL-2.0
/*
 * mmb-helper-fuzz: a seeded, concurrent ioctl fuzzer for the helper module,
 * run as root in the debug guest (tests/integration/helper.sh runs a short
 * slice; longer runs: mmb-helper-fuzz --seconds 600 --seed N).
 *
 * Processes and threads hammer /dev/mmb_helper on shared fds (inherited
 * over fork, dup()ed, passed over SCM_RIGHTS) and on their own: every
 * command, valid and not, with random and boundary values in every field,
 * reserved bits set, offline and absent CPUs.  Meanwhile one task SIGKILLs
 * workers in the middle of their ioctls, another takes CPUs offline and
 * back, and at the end the module is unloaded and loaded again.
 *
 * Fault injection: where the kernel has failslab, a share of the ioctls
 * (--failslab PCT, default 25) run with this task's make-it-fail set, so
 * that slab allocations in the caller's context fail now and then: the
 * crew, the copy of the request and kthread_create()'s own request to
 * kthreadd.  That is the path where a half-built crew must be unwound.
 *
 * What must hold (TAP, exit 1 when not): every ioctl returns within its
 * timeout plus 1 s; a SIGKILLed worker is gone within 1 s; the module's
 * kthreads are back to their baseline within 1 s of the last close();
 * rmmod fails while a file is open and succeeds within 1 s after.  The
 * kernel log (KASAN, lockdep, WARN, hung task, RCU stall, kmemleak) is
 * vm-run.sh's to judge.
 *
 *   mmb-helper-fuzz [--seconds N] [--seed N] [--workers N] [--module PATH]
 *                   [--failslab PCT] [--output FILE|DIR]
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mmb_helper.h"
#include "guest.h"

#define MAX_TIMEOUT_MS	200	/* what the fuzzer asks for, at most */
#define SLACK_S		1.0	/* the promise: timeout plus 1 s */
#define MAX_FDS		8

static int ncpus;
static unsigned int failslab_pct = 25;	/* 0: not driven */

/*
 * This thread's make-it-fail switch, opened once per thread: opening it
 * allocates, and that must not happen with the switch on.
 */
static __thread int fail_fd = -1;

/*
 * A child has its own switch.  The fd it inherits names the parent
 * thread's (/proc/thread-self is resolved at open), and a child that
 * flipped it would fail its parent's fork() or pthread_create().
 */
static void fail_fd_forget(void)
{
	if (fail_fd >= 0)
		close(fail_fd);
	fail_fd = -1;
}

static void fail_switch(bool on)
{
	if (fail_fd < 0)
		fail_fd = open("/proc/thread-self/make-it-fail", O_WRONLY | O_CLOEXEC);
	if (fail_fd >= 0 && pwrite(fail_fd, on ? "1" : "0", 1, 0) != 1)
		return;
}

/* shared with every worker: the worst it saw */
struct shared {
	double worst_over;	/* seconds past timeout + slack, worst */
	unsigned long ioctls, late;
	unsigned long faulted, enomem;	/* ioctls under failslab; ENOMEM among them */
	char late_what[128];
};
static struct shared *sh;

/* xorshift64*: the same seed, the same sequence of actions per worker */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static uint64_t pick(uint64_t *s, uint64_t n)
{
	return n ? rnd(s) % n : 0;
}

/* a value for a field: boundaries half the time, anything otherwise */
static uint64_t field(uint64_t *s, uint64_t lo, uint64_t hi)
{
	static const uint64_t edges[] = { 0, 1, 2, 63, 64, 1023, 1024, 4096,
		60000, 60001, 0x7fffffff, 0x80000000, 0xffffffff, UINT64_MAX };

	switch (pick(s, 4)) {
	case 0:
		return edges[pick(s, sizeof(edges) / sizeof(edges[0]))];
	case 1:
		return rnd(s);
	default:
		return lo + pick(s, hi - lo + 1);
	}
}

static void random_cpus(uint64_t *s, struct mmb_helper_cpus *c)
{
	memset(c, 0, sizeof(*c));
	switch (pick(s, 6)) {
	case 0:		/* nothing */
		break;
	case 1:		/* anywhere in the bitmap, absent CPUs included */
		for (int i = 0; i < MMB_HELPER_CPU_WORDS; i++)
			c->mask[i] = rnd(s) & rnd(s);
		break;
	case 2:		/* every CPU there is */
		for (int i = 0; i < ncpus; i++)
			c->mask[i / 64] |= 1ull << (i % 64);
		break;
	default:	/* one or two CPUs that exist (maybe offline) */
		for (int k = 0; k <= (int)pick(s, 2); k++) {
			int cpu = (int)pick(s, ncpus);

			c->mask[cpu / 64] |= 1ull << (cpu % 64);
		}
	}
}

static unsigned int timeout_of(uint64_t *s)
{
	/* mostly valid and short; now and then out of range (EINVAL) */
	if (!pick(s, 16))
		return (unsigned int)field(s, 0, UINT32_MAX);
	return 1 + (unsigned int)pick(s, MAX_TIMEOUT_MS);
}

/* One ioctl with random contents; returns the timeout it asked for. */
static unsigned int one_ioctl(uint64_t *s, int fd)
{
	union {
		struct mmb_helper_info info;
		struct mmb_helper_use_unuse uu;
		struct mmb_helper_exit_race er;
		struct mmb_helper_partner p;
		unsigned char raw[512];
	} u;
	unsigned int cmd, ms = 0;
	double t0, took;
	bool faulted;
	int r, err;

	memset(&u, 0, sizeof(u));
	switch (pick(s, 9)) {
	case 0:
		cmd = MMB_HELPER_INFO;
		break;
	case 1:
	case 2:
		cmd = MMB_HELPER_USE_UNUSE;
		u.uu.abi = pick(s, 8) ? MMB_HELPER_ABI : (uint32_t)rnd(s);
		u.uu.flags = pick(s, 8) ? 0 : (uint32_t)rnd(s);
		u.uu.iterations = pick(s, 4) ? 1 + pick(s, 2000) : field(s, 0, 1u << 20);
		u.uu.timeout_ms = ms = timeout_of(s);
		u.uu.pad = pick(s, 16) ? 0 : 1;
		random_cpus(s, &u.uu.cpus);
		if (!pick(s, 16))
			u.uu.reserved[pick(s, 4)] = rnd(s);
		if (!pick(s, 16))
			u.uu.done = rnd(s);
		break;
	case 3:
	case 4:
		cmd = MMB_HELPER_EXIT_RACE;
		u.er.abi = pick(s, 8) ? MMB_HELPER_ABI : (uint32_t)rnd(s);
		u.er.flags = pick(s, 8) ? 0 : (uint32_t)rnd(s);
		u.er.timeout_ms = ms = timeout_of(s);
		random_cpus(s, &u.er.cpus);
		if (!pick(s, 16))
			u.er.reserved[pick(s, 4)] = rnd(s);
		break;
	case 5:
		cmd = MMB_HELPER_EXIT_RACE_DONE;
		ms = MAX_TIMEOUT_MS;
		break;
	case 6:
		cmd = MMB_HELPER_PARTNER_START;
		u.p.abi = pick(s, 8) ? MMB_HELPER_ABI : (uint32_t)rnd(s);
		u.p.cpu = pick(s, 4) ? (uint32_t)pick(s, ncpus) : (uint32_t)field(s, 0, 4096);
		u.p.timeout_ms = timeout_of(s);
		if (!pick(s, 16))
			u.p.flags = (uint32_t)rnd(s);
		break;
	case 7:
		cmd = pick(s, 2) ? MMB_HELPER_PARTNER_PING : MMB_HELPER_PARTNER_STOP;
		ms = MAX_TIMEOUT_MS;
		break;
	default:	/* a command of someone else's, or a bad size */
		cmd = pick(s, 2) ? (unsigned int)rnd(s) :
			_IOC(_IOC_READ | _IOC_WRITE, MMB_HELPER_MAGIC,
			     pick(s, 12), pick(s, 512));
		break;
	}
	if (ms > 600000)
		ms = 0;	/* out of range: refused at once */
	faulted = failslab_pct && pick(s, 100) < failslab_pct;
	if (faulted)
		fail_switch(true);
	t0 = now();
	/* now and then a pointer that is not ours: EFAULT, never a crash */
	r = ioctl(fd, cmd, pick(s, 32) ? (void *)&u : (void *)(uintptr_t)16);
	err = errno;
	took = now() - t0;
	if (faulted) {
		fail_switch(false);
		__atomic_add_fetch(&sh->faulted, 1, __ATOMIC_RELAXED);
		if (r < 0 && err == ENOMEM)
			__atomic_add_fetch(&sh->enomem, 1, __ATOMIC_RELAXED);
	}
	__atomic_add_fetch(&sh->ioctls, 1, __ATOMIC_RELAXED);
	if (took > ms / 1e3 + SLACK_S) {
		__atomic_add_fetch(&sh->late, 1, __ATOMIC_RELAXED);
		if (took - ms / 1e3 > sh->worst_over) {
			sh->worst_over = took - ms / 1e3;
			snprintf(sh->late_what, sizeof(sh->late_what),
				 "ioctl %#x took %.2f s with a %u ms timeout", cmd, took, ms);
		}
	}
	return ms;
}

/* SCM_RIGHTS: an fd that crossed a socket, as another process would get it */
static int pass_fd(int fd)
{
	int sv[2], got = -1;
	char c = 0, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &c, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *cm;

	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
		return -1;
	cm = CMSG_FIRSTHDR(&m);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(sv[0], &m, 0) == 1) {
		memset(ctl, 0, sizeof(ctl));
		m.msg_controllen = sizeof(ctl);
		if (recvmsg(sv[1], &m, 0) == 1 && (cm = CMSG_FIRSTHDR(&m)))
			memcpy(&got, CMSG_DATA(cm), sizeof(int));
	}
	close(sv[0]);
	close(sv[1]);
	return got;
}

struct worker_arg {
	uint64_t seed;
	double end;
	int shared_fd;
};

static void *thread_fn(void *arg)
{
	struct worker_arg *a = arg;
	uint64_t s = a->seed;

	while (now() < a->end)
		one_ioctl(&s, a->shared_fd);
	return NULL;
}

/* A worker process: its own fds and the shared one, threads now and then. */
static void worker(uint64_t seed, double end, int shared_fd)
{
	uint64_t s = seed;
	int fds[MAX_FDS], n = 0;

	fds[n++] = shared_fd;
	while (now() < end) {
		switch (pick(&s, 12)) {
		case 0:
			if (n < MAX_FDS && (fds[n] = open(MMB_HELPER_DEVICE, O_RDWR)) >= 0)
				n++;
			break;
		case 1:
			if (n < MAX_FDS && (fds[n] = dup(fds[pick(&s, n)])) >= 0)
				n++;
			break;
		case 2:
			if (n < MAX_FDS && (fds[n] = pass_fd(fds[pick(&s, n)])) >= 0)
				n++;
			break;
		case 3:
			if (n > 1) {
				int i = 1 + (int)pick(&s, n - 1);

				close(fds[i]);
				fds[i] = fds[--n];
			}
			break;
		case 4: {	/* threads on one fd at once */
			struct worker_arg ta[3];
			pthread_t th[3];
			int fd = fds[pick(&s, n)];

			for (int i = 0; i < 3; i++) {
				ta[i] = (struct worker_arg){ rnd(&s) | 1,
					now() + 0.05 + pick(&s, 200) / 1e3, fd };
				pthread_create(&th[i], NULL, thread_fn, &ta[i]);
			}
			for (int i = 0; i < 3; i++)
				pthread_join(th[i], NULL);
			break;
		}
		case 5: {	/* a child that exits (or is killed) mid-request */
			pid_t pid = fork();

			if (pid == 0) {
				uint64_t cs = rnd(&s) | 1;

				for (int i = 0; i < 4; i++)
					one_ioctl(&cs, fds[pick(&cs, n)]);
				_exit(0);
			}
			if (pid > 0) {
				if (pick(&s, 2))
					kill(pid, SIGKILL);
				waitpid(pid, NULL, 0);
			}
			break;
		}
		default:
			one_ioctl(&s, fds[pick(&s, n)]);
		}
	}
	_exit(0);
}

/*
 * kmemleak, where the kernel has it: a scan now, and no unreferenced
 * object allocated on the module's behalf (others are counted, not
 * judged: a guest's boot leaves a few).
 */
static void kmemleak(void)
{
	const char *path = "/sys/kernel/debug/kmemleak";
	char buf[4096];
	int fd, ours = 0, all = 0;
	ssize_t n;
	FILE *f;

	mkdir("/sys/kernel/debug", 0755);
	syscall(SYS_mount, "debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	fd = open(path, O_RDWR);
	if (fd < 0) {
		say("ok %d # SKIP no kmemleak in this kernel\n", ++ntest);
		return;
	}
	/* twice: an object is reported once it stayed unreferenced */
	for (int i = 0; i < 2; i++) {
		n = write(fd, "scan", 4);
		(void)n;
	}
	close(fd);
	f = fopen(path, "r");
	while (f && fgets(buf, sizeof(buf), f)) {
		all += !strncmp(buf, "unreferenced object", 19);
		ours += strstr(buf, "mmb_helper") != NULL;
	}
	if (f)
		fclose(f);
	say("# kmemleak: %d unreferenced objects in all\n", all);
	ok(!ours, "kmemleak: nothing unreferenced from the module (%d backtrace lines name it)",
	   ours);
}

/*
 * failslab, for the tasks that ask (make-it-fail): one allocation in ten
 * fails, quietly (no stack dump per failure to fill the console the log
 * scan reads), without limit.  Returns false where the kernel has none.
 */
static bool failslab_setup(void)
{
	static const char *const knobs[][2] = {
		{ "task-filter", "Y" }, { "probability", "10" }, { "interval", "1" },
		{ "times", "-1" }, { "verbose", "0" }, { "space", "0" },
		{ "ignore-gfp-wait", "N" },
	};
	char path[128];

	mkdir("/sys/kernel/debug", 0755);
	syscall(SYS_mount, "debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	if (access("/sys/kernel/debug/failslab", F_OK) ||
	    access("/proc/self/make-it-fail", F_OK))
		return false;
	for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		snprintf(path, sizeof(path), "/sys/kernel/debug/failslab/%s", knobs[i][0]);
		if (write_file(path, knobs[i][1]))
			return false;
	}
	return true;
}

/* CPUs 1..ncpus-1 go offline and back while the workers run. */
static void hotplug(uint64_t seed, double end)
{
	uint64_t s = seed;

	while (now() < end) {
		char path[64];
		int cpu = 1 + (int)pick(&s, ncpus - 1);

		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", cpu);
		/* refused at times (the last CPU of a node): fine */
		write_file(path, "0");
		sleep_s(pick(&s, 100) / 1e3);
		write_file(path, "1");
		sleep_s(pick(&s, 300) / 1e3);
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	double seconds = 60, end, t;
	bool failslab;
	uint64_t seed = 1;
	int nworkers = 6, base, fd, n, r;
	unsigned int asked;
	pid_t *pids, hp;
	unsigned long killed = 0, slow_deaths = 0;
	uint64_t s;

	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(argv[i], "--seconds") && v) {
			seconds = atof(v);
			i++;
		} else if (!strcmp(argv[i], "--seed") && v) {
			seed = strtoull(v, NULL, 0);
			i++;
		} else if (!strcmp(argv[i], "--workers") && v) {
			nworkers = atoi(v);
			i++;
		} else if (!strcmp(argv[i], "--failslab") && v) {
			char *e;
			unsigned long pct = strtoul(v, &e, 10);

			if (*e || e == v || pct > 100) {
				fprintf(stderr, "mmb-helper-fuzz: --failslab '%s': a share of ioctls, 0..100\n", v);
				return 2;
			}
			failslab_pct = (unsigned int)pct;
			i++;
		} else if (!strcmp(argv[i], "--module") && v) {
			module = v;
			i++;
		} else if (!strcmp(argv[i], "--output") && v) {
			if (!tap_output(v, "helper-fuzz"))
				return 2;
			i++;
		} else if (!strcmp(argv[i], "--format") && v) {
			i++;
		} else if (strcmp(argv[i], "--quiet")) {
			fprintf(stderr, "mmb-helper-fuzz: unexpected argument '%s'\n", argv[i]);
			return 2;
		}
	}
	if (seconds <= 0 || nworkers < 1 || nworkers > 64 || !seed) {
		fprintf(stderr, "mmb-helper-fuzz: --seconds, --workers (1..64) or --seed (not 0) out of range\n");
		return 2;
	}
	ncpus = (int)sysconf(_SC_NPROCESSORS_CONF);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 1;
	if (access("/sys/module/mmb_helper", F_OK) && load("")) {
		fprintf(stderr, "mmb-helper-fuzz: cannot load %s\n", module);
		return 1;
	}
	pthread_atfork(NULL, NULL, fail_fd_forget);
	asked = failslab_pct;
	failslab = failslab_pct && failslab_setup();
	if (!failslab)
		failslab_pct = 0;
	say("# mmb-helper-fuzz: seed %llu, %d workers, %.0f s, %d CPUs, failslab %s\n",
	    (unsigned long long)seed, nworkers, seconds, ncpus,
	    failslab ? "on" : "off");
	base = count_kthreads();
	fd = open(MMB_HELPER_DEVICE, O_RDWR);
	if (fd < 0) {
		ok(false, "open %s: %s", MMB_HELPER_DEVICE, strerror(errno));
		return 1;
	}
	end = now() + seconds;
	s = seed;
	hp = fork();
	if (hp == 0)
		hotplug(rnd(&s) | 1, end);
	pids = calloc(nworkers, sizeof(*pids));
	for (int i = 0; i < nworkers; i++) {
		uint64_t ws = rnd(&s) | 1;

		pids[i] = fork();
		if (pids[i] == 0)
			worker(ws, end, fd);
	}
	/* the killer: a worker dies mid-ioctl now and then, and is replaced */
	while (now() < end) {
		int i = (int)pick(&s, nworkers);
		int status;

		sleep_s(0.2 + pick(&s, 800) / 1e3);
		if (now() >= end)
			break;
		kill(pids[i], SIGKILL);
		t = now();
		while (waitpid(pids[i], &status, WNOHANG) != pids[i] && now() - t < 5)
			sleep_s(0.002);
		if (now() - t > 1.0)
			slow_deaths++;
		killed++;
		{
			uint64_t ws = rnd(&s) | 1;

			pids[i] = fork();
			if (pids[i] == 0)
				worker(ws, end, fd);
		}
	}
	for (int i = 0; i < nworkers; i++)
		waitpid(pids[i], NULL, 0);
	waitpid(hp, NULL, 0);
	for (int cpu = 1; cpu < ncpus; cpu++) {
		char path[64];

		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", cpu);
		write_file(path, "1");
	}
	say("# %lu ioctls, %lu workers killed mid-run\n", sh->ioctls, killed);
	if (failslab)
		ok(sh->enomem > 0, "failslab made requests fail: %lu of %lu ioctls under it got ENOMEM",
		   sh->enomem, sh->faulted);
	else
		say("ok %d # SKIP failslab not driven (%s)\n", ++ntest,
		    asked ? "the kernel has no failslab or make-it-fail" : "--failslab 0");
	ok(sh->late == 0, "every ioctl returned within its timeout plus 1 s (%lu late%s%s)",
	   sh->late, sh->late ? ": worst " : "", sh->late_what);
	ok(slow_deaths == 0, "every SIGKILLed worker was gone within 1 s (%lu of %lu slower)",
	   slow_deaths, killed);
	r = syscall(SYS_delete_module, "mmb_helper", O_NONBLOCK) ? -errno : 0;
	ok(r < 0, "rmmod fails while a file is open (%s)", r ? strerror(-r) : "it unloaded");
	close(fd);
	n = kthreads_within(base, 1.0);
	ok(n == base, "the module's kthreads back to their baseline within 1 s of the last close (%d extra)",
	   n - base);
	r = unload_within(1.0);
	ok(!r, "rmmod succeeds within 1 s of the last close (%s)", r ? strerror(-r) : "unloaded");
	/* insmod/rmmod, back to back */
	for (int i = 0; i < 20 && !r; i++) {
		r = load("");
		if (!r) {
			int f = open(MMB_HELPER_DEVICE, O_RDWR);

			if (f >= 0)
				close(f);
			r = unload_within(1.0);
		}
	}
	ok(!r, "20 rounds of insmod, open, close, rmmod (%s)", r ? strerror(-r) : "clean");
	r = load("");
	ok(!r, "the module loads again (%s)", r ? strerror(-r) : "loaded");
	kmemleak();
	say("1..%d\n", ntest);
	return nfail ? 1 : 0;
}
