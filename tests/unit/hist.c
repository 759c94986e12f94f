// SPDX-License-Identifier: GPL-2.0
/* Per-op latency histograms: buckets, quantiles, merging. */
#include <math.h>

#include "internal.h"
#include "tap.h"

static struct mmb_hist h, g;

static void within(double got, double want, double rel, const char *what)
{
	ok(fabs(got - want) <= rel * want, "%s = %g (want %g within %.1f%%)",
	   what, got, want, rel * 100);
}

int main(void)
{
	json_t *b;
	size_t i;
	json_t *x;
	uint64_t sum = 0;
	bool ordered = true, tight = true;
	uint64_t prev_hi = 0;

	ok(isnan(hist_quantile(&h, 0.5)), "an empty histogram has no median");
	for (uint64_t v = 0; v < 16; v++)
		hist_add(&h, v);
	is_int((int)hist_quantile(&h, 1.0), 15, "values below 16 are exact (max)");
	is_int((int)hist_quantile(&h, 1.0 / 16), 0, "  (min)");
	memset(&h, 0, sizeof(h));

	for (uint64_t v = 1; v <= 1000; v++)
		hist_add(&h, v * 1000);		/* 1 us .. 1 ms */
	within(hist_quantile(&h, 0.5), 500000, 0.0625, "p50 of 1..1000 us");
	within(hist_quantile(&h, 0.9), 900000, 0.0625, "p90");
	within(hist_quantile(&h, 0.99), 990000, 0.0625, "p99");
	within(hist_quantile(&h, 0.999), 999000, 0.0625, "p99.9 of 1000 ops is the slowest's bucket");

	/* one slow op in a million is p99.9's business only past 1000 ops */
	memset(&g, 0, sizeof(g));
	for (int k = 0; k < 999; k++)
		hist_add(&g, 3000);
	hist_add(&g, 30000000);
	within(hist_quantile(&g, 0.999), 3000, 0.0625, "999 fast ops and one slow: p99.9 is fast");
	within(hist_quantile(&g, 1.0), 30000000, 0.0625, "  and the max is the slow one");

	hist_merge(&h, &g);
	is_int((int)h.n, 2000, "merge adds the ops");
	b = hist_json(&h);
	json_array_foreach(b, i, x) {
		uint64_t lo = json_integer_value(json_array_get(x, 0));
		uint64_t hi = json_integer_value(json_array_get(x, 1));

		sum += json_integer_value(json_array_get(x, 2));
		ordered &= lo >= prev_hi && hi > lo;
		/* a bucket spans at most 1/16 of its value */
		tight &= (double)(hi - lo) <= lo / 16.0 + 1;
		prev_hi = hi;
	}
	is_int((int)sum, 2000, "the buckets hold every op");
	ok(ordered, "buckets ascend and do not overlap");
	ok(tight, "each bucket within 1/16 of its value");
	json_decref(b);

	memset(&h, 0, sizeof(h));
	hist_add(&h, UINT64_MAX);
	within(hist_quantile(&h, 1.0), (double)(1ull << 62), 0.0625,
	       "the largest value counts as 2^62");
	b = hist_json(&h);
	ok(json_integer_value(json_array_get(json_array_get(b, 0), 1)) > 0,
	   "  and its bucket's bounds fit a JSON integer");
	json_decref(b);
	return done_testing();
}
