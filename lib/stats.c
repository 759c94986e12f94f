// SPDX-License-Identifier: GPL-2.0
/* Summary statistics of samples, through GSL rather than by hand. */
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void mmb_stats_compute(const double *v, size_t n, struct mmb_stats *s)
{
	double *sorted;

	memset(s, 0, sizeof(*s));
	s->n = n;
	if (!n)
		return;
	sorted = malloc(n * sizeof(*sorted));
	if (!sorted)
		return;
	memcpy(sorted, v, n * sizeof(*sorted));
	gsl_sort(sorted, 1, n);
	s->mean = gsl_stats_mean(sorted, 1, n);
	/* The sample standard deviation is undefined for one sample. */
	s->stddev = n > 1 ? gsl_stats_sd_m(sorted, 1, n, s->mean) : 0.0;
	s->median = gsl_stats_median_from_sorted_data(sorted, 1, n);
	s->p95 = gsl_stats_quantile_from_sorted_data(sorted, 1, n, 0.95);
	s->min = sorted[0];
	s->max = sorted[n - 1];
	free(sorted);
}
