// SPDX-License-Identifier: GPL-2.0
/*
 * Counters: cycles on the initiator's CPU and IPIs on every CPU.
 *
 * Cycles come from the PMU through libperf when there is one, else from the
 * TSC (x86) or the generic timer (arm64), which count wall-clock reference
 * ticks rather than core cycles; the result says which.
 *
 * IPIs are counted two ways, both system-wide:
 *  - /proc/interrupts deltas, every row by label: the receiver's view, by
 *    the kernel's own kinds.  Always available, root or not.
 *  - perf tracepoints through libperf, per CPU, in counting mode (no ring
 *    buffer, so no samples can be lost): ipi:ipi_send_cpu/_cpumask on the
 *    sender, irq_vectors:*_entry on the receiver (x86), ipi:ipi_raise/entry
 *    (arm64), and tlb:tlb_flush split by reason with one filtered counter per
 *    reason, the reasons read from the event's format file.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/perf_event.h>
#include <perf/core.h>
#include <perf/cpumap.h>
#include <perf/evsel.h>
#include <perf/threadmap.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define MAX_TP 32
#define MAX_EV 16

struct tp {
	char metric[48];
	char source[96];
	const char *unit;	/* per op; NULL: ipis/op */
	int *fd;		/* one per CPU of c->cpus, in c->lead's group */
};

enum cyc_kind { CYC_PMU, CYC_TSC, CYC_CNTVCT, CYC_CLOCK };

/* -e EVENT: one perf event, on the initiator's CPU or the victims' */
struct ev {
	char metric[64];
	char source[320];
	bool victims;
	struct perf_evsel *evsel;
	struct perf_cpu_map *cpus;
};

struct counters {
	enum cyc_kind cyc;
	struct perf_evsel *cyc_ev;
	struct perf_cpu_map *cyc_cpu;
	char cyc_source[160];
	double ref_hz;

	struct perf_cpu_map *cpus;	/* every online CPU */
	struct perf_thread_map *any;
	int ntp;
	struct tp tp[MAX_TP];
	int *lead;		/* per CPU: the group leader's fd */
	uint64_t *grp;		/* a group read: nr, then one value per tp */
	int irq_fd;		/* /proc/interrupts, open for the run */
	void (*mark)(void *);	/* counters_set_mark() */
	bool tp_held;		/* counters_tp_enable(): on between snapshots */
	void *mark_arg;
	char tp_status[400];
	json_t *tp_dropped;	/* metric: why its counter is not open */
	char tracefs[32];
	bool tlb_na;		/* no TLB IPIs exist here (arm64) */
	char lazy_na[160];	/* why __mmdrop() has no lazy cross-call here */
	const char *const *xcalls;	/* the bench's cross_calls: "metric=fn" */
	bool lazy_ok;		/* lazy_path is there (hazptr, mmgen) */
	char lazy_path[256];	/* LAZY_STATS, or MMB_LAZY_STATS (tests) */
	struct mmlife *life;	/* --mm-life: how long dead mms live */
	const struct counter_script *script;	/* tests: scripted readings */
	int nsnap;		/* snapshots taken from the script */
	int nev;
	struct ev ev[MAX_EV];
	/* effective frequency: APERF/MPERF, or PMU cycles/ref-cycles */
	struct perf_evsel *fq_num, *fq_den;
	char fq_source[200];
	char fq_na[200];
};

/*
 * The totals of our lazy-mm series (scripts/kernel/patches/6.12/hazptr, mmgen):
 * "key value" lines, read at both ends of a window like /proc/interrupts.
 * One row per figure: a count per op from a key's delta, or a level, the
 * delta of one key over another's (a mean wait) or a key's value at the
 * end of the window.  Adding a figure is a row here (and its description
 * in lib/metrics.c).
 */
#define LAZY_STATS "/sys/kernel/debug/lazy_mm"
static const struct lazy_figure {
	const char *key, *metric, *unit, *source;
	enum cval_kind kind;	/* CV_EVENT: per op, or CV_LEVEL */
	const char *over;	/* a level: this key's delta divides */
	double scale;
} lazy_figures[] = {
	{ "scans", "lazy_hazptr_scans", "scans/op", LAZY_STATS " scans: final __mmdrop()s that read the hazard slots (hazptr)", CV_EVENT },
	{ "cpus_asked", "lazy_hazptr_asked", "CPUs/op", LAZY_STATS " cpus_asked: CPUs whose hazard slot named the mm, IPIed to let it go (hazptr)", CV_EVENT },
	{ "deferred", "lazy_gen_deferred", "mms/op", LAZY_STATS " deferred: final __mmdrop()s deferred to a later generation (mmgen)", CV_EVENT },
	{ "freed", "lazy_gen_freed", "mms/op", LAZY_STATS " freed: deferred mms freed in the window, whenever they died (mmgen)", CV_EVENT },
	{ "generation", "lazy_gen_generations", "generations/op", LAZY_STATS " generation: mm-switch generations begun (mmgen)", CV_EVENT },
	{ "wait_ns", "lazy_gen_wait_ms", "ms", LAZY_STATS " wait_ns / freed: mean time a deferred mm waited, of those freed in the window (mmgen)", CV_LEVEL, "freed", 1e-6 },
	{ "wait_ticks", "lazy_gen_wait_ticks", "ticks", LAZY_STATS " wait_ticks / freed: mean wait in jiffies, of those freed in the window (mmgen)", CV_LEVEL, "freed", 1 },
	{ "pending", "lazy_gen_pending", "mms", LAZY_STATS " pending: deferred mms not yet freed at the end of the window (mmgen)", CV_LEVEL, NULL, 1 },
};
#define NLAZY ARRAY_SIZE(lazy_figures)

struct snapshot {
	uint64_t ns;
	uint64_t cycles;
	uint64_t tp[MAX_TP];
	uint64_t ev[MAX_EV];
	uint64_t fq_num, fq_den;
	struct irq_table irq;
	bool irq_ok;
	uint64_t lazy[NLAZY];
	bool lazy_has[NLAZY];	/* the kernel's file has this key */
	struct mmlife_reading life;
};

uint64_t mmb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static inline uint64_t ref_ticks(void)
{
#if defined(__x86_64__)
	uint32_t lo, hi;

	/* lfence: do not let the read float above earlier instructions */
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return ((uint64_t)hi << 32) | lo;
#elif defined(__aarch64__)
	uint64_t v;

	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v) :: "memory");
	return v;
#else
	return mmb_now_ns();
#endif
}

static double ref_calibrate(void)
{
#if defined(__aarch64__)
	uint64_t f;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(f));
	return (double)f;
#elif defined(__x86_64__)
	uint64_t t0 = mmb_now_ns(), c0 = ref_ticks(), t1, c1;
	struct timespec d = { 0, 20 * 1000 * 1000 };

	nanosleep(&d, NULL);
	t1 = mmb_now_ns();
	c1 = ref_ticks();
	return (double)(c1 - c0) * 1e9 / (double)(t1 - t0);
#else
	return 1e9;
#endif
}

static int silent_print(enum libperf_print_level level, const char *fmt,
			va_list ap)
{
	return 0;
}

/*
 * cpu-cycles, or with MMB_CYCLES_EVENT=cpu-clock the software clock in its
 * place: a test stand-in where there is no PMU, for the one property of
 * a CPU-bound counter that matters here, that reading it from another
 * CPU is a cross-call into its CPU.
 */
static bool cycles_standin(void)
{
	const char *e = getenv("MMB_CYCLES_EVENT");

	return e && !strcmp(e, "cpu-clock");
}

