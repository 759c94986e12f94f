// SPDX-License-Identifier: GPL-2.0
/*
 * mmb-compare-sim: how often does mmb compare's gate cry wolf, and how
 * often does it find a real change?  A benchmark of the statistics, on
 * synthetic runs whose drift and effect are known.
 *
 *   mmb-compare-sim [--gates N] [--metrics M] [--runs R] [--new-runs R]
 *                   [--samples S]
 *                   [--run-cv PCT] [--sample-cv PCT] [--outliers P]
 *                   [--outlier-pct X] [--effect PCT] [--alpha A]
 *                   [--noise PCT] [--seed N]
 *
 * Each gate compares R runs (the base) against --new-runs runs (default R)
 * of M metrics, S samples a run.
 * A run's level drifts by a normal of sd --run-cv (and, with probability
 * --outliers, by --outlier-pct more: a noisy neighbour for a whole run);
 * its samples scatter around that level by --sample-cv.  A/A gates have
 * no effect anywhere: any flagged metric is a false positive of the gate.
 * Effect gates raise metric 0 by --effect on the new side: finding it is
 * the gate's power.  The verdict is mmb compare's own (lib/cmpstats.c):
 * Welch's t on run medians (on samples where a side has one run), Holm
 * over the M metrics, interval clear of zero, the noise floor where a side
 * has one run.  The defaults are this VM's A/A noise
 * (README, "Comparing runs").
 *
 * Prints the false-positive rate of A/A gates and the power, each with a
 * 95% Wilson interval.
 *
 * With --from, the noise is measured instead of assumed: FILE is what
 * `mmb compare --format json` printed for an A/A comparison (the same
 * kernel on both sides, 2+ runs a side), and each metric the compare
 * tested keeps its own run-to-run spread (of run medians, so the spread
 * of samples within a run is already in it).  Gates of --runs runs a side
 * compare that whole family, Holm over all of it; for each metric in
 * turn the new side is changed by --effect in that metric only.  Printed
 * per metric: the gate's power, and the bound no test can beat at that
 * spread (a one-sided z-test at alpha that knows the true variance and
 * corrects for nothing), so a metric that misses the target says whether
 * the statistics or the machine is to blame.
 *
 * Exit 0, or 2 on a bad argument or an input that is not an A/A compare.
 */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "internal.h"

static long gates = 400, metrics = 50, runs = 5, new_runs = -1, samples = 5;
/*
 * This VM's noise, from 20 A/A comparisons of make check's suite (3 runs
 * a side): the run medians of one comparison spread by 8.7% (median over
 * benches and comparisons; 1.1% for ctxsw, 10% for membarrier and
 * shootdown), samples within a run by 2.0%.
 */
static double run_cv = 8.7, sample_cv = 2.0, outliers = 0.0,
	      outlier_pct = 20.0, effect = 5.0, alpha = 0.05, noise = 5.0;
static unsigned long seed = 1;
static const char *from;

static void side(gsl_rng *rng, struct cmp_side *s, double scale)
{
	for (int j = 0; j < s->nruns; j++) {
		double level = scale * (1 + gsl_ran_gaussian(rng, run_cv / 100));

		if (outliers > 0 && gsl_rng_uniform(rng) < outliers)
			level *= 1 + outlier_pct / 100;
		for (size_t i = 0; i < s->n[j]; i++)
			s->v[j][i] = level *
				(1 + gsl_ran_gaussian(rng, sample_cv / 100));
	}
}

static void alloc_side(struct cmp_side *s, long nr)
{
	s->nruns = (int)nr;
	s->v = calloc(nr, sizeof(double *));
	s->n = calloc(nr, sizeof(size_t));
	if (!s->v || !s->n)
		exit(MMB_EXIT_FAIL);
	for (long j = 0; j < nr; j++) {
		s->v[j] = calloc(samples, sizeof(double));
		if (!s->v[j])
			exit(MMB_EXIT_FAIL);
		s->n[j] = samples;
	}
}

/* Does one gate flag anything?  *found: metric 0 flagged, upwards. */
static bool gate(gsl_rng *rng, double eff, bool *found)
{
	struct cmp_side a, b;
	struct cmp_stat *st = calloc(metrics, sizeof(*st));
	double *p = calloc(metrics, sizeof(double));
	double *adj = calloc(metrics, sizeof(double));
	bool any = false;
	long m = 0;

	if (!st || !p || !adj)
		exit(MMB_EXIT_FAIL);
	alloc_side(&a, runs);
	alloc_side(&b, new_runs);
	*found = false;
	for (long k = 0; k < metrics; k++) {
		side(rng, &a, 1000);
		side(rng, &b, k == 0 ? 1000 * (1 + eff / 100) : 1000);
		cmp_stat(&a, &b, runs >= 2 || new_runs >= 2, &st[k]);
		p[m++] = isnan(st[k].p) ? 1 : st[k].p;
	}
	cmp_holm(p, adj, m);
	for (long k = 0; k < metrics; k++) {
		bool sig = cmp_significant(&st[k], adj[k], alpha, noise);

		any |= sig;
		if (k == 0 && sig && st[k].change > 0)
			*found = true;
	}
	for (long j = 0; j < runs; j++)
		free(a.v[j]);
	for (long j = 0; j < new_runs; j++)
		free(b.v[j]);
	free(a.v);
	free(a.n);
	free(b.v);
	free(b.n);
	free(st);
	free(p);
	free(adj);
	return any;
}

