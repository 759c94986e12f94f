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
#include <getopt.h>
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
static double arg(const char *opt, double lo, double hi)
{
	return mmb_num_arg("mmb-compare-sim", opt, optarg, lo, hi);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "gates", required_argument, NULL, 'g' },
		{ "metrics", required_argument, NULL, 'm' },
		{ "runs", required_argument, NULL, 'r' },
		{ "new-runs", required_argument, NULL, 'N' },
		{ "samples", required_argument, NULL, 's' },
		{ "run-cv", required_argument, NULL, 'R' },
		{ "sample-cv", required_argument, NULL, 'S' },
		{ "outliers", required_argument, NULL, 'o' },
		{ "outlier-pct", required_argument, NULL, 'O' },
		{ "effect", required_argument, NULL, 'e' },
		{ "alpha", required_argument, NULL, 'a' },
		{ "noise", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 'z' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long fp = 0, hit = 0;
	double l, h;
	gsl_rng *rng;
	int c;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'g': gates = (long)arg("--gates", 1, 1e6); break;
		case 'm': metrics = (long)arg("--metrics", 1, 1e4); break;
		case 'r': runs = (long)arg("--runs", 1, 100); break;
		case 'N': new_runs = (long)arg("--new-runs", 1, 100); break;
		case 's': samples = (long)arg("--samples", 2, 1000); break;
		case 'R': run_cv = arg("--run-cv", 0, 100); break;
		case 'S': sample_cv = arg("--sample-cv", 0, 100); break;
		case 'o': outliers = arg("--outliers", 0, 1); break;
		case 'O': outlier_pct = arg("--outlier-pct", -99, 1000); break;
		case 'e': effect = arg("--effect", -99, 1000); break;
		case 'a': alpha = arg("--alpha", 1e-6, 0.5); break;
		case 'n': noise = arg("--noise", 0, 100); break;
		case 'z': seed = (unsigned long)arg("--seed", 0, 4e9); break;
		case 'h':
			printf("usage: mmb-compare-sim [--gates N] [--metrics M] [--runs R] [--new-runs R] [--samples S]\n"
			       "         [--run-cv PCT] [--sample-cv PCT] [--outliers P] [--outlier-pct X]\n"
			       "         [--effect PCT] [--alpha A] [--noise PCT] [--seed N]\n");
			return 0;
		default:
			fprintf(stderr, "mmb-compare-sim: unknown option (see --help)\n");
			return MMB_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "mmb-compare-sim: %s: unexpected argument\n",
			argv[optind]);
		return MMB_EXIT_USAGE;
	}
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