static int cycles_open_on(struct counters *c, int cpu)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_HARDWARE,
		.config = PERF_COUNT_HW_CPU_CYCLES,
		.size = sizeof(attr),
	};
	char list[16];

	if (cycles_standin()) {
		attr.type = PERF_TYPE_SOFTWARE;
		attr.config = PERF_COUNT_SW_CPU_CLOCK;
	}
	if (!c->any)
		c->any = perf_thread_map__new_dummy();
	snprintf(list, sizeof(list), "%d", cpu);
	c->cyc_cpu = perf_cpu_map__new(list);
	c->cyc_ev = perf_evsel__new(&attr);
	return c->cyc_ev && c->cyc_cpu && c->any ?
	       perf_evsel__open(c->cyc_ev, c->cyc_cpu, c->any) : -ENOMEM;
}

static void cycles_open(struct counters *c, int cpu)
{
	int err = cycles_open_on(c, cpu);

	if (!err && !getenv("MMB_NO_PMU")) {
		c->cyc = CYC_PMU;
		snprintf(c->cyc_source, sizeof(c->cyc_source),
			 cycles_standin() ?
			 "pmu: cpu-clock, a software event standing in for cpu-cycles (MMB_CYCLES_EVENT, tests), on the initiator's CPU %d (libperf)" :
			 "pmu: cpu-cycles on the initiator's CPU %d (libperf)",
			 cpu);
		return;
	}
	if (c->cyc_ev) {
		if (!err)
			perf_evsel__close(c->cyc_ev);
		perf_evsel__delete(c->cyc_ev);
		c->cyc_ev = NULL;
	}
	c->ref_hz = ref_calibrate();
#if defined(__x86_64__)
	c->cyc = CYC_TSC;
	snprintf(c->cyc_source, sizeof(c->cyc_source),
		 "tsc: reference cycles (wall clock) at %.0f MHz; no PMU (%s)",
		 c->ref_hz / 1e6, err ? strerror(-err > 0 ? -err : errno) :
		 "MMB_NO_PMU set");
#elif defined(__aarch64__)
	c->cyc = CYC_CNTVCT;
	snprintf(c->cyc_source, sizeof(c->cyc_source),
		 "cntvct_el0: timer ticks (wall clock) at %.0f MHz; no PMU (%s)",
		 c->ref_hz / 1e6, err ? strerror(-err > 0 ? -err : errno) :
		 "MMB_NO_PMU set");
#else
	c->cyc = CYC_CLOCK;
	snprintf(c->cyc_source, sizeof(c->cyc_source),
		 "clock: nanoseconds; no PMU and no reference counter");
#endif
}

/*
 * --initiators: each initiator's own cycles counter, on its own CPU.  The
 * run's is bound to initiator 0's CPU, and reading it from any other CPU
 * is a cross-call into CPU 0 (perf_event_read()): two per op, inside the
 * window, in the very IPI counts the op is measured by.  The TSC needs
 * nothing.  NULL: the PMU counter could not be opened there.
 */
struct counters *counters_open_local(const struct counters *run, int cpu)
{
	struct counters *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->irq_fd = -1;
	c->cyc = run->cyc;
	c->ref_hz = run->ref_hz;
	c->script = run->script;
	if (c->cyc == CYC_PMU && !c->script && cycles_open_on(c, cpu)) {
		counters_close(c);
		return NULL;
	}
	return c;
}

uint64_t counters_cycles(struct counters *c)
{
	struct perf_counts_values v = { 0 };

	if (c->script)
		return 0;
	if (c->cyc == CYC_PMU) {
		if (perf_evsel__read(c->cyc_ev, 0, 0, &v))
			return 0;
		return v.val;
	}
	return ref_ticks();
}

const char *counters_cycles_source(const struct counters *c)
{
	return c->cyc_source;
}

/* tracefs: where it is, mounting it when nobody has. */
static int find_tracefs(struct counters *c)
{
	static const char *const dirs[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	struct stat st;

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		char ev[96];

		snprintf(ev, sizeof(ev), "%s/events", dirs[i]);
		if (!stat(ev, &st)) {
			snprintf(c->tracefs, sizeof(c->tracefs), "%s", dirs[i]);
			return 0;
		}
	}
	if (!mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL) &&
	    !stat("/sys/kernel/tracing/events", &st)) {
		snprintf(c->tracefs, sizeof(c->tracefs), "/sys/kernel/tracing");
		return 0;
	}
	return -1;
}

/* A tracepoint's perf id, from tracefs; -1 where the kernel has none. */
long mmb_tp_id(const char *tracefs, const char *sys, const char *ev)
{
	char path[192], buf[32];
	FILE *f;
	long id = -1;

	snprintf(path, sizeof(path), "%s/events/%s/%s/id", tracefs, sys, ev);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f))
		id = atol(buf);
	fclose(f);
	return id;
}

/* A CPU-wide event (every task on @cpu), in @group's or its own. */
int mmb_perf_open(struct perf_event_attr *a, int cpu, int group)
{
	return (int)syscall(SYS_perf_event_open, a, -1, cpu, group,
			    PERF_FLAG_FD_CLOEXEC);
}

static void tp_close_fds(struct counters *c, int *fd)
{
	for (int j = 0; fd && j < perf_cpu_map__nr(c->cpus); j++)
		if (fd[j] >= 0)
			close(fd[j]);
	free(fd);
}

/*
 * Every tracepoint counter of a CPU is in one perf group, read with
 * PERF_FORMAT_GROUP: reading a counter active on another CPU costs that
 * CPU a cross-call (perf_event_read()), and a group read costs one per CPU
 * instead of one per counter (13 counters at 128 CPUs: 128 IPIs a
 * snapshot, not 1,664).  libperf reads only a group's leader
 * (perf_evsel__read_group()), so the groups are opened and read with the
 * system calls themselves; cycles stay with libperf.  The filter goes to
 * every CPU's counter (PERF_EVENT_IOC_SET_FILTER): a filter once set on
 * the first CPU alone left every other CPU counting unfiltered.
 */
static int tp_add(struct counters *c, const char *sys, const char *ev,
		  const char *filter, const char *metric, const char *unit)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_TRACEPOINT,
		.size = sizeof(attr),
		.sample_period = 1,
		.read_format = PERF_FORMAT_GROUP,
		/* off until a tracepoint pass: a hit costs the op time */
		.disabled = 1,
	};
	int ncpu = perf_cpu_map__nr(c->cpus), err = 0;
	long id = mmb_tp_id(c->tracefs, sys, ev);
	struct tp *t;

	if (id < 0 || c->ntp == MAX_TP)
		return -ENOENT;
	attr.config = id;
	t = &c->tp[c->ntp];
	t->fd = malloc(ncpu * sizeof(int));
	if (!t->fd)
		return -ENOMEM;
	for (int j = 0; j < ncpu; j++)
		t->fd[j] = -1;
	for (int j = 0; j < ncpu && !err; j++) {
		int cpu = perf_cpu_map__cpu(c->cpus, j).cpu;

		t->fd[j] = mmb_perf_open(&attr, cpu, c->ntp ? c->lead[j] : -1);
		if (t->fd[j] < 0)
			err = -errno;
		else if (filter &&
			 ioctl(t->fd[j], PERF_EVENT_IOC_SET_FILTER, filter))
			err = -errno;
	}
	if (err) {
		tp_close_fds(c, t->fd);
		t->fd = NULL;
		return err;
	}
	if (!c->ntp)
		memcpy(c->lead, t->fd, ncpu * sizeof(int));
	snprintf(t->metric, sizeof(t->metric), "tp_%s", metric);
	t->unit = unit;
	snprintf(t->source, sizeof(t->source), "tracepoint %.16s:%.32s%s%.40s%s",
		 sys, ev, filter ? " [" : "", filter ? filter : "",
		 filter ? "]" : "");
	c->ntp++;
	return 0;
}

