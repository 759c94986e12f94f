/* SPDX-License-Identifier: GPL-2.0 */
/* Shared between the files of lib/; benches see only mmb.h. */
#ifndef MMB_INTERNAL_H
#define MMB_INTERNAL_H

#include <jansson.h>
#include <signal.h>
#include <stdio.h>

#include "mmb.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- cpulist.c: "0-3,8,10-11" <-> sets of CPU numbers ---- */
struct cpuset_list {
	int n;
	int *cpu;	/* ascending, unique */
};
/* 0, or -1 with errno EINVAL (syntax) / ERANGE (number past max_cpu). */
int cpulist_parse(const char *s, int max_cpu, struct cpuset_list *out);
int cpulist_format(const int *cpu, int n, char *buf, size_t len);
/* malloc()ed, any length; NULL: out of memory */
char *cpulist_str(const int *cpu, int n);
bool cpulist_has(const struct cpuset_list *l, int cpu);
void cpulist_free(struct cpuset_list *l);
/* Reads a sysfs cpulist file such as /sys/devices/system/cpu/online. */
int cpulist_read_file(const char *path, struct cpuset_list *out);

/* ---- interrupts.c: /proc/interrupts ---- */
struct irq_row {
	char label[24];		/* "CAL", "IPI1", "24" */
	char desc[96];		/* "Function call interrupts" (parsed rows) */
	unsigned long long *count;	/* irq_parse/irq_read: one per column */
	unsigned long long total;	/* parsed rows */
	int ncount;		/* numbers on the row (1 for ERR/MIS) */
	bool parsed;
	uint32_t off, len;	/* the row after its label, in the text */
	size_t poff;		/* its numbers in the pool, once parsed */
	/* its delta from a row of another table, kept for the next ask */
	const struct irq_row *dfrom;
	unsigned int dgen;	/* dfrom's table's generation then */
	unsigned long long dval;
};

/*
 * One read of /proc/interrupts.  irq_parse and irq_read parse every row;
 * irq_reread, the snapshot path, reuses the buffers of the read before,
 * indexes rows by a hash of their label, and parses a row's numbers only
 * when a delta asks and its line changed (irq_row_counts).
 */
struct irq_table {
	int ncpus;		/* columns */
	int *cpu;		/* CPU number of each column */
	int nrows;
	struct irq_row *row;
	/* owned buffers, reused by irq_reread */
	char *text;
	size_t tlen, tcap;
	unsigned long long *pool;
	size_t pused, pcap;
	int rcap, ccap;
	int *hash, hcap;
	uint32_t hmask;
	unsigned int gen;	/* one more at every read */
	/* whether this read's columns are those of cols_from's (same_columns) */
	const struct irq_table *cols_from;
	unsigned int cols_gen;
	bool cols_same;
};

int irq_parse(const char *text, struct irq_table *t);
int irq_read(const char *path, struct irq_table *t);
int irq_reread(int fd, struct irq_table *t);
/* a row's numbers, parsed on first use; NULL: out of memory */
const unsigned long long *irq_row_counts(const struct irq_table *t,
					 const struct irq_row *r);
void irq_free(struct irq_table *t);
const struct irq_row *irq_find(const struct irq_table *t, const char *label);

/*
 * IPI kinds, by the kernel's own labels (x86) or names (arm64).
 * On x86 the TLB row counts flush_tlb_func() runs for other CPUs' requests
 * (most came by a call-function IPI, counted in CAL; a polling idle CPU's
 * came without one), so it is reported as runs, "call" is CAL, and the
 * total of IPIs received leaves the TLB row out.
 */
#define IRQ_MAX_KINDS 16
struct ipi_kinds {
	int n;
	struct {
		char kind[32];		/* "tlb", "call", "resched", ... */
		char label[24];		/* where it came from: "TLB", "IPI1" */
		unsigned long long total;
	} k[IRQ_MAX_KINDS];
	unsigned long long total;	/* all IPIs received */
	bool tlb_hw_broadcast;		/* arm64: no TLB IPIs exist */
};
/* Classifies every IPI row; total is summed over all columns. */
void irq_ipi_kinds(const struct irq_table *t, struct ipi_kinds *out);
/* Per-kind difference after - before (rows matched by label). */
void irq_ipi_delta(const struct irq_table *before,
		   const struct irq_table *after, struct ipi_kinds *out);
