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
 * What must hold (TAP, exit 1 when not): no ioctl sleeps longer than its
 * timeout plus 1 s (its time on a CPU or waiting for one is the machine's:
 * under qemu with KASAN a CPU going offline stalls every vCPU for a second
 * at times); no SIGKILLed worker is asleep in the module's code 1 s after
 * the kill, and each is gone within 10 s (exit_mmap() itself takes
 * seconds under KASAN and qemu at times); the module's
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
#define STUCK_S		10.0	/* a worker still alive this long after SIGKILL is stuck */
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
static __thread int sched_fd = -1;

static void fail_fd_forget(void)
{
	if (fail_fd >= 0)
		close(fail_fd);
	if (sched_fd >= 0)
		close(sched_fd);
	fail_fd = sched_fd = -1;
}

/*
 * This thread's time on a CPU plus its time waiting for one, in seconds
 * (/proc/thread-self/schedstat); -1 where the kernel has no schedstat.
 * Wall time less that is the time it slept: what a wait of the module's
 * costs.  The rest is the machine's, and under qemu with KASAN a CPU
 * going offline stops every vCPU for a second at times.
 */
static double busy_s(void)
{
	unsigned long long run, delay;
	char buf[96];
	ssize_t n;

	if (sched_fd < 0)
		sched_fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
	n = sched_fd < 0 ? -1 : pread(sched_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	if (sscanf(buf, "%llu %llu", &run, &delay) != 2)
		return -1;
	return (run + delay) / 1e9;
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
	double worst_over;	/* seconds slept past the timeout, worst */
	double worst_took;	/* wall seconds of an ioctl, worst */
	char took_what[128];
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
	double t0, took, b0, b1, slept;
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
	b0 = busy_s();	/* (opens its file first: not under make-it-fail) */
	if (faulted)
		fail_switch(true);
	t0 = now();
	/* now and then a pointer that is not ours: EFAULT, never a crash */
	r = ioctl(fd, cmd, pick(s, 32) ? (void *)&u : (void *)(uintptr_t)16);
	err = errno;
	took = now() - t0;
	b1 = busy_s();
	slept = b0 < 0 || b1 < 0 ? took : took - (b1 - b0);
	if (faulted) {
		fail_switch(false);
		__atomic_add_fetch(&sh->faulted, 1, __ATOMIC_RELAXED);
		if (r < 0 && err == ENOMEM)
			__atomic_add_fetch(&sh->enomem, 1, __ATOMIC_RELAXED);
	}
	__atomic_add_fetch(&sh->ioctls, 1, __ATOMIC_RELAXED);
	if (took > sh->worst_took) {
		sh->worst_took = took;
		snprintf(sh->took_what, sizeof(sh->took_what),
			 "ioctl %#x took %.2f s, slept %.2f s, with a %u ms timeout",
			 cmd, took, slept, ms);
	}
	if (slept > ms / 1e3 + SLACK_S) {
		__atomic_add_fetch(&sh->late, 1, __ATOMIC_RELAXED);
		if (slept - ms / 1e3 > sh->worst_over) {
			sh->worst_over = slept - ms / 1e3;
			snprintf(sh->late_what, sizeof(sh->late_what),
				 "ioctl %#x slept %.2f s of %.2f s with a %u ms timeout",
				 cmd, slept, took, ms);
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

/*
 * A thread's kernel stack, one line: "f1 < f2 [mod] < ..." innermost
 * first, the offsets dropped.  Empty when the kernel has no
 * /proc/PID/stack, and for a thread on a CPU (no stack is taken of one).
 */
static void kstack(const char *dir, char *buf, size_t len)
{
	char path[80], line[160];
	size_t n = 0;
	FILE *f;

	buf[0] = 0;
	snprintf(path, sizeof(path), "%s/stack", dir);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f) && n + 4 < len) {
		char *fn = strchr(line, ']'), *mod;

		if (!fn)
			continue;
		fn += 1 + strspn(fn + 1, " ");
		line[strcspn(line, "\n")] = 0;
		mod = strchr(fn, '[');
		fn[strcspn(fn, "+ ")] = 0;
		n += snprintf(buf + n, len - n, "%s%s%s%s", n ? " < " : "", fn,
			      mod ? " " : "", mod ? mod : "");
	}
	if (f)
		fclose(f);
}

/*
 * Whether a thread of process @pid sleeps in the module's code, and its
 * stack into @buf; else the stack of the first thread that has one.
 */
static bool sleeps_in_module(pid_t pid, char *buf, size_t len)
{
	char dir[32], path[64], st[256], other[512] = "";
	struct dirent *e;
	bool found = false;
	int tid;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
	d = opendir(dir);
	while (d && !found && (e = readdir(d))) {
		char *p;

		if (e->d_name[0] == '.')
			continue;
		tid = atoi(e->d_name);
		snprintf(path, sizeof(path), "%s/%d/stat", dir, tid);
		if (read_file(path, st, sizeof(st)) || !(p = strrchr(st, ')')))
			continue;
		snprintf(path, sizeof(path), "%s/%d", dir, tid);
		kstack(path, buf, len);
		/* S, D, I: asleep; R: on a CPU or waiting for one */
		found = p[1] == ' ' && strchr("SDI", p[2]) && strstr(buf, "[mmb_helper]");
		if (!found && !other[0] && buf[0])
			snprintf(other, sizeof(other), "%s", buf);
	}
	if (d)
		closedir(d);
	if (!found)
		snprintf(buf, len, "%s", other);
	return found;
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
	unsigned long killed = 0, slow_deaths = 0, stuck = 0;
	char stack[512], slow_what[640] = "";
	bool asleep;
	double took;
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
		stack[0] = 0;
		asleep = false;
		for (int poll = 0;; poll++) {
			if (waitpid(pids[i], &status, WNOHANG) == pids[i])
				break;
			took = now() - t;
			/*
			 * Past the slack, the worker must be out of the
			 * module's waits: dying is then the kernel's (exit_mmap
			 * under KASAN and qemu takes seconds at times).
			 */
			if (took > SLACK_S && !asleep && (!stack[0] || poll % 10 == 0))
				asleep = sleeps_in_module(pids[i], stack, sizeof(stack));
			if (took > STUCK_S)
				break;
			sleep_s(0.002);
		}
		took = now() - t;
		if (took > STUCK_S || asleep) {
			slow_deaths += asleep;
			stuck += took > STUCK_S;
			snprintf(slow_what, sizeof(slow_what), "%s %.2f s after SIGKILL%s: %s",
				 took > STUCK_S ? "alive" : "gone", took,
				 asleep ? ", asleep in the module past 1 s" : "",
				 stack[0] ? stack : "(no /proc/PID/stack)");
		}
		if (took > SLACK_S)
			say("# a SIGKILLed worker took %.2f s to go: %s\n", took,
			    stack[0] ? stack : "(no stack: on a CPU)");
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
	say("# the longest ioctl: %s\n", sh->took_what);
	ok(sh->late == 0, "every ioctl slept at most its timeout plus 1 s (%lu longer%s%s)",
	   sh->late, sh->late ? ": worst " : "", sh->late_what);
	ok(stuck == 0, "every SIGKILLed worker was gone within %.0f s (%lu of %lu not%s%s)",
	   STUCK_S, stuck, killed, stuck ? ": last " : "", stuck ? slow_what : "");
	ok(slow_deaths == 0,
	   "no SIGKILLed worker asleep in the module 1 s after the kill (%lu of %lu were%s%s)",
	   slow_deaths, killed, slow_deaths ? ": last " : "", slow_deaths ? slow_what : "");
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
