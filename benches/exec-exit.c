// SPDX-License-Identifier: GPL-2.0
/*
 * mmb-exec-exit: the cost of tearing an mm down.
 *
 * Each op forks a child and waits for it:
 *  fork-exit - the child exits at once: one mm copied and torn down
 *  fork-exec - the child execs a tiny static program (no libc, one
 *              exit_group), so two mms are torn down: the copy at exec, the
 *              new one at exit
 *  walk-exit - the child pins itself to each victim CPU in turn and then
 *              exits, leaving its mm lazily loaded on every CPU it visited
 *              (each goes idle or runs a kernel thread afterwards).  This is
 *              the adversarial case for the shootdown strategy: the final
 *              __mmdrop must IPI every CPU still in mm_cpumask, where
 *              refcount only drops a count.  IPIs per op are the figure.
 *
 * Victims here are CPUs the walk-exit child visits (default: every CPU of
 * --cpus but the initiator), not tasks.  The fork-exit and fork-exec child
 * runs on the initiator's CPU.
 *
 * The child is a copy of this process, so fork's cost follows the bench's own
 * mm: its VMA count and resident size go into params (parent_vmas,
 * parent_rss_kb).  Results pair on the VMA count, which tells builds apart;
 * the resident size moves by a few pages from run to run and is recorded
 * only (lib/results.c).
 *
 * With --initiators N, N mms torn down at once, one per initiator's child:
 * concurrent teardown.  As threads every fork also flushes the TLB of the
 * other initiators' CPUs (fork write-protects the shared parent's memory).
 *
 * --tables N: before anything else the child writes one byte into each of
 * N 2 MiB slots of a region the parent reserved (untouched there, no huge
 * pages), so its mm has N more page-table pages to free.  Past a batch of
 * freed tables (MAX_TABLE_BATCH, about 500 with 4 KiB pages) the teardown
 * flushes more than once, and on x86 since 6.14 a later flush clears from
 * mm_cpumask() the lazy CPUs an earlier one moved to init_mm: the path a
 * shoot-lazies kernel must still get right (the debug guest's stress plan
 * runs walk-exit with it).
 *
 * Left out: vfork (no mm copy to tear down) and multi-threaded children.
 */
#include <errno.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mmb.h"

static const char *target;
static long tables;
static volatile char *slots;

#define SLOT (2UL << 20)	/* one PTE page each, 4 KiB pages */

/* In the child, before it does anything else: syscalls and stores only. */
static void fill_tables(void)
{
	for (long i = 0; i < tables; i++)
		slots[i * SLOT] = 1;
}

/* The region the children fill; the parent never touches it. */
static int setup_tables(struct mmb_run *r)
{
	size_t len = (size_t)tables * SLOT;
	void *p;

	if (!tables || slots)
		return 0;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		mmb_error(r, "--tables %ld: mmap of %zu MiB: %s", tables,
			  len >> 20, strerror(errno));
		return -1;
	}
	/* a huge page would fill a slot without a page table */
	if (madvise(p, len, MADV_NOHUGEPAGE) && errno != EINVAL) {
		mmb_error(r, "--tables: madvise(MADV_NOHUGEPAGE): %s",
			  strerror(errno));
		munmap(p, len);
		return -1;
	}
	slots = p;
	return 0;
}

static int wait_child(pid_t pid)
{
	int status;

	if (pid < 0)
		return -errno;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
		/* Ctrl-C: the child ignores it; reap it before leaving. */
		kill(pid, SIGKILL);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return -ECHILD;
	return 0;
}

static int op_fork_exit(struct mmb_run *r)
{
	pid_t pid = mmb_fork();

	if (pid == 0) {
		fill_tables();
		_exit(0);
	}
	return wait_child(pid);
}

/* Once, before any initiator: the path is the same for all of them. */
static const char *exec_target(void)
{
	if (!target)
		target = getenv("MMB_EXEC_TARGET");
	if (!target)
		target = mmb_libexec("mmb-exec-target");
	return target;
}

static int setup_exec(struct mmb_run *r)
{
	struct stat st;

	if (setup_tables(r))
		return -1;
	if (!target || stat(target, &st) || !(st.st_mode & S_IXUSR)) {
		mmb_error(r, "exec target %s: %s (build it with make)",
			  target ? target : "?", strerror(errno));
		return -1;
	}
	return 0;
}

static int op_fork_exec(struct mmb_run *r)
{
	static char *const argv[] = { "mmb-exec-target", NULL };
	static char *const envp[] = { NULL };
	pid_t pid = mmb_fork();

	if (pid == 0) {
		fill_tables();
		mmb_exec(target, argv, envp);
		_exit(127);
	}
	return wait_child(pid);
}

static int op_walk_exit(struct mmb_run *r)
{
	pid_t pid = mmb_fork();

	if (pid == 0) {
		int n = mmb_nr_victims(r);

		fill_tables();
		for (int i = 0; i < n; i++)
			if (mmb_pin_self(mmb_victim_cpu(r, i)))
				_exit(1);
		_exit(0);
	}
	return wait_child(pid);
}

/* The size of the mm every op copies and tears down. */
static void params(struct mmb_run *r)
{
	char line[256];
	long vmas = 0, rss = -1;
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f))
		if (strchr(line, '\n'))
			vmas++;
	if (f)
		fclose(f);
	f = fopen("/proc/self/status", "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &rss) == 1)
			break;
	if (f)
		fclose(f);
	mmb_param_int(r, "parent_vmas", vmas);
	mmb_param_int(r, "parent_rss_kb", rss);
	if (!strcmp(mmb_variant(r)->name, "fork-exec") && exec_target())
		mmb_param_str(r, "exec_target", target);
}

static const struct mmb_variant variants[] = {
	{ .name = "fork-exit", .desc = "fork; the child exits at once",
	  .op_desc = "fork + child exit + wait",
	  .mode = MMB_MODE_PROCESSES, .mode_fixed = true,
	  .victims = MMB_VICTIM_NONE, .setup = setup_tables, .op = op_fork_exit,
	  .matrix = true },
	{ .name = "fork-exec", .desc = "fork; the child execs a no-libc program",
	  .op_desc = "fork + exec of mmb-exec-target + exit + wait",
	  .mode = MMB_MODE_PROCESSES, .mode_fixed = true,
	  .victims = MMB_VICTIM_NONE, .setup = setup_exec, .op = op_fork_exec },
	{ .name = "walk-exit",
	  .desc = "the child visits every victim CPU, then exits (lazy mm everywhere)",
	  .op_desc = "fork + child migrates over the victim CPUs + exit + wait",
	  .mode = MMB_MODE_PROCESSES, .mode_fixed = true,
	  .victims = MMB_VICTIM_CPUS, .setup = setup_tables, .op = op_walk_exit,
	  .matrix = true },
	{ NULL }
};

static const struct mmb_opt opts[] = {
	{ "tables", MMB_OPT_INT, &tables, "N",
	  "the child fills N page-table pages before it exits (one byte per "
	  "2 MiB slot), so its teardown frees them in batches", 0, 1 << 16 },
	{ NULL }
};

static const struct mmb_bench bench = {
	.name = "exec-exit",
	.desc = "process teardown: fork-exit, fork-exec, and exit after a walk",
	.variants = variants,
	.opts = opts,
	.default_victims = -1,
	.params = params,
};

MMB_MAIN(bench)
