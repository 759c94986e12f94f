// SPDX-License-Identifier: GPL-2.0
/*
 * mmb-helper-test: the helper module's promises, checked in a guest as
 * root (tests/integration/helper.sh boots the debug guest and runs it).
 * Prints TAP; exit 0 when every check passed, 1 otherwise.
 *
 *   - module parameters out of range fail the load;
 *   - max_total_kthreads caps the kthreads of all open files together,
 *     and they are all gone within 1 s of the last close(), after which
 *     the module unloads (while a file is open, it does not);
 *   - CAP_SYS_ADMIN is checked at every ioctl, not only at open();
 *   - with a SCHED_FIFO busy loop on the request's CPU (no RT throttling,
 *     no fair server), a caller dies within 1 s of SIGKILL, a request
 *     returns within its timeout plus 1 s, and close() within 1 s;
 *   - a CPU taken offline under a running request fails it (ENXIO)
 *     instead of returning another CPU's figures.
 *
 * Each of these failed against the module before its fix.  The RT checks
 * need the fair server off (debugfs, in the debug guest): with it on, a
 * starved kthread gets a CPU within ~1 s anyway and those checks cannot
 * fail; they say so.
 *
 *   mmb-helper-test [--module PATH] [--output FILE]
 *     --module   the module to load and unload (default /mmb/mmb_helper.ko)
 *     --output   also write the TAP to FILE (a directory: FILE/helper.tap)
 * (--format and --quiet, which vm-run.sh's plans add, are ignored.)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mmb_helper.h"
#include "guest.h"

static int helper_open(void)
{
	return open(MMB_HELPER_DEVICE, O_RDWR | O_CLOEXEC);
}

static struct mmb_helper_cpus one_cpu(int cpu)
{
	struct mmb_helper_cpus c;

	memset(&c, 0, sizeof(c));
	c.mask[cpu / 64] |= 1ull << (cpu % 64);
	return c;
}

static int use_unuse(int fd, int cpu, uint64_t iterations, uint32_t ms,
		     struct mmb_helper_use_unuse *out)
{
	struct mmb_helper_use_unuse req;

	memset(&req, 0, sizeof(req));
	req.abi = MMB_HELPER_ABI;
	req.iterations = iterations;
	req.timeout_ms = ms;
	req.cpus = one_cpu(cpu);
	if (ioctl(fd, MMB_HELPER_USE_UNUSE, &req))
		return -errno;
	if (out)
		*out = req;
	return 0;
}

static int exit_race(int fd, struct mmb_helper_cpus cpus, uint32_t ms)
{
	struct mmb_helper_exit_race req;

	memset(&req, 0, sizeof(req));
	req.abi = MMB_HELPER_ABI;
	req.timeout_ms = ms;
	req.cpus = cpus;
	return ioctl(fd, MMB_HELPER_EXIT_RACE, &req) ? -errno : 0;
}

static void pin(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	sched_setaffinity(0, sizeof(s), &s);
}

/* Waits up to s seconds for pid; true and its status if it ended. */
static bool reap_within(pid_t pid, double s, int *status)
{
	double end = now() + s;

	do {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return true;
		if (r < 0)
			return false;
		sleep_s(0.005);
	} while (now() < end);
	return false;
}

/* --- the checks */

static void check_params(void)
{
	static const char *const bad[] = {
		"max_timeout_ms=0", "max_timeout_ms=4294967295",
		"max_kthreads=0", "max_kthreads=100000",
		"max_iterations=0", "max_iterations=18446744073709551615",
		"max_total_kthreads=0", "max_total_kthreads=1000000",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = load(bad[i]);

		ok(ret < 0, "insmod %s fails (%s)", bad[i],
		   ret < 0 ? strerror(-ret) : "it loaded");
		if (!ret)
			unload();
	}
}