/*
 * tlb:tlb_flush's reasons, from the print fmt of its format file:
 *   __print_symbolic(REC->reason, { 0, "flush on task switch" }, ...)
 * so a kernel that adds a reason is counted without a code change here.
 */
int tlb_reasons_parse(const char *fmt, int *val, char (*name)[32], int max)
{
	const char *p = strstr(fmt, "__print_symbolic(REC->reason");
	int n = 0;

	while (p && n < max && (p = strchr(p, '{'))) {
		char text[64];
		int v, j = 0;

		if (sscanf(p, "{ %d , \"%63[^\"]\" }", &v, text) != 2)
			break;
		val[n] = v;
		for (const char *q = text; *q && j < 31; q++)
			name[n][j++] = (*q == ' ' || *q == '-') ? '_' : tolower((unsigned char)*q);
		name[n][j] = '\0';
		n++;
		p++;
	}
	return n;
}

/*
 * The counters a run would open, before any is: each costs one fd per
 * CPU (17 of them are 6.5k fds at 384 CPUs), so when the open-file limit
 * cannot hold them all, the ones the figures depend on come first and the
 * rest are listed as n/a with the reason.  prio: lower opens first.
 */
struct tp_plan {
	char sys[16], ev[32], filter[64], metric[48], source[96];
	const char *unit;
	int prio;
	bool take;
};

enum {
	PRIO_FLUSH,	/* remote_flush's verdict, the lazy cross-calls */
	PRIO_SEND,	/* what was sent: per CPU reached, per IPI */
	PRIO_LAZY,	/* idle transitions: refcount's atomics */
	PRIO_TLB,	/* the other flush reasons */
	PRIO_RECV,	/* receiver side: /proc/interrupts has the same */
};

static void plan_add(struct tp_plan *pl, int *n, const char *sys,
		     const char *ev, const char *filter, const char *metric,
		     const char *unit, int prio)
{
	struct tp_plan *p = &pl[*n];

	if (*n == MAX_TP)
		return;
	memset(p, 0, sizeof(*p));
	snprintf(p->sys, sizeof(p->sys), "%s", sys);
	snprintf(p->ev, sizeof(p->ev), "%s", ev);
	snprintf(p->filter, sizeof(p->filter), "%s", filter ? filter : "");
	snprintf(p->metric, sizeof(p->metric), "%s", metric);
	p->unit = unit;
	p->prio = prio;
	(*n)++;
}

static void tlb_reasons(struct counters *c, struct tp_plan *pl, int *np)
{
	char path[192], *buf;
	int val[16];
	char name[16][32];
	FILE *f;
	size_t len;
	int n;

	snprintf(path, sizeof(path), "%s/events/tlb/tlb_flush/format", c->tracefs);
	f = fopen(path, "r");
	if (!f)
		return;
	buf = calloc(1, 65536);
	len = buf ? fread(buf, 1, 65535, f) : 0;
	fclose(f);
	if (!len) {
		free(buf);
		return;
	}
	n = tlb_reasons_parse(buf, val, name, 16);
	for (int i = 0; i < n; i++) {
		char filter[32], metric[48];

		snprintf(filter, sizeof(filter), "reason == %d", val[i]);
		snprintf(metric, sizeof(metric), "tlb_flush_%.31s", name[i]);
		plan_add(pl, np, "tlb", "tlb_flush", filter, metric, NULL,
			 strcmp(name[i], "remote_ipi_send") ? PRIO_TLB :
			 PRIO_FLUSH);
	}
	free(buf);
}

/*
 * The shoot-lazies cross-calls themselves: csd_function_entry events whose
 * func is __mmdrop()'s do_shoot_lazy_tlb, by its address in kallsyms (the
 * ".function" filter suffix only exists since 6.3).  Refcount kernels have
 * no such function (the compiler drops it), so their kallsyms (100k lines
 * and more) is not read at every start; kernels without kallsyms cannot
 * name it.  The counter is absent there.
 */
static void shoot_lazies(struct counters *c, struct tp_plan *pl, int *np)
{
	/* shootdown's handler; hazptr's, asked only of CPUs that hold the mm */
	static const char *const fns[] = { "do_shoot_lazy_tlb",
					   "lazy_mm_hazptr_let_go" };
	char line[256], filter[64], found[32] = "";
	unsigned long long addr = 0;
	FILE *f = c->lazy_na[0] ? NULL : fopen("/proc/kallsyms", "r");

	while (f && !addr && fgets(line, sizeof(line), f)) {
		char type, name[128];
		unsigned long long a;

		if (!strstr(line, " do_shoot_lazy_tlb") &&
		    !strstr(line, " lazy_mm_hazptr_let_go"))
			continue;
		if (sscanf(line, "%llx %c %127s", &a, &type, name) != 3)
			continue;
		for (size_t i = 0; i < ARRAY_SIZE(fns); i++)
			if (!strcmp(name, fns[i])) {
				addr = a;
				snprintf(found, sizeof(found), "%s", fns[i]);
			}
	}
	if (f)
		fclose(f);
	if (!addr)
		return;
	snprintf(filter, sizeof(filter), "func == 0x%llx", addr);
	plan_add(pl, np, "csd", "csd_function_entry", filter, "shoot_lazy_tlb",
		 "cross-calls/op", PRIO_FLUSH);
	/* the source names the handler, not only its address */
	snprintf(pl[*np - 1].source, sizeof(pl[0].source),
		 "tracepoint csd:csd_function_entry [func == %s()]", found);
}

/*
 * The cross-calls a bench counts apart (mmb_bench.cross_calls): each a
 * csd_function_entry counter filtered by the function's name, which the
 * kernel looks up itself (the ".function" suffix, 6.3 and later), so no
 * kallsyms is read.  A kernel without the function (compiled out, as
 * tlb_remove_table_sync_one()'s handler is without
 * MMU_GATHER_RCU_TABLE_FREE) rejects the filter: the figure is n/a.
 */
static void cross_calls(struct counters *c, struct tp_plan *pl, int *np)
{
	for (const char *const *x = c->xcalls; x && *x; x++) {
		const char *fn = strchr(*x, '=');
		char filter[64], metric[48];

		if (!fn || fn == *x || strlen(fn + 1) > 40)
			continue;
		snprintf(metric, sizeof(metric), "%.*s", (int)(fn - *x), *x);
		snprintf(filter, sizeof(filter), "func.function == %s", fn + 1);
		plan_add(pl, np, "csd", "csd_function_entry", filter, metric,
			 "cross-calls/op", PRIO_FLUSH);
		snprintf(pl[*np - 1].source, sizeof(pl[0].source),
			 "tracepoint csd:csd_function_entry [func == %s()]",
			 fn + 1);
	}
}

/* fds this process has open now; -1 when /proc/self/fd cannot be read */
int mmb_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = -1;	/* the directory's own */

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/*
 * Room for need more fds: the soft limit up to the hard one, and the hard
 * one itself where we may (root, CAP_SYS_RESOURCE), up to fs.nr_open.
 * Returns the soft limit now.
 */
