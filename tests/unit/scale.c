// SPDX-License-Identifier: GPL-2.0
/*
 * --initiators placement on the made-up machine of placement.c: 2 nodes x
 * 4 cores x 2 threads (c and c+4 share a core in a node).
 */
#include "internal.h"
#include "machine.h"
#include "tap.h"

/* "0:4 1:5": each initiator's CPU and its victims */
static void placed(const char *cpus, int init, const char *initiators,
		   enum victims_rule rule, const char *victims, int def,
		   enum mmb_spread sp, const char *want, const char *name)
{
	struct placement p;
	char err[256], got[512] = "";
	size_t off = 0;

	if (!ok(!scale_place(&t, cpus, init, initiators, rule, victims, def, 0,
			     sp, -1, &p, err, sizeof(err)), "%s resolves",
		name)) {
		printf("#   %s\n", err);
		return;
	}
	for (int i = 0; i < p.ninit; i++) {
		off += snprintf(got + off, sizeof(got) - off, "%s%d:", i ? " " : "",
				p.per[i].initiator);
		for (int j = 0; j < p.per[i].nvictims; j++)
			off += snprintf(got + off, sizeof(got) - off, "%s%d",
					j ? "," : "", p.per[i].victim[j]);
	}
	is_str(got, want, name);
	ok(p.initiator == p.per[0].initiator, "  %s: initiator is the first", name);
	placement_free(&p);
}

static void fails(const char *cpus, int init, const char *initiators,
		  enum victims_rule rule, const char *victims, int def, int max,
		  const char *want_in_msg)
{
	struct placement p;
	char err[256] = "";
	int r = scale_place(&t, cpus, init, initiators, rule, victims, def, max,
			    SPREAD_COMPACT, -1, &p, err, sizeof(err));

	if (!ok(r == -1 && strstr(err, want_in_msg), "rejected: %s",
		want_in_msg))
		printf("#   r=%d msg '%s'\n", r, err);
	if (!r)
		placement_free(&p);
}

int main(void)
{
	machine();
	placed(NULL, -1, "4", VICTIMS_ASKED, NULL, 1, SPREAD_COMPACT,
	       "0:4 1:5 2:6 3:7",
	       "a count: compact initiators, each victim nearest its own");
	placed(NULL, -1, "4", VICTIMS_NONE, NULL, 1, SPREAD_NODES,
	       "0: 1: 8: 2:", "initiators spread over nodes, no victims");
	placed(NULL, -1, "0,8", VICTIMS_OWN_CPU, NULL, 1, SPREAD_COMPACT,
	       "0:0 8:8", "a list as given; partners on their own CPUs");
	placed("0-3", -1, "all", VICTIMS_NONE, NULL, 1, SPREAD_COMPACT,
	       "0: 1: 2: 3:", "all: every CPU of --cpus");
	placed(NULL, -1, "2", VICTIMS_ASKED, "4-7", 1, SPREAD_COMPACT,
	       "0:4,5 1:6,7", "a --victims list is split in order");
	placed("0-5", -1, "2", VICTIMS_ASKED, NULL, -1, SPREAD_COMPACT,
	       "0:2,3 1:4,5", "every other CPU is shared out");
	placed("0-2", -1, "2", VICTIMS_ASKED, NULL, -1, SPREAD_COMPACT,
	       "0:2 1:", "an odd one goes to the first");
	placed(NULL, 8, "2", VICTIMS_ASKED, "1", 1, SPREAD_COMPACT,
	       "8:10 9:11", "from --initiator, victims from what is left");

	fails("0-1", -1, "3", VICTIMS_NONE, NULL, 1, 0,
	      "--initiators: 3 asked, --cpus has 2");
	fails(NULL, -1, "x", VICTIMS_NONE, NULL, 1, 0,
	      "--initiators: 'x' is neither");
	fails(NULL, -1, "0", VICTIMS_NONE, NULL, 1, 0,
	      "--initiators: '0' is neither a count (1 or more)");
	fails("0-3", -1, "0,9", VICTIMS_NONE, NULL, 1, 0,
	      "--initiators: CPU 9 is not in --cpus");
	fails(NULL, 3, "0,1", VICTIMS_NONE, NULL, 1, 0,
	      "--initiator: with an --initiators list");
	fails(NULL, -1, "2", VICTIMS_ASKED, "4-6", 1, 0,
	      "--victims: 3 CPUs do not split evenly among 2 initiators");
	fails("0-3", -1, "2", VICTIMS_ASKED, "2", 1, 0,
	      "need 4 CPUs besides the initiators; --cpus leaves 2");
	fails(NULL, -1, "2", VICTIMS_ASKED, "2", 1, 1,
	      "--victims: at most 1 victim(s) per initiator");
	fails("0-1", -1, "2", VICTIMS_ASKED, NULL, 1, 0,
	      "(--victims 0: none)");
	fails(NULL, -1, "2", VICTIMS_ASKED, "0-16", 1, 0,
	      "--victims: '0-16' is not a CPU list");
	return done_testing();
}
