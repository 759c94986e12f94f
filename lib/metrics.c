// SPDX-License-Identifier: GPL-2.0
/*
 * One description per metric: what it is (a count per op, a time, a rate),
 * which way is worse, whether the gate judges it, what it means in a few
 * words, and whether the summary and matrix tables show it as a column.
 *
 * A bench declares its own metrics' descriptions beside them (struct
 * mmb_counter.desc); the runner's metrics are described in the table
 * below.  Every result carries the descriptions of its metrics in its
 * metric_info block, and every tool reads them from there through
 * mmb_metric_info(), so a new metric needs no edit in any tool.  A result
 * from before metric_info is read with the table below.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const char *const mmb_kind_names[] = { "count", "time", "cycles", "rate",
				       "ratio", "level", NULL };
const char *const mmb_better_names[] = { "lower", "higher", "neither", NULL };
const char *const mmb_role_names[] = { "gated", "info", "detail", NULL };

#define LO MMB_BETTER_LOWER
#define HI MMB_BETTER_HIGHER
#define NE MMB_BETTER_NEITHER

/*
 * The runner's metrics (and, for results written before metric_info,
 * the benches' own).  First match wins: specific names before patterns.
 * rank: the column's place in mmb-summary and mmb-matrix (0: none).
 * where_had: a column only where some result has the metric (one
 * strategy's mechanism), with a legend line; the others are there for
 * every result, "-" where absent.
 */
