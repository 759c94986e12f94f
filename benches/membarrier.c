// SPDX-License-Identifier: GPL-2.0
/*
 * mmb-membarrier: the latency of membarrier(2) against the number, spread
 * and state of the threads it has to reach.
 *
 * Expedited commands IPI every CPU whose current task uses the caller's mm
 * (private, sync-core) or any registered mm (global); a CPU running
 * something else, or idle, is skipped.  SYNC_CORE relies on the mm switch
 * being core-serialising, which is exactly what lazy-TLB strategies move
 * around, so its cost with lazy victims belongs in a strategy comparison.
 * No published number exists for SYNC_CORE latency.
 *
 * Victims are threads of the initiator's process on the victim CPUs:
 * running (spinning in user space) or sleeping (blocked in the kernel,
 * their CPUs idle with the mm lazily loaded).  Private registration
 * happens before any victim exists, so its own IPIs are not in the
 * figures.
 *
 * Global registration waits until the victims are in their state, because
 * of a lazy mm: GLOBAL_EXPEDITED asks only the CPUs whose runqueue
 * carries the registration (rq->membarrier_state), and the kernel updates
 * that copy at a switch between two different mms.  Registered while the
 * process has one thread, only the caller's runqueue is updated.  A CPU
 * that still has the mm lazily loaded (the process was exec'd there, a
 * thread of it ran or exited there: exit_mm() clears the copy) keeps its
 * stale copy when the victim switches in, since prev and next mm are the
 * same, and never gets the IPI: run for run, "global" measured one IPI per
 * op or none (9.5 us against 0.5 us) until something else ran on that CPU.
 * Registered with the victims running, the kernel updates every runqueue
 * that runs the mm, and every running victim is asked.
 *
 * The register variant measures what registering costs a fresh mm: each op
 * forks a child that registers for private expedited SYNC_CORE and exits.
 * With --initiators N --victims 0, N callers at once: expedited commands
 * take a global mutex since 6.8, so throughput stays flat however many
 * CPUs call; as threads every call also IPIs the other callers' CPUs.
 *
 * It has no victims, as mmb-exec-exit fork-exit has none: a spinning
 * victim thread would take fork's flush_tlb_mm() IPI at every op, so
 * "register minus fork-exit" would not isolate the registration.
 */
#include <errno.h>
#include <linux/membarrier.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mmb.h"

static int victim_state;	/* 0 running, 1 sleeping */
static const char *const states[] = { "running", "sleeping", NULL };

static int membarrier(int cmd, unsigned int flags)
{
	return (int)syscall(__NR_membarrier, cmd, flags, 0);
}

static int require(struct mmb_run *r, int cmd, const char *name)
{
	int mask = membarrier(MEMBARRIER_CMD_QUERY, 0);

	if (mask < 0 || !(mask & cmd)) {
		mmb_error(r, "skip: kernel does not offer %s (CONFIG_MEMBARRIER, "
			  "ARCH_HAS_MEMBARRIER_SYNC_CORE)", name);
		return MMB_EXIT_SKIP;
	}
	return 0;
}

static int reg(struct mmb_run *r, int qcmd, int rcmd, const char *name)
{
	int ret = require(r, qcmd, name);

	if (ret)
		return ret;
	if (membarrier(rcmd, 0)) {
		mmb_error(r, "registering for %s: %s", name, strerror(errno));
		return MMB_EXIT_FAIL;
	}
	return 0;
}

static int setup_sync_core(struct mmb_run *r)
{
	return reg(r, MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE,
		   MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE,
		   "MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE");
}

static int setup_private(struct mmb_run *r)
{
	return reg(r, MEMBARRIER_CMD_PRIVATE_EXPEDITED,
		   MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED,
		   "MEMBARRIER_CMD_PRIVATE_EXPEDITED");
}

static int setup_global(struct mmb_run *r)
{
	return require(r, MEMBARRIER_CMD_GLOBAL_EXPEDITED,
		       "MEMBARRIER_CMD_GLOBAL_EXPEDITED");
}

/* with the victims on their CPUs: see the comment at the top */
static int started_global(struct mmb_run *r)
{
	return reg(r, MEMBARRIER_CMD_GLOBAL_EXPEDITED,
		   MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED,
		   "MEMBARRIER_CMD_GLOBAL_EXPEDITED");
}

static int setup_register(struct mmb_run *r)
{
	return require(r, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE,
		       "MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE");
}

static void victim(struct mmb_task *t)
{
	if (victim_state == 1) {
		mmb_task_park(t);
		return;
	}
	while (!mmb_task_stopping(t))
		;
}

static int op_cmd(int cmd)
{
	return membarrier(cmd, 0) ? -errno : 0;
}

static int op_sync_core(struct mmb_run *r)
{
	return op_cmd(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE);
}

static int op_private(struct mmb_run *r)
{
	return op_cmd(MEMBARRIER_CMD_PRIVATE_EXPEDITED);
}

static int op_global(struct mmb_run *r)
{
	return op_cmd(MEMBARRIER_CMD_GLOBAL_EXPEDITED);
}

static int op_register(struct mmb_run *r)
{
	int status;
	pid_t pid = mmb_fork();

	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE,
				 0) ? 1 : 0);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
		/* Ctrl-C: the child ignores it; reap it before leaving. */
		kill(pid, SIGKILL);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return -EPROTO;
	return 0;
}

#define MB_VARIANT(n, d, s, st, o, m) \
	{ .name = n, .desc = d, .op_desc = "one membarrier() call", \
	  .mode = MMB_MODE_THREADS, .mode_fixed = true, .setup = s, \
	  .started = st, .victim = victim, .op = o, .matrix = m }

static const struct mmb_variant variants[] = {
	MB_VARIANT("sync-core", "MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE",
		   setup_sync_core, NULL, op_sync_core, true),
	MB_VARIANT("private", "MEMBARRIER_CMD_PRIVATE_EXPEDITED",
		   setup_private, NULL, op_private, false),
	MB_VARIANT("global", "MEMBARRIER_CMD_GLOBAL_EXPEDITED",
		   setup_global, started_global, op_global, false),
	{ .name = "register",
	  .desc = "registration for SYNC_CORE in a fresh mm (fork+register+exit)",
	  .op_desc = "fork, REGISTER_PRIVATE_EXPEDITED_SYNC_CORE in the child, exit, wait",
	  .mode = MMB_MODE_PROCESSES, .mode_fixed = true,
	  .victims = MMB_VICTIM_NONE,
	  .setup = setup_register, .op = op_register },
	{ NULL }
};

static const struct mmb_opt opts[] = {
	{ "victim-state", MMB_OPT_CHOICE, &victim_state, "STATE",
	  "victims spin in user space or sleep in the kernel; a sleeping "
	  "victim's CPU polls in shallow idle under --cpu-dma-latency on (the "
	  "default) and sleeps deep with off: a different workload, so "
	  "compare never pairs the two", 0, 0, states },
	{ NULL }
};

static const struct mmb_bench bench = {
	.name = "membarrier",
	.plan_args = "--victims all",
	.desc = "membarrier() latency vs the number, spread and state of threads",
	.variants = variants,
	.opts = opts,
	.default_victims = 1,
};

MMB_MAIN(bench)
