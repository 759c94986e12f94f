/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The made-up machine the placement tests place on: 2 nodes x 4 cores x 2
 * threads, numbered the way Linux numbers x86 siblings (c and c+4 share a
 * core in a node).
 */
#ifndef MMB_TEST_MACHINE_H
#define MMB_TEST_MACHINE_H

#include <stdlib.h>
#include <string.h>

#include "internal.h"

static struct topology t;

static void machine(void)
{
	memset(&t, 0, sizeof(t));
	t.max_cpu = 16;
	t.cpu = calloc(16, sizeof(*t.cpu));
	cpulist_parse("0-15", -1, &t.online);
	for (int c = 0; c < 16; c++) {
		t.cpu[c] = (struct cpu_topo){
			.cpu = c, .node = c / 8, .package = c / 8,
			.core = (c % 8) % 4, .smt_index = (c % 8) / 4,
			.online = true,
		};
	}
	t.nr_nodes = 2;
	t.max_node = 1;
	t.numa = false;		/* distances: 10 local, 20 remote */
	t.source = "test";
}

#endif
