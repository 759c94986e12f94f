// SPDX-License-Identifier: GPL-2.0
/*
 * mmb-null: the harness measuring itself.
 *
 * An op that does nothing, timed the way every other bench is timed: per
 * sample (variant "empty") and per op with an untimed preparation step
 * (variant "empty-prepare", the path shootdown's variants take).  Its
 * latency_ns is the harness overhead to subtract, or to compare with a
 * bench's op to know how much of a figure is the harness.
 */
#include "mmb.h"

static int noop(struct mmb_run *r)
{
	/* keep the call: an empty loop would be optimised away */
	__asm__ volatile("" ::: "memory");
	return 0;
}

static const struct mmb_variant variants[] = {
	{ .name = "empty", .desc = "nothing, timed per sample",
	  .op_desc = "an empty function call", .op = noop },
	{ .name = "empty-prepare",
	  .desc = "nothing, timed per op around an untimed empty prepare",
	  .op_desc = "an empty function call, clock and cycles read around it",
	  .prepare = noop, .op = noop },
	{ NULL }
};

static const struct mmb_bench bench = {
	.name = "null",
	.desc = "the harness's own cost per op (calibration)",
	.variants = variants,
	.default_victims = 0,
};

MMB_MAIN(bench)