static const struct builtin {
	const char *pattern;
	struct mmb_metric_desc d;
	int rank[MMB_NTABLES];
	bool where_had;
} builtins[] = {
	{ "latency_ns", { MMB_KIND_TIME, LO, MMB_ROLE_GATED,
		"latency per op", "latency_ns" }, { 1, 9 } },
	{ "latency_p*_ns", { MMB_KIND_TIME, LO, MMB_ROLE_GATED,
		"latency per op, a percentile of single ops" } },
	{ "cycles", { MMB_KIND_CYCLES, LO, MMB_ROLE_GATED,
		"cycles per op", "cycles" }, { 2, 0 } },
	{ "ops_per_s", { MMB_KIND_RATE, HI, MMB_ROLE_GATED,
		"ops per second, all initiators" } },
	{ "initiator_ops_per_s_*", { MMB_KIND_RATE, HI, MMB_ROLE_GATED,
		"ops per second of one initiator" } },
	{ "edge_error_bound", { MMB_KIND_RATIO, LO, MMB_ROLE_INFO,
		"--initiators: how far a per-op figure may be off" } },
	{ "initiator_oncpu", { MMB_KIND_RATIO, NE, MMB_ROLE_INFO,
		"least on-CPU share of an initiator" } },
	{ "busy_victim_oncpu", { MMB_KIND_RATIO, NE, MMB_ROLE_INFO,
		"least on-CPU share of a busy victim" } },
	{ "effective_mhz", { MMB_KIND_LEVEL, NE, MMB_ROLE_INFO,
		"the clock the initiator's core ran at" } },
	{ "ipis_per_op", { MMB_KIND_COUNT, LO, MMB_ROLE_GATED,
		"IPIs per op, all kinds", "ipis" }, { 3, 1 } },
	{ "ipi_tlb_per_op", { MMB_KIND_COUNT, LO, MMB_ROLE_GATED,
		"TLB flush runs per op", "tlb" }, { 4, 3 } },
	{ "tp_tlb_flush_remote_ipi_send_per_op", { MMB_KIND_COUNT, LO,
		MMB_ROLE_DETAIL, "remote TLB flushes requested per op",
		"rflush" }, { 5, 0 } },
	{ "ipi_call_per_op", { MMB_KIND_COUNT, LO, MMB_ROLE_GATED,
		"call-function IPIs per op", "call" }, { 6, 2 } },
	{ "ipi_resched_per_op", { MMB_KIND_COUNT, LO, MMB_ROLE_GATED,
		"reschedule IPIs per op", "resched" }, { 7, 0 } },
	{ "tp_idle_enter_per_op", { MMB_KIND_COUNT, LO, MMB_ROLE_DETAIL,
		"switches into the idle task per op", "idle" }, { 0, 4 } },
	/* the lazy-mm strategies' mechanisms (lib/counters.c) */
	{ "tp_shoot_lazy_tlb_per_op", { MMB_KIND_COUNT, LO, MMB_ROLE_DETAIL,
		"cross-calls from a final __mmdrop() to lazy CPUs per op",
		"mmdrop" }, { 0, 5 }, true },
	{ "tp_flush_tlb_func_per_op", { MMB_KIND_COUNT, LO, MMB_ROLE_INFO,
		"CPUs that ran x86's flush_tlb_func() per op through the cross-call path (the initiator's own too, when the flush went to others)",
		"flushfn" } },
	{ "tp_table_sync_per_op", { MMB_KIND_COUNT, LO, MMB_ROLE_INFO,
		"cross-calls per op syncing lockless page-table walkers (tlb_remove_table_sync_one)",
		"tsync" } },
	{ "lazy_hazptr_asked_per_op", { MMB_KIND_COUNT, LO, MMB_ROLE_DETAIL,
		"CPUs asked to let a dead mm go per op (hazptr)", "asked" },
		{ 0, 6 }, true },
	{ "lazy_hazptr_scans_per_op", { MMB_KIND_COUNT, NE, MMB_ROLE_DETAIL,
		"hazard-slot scans per op (hazptr)" } },
	{ "lazy_gen_deferred_per_op", { MMB_KIND_COUNT, NE, MMB_ROLE_DETAIL,
		"mm frees deferred per op (mmgen)", "defer" }, { 0, 7 }, true },
	{ "lazy_gen_freed_per_op", { MMB_KIND_COUNT, NE, MMB_ROLE_DETAIL,
		"deferred mms freed per op (mmgen)" } },
	{ "lazy_gen_generations_per_op", { MMB_KIND_COUNT, NE, MMB_ROLE_DETAIL,
		"mm-switch generations per op (mmgen)" } },
	{ "lazy_gen_wait_ms", { MMB_KIND_LEVEL, LO, MMB_ROLE_INFO,
		"mean wait of a deferred mm, ms (mmgen)", "wait_ms" }, { 0, 8 }, true },
	{ "lazy_gen_wait_ticks", { MMB_KIND_LEVEL, LO, MMB_ROLE_INFO,
		"mean wait of a deferred mm, ticks (mmgen)" } },
	{ "lazy_gen_pending", { MMB_KIND_LEVEL, NE, MMB_ROLE_INFO,
		"deferred mms still waiting at a window's end (mmgen)" } },
	/* --mm-life: the same lifetime on every strategy (lib/mmlife.c) */
	{ "mm_life_ms", { MMB_KIND_LEVEL, LO, MMB_ROLE_INFO,
		"mean life of a dead mm, exit_mmap to its free, ms (--mm-life)",
		"life_ms" }, { 0, 10 }, true },
	{ "mm_life_max_ms", { MMB_KIND_LEVEL, LO, MMB_ROLE_INFO,
		"longest life of a dead mm freed in a window, ms (--mm-life)" } },
	{ "mm_pending", { MMB_KIND_LEVEL, LO, MMB_ROLE_INFO,
		"dead mms not yet freed at a window's end (--mm-life)" } },
	{ "mm_pending_peak", { MMB_KIND_LEVEL, LO, MMB_ROLE_INFO,
		"most dead mms not yet freed at once in a window (--mm-life)",
		"dead" }, { 0, 11 }, true },
	{ "mm_deaths_per_op", { MMB_KIND_COUNT, NE, MMB_ROLE_DETAIL,
		"address spaces torn down per op, any process's (--mm-life)" } },
	{ "mm_life_lost", { MMB_KIND_LEVEL, LO, MMB_ROLE_INFO,
		"--mm-life records lost to a full ring in a window" } },
	{ "tp_mm_count_atomics_per_op", { MMB_KIND_COUNT, LO, MMB_ROLE_DETAIL,
		"mm_count atomics per op (derived)" } },
	{ "*_net_per_op", { MMB_KIND_COUNT, LO, MMB_ROLE_DETAIL,
		"IPIs per op, less the background" } },
	{ "ipi_*_per_op", { MMB_KIND_COUNT, LO, MMB_ROLE_GATED,
		"IPIs of one kind per op" } },
	{ "tp_*_per_op", { MMB_KIND_COUNT, LO, MMB_ROLE_DETAIL,
		"tracepoint hits per op" } },
	/* kthread-mm's own, for results before metric_info */
	{ "pairs_per_op", { MMB_KIND_COUNT, NE, MMB_ROLE_INFO,
		"use/unuse pairs per request" } },
	{ "kthread_pair_ns", { MMB_KIND_TIME, LO, MMB_ROLE_GATED,
		"kthread_use_mm() + unuse pair, in the kthread" } },
	{ "kthread_pair_cycles", { MMB_KIND_CYCLES, LO, MMB_ROLE_GATED,
		"cycles per kthread_use_mm() + unuse pair" } },
};

