// SPDX-License-Identifier: GPL-2.0
/*
 * mmb-compare: did a kernel change help or hurt?
 *
 *   mmb-compare [--format text|markdown|json] [--threshold PCT]
 *               [--alpha A] BASE NEW [NEW...]
 *
 * BASE and NEW are result files or directories of them.  Results pair by
 * bench, variant, workload parameters and placement; sampling parameters
 * (duration, repeat, warm-up) may differ.  Several results of one pair in
 * one input (repeated runs) are pooled.  Per metric: the mean of each
 * side's replicates (each run's median where either side has two or more
 * runs, so run-to-run drift is in the test; else the samples of the one
 * run on each side), its % change, Welch's t-test and its 95% interval
 * (lib/cmpstats.c).  With one run on each side the drift between runs
 * cannot be seen, and a change smaller than --noise is never
 * significant there.  The p-values of all the metrics compared for one NEW
 * input are adjusted together (Holm), so an A/A comparison flags nothing
 * with probability at least 1 - alpha.  A change is significant when the
 * adjusted p < alpha and the interval excludes zero; a regression is a
 * significant change for the worse beyond --threshold.  Which metrics are
 * tested, and which way is worse, each result says in its metric_info
 * (lib/metrics.c): a rise, except in throughput, where a fall is worse.
 *
 * Exit: 0 no regression, 1 regressions (listed), 2 usage or unreadable
 * input (the message names the file and the field).
 */
#include <errno.h>
#include <gsl/gsl_statistics_double.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_INPUTS 8

struct result {
	char *file;
	char *key;	/* bench/variant|params|placement */
	char label[96];	/* bench/variant */
	json_t *doc;
	bool paired;
};

struct input {
	const char *path;
	struct result *r;
	int n, cap;
};

static struct input in[MAX_INPUTS];
static int ninputs;
/*
 * noise: samples of one run agree more closely than two runs do (the
 * machine drifts between runs), so a change smaller than this is never
 * called significant however small its p.  Two runs of the same suite on
 * the 2-vCPU development VM differed by up to 4.6% in latency with
 * p < 0.05 (A/A: 12 of 65 metrics "significant" with a 2% floor).
 */
static double threshold = 5.0, alpha = 0.05, noise = 5.0;
/*
 * ipi_floor: IPIs per op that no op sends (background: timers, RCU, other
 * tasks) wander between runs by large ratios of tiny numbers - in A/A runs
 * ctxsw's 0.0006/op moved -30% and fork-exec's 0.03/op +54%.  A change in
 * IPIs per op smaller than this is not the op's doing.
 */
static double ipi_floor = 0.05;
static int format;	/* 0 text, 1 markdown, 2 json */
/*
 * Multiplicity: one comparison tests tens of metrics, and a gate decides on
 * all of them at once, so at p < alpha each a clean A/A run would flag one
 * metric in twenty.  Holm's step-down procedure (Holm 1979, "A simple
 * sequentially rejective multiple test procedure") keeps the chance of any
 * false flag among the metrics of one NEW input below alpha.  Pass one
 * collects every p-value of an input (the family), pass two decides with
 * the adjusted ones, in the same order.
 */
static bool collecting;
static struct family {
	double *p, *adj;
	size_t n, cap, at;
} fam[MAX_INPUTS];

static void family_add(int input, double p)
{
	struct family *f = &fam[input];

	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 64;
		f->p = realloc(f->p, f->cap * sizeof(double));
		if (!f->p)
			exit(MMB_EXIT_FAIL);
	}
	f->p[f->n++] = p;
}

/* Holm-adjusted p-values of one input's family (lib/cmpstats.c) */
static void family_adjust(struct family *f)
{
	f->adj = calloc(f->n + 1, sizeof(double));
	if (!f->adj)
		exit(MMB_EXIT_FAIL);
	cmp_holm(f->p, f->adj, f->n);
}
static bool match_variant;	/* --match variant: ignore params and placement */

