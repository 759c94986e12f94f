// SPDX-License-Identifier: GPL-2.0
/*
 * The runner's accounting, exactly, on a scripted counter source: which
 * snapshots it takes in which order, per-op division, the idle window's
 * background subtracted as a rate, the tracepoint pass less its own reads,
 * and a failed read that fails the run instead of shifting values into
 * the wrong metrics.
 *
 * The script: every snapshot is 1 ms after the one before (1 ms windows,
 * 1 ms gaps between them).  Per sample window of N ops, CPU1 takes 3N
 * function-call interrupts, and runs N TLB flushes (the TLB row counts
 * runs, most of which came by those interrupts); the idle window takes 10 call IPIs; every gap between
 * windows takes 1000, which no figure may see.  Tracepoint windows count
 * 7N ipi_send_cpu, plus 2 that their own reads cost (the 3 empty
 * calibration windows see the 2 alone).  Cycles advance 2000 per ms.
 */
#include <math.h>

#include "internal.h"
#include "tap.h"

#define N 100

static int ops_done;
static int fail_at = -1;
static char order[256];

struct state {
	uint64_t cal, tlb, tp;
	uint64_t ns;
	int ops_at_begin;
	int tp_windows;	/* the first with tracepoints is the idle window */
};

static struct state st;
static char text[512];

static int snap(void *arg, int k, bool end, bool with_tp,
		struct counter_reading *out)
{
	size_t len = strlen(order);

	if (len < sizeof(order) - 3)
		snprintf(order + len, sizeof(order) - len, "%c%c ",
			 end ? 'E' : 'B', with_tp ? 't' : '-');
	if (k == fail_at)
		return -1;
	st.ns += 1000000;
	if (!end) {
		/* the gap since the last window: nobody may count this */
		st.cal += 1000;
		st.ops_at_begin = ops_done;
	} else {
		int ops = ops_done - st.ops_at_begin;

		if (!with_tp) {
			st.cal += 3 * (uint64_t)ops;
			st.tlb += (uint64_t)ops;
		} else if (st.tp_windows++ == 0) {
			st.cal += 10;		/* the idle window */
		} else {
			st.cal += 3 * (uint64_t)ops;
			st.tlb += (uint64_t)ops;
			st.tp += 7 * (uint64_t)ops + 2;
		}
	}
	snprintf(text, sizeof(text),
		 "           CPU0       CPU1\n"
		 "CAL:          0 %10llu   Function call interrupts\n"
		 "TLB:          0 %10llu   TLB shootdowns\n"
		 "RES:          0          0   Rescheduling interrupts\n",
		 (unsigned long long)st.cal, (unsigned long long)st.tlb);
	out->interrupts = text;
	out->ns = st.ns;
	out->cycles = st.ns / 1000000 * 2000;
	out->tp[0] = st.tp;
	return 0;
}

static int op(struct mmb_run *r)
{
	ops_done++;
	return 0;
}

static const struct mmb_variant variants[] = {
	{ .name = "count", .desc = "counts its ops", .op_desc = "nothing",
	  .victims = MMB_VICTIM_NONE, .op = op },
	{ NULL }
};
static const struct mmb_opt no_opts[] = { { NULL } };
static const struct mmb_bench bench = {
	.name = "scripted", .desc = "runner accounting", .variants = variants,
	.opts = no_opts,
};
static const char *const tp_names[] = { "tp_ipi_send_cpu" };
static const struct counter_script script = {
	.snap = snap, .ntp = 1, .tp_names = tp_names,
};

static double med(json_t *metrics, const char *name)
{
	json_t *m = json_object_get(metrics, name);

	return m ? json_number_value(json_object_get(m, "median")) : NAN;
}

static json_t *info;	/* the last run's metric descriptions */