static void set(struct metric_info *mi, const char *name,
		const struct mmb_metric_desc *d, const int *rank)
{
	memset(mi, 0, sizeof(*mi));
	mi->d = *d;
	snprintf(mi->lab, sizeof(mi->lab), "%s", d->label ? d->label : name);
	snprintf(mi->col, sizeof(mi->col), "%s", d->column ? d->column : "");
	/* the struct is copied about: lab and col hold the strings */
	mi->d.label = mi->d.column = NULL;
	for (int t = 0; rank && *mi->col && t < MMB_NTABLES; t++)
		mi->rank[t] = rank[t];
}

void metric_builtin(const char *name, struct metric_info *mi)
{
	static const struct mmb_metric_desc plain;

	for (size_t i = 0; i < ARRAY_SIZE(builtins); i++)
		if (!fnmatch(builtins[i].pattern, name, 0)) {
			set(mi, name, &builtins[i].d, builtins[i].rank);
			return;
		}
	set(mi, name, &plain, NULL);
}

static int index_of(const char *const *names, const char *s)
{
	for (int i = 0; s && names[i]; i++)
		if (!strcmp(names[i], s))
			return i;
	return -1;
}

/* One entry of a metric_info block: NULL when sound, else the field. */
static const char *entry_bad(const json_t *e)
{
	static const char *const keys[] = { "kind", "better", "role" };
	static const char *const *const sets[] = { mmb_kind_names,
		mmb_better_names, mmb_role_names };
	const json_t *v;

	if (!json_is_object(e))
		return "";
	for (int k = 0; k < 3; k++)
		if (index_of(sets[k], json_string_value(json_object_get(e, keys[k]))) < 0)
			return keys[k];
	v = json_object_get(e, "label");
	if (v && !json_is_string(v))
		return "label";
	v = json_object_get(e, "column");
	if (v && (!json_is_string(v) || !json_string_length(v) ||
		  json_string_length(v) >= sizeof(((struct metric_info *)0)->col)))
		return "column";
	for (int t = 0; t < MMB_NTABLES; t++) {
		v = json_object_get(e, mmb_table_names[t]);
		if (v && (!json_is_integer(v) || json_integer_value(v) < 0 ||
			  json_integer_value(v) > 1000))
			return mmb_table_names[t];
	}
	return NULL;
}

int metric_info_check(const json_t *block, char *err, size_t len)
{
	const char *name, *bad;
	json_t *e;

	if (!block)
		return 0;	/* a result from before metric_info */
	if (!json_is_object(block)) {
		snprintf(err, len, "field 'metric_info': not an object");
		return -1;
	}
	json_object_foreach((json_t *)block, name, e) {
		bad = entry_bad(e);
		if (!bad)
			continue;
		if (*bad)
			snprintf(err, len, "field 'metric_info.%.60s.%s': missing or not valid",
				 name, bad);
		else
			snprintf(err, len, "field 'metric_info.%.60s': not an object", name);
		return -1;
	}
	return 0;
}