static void die_input(const char *file, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

static void die_input(const char *file, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mmb-compare: %s: ", file);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(MMB_EXIT_USAGE);
}

static char *pair_key(const char *file, json_t *doc)
{
	json_t *params = json_deep_copy(json_object_get(doc, "params"));
	json_t *pl = json_object_get(doc, "placement"), *v, *k;
	const char *name;
	char *p, *key;
	void *tmp;
	size_t i;

	/* sampling settings change precision, not the workload: not in the key */
	json_object_foreach_safe(params, tmp, name, v)
		if (mmb_param_is_sampling(name))
			json_object_del(params, name);
	k = json_pack("{s:O, s:O, s:o, s:O, s:o}",
		      "bench", json_object_get(doc, "bench"),
		      "variant", json_object_get(doc, "variant"),
		      "params", params,
		      "initiator", json_object_get(json_object_get(pl, "initiator"), "cpu"),
		      "victims", json_array());
	json_array_foreach(json_object_get(pl, "victims"), i, v)
		json_array_append(json_object_get(k, "victims"),
				  json_object_get(v, "cpu"));
	if (match_variant) {
		json_object_del(k, "params");
		json_object_del(k, "initiator");
		json_object_del(k, "victims");
	}
	p = json_dumps(k, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(k);
	if (!p)
		die_input(file, "placement or params are malformed");
	key = p;
	return key;
}

static void check_metric(const char *file, const char *name, json_t *m)
{
	json_t *vals = json_object_get(m, "values"), *v;
	size_t i;

	if (!json_is_object(m))
		die_input(file, "metrics.%s: not an object", name);
	if (!json_is_array(vals))
		die_input(file, "metrics.%s.values: missing (a result from an mmb before 0.1.0?)",
			  name);
	json_array_foreach(vals, i, v)
		if (!json_is_number(v))
			die_input(file, "metrics.%s.values[%zu]: not a number",
				  name, i);
}

static void load_result(struct input *inp, const char *file, json_t *doc)
{
	const char *name;
	struct result *r;
	json_t *m;

	json_object_foreach(json_object_get(doc, "metrics"), name, m)
		check_metric(file, name, m);
	if (inp->n == inp->cap) {
		inp->cap = inp->cap ? inp->cap * 2 : 16;
		inp->r = realloc(inp->r, inp->cap * sizeof(*inp->r));
		if (!inp->r)
			exit(MMB_EXIT_FAIL);
	}
	r = &inp->r[inp->n++];
	memset(r, 0, sizeof(*r));
	r->file = strdup(file);
	r->doc = json_incref(doc);
	r->key = pair_key(file, doc);
	snprintf(r->label, sizeof(r->label), "%s/%s",
		 mmb_jstr(doc, "bench"), mmb_jstr(doc, "variant"));
}

static void inputs_free(void)
{
	for (int i = 0; i < ninputs; i++) {
		for (int k = 0; k < in[i].n; k++) {
			free(in[i].r[k].file);
			free(in[i].r[k].key);
			json_decref(in[i].r[k].doc);
		}
		free(in[i].r);
		in[i].r = NULL;
		in[i].n = in[i].cap = 0;
	}
	ninputs = 0;
}

static void load_input(struct input *inp, const char *path)
{
	struct mmb_results rs = { 0 };
	char err[512];

	inp->path = path;
	if (mmb_results_load(&rs, path, err, sizeof(err))) {
		fprintf(stderr, "mmb-compare: %s\n", err);
		exit(MMB_EXIT_USAGE);
	}
	for (int i = 0; i < rs.n; i++)
		load_result(inp, rs.r[i].where, rs.r[i].doc);
	mmb_results_free(&rs);
}

/* ---- statistics (lib/cmpstats.c) ---- */

/* One side of one metric, as compared: its replicates' mean and spread. */
struct side {
	size_t n;
	double value, sd;
};

struct group {
	struct result *r[64];	/* the runs of one pair in one input */
	int n;
};

static json_t *values_of(const struct result *r, const char *name)
{
	return json_object_get(json_object_get(json_object_get(r->doc,
		"metrics"), name), "values");
}

/* The same values, run by run, for the test. */
static void cmp_side_of(const struct group *g, const char *name,
			struct cmp_side *cs)
{
	cs->nruns = 0;
	cs->v = calloc(g->n + 1, sizeof(double *));
	cs->n = calloc(g->n + 1, sizeof(size_t));
	for (int j = 0; cs->v && cs->n && j < g->n; j++) {
		json_t *vals = values_of(g->r[j], name), *x;
		size_t i, m = json_array_size(vals);

		if (!m)
			continue;
		cs->v[cs->nruns] = calloc(m, sizeof(double));
		json_array_foreach(vals, i, x)
			cs->v[cs->nruns][i] = json_number_value(x);
		cs->n[cs->nruns++] = m;
	}
}

static void cmp_side_free(struct cmp_side *cs)
{
	for (int j = 0; cs->v && j < cs->nruns; j++)
		free(cs->v[j]);
	free(cs->v);
	free(cs->n);
}

/* For the table: the mean and spread of the replicates the test uses. */
static void side_of(const struct group *g, const char *name, bool by_run,
		    struct side *s)
{
	struct cmp_side cs;
	size_t total = 0;
	double *r;

	memset(s, 0, sizeof(*s));
	cmp_side_of(g, name, &cs);
	for (int j = 0; j < cs.nruns; j++)
		total += cs.n[j];
	r = calloc(total + cs.nruns + 1, sizeof(double));
	if (r) {
		s->n = cmp_replicates(&cs, by_run, r);
		if (s->n) {
			s->value = gsl_stats_mean(r, 1, s->n);
			s->sd = s->n > 1 ? gsl_stats_sd_m(r, 1, s->n, s->value) : 0;
		}
	}
	free(r);
	cmp_side_free(&cs);
}

/*
 * Pass one computes every test once, in order; pass two, which decides
 * with Holm-adjusted p-values, takes them back in the same order.
 */
static struct cmp_stat *done;
static size_t ndone, capdone, atdone;

static struct cmp_stat test_pair(const struct group *ga,
				 const struct group *gb, const char *name,
				 bool by_run)
{
	struct cmp_side a, b;
	struct cmp_stat st;

	if (!collecting)
		return done[atdone++];
	cmp_side_of(ga, name, &a);
	cmp_side_of(gb, name, &b);
	cmp_stat(&a, &b, by_run, &st);
	cmp_side_free(&a);
	cmp_side_free(&b);
	if (ndone == capdone) {
		capdone = capdone ? capdone * 2 : 64;
		done = realloc(done, capdone * sizeof(*done));
		if (!done)
			exit(MMB_EXIT_FAIL);
	}
	done[ndone++] = st;
	return st;
}

struct cmp {
	double change, lo, hi, p;
	bool significant, regression, defined;
	bool tested;		/* in the family Holm corrects over */
	const char *incomparable;	/* why, when the sides measure apart */
};

/* "pmu", "tsc", "/proc/interrupts": the kind of counter a source names */
static size_t source_kind(const char *s)
{
	return strcspn(s, ":(");
}

/*
 * A metric pairs on its name, its unit and the kind of its source: PMU
 * cycles against TSC cycles, or a metric one side lacks, is no change of
 * anything.  NULL when every run of g agrees with the base's metric bm,
 * else the reason (in why).
 */
static const char *incomparable(const struct group *g, const char *name,
				const json_t *bm, char *why, size_t len)
{
	const char *unit = json_string_value(json_object_get(bm, "unit"));
	const char *src = json_string_value(json_object_get(bm, "source"));

	for (int j = 0; j < g->n; j++) {
		const json_t *m = json_object_get(json_object_get(
			g->r[j]->doc, "metrics"), name);
		const char *u = json_string_value(json_object_get(m, "unit"));
		const char *sr = json_string_value(json_object_get(m, "source"));

		if (!m) {
			snprintf(why, len, "%s in %s",
				 json_object_get(json_object_get(g->r[j]->doc,
					"not_applicable"), name) ?
				 "not applicable" : "absent", g->r[j]->file);
			return why;
		}
		if (unit && u && strcmp(unit, u)) {
			snprintf(why, len, "unit %s against %s", unit, u);
			return why;
		}
		if (src && sr && (source_kind(src) != source_kind(sr) ||
				  strncmp(src, sr, source_kind(src)))) {
			snprintf(why, len, "source %.*s against %.*s",
				 (int)source_kind(src), src,
				 (int)source_kind(sr), sr);
			return why;
		}
	}
	return NULL;
}

/*
 * What is tested and which way is worse come from the metric's own
 * description (metric_info, lib/metrics.c): an informational metric (how
 * long a busy victim ran, the clock the cores ran at) is shown, never
 * tested; throughput regresses when it falls.
 */
static struct cmp compare(const struct group *ga, const struct group *gb,
			  const char *metric, const struct metric_info *mi,
			  const char *unit, int input, bool by_run)
{
	struct cmp_stat st = test_pair(ga, gb, metric, by_run);
	bool gated = mi->d.role == MMB_ROLE_GATED;
	struct cmp c = { .p = st.p, .change = st.change, .lo = st.lo,
			 .hi = st.hi };
	bool tiny = unit && !strcmp(unit, "ipis/op") &&
		    fabs(st.new_ - st.base) < ipi_floor;

	/* untestable (too few values) stays NAN and out of the family */
	/*
	 * Informational metrics (how long a busy victim really ran) describe
	 * the run's conditions, not the kernel: shown, never tested, and not
	 * in the family whose false positives Holm bounds.
	 */
	if (collecting) {
		if (!isnan(c.p) && gated)
			family_add(input, c.p);
		return c;
	}
	c.tested = !isnan(c.p) && gated;
	if (c.tested)
		c.p = fam[input].adj[fam[input].at++];
	/* from nothing to something: no percentage, but a change */
	c.defined = st.base != 0 || st.new_ == 0;
	c.significant = gated &&
			cmp_significant(&st, c.p, alpha, noise) && !tiny;
	if (mi->d.better == MMB_BETTER_HIGHER)
		c.regression = c.significant && st.base != 0 &&
			       -c.change > threshold;
	else if (mi->d.better == MMB_BETTER_LOWER)
		c.regression = c.significant &&
			       (st.base == 0 ? st.new_ > 0 : c.change > threshold);
	return c;
}

static double pct_sd(const struct side *s)
{
	return s->value != 0 ? fabs(s->sd / s->value) * 100 : 0;
}

/* ---- output ---- */

/* JSON has no infinity: an undefined change (from 0) is null. */
static json_t *jnum(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *out_json;
static json_t *regressions;

static void report_regression(const char *label, const char *metric,
			      const struct cmp *c, int input)
{
	json_array_append_new(regressions, json_pack(
		"{s:s, s:s, s:s, s:o, s:[o,o], s:f}", "pair", label,
		"metric", metric, "input", in[input].path, "change_pct",
		jnum(c->change), "ci_pct", jnum(c->lo), jnum(c->hi), "p", c->p));
}

/* Whole numbers where they are large, four digits where they are small. */
static void fmt_num(char *buf, size_t len, double v)
{
	if (fabs(v) >= 1000)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.4g", v);
}

static void fmt_change(char *buf, size_t len, const struct cmp *c)
{
	if (c->incomparable)
		snprintf(buf, len, "incomparable");
	else if (!c->defined)
		snprintf(buf, len, "from 0%s",
			 c->regression ? "!" : c->significant ? "*" : "");
	else
		snprintf(buf, len, "%+.1f%%%s", c->change,
			 c->regression ? "!" : c->significant ? "*" : "");
}

/*
 * "shootdown/munmap pages=64": the parameters that tell this pair from the
 * base's other results of its bench and variant, and, where a NEW input
 * differs from the base in one (--match variant), "pages=1->64".
 */
static json_t **base_docs;

static void pair_label(struct result **rs, int nr, char *buf, size_t len)
{
	const json_t *pb = json_object_get(rs[0]->doc, "params"), *v;
	const char *k;
	char own[256];
	size_t at;

	own[0] = '\0';
	/* --match variant pools the base's params: none of them is the pair's */
	if (!match_variant)
		mmb_params_label(base_docs, in[0].n, (int)(rs[0] - in[0].r),
				 own, sizeof(own));
	at = snprintf(buf, len, "%s%s%s", rs[0]->label, *own ? " " : "", own);
	json_object_foreach((json_t *)pb, k, v) {
		const json_t *w;
		char *a, *b;

		if (mmb_param_is_sampling(k) || nr < 2)
			continue;
		w = json_object_get(json_object_get(rs[1]->doc, "params"), k);
		if (json_equal((json_t *)v, (json_t *)w))
			continue;
		a = json_is_string(v) ? strdup(json_string_value(v)) :
		    json_dumps(v, JSON_ENCODE_ANY);
		b = !w ? NULL : json_is_string(w) ? strdup(json_string_value(w)) :
		    json_dumps(w, JSON_ENCODE_ANY);
		at += snprintf(buf + at, at < len ? len - at : 0, " %s=%s->%s",
			       k, a ? a : "?", b ? b : "-");
		free(a);
		free(b);
	}
}

static void compare_pair(struct group *gs, int nr)
{
	struct result **rs = (struct result *[MAX_INPUTS]){ NULL };
	json_t *bm, *m, *pj;
	char label[512];

	for (int i = 0; i < nr; i++)
		rs[i] = gs[i].r[0];
	bm = json_object_get(rs[0]->doc, "metrics");
	pair_label(rs, nr, label, sizeof(label));
	pj = json_pack("{s:s, s:[], s:[]}", "pair", label, "runs",
		       "metrics");
	for (int i = 0; i < nr; i++)
		json_array_append_new(json_object_get(pj, "runs"),
				      json_integer(gs[i].n));
	const char *name;
	bool header = false, by_run = true;

	/*
	 * runs are the unit where a side of every comparison has two or
	 * more: that side measures the drift between runs
	 */
	for (int i = 1; i < nr; i++)
		by_run &= gs[0].n >= 2 || gs[i].n >= 2;
	json_object_set_new(pj, "replicates", json_string(by_run ?
		"runs (each run's median)" :
		"samples (one run a side: run-to-run drift not measured)"));
	json_object_foreach(bm, name, m) {
		struct side a, b[MAX_INPUTS];
		struct cmp c[MAX_INPUTS];
		char why[MAX_INPUTS][160];
		struct metric_info mi;
		bool any = false;
		json_t *mj;

		mmb_metric_info(rs[0]->doc, name, &mi);
		if (mi.d.role == MMB_ROLE_DETAIL)
			continue;	/* in the JSON files; the table stays short */
		side_of(&gs[0], name, by_run, &a);
		for (int i = 1; i < nr; i++) {
			side_of(&gs[i], name, by_run, &b[i]);
			any |= b[i].value != 0;
			c[i] = (struct cmp){ .p = NAN, .change = NAN,
					     .lo = NAN, .hi = NAN };
			c[i].incomparable = incomparable(&gs[i], name, m,
							 why[i], sizeof(why[i]));
			if (!c[i].incomparable)
				c[i].incomparable = incomparable(&gs[0], name, m,
								 why[i], sizeof(why[i]));
			if (c[i].incomparable)
				continue;
			c[i] = compare(&gs[0], &gs[i], name, &mi, json_string_value(
					       json_object_get(m, "unit")), i, by_run);
			if (c[i].regression && !collecting)
				report_regression(label, name, &c[i], i);
		}
		if ((a.value == 0 && !any) || collecting)
			goto next;	/* zero on every side: nothing to say */
		mj = json_pack("{s:s, s:{s:f, s:f, s:I}, s:[]}", "metric", name,
			       "base", "value", a.value, "stddev_pct",
			       pct_sd(&a), "n", (json_int_t)a.n, "new");
		for (int i = 1; i < nr; i++)
			json_array_append_new(json_object_get(mj, "new"), json_pack(
				"{s:s, s:f, s:f, s:I, s:o, s:[o,o], s:f, s:b, s:b, s:b, s:o}",
				"input", in[i].path, "value", b[i].value,
				"stddev_pct", pct_sd(&b[i]), "n", (json_int_t)b[i].n,
				"change_pct", jnum(c[i].change),
				"ci_pct", jnum(c[i].lo), jnum(c[i].hi),
				"p", isnan(c[i].p) ? 1.0 : c[i].p,
				"tested", c[i].tested,
				"significant", c[i].significant,
				"regression", c[i].regression,
				"incomparable", c[i].incomparable ?
				json_string(c[i].incomparable) : json_null()));
		json_array_append_new(json_object_get(pj, "metrics"), mj);

		if (format == 2)
			goto next;
		if (!header) {
			if (format == 0 && nr == 2)
				printf("\n%s  (%d vs %d run(s): mean of %s)\n",
				       label, gs[0].n, gs[1].n,
				       by_run ? "run medians" : "samples");
			else if (format == 0)
				printf("\n%s\n", label);
			else if (nr == 2)
				printf("\n**%s** (%d vs %d run(s): mean of %s)\n\n| metric | base | ±%% | change | 95%% CI | p | new | ±%% |\n|---|---:|---:|---:|---|---:|---:|---:|\n",
				       label, gs[0].n, gs[1].n,
				       by_run ? "run medians" : "samples");
			else {
				printf("\n**%s**\n\n| metric | base |", label);
				for (int i = 1; i < nr; i++)
					printf(" %d: change | %d: median |", i, i);
				printf("\n|---|---:|");
				for (int i = 1; i < nr; i++)
					printf("---:|---:|");
				putchar('\n');
			}
			header = true;
		}
		if (format == 0 && nr == 2) {
			char ch[24];

			fmt_change(ch, sizeof(ch), &c[1]);
			char va[24], vb[24];

			fmt_num(va, sizeof(va), a.value);
			fmt_num(vb, sizeof(vb), b[1].value);
			printf("%12s ±%4.0f%%  %9s  %12s ±%4.0f%%  %s%s%s%s\n",
			       va, pct_sd(&a), c[1].incomparable ? "n/a" : ch,
			       vb, pct_sd(&b[1]), name,
			       c[1].incomparable ? " (incomparable: " : "",
			       c[1].incomparable ? c[1].incomparable : "",
			       c[1].incomparable ? ")" : "");
		} else if (format == 0) {
			printf("%11.4g", a.value);
			for (int i = 1; i < nr; i++) {
				char ch[24];

				fmt_change(ch, sizeof(ch), &c[i]);
				printf(" %8s %10.4g", ch, b[i].value);
			}
			printf("  %s\n", name);
		} else if (nr == 2) {
			char ch[24];

			fmt_change(ch, sizeof(ch), &c[1]);
			if (c[1].incomparable)
				printf("| %s | %.4g | %.0f%% | %s: %s | - | - | %.4g | %.0f%% |\n",
				       name, a.value, pct_sd(&a), ch,
				       c[1].incomparable, b[1].value,
				       pct_sd(&b[1]));
			else
				printf("| %s | %.4g | %.0f%% | %s | %+.1f%% .. %+.1f%% | %.3g | %.4g | %.0f%% |\n",
				       name, a.value, pct_sd(&a), ch, c[1].lo,
				       c[1].hi, isnan(c[1].p) ? 1.0 : c[1].p,
				       b[1].value, pct_sd(&b[1]));
		} else {
			printf("| %s | %.4g |", name, a.value);
			for (int i = 1; i < nr; i++) {
				char ch[24];

				fmt_change(ch, sizeof(ch), &c[i]);
				printf(" %s | %.4g |", ch, b[i].value);
			}
			putchar('\n');
		}
next:
		;
	}
	if (collecting)
		json_decref(pj);
	else
		json_array_append_new(json_object_get(out_json, "pairs"), pj);
}

static const char *const formats[] = { "text", "markdown", "json", NULL };
static const char *const matches[] = { "all", "variant", NULL };
static int match_idx;
static bool help;

static const struct mmb_opt opts[] = {
	{ "format", MMB_OPT_CHOICE, &format, "FMT", "how to print", 0, 0, formats },
	{ "threshold", MMB_OPT_DOUBLE, &threshold, "PCT",
	  "a regression is worse by more than this", 0, 1e6 },
	{ "alpha", MMB_OPT_DOUBLE, &alpha, "A", "family-wise significance level",
	  1e-9, 0.5 },
	{ "noise", MMB_OPT_DOUBLE, &noise, "PCT",
	  "with one run on each side, smaller changes are never significant (the run-to-run drift its samples cannot see; 2+ runs on a side measure it)",
	  0, 100 },
	{ "ipi-floor", MMB_OPT_DOUBLE, &ipi_floor, "N",
	  "smaller changes in IPIs/op are never significant (background, not the op)",
	  0, 1e6 },
	{ "match", MMB_OPT_CHOICE, &match_idx, "HOW",
	  "pair by bench, variant, params and placement (all) or by bench and variant only",
	  0, 0, matches },
	{ "help", MMB_OPT_FLAG, &help, NULL, "this text" },
	{ NULL }
};

static void usage(void)
{
	printf("usage: mmb-compare [options] BASE NEW [NEW...]\n"
	       "  BASE, NEW: mmb result files or directories of them\n");
	mmb_opts_help(opts, stdout);
	printf("Which metrics are tested, and which way is worse, each result says in\n"
	       "its metric_info.\n"
	       "Marks: * significant change, ! significant regression beyond the threshold.\n"
	       "Exit: 0 no regression, 1 regressions, 2 usage or unreadable input.\n");
}

/*
 * Runs under different boot settings (pti, pcid, mitigations ...) measure
 * different flush and switch paths: one input's runs of a pair are pooled
 * only when their settings agree (a result from before they were recorded
 * has none to disagree with).  Between inputs a difference is what is being
 * compared, and is said.
 */
static void check_settings(const struct group *g)
{
	char a[256], b[256];

	for (int k = 1; k < g->n; k++) {
		const json_t *s0 = mmb_boot_settings(g->r[0]->doc);
		const json_t *sk = mmb_boot_settings(g->r[k]->doc);

		if (!s0 || !sk || json_equal(s0, sk))
			continue;
		die_input(g->r[k]->file,
			  "%s ran under other boot settings than %s (%s against %s, system.boot.settings): runs of one input are pooled only under the same settings; give each setting its own input",
			  g->r[k]->label, g->r[0]->file,
			  mmb_boot_settings_str(g->r[k]->doc, b, sizeof(b)),
			  mmb_boot_settings_str(g->r[0]->doc, a, sizeof(a)));
	}
}

static void note_settings(struct group (*groups)[MAX_INPUTS], int npairs)
{
	char a[256], b[256];
	bool said = false;

	for (int i = 1; i < ninputs; i++) {
		for (int j = 0; j < npairs; j++) {
			const json_t *s0 = mmb_boot_settings(groups[j][0].r[0]->doc);
			const json_t *si = mmb_boot_settings(groups[j][i].r[0]->doc);

			if (!s0 || !si || json_equal(s0, si))
				continue;
			json_array_append_new(json_object_get(out_json, "settings_differ"),
				json_pack("{s:s, s:s, s:s}", "input", in[i].path,
					  "base", mmb_boot_settings_str(groups[j][0].r[0]->doc, a, sizeof(a)),
					  "new", mmb_boot_settings_str(groups[j][i].r[0]->doc, b, sizeof(b))));
			if (format != 2)
				printf("%s boot settings differ: base %s; %s %s\n",
				       format ? ">" : "#", a, in[i].path, b);
			said = true;
			break;
		}
	}
	if (said && format != 2)
		putchar('\n');
}

/* The runs of each pair in every input; the pairs found. */
static int find_pairs(struct group (*groups)[MAX_INPUTS])
{
	int npairs = 0;

	for (int j = 0; j < in[0].n; j++) {
		struct group *gs = groups[npairs];
		const char *key = in[0].r[j].key;
		bool all = true;

		if (in[0].r[j].paired)
			continue;
		/* every run of this pair, in every input */
		for (int i = 0; i < ninputs; i++) {
			gs[i].n = 0;
			for (int k = 0; k < in[i].n; k++)
				if (!strcmp(in[i].r[k].key, key) &&
				    gs[i].n < (int)ARRAY_SIZE(gs[i].r))
					gs[i].r[gs[i].n++] = &in[i].r[k];
			all &= gs[i].n > 0;
			check_settings(&gs[i]);
		}
		if (!all)
			continue;	/* listed as unpaired */
		for (int i = 0; i < ninputs; i++)
			for (int k = 0; k < gs[i].n; k++)
				gs[i].r[k]->paired = true;
		npairs++;
	}
	return npairs;
}

/*
 * Pass one collects the p-values of each input's family, pass two decides
 * with the Holm-adjusted ones and prints.
 */
static void compare_all(struct group (*groups)[MAX_INPUTS], int npairs)
{
	collecting = true;
	for (int j = 0; j < npairs; j++)
		compare_pair(groups[j], ninputs);
	collecting = false;
	for (int i = 1; i < ninputs; i++) {
		family_adjust(&fam[i]);
		json_array_append_new(json_object_get(out_json, "family_sizes"),
				      json_integer((json_int_t)fam[i].n));
	}
	if (format == 0)
		printf("# mmb compare: base %s; * significant: Welch p < %g (run medians,\n#   or samples where each side has one run) after Holm's correction over\n#   the %zu metrics compared, 95%% CI excludes 0, and with one run a side\n#   |change| >= %g%%; ! regression beyond %g%%\n#         base ±%%sd    %%change          new ±%%sd  metric\n",
		       in[0].path, alpha, fam[1].n, noise, threshold);
	for (int j = 0; j < npairs; j++)
		compare_pair(groups[j], ninputs);
}

/* Results of any input that nothing paired with. */
static void report_unpaired(void)
{
	int unpaired = 0;

	for (int i = 0; i < ninputs; i++) {
		for (int k = 0; k < in[i].n; k++) {
			if (in[i].r[k].paired)
				continue;
			unpaired++;
			json_array_append_new(json_object_get(out_json, "unpaired"),
				json_pack("{s:s, s:s}", "file", in[i].r[k].file,
					  "pair", in[i].r[k].label));
			if (format != 2)
				printf("%sunpaired: %s (%s)\n",
				       unpaired == 1 ? "\n" : "",
				       in[i].r[k].label, in[i].r[k].file);
		}
	}
}

/* The verdict: JSON, or the list of regressions, or that there is none. */
static void print_verdict(void)
{
	size_t i;
	json_t *r;

	json_object_set(out_json, "regressions", regressions);
	if (format == 2) {
		json_dumpf(out_json, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
			   JSON_REAL_PRECISION(8));
		putchar('\n');
		return;
	}
	if (!json_array_size(regressions)) {
		printf("\n%sno regression beyond %g%%\n", format ? "" : "# ",
		       threshold);
		return;
	}
	printf("\n%sregressions beyond %g%%:%s\n", format ? "**" : "",
	       threshold, format ? "**" : "");
	json_array_foreach(regressions, i, r) {
		const json_t *ch = json_object_get(r, "change_pct");

		printf("%s%s %s ", format ? "- " : "  ",
		       json_string_value(json_object_get(r, "pair")),
		       json_string_value(json_object_get(r, "metric")));
		if (json_is_null(ch))
			printf("up from 0, p=%.2g\n",
			       json_number_value(json_object_get(r, "p")));
		else
			printf("%+.1f%% [%+.1f%%, %+.1f%%] p=%.2g\n",
			       json_number_value(ch),
			       json_number_value(json_array_get(json_object_get(r, "ci_pct"), 0)),
			       json_number_value(json_array_get(json_object_get(r, "ci_pct"), 1)),
			       json_number_value(json_object_get(r, "p")));
	}
}

int main(int argc, char **argv)
{
	struct group (*groups)[MAX_INPUTS];
	int first, nreg, npairs;

	first = mmb_tool_opts("mmb-compare", opts, argc, argv);
	if (help) {
		usage();
		return 0;
	}
	match_variant = match_idx == 1;
	if (argc - first < 2 || argc - first > MAX_INPUTS) {
		fprintf(stderr, "mmb-compare: give a BASE and 1 to %d NEW inputs (see --help)\n",
			MAX_INPUTS - 1);
		return MMB_EXIT_USAGE;
	}
	for (int i = first; i < argc; i++)
		load_input(&in[ninputs++], argv[i]);

	out_json = json_pack("{s:s, s:[], s:f, s:f, s:f, s:s, s:[], s:[], s:[], s:[]}",
			     "schema", "mmb-compare/1", "inputs", "threshold_pct",
			     threshold, "noise_pct", noise, "alpha", alpha,
			     "multiplicity", "holm: p is adjusted over every metric compared for one input",
			     "family_sizes", "pairs", "unpaired", "settings_differ");
	regressions = json_array();
	for (int i = 0; i < ninputs; i++)
		json_array_append_new(json_object_get(out_json, "inputs"),
				      json_string(in[i].path));
	base_docs = calloc(in[0].n + 1, sizeof(*base_docs));
	for (int j = 0; base_docs && j < in[0].n; j++)
		base_docs[j] = in[0].r[j].doc;
	groups = calloc(in[0].n + 1, sizeof(*groups));
	if (!groups)
		return MMB_EXIT_FAIL;
	npairs = find_pairs(groups);
	note_settings(groups, npairs);
	compare_all(groups, npairs);
	free(groups);
	report_unpaired();
	if (!npairs) {
		/* a gate that compared nothing must not pass */
		fprintf(stderr, "mmb-compare: %s: no result pairs with one in %s: nothing compared (--match variant pairs by bench and variant only)\n",
			in[1].path, in[0].path);
		return MMB_EXIT_USAGE;
	}
	nreg = (int)json_array_size(regressions);
	print_verdict();
	json_decref(regressions);
	json_decref(out_json);
	inputs_free();
	return nreg ? MMB_EXIT_FAIL : MMB_EXIT_OK;
}