/* "name  k/gates  [95% Wilson score interval]  what" */
static void rate_line(const char *name, long k, const char *what)
{
	double z = 1.959964, n = gates, ph = k / n, d = 1 + z * z / n;
	double c = (ph + z * z / (2 * n)) / d;
	double h = z * sqrt(ph * (1 - ph) / n + z * z / (4.0 * n * n)) / d;

	printf("%-20s %6.2f%%  [%.2f%%, %.2f%%]  %s\n", name, 100 * ph,
	       100 * (c - h), 100 * (c + h), what);
}

/* gate g of gates on a terminal; g < 0 clears the line */
static void progress(long g)
{
	if (!isatty(2))
		return;
	if (g < 0)
		fprintf(stderr, "\r\033[K");
	else
		fprintf(stderr, "\r# gate %ld/%ld", g + 1, gates);
}

/* ---- --from: the noise an A/A compare measured, metric by metric ---- */

struct measured {
	char *label;		/* "pair metric" */
	double cv;		/* run-to-run spread of run medians, % */
	bool zero;		/* a base of 0: no percentage to change */
	bool still;		/* no spread at all: a constant or a bucket */
	long hit;
};

static struct measured *ms;
static long nms;
/* compare's family: the metrics above and those 0 everywhere (p = 1) */
static long nfam;

static void die_from(const char *why, const char *what)
{
	fprintf(stderr, "mmb-compare-sim: --from: %s: %s%s%s\n", from, why,
		what ? ": " : "", what ? what : "");
	exit(MMB_EXIT_USAGE);
}

/*
 * The pooled spread of both sides' run medians: each side's n runs give
 * an estimate with n - 1 degrees of freedom.
 */
static double pooled_cv(const json_t *base, const json_t *new_)
{
	double sa = json_number_value(json_object_get(base, "stddev_pct"));
	double sb = json_number_value(json_object_get(new_, "stddev_pct"));
	json_int_t na = json_integer_value(json_object_get(base, "n"));
	json_int_t nb = json_integer_value(json_object_get(new_, "n"));

	if (na < 2 || nb < 2)
		return NAN;
	return sqrt(((na - 1) * sa * sa + (nb - 1) * sb * sb) /
		    (double)(na + nb - 2));
}

static void load_from(void)
{
	json_error_t e;
	json_t *doc = json_load_file(from, 0, &e), *pair, *m;
	size_t i, j;

	if (!doc)
		die_from(e.text, NULL);
	if (strcmp(json_string_value(json_object_get(doc, "schema")) ?: "",
		   "mmb-compare/1"))
		die_from("not the output of mmb compare --format json", NULL);
	if (json_array_size(json_object_get(doc, "inputs")) != 2)
		die_from("an A/A compare has two inputs", NULL);
	json_array_foreach(json_object_get(doc, "pairs"), i, pair) {
		const char *rep = json_string_value(json_object_get(pair,
							 "replicates"));
		const char *pl = json_string_value(json_object_get(pair, "pair"));

		if (!rep || strncmp(rep, "runs", 4))
			die_from("a side has one run: the drift between runs is not measured",
				 pl);
		json_array_foreach(json_object_get(pair, "metrics"), j, m) {
			const json_t *b = json_object_get(m, "base");
			const json_t *nw = json_array_get(json_object_get(m, "new"), 0);
			const char *name = json_string_value(json_object_get(m,
								       "metric"));
			struct measured *x;
			char *label;

			if (!json_is_true(json_object_get(nw, "tested")))
				continue;
			ms = realloc(ms, (nms + 1) * sizeof(*ms));
			if (!ms || asprintf(&label, "%s %s", pl, name) < 0)
				exit(MMB_EXIT_FAIL);
			x = &ms[nms++];
			*x = (struct measured){ .label = label,
				.cv = pooled_cv(b, nw),
				.zero = json_number_value(json_object_get(b, "value")) == 0 };
			if (isnan(x->cv))
				die_from("a metric without 2 runs a side", label);
			x->still = x->cv == 0;
		}
	}
	nfam = (long)json_integer_value(json_array_get(json_object_get(doc,
						"family_sizes"), 0));
	json_decref(doc);
	if (nfam < nms)
		die_from("family_sizes is smaller than the metrics tested", NULL);
	if (!nms)
		die_from("no tested metric (was it written by a compare with 2+ runs a side?)",
			 NULL);
}

