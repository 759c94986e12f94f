// SPDX-License-Identifier: GPL-2.0
/*
 * mmb-ctxsw: context switches with and without an mm switch.
 *
 * Two tasks ping-pong one byte over a pair of pipes; one op is a round trip,
 * the op `perf bench sched pipe` counts, so the two can be compared under
 * the same pinning.  By default both tasks share the initiator's CPU, so
 * every op is two direct task-to-task switches:
 *  threads   - one mm: switch_mm is skipped
 *  processes - two mms: an mm switch each way (will-it-scale's
 *              context_switch1_processes, the refcount-bouncing case is the
 *              threads flavour at scale)
 *  idle      - the partner on another CPU: each CPU goes idle between
 *              messages, keeping the mm loaded lazily, which is the path the
 *              lazy-TLB strategies differ on (mmgrab/mmdrop of mm_count for
 *              refcount, nothing for shootdown)
 *  kthread   - the partner is a kernel thread of the helper module
 *              (kmod-helper/): user task -> kthread -> user task, so each
 *              switch into the partner is a lazy one (the kthread borrows
 *              our mm as active_mm).  One op is one ioctl round trip.
 *              Exits 4 without the module.
 * Give --victims '3,' to put the partner elsewhere.
 *
 * At scale (--initiators N, each initiator with its own partner):
 *  threads   - will-it-scale's context_switch1_threads op for op (one of
 *              our round trips is two of its iterations): each pair on one
 *              CPU, every task in one mm; the shoot-lazies posting (Piggin,
 *              6.4) and the lazy-mm hazard-pointer series (Desnoyers, 2024)
 *              were both judged on it; with --initiator-mode processes and
 *              --variant processes, context_switch1_processes
 *  idle      - Piggin's shape: "as many software threads as CPUs (so each
 *              switch will go in and out of idle)", each pair on two CPUs,
 *              one mm: under refcount every lazy entry and exit is an atomic
 *              on the shared mm_count
 *
 * Left out: futex-based wakeups (pipes are what both references use).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "mmb.h"
#include "mmb_helper.h"

/* One pair's: with --initiators each initiator has its own partner. */
struct pair {
	int to_partner[2], from_partner[2];
	int helper_fd;
};

static int setup(struct mmb_run *r)
{
	struct pair *p = mmb_priv(r);

	p->to_partner[0] = p->to_partner[1] = -1;
	p->from_partner[0] = p->from_partner[1] = -1;
	if (pipe(p->to_partner) || pipe(p->from_partner)) {
		mmb_error(r, "pipe: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void partner(struct mmb_task *t)
{
	struct pair *p = mmb_priv(mmb_task_run(t));
	char c;

	/* A process partner holds copies of our ends: drop them, or EOF never comes. */
	if (mmb_mode(mmb_task_run(t)) == MMB_MODE_PROCESSES) {
		close(p->to_partner[1]);
		close(p->from_partner[0]);
	}
	while (read(p->to_partner[0], &c, 1) == 1)
		if (write(p->from_partner[1], &c, 1) != 1)
			break;
}

static void wake(struct mmb_run *r)
{
	struct pair *p = mmb_priv(r);

	/* EOF on its pipe is what makes the partner leave. */
	close(p->to_partner[1]);
	p->to_partner[1] = -1;
}

static int op(struct mmb_run *r)
{
	struct pair *p = mmb_priv(r);
	char c = 0;

	if (write(p->to_partner[1], &c, 1) != 1)
		return -errno;
	if (read(p->from_partner[0], &c, 1) != 1)
		return errno ? -errno : -EPIPE;
	return 0;
}

static void teardown(struct mmb_run *r)
{
	struct pair *p = mmb_priv(r);
	int *fds[] = { p->to_partner, p->from_partner };

	for (int i = 0; i < 2; i++) {
		for (int j = 0; j < 2; j++) {
			if (fds[i][j] >= 0)
				close(fds[i][j]);
			fds[i][j] = -1;
		}
	}
}

static int kthread_setup(struct mmb_run *r)
{
	struct pair *p = mmb_priv(r);
	struct mmb_helper_partner req = {
		.abi = MMB_HELPER_ABI, .cpu = (__u32)mmb_victim_cpu(r, 0),
		.timeout_ms = 10000,
	};

	p->helper_fd = mmb_helper_open(r);
	if (p->helper_fd < 0)
		return -p->helper_fd;
	if (ioctl(p->helper_fd, MMB_HELPER_PARTNER_START, &req)) {
		mmb_error(r, "starting the partner kthread: %s", strerror(errno));
		close(p->helper_fd);
		p->helper_fd = -1;
		return MMB_EXIT_FAIL;
	}
	return 0;
}

static int kthread_op(struct mmb_run *r)
{
	struct pair *p = mmb_priv(r);

	return ioctl(p->helper_fd, MMB_HELPER_PARTNER_PING) ? -errno : 0;
}

static void kthread_teardown(struct mmb_run *r)
{
	struct pair *p = mmb_priv(r);

	if (p->helper_fd < 0)
		return;
	ioctl(p->helper_fd, MMB_HELPER_PARTNER_STOP);
	close(p->helper_fd);
	p->helper_fd = -1;
}

#define CTXSW_OP "one round trip: write, partner reads and writes back, read"

static const struct mmb_variant variants[] = {
	{ .name = "threads", .desc = "ping-pong between two threads (no mm switch)",
	  .op_desc = CTXSW_OP, .mode = MMB_MODE_THREADS, .mode_fixed = true,
	  .victim_on_initiator = true, .victims_wait = true,
	  .setup = setup, .victim = partner,
	  .wake = wake, .op = op, .teardown = teardown, .matrix = true },
	{ .name = "processes",
	  .desc = "ping-pong between two processes (an mm switch each way)",
	  .op_desc = CTXSW_OP, .mode = MMB_MODE_PROCESSES, .mode_fixed = true,
	  .victim_on_initiator = true, .victims_wait = true,
	  .setup = setup, .victim = partner,
	  .wake = wake, .op = op, .teardown = teardown, .matrix = true },
	{ .name = "idle",
	  .desc = "partner on another CPU: both CPUs pass through idle (lazy mm); shallow polling idle under --cpu-dma-latency on (default), deep idle and wake-up IPIs with off",
	  .op_desc = CTXSW_OP, .mode = MMB_MODE_THREADS, .victims_wait = true,
	  .setup = setup, .victim = partner, .wake = wake, .op = op,
	  .teardown = teardown, .matrix = true },
	{ .name = "kthread",
	  .desc = "ping-pong with a kernel thread (lazy mm switch; helper module)",
	  .op_desc = "one ioctl round trip: wake the partner kthread, wait for its answer",
	  .mode = MMB_MODE_THREADS, .mode_fixed = true,
	  .victims = MMB_VICTIM_CPUS, .victim_on_initiator = true,
	  .setup = kthread_setup, .op = kthread_op,
	  .teardown = kthread_teardown, .matrix = true },
	{ NULL }
};

static int check(struct mmb_run *r)
{
	if (mmb_nr_victims(r) != 1) {
		fprintf(stderr, "mmb-ctxsw: --victims: exactly one partner CPU\n");
		return MMB_EXIT_USAGE;
	}
	return 0;
}

static const struct mmb_bench bench = {
	.name = "ctxsw",
	.desc = "context-switch round trips with and without an mm switch",
	.variants = variants,
	.default_victims = 1,
	.max_victims = 1,
	.priv_size = sizeof(struct pair),
	.check = check,
};

MMB_MAIN(bench)
