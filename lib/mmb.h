/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmb: the contract between one benchmark file (benches/<name>.c) and the
 * runner in lib/.
 *
 * A bench describes its variants and options and hands one struct mmb_bench
 * to MMB_MAIN().  The runner owns everything else: option parsing, placement
 * and pinning, victim tasks and the start barrier, warm-up, timing, cycles,
 * IPI accounting, statistics and output.  A bench never prints, times or pins
 * by itself (walk-exit's child pinning itself through mmb_pin_self() is the
 * one deliberate exception: the migration is the workload).
 *
 * With --initiators N the runner runs N copies of a variant at once, each
 * with its own struct mmb_run: setup, victims, op and teardown run in that
 * initiator's thread or process.  So whatever an op changes (fds, a
 * mapping) lives in mmb_priv(r), one per initiator, not in a static;
 * statics hold options only.
 */
#ifndef MMB_H
#define MMB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MMB_VERSION "0.1.0"

/* Exit codes every bench and tool keeps. */
enum {
	MMB_EXIT_OK = 0,
	MMB_EXIT_FAIL = 1,
	MMB_EXIT_USAGE = 2,
	MMB_EXIT_SKIP = 4,
};

/* What --victims means for a variant. */
enum mmb_victims {
	MMB_VICTIM_TASKS,	/* tasks on the victim CPUs run ->victim() */
	MMB_VICTIM_CPUS,	/* CPUs the op itself visits; no tasks */
	MMB_VICTIM_NONE,	/* the variant has no victims */
};

enum mmb_mode {
	MMB_MODE_THREADS,
	MMB_MODE_PROCESSES,
};

struct mmb_run;		/* one variant being measured */
struct mmb_task;	/* one victim task (thread or process) */

/* Typed option table: drives getopt_long, --help, validation and params. */
enum mmb_opt_type {
	MMB_OPT_FLAG,		/* bool */
	MMB_OPT_INT,		/* long, within [min, max] */
	MMB_OPT_DOUBLE,		/* double, within [min, max] */
	MMB_OPT_CHOICE,		/* int: index into choices[] */
	MMB_OPT_STR,		/* const char * */
};

struct mmb_opt {
	const char *name;
	enum mmb_opt_type type;
	void *ptr;
	const char *arg;	/* metavariable in --help */
	const char *help;
	double min, max;
	const char *const *choices;	/* NULL-terminated, for CHOICE */
};

struct mmb_variant {
	const char *name;
	const char *desc;
	const char *op_desc;	/* what one op is, printed with results */
	enum mmb_mode mode;	/* default task mode for victims */
	bool mode_fixed;	/* --mode may not override it */
	enum mmb_victims victims;
	/* Victims block by design (a pipe partner): not "busy" victims. */
	bool victims_wait;
	/* Without --victims, the one victim shares the initiator's CPU. */
	bool victim_on_initiator;
	/* Before any victim exists (membarrier registration, buffers). */
	int (*setup)(struct mmb_run *r);
	/*
	 * Once every victim is in its state, before the first op (with
	 * --initiators, by each initiator once all of them are set up).
	 */
	int (*started)(struct mmb_run *r);
	/* Body of each victim task; returns when mmb_task_stopping(). */
	void (*victim)(struct mmb_task *t);
	/* Unblocks victims that wait on something only the bench knows. */
	void (*wake)(struct mmb_run *r);
	/* Untimed work before each op: per-op timing is used when set. */
	int (*prepare)(struct mmb_run *r);
	/* One operation; 0 or a negative errno. */
	int (*op)(struct mmb_run *r);
	void (*teardown)(struct mmb_run *r);
	/*
	 * The strategy matrix runs it (scripts/mmb plan --matrix writes the
	 * guests' plans from these): the variants whose op crosses the lazy
	 * mm paths the strategies differ on.
	 */
	bool matrix;
};

/*
 * What a metric is, for every tool that reads it (lib/metrics.c): the
 * result carries it in its metric_info block.  All zero is the common
 * case: a count per op, lower is better, and the gate judges it.
 */
enum mmb_kind {
	MMB_KIND_COUNT,		/* events per op */
	MMB_KIND_TIME,		/* a duration: ns */
	MMB_KIND_CYCLES,	/* a cycle or tick count per op */
	MMB_KIND_RATE,		/* per second */
	MMB_KIND_RATIO,		/* a share, 0..1 */
	MMB_KIND_LEVEL,		/* a level the run had (a clock rate) */
};

enum mmb_better {
	MMB_BETTER_LOWER,
	MMB_BETTER_HIGHER,
	MMB_BETTER_NEITHER,	/* describes the run, not the kernel */
};

enum mmb_role {
	MMB_ROLE_GATED,		/* tested, and a regression fails the gate */
	MMB_ROLE_INFO,		/* shown by compare, never tested */
	MMB_ROLE_DETAIL,	/* kept in the result; compare leaves it out */
};

struct mmb_metric_desc {
	enum mmb_kind kind;
	enum mmb_better better;
	enum mmb_role role;
	/* What it means, short: plot axes and legends.  NULL: the name. */
	const char *label;
	/* A column of mmb-summary and mmb-matrix, with this heading. */
	const char *column;
};

