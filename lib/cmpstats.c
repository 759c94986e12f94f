// SPDX-License-Identifier: GPL-2.0
/*
 * The statistics of mmb compare, shared with the simulation that measures
 * their false-positive rate and power (tools/mmb-compare-sim.c).
 *
 * Samples of one run share that run's conditions (boot, other load,
 * frequency), so they are not independent replicates: with two or more
 * runs on each side the run is the unit of replication, each run
 * summarised by its median (robust to a sample hit by an interrupt storm).
 * One run against several is still a comparison of runs: the side with
 * several says how far runs drift, and the one run is a new draw (a
 * baseline of 3 runs against one run of a new kernel).  With one run on
 * each side there is nothing else: its samples are the replicates, and the
 * caller keeps a floor under the change it may call significant, for the
 * drift between runs that those samples cannot see.
 *
 * What is reported is what is tested: the mean of the replicates on each
 * side, the % change of those means, Welch's t-test of the difference and
 * its 95% interval from the same t distribution (Welch 1947, "The
 * generalization of Student's problem when several different population
 * variances are involved").  A hierarchical bootstrap (runs, then samples
 * within them) was tried first: with 3 to 5 runs a side its tails are far
 * too thin for the p-values a Holm correction over 50 metrics asks for
 * (mmb-compare-sim: 40% of A/A gates flagged something with 3 runs a side,
 * 10% with 5), where Student's t distribution carries the uncertainty of
 * an estimated variance from few runs.
 */
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

double cmp_median(double *v, size_t n)
{
	if (!n)
		return 0;
	gsl_sort(v, 1, n);
	return gsl_stats_median_from_sorted_data(v, 1, n);
}

/* The side's replicates: run medians when runs are the unit, else samples. */
static size_t replicates(const struct cmp_side *s, bool by_run, double *out)
{
	size_t k = 0;

	for (int j = 0; j < s->nruns; j++) {
		if (by_run) {
			double *tmp = malloc((s->n[j] + 1) * sizeof(double));

			if (!tmp || !s->n[j]) {
				free(tmp);
				continue;
			}
			memcpy(tmp, s->v[j], s->n[j] * sizeof(double));
			out[k++] = cmp_median(tmp, s->n[j]);
			free(tmp);
		} else {
			memcpy(out + k, s->v[j], s->n[j] * sizeof(double));
			k += s->n[j];
		}
	}
	return k;
}

static size_t side_total(const struct cmp_side *s)
{
	size_t t = 0;

	for (int j = 0; j < s->nruns; j++)
		t += s->n[j];
	return t;
}

size_t cmp_replicates(const struct cmp_side *s, bool by_run, double *out)
{
	return replicates(s, by_run, out);
}

void cmp_stat(const struct cmp_side *a, const struct cmp_side *b,
	      bool by_run, struct cmp_stat *out)
{
	double *ra = malloc((side_total(a) + a->nruns + 1) * sizeof(double));
	double *rb = malloc((side_total(b) + b->nruns + 1) * sizeof(double));
	size_t na, nb;
	double va, vb, se, t, df, q, diff, scale;

	memset(out, 0, sizeof(*out));
	out->run_level = by_run;
	out->p = out->lo = out->hi = out->change = NAN;
	if (!ra || !rb)
		goto out;
	na = replicates(a, by_run, ra);
	nb = replicates(b, by_run, rb);
	out->na = na;
	out->nb = nb;
	if (!na || !nb)
		goto out;
	out->base = gsl_stats_mean(ra, 1, na);
	out->new_ = gsl_stats_mean(rb, 1, nb);
	diff = out->new_ - out->base;
	scale = out->base != 0 ? 100 / fabs(out->base) : 1;
	out->change = out->base != 0 ? diff * scale :
		      (out->new_ == 0 ? 0 : INFINITY);
	if (na < 2 && nb < 2)
		goto out;	/* one value a side: no spread to test against */
	if (na >= 2 && nb >= 2) {
		va = gsl_stats_variance_m(ra, 1, na, out->base) / na;
		vb = gsl_stats_variance_m(rb, 1, nb, out->new_) / nb;
	} else {
		/*
		 * One run against several (a new kernel's run against a
		 * baseline's): the spread between runs comes from the side
		 * that has it, and the one run is a new draw from it (the
		 * prediction interval's t, df of that side).
		 */
		double v = na >= 2 ? gsl_stats_variance_m(ra, 1, na, out->base) :
				     gsl_stats_variance_m(rb, 1, nb, out->new_);

		va = v / na;
		vb = v / nb;
	}
	se = sqrt(va + vb);
	if (se == 0) {
		/* no spread at all: equal, or certainly apart */
		out->p = diff == 0 ? 1.0 : 0.0;
		out->lo = out->hi = out->change;
		goto out;
	}
	t = diff / se;
	if (na >= 2 && nb >= 2)
		df = (va + vb) * (va + vb) /
		     (va * va / (na - 1) + vb * vb / (nb - 1));
	else
		df = (na >= 2 ? na : nb) - 1;
	out->p = 2 * gsl_cdf_tdist_Q(fabs(t), df);
	q = gsl_cdf_tdist_Qinv(0.025, df);
	if (out->base != 0) {
		out->lo = (diff - q * se) * scale;
		out->hi = (diff + q * se) * scale;
	} else {
		out->lo = out->hi = out->change;
	}
out:
	free(ra);
	free(rb);
}

/*
 * The verdict on one change, given its (adjusted) p: below alpha, the
 * interval clear of zero, and where a side had one run (drift unmeasured)
 * at least noise_pct.  From a base of 0 there is no percentage: any change
 * with p below alpha counts.
 */
bool cmp_significant(const struct cmp_stat *st, double p, double alpha,
		     double noise_pct)
{
	if (isnan(p) || p >= alpha)
		return false;
	if (st->base == 0)
		return st->new_ != 0;
	return (st->lo > 0 || st->hi < 0) &&
	       (st->run_level || fabs(st->change) >= noise_pct);
}

static const double *holm_p;

static int cmp_by_p(const void *x, const void *y)
{
	double a = holm_p[*(const size_t *)x], b = holm_p[*(const size_t *)y];

	return a < b ? -1 : a > b;
}

/*
 * Holm's step-down adjustment (Holm 1979, "A simple sequentially rejective
 * multiple test procedure"): the k-th smallest of m p-values is multiplied
 * by m - k + 1, made monotone, capped at 1.  Rejecting adjusted p < alpha
 * keeps the chance of any false rejection among the m below alpha.
 */
void cmp_holm(const double *p, double *adj, size_t m)
{
	size_t *idx = malloc((m + 1) * sizeof(size_t));
	double run = 0;

	if (!idx)
		return;
	for (size_t i = 0; i < m; i++)
		idx[i] = i;
	holm_p = p;
	qsort(idx, m, sizeof(size_t), cmp_by_p);
	for (size_t i = 0; i < m; i++) {
		double v = (double)(m - i) * p[idx[i]];

		run = v > run ? v : run;
		adj[idx[i]] = run < 1 ? run : 1;
	}
	free(idx);
}
