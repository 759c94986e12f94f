// SPDX-License-Identifier: GPL-2.0
/*
 * How this machine delivers remote TLB flushes, so a TLB IPI count of zero
 * is never printed where the flush was a hypercall.
 *
 * On bare-metal x86 a remote flush is a call-function IPI that the TLB row
 * of /proc/interrupts counts.  Many guests replace it (pv_ops.mmu.
 * flush_tlb_multi): PVM and Hyper-V flush every target CPU by hypercall,
 * Xen PV too; KVM's PV flush skips only the preempted vCPUs (the host
 * flushes them at their next entry); AMD's INVLPGB (6.15+) broadcasts the
 * flush for processes with a global ASID.  Lutomirski names the case in
 * the hazard-pointer series: there the exit-time flush no longer reaches
 * lazy CPUs by IPI, which changes what shoot-lazies costs.
 *
 * Two sources, the measurement first: flush requests counted by
 * tlb:tlb_flush reason remote_ipi_send (traced before the pv op decides
 * how to flush) against TLB IPIs received.  What the system says (boot
 * log, /sys/hypervisor, cpuinfo) names the mechanism and decides where an
 * op requests no flush of its own.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include "internal.h"

#define MECH_HYPERV "Hyper-V hypercall flush (HvFlushVirtualAddressList): no remote flush is an IPI"
#define MECH_KVM "KVM PV TLB flush: preempted vCPUs are flushed by the host at their next entry, without an IPI; running ones get IPIs"

static const struct {
	const char *needle;	/* in the boot log */
	enum remote_flush_kind kind;
	const char *mechanism;
} boot_signs[] = {
	{ "remote TLB flushes via PVM_HC_FLUSH_TLB_MULTI", RF_HYPERCALL,
	  "PVM hypercall flush (PVM_HC_FLUSH_TLB_MULTI): no remote flush is an IPI" },
	{ "Using hypercall for remote TLB flush", RF_HYPERCALL, MECH_HYPERV },
	{ "KVM setup pv remote TLB flush", RF_PARTIAL, MECH_KVM },
};

const char *const remote_flush_names[] = {
	[RF_IPI] = "ipi",
	[RF_HYPERCALL] = "hypercall",
	[RF_PARTIAL] = "partial",
	[RF_BROADCAST] = "broadcast",
};

void remote_flush_from_text(const char *bootlog, const char *xen_guest_type,
			    bool invlpgb, int kernel_version,
			    struct remote_flush *rf)
{
	memset(rf, 0, sizeof(*rf));
	rf->kind = RF_IPI;
	snprintf(rf->mechanism, sizeof(rf->mechanism),
		 "IPIs (no hypercall or broadcast flush found in the boot log, /sys/hypervisor or cpuinfo)");
	for (size_t i = 0; bootlog && i < ARRAY_SIZE(boot_signs); i++) {
		if (!strstr(bootlog, boot_signs[i].needle))
			continue;
		rf->kind = boot_signs[i].kind;
		snprintf(rf->mechanism, sizeof(rf->mechanism), "%s",
			 boot_signs[i].mechanism);
		snprintf(rf->evidence, sizeof(rf->evidence),
			 "boot log: \"%s\"", boot_signs[i].needle);
		return;
	}
	if (xen_guest_type && !strncmp(xen_guest_type, "PV", 2) &&
	    (xen_guest_type[2] == '\0' || xen_guest_type[2] == '\n')) {
		rf->kind = RF_HYPERCALL;
		snprintf(rf->mechanism, sizeof(rf->mechanism),
			 "Xen PV hypercall flush (MMUEXT_TLB_FLUSH_MULTI): no remote flush is an IPI");
		snprintf(rf->evidence, sizeof(rf->evidence),
			 "/sys/hypervisor/guest_type: PV");
		return;
	}
	/* x86/mm: broadcast TLB invalidation, merged for 6.15 */
	if (invlpgb && kernel_version >= 615) {
		rf->kind = RF_BROADCAST;
		snprintf(rf->mechanism, sizeof(rf->mechanism),
			 "INVLPGB broadcast flush for processes with a global ASID (kernel 6.15+); IPIs for the rest");
		snprintf(rf->evidence, sizeof(rf->evidence),
			 "cpuinfo flag invlpgb, kernel %d.%d", kernel_version / 100,
			 kernel_version % 100);
	}
}

/*
 * Where the boot log has wrapped away: what the hypervisor offers, from
 * its CPUID leaves.  KVM: KVM_FEATURE_PV_TLB_FLUSH (leaf 0x40000001, EAX
 * bit 9), which the guest takes unless KVM_HINTS_REALTIME (EDX bit 0) or
 * there is no steal time (EAX bit 5).  Hyper-V:
 * HV_X64_REMOTE_TLB_FLUSH_RECOMMENDED (leaf 0x40000004, EAX bit 2).  An
 * offer, not proof the kernel took it: the evidence says so.
 */