/* Every row's total difference, by label, only rows that moved. */
json_t *irq_delta_json(const struct irq_table *before,
		       const struct irq_table *after);
const char *irq_kind_of(const char *label, const char *desc);

/* ---- stats.c (GSL) ---- */
struct mmb_stats {
	double median, mean, stddev, min, max, p95;
	size_t n;
};
void mmb_stats_compute(const double *v, size_t n, struct mmb_stats *s);

/* ---- hist.c: per-op latency, log-linear buckets ---- */
#define HIST_SUB 16			/* buckets per octave */
#define HIST_BUCKETS (HIST_SUB + 59 * HIST_SUB)	/* up to 2^63 */
#define HIST_MAX (1ull << 62)
struct mmb_hist {
	uint64_t n;
	uint64_t count[HIST_BUCKETS];
};
void hist_add(struct mmb_hist *h, uint64_t v);
void hist_merge(struct mmb_hist *into, const struct mmb_hist *h);
double hist_quantile(const struct mmb_hist *h, double q);
json_t *hist_json(const struct mmb_hist *h);

/* ---- cmpstats.c: what mmb compare tests (see there) ---- */
struct cmp_side {
	int nruns;
	double **v;		/* v[j]: the per-sample values of run j */
	size_t *n;		/* n[j]: how many */
};
struct cmp_stat {
	double base, new_;	/* mean of each side's replicates */
	size_t na, nb;		/* replicates: runs, or samples of one run */
	double change;		/* % of base; INFINITY from 0 */
	double lo, hi;		/* its 95% interval (Welch) */
	double p;		/* two-sided; NAN: too few values to test */
	bool run_level;		/* runs were the unit (2+ a side) */
};
double cmp_median(double *v, size_t n);	/* sorts v */
/* by_run: runs are the unit (a side of the comparison has 2+ runs) */
void cmp_stat(const struct cmp_side *a, const struct cmp_side *b,
	      bool by_run, struct cmp_stat *out);
/* The replicates themselves (out: room for every sample), how many. */
size_t cmp_replicates(const struct cmp_side *s, bool by_run, double *out);
bool cmp_significant(const struct cmp_stat *st, double p, double alpha,
		     double noise_pct);
void cmp_holm(const double *p, double *adj, size_t m);

/* ---- sysinfo.c ---- */
struct lazy_tlb {
	char strategy[24];	/* refcount, shootdown, shootdown-debug, unknown */
	char source[192];
	char lines[8][80];
	int nlines;
	int version;		/* from the config header: 601 for 6.1 */
	char note[96];
};
/* Reads a kernel config (plain or gzip) and derives the strategy. */
int lazy_tlb_detect_file(const char *path, struct lazy_tlb *lt);
void lazy_tlb_from_text(const char *config, struct lazy_tlb *lt);
void lazy_tlb_detect(struct lazy_tlb *lt);
json_t *sysinfo_json(void);
char *mmb_read_line(const char *path, char *buf, size_t len);
const char *mmb_arch(void);

/* ---- flush.c: how remote TLB flushes are delivered ---- */
enum remote_flush_kind {
	RF_IPI,		/* call-function IPIs, counted in the TLB row */
	RF_HYPERCALL,	/* never an IPI: TLB IPIs are not applicable */
	RF_PARTIAL,	/* some are IPIs (KVM PV flush skips preempted vCPUs) */
	RF_BROADCAST,	/* INVLPGB for some processes, IPIs for the rest */
};
extern const char *const remote_flush_names[];
struct remote_flush {
	enum remote_flush_kind kind;
	char mechanism[160];
	char evidence[160];
};
/* What the system says: boot log text, /sys/hypervisor/guest_type, the
 * invlpgb flag and the kernel version (615 for 6.15). */
void remote_flush_from_text(const char *bootlog, const char *xen_guest_type,
			    bool invlpgb, int kernel_version,
			    struct remote_flush *rf);
/* system.remote_flush: {delivery, mechanism, evidence} */
json_t *remote_flush_json(const json_t *sys);
/* One result's verdict from flush requests and TLB IPIs received per op
 * and the busy victims' least on-CPU share (NAN: not counted / none);
 * RF_HYPERCALL and RF_PARTIAL fill why. */
enum remote_flush_kind remote_flush_judge(const char *delivery,
					  double requests, double received,
					  double busy, const char *mechanism,
					  char *why, size_t len);

/* ---- topo.c: topology (libnuma, likwid) and placement ---- */
struct cpu_topo {
	int cpu, node, core, package, smt_index;
	bool online;
};

