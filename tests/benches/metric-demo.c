// SPDX-License-Identifier: GPL-2.0
/*
 * mmb-metric-demo: a bench that exists to prove that a metric is declared
 * in one place.  Its two metrics are described only here, in its counter
 * table; tests/integration/metrics.sh checks that mmb-summary, mmb-matrix,
 * mmb-compare, mmb-plot and mmb gate label and judge them from that
 * description alone.  Not installed, not in the suite.
 *
 * Each op "moves" MMB_DEMO_WIDGETS widgets (default 1): widgets_per_op
 * (lower is better, a column of the tables) and spares_per_op (the same
 * count, but higher is better, and no column), so the direction the tools
 * judge in can only have come from the description.  The count comes from
 * the environment, not an option, because it stands in for a kernel
 * change: the same command line (so results pair), other figures.
 */
#include <stdlib.h>

#include "mmb.h"

static long widgets = 1;

enum { C_WIDGETS, C_SPARES };

static int setup(struct mmb_run *r)
{
	const char *w = getenv("MMB_DEMO_WIDGETS");

	widgets = w ? strtol(w, NULL, 10) : 1;
	return 0;
}

static int move(struct mmb_run *r)
{
	mmb_count(r, C_WIDGETS, (double)widgets);
	mmb_count(r, C_SPARES, (double)widgets);
	return 0;
}

static const struct mmb_variant variants[] = {
	{ .name = "move", .desc = "counts MMB_DEMO_WIDGETS widgets per op",
	  .op_desc = "a function call that counts widgets",
	  .setup = setup, .op = move },
	{ NULL }
};

static const struct mmb_counter counters[] = {
	[C_WIDGETS] = { "widgets_per_op", "widgets/op", "counted by the op", -1,
			{ .label = "widgets moved per op", .column = "widgets" } },
	[C_SPARES] = { "spares_per_op", "spares/op", "counted by the op", -1,
		       { .better = MMB_BETTER_HIGHER,
			 .label = "spares kept per op" } },
	{ NULL }
};

static const struct mmb_bench bench = {
	.name = "metric-demo",
	.desc = "a test-only bench with metrics of its own",
	.variants = variants,
	.counters = counters,
	.default_victims = 0,
};

MMB_MAIN(bench)
