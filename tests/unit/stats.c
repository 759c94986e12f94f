// SPDX-License-Identifier: GPL-2.0
/* Statistics against values worked out by hand. */
#include "internal.h"
#include "tap.h"

int main(void)
{
	const double a[] = { 5, 1, 4, 2, 3 };
	const double b[] = { 10, 20 };
	const double one[] = { 42 };
	double hundred[100];
	struct mmb_stats s;

	mmb_stats_compute(a, 5, &s);
	is_near(s.median, 3, 1e-12, "median of 1..5");
	is_near(s.mean, 3, 1e-12, "mean of 1..5");
	/* sample variance: (4+1+0+1+4)/4 = 2.5 */
	is_near(s.stddev, 1.5811388300841898, 1e-12, "stddev of 1..5 (n-1)");
	is_near(s.min, 1, 0, "min");
	is_near(s.max, 5, 0, "max");
	/* GSL quantile: position 0.95*(n-1) = 3.8 between 4 and 5 */
	is_near(s.p95, 4.8, 1e-12, "p95 interpolates");
	is_int(s.n, 5, "n");
	ok(a[0] == 5, "input left unsorted");

	mmb_stats_compute(b, 2, &s);
	is_near(s.median, 15, 1e-12, "median of an even count");

	mmb_stats_compute(one, 1, &s);
	is_near(s.stddev, 0, 0, "stddev of one sample is 0, not NaN");
	is_near(s.p95, 42, 0, "p95 of one sample");

	for (int i = 0; i < 100; i++)
		hundred[i] = i + 1;
	mmb_stats_compute(hundred, 100, &s);
	is_near(s.p95, 95.05, 1e-9, "p95 of 1..100");
	is_near(s.median, 50.5, 1e-12, "median of 1..100");

	mmb_stats_compute(NULL, 0, &s);
	is_int(s.n, 0, "empty input gives n = 0");
	return done_testing();
}