void mmb_metric_info(const json_t *res, const char *name,
		     struct metric_info *mi)
{
	const json_t *e = json_object_get(json_object_get(res, "metric_info"), name);
	struct mmb_metric_desc d;
	int rank[MMB_NTABLES];

	if (!e || entry_bad(e)) {
		metric_builtin(name, mi);
		return;
	}
	d = (struct mmb_metric_desc){
		.kind = index_of(mmb_kind_names, mmb_jstr(e, "kind")),
		.better = index_of(mmb_better_names, mmb_jstr(e, "better")),
		.role = index_of(mmb_role_names, mmb_jstr(e, "role")),
		.label = json_string_value(json_object_get(e, "label")),
		.column = json_string_value(json_object_get(e, "column")),
	};
	for (int t = 0; t < MMB_NTABLES; t++)
		rank[t] = (int)json_integer_value(json_object_get(e, mmb_table_names[t]));
	set(mi, name, &d, rank);
}

static json_t *info_json(const struct metric_info *mi)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s}",
			      "kind", mmb_kind_names[mi->d.kind],
			      "better", mmb_better_names[mi->d.better],
			      "role", mmb_role_names[mi->d.role],
			      "label", mi->lab);

	if (*mi->col) {
		json_object_set_new(o, "column", json_string(mi->col));
		for (int t = 0; t < MMB_NTABLES; t++)
			json_object_set_new(o, mmb_table_names[t],
					    json_integer(mi->rank[t]));
	}
	return o;
}

/* A built-in entry for exactly this name, not a pattern's. */
static const struct builtin *builtin_exact(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(builtins); i++)
		if (!strcmp(builtins[i].pattern, name))
			return &builtins[i];
	return NULL;
}

void metric_typed(json_t *info, const char *name, enum cval_kind kind,
		  bool net, const char *what)
{
	const struct builtin *b = builtin_exact(name);
	struct mmb_metric_desc d = { MMB_KIND_COUNT, LO, MMB_ROLE_GATED };
	struct metric_info mi;
	char lab[160];

	if (!info)
		return;
	if (b) {
		set(&mi, name, &b->d, b->rank);
		json_object_set_new(info, name, info_json(&mi));
		return;
	}
	switch (kind) {
	case CV_IPI:
		if (!strncmp(what, "ipi_", 4))
			what += 4;
		else if (!strcmp(what, "ipis"))
			what = "all";
		snprintf(lab, sizeof(lab), net ? "IPIs per op (%s), less the background" :
			 "IPIs per op (%s)", what);
		d.role = net ? MMB_ROLE_DETAIL : MMB_ROLE_GATED;
		break;
	case CV_TRACEPOINT:
		/* counted beside the IPIs they explain: not judged twice */
		snprintf(lab, sizeof(lab), "hits per op: %s", what);
		d.role = MMB_ROLE_DETAIL;
		break;
	case CV_EVENT:
		snprintf(lab, sizeof(lab), "%s per op", what);
		break;
	case CV_LEVEL:
		snprintf(lab, sizeof(lab), "%s", what);
		d = (struct mmb_metric_desc){ MMB_KIND_LEVEL, NE, MMB_ROLE_INFO };
		break;
	}
	d.label = lab;
	set(&mi, name, &d, NULL);
	json_object_set_new(info, name, info_json(&mi));
}

/*
 * The metric_info block of a result: a bench's counters as the bench
 * declares them (their columns after the runner's, in declaration order),
 * the runner's counters as it described them by their kind (known), every
 * other metric from the table above.
 */
json_t *metric_info_block(const json_t *metrics, const struct mmb_counter *c,
			  const json_t *known)
{
	json_t *block = json_object(), *m;
	const char *name;

	json_object_foreach((json_t *)metrics, name, m) {
		struct metric_info mi;
		int i;

		for (i = 0; c && c[i].name && strcmp(c[i].name, name); i++)
			;
		if (c && c[i].name) {
			int rank[MMB_NTABLES] = { 100 + i, 100 + i };

			set(&mi, name, &c[i].desc, rank);
		} else if (json_object_get(known, name)) {
			json_object_set(block, name, json_object_get(known, name));
			continue;
		} else {
			metric_builtin(name, &mi);
		}
		json_object_set_new(block, name, info_json(&mi));
	}
	return block;
}

