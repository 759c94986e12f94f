// SPDX-License-Identifier: GPL-2.0
/*
 * Placement on a made-up machine: 2 nodes x 4 cores x 2 threads, numbered
 * the way Linux numbers x86 siblings (c and c+4 share a core in a node).
 */
#include "internal.h"
#include "machine.h"
#include "tap.h"

static void order(const char *victims, enum mmb_spread sp, const char *want,
		  const char *name)
{
	struct placement p;
	char err[256], got[256] = "";
	size_t off = 0;

	if (!ok(!placement_resolve(&t, NULL, 0, victims, 1, 0, sp, -1, &p,
				   err, sizeof(err)), "%s resolves", name)) {
		printf("#   %s\n", err);
		return;
	}
	for (int i = 0; i < p.nvictims; i++)
		off += snprintf(got + off, sizeof(got) - off, "%s%d",
				i ? " " : "", p.victim[i]);
	is_str(got, want, name);
	placement_free(&p);
}

static void fails(const char *cpus, int init, const char *victims,
		  int max, int node, const char *want_in_msg)
{
	struct placement p;
	char err[256] = "";
	int r = placement_resolve(&t, cpus, init, victims, 1, max,
				  SPREAD_COMPACT, node, &p, err, sizeof(err));

	if (!ok(r == -1 && strstr(err, want_in_msg), "rejected: %s",
		want_in_msg))
		printf("#   r=%d msg '%s'\n", r, err);
	if (!r)
		placement_free(&p);
}

int main(void)
{
	struct placement p;
	char err[256];

	machine();
	order("all", SPREAD_COMPACT,
	      "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15", "compact: node, cores, siblings");
	order("all", SPREAD_NODES,
	      "1 8 2 9 3 10 4 11 5 12 6 13 7 14 15", "nodes: round-robin");
	order("all", SPREAD_SMT,
	      "4 1 5 2 6 3 7 8 12 9 13 10 14 11 15", "smt: sibling first, whole cores");
	order("3", SPREAD_NODES, "1 8 2", "a count takes the first N");
	order("0", SPREAD_COMPACT, "", "zero victims");
	order("9,3", SPREAD_COMPACT, "3 9", "an explicit list, sorted");
	order("5,", SPREAD_COMPACT, "5", "one CPU with a trailing comma");
	order("2-4", SPREAD_SMT, "2 3 4", "a range is a list, not a count");

	ok(!placement_resolve(&t, "8-11", -1, "1", 1, 0, SPREAD_COMPACT, 1,
			      &p, err, sizeof(err)), "--cpus limits the pool");
	is_int(p.initiator, 8, "  initiator defaults to the first CPU");
	is_int(p.victim[0], 9, "  victims come from the pool");
	is_int(p.mem_node, 1, "  memory node kept");
	placement_free(&p);

	fails("0-16", -1, NULL, 0, -1, "--cpus: CPU 16 does not exist");
	fails("0-3", 99, NULL, 0, -1, "--initiator: CPU 99 does not exist");
	fails("0-3", 5, NULL, 0, -1, "--initiator: CPU 5 is not in --cpus");
	fails(NULL, 0, "20", 0, -1, "--victims: 20 victim(s) asked");
	fails(NULL, 0, "3", 1, -1, "--victims: at most 1");
	fails(NULL, 0, "1-17", 0, -1, "--victims: CPU 16 does not exist");
	fails(NULL, 0, "x", 0, -1, "--victims: 'x' is neither");
	fails(NULL, 0, "-3", 0, -1, "--victims: '-3' is neither");
	fails(NULL, 0, "", 0, -1, "--victims: '' is neither");
	fails("0", 0, "1,", 0, -1, "--victims: CPU 1 is not in --cpus");
	fails("0-3", 0, "2-5", 0, -1, "--victims: CPU 4 is not in --cpus");
	fails(NULL, 0, NULL, 0, 2, "--node: node 2 does not exist");
	fails("a-b", 0, NULL, 0, -1, "--cpus: 'a-b' is not a CPU list");
	return done_testing();
}