struct topology {
	int max_cpu;		/* highest CPU number + 1 */
	struct cpu_topo *cpu;	/* indexed by CPU number */
	struct cpuset_list online;
	int nr_nodes;		/* nodes with CPUs or memory */
	int max_node;
	bool numa;		/* libnuma usable */
	int *dist;		/* MMB_SYSFS_ROOT: node distances, else NULL */
	const char *source;	/* "likwid" or "sysfs" */
};

int topo_init(struct topology *t);
void topo_free(struct topology *t);
/* SLIT distance between two nodes: 10 local */
int topo_distance(const struct topology *t, int a, int b);
json_t *topo_summary_json(const struct topology *t);

enum mmb_spread { SPREAD_COMPACT, SPREAD_NODES, SPREAD_SMT };
extern const char *const mmb_spread_names[];

struct placement {
	int initiator;
	int nvictims;
	int *victim;
	struct cpuset_list cpus;	/* the --cpus pool */
	int mem_node;			/* -1: local */
	/*
	 * --initiators: one placement per initiator (its CPU and its own
	 * victims); initiator and victim above are then the first's CPU and
	 * every initiator's victims together.  0/NULL: one initiator.
	 */
	int ninit;
	struct placement *per;
};

/*
 * Resolves --cpus/--initiator/--victims/--spread/--node into a placement.
 * Errors are usage errors: the message names the argument.
 */
int placement_resolve(const struct topology *t, const char *cpus,
		      int initiator, const char *victims, int default_victims,
		      int max_victims, enum mmb_spread spread, int mem_node,
		      struct placement *p, char *err, size_t errlen);
json_t *placement_json(const struct topology *t, const struct placement *p);
void placement_free(struct placement *p);
/* --victims and --initiators: "1," and "2-5" are lists, "3" is a count */
bool cpu_arg_is_list(const char *s);
bool cpu_arg_count(const char *s, long *n);	/* "all": -1 */

/* ---- scale.c: --initiators ---- */
enum victims_rule {
	VICTIMS_NONE,		/* the variant takes none */
	VICTIMS_OWN_CPU,	/* one, on each initiator's own CPU */
	VICTIMS_ASKED,		/* --victims, or the bench's default */
};
/*
 * Places --initiators (a count, a list or all) by --spread, then each
 * initiator's victims: a --victims list is split among the initiators in
 * order, a count is per initiator, taken from the CPUs no initiator uses;
 * the default "every other CPU" shares out what the initiators leave.
 */
int scale_place(const struct topology *t, const char *cpus, int initiator,
		const char *initiators, enum victims_rule rule,
		const char *victims, int default_victims, int max_victims,
		enum mmb_spread spread, int mem_node, struct placement *p,
		char *err, size_t errlen);

/* ---- likwid.c: loaded on demand (see there why) ---- */
int likwid_topology(struct topology *t);
const char *likwid_markers_init(void);
void likwid_region(const char *name, bool start);
void likwid_markers_close(void);

/* ---- events.c: -e EVENT, perf's names to perf_event_attr ---- */
struct perf_event_attr;
int event_parse(const char *spec, const char *tracefs,
		struct perf_event_attr *attr, char *why, size_t len);
void event_metric(const char *spec, bool victims, char *buf, size_t len);

/* tracefs ids and CPU-wide perf events (counters.c), for mmlife.c too */
struct perf_event_attr;
long mmb_tp_id(const char *tracefs, const char *sys, const char *ev);
int mmb_perf_open(struct perf_event_attr *a, int cpu, int group);

/* ---- mmlife.c: how long a dead mm lives (exit_mmap to its free) ---- */
struct mmlife;
/* totals since the source opened; peak and max_ns since the last read */
struct mmlife_reading {
	uint64_t deaths;	/* mmap:exit_mmap records */
	uint64_t freed;		/* frees of mms seen dying */
	uint64_t life_ns;	/* their lives, summed */
	uint64_t lost;		/* records the rings (or memory) lost */
	uint64_t anomalies;	/* an mm that died twice, no free between */
	uint64_t pending;	/* dead, not freed yet */
	uint64_t peak;		/* most pending at once */
	uint64_t max_ns;	/* the longest life of those freed */
};
struct mmlife *mmlife_open(const char *tracefs, const int *cpus, int ncpu,
			   char *why, size_t len);