const char *const mmb_table_names[] = { "summary", "matrix", NULL };

struct col_sort {
	char name[64];
	struct metric_info mi;
	int rank;
	const char *unit;
};

static int by_rank(const void *a, const void *b)
{
	const struct col_sort *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank - y->rank;
	return strcmp(x->name, y->name);
}

int mmb_metric_columns(json_t *const *res, int n, enum mmb_table t,
		       struct mmb_column *out, int max)
{
	struct col_sort *c = calloc(max + 1, sizeof(*c));
	int nc = 0;

	if (!c)
		return 0;
	/*
	 * The columns every result offers, in rank order.  A metric
	 * that one result lacks still gets its column: the cell says "-".
	 */
	for (int i = 0; i < n; i++) {
		const json_t *info = json_object_get(res[i], "metric_info");
		const char *name;
		json_t *m;

		json_object_foreach(info ? (json_t *)info :
				    json_object_get(res[i], "metrics"), name, m) {
			const struct builtin *b = builtin_exact(name);
			struct metric_info mi;
			bool seen = false;

			mmb_metric_info(res[i], name, &mi);
			/*
			 * The runner's metrics take their place from this
			 * table, whatever place the version that wrote the
			 * result gave them: results of different vintages
			 * line up in one table.
			 */
			if (b) {
				snprintf(mi.col, sizeof(mi.col), "%s",
					 b->d.column ? b->d.column : "");
				for (int k = 0; k < MMB_NTABLES; k++)
					mi.rank[k] = *mi.col ? b->rank[k] : 0;
			}
			if (!mi.rank[t] || strlen(name) >= sizeof(c->name))
				continue;
			for (int k = 0; k < nc && !seen; k++)
				seen = !strcmp(c[k].name, name);
			if (seen || nc == max)
				continue;
			snprintf(c[nc].name, sizeof(c[nc].name), "%s", name);
			c[nc].mi = mi;
			c[nc].rank = mi.rank[t];
			c[nc].unit = json_string_value(json_object_get(json_object_get(
				json_object_get(res[i], "metrics"), name), "unit"));
			nc++;
		}
	}
	/*
	 * Results from before metric_info that lack a built-in column's
	 * metric altogether (no TLB row on arm64) still show it, as n/a.
	 */
	for (size_t b = 0; b < ARRAY_SIZE(builtins) && nc < max; b++) {
		bool seen = false;

		if (!builtins[b].rank[t] || strchr(builtins[b].pattern, '*') ||
		    builtins[b].where_had)
			continue;
		for (int k = 0; k < nc && !seen; k++)
			seen = !strcmp(c[k].name, builtins[b].pattern);
		if (seen)
			continue;
		snprintf(c[nc].name, sizeof(c[nc].name), "%s", builtins[b].pattern);
		metric_builtin(builtins[b].pattern, &c[nc].mi);
		c[nc].rank = builtins[b].rank[t];
		nc++;
	}
	qsort(c, nc, sizeof(*c), by_rank);
	for (int k = 0; k < nc; k++) {
		const struct builtin *b = builtin_exact(c[k].name);

		snprintf(out[k].name, sizeof(out[k].name), "%s", c[k].name);
		out[k].mi = c[k].mi;
		snprintf(out[k].unit, sizeof(out[k].unit), "%s",
			 c[k].unit ? c[k].unit : "?");
		/* a legend line for a bench's column and a strategy's */
		out[k].own = !b || !b->d.column || b->where_had;
	}
	free(c);
	return nc;
}

void mmb_column_legend(const struct mmb_column *c, int n, FILE *f)
{
	for (int k = 0; k < n; k++)
		if (c[k].own)
			fprintf(f, "# %s: %s, %s (%s)\n", c[k].mi.col, c[k].mi.lab,
				c[k].unit, c[k].name);
}