static long raise_nofile(long need, char *hard_why, size_t len)
{
	struct rlimit rl;
	long nr_open = 1048576;
	FILE *f;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 1024;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)need) {
		f = fopen("/proc/sys/fs/nr_open", "r");
		if (f) {
			if (fscanf(f, "%ld", &nr_open) != 1)
				nr_open = 1048576;
			fclose(f);
		}
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < (rlim_t)need) {
			struct rlimit h = rl;

			h.rlim_max = h.rlim_cur = need < nr_open ? need : nr_open;
			if (!setrlimit(RLIMIT_NOFILE, &h))
				rl = h;
			else
				snprintf(hard_why, len,
					 "the hard limit %ld could not be raised: %s",
					 (long)rl.rlim_max, strerror(errno));
		}
		if (rl.rlim_cur < rl.rlim_max &&
		    rl.rlim_cur < (rlim_t)need) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	return rl.rlim_cur == RLIM_INFINITY ? LONG_MAX : (long)rl.rlim_cur;
}

static int plan_cmp_prio(const void *a, const void *b)
{
	const struct tp_plan *const *x = a, *const *y = b;

	if ((*x)->prio != (*y)->prio)
		return (*x)->prio - (*y)->prio;
	return *x < *y ? -1 : 1;
}

/*
 * fds kept free beyond the counters: /proc/interrupts and the other files
 * a snapshot opens, the helper module, -e events (one per CPU they count
 * on) and a cycles counter per initiator.
 */
#define NOFILE_RESERVE 64

static void tracepoints_open(struct counters *c)
{
	static const struct {
		const char *sys, *ev, *metric;
		int prio;
	} evs[] = {
#if !defined(__x86_64__)
		/* arm64 (and the rest): the x86 vectors do not exist */
		{ "ipi", "ipi_raise", "ipi_raise", PRIO_SEND },	/* sender */
		{ "ipi", "ipi_entry", "ipi_entry", PRIO_RECV },	/* receiver */
#endif
		{ "ipi", "ipi_send_cpu", "ipi_send_cpu", PRIO_SEND },
		{ "ipi", "ipi_send_cpumask", "ipi_send_cpumask", PRIO_SEND },
		/*
		 * One per cross-call queued to a CPU: unlike IPIs, calls
		 * queued to a CPU that has not yet drained its queue are not
		 * merged, so this counts the CPUs a shootdown reached.
		 */
		{ "csd", "csd_queue_cpu", "csd_queue_cpu", PRIO_SEND },
#if defined(__x86_64__)
		{ "irq_vectors", "call_function_entry", "call_function_entry",
		  PRIO_RECV },
		{ "irq_vectors", "call_function_single_entry",
		  "call_function_single_entry", PRIO_RECV },
		{ "irq_vectors", "reschedule_entry", "reschedule_entry",
		  PRIO_RECV },
		{ "irq_vectors", "irq_work_entry", "irq_work_entry", PRIO_RECV },
#endif
	};
	struct tp_plan pl[MAX_TP], *order[MAX_TP];
	int np = 0, ncpu, err = 0, dropped = 0, nfd;
	long limit, room;
	char hard_why[128] = "the hard limit is fs.nr_open";

	if (find_tracefs(c)) {
		snprintf(c->tp_status, sizeof(c->tp_status),
			 "unavailable: no tracefs and mounting it failed (%s)",
			 strerror(errno));
		return;
	}
	c->cpus = perf_cpu_map__new_online_cpus();
	if (!c->cpus)
		return;
	ncpu = perf_cpu_map__nr(c->cpus);
	c->lead = malloc(ncpu * sizeof(int));
	c->grp = malloc((MAX_TP + 1) * sizeof(uint64_t));
	if (!c->lead || !c->grp)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(evs); i++)
		if (mmb_tp_id(c->tracefs, evs[i].sys, evs[i].ev) >= 0)
			plan_add(pl, &np, evs[i].sys, evs[i].ev, NULL,
				 evs[i].metric, NULL, evs[i].prio);
	shoot_lazies(c, pl, &np);
	cross_calls(c, pl, &np);
	/*
	 * Lazy transitions: a CPU that switches to its idle task keeps the
	 * user mm it ran loaded (lazily) and gives it back when it leaves.
	 * Under refcount each such switch from or to a user task is an atomic
	 * on mm_count; under shoot-lazies nothing.  They show whether a
	 * workload took the path the strategies differ on at all.
	 */
	if (mmb_tp_id(c->tracefs, "sched", "sched_switch") >= 0) {
		plan_add(pl, &np, "sched", "sched_switch", "next_pid == 0",
			 "idle_enter", "switches/op", PRIO_LAZY);
		plan_add(pl, &np, "sched", "sched_switch", "prev_pid == 0",
			 "idle_exit", "switches/op", PRIO_LAZY);
	}
	/*
	 * tlb:tlb_flush exists on every architecture but only x86 fires it:
	 * where TLBs are flushed by broadcast its zeros would mislead.
	 */
	if (!c->tlb_na && mmb_tp_id(c->tracefs, "tlb", "tlb_flush") >= 0)
		tlb_reasons(c, pl, &np);

	/* what fits, by priority; opened in the plan's order */
	nfd = mmb_open_fds();
	if (nfd < 0)
		nfd = 16;	/* no /proc: a guess at what start-up holds */
	limit = raise_nofile(nfd + (long)np * ncpu + NOFILE_RESERVE + ncpu,
			     hard_why, sizeof(hard_why));
	room = limit - nfd - NOFILE_RESERVE - ncpu;
	for (int i = 0; i < np; i++)
		order[i] = &pl[i];
	qsort(order, np, sizeof(order[0]), plan_cmp_prio);
	for (int i = 0; i < np; i++) {
		order[i]->take = room >= ncpu;
		if (order[i]->take)
			room -= ncpu;
	}
	for (int i = 0; i < np; i++) {
		int e = -EMFILE;
		char why[400], metric[64];

		if (pl[i].take)
			e = tp_add(c, pl[i].sys, pl[i].ev,
				   pl[i].filter[0] ? pl[i].filter : NULL,
				   pl[i].metric, pl[i].unit);
		if (!e) {
			if (pl[i].source[0])
				snprintf(c->tp[c->ntp - 1].source,
					 sizeof(c->tp[0].source), "%s",
					 pl[i].source);
			continue;
		}
		if (e == -EMFILE || e == -ENFILE) {
			/* the text is written below, once the count is known */
			snprintf(why, sizeof(why), "not counted: the open-file limit");
			dropped++;
		} else if (e == -EINVAL && strstr(pl[i].filter, ".function")) {
			snprintf(why, sizeof(why),
				 "not counted: this kernel has no %s() to filter %.16s:%.32s on (compiled out, or a kernel before 6.3)",
				 strrchr(pl[i].filter, ' ') + 1, pl[i].sys,
				 pl[i].ev);
		} else {
			snprintf(why, sizeof(why),
				 "not counted: perf_event_open of tracepoint %.16s:%.32s failed: %.100s",
				 pl[i].sys, pl[i].ev, strerror(-e));
			if (!err)
				err = e;
		}
		snprintf(metric, sizeof(metric), "tp_%s_per_op", pl[i].metric);
		if (!c->tp_dropped)
			c->tp_dropped = json_object();
		json_object_set_new(c->tp_dropped, metric, json_string(why));
	}
	/* the count of the dropped, now that it is known */
	if (dropped) {
		const char *k;
		json_t *v;

		json_object_foreach(c->tp_dropped, k, v) {
			char why[400];
			const char *w = json_string_value(v);

			if (strncmp(w, "not counted: the open-file", 26))
				continue;
			snprintf(why, sizeof(why),
				 "not counted: the open-file limit (RLIMIT_NOFILE %ld; %s) holds %d of the %d counters this kernel has, at one fd per CPU (%d CPUs); those the figures depend on were opened first. Raise it (ulimit -Hn %ld) to count it",
				 limit, hard_why, np - dropped, np, ncpu,
				 (long)np * ncpu + NOFILE_RESERVE + ncpu + 64);
			json_object_set_new(c->tp_dropped, k, json_string(why));
		}
	}
	if (c->ntp)
		snprintf(c->tp_status, sizeof(c->tp_status),
			 "%d counters on %d CPUs from %s%s", c->ntp, ncpu,
			 c->tracefs, dropped ?
			 "; more not opened: the open-file limit (see not_applicable)" :
			 "");
	else
		snprintf(c->tp_status, sizeof(c->tp_status),
			 "unavailable: %s", dropped ?
			 "the open-file limit holds none (see not_applicable)" :
			 err ? strerror(-err) :
			 "no IPI tracepoints in this kernel");
}