/*
 * A figure only the bench can see (time measured inside the kernel, say),
 * summed over a sample through mmb_count() and divided by the sample's ops,
 * or by another counter's sum when per >= 0.
 */
struct mmb_counter {
	const char *name;	/* metric name, units in it: "kthread_pair_ns" */
	const char *unit;
	const char *source;
	int per;		/* -1: per op; else index of the divisor */
	struct mmb_metric_desc desc;
};

#define MMB_MAX_COUNTERS 8

struct mmb_bench {
	const char *name;
	const char *desc;
	const struct mmb_variant *variants;	/* terminated by a NULL name */
	const struct mmb_opt *opts;		/* terminated by a NULL name */
	int default_victims;	/* count; -1 means every CPU but the initiator */
	int max_victims;	/* 0: no limit */
	size_t shared_size;	/* bytes of MAP_SHARED memory for the bench */
	size_t priv_size;	/* bytes of per-initiator state (mmb_priv) */
	/* Cross-checks of bench options, after placement is known. */
	int (*check)(struct mmb_run *r);
	const struct mmb_counter *counters;	/* terminated by a NULL name */
	/*
	 * Cross-calls to count apart, by the kernel function they run:
	 * "metric=function" (tp_<metric>_per_op), NULL-terminated.
	 */
	const char *const *cross_calls;
	/* Adds the bench's parameters to the result (mmb_param_*). */
	void (*params)(struct mmb_run *r);
	/*
	 * Options its lines in a guest's plan take ("--victims all"), for
	 * the variants that have victims.
	 */
	const char *plan_args;
};

int mmb_main(const struct mmb_bench *b, int argc, char **argv);

#define MMB_MAIN(bench)						\
	int main(int argc, char **argv)				\
	{							\
		return mmb_main(&(bench), argc, argv);		\
	}

/* Placement, as resolved and validated by the runner. */
int mmb_initiator_cpu(const struct mmb_run *r);
int mmb_nr_victims(const struct mmb_run *r);
int mmb_victim_cpu(const struct mmb_run *r, int i);
enum mmb_mode mmb_mode(const struct mmb_run *r);
int mmb_mem_node(const struct mmb_run *r);	/* -1: local */
void *mmb_shared(const struct mmb_run *r);	/* bench's shared_size bytes */
void *mmb_priv(const struct mmb_run *r);	/* priv_size bytes, zeroed */
int mmb_initiator_index(const struct mmb_run *r);	/* 0..N-1 */
int mmb_nr_initiators(const struct mmb_run *r);
const struct mmb_variant *mmb_variant(const struct mmb_run *r);

/* Victim side. */
int mmb_task_index(const struct mmb_task *t);
int mmb_task_cpu(const struct mmb_task *t);
struct mmb_run *mmb_task_run(const struct mmb_task *t);
bool mmb_task_stopping(const struct mmb_task *t);
/*
 * Blocks (sleeps in the kernel) until the run stops; mmb_victims_rerun()
 * has it wake and run a moment first.
 */
void mmb_task_park(struct mmb_task *t);
/* Parked victims run once on their CPUs and sleep again (prepare) */
int mmb_victims_rerun(struct mmb_run *r);

/* Helpers. */
int mmb_pin_self(int cpu);
/*
 * fork() for op children: dies with the parent, ignores Ctrl-C, and
 * shares the parent's fd table instead of copying it (CLONE_FILES): the
 * harness holds one counter fd per CPU and tracepoint, 6.5k at 384 CPUs,
 * and copying them cost a fork ~60 ns each.  So the child may use the
 * parent's fds but must not close them, and it makes system calls only,
 * then _exit()s or execve()s (no malloc or stdio: it is a raw clone, and
 * the parent may have threads).  mmb_exec() drops the table first.
 */
pid_t mmb_fork(void);
/* execve() from an mmb_fork() child, with a table of fds 0-2 of its own */
int mmb_exec(const char *path, char *const argv[], char *const envp[]);
/* Anonymous memory, not THP-backed, bound to the run's memory node. */
void *mmb_map(const struct mmb_run *r, size_t len, int extra_flags);
/* The same at addr (extra_flags MAP_FIXED_NOREPLACE or MAP_FIXED) */
void *mmb_map_at(const struct mmb_run *r, void *addr, size_t len,
		 int extra_flags);
/* Path of a helper program installed beside the benches. */
const char *mmb_libexec(const char *name);
size_t mmb_page_size(void);

void mmb_count(struct mmb_run *r, int counter, double v);

/*
 * /dev/mmb_helper, opened and its ABI checked; on failure a message that
 * says how to load it, and -MMB_EXIT_SKIP (or -MMB_EXIT_FAIL).
 */
int mmb_helper_open(struct mmb_run *r);

/* Bench parameters recorded in the result's params block. */
void mmb_param_int(struct mmb_run *r, const char *key, long long v);
void mmb_param_str(struct mmb_run *r, const char *key, const char *v);
void mmb_param_bool(struct mmb_run *r, const char *key, bool v);

/* A message that names the bench and variant; for setup/check failures. */
void mmb_error(const struct mmb_run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* MMB_H */
