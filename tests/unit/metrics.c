// SPDX-License-Identifier: GPL-2.0
/*
 * Metric descriptions (lib/metrics.c): the built-in table a result from
 * before metric_info is read with, a result's own block winning over it,
 * the loader's checks of the block, and the columns a table shows.
 */
#include "internal.h"
#include "tap.h"

int main(void)
{
	static const struct mmb_counter ctr[] = {
		{ "gizmos_per_op", "gizmos/op", "the op", -1,
		  { .better = MMB_BETTER_HIGHER, .label = "gizmos", .column = "giz" } },
		{ NULL }
	};
	struct metric_info mi;
	struct mmb_column cols[16];
	json_t *metrics, *res[2], *old;
	char err[160];
	int n;

	metric_builtin("latency_ns", &mi);
	ok(mi.d.kind == MMB_KIND_TIME && mi.d.role == MMB_ROLE_GATED &&
	   mi.rank[MMB_TABLE_SUMMARY] == 1, "latency_ns: a gated time, the summary's first column");
	metric_builtin("initiator_ops_per_s_min", &mi);
	is_int(mi.d.better, MMB_BETTER_HIGHER, "a throughput pattern: higher is better");
	metric_builtin("ipi_call_net_per_op", &mi);
	is_int(mi.d.role, MMB_ROLE_DETAIL, "*_net_per_op before ipi_*_per_op: a detail");
	metric_builtin("ipi_timer_per_op", &mi);
	is_int(mi.d.role, MMB_ROLE_GATED, "another IPI kind: gated");
	metric_builtin("busy_victim_oncpu", &mi);
	ok(mi.d.role == MMB_ROLE_INFO && mi.d.better == MMB_BETTER_NEITHER,
	   "busy_victim_oncpu: informational, neither direction");
	metric_builtin("something_new", &mi);
	ok(mi.d.kind == MMB_KIND_COUNT && mi.d.role == MMB_ROLE_GATED && !*mi.col,
	   "an unknown name: a gated count per op, no column");
	is_str(mi.lab, "something_new", "  labelled with its name");

	/* a result's own description wins over the table */
	metrics = json_pack("{s:{}, s:{}, s:{}}", "latency_ns", "gizmos_per_op",
			    "ipi_tlb_per_op");
	res[0] = json_pack("{s:o, s:o}", "metrics", json_incref(metrics),
			   "metric_info", metric_info_block(metrics, ctr, NULL));
	mmb_metric_info(res[0], "gizmos_per_op", &mi);
	ok(mi.d.better == MMB_BETTER_HIGHER && !strcmp(mi.col, "giz") &&
	   mi.rank[MMB_TABLE_MATRIX] == 100, "a bench counter: its own description, columns after the runner's");
	is_int(metric_info_check(json_object_get(res[0], "metric_info"), err, sizeof(err)),
	       0, "a block the runner wrote passes the loader's check");

	/* columns: in rank order, built-ins kept even where no result has them */
	old = json_pack("{s:O}", "metrics", metrics);
	res[1] = old;
	n = mmb_metric_columns(res, 2, MMB_TABLE_SUMMARY, cols, 16);
	is_int(n, 8, "summary: the 7 built-in columns and the bench's");
	is_str(cols[0].name, "latency_ns", "  latency first");
	is_str(cols[2].name, "ipis_per_op", "  ipis third, though no result has it");
	is_str(cols[7].name, "gizmos_per_op", "  the bench's last");
	n = mmb_metric_columns(res + 1, 1, MMB_TABLE_MATRIX, cols, 16);
	is_int(n, 5, "matrix of an old result: the 5 built-in columns");
	is_str(cols[3].name, "tp_idle_enter_per_op", "  idle fourth");
	{
		/* a strategy's own mechanism: a column where a result has it */
		json_t *lazy[2] = {
			json_pack("{s:{s:{s:f}, s:{s:f}}}", "metrics",
				  "tp_shoot_lazy_tlb_per_op", "median", 1.0,
				  "lazy_gen_wait_ms", "median", 4.0),
			json_pack("{s:{s:{s:f}}}", "metrics", "ipis_per_op",
				  "median", 2.0),
		};

		n = mmb_metric_columns(lazy, 2, MMB_TABLE_MATRIX, cols, 16);
		is_int(n, 7, "matrix with a hazptr and an mmgen figure: 2 more columns");
		is_str(cols[4].name, "tp_shoot_lazy_tlb_per_op", "  __mmdrop cross-calls after idle");
		is_str(cols[4].mi.col, "mmdrop", "  headed mmdrop");
		is_str(cols[5].name, "lazy_gen_wait_ms", "  the mean wait next");
		is_str(cols[6].name, "latency_ns", "  latency last");
		n = mmb_metric_columns(lazy + 1, 1, MMB_TABLE_MATRIX, cols, 16);
		is_int(n, 5, "  none without them");
		/* an older result gave latency another place: the table's wins */
		json_object_set_new(lazy[0], "metric_info", metric_info_block(
			json_object_get(lazy[0], "metrics"), NULL, NULL));
		json_object_set_new(json_object_get(json_object_get(lazy[0],
			"metric_info"), "lazy_gen_wait_ms"), "matrix", json_integer(1));
		n = mmb_metric_columns(lazy, 2, MMB_TABLE_MATRIX, cols, 16);
		is_str(cols[5].name, "lazy_gen_wait_ms",
		       "  a result's stale place for a runner metric is ignored");
		json_decref(lazy[0]);
		json_decref(lazy[1]);
	}

	/* the loader's checks name the field */
	json_object_set_new(json_object_get(json_object_get(res[0], "metric_info"),
					     "gizmos_per_op"), "column", json_string(""));
	ok(metric_info_check(json_object_get(res[0], "metric_info"), err, sizeof(err)) &&
	   strstr(err, "metric_info.gizmos_per_op.column"), "an empty column heading: refused (%s)", err);
	json_object_set_new(json_object_get(res[0], "metric_info"), "latency_ns",
			    json_integer(3));
	ok(metric_info_check(json_object_get(res[0], "metric_info"), err, sizeof(err)) &&
	   strstr(err, "metric_info.latency_ns': not an object"), "an entry that is not an object: refused (%s)", err);
	mmb_metric_info(res[0], "latency_ns", &mi);
	is_int(mi.d.kind, MMB_KIND_TIME, "a malformed entry is read with the table");

	json_decref(metrics);
	json_decref(res[0]);
	json_decref(old);
	return done_testing();
}
