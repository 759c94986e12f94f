// SPDX-License-Identifier: GPL-2.0
/* -e EVENT: perf's names into perf_event_attr, and the metric names. */
#include <linux/perf_event.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "internal.h"
#include "tap.h"

static void metric(const char *spec, bool victims, const char *want)
{
	char buf[64];

	event_metric(spec, victims, buf, sizeof(buf));
	ok(!strcmp(buf, want), "metric name of %s%s: %s", spec,
	   victims ? "@victims" : "", buf);
}

int main(void)
{
	struct perf_event_attr a;
	char why[256], dir[] = "/tmp/mmb-tracefs.XXXXXX", path[128];
	FILE *f;

	metric("dTLB-load-misses", false, "ev_dtlb_load_misses");
	metric("tlb:tlb_flush", false, "ev_tlb_tlb_flush");
	metric("msr/aperf/", false, "ev_msr_aperf");
	metric("cpu/event=0xc4,umask=0x01/", true, "ev_cpu_event_0xc4_umask_0x01_victims");

	is_int(event_parse("instructions", NULL, &a, why, sizeof(why)), 0,
	       "instructions parses (libpfm4)");
	ok(a.type == PERF_TYPE_HARDWARE && a.config == PERF_COUNT_HW_INSTRUCTIONS,
	   "  as the generic hardware event (type %u config %llu)", a.type,
	   (unsigned long long)a.config);
	is_int(event_parse("dTLB-load-misses", NULL, &a, why, sizeof(why)), 0,
	       "dTLB-load-misses parses");
	ok(a.type == PERF_TYPE_HW_CACHE &&
	   a.config == (PERF_COUNT_HW_CACHE_DTLB |
			PERF_COUNT_HW_CACHE_OP_READ << 8 |
			PERF_COUNT_HW_CACHE_RESULT_MISS << 16),
	   "  as the dTLB read-miss cache event (config %#llx)",
	   (unsigned long long)a.config);
	is_int(event_parse("r01c4", NULL, &a, why, sizeof(why)), 0, "r01c4 parses");
	ok(a.type == PERF_TYPE_RAW && a.config == 0x1c4, "  as raw 0x1c4");
	is_int(event_parse("page-faults", NULL, &a, why, sizeof(why)), 0,
	       "page-faults parses");
	ok(a.type == PERF_TYPE_SOFTWARE && a.config == PERF_COUNT_SW_PAGE_FAULTS,
	   "  as the software event");
	ok(event_parse("no-such-event-anywhere", NULL, &a, why, sizeof(why)) == -1,
	   "a name nothing knows is an error (%s)", why);

	/* a tracepoint, from a tracefs of our own */
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/events", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/events/tlb", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/events/tlb/tlb_flush", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/events/tlb/tlb_flush/id", dir);
	f = fopen(path, "w");
	fprintf(f, "421\n");
	fclose(f);
	is_int(event_parse("tlb:tlb_flush", dir, &a, why, sizeof(why)), 0,
	       "sys:name is a tracepoint");
	ok(a.type == PERF_TYPE_TRACEPOINT && a.config == 421,
	   "  its id from tracefs (%llu)", (unsigned long long)a.config);
	ok(event_parse("tlb:no_such", dir, &a, why, sizeof(why)) == 1,
	   "a tracepoint this kernel lacks is n/a, not an error (%s)", why);
	ok(event_parse("nosuchpmu/x/", NULL, &a, why, sizeof(why)) == 1,
	   "a PMU this machine lacks is n/a (%s)", why);
	unlink(path);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	if (system(path))
		return 1;
	return done_testing();
}