/* the tracepoint counters not opened, by metric, with why: or NULL */
const json_t *counters_dropped(const struct counters *c)
{
	return c->tp_dropped;
}

static struct perf_evsel *ev_open(struct counters *c,
				  struct perf_event_attr *a,
				  struct perf_cpu_map *cpus, char *why,
				  size_t len)
{
	struct perf_evsel *e = perf_evsel__new(a);
	int err;

	if (!e) {
		snprintf(why, len, "out of memory");
		return NULL;
	}
	err = perf_evsel__open(e, cpus, c->any);
	if (err) {
		snprintf(why, len, "perf_event_open: %s",
			 strerror(err < 0 ? -err : errno));
		perf_evsel__delete(e);
		return NULL;
	}
	return e;
}

static void ev_close(struct perf_evsel **e)
{
	if (!*e)
		return;
	perf_evsel__close(*e);
	perf_evsel__delete(*e);
	*e = NULL;
}

/* An event's count over its CPUs; -1 when a CPU's cannot be read. */
static int ev_read(struct perf_evsel *e, struct perf_cpu_map *cpus,
		   uint64_t *sum)
{
	*sum = 0;
	for (int i = 0; i < perf_cpu_map__nr(cpus); i++) {
		struct perf_counts_values v = { 0 };

		if (perf_evsel__read(e, i, 0, &v))
			return -1;
		*sum += v.val;
	}
	return 0;
}

/*
 * The effective frequency of the initiator's CPU during a window: APERF
 * over MPERF (the msr PMU) times the TSC's rate, or PMU cycles over
 * ref-cycles; where neither exists (a VM without them), the reason.
 */
/* Both of a ratio's counters on the initiator's CPU, or neither. */
static bool freq_pair(struct counters *c, struct perf_event_attr *num,
		      struct perf_event_attr *den, const char *what,
		      char *why, size_t len)
{
	c->fq_num = ev_open(c, num, c->cyc_cpu, why, len);
	c->fq_den = c->fq_num ? ev_open(c, den, c->cyc_cpu, why, len) : NULL;
	if (!c->fq_den) {
		ev_close(&c->fq_num);
		return false;
	}
	if (!c->ref_hz)
		c->ref_hz = ref_calibrate();
	snprintf(c->fq_source, sizeof(c->fq_source),
		 "%s on the initiator's CPU, times the TSC's %.0f MHz", what,
		 c->ref_hz / 1e6);
	return true;
}

static void freq_open(struct counters *c)
{
	struct perf_event_attr n, d;
	char why[160] = "", why2[160] = "no PMU cycles";
	int r;

	r = event_parse("msr/aperf/", NULL, &n, why, sizeof(why));
	if (!r)
		r = event_parse("msr/mperf/", NULL, &d, why, sizeof(why));
	if (!r && freq_pair(c, &n, &d, "msr/aperf/ over msr/mperf/", why,
			    sizeof(why)))
		return;
	if (c->cyc == CYC_PMU) {
		memset(&n, 0, sizeof(n));
		n.size = sizeof(n);
		n.type = PERF_TYPE_HARDWARE;
		n.config = PERF_COUNT_HW_CPU_CYCLES;
		d = n;
		d.config = PERF_COUNT_HW_REF_CPU_CYCLES;
		if (freq_pair(c, &n, &d, "PMU cpu-cycles over ref-cycles",
			      why2, sizeof(why2)))
			return;
	}
	snprintf(c->fq_na, sizeof(c->fq_na),
		 "no effective frequency: no APERF/MPERF (%s) and %s", why, why2);
}

/* why the lazy cross-call counter cannot exist on this kernel, or NULL */
const char *counters_lazy_na(const struct counters *c)
{
	return c->lazy_na[0] ? c->lazy_na : NULL;
}

const char *counters_freq_na(const struct counters *c)
{
	return c->fq_na[0] ? c->fq_na : NULL;
}

static void events_close(struct counters *c)
{
	for (int i = 0; i < c->nev; i++) {
		ev_close(&c->ev[i].evsel);
		perf_cpu_map__put(c->ev[i].cpus);
	}
	c->nev = 0;
}

/* "a,cpu/event=1,umask=2/,b": commas inside a PMU's slashes are its own */
static int split_events(char *list, char **out, int max)
{
	int n = 0, depth = 0;
	char *start = list;

	for (char *p = list;; p++) {
		if (*p == '/')
			depth = !depth;
		if ((*p == ',' && !depth) || !*p) {
			bool end = !*p;

			*p = '\0';
			if (*start && n < max)
				out[n++] = start;
			if (end)
				break;
			start = p + 1;
		}
	}
	return n;
}

int counters_set_events(struct counters *c, const char *list,
			int initiator, const int *victims, int nvictims,
			json_t *na, char *err, size_t errlen)
{
	char *copy, *spec[MAX_EV + 1];
	int n;

	if (c->script)
		return 0;
	events_close(c);
	if (!list || !*list)
		return 0;
	if (!c->tracefs[0])
		find_tracefs(c);
	copy = strdup(list);
	if (!copy)
		return -1;
	n = split_events(copy, spec, MAX_EV + 1);
	if (n > MAX_EV) {
		snprintf(err, errlen, "-e: at most %d events", MAX_EV);
		free(copy);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		struct ev *e = &c->ev[c->nev];
		struct perf_event_attr a;
		char why[256], one[16], shown[104], *cpus = one;
		char *at = strchr(spec[i], '@');
		int r;

		e->victims = at && !strcmp(at, "@victims");
		if (at && !e->victims) {
			snprintf(err, errlen, "-e: '%s': the one modifier is @victims",
				 spec[i]);
			free(copy);
			return -1;
		}
		if (at)
			*at = '\0';
		event_metric(spec[i], e->victims, e->metric, sizeof(e->metric));
		strncat(e->metric, "_per_op", sizeof(e->metric) - strlen(e->metric) - 1);
		r = event_parse(spec[i], c->tracefs, &a, why, sizeof(why));
		if (r < 0) {
			snprintf(err, errlen, "-e: '%s' is not an event (%s)",
				 spec[i], why);
			free(copy);
			return -1;
		}
		if (r > 0) {
			json_object_set_new(na, e->metric, json_string(why));
			continue;
		}
		if (e->victims) {
			if (!nvictims) {
				json_object_set_new(na, e->metric, json_string(
					"@victims: this run has no victim CPUs"));
				continue;
			}
			/* every victim: at 384 CPUs the list is kilobytes */
			cpus = cpulist_str(victims, nvictims);
			if (!cpus) {
				free(copy);
				return -1;
			}
		} else {
			snprintf(one, sizeof(one), "%d", initiator);
		}
		e->cpus = perf_cpu_map__new(cpus);
		/* a source is a line, not the list: the placement has that */
		if (strlen(cpus) > 100)
			snprintf(shown, sizeof(shown), "(%d, the placement's victims)",
				 nvictims);
		else
			snprintf(shown, sizeof(shown), "%s", cpus);
		e->evsel = e->cpus ? ev_open(c, &a, e->cpus, why, sizeof(why)) :
			   NULL;
		if (!e->evsel) {
			char msg[512];

			snprintf(msg, sizeof(msg), "%s on CPU(s) %s: this machine cannot count it",
				 why, shown);
			json_object_set_new(na, e->metric, json_string(msg));
			perf_cpu_map__put(e->cpus);
			e->cpus = NULL;
			if (cpus != one)
				free(cpus);
			continue;
		}
		snprintf(e->source, sizeof(e->source),
			 "perf event %.60s (type %u, config %#llx), counting on %s CPU(s) %s",
			 spec[i], a.type, (unsigned long long)a.config,
			 e->victims ? "the victims'" : "the initiator's", shown);
		if (cpus != one)
			free(cpus);
		c->nev++;
	}
	free(copy);
	return 0;
}