/* Reads the rings, or what mmlife_event() made; 0 */
int mmlife_read(struct mmlife *m, struct mmlife_reading *out);
void mmlife_close(struct mmlife *m);
/* tests: a source without rings, and records in any order */
struct mmlife *mmlife_new(void);
void mmlife_event(struct mmlife *m, uint64_t t, bool death, uint64_t mm);
void mmlife_lose(struct mmlife *m);
int mmlife_field_offset(const char *format, const char *field);
size_t mmlife_ring_bytes(int ncpu, size_t page);

/* ---- counters.c: cycles (libperf or TSC) and IPIs ---- */
struct counters;
struct snapshot;

struct counters *counters_open(int initiator_cpu, bool tracepoints,
			       const char *const *xcalls, json_t *sys);
/*
 * A counter source a test scripts, for the runner's accounting: snapshot
 * k (from 0, in the order the runner takes them; end: the closing one of a
 * window, with_tp: a window that counts tracepoints) reads what snap()
 * fills in.  A non-zero return is a failed read.
 */
struct counter_reading {
	uint64_t ns, cycles;
	const char *interrupts;		/* /proc/interrupts text */
	uint64_t tp[8];
};
struct counter_script {
	int (*snap)(void *arg, int k, bool end, bool with_tp,
		    struct counter_reading *out);
	void *arg;
	int ntp;			/* at most 8 */
	const char *const *tp_names;	/* metric names: "tp_ipi_send_cpu" */
};
struct counters *counters_open_scripted(const struct counter_script *sc);
void counters_close(struct counters *c);
struct snapshot *snapshot_new(const struct counters *c);
void snapshot_free(struct snapshot *s);
/* One end of a window (end: the closing one); 0, or -1 when a counter could
 * not be read. */
int counters_snap(struct counters *c, struct snapshot *s, bool end,
		  bool with_tp);
/* Cheap cycle reading for per-op accounting. */
uint64_t counters_cycles(struct counters *c);
/*
 * What a counter is: the runner treats each kind its own way (tracepoints
 * come from their own pass, IPIs get a background-subtracted twin, a
 * level is not divided by ops), by this and never by its name.
 */
enum cval_kind {
	CV_IPI,		/* a /proc/interrupts row, or all of them */
	CV_TRACEPOINT,	/* a tracepoint, counted in the tracepoint pass */
	CV_EVENT,	/* a perf event of -e */
	CV_LEVEL,	/* a level over the window (a clock rate) */
};

struct cval {
	char name[48];		/* "ipis", "ipi_tlb", "tp_ipi_send_cpu" */
	enum cval_kind kind;	/* with name, its identity */
	double v;
	const char *source;	/* where the count came from */
	const char *unit;	/* per op; NULL: ipis/op */
};
/*
 * -e: perf events counted on the initiator's CPU, or with @victims on the
 * victims' CPUs, from the next window on; what cannot be counted here
 * goes into na (metric name -> reason).  -1 and err for a name that is
 * not an event.
 */
const char *counters_freq_na(const struct counters *c);
const char *counters_lazy_na(const struct counters *c);
const json_t *counters_dropped(const struct counters *c);
int mmb_open_fds(void);
struct counters *counters_open_local(const struct counters *run, int cpu);
/* fork() for the run's own long-lived children (victims, initiators) */
pid_t mmb_fork_task(void);
/* --mm-life: 0, or -1 with the reason in na under its figures' names */
int counters_mm_life(struct counters *c, json_t *na);
int counters_set_events(struct counters *c, const char *list,
			int initiator, const int *victims, int nvictims,
			json_t *na, char *err, size_t errlen);
/* Per-window deltas of every IPI counter.  Returns how many were filled. */
int counters_delta(const struct counters *c, const struct snapshot *a,
		   const struct snapshot *b, struct cval *out, int max,
		   bool with_tp);
/* on for a gapless series of snapshots (mmb-macro); windows need not */
void counters_tp_enable(struct counters *c, bool on);
/* after a window that failed between its two snapshots */
void counters_tp_off(struct counters *c);
/* called just before a window's judged counters start and stop counting */
void counters_set_mark(struct counters *c, void (*fn)(void *), void *arg);
bool counters_have_tp(const struct counters *c);
/*
 * arm64 invalidates TLBs with broadcast TLBI instructions: there is no TLB
 * IPI to count, and a zero would read as "no shootdown happened".
 */
