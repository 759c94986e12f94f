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
 * 95% Wilson interval.  Exit 0, or 2 on a bad argument.
 */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* 95% Wilson score interval of k successes in n */
static void wilson(long k, long n, double *lo, double *hi)
{
	double z = 1.959964, ph = (double)k / n, d = 1 + z * z / n;
	double c = (ph + z * z / (2 * n)) / d;
	double h = z * sqrt(ph * (1 - ph) / n + z * z / (4.0 * n * n)) / d;

	*lo = c - h;
	*hi = c + h;
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
	{ "help", MMB_OPT_FLAG, &help, NULL, "this text" },
	{ NULL }
};

int main(int argc, char **argv)
{
	long fp = 0, hit = 0;
	double l, h;
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
	for (long g = 0; g < gates; g++) {
		bool found;

		fp += gate(rng, 0, &found);
		gate(rng, effect, &found);
		hit += found;
		if (isatty(2))
			fprintf(stderr, "\r# gate %ld/%ld", g + 1, gates);
	}
	if (isatty(2))
		fprintf(stderr, "\r\033[K");
	gsl_rng_free(rng);
	printf("# mmb-compare-sim: %ld A/A and %ld effect gates of %ld metrics, %ld base and %ld new runs of %ld samples\n",
	       gates, gates, metrics, runs, new_runs, samples);
	printf("# run drift sd %.2f%%, sample sd %.2f%%, outlier runs %.3f at %+.0f%%; alpha %.3g, noise floor %.1f%% (1-run sides)\n",
	       run_cv, sample_cv, outliers, outlier_pct, alpha, noise);
	wilson(fp, gates, &l, &h);
	printf("false_positive_rate  %6.2f%%  [%.2f%%, %.2f%%]  A/A gates flagging any metric\n",
	       100.0 * fp / gates, 100 * l, 100 * h);
	wilson(hit, gates, &l, &h);
	printf("power                %6.2f%%  [%.2f%%, %.2f%%]  gates finding a %+.1f%% change in one metric\n",
	       100.0 * hit / gates, 100 * l, 100 * h, effect);
	return 0;
}