static void lazy_open(struct counters *c, const char *s)
{
	bool ours = s && (!strncmp(s, "hazptr", 6) || !strncmp(s, "mmgen", 5));
	bool refcount = s && !strcmp(s, "refcount");
	const char *env = getenv("MMB_LAZY_STATS");

	/* the strategies whose __mmdrop() cross-calls no lazy CPU */
	if (refcount || (s && !strncmp(s, "mmgen", 5)))
		snprintf(c->lazy_na, sizeof(c->lazy_na),
			 "%s kernel: its final __mmdrop() sends no cross-call to lazy CPUs (%s)",
			 s, refcount ? "lazy users hold a reference" :
			 "the free waits two mm-switch generations");
	snprintf(c->lazy_path, sizeof(c->lazy_path), "%s",
		 env && *env ? env : LAZY_STATS);
	/* debugfs is mounted only where our series put the file in it */
	c->lazy_ok = !access(c->lazy_path, R_OK) ||
		     (ours && !mount("debugfs", "/sys/kernel/debug", "debugfs",
				     0, NULL) && !access(c->lazy_path, R_OK));
}

struct counters *counters_open(int initiator_cpu, bool tracepoints,
			       const char *const *xcalls, json_t *sys)
{
	struct counters *c = calloc(1, sizeof(*c));
	json_t *ipi;

	if (!c)
		return NULL;
	libperf_init(silent_print);
	c->irq_fd = open("/proc/interrupts", O_RDONLY | O_CLOEXEC);
	c->any = perf_thread_map__new_dummy();
	lazy_open(c, mmb_jstr(sys, "lazy_tlb.strategy"));
	c->xcalls = xcalls;
	cycles_open(c, initiator_cpu);
	freq_open(c);
	{
		struct irq_table t;
		struct ipi_kinds k;

		if (!irq_read("/proc/interrupts", &t)) {
			irq_ipi_kinds(&t, &k);
			c->tlb_na = k.tlb_hw_broadcast;
			irq_free(&t);
		}
	}
	if (tracepoints)
		tracepoints_open(c);
	else
		snprintf(c->tp_status, sizeof(c->tp_status),
			 "off (--no-tracepoints)");

	json_object_set_new(sys, "cycles_source", json_string(c->cyc_source));
	ipi = json_object();
	json_object_set_new(ipi, "proc_interrupts",
		json_string("/proc/interrupts deltas, all CPUs, receiver side"));
	json_object_set_new(ipi, "tracepoints", json_string(c->tp_status));
	if (c->tlb_na)
		json_object_set_new(ipi, "tlb", json_string(MMB_TLB_NA));
	json_object_set_new(sys, "ipi_source", ipi);
	return c;
}

/*
 * The runner's accounting under test: no PMU, no tracefs, no
 * /proc/interrupts; the script's tracepoint names become tp_ counters.
 */
struct counters *counters_open_scripted(const struct counter_script *sc)
{
	struct counters *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->script = sc;
	c->irq_fd = -1;
	c->cyc = CYC_CLOCK;
	snprintf(c->cyc_source, sizeof(c->cyc_source), "scripted");
	for (int i = 0; i < sc->ntp && i < 8; i++) {
		snprintf(c->tp[i].metric, sizeof(c->tp[i].metric), "%s",
			 sc->tp_names[i]);
		snprintf(c->tp[i].source, sizeof(c->tp[i].source), "scripted");
		c->ntp++;
	}
	return c;
}

void counters_close(struct counters *c)
{
	if (!c)
		return;
	if (c->script) {
		free(c);
		return;
	}
	json_decref(c->tp_dropped);
	mmlife_close(c->life);
	if (c->irq_fd >= 0)
		close(c->irq_fd);
	/* members first: the leaders are tp[0]'s */
	for (int i = c->ntp - 1; i >= 0; i--)
		tp_close_fds(c, c->tp[i].fd);
	free(c->lead);
	free(c->grp);
	if (c->cyc_ev) {
		perf_evsel__close(c->cyc_ev);
		perf_evsel__delete(c->cyc_ev);
	}
	events_close(c);
	ev_close(&c->fq_num);
	ev_close(&c->fq_den);
	perf_cpu_map__put(c->cpus);
	perf_cpu_map__put(c->cyc_cpu);
	perf_thread_map__put(c->any);
	free(c);
}

struct snapshot *snapshot_new(const struct counters *c)
{
	return calloc(1, sizeof(struct snapshot));
}

void snapshot_free(struct snapshot *s)
{
	if (!s)
		return;
	irq_free(&s->irq);
	free(s);
}

/* LAZY_STATS: a missing key stays missing; a file gone fails the window */
static int snap_lazy(const struct counters *c, struct snapshot *s)
{
	char line[128], key[64];
	unsigned long long v;
	FILE *f;

	if (!c->lazy_ok)
		return 0;
	f = fopen(c->lazy_path, "r");
	if (!f)
		return -1;
	memset(s->lazy_has, 0, sizeof(s->lazy_has));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %llu", key, &v) != 2)
			continue;
		for (size_t i = 0; i < NLAZY; i++)
			if (!strcmp(key, lazy_figures[i].key)) {
				s->lazy[i] = v;
				s->lazy_has[i] = true;
			}
	}
	fclose(f);
	return 0;
}

/*
 * /proc/interrupts into the snapshot's own buffers, from an fd held open:
 * no allocation once the buffers have grown, rows indexed and parsed only
 * where a delta needs them (at 512 CPUs x 1000 rows a full parse was
 * 10 ms a read).
 */
static int snap_irq(const struct counters *c, struct snapshot *s)
{
	s->irq_ok = c->irq_fd >= 0 && !irq_reread(c->irq_fd, &s->irq);
	if (!s->irq_ok || snap_lazy(c, s))
		return -1;
	return 0;
}