static void check_total_cap(int ncpus)
{
	struct mmb_helper_cpus two;
	int fd[3], ret[3], base, n, r;

	memset(&two, 0, sizeof(two));
	two.mask[0] = 3ull << 1;	/* CPUs 1 and 2 */
	r = load("max_total_kthreads=4");
	ok(r == 0, "insmod max_total_kthreads=4 (%s)", r ? strerror(-r) : "loaded");
	if (r) {
		if (load(""))
			return;
	}
	if (ncpus < 3) {
		say("ok %d - # SKIP the total cap needs 3 CPUs\n", ++ntest);
		goto out;
	}
	base = count_kthreads();
	for (int i = 0; i < 3; i++) {
		fd[i] = helper_open();
		ret[i] = fd[i] < 0 ? -errno : exit_race(fd[i], two, 5000);
	}
	ok(!ret[0] && !ret[1], "two files park 2 exit-race kthreads each (%s, %s)",
	   strerror(-ret[0]), strerror(-ret[1]));
	ok(ret[2] == -EAGAIN, "a third file's 2 more pass max_total_kthreads=4: EAGAIN (%s)",
	   ret[2] ? strerror(-ret[2]) : "it started them");
	n = count_kthreads() - base;
	ok(n <= 4, "%d module kthreads alive, at most 4", n);
	r = unload();
	ok(r == -EWOULDBLOCK || r == -EBUSY, "rmmod fails while a file is open (%s)",
	   r ? strerror(-r) : "it unloaded");
	for (int i = 0; i < 3; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	n = kthreads_within(base, 1.0);
	ok(n == base, "every kthread gone within 1 s of close() (%d left)", n - base);
out:
	r = unload_within(1.0);
	ok(r == 0, "rmmod succeeds within 1 s of the last close() (%s)",
	   r ? strerror(-r) : "unloaded");
	r = load("");
	ok(r == 0, "insmod with the defaults (%s)", r ? strerror(-r) : "loaded");
}

static void check_caps(void)
{
	int fd = helper_open(), status;
	pid_t pid;

	if (fd < 0) {
		ok(false, "open %s: %s", MMB_HELPER_DEVICE, strerror(errno));
		return;
	}
	pid = fork();
	if (pid == 0) {
		struct mmb_helper_info info;
		int bits = 0;

		/* leaving uid 0 drops every capability */
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(100);
		if (ioctl(fd, MMB_HELPER_INFO, &info) && errno == EPERM)
			bits |= 1;
		if (use_unuse(fd, 0, 1, 1000, NULL) == -EPERM)
			bits |= 2;
		if (exit_race(fd, one_cpu(0), 1000) == -EPERM)
			bits |= 4;
		_exit(bits);
	}
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 7,
	   "an inherited fd after dropping root: EPERM at INFO, USE_UNUSE and EXIT_RACE (mask %d of 7)",
	   WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	close(fd);
}

struct rt_env {
	char rt_runtime[32];
	char fair_path[128], fair_runtime[32];
	bool fair_off;
	pid_t hog;
};

/* A SCHED_FIFO 99 busy loop on cpu, nothing else allowed to preempt it. */
static void rt_hog_start(struct rt_env *e, int cpu)
{
	memset(e, 0, sizeof(*e));
	read_file("/proc/sys/kernel/sched_rt_runtime_us", e->rt_runtime,
		  sizeof(e->rt_runtime));
	write_file("/proc/sys/kernel/sched_rt_runtime_us", "-1");
	mkdir("/sys/kernel/debug", 0755);
	syscall(SYS_mount, "debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	snprintf(e->fair_path, sizeof(e->fair_path),
		 "/sys/kernel/debug/sched/fair_server/cpu%d/runtime", cpu);
	if (!read_file(e->fair_path, e->fair_runtime, sizeof(e->fair_runtime)))
		e->fair_off = !write_file(e->fair_path, "0");
	e->hog = fork();
	if (e->hog == 0) {
		struct sched_param sp = { .sched_priority = 99 };

		pin(cpu);
		if (sched_setscheduler(0, SCHED_FIFO, &sp))
			_exit(1);
		for (;;)
			;
	}
	sleep_s(0.1);
}

static void rt_hog_stop(struct rt_env *e)
{
	kill(e->hog, SIGKILL);
	waitpid(e->hog, NULL, 0);
	if (e->fair_off)
		write_file(e->fair_path, e->fair_runtime);
	if (e->rt_runtime[0])
		write_file("/proc/sys/kernel/sched_rt_runtime_us", e->rt_runtime);
}

static void check_starved(int cpu)
{
	struct rt_env e;
	pid_t kid, tmo, cls;
	int status, base = count_kthreads(), n;
	double t;
	bool dead;

	rt_hog_start(&e, cpu);
	say("# SCHED_FIFO busy loop on CPU %d; fair server %s\n", cpu,
	    e.fair_off ? "off" : "on (no debugfs knob): these checks cannot fail here");

	/* SIGKILL in the middle of a request whose kthread cannot run */
	kid = fork();
	if (kid == 0) {
		int fd = helper_open();

		_exit(use_unuse(fd, cpu, 1, 60000, NULL) ? 1 : 0);
	}
	sleep_s(0.3);
	kill(kid, SIGKILL);
	t = now();
	dead = reap_within(kid, 1.0, &status);
	ok(dead, "SIGKILL ends a USE_UNUSE whose kthread cannot run within 1 s (%s)",
	   dead ? "dead" : "still there after 1 s");
	if (dead)
		say("#   it died %.0f ms after the signal\n", (now() - t) * 1e3);

	/* the timeout, alone */
	tmo = fork();
	if (tmo == 0) {
		int fd = helper_open();

		_exit(use_unuse(fd, cpu, 1, 100, NULL) == -ETIMEDOUT ? 0 : 1);
	}
	t = now();
	dead = reap_within(tmo, 1.1, &status);
	ok(dead && WIFEXITED(status) && !WEXITSTATUS(status),
	   "USE_UNUSE with a 100 ms timeout returns ETIMEDOUT within 1.1 s (%s)",
	   dead ? "returned" : "still waiting");

	/* close() after an exit race that timed out */
	cls = fork();
	if (cls == 0) {
		int fd = helper_open();
		double t0;

		if (exit_race(fd, one_cpu(cpu), 100) != -ETIMEDOUT)
			_exit(1);
		t0 = now();
		close(fd);
		_exit(now() - t0 < 1.0 ? 0 : 2);
	}
	dead = reap_within(cls, 2.2, &status);
	ok(dead && WIFEXITED(status) && !WEXITSTATUS(status),
	   "EXIT_RACE times out and close() returns within 1 s (%s)",
	   !dead ? "stuck" : WIFEXITED(status) && WEXITSTATUS(status) == 2 ?
	   "close took over 1 s" : WIFEXITED(status) && !WEXITSTATUS(status) ?
	   "yes" : "the request did not time out");

	/* the hog goes: everything left behind finishes on its own */
	rt_hog_stop(&e);
	reap_within(kid, 30, &status);
	reap_within(tmo, 30, &status);
	reap_within(cls, 30, &status);
	n = kthreads_within(base, 1.0);
	ok(n == base, "once the CPU is free, the starved kthreads exit within 1 s (%d left)",
	   n - base);
}

struct inflight {
	int fd, cpu;
	uint64_t iterations;
	double t0, t1;
	int ret;
	struct mmb_helper_use_unuse res;
};

static void *inflight_fn(void *arg)
{
	struct inflight *f = arg;

	f->t0 = now();
	f->ret = use_unuse(f->fd, f->cpu, f->iterations, 30000, &f->res);
	f->t1 = now();
	return NULL;
}

static void check_hotplug(int cpu)
{
	char online[64];
	int fd = helper_open(), tries;
	struct mmb_helper_use_unuse cal;
	uint64_t iters;
	double per;

	snprintf(online, sizeof(online), "/sys/devices/system/cpu/cpu%d/online", cpu);
	if (fd < 0 || access(online, W_OK)) {
		say("ok %d - # SKIP CPU %d cannot go offline here\n", ++ntest, cpu);
		if (fd >= 0)
			close(fd);
		return;
	}
	/* about 1.5 s of pairs, so the offlining lands inside the request */
	if (use_unuse(fd, cpu, 20000, 30000, &cal) || !cal.done) {
		ok(false, "calibration USE_UNUSE on CPU %d", cpu);
		close(fd);
		return;
	}
	per = cal.ns / 1e9 / cal.done;
	iters = (uint64_t)(1.5 / per);
	for (tries = 0; tries < 3; tries++, iters *= 4) {
		struct inflight f = { .fd = fd, .cpu = cpu, .iterations = iters };
		double off0, off1;
		int r, inval, fd2;
		pthread_t th;

		if (iters > 10000000)
			iters = 10000000;
		f.iterations = iters;
		pthread_create(&th, NULL, inflight_fn, &f);
		sleep_s(0.3);
		off0 = now();
		r = write_file(online, "0");
		off1 = now();
		/* another file: this one's lock is held by the request */
		fd2 = helper_open();
		inval = use_unuse(fd2, cpu, 1, 1000, NULL);
		close(fd2);
		write_file(online, "1");
		pthread_join(th, NULL);
		if (r) {
			ok(false, "CPU %d offline: %s", cpu, strerror(-r));
			break;
		}
		ok(inval == -EINVAL, "a request for offline CPU %d: EINVAL (%s)", cpu,
		   inval ? strerror(-inval) : "it ran");
		if (f.t1 < off0) {
			say("# the request ended before the offlining (%llu pairs): again, longer\n",
			    (unsigned long long)iters);
			continue;
		}
		/* its kthread ran at least until t0 + ns: after the CPU left */
		if (!f.ret && f.t0 + f.res.ns / 1e9 < off1) {
			say("# the kthread finished before the CPU left: again, longer\n");
			continue;
		}
		ok(f.ret == -ENXIO,
		   "CPU %d offlined under a running USE_UNUSE: ENXIO, not its figures (%s)",
		   cpu, f.ret ? strerror(-f.ret) : "it returned figures");
		break;
	}
	if (tries == 3)
		ok(false, "the offlining never landed inside a request");
	close(fd);
}

int main(int argc, char **argv)
{
	int ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN), base, n;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--module") && i + 1 < argc) {
			module = argv[++i];
		} else if (!strcmp(argv[i], "--output") && i + 1 < argc) {
			if (!tap_output(argv[++i], "helper"))
				return 2;
		} else if (!strcmp(argv[i], "--format") && i + 1 < argc) {
			i++;
		} else if (!strcmp(argv[i], "--quiet")) {
		} else {
			fprintf(stderr, "mmb-helper-test: unexpected argument '%s'\n", argv[i]);
			return 2;
		}
	}
	if (geteuid()) {
		fprintf(stderr, "mmb-helper-test: needs root\n");
		return 2;
	}
	pin(0);
	if (loaded()) {
		int r = unload_within(2.0);

		if (r) {
			fprintf(stderr, "mmb-helper-test: rmmod mmb_helper: %s\n", strerror(-r));
			return 1;
		}
	}
	base = count_kthreads();
	check_params();
	check_total_cap(ncpus);
	check_caps();
	if (ncpus >= 2) {
		check_starved(ncpus - 1);
		check_hotplug(ncpus - 1);
	} else {
		say("ok %d - # SKIP the starved and hotplug checks need 2 CPUs\n", ++ntest);
	}
	n = kthreads_within(base, 1.0);
	ok(n == base, "the module's kthread count is back to its baseline (%d extra)", n - base);
	say("1..%d\n", ntest);
	return nfail ? 1 : 0;
}
