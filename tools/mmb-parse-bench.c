// SPDX-License-Identifier: GPL-2.0
/*
 * mmb-parse-bench: what one /proc/interrupts snapshot costs the harness,
 * on this machine's own file or on a capture widened to many CPUs
 * (tests/fixtures/interrupts/widen.py): reading the file and parsing it,
 * as every sample's two snapshots do.  The parse stays outside the timed
 * window (lib/counters.c), but it sets how long a sample's gap lasts and
 * how much CPU the harness takes from the victims.
 *
 *   mmb-parse-bench [--repeat N] [FILE]     default /proc/interrupts
 *
 * Prints the median and the 95th percentile over N reads, per read and per
 * CPU column.  Exit 0, 1 when the file does not parse, 2 on bad usage.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int main(int argc, char **argv)
{
	const char *path = "/proc/interrupts";
	long repeat = 200;
	double *t;
	struct irq_table tab;
	struct mmb_stats st;
	int ncpus = 0, nrows = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--repeat") && i + 1 < argc) {
			char *end;

			repeat = strtol(argv[++i], &end, 10);
			if (*end || repeat < 1 || repeat > 1000000) {
				fprintf(stderr, "mmb-parse-bench: --repeat: '%s' is not a count from 1 to 1000000\n",
					argv[i]);
				return MMB_EXIT_USAGE;
			}
		} else if (!strcmp(argv[i], "--help")) {
			printf("usage: mmb-parse-bench [--repeat N] [FILE]\n");
			return 0;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "mmb-parse-bench: %s: unknown option\n", argv[i]);
			return MMB_EXIT_USAGE;
		} else {
			path = argv[i];
		}
	}
	t = calloc(repeat, sizeof(double));
	if (!t)
		return MMB_EXIT_FAIL;
	for (long i = 0; i < repeat; i++) {
		uint64_t t0 = mmb_now_ns();

		if (irq_read(path, &tab)) {
			/* unreadable or malformed input: a usage error */
			fprintf(stderr, "mmb-parse-bench: %s: %s\n", path,
				errno ? strerror(errno) : "does not parse");
			free(t);
			return MMB_EXIT_USAGE;
		}
		t[i] = (double)(mmb_now_ns() - t0) / 1000.0;
		ncpus = tab.ncpus;
		nrows = tab.nrows;
		irq_free(&tab);
	}
	mmb_stats_compute(t, repeat, &st);
	printf("# mmb-parse-bench: %s, %d CPU columns, %d rows, %ld reads\n",
	       path, ncpus, nrows, repeat);
	printf("read_and_parse_us  median %9.1f  p95 %9.1f  per CPU %.3f us\n",
	       st.median, st.p95, ncpus ? st.median / ncpus : 0);
	free(t);
	return 0;
}