#define MMB_TLB_NA "not applicable: TLB invalidation is a hardware broadcast " \
	"(TLBI ...IS) on this architecture; no TLB IPIs exist, and " \
	"tlb:tlb_flush (x86 only) is not counted"
bool counters_tlb_na(const struct counters *c);
/* Cycles between two snapshots and their source, for the result. */
uint64_t snapshot_cycles(const struct snapshot *s);
uint64_t snapshot_ns(const struct snapshot *s);
const char *counters_cycles_source(const struct counters *c);
int tlb_reasons_parse(const char *fmt, int *val, char (*name)[32], int max);
json_t *counters_irq_delta(const struct snapshot *a, const struct snapshot *b);

/* ---- hygiene.c ---- */
struct hygiene_opts {
	bool dma_latency;
	bool numa_balancing_off;
};
int hygiene_aslr_reexec(char **argv);
void hygiene_apply(const struct hygiene_opts *o, json_t *sys);
void hygiene_restore(void);

/* ---- output.c ---- */
enum mmb_format { FMT_HUMAN, FMT_JSON, FMT_CSV };
const char *mmb_jstr(const json_t *o, const char *path);
const json_t *mmb_boot_settings(const json_t *res);
const char *mmb_boot_settings_str(const json_t *res, char *buf, size_t len);
extern const char *const mmb_format_names[];
void output_human(const json_t *result, FILE *f);
void output_csv(const json_t *result, FILE *f, bool header);
int output_json(const json_t *result, FILE *f);
/* Writes through a temporary file and rename(): readers never see half. */
int output_write_file(const json_t *result, enum mmb_format fmt,
		      const char *path);

/* ---- results.c ---- */
struct mmb_loaded {
	char *where;	/* the file, or "file: results[i]" in a bundle */
	json_t *doc;
};
struct mmb_results {
	struct mmb_loaded *r;
	int n, cap;
};
/* Appends the results at path (file, directory or bundle); on error -1 and
 * a message naming the file and the field in err. */
int mmb_results_load(struct mmb_results *rs, const char *path, char *err,
		     size_t len);
void mmb_results_free(struct mmb_results *rs);
bool mmb_param_is_sampling(const char *key);
/* "pages=64": what tells docs[i] from the rows of its bench and variant */
void mmb_params_label(json_t *const *docs, int n, int i, char *buf,
		      size_t len);
/* lib/opts.c: typed option tables, shared by benches and tools. */
int mmb_opts_count(const struct mmb_opt *t);
void mmb_opts_help(const struct mmb_opt *t, FILE *f);
void mmb_opt_set(const char *prog, const struct mmb_opt *op, const char *arg);
/*
 * A tool's options, from its table: values checked and set, exit 2
 * naming the option otherwise; returns the index of the first operand.
 */
int mmb_tool_opts(const char *prog, const struct mmb_opt *t, int argc,
		  char **argv);
