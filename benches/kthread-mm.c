// SPDX-License-Identifier: GPL-2.0
/*
 * mmb-kthread-mm: kernel threads that borrow a user mm, as io_uring and
 * vhost workers do, through the helper module (kmod-helper/).
 *
 *  use-unuse - kthreads bound to the victim CPUs each run --pairs
 *              kthread_use_mm()/kthread_unuse_mm() pairs on our mm.  Every
 *              pair switches the kthread onto the mm and back to lazy use,
 *              which is where the refcount strategy touches mm_count (one
 *              shared cache line for all the kthreads).  kthread_pair_ns
 *              is timed inside the kthreads; latency_ns is the whole
 *              request, kthread creation included.
 *  exit-race - a forked child has kthreads on the victim CPUs adopt its
 *              mm, let it go and sleep there, so each of those CPUs holds
 *              the mm lazily; then the child exits.  The final __mmdrop
 *              under shootdown IPIs every such CPU; under refcount it waits
 *              for them to switch away.  IPIs per op are the point.
 *
 * Without the module both variants exit 4 and say how to load it.
 * Left out: kthreads that touch user memory while holding the mm.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mmb.h"
#include "mmb_helper.h"

static long pairs = 100;
static long timeout_ms = 10000;
/* One initiator's: with --initiators each has its own fd and CPUs. */
struct helper {
	int fd;
	struct mmb_helper_cpus cpus;
};

enum { C_NS, C_CYCLES, C_PAIRS };

static int setup(struct mmb_run *r)
{
	struct helper *h = mmb_priv(r);

	memset(&h->cpus, 0, sizeof(h->cpus));
	for (int i = 0; i < mmb_nr_victims(r); i++) {
		int c = mmb_victim_cpu(r, i);

		if (c >= MMB_HELPER_CPU_WORDS * 64) {
			mmb_error(r, "CPU %d is past the helper's %d-CPU bitmap",
				  c, MMB_HELPER_CPU_WORDS * 64);
			return MMB_EXIT_FAIL;
		}
		h->cpus.mask[c / 64] |= 1ull << (c % 64);
	}
	h->fd = mmb_helper_open(r);
	return h->fd < 0 ? -h->fd : 0;
}

static int op_use_unuse(struct mmb_run *r)
{
	struct helper *h = mmb_priv(r);
	struct mmb_helper_use_unuse req = {
		.abi = MMB_HELPER_ABI, .iterations = (__u64)pairs,
		.timeout_ms = (__u32)timeout_ms, .cpus = h->cpus,
	};

	if (ioctl(h->fd, MMB_HELPER_USE_UNUSE, &req))
		return -errno;
	mmb_count(r, C_NS, (double)req.ns);
	mmb_count(r, C_CYCLES, (double)req.cycles);
	mmb_count(r, C_PAIRS, (double)req.done);
	return 0;
}

static int op_exit_race(struct mmb_run *r)
{
	struct helper *h = mmb_priv(r);
	struct mmb_helper_exit_race req = {
		.abi = MMB_HELPER_ABI, .timeout_ms = (__u32)timeout_ms,
		.cpus = h->cpus,
	};
	int status, ret = 0;
	pid_t pid = mmb_fork();

	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(ioctl(h->fd, MMB_HELPER_EXIT_RACE, &req) ? 1 : 0);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
		kill(pid, SIGKILL);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		ret = -EPROTO;
	/* the kthreads switch away now: refcount's deferred __mmdrop */
	if (ioctl(h->fd, MMB_HELPER_EXIT_RACE_DONE) && !ret)
		ret = -errno;
	return ret;
}

static void teardown(struct mmb_run *r)
{
	struct helper *h = mmb_priv(r);

	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
}

static const struct mmb_variant variants[] = {
	{ .name = "use-unuse",
	  .desc = "kthreads on the victim CPUs use and unuse our mm --pairs times",
	  .op_desc = "one request: a kthread per victim CPU runs --pairs use/unuse pairs",
	  .mode = MMB_MODE_THREADS, .mode_fixed = true,
	  .victims = MMB_VICTIM_CPUS, .setup = setup, .op = op_use_unuse,
	  .teardown = teardown, .matrix = true },
	{ .name = "exit-race",
	  .desc = "the owner exits while kthreads hold its mm lazily on the victim CPUs",
	  .op_desc = "fork; child lends its mm to the kthreads and exits; wait; kthreads leave",
	  .mode = MMB_MODE_PROCESSES, .mode_fixed = true,
	  .victims = MMB_VICTIM_CPUS, .setup = setup, .op = op_exit_race,
	  .teardown = teardown, .matrix = true },
	{ NULL }
};

static const struct mmb_counter counters[] = {
	[C_NS] = { "kthread_pair_ns", "ns",
		   "ktime_get_ns() in the kthreads, per use/unuse pair", C_PAIRS,
		   { MMB_KIND_TIME, .label = "kthread_use_mm() + unuse pair, in the kthread" } },
	[C_CYCLES] = { "kthread_pair_cycles", "cycles",
		       "get_cycles() in the kthreads, per use/unuse pair (TSC on x86)",
		       C_PAIRS, { MMB_KIND_CYCLES,
		       .label = "cycles per kthread_use_mm() + unuse pair" } },
	/* how much work a request was: the run's shape, not a cost */
	[C_PAIRS] = { "pairs_per_op", "pairs", "helper module", -1,
		      { .better = MMB_BETTER_NEITHER, .role = MMB_ROLE_INFO,
			.label = "use/unuse pairs per request" } },
	{ NULL }
};

static const struct mmb_opt opts[] = {
	{ "pairs", MMB_OPT_INT, &pairs, "N",
	  "use/unuse pairs per kthread per op (use-unuse)", 1, 10000000 },
	{ "helper-timeout", MMB_OPT_INT, &timeout_ms, "MS",
	  "longest one helper request may take", 1, 60000 },
	{ NULL }
};

static const struct mmb_bench bench = {
	.name = "kthread-mm",
	.plan_args = "--victims all",
	.desc = "kthread_use_mm()/unuse and lazy kthreads at exit (helper module)",
	.variants = variants,
	.opts = opts,
	.counters = counters,
	.default_victims = 1,
	.priv_size = sizeof(struct helper),
};

MMB_MAIN(bench)