/* A scripted source: every reading comes from the test's callback. */
static int snap_scripted(struct counters *c, struct snapshot *s, bool end,
			 bool with_tp)
{
	struct counter_reading rd = { 0 };

	if (c->script->snap(c->script->arg, c->nsnap++, end, with_tp, &rd))
		return -1;
	if (s->irq_ok)
		irq_free(&s->irq);
	s->irq_ok = !irq_parse(rd.interrupts, &s->irq);
	s->ns = rd.ns;
	s->cycles = rd.cycles;
	for (int i = 0; with_tp && i < c->ntp; i++)
		s->tp[i] = rd.tp[i];
	return s->irq_ok ? 0 : -1;
}

/* One group read per CPU: nr, then the counters in the order added. */
static int snap_tp(struct counters *c, struct snapshot *s)
{
	int n = c->cpus ? perf_cpu_map__nr(c->cpus) : 0;
	size_t want = (c->ntp + 1) * sizeof(uint64_t);

	for (int i = 0; i < c->ntp; i++)
		s->tp[i] = 0;
	for (int j = 0; c->ntp && j < n; j++) {
		if (read(c->lead[j], c->grp, want) != (ssize_t)want ||
		    c->grp[0] != (uint64_t)c->ntp)
			return -1;
		for (int i = 0; i < c->ntp; i++)
			s->tp[i] += c->grp[1 + i];
	}
	return 0;
}

/*
 * The two ends of a window nest: time and cycles innermost, so the ops
 * alone are timed; /proc/interrupts next; tracepoint counters outermost,
 * because reading a counter active on another CPU IPIs it
 * (perf_event_read()), and those IPIs must land outside the window that
 * /proc/interrupts counts.  Tracepoints are read only for a window that
 * counts them.  A failed read fails the window: a sample with a missing
 * counter would shift every later value into the wrong metric.
 */
/* -e events on one side: the initiator's CPU (local) or the victims' */
static int snap_ev(struct counters *c, struct snapshot *s, bool victims)
{
	for (int i = 0; i < c->nev; i++)
		if (c->ev[i].victims == victims &&
		    ev_read(c->ev[i].evsel, c->ev[i].cpus, &s->ev[i]))
			return -1;
	if (!victims && c->fq_num &&
	    (ev_read(c->fq_num, c->cyc_cpu, &s->fq_num) ||
	     ev_read(c->fq_den, c->cyc_cpu, &s->fq_den)))
		return -1;
	return 0;
}

static void tp_enable(struct counters *c, bool on);

void counters_set_mark(struct counters *c, void (*fn)(void *), void *arg)
{
	c->mark = fn;
	c->mark_arg = arg;
}

static void mark(struct counters *c)
{
	if (c->mark)
		c->mark(c->mark_arg);
}

/*
 * with_tp: the tracepoint counters are read while they are off, at both
 * ends, and switched on and off in between.  Reading a counter that is
 * on, on another CPU, is a cross-call into that CPU (perf_event_read());
 * one that is off is read where it lies.  So a window costs 2N
 * cross-calls at N CPUs (on, off), not 4N (on, read, read, off).
 *
 * The mark (--initiators: where the coordinator reads the initiators' op
 * counts, since their ops run on through the snapshot) comes just before
 * the counters the window is judged by start counting, and just before
 * they stop: /proc/interrupts' read, or the tracepoints' switching on and
 * off.  The same point at both ends, so the ops counted span as long as
 * the events, however long the snapshot takes.  A second mark just after
 * that read says how many ops ended during it: their IPIs may fall either
 * side of the read, so they widen the edge error (runner.c).
 */
int counters_snap(struct counters *c, struct snapshot *s, bool end,
		  bool with_tp)
{
	if (c->script)
		return snap_scripted(c, s, end, with_tp);
	/* the victims' events are read remotely (an IPI each): outside too */
	if (!end) {
		/* outermost: draining the rings may free and unmap */
		if (c->life)
			mmlife_read(c->life, &s->life);
		if (with_tp) {
			if (snap_tp(c, s))
				return -1;
			mark(c);
			if (!c->tp_held)
				tp_enable(c, true);
			mark(c);
		}
		if (snap_ev(c, s, true))
			return -1;
		if (!with_tp)
			mark(c);
		if (snap_irq(c, s))
			return -1;
		if (!with_tp)
			mark(c);
		if (snap_ev(c, s, false))
			return -1;
		s->cycles = counters_cycles(c);
		s->ns = mmb_now_ns();
		return 0;
	}
	s->ns = mmb_now_ns();
	s->cycles = counters_cycles(c);
	if (snap_ev(c, s, false))
		return -1;
	if (!with_tp)
		mark(c);
	if (snap_irq(c, s))
		return -1;
	if (!with_tp)
		mark(c);
	if (snap_ev(c, s, true))
		return -1;
	if (with_tp) {
		mark(c);
		if (!c->tp_held)
			tp_enable(c, false);
		mark(c);
		if (snap_tp(c, s))
			return -1;
	}
	if (c->life)
		mmlife_read(c->life, &s->life);
	return 0;
}

uint64_t snapshot_cycles(const struct snapshot *s)
{
	return s->cycles;
}

uint64_t snapshot_ns(const struct snapshot *s)
{
	return s->ns;
}

/*
 * Enabled tracepoint counters slow the op whenever their event fires in
 * it (tlb:tlb_flush fires at every mm switch: six filtered counters made
 * a process ping-pong 25% slower), so they count in passes of their own.
 */
static void tp_enable(struct counters *c, bool on)
{
	int n = c->cpus && !c->script && c->ntp ? perf_cpu_map__nr(c->cpus) : 0;

	for (int j = 0; j < n; j++)
		ioctl(c->lead[j], on ? PERF_EVENT_IOC_ENABLE :
		      PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP);
}

/* Off after a failed window: counters_snap() switched them on. */
void counters_tp_off(struct counters *c)
{
	if (!c->tp_held)
		tp_enable(c, false);
}

/*
 * On for a series of snapshots that follow each other without a gap
 * (mmb-macro's marks): each then reads them as they run.
 */
void counters_tp_enable(struct counters *c, bool on)
{
	c->tp_held = on;
	tp_enable(c, on);
}

bool counters_tlb_na(const struct counters *c)
{
	return c->tlb_na;
}

bool counters_have_tp(const struct counters *c)
{
	return c->ntp > 0;
}

/*
 * --mm-life's figures (lib/mmlife.c): the dead per op, and levels over
 * the window.  A window whose rings lost records has its count of them
 * and no lifetime: a lost free would look like a life without end.
 */
#define LIFE_SRC "mmap:exit_mmap (the last user gone) to kmem:kmem_cache_free of mm_struct (free_mm()), sampled per CPU"
enum { LIFE_DEATHS, LIFE_MS, LIFE_MAX_MS, LIFE_PENDING, LIFE_PEAK, LIFE_LOST, NLIFE };
static const struct life_figure {
	const char *name, *unit, *source;
	enum cval_kind kind;
} life_figures[NLIFE] = {
	[LIFE_DEATHS] = { "mm_deaths", "mms/op", "mmap:exit_mmap records: address spaces torn down (the last user gone), any process's", CV_EVENT },
	[LIFE_MS] = { "mm_life_ms", "ms", "mean life of a dead mm freed in the window, whenever it died: " LIFE_SRC, CV_LEVEL },
	[LIFE_MAX_MS] = { "mm_life_max_ms", "ms", "the longest life of a dead mm freed in the window: " LIFE_SRC, CV_LEVEL },
	[LIFE_PENDING] = { "mm_pending", "mms", "dead mms not freed at the end of the window: " LIFE_SRC, CV_LEVEL },
	[LIFE_PEAK] = { "mm_pending_peak", "mms", "the most dead mms not freed at once in the window: " LIFE_SRC, CV_LEVEL },
	[LIFE_LOST] = { "mm_life_lost", "records", "records the rings of " LIFE_SRC " lost in the window (a full ring)", CV_LEVEL },
};