/*
 * One metric's test: r runs a side, each run one value (its median),
 * around 1000 with the metric's spread; the new side moved by eff %.
 */
static void test_measured(gsl_rng *rng, long k, double eff,
			  struct cmp_stat *st)
{
	double va[100], vb[100], *pa[100], *pb[100];
	size_t one[100];
	struct cmp_side a = { (int)runs, pa, one }, b = { (int)new_runs, pb, one };

	for (long j = 0; j < runs || j < new_runs; j++) {
		one[j] = 1;
		pa[j] = &va[j];
		pb[j] = &vb[j];
	}
	for (long j = 0; j < runs; j++)
		va[j] = 1000 * (1 + gsl_ran_gaussian(rng, ms[k].cv / 100));
	for (long j = 0; j < new_runs; j++)
		vb[j] = 1000 * (1 + eff / 100) *
			(1 + gsl_ran_gaussian(rng, ms[k].cv / 100));
	cmp_stat(&a, &b, true, st);
}

/*
 * The power of the best test there is at this spread: one-sided, at
 * alpha, the variance known, one metric alone.
 */
static double bound(double cv)
{
	double sd = cv * sqrt(1.0 / runs + 1.0 / new_runs);

	if (sd == 0)
		return 1;
	return gsl_cdf_ugaussian_P(effect / sd - gsl_cdf_ugaussian_Qinv(alpha));
}

/*
 * Runs a side (both the same) the bound needs for 90% at --effect: the
 * target's price in runs on this machine.
 */
static long runs_needed(double cv)
{
	double z = (gsl_cdf_ugaussian_Qinv(alpha) + gsl_cdf_ugaussian_Qinv(0.1)) *
		   cv / effect;

	/* and a t-test needs two a side to see any spread */
	return fmax(2, ceil(2 * z * z));
}

static int run_from(gsl_rng *rng)
{
	struct cmp_stat *st0 = calloc(nms, sizeof(*st0));
	double *p = calloc(nfam, sizeof(double)), *adj = calloc(nfam, sizeof(double));
	long fp = 0, at_target = 0, reachable = 0, powered = 0;

	if (!st0 || !p || !adj)
		return MMB_EXIT_FAIL;
	for (long g = 0; g < gates; g++) {
		bool any = false;

		for (long k = 0; k < nms; k++) {
			test_measured(rng, k, 0, &st0[k]);
			p[k] = isnan(st0[k].p) ? 1 : st0[k].p;
		}
		for (long k = nms; k < nfam; k++)
			p[k] = 1;
		cmp_holm(p, adj, nfam);
		for (long k = 0; k < nms; k++)
			any |= cmp_significant(&st0[k], adj[k], alpha, noise);
		fp += any;
		/* the same gate, with the change in metric k alone */
		for (long k = 0; k < nms; k++) {
			struct cmp_stat st;
			double keep = p[k];

			if (ms[k].zero || ms[k].still)
				continue;
			test_measured(rng, k, effect, &st);
			p[k] = isnan(st.p) ? 1 : st.p;
			cmp_holm(p, adj, nfam);
			if (cmp_significant(&st, adj[k], alpha, noise) &&
			    st.change > 0)
				ms[k].hit++;
			p[k] = keep;
		}
		progress(g);
	}
	progress(-1);
	printf("# mmb-compare-sim: the noise %s measured (A/A): %ld metrics tested, %ld more 0 throughout\n",
	       from, nms, nfam - nms);
	printf("# %ld gates of %ld base and %ld new runs; Holm over all %ld, alpha %.3g; a %+.1f%% change in one metric at a time\n",
	       gates, runs, new_runs, nfam, alpha, effect);
	printf("# bound: a one-sided z-test at alpha that knows the variance and corrects for nothing; no test does better\n");
	printf("# runs: runs a side the bound needs for 90%% at this spread\n");
	printf("%7s %7s %8s %6s  %s\n", "power", "bound", "run_cv", "runs",
	       "pair metric");
	for (long k = 0; k < nms; k++) {
		double pw = 100.0 * ms[k].hit / gates, bd = 100 * bound(ms[k].cv);

		if (ms[k].zero || ms[k].still) {
			printf("%7s %7s %7.2f%% %6s  %s (%s)\n", "-", "-",
			       ms[k].cv, "-", ms[k].label, ms[k].zero ?
			       "a base of 0: no % change" :
			       "the same in every run: a constant, or a histogram bucket; no spread to simulate");
			continue;
		}
		powered++;
		at_target += pw >= 90;
		reachable += bd >= 90;
		printf("%6.1f%% %6.1f%% %7.2f%% %6ld  %s\n", pw, bd, ms[k].cv,
		       runs_needed(ms[k].cv), ms[k].label);
	}
	rate_line("false_positive_rate", fp, "A/A gates flagging any metric");
	printf("metrics_at_90pct     %ld of %ld  the gate finds a %+.1f%% change in 90%% of gates\n",
	       at_target, powered, effect);
	printf("reachable_at_90pct   %ld of %ld  the bound is 90%% or more: the spread allows it\n",
	       reachable, powered);
	printf("# not simulated: %ld metrics with a base of 0 or no spread at all\n",
	       nms - powered);
	for (long k = 0; k < nms; k++)
		free(ms[k].label);
	free(ms);
	free(st0);
	free(p);
	free(adj);
	return 0;
}