void mmb_die_usage(const char *prog, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
/*
 * Set by a caller that must outlive a usage error (the option parser's
 * fuzz target): called with the message instead of printing it and
 * exiting, and must not return (it longjmps).
 */
extern void (*mmb_usage_catch)(const char *msg);
double mmb_num_arg(const char *prog, const char *opt, const char *s,
		   double lo, double hi);

/* ---- runner.c ---- */
extern volatile sig_atomic_t mmb_interrupted;

struct run_cfg {
	double duration;	/* seconds per sample, when iterations == 0 */
	long iterations;
	double warmup;
	long repeat;
	bool progress;
	long tp_repeat;		/* samples of the tracepoint pass */
	bool init_processes;	/* --initiator-mode processes */
	long dist_repeat;	/* samples of the per-op latency pass */
};

struct scale;
struct islot;

/* The run: what a variant sees through the accessors in mmb.h. */
struct mmb_run {
	const struct mmb_bench *bench;
	const struct mmb_variant *variant;
	struct placement *pl;
	enum mmb_mode mode;
	struct counters *ctr;
	struct ctl *ctl;		/* MAP_SHARED control block */
	void *shared;
	json_t *params;
	struct mmb_task *tasks;
	int ntasks;
	double csum[MMB_MAX_COUNTERS];	/* mmb_count() sums, this sample */
	void *priv;			/* bench->priv_size, this initiator's */
	size_t ctl_size;
	/* --initiators: the coordinator's scale, or an initiator's slot */
	struct scale *sc;
	double window_s;		/* --initiators: the windows' length */
	struct islot *slot;
	int init_idx, ninit;
	bool init_processes;
	bool set_up;			/* setup() ran: teardown() must */
	struct mmb_hist *hist;		/* this sample's per-op latencies */
};

/*
 * What one initiator needs around its ops, for runner_run() and for each
 * initiator of scale.c: pinned, memory, setup, victims at the barrier; and
 * back.  runner_begin() returns 0 or an exit code.
 */
int runner_begin(struct mmb_run *r);
void runner_end(struct mmb_run *r);
int runner_one_op(struct mmb_run *r, uint64_t *op_ns, uint64_t *cyc);
int proc_state(pid_t tid);

/* The coordinator's side of scale.c, driven by runner_run(). */
struct scale_read {
	uint64_t *ops, *op_ns, *cycles;
	double *csum;			/* [ninit][MMB_MAX_COUNTERS] */
};
/*
 * Ops each initiator does in a window at the least (per-op figures within
 * 1 / SCALE_MIN_OPS), and how far a window may grow past --duration for
 * it.
 */
#define SCALE_MIN_OPS 50
#define SCALE_MAX_STRETCH 10
int scale_start(struct mmb_run *r, const struct run_cfg *cfg);
int scale_pause(struct mmb_run *r);
void scale_resume(struct mmb_run *r);
void scale_stop(struct mmb_run *r);
int scale_failed(struct mmb_run *r);	/* an initiator's op failed: -errno */
struct scale_read *scale_read_new(int ninit);
void scale_read_free(struct scale_read *rd);
void scale_read(struct mmb_run *r, struct scale_read *rd);
uint64_t scale_ops(struct mmb_run *r);
void scale_count(struct mmb_run *r, int counter, double v);
void scale_wait(struct mmb_run *r);	/* one sample's --duration */
pid_t scale_tid(struct mmb_run *r, int i);	/* initiator i's thread */

/* Runs one variant; fills *result.  Returns an exit code. */
struct run_out {
	json_t *samples, *tp_samples, *metrics, *background;
	json_t *lat_samples;		/* the per-op latency pass's */
	json_t *histogram;		/* latency_histogram, or NULL */
	json_t *metric_info;		/* what the runner knows of its metrics */
};
int runner_run(struct mmb_run *r, const struct run_cfg *cfg,
	       struct run_out *out);

/* A metric: its statistics over the values, and the values themselves. */
/*
 * lib/metrics.c: a metric's description as tools read it, from the
 * result's metric_info block or, for results from before it, the
 * built-in table.  lab and col hold the label and the column heading
 * (col empty: not a column); rank orders the columns of each table.
 */
enum mmb_table { MMB_TABLE_SUMMARY, MMB_TABLE_MATRIX, MMB_NTABLES };
extern const char *const mmb_table_names[];
extern const char *const mmb_kind_names[];
extern const char *const mmb_better_names[];
extern const char *const mmb_role_names[];
struct metric_info {
	struct mmb_metric_desc d;	/* kind, better, role */
	int rank[MMB_NTABLES];
	char lab[96], col[24];
};
void metric_builtin(const char *name, struct metric_info *mi);
void mmb_metric_info(const json_t *res, const char *name,
		     struct metric_info *mi);
int metric_info_check(const json_t *block, char *err, size_t len);
json_t *metric_info_block(const json_t *metrics, const struct mmb_counter *c,
			  const json_t *known);
/* The description of a metric made from a counter of this kind. */
void metric_typed(json_t *info, const char *name, enum cval_kind kind,
		  bool net, const char *what);
struct mmb_column {
	char name[64];
	struct metric_info mi;
	char unit[24];		/* as the first result that has it says */
	bool own;		/* a bench's column or one strategy's: a legend line */
};
/* The columns a table shows for these results, in order; how many. */
int mmb_metric_columns(json_t *const *res, int n, enum mmb_table t,
		       struct mmb_column *out, int max);
/* "# widgets: widgets moved per op, widgets/op (widgets_per_op)" for
 * each of a bench's own columns: the built-in ones the table explains */
void mmb_column_legend(const struct mmb_column *c, int n, FILE *f);

void mmb_add_metric(json_t *metrics, const char *name, const char *unit,
		    const char *source, const double *v, size_t n);

/* Calibration: per-op harness cost, for the closing figures. */
uint64_t mmb_now_ns(void);


#endif /* MMB_INTERNAL_H */