static int life_delta(const struct mmlife_reading *a,
		      const struct mmlife_reading *b, struct cval *out, int max)
{
	uint64_t freed = b->freed - a->freed, lost = b->lost - a->lost;
	double v[NLIFE] = {
		[LIFE_DEATHS] = (double)(b->deaths - a->deaths),
		[LIFE_MS] = freed ? (double)(b->life_ns - a->life_ns) / (double)freed * 1e-6 : 0,
		[LIFE_MAX_MS] = (double)b->max_ns * 1e-6,
		[LIFE_PENDING] = (double)b->pending,
		[LIFE_PEAK] = (double)b->peak,
		[LIFE_LOST] = (double)lost,
	};
	int n = 0;

	for (int i = 0; i < NLIFE && n < max; i++) {
		const struct life_figure *f = &life_figures[i];

		/* a lossy window has only its loss; a mean needs a free */
		if ((lost && i != LIFE_LOST) ||
		    (!freed && (i == LIFE_MS || i == LIFE_MAX_MS)))
			continue;
		snprintf(out[n].name, sizeof(out[n].name), "%s", f->name);
		out[n].v = v[i];
		out[n].source = f->source;
		out[n].unit = f->unit;
		out[n].kind = f->kind;
		n++;
	}
	return n;
}

/*
 * --mm-life: the rings on every online CPU, for the whole run.  Why not,
 * into na under each figure's name.
 */
int counters_mm_life(struct counters *c, json_t *na)
{
	struct perf_cpu_map *cpus;
	char why[384] = "", hard[128] = "";
	int *list = NULL, n = 0;

	if (c->script || c->life)
		return 0;
	if (!c->tracefs[0] && find_tracefs(c))
		snprintf(why, sizeof(why), "no tracefs, and mounting it failed: %s",
			 strerror(errno));
	cpus = why[0] ? NULL : perf_cpu_map__new_online_cpus();
	if (cpus) {
		n = perf_cpu_map__nr(cpus);
		list = malloc(n * sizeof(*list));
		for (int i = 0; list && i < n; i++)
			list[i] = perf_cpu_map__cpu(cpus, i).cpu;
		perf_cpu_map__put(cpus);
	}
	if (!why[0] && !list)
		snprintf(why, sizeof(why), "out of memory");
	/* two fds a CPU, on top of the tracepoint counters' */
	if (!why[0])
		raise_nofile(mmb_open_fds() + 2L * n + NOFILE_RESERVE + n, hard,
			     sizeof(hard));
	if (!why[0])
		c->life = mmlife_open(c->tracefs, list, n, why, sizeof(why));
	if (!c->life && hard[0])
		snprintf(why + strlen(why), sizeof(why) - strlen(why), " (%s)", hard);
	free(list);
	if (c->life)
		return 0;
	/* every figure, as the result names it (the runner adds _per_op) */
	for (int i = 0; i < NLIFE; i++) {
		char name[64];

		snprintf(name, sizeof(name), "%s%s", life_figures[i].name,
			 life_figures[i].kind == CV_EVENT ? "_per_op" : "");
		json_object_set_new(na, name, json_string(why));
	}
	return -1;
}

int counters_delta(const struct counters *c, const struct snapshot *a,
		   const struct snapshot *b, struct cval *out, int max,
		   bool with_tp)
{
	struct ipi_kinds k;
	int n = 0;

	memset(out, 0, max * sizeof(*out));
	if (a->irq_ok && b->irq_ok && max > 0) {
		irq_ipi_delta(&a->irq, &b->irq, &k);
		snprintf(out[n].name, sizeof(out[n].name), "ipis");
		out[n].kind = CV_IPI;
		out[n].v = (double)k.total;
		out[n].source = "/proc/interrupts: every IPI row that counts interrupts received (x86: not TLB, which counts flush runs)";
		n++;
		for (int i = 0; i < k.n && n < max; i++, n++) {
			snprintf(out[n].name, sizeof(out[n].name), "ipi_%s",
				 k.k[i].kind);
			out[n].kind = CV_IPI;
			out[n].v = (double)k.k[i].total;
			out[n].source = !strcmp(k.k[i].label, "TLB") ?
				"/proc/interrupts TLB row: remote flush-function runs, not interrupts (most came by a call IPI, counted in ipi_call too; a polling idle CPU's by none)" :
				!strcmp(k.k[i].label, "CAL") ?
				"/proc/interrupts CAL row: call-function interrupts received, those that carried TLB flushes included" :
				"/proc/interrupts";
		}
	}
	for (int i = 0; with_tp && i < c->ntp && n < max; i++, n++) {
		snprintf(out[n].name, sizeof(out[n].name), "%s", c->tp[i].metric);
		out[n].v = (double)(b->tp[i] - a->tp[i]);
		out[n].source = c->tp[i].source;
		out[n].unit = c->tp[i].unit;
		out[n].kind = CV_TRACEPOINT;
	}
	for (int i = 0; i < c->nev && n < max; i++, n++) {
		/* the metric name ends in _per_op: the runner adds it */
		snprintf(out[n].name, sizeof(out[n].name), "%.*s",
			 (int)(strlen(c->ev[i].metric) - 7), c->ev[i].metric);
		out[n].v = (double)(b->ev[i] - a->ev[i]);
		out[n].source = c->ev[i].source;
		out[n].unit = "events/op";
		out[n].kind = CV_EVENT;
	}
	for (size_t i = 0; c->lazy_ok && i < NLAZY && n < max; i++) {
		const struct lazy_figure *l = &lazy_figures[i];
		double d = (double)(b->lazy[i] - a->lazy[i]);

		if (!a->lazy_has[i] || !b->lazy_has[i])
			continue;
		if (l->kind == CV_LEVEL && l->over) {
			size_t o = 0;

			while (o < NLAZY && strcmp(lazy_figures[o].key, l->over))
				o++;
			/* no mm freed in this window: no mean, not a zero */
			if (o == NLAZY || !b->lazy_has[o] || b->lazy[o] == a->lazy[o])
				continue;
			d /= (double)(b->lazy[o] - a->lazy[o]);
		} else if (l->kind == CV_LEVEL) {
			d = (double)b->lazy[i];
		}
		snprintf(out[n].name, sizeof(out[n].name), "%s", l->metric);
		out[n].v = d * (l->kind == CV_LEVEL ? l->scale : 1);
		out[n].source = l->source;
		out[n].unit = l->unit;
		out[n].kind = l->kind;
		n++;
	}
	if (c->life)
		n += life_delta(&a->life, &b->life, out + n, max - n);
	if (c->fq_num && b->fq_den > a->fq_den && n < max) {
		snprintf(out[n].name, sizeof(out[n].name), "effective_mhz");
		out[n].v = c->ref_hz / 1e6 * (double)(b->fq_num - a->fq_num) /
			   (double)(b->fq_den - a->fq_den);
		out[n].source = c->fq_source;
		out[n].unit = "MHz";
		out[n].kind = CV_LEVEL;
		n++;
	}
	return n;
}

json_t *counters_irq_delta(const struct snapshot *a, const struct snapshot *b)
{
	if (!a->irq_ok || !b->irq_ok)
		return json_object();
	return irq_delta_json(&a->irq, &b->irq);
}
