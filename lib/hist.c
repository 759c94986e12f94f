// SPDX-License-Identifier: GPL-2.0
/*
 * Per-op latency histograms: log-linear buckets, 16 to an octave (each
 * within 6.25% of its value), as HdrHistogram does at one significant
 * digit, in a fixed array: adding a value is a few instructions and no
 * allocation, so it can sit in the timed loop's shadow.  Values below 16
 * have a bucket each; values past 2^62 (146 years of ns) count as 2^62.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int bucket_of(uint64_t v)
{
	int e;

	if (v < HIST_SUB)
		return (int)v;
	e = 63 - __builtin_clzll(v);		/* v in [2^e, 2^(e+1)) */
	return HIST_SUB + (e - 4) * HIST_SUB +
	       (int)((v >> (e - 4)) & (HIST_SUB - 1));
}

/* [lo, hi) of bucket i */
static void bucket_range(int i, uint64_t *lo, uint64_t *hi)
{
	int e, sub;

	if (i < HIST_SUB) {
		*lo = (uint64_t)i;
		*hi = *lo + 1;
		return;
	}
	e = (i - HIST_SUB) / HIST_SUB + 4;
	sub = (i - HIST_SUB) % HIST_SUB;
	*lo = (uint64_t)(HIST_SUB + sub) << (e - 4);
	*hi = *lo + (1ull << (e - 4));
}

void hist_add(struct mmb_hist *h, uint64_t v)
{
	/* 146 years: past it a bucket's bounds would not fit a JSON integer */
	if (v > HIST_MAX)
		v = HIST_MAX;
	h->count[bucket_of(v)]++;
	h->n++;
}

void hist_merge(struct mmb_hist *into, const struct mmb_hist *h)
{
	for (int i = 0; i < HIST_BUCKETS; i++)
		into->count[i] += h->count[i];
	into->n += h->n;
}

/*
 * The q-quantile (0 < q <= 1): the middle of the bucket holding the op of
 * rank ceil(q * n), so p99.9 of 1000 ops is the slowest.  NAN when empty.
 */
double hist_quantile(const struct mmb_hist *h, double q)
{
	uint64_t rank, seen = 0, lo, hi;

	if (!h->n)
		return NAN;
	rank = (uint64_t)ceil(q * (double)h->n);
	if (rank < 1)
		rank = 1;
	for (int i = 0; i < HIST_BUCKETS; i++) {
		seen += h->count[i];
		if (seen >= rank) {
			bucket_range(i, &lo, &hi);
			return hi - lo == 1 ? (double)lo :
			       (double)lo + (double)(hi - lo) / 2;
		}
	}
	return NAN;
}

/* The buckets that hold ops, as [lo, hi, count] with hi exclusive. */
json_t *hist_json(const struct mmb_hist *h)
{
	json_t *b = json_array();

	for (int i = 0; i < HIST_BUCKETS; i++) {
		uint64_t lo, hi;

		if (!h->count[i])
			continue;
		bucket_range(i, &lo, &hi);
		json_array_append_new(b, json_pack("[I, I, I]", (json_int_t)lo,
						   (json_int_t)hi,
						   (json_int_t)h->count[i]));
	}
	return b;
}