static int run(json_t **metrics, json_t **bg, int repeat, int tp_repeat)
{
	struct placement pl = { .initiator = 0 };
	struct run_cfg cfg = { .iterations = N, .repeat = repeat,
			       .tp_repeat = tp_repeat };
	struct mmb_run r = { .bench = &bench, .variant = &variants[0],
			     .pl = &pl, .params = json_object() };
	struct run_out out;
	int ret;

	memset(&st, 0, sizeof(st));
	order[0] = '\0';
	ops_done = 0;
	r.ctr = counters_open_scripted(&script);
	ret = runner_run(&r, &cfg, &out);
	counters_close(r.ctr);
	*metrics = out.metrics;
	*bg = out.background;
	json_decref(out.samples);
	json_decref(out.tp_samples);
	json_decref(out.lat_samples);
	json_decref(out.histogram);
	json_decref(info);
	info = out.metric_info;
	json_decref(r.params);
	return ret;
}

static void near(double got, double want, const char *what)
{
	ok(fabs(got - want) < 1e-9, "%s = %.6g (want %.6g)", what, got, want);
}

int main(void)
{
	json_t *m, *bg;
	int ret;

	ret = run(&m, &bg, 4, 2);
	is_int(ret, MMB_EXIT_OK, "a scripted run succeeds");
	/* 4 samples, the idle window, 3 calibration windows, 2 tp windows */
	is_str(order, "B- E- B- E- B- E- B- E- Bt Et Bt Et Bt Et Bt Et Bt Et Bt Et ",
	       "snapshots: samples without tracepoints, then idle, calibration and the tracepoint pass with them");
	near(med(m, "latency_ns"), 1e6 / N, "latency_ns: the window over its ops");
	near(med(m, "cycles"), 2000.0 / N, "cycles per op");
	near(med(m, "ipi_tlb_per_op"), 1.0, "ipi_tlb_per_op");
	near(med(m, "ipi_call_per_op"), 3.0,
	     "ipi_call_per_op: CAL, those that carried flushes too");
	near(med(m, "ipis_per_op"), 3.0,
	     "ipis_per_op: interrupts received (CAL + RES, not TLB's runs), nothing from the gaps");
	near(med(m, "ipi_resched_per_op"), 0.0, "ipi_resched_per_op");
	near(med(m, "ipi_call_net_per_op"), (3.0 * N - 10) / N,
	     "ipi_call_net_per_op: the idle window's rate, times the window, off");
	near(med(m, "ipis_net_per_op"), (3.0 * N - 10) / N, "ipis_net_per_op");
	near(med(m, "ipi_tlb_net_per_op"), 1.0, "ipi_tlb_net_per_op");
	near(med(m, "tp_ipi_send_cpu_per_op"), 7.0,
	     "tp_ipi_send_cpu_per_op: less its own reads");
	near(json_number_value(json_object_get(json_object_get(bg, "per_s"),
					       "ipi_call")), 10 / 1e-3,
	     "background call IPIs per second");
	/* each counter described by its kind, not its name */
	is_str(mmb_jstr(info, "ipi_call_per_op.role"), "gated",
	       "an IPI row: judged");
	is_str(mmb_jstr(info, "ipi_call_net_per_op.role"), "detail",
	       "its background-subtracted twin: a detail");
	is_str(mmb_jstr(info, "tp_ipi_send_cpu_per_op.role"), "detail",
	       "a tracepoint: a detail");
	is_str(mmb_jstr(info, "tp_ipi_send_cpu_per_op.label"),
	       "hits per op: scripted",
	       "  labelled with its source");
	near(json_number_value(json_object_get(bg, "window_s")), 1e-3,
	     "background window");
	json_decref(m);
	json_decref(bg);

	/* a failed read in the third sample's closing snapshot */
	fail_at = 5;
	ret = run(&m, &bg, 4, 2);
	ok(ret != MMB_EXIT_OK, "a failed read fails the run (exit %d)", ret);
	is_str(order, "B- E- B- E- B- E- ", "  and it stops there");
	is_int(json_integer_value(json_object_get(json_object_get(m,
		"ipi_call_per_op"), "n")), 2,
	       "  what it reports comes from the two whole samples only");
	near(med(m, "ipi_call_per_op"), 3.0, "  with their values in place");
	json_decref(m);
	json_decref(bg);
	fail_at = -1;
	json_decref(info);
	return done_testing();
}