/* a number option's value, in [lo, hi]; exit 2 naming it otherwise */
static long seed_opt = 1;
static bool help;

static const struct mmb_opt opts[] = {
	{ "gates", MMB_OPT_INT, &gates, "N", "simulated gate runs", 1, 1e6 },
	{ "metrics", MMB_OPT_INT, &metrics, "M", "metrics each gate compares", 1, 1e4 },
	{ "runs", MMB_OPT_INT, &runs, "R", "runs on the base side", 1, 100 },
	{ "new-runs", MMB_OPT_INT, &new_runs, "R",
	  "runs on the new side (default: --runs)", 1, 100 },
	{ "samples", MMB_OPT_INT, &samples, "S", "samples per run", 2, 1000 },
	{ "run-cv", MMB_OPT_DOUBLE, &run_cv, "PCT",
	  "run-to-run spread (coefficient of variation)", 0, 100 },
	{ "sample-cv", MMB_OPT_DOUBLE, &sample_cv, "PCT",
	  "sample-to-sample spread within a run", 0, 100 },
	{ "outliers", MMB_OPT_DOUBLE, &outliers, "P",
	  "probability that a sample is an outlier", 0, 1 },
	{ "outlier-pct", MMB_OPT_DOUBLE, &outlier_pct, "X",
	  "how far an outlier is off", -99, 1000 },
	{ "effect", MMB_OPT_DOUBLE, &effect, "PCT",
	  "the true change in one metric of the new side", -99, 1000 },
	{ "alpha", MMB_OPT_DOUBLE, &alpha, "A", "family-wise significance level",
	  1e-6, 0.5 },
	{ "noise", MMB_OPT_DOUBLE, &noise, "PCT",
	  "mmb-compare's --noise", 0, 100 },
	{ "seed", MMB_OPT_INT, &seed_opt, "N", "random seed", 0, 4e9 },
	{ "from", MMB_OPT_STR, &from, "FILE",
	  "the noise an A/A `mmb compare --format json` measured, metric by metric (--metrics, --run-cv, --sample-cv, --samples and --outliers do not apply)" },
	{ "help", MMB_OPT_FLAG, &help, NULL, "this text" },
	{ NULL }
};

int main(int argc, char **argv)
{
	long fp = 0, hit = 0;
	char what[80];
	gsl_rng *rng;
	int first;

	first = mmb_tool_opts("mmb-compare-sim", opts, argc, argv);
	if (help) {
		printf("usage: mmb-compare-sim [options]\n");
		mmb_opts_help(opts, stdout);
		return 0;
	}
	if (first != argc) {
		fprintf(stderr, "mmb-compare-sim: %s: unexpected argument\n",
			argv[first]);
		return MMB_EXIT_USAGE;
	}
	seed = (unsigned long)seed_opt;
	if (new_runs < 0)
		new_runs = runs;
	rng = gsl_rng_alloc(gsl_rng_mt19937);
	gsl_rng_set(rng, seed);
	if (from) {
		int e;

		load_from();
		e = run_from(rng);
		gsl_rng_free(rng);
		return e;
	}
	for (long g = 0; g < gates; g++) {
		bool found;

		fp += gate(rng, 0, &found);
		gate(rng, effect, &found);
		hit += found;
		progress(g);
	}
	progress(-1);
	gsl_rng_free(rng);
	printf("# mmb-compare-sim: %ld A/A and %ld effect gates of %ld metrics, %ld base and %ld new runs of %ld samples\n",
	       gates, gates, metrics, runs, new_runs, samples);
	printf("# run drift sd %.2f%%, sample sd %.2f%%, outlier runs %.3f at %+.0f%%; alpha %.3g, noise floor %.1f%% (1-run sides)\n",
	       run_cv, sample_cv, outliers, outlier_pct, alpha, noise);
	rate_line("false_positive_rate", fp, "A/A gates flagging any metric");
	snprintf(what, sizeof(what), "gates finding a %+.1f%% change in one metric",
		 effect);
	rate_line("power", hit, what);
	return 0;
}
