// SPDX-License-Identifier: GPL-2.0
/*
 * How remote TLB flushes travel: what the system says (a real PVM guest's
 * boot log, the lines KVM and Hyper-V print) and each result's verdict
 * from flush requests against TLB IPIs received, on the PVM guest's real
 * results and on the IPI machine's figures.
 */
#include <jansson.h>
#include <math.h>

#include "internal.h"
#include "tap.h"

static double median(json_t *res, const char *metric)
{
	json_t *m = json_object_get(json_object_get(res, "metrics"), metric);

	return m ? json_number_value(json_object_get(m, "median")) : NAN;
}

/* NAN where the result has no busy victim, as the runner passes it */
static double busy(json_t *res)
{
	json_t *m = json_object_get(json_object_get(res, "metrics"),
				    "busy_victim_oncpu");

	return m ? json_number_value(json_object_get(m, "min")) : NAN;
}

static void judge_fixture(const char *file, enum remote_flush_kind want,
			  const char *delivery, const char *what)
{
	json_t *res = json_load_file(fixture_path(file), 0, NULL);
	char why[512] = "";
	enum remote_flush_kind k;

	if (!ok(res != NULL, "read %s", file))
		return;
	k = remote_flush_judge(delivery,
			       median(res, "tp_tlb_flush_remote_ipi_send_per_op"),
			       median(res, "ipi_tlb_per_op"),
			       busy(res), "MECH", why,
			       sizeof(why));
	is_str(remote_flush_names[k], remote_flush_names[want], what);
	if (want == RF_HYPERCALL)
		ok(!strncmp(why, "not applicable", 14) && strstr(why, "MECH"),
		   "  the reason says n/a and names the mechanism: %s", why);
	json_decref(res);
}

int main(void)
{
	struct remote_flush rf;
	char *log = slurp(fixture_path("pvm-guest/boot-log.txt"));
	char why[512];

	ok(log != NULL, "read the PVM guest's boot log");
	remote_flush_from_text(log, NULL, false, 618, &rf);
	is_str(remote_flush_names[rf.kind], "hypercall",
	       "PVM guest: flushes by hypercall");
	ok(strstr(rf.mechanism, "PVM_HC_FLUSH_TLB_MULTI") != NULL,
	   "  named: %s", rf.mechanism);
	ok(strstr(rf.evidence, "boot log") != NULL, "  evidence: %s",
	   rf.evidence);
	free(log);

	remote_flush_from_text("[    0.097426] kvm-guest: KVM setup pv remote TLB flush\n",
			       NULL, false, 618, &rf);
	is_str(remote_flush_names[rf.kind], "partial",
	       "KVM PV flush: partial (preempted vCPUs only)");
	remote_flush_from_text("[    1.0] Hyper-V: Using hypercall for remote TLB flush\n",
			       NULL, false, 612, &rf);
	is_str(remote_flush_names[rf.kind], "hypercall", "Hyper-V: hypercall");
	remote_flush_from_text("[    0.0] Hypervisor detected: KVM\n", "PV\n",
			       false, 612, &rf);
	is_str(remote_flush_names[rf.kind], "hypercall", "Xen PV guest: hypercall");
	remote_flush_from_text("", "HVM\n", false, 612, &rf);
	is_str(remote_flush_names[rf.kind], "ipi", "Xen HVM guest: IPIs");
	remote_flush_from_text("", NULL, true, 615, &rf);
	is_str(remote_flush_names[rf.kind], "broadcast",
	       "invlpgb on 6.15: broadcast for some processes");
	remote_flush_from_text("", NULL, true, 612, &rf);
	is_str(remote_flush_names[rf.kind], "ipi",
	       "invlpgb on 6.12: the kernel does not use it");
	remote_flush_from_text("[    0.0] Hypervisor detected: KVM\n", NULL,
			       false, 612, &rf);
	is_str(remote_flush_names[rf.kind], "ipi", "nothing said: IPIs");

	/* Real results of the PVM guest: 1.0 requests, 0.0 TLB IPIs per op */
	judge_fixture("pvm-guest/shootdown-munmap.json", RF_HYPERCALL, "unknown",
		      "PVM munmap, busy victim: not IPIs, from the measurement alone");
	judge_fixture("pvm-guest/shootdown-munmap.json", RF_HYPERCALL, "ipi",
		      "  and even where the system said nothing");
	/* membarrier requests no flush: the system's word decides */
	judge_fixture("pvm-guest/membarrier-sync-core.json", RF_HYPERCALL,
		      "hypercall", "PVM membarrier: n/a on a hypercall machine");
	judge_fixture("pvm-guest/membarrier-sync-core.json", RF_IPI, "ipi",
		      "membarrier where flushes are IPIs: measured");
	/* An IPI machine's munmap with a busy victim (this VM, idle) */
	is_int(remote_flush_judge("ipi", 1.0, 0.999, 1.0, "M", why, sizeof(why)),
	       RF_IPI, "IPI machine munmap: TLB IPIs measured");
	is_int(remote_flush_judge("hypercall", 1.0, 0.999, 1.0, "M", why, sizeof(why)),
	       RF_IPI, "  the measurement wins over a wrong system verdict");
	is_int(remote_flush_judge("partial", 0.972, 0.95, 1.0, "M", why, sizeof(why)),
	       RF_IPI, "KVM PV guest, victim's vCPU running: IPIs");

	is_int(remote_flush_judge("partial", 1.0, 0.4, 1.0, "M", why, sizeof(why)),
	       RF_PARTIAL, "0.4 IPIs per request: partial");
	ok(strstr(why, "0.4") && strstr(why, "M"), "  with a note: %s", why);
	is_int(remote_flush_judge("partial", NAN, 0.0, 1.0, "M", why, sizeof(why)),
	       RF_PARTIAL, "no tracepoints on a KVM PV guest: partial, noted");
	is_int(remote_flush_judge("ipi", NAN, 0.0, 1.0, "M", why, sizeof(why)),
	       RF_IPI, "no tracepoints, no flush, IPI machine: measured zero");
	is_int(remote_flush_judge("ipi", 0.05, 0.0, 1.0, "M", why, sizeof(why)),
	       RF_IPI, "too few requests to judge: the system decides");
	is_int(remote_flush_judge("ipi", 1.0, 0.0, NAN, "M", why, sizeof(why)),
	       RF_IPI, "idle (lazy) victim: requests skipped by design, not a hypercall");
	is_int(remote_flush_judge("ipi", 1.0, 0.0, 0.5, "M", why, sizeof(why)),
	       RF_IPI, "a busy victim off its CPU half the time: not judged");
	is_int(remote_flush_judge("partial", 1.0, 0.02, 1.0, "M", why, sizeof(why)),
	       RF_PARTIAL, "KVM PV guest, victim's vCPU preempted: partial, never n/a");
	judge_fixture("pvm-guest/exec-exit-walk-exit.json", RF_HYPERCALL,
		      "hypercall", "PVM walk-exit (no busy victim): the system decides");
	return done_testing();
}