static bool cpuid_flush(struct remote_flush *rf)
{
#if defined(__x86_64__)
	unsigned int a, b, c, d;
	char sig[13] = "";

	__cpuid(1, a, b, c, d);
	if (!(c & (1u << 31)))
		return false;	/* no hypervisor */
	__cpuid(0x40000000, a, b, c, d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	if (!strcmp(sig, "KVMKVMKVM") && a >= 0x40000001) {
		__cpuid(0x40000001, a, b, c, d);
		if ((a & (1u << 9)) && (a & (1u << 5)) && !(d & 1u)) {
			rf->kind = RF_PARTIAL;
			snprintf(rf->mechanism, sizeof(rf->mechanism), "%s",
				 MECH_KVM);
			snprintf(rf->evidence, sizeof(rf->evidence),
				 "CPUID: KVM offers PV TLB flush (KVM_FEATURE_PV_TLB_FLUSH); the boot log did not say whether the kernel took it");
			return true;
		}
	} else if (!strcmp(sig, "Microsoft Hv") && a >= 0x40000004) {
		__cpuid(0x40000004, a, b, c, d);
		if (a & (1u << 2)) {
			rf->kind = RF_HYPERCALL;
			snprintf(rf->mechanism, sizeof(rf->mechanism), "%s",
				 MECH_HYPERV);
			snprintf(rf->evidence, sizeof(rf->evidence),
				 "CPUID: Hyper-V recommends hypercall remote TLB flush; the boot log did not say whether the kernel took it");
			return true;
		}
	}
#endif
	return false;
}

/* The kernel's ring buffer; NULL without CAP_SYSLOG (then: unknown). */
static char *read_bootlog(void)
{
	int len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *buf;

	if (len <= 0)
		return NULL;
	buf = malloc(len + 1);
	if (!buf)
		return NULL;
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, len);
	if (len < 0) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

json_t *remote_flush_json(const json_t *sys)
{
	struct remote_flush rf;
	char *log = NULL, xen[16] = "";
	int a = 0, b = 0;
	bool have_log;
	FILE *f;

	if (strcmp(mmb_arch(), "x86_64"))
		return json_pack("{s:s, s:s}", "delivery", "broadcast",
				 "mechanism", "hardware broadcast TLB invalidation (TLBI ...IS): no TLB IPIs exist");
	log = read_bootlog();
	f = fopen("/sys/hypervisor/guest_type", "r");
	if (f) {
		if (!fgets(xen, sizeof(xen), f))
			xen[0] = '\0';
		fclose(f);
	}
	sscanf(mmb_jstr(sys, "kernel.release"), "%d.%d", &a, &b);
	remote_flush_from_text(log, xen, json_is_true(json_object_get(
		json_object_get(sys, "cpu_flags"), "invlpgb")), a * 100 + b, &rf);
	have_log = log != NULL;
	free(log);
	/* the boot log wraps on a machine up for long: ask the hypervisor */
	if (rf.kind == RF_IPI && !cpuid_flush(&rf) && !have_log)
		return json_pack("{s:s, s:s}", "delivery", "unknown", "mechanism",
				 "unknown: the boot log is not readable (needs CAP_SYSLOG); the measurement decides");
	return json_pack("{s:s, s:s, s:s}", "delivery",
			 remote_flush_names[rf.kind], "mechanism", rf.mechanism,
			 "evidence", rf.evidence[0] ? rf.evidence :
			 "boot log, /sys/hypervisor/guest_type, cpuinfo flags");
}

/*
 * A result's verdict.  requests: remote flushes requested per op (NAN
 * when the tracepoint pass did not run); received: TLB IPIs received per
 * op; busy: the least on-CPU share of busy victims (NAN without any).
 * The measurement judges only with busy victims: a lazy (idle) CPU in
 * mm_cpumask gets a flush request traced and then no IPI by design
 * (flush_tlb_multi skips it), which would read as a hypercall.  Below 0.2
 * requests per op the op flushes nobody remote and cannot tell either.
 * From there on, fewer than one IPI for ten requests means the flushes
 * went another way; where the system says only some flushes are
 * hypercalls (KVM PV: preempted vCPUs), the verdict is at most partial.
 */
enum remote_flush_kind remote_flush_judge(const char *delivery,
					  double requests, double received,
					  double busy, const char *mechanism,
					  char *why, size_t len)
{
	bool measured = requests == requests && requests >= 0.2 &&
			busy == busy && busy >= 0.9;
	bool some = !strcmp(delivery, "partial") ||
		    !strcmp(delivery, "broadcast");

	if (measured && received < 0.1 * requests && !some) {
		snprintf(why, len,
			 "not applicable: remote TLB flushes here are not IPIs (%.3g flush requests per op by tlb:tlb_flush remote_ipi_send to busy victims, %.3g TLB IPIs received per op); %s",
			 requests, received, mechanism);
		return RF_HYPERCALL;
	}
	if (measured && received >= 0.9 * requests)
		return RF_IPI;
	if (!strcmp(delivery, "hypercall") && !measured) {
		snprintf(why, len,
			 "not applicable: remote TLB flushes on this machine are not IPIs; %s",
			 mechanism);
		return RF_HYPERCALL;
	}
	if (some || measured) {
		if (measured)
			snprintf(why, len,
				 "TLB IPIs as measured, but not every remote flush is one here (%.3g requests, %.3g IPIs per op): %s",
				 requests, received, mechanism);
		else
			snprintf(why, len,
				 "TLB IPIs as measured, but not every remote flush is one here: %s",
				 mechanism);
		return RF_PARTIAL;
	}
	return RF_IPI;
}
