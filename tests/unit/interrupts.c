// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/interrupts parsing on real samples (tests/fixtures/interrupts/,
 * see capture-interrupts.sh there) and on edge cases.
 */
#include <unistd.h>

#include "internal.h"
#include "tap.h"

static long kind_total(const struct ipi_kinds *k, const char *kind)
{
	for (int i = 0; i < k->n; i++)
		if (!strcmp(k->k[i].kind, kind))
			return (long)k->k[i].total;
	return -1;
}

static int load(const char *name, struct irq_table *t)
{
	return ok(!irq_read(fixture_path(name), t), "parse %s", name);
}

static void x86_two_cpus(void)
{
	struct irq_table t;
	struct ipi_kinds k;
	const struct irq_row *r;

	if (!load("interrupts/x86_64-6.18-2cpu.txt", &t))
		return;
	is_int(t.ncpus, 2, "two columns");
	is_int(t.cpu[1], 1, "second column is CPU1");
	r = irq_find(&t, "CAL");
	ok(r && r->count[0] == 817696 && r->count[1] == 462899,
	   "CAL per CPU");
	is_str(r ? r->desc : NULL, "Function call interrupts", "CAL text");
	r = irq_find(&t, "ERR");
	ok(r && r->ncount == 1 && r->total == 0, "ERR has one number");
	r = irq_find(&t, "24");
	ok(r && r->ncount == 2 && r->total == 1, "device row counts");
	is_str(r ? r->desc : NULL, "IO-APIC   5-edge      ACPI:Ged",
	       "device row keeps its chip and name");
	irq_ipi_kinds(&t, &k);
	is_int(kind_total(&k, "tlb"), 5517 + 72745, "tlb kind = TLB row");
	/* CAL counts call-function interrupts, those that carried flushes too */
	is_int(kind_total(&k, "call"), 817696 + 462899, "call kind = CAL");
	is_int(kind_total(&k, "resched"), 10776 + 11032, "resched kind");
	is_int(kind_total(&k, "irq_work"), 140, "irq_work kind");
	is_int(k.total, 10776 + 11032 + 817696 + 462899 + 140,
	       "all IPIs = RES + CAL + IWI");
	ok(!k.tlb_hw_broadcast, "x86 has TLB IPIs");
	is_int(kind_total(&k, "timer"), -1, "LOC is not an IPI");
	irq_free(&t);
}

static void x86_offline(void)
{
	struct irq_table t;

	if (!load("interrupts/x86_64-6.18-cpu1-offline.txt", &t))
		return;
	is_int(t.ncpus, 1, "offline CPU1 is absent");
	ok(irq_find(&t, "CAL") && irq_find(&t, "CAL")->total == 817705,
	   "CAL of the one online CPU");
	irq_free(&t);
}

/* Debian's 6.12 under qemu, 128 vCPUs, CPUs 3, 17 and 127 offline. */
static void x86_many(void)
{
	struct irq_table t;
	struct ipi_kinds k;
	bool has3 = false, has17 = false;

	if (!load("interrupts/x86_64-6.12-128cpu-offline.txt", &t))
		return;
	is_int(t.ncpus, 125, "125 columns: three CPUs offline");
	for (int i = 0; i < t.ncpus; i++) {
		has3 |= t.cpu[i] == 3;
		has17 |= t.cpu[i] == 17;
	}
	ok(!has3 && !has17, "offline CPUs 3 and 17 are not columns");
	is_int(t.cpu[3], 4, "the column after CPU2 is CPU4");
	is_int(t.cpu[t.ncpus - 1], 126, "the last column is CPU126");
	/* totals below summed with awk over the file, independently */
	is_int(irq_find(&t, "RES")->total, 1421, "RES over 125 CPUs");
	is_int(irq_find(&t, "CAL")->total, 14232, "CAL over 125 CPUs");
	is_int(irq_find(&t, "CAL")->count[2], 248, "CAL of CPU2");
	is_int(irq_find(&t, "CAL")->ncount, 125, "every CAL column read");
	irq_ipi_kinds(&t, &k);
	is_int(kind_total(&k, "call"), 14232, "call = CAL");
	irq_free(&t);
}

/* Debian's arm64 6.12 under qemu virt, 32 vCPUs, CPUs 3, 17, 31 offline. */
static void arm64_612(void)
{
	struct irq_table t;
	struct ipi_kinds k;

	if (!load("interrupts/arm64-6.12-32cpu-offline.txt", &t))
		return;
	is_int(t.ncpus, 29, "29 columns: three CPUs offline");
	is_int(t.cpu[3], 4, "CPU3 absent");
	is_int(t.cpu[t.ncpus - 1], 30, "the last column is CPU30");
	is_str(irq_find(&t, "IPI1")->desc, "Function call interrupts",
	       "IPI1 text");
	is_int(irq_find(&t, "IPI1")->count[3], 138, "IPI1 of CPU4");
	ok(irq_find(&t, "Err") && irq_find(&t, "Err")->ncount == 1,
	   "Err has one number");
	irq_ipi_kinds(&t, &k);
	/* totals summed with awk over the file */
	is_int(kind_total(&k, "call"), 3655, "call by name");
	is_int(kind_total(&k, "resched"), 489, "resched by name");
	is_int(kind_total(&k, "backtrace"), 5, "6.12's CPU backtrace IPI");
	is_int(kind_total(&k, "cpu_stop_nmi"), 0, "6.12's stop NMI is a kind");
	is_int(kind_total(&k, "tlb"), -1, "no TLB kind on arm64");
	ok(k.tlb_hw_broadcast, "arm64 flushes by broadcast: TLB IPIs do not apply");
	is_int(k.total, 489 + 3655 + 5, "all IPIs");
	irq_free(&t);
}

/* Debian's arm64 6.1: another IPI name set, same kinds by name. */
static void arm64_61(void)
{
	struct irq_table t;
	struct ipi_kinds k;

	if (!load("interrupts/arm64-6.1-6cpu-offline.txt", &t))
		return;
	is_int(t.ncpus, 4, "4 columns: CPUs 3 and 5 offline");
	is_int(t.cpu[3], 4, "last column CPU4");
	irq_ipi_kinds(&t, &k);
	is_int(kind_total(&k, "call"), 407 + 214 + 114 + 138, "6.1 call");
	is_int(kind_total(&k, "resched"), 6 + 23 + 16 + 3, "6.1 resched");
	is_int(kind_total(&k, "cpu_stop_crash"), 0, "6.1's crash-dump stop");
	is_int(kind_total(&k, "wakeup"), 0, "6.1's wake-up IPI");
	ok(k.tlb_hw_broadcast, "no TLB IPIs on arm64 6.1 either");
	irq_free(&t);
}

static void delta(void)
{
	const char *a = "   CPU0  CPU1\nCAL:  10  20  Function call interrupts\n"
			"TLB:  1  2  TLB shootdowns\nRES: 5 5 Rescheduling interrupts\n";
	const char *b = "   CPU0  CPU1\nCAL:  15  30  Function call interrupts\n"
			"TLB:  1  9  TLB shootdowns\nRES: 5 6 Rescheduling interrupts\n"
			"NEW: 7 7 Appeared later\n";
	struct irq_table ta, tb;
	struct ipi_kinds k;
	json_t *d;

	ok(!irq_parse(a, &ta) && !irq_parse(b, &tb), "parse two snapshots");
	irq_ipi_delta(&ta, &tb, &k);
	is_int(kind_total(&k, "tlb"), 7, "delta tlb");
	is_int(kind_total(&k, "call"), 15, "delta call: CAL's own");
	is_int(kind_total(&k, "resched"), 1, "delta resched");
	is_int(k.total, 16, "delta total");
	d = irq_delta_json(&ta, &tb);
	is_int(json_integer_value(json_object_get(d, "CAL")), 15, "row delta CAL");
	is_int(json_integer_value(json_object_get(d, "RES")), 1,
	       "row delta RES");
	ok(!json_object_get(d, "NEW"), "a row absent before has no delta");
	json_decref(d);
	irq_free(&ta);
	irq_free(&tb);
}

/*
 * Per-CPU counters are 32 bits and wrap one CPU at a time: CPU1's CAL goes
 * 4294967290 -> 5 (+11) while CPU0's grows by 100, and TLB wraps by 4.
 * A delta of row totals would read CAL as 0 (the total went down).
 */
static void wrap(void)
{
	struct irq_table ta, tb, tc;
	struct ipi_kinds k;
	json_t *d;
	const char *one = "   CPU0\nCAL:  817800  Function call interrupts\n"
			  "TLB:  5520  TLB shootdowns\n";

	if (!load("interrupts/x86_64-6.18-2cpu-wrap-before.txt", &ta) ||
	    !load("interrupts/x86_64-6.18-2cpu-wrap-after.txt", &tb))
		return;
	irq_ipi_delta(&ta, &tb, &k);
	is_int(kind_total(&k, "tlb"), 4, "TLB wrapped on CPU1: +4");
	is_int(kind_total(&k, "call"), 100 + 11,
	       "CAL wrapped on CPU1, grew on CPU0: +111");
	d = irq_delta_json(&ta, &tb);
	is_int(json_integer_value(json_object_get(d, "CAL")), 111,
	       "row delta CAL across the wrap");
	json_decref(d);
	/* CPU1 went offline: only CPU0's columns pair */
	ok(!irq_parse(one, &tc), "parse a one-CPU snapshot");
	irq_ipi_delta(&tb, &tc, &k);
	is_int(kind_total(&k, "tlb"), 3, "CPU1 offline: CPU0's +3 only");
	irq_free(&ta);
	irq_free(&tb);
	irq_free(&tc);
}

/*
 * A flush queued to a polling idle CPU runs without an IPI: TLB moves, CAL
 * does not.  Four flush runs are not four IPIs (CAL - TLB once printed
 * tlb=4 call=0 ipis=4).
 */
static void flush_without_ipi(void)
{
	const char *a = "   CPU0  CPU1\nCAL:  10  20  Function call interrupts\n"
			"TLB:  1  2  TLB shootdowns\n";
	const char *b = "   CPU0  CPU1\nCAL:  10  20  Function call interrupts\n"
			"TLB:  1  6  TLB shootdowns\n";
	struct irq_table ta, tb;
	struct ipi_kinds k;

	ok(!irq_parse(a, &ta) && !irq_parse(b, &tb), "parse two snapshots");
	irq_ipi_delta(&ta, &tb, &k);
	is_int(kind_total(&k, "tlb"), 4, "four flush-function runs");
	is_int(kind_total(&k, "call"), 0, "no call-function interrupt");
	is_int(k.total, 0, "no IPI received at all");
	irq_free(&ta);
	irq_free(&tb);
}

/*
 * The snapshot path: rows read only where their text moved, numbers read
 * only where they differ, and a reread into the same buffers.  Every
 * delta as a whole parse of both gives.
 */
static void reread(void)
{
	/* 4 CPUs, fixed-width as the kernel prints; a queue on CPU2 only */
	const char *a = "       CPU0       CPU1       CPU2       CPU3\n"
		" 24:          5          0         99          0  PCI-MSIX nvme0q1\n"
		" 25:          1          1          1          1  PCI-MSIX 1-edge eth0-7\n"
		"CAL:        100        200 4294967295          7  Function call interrupts\n"
		"ERR:          3\n";
	const char *b = "       CPU0       CPU1       CPU2       CPU3\n"
		" 24:          5          0        104          0  PCI-MSIX nvme0q1\n"
		" 25:          1          1          1          1  PCI-MSIX 2-edge eth0-8\n"
		"CAL:        101        200          2          7  Function call interrupts\n"
		"ERR:          5\n";
	/* not fixed width: a number grew a digit, the line got longer */
	const char *c = "   CPU0  CPU1\nRES:  9  1  Rescheduling interrupts\n";
	const char *d = "   CPU0  CPU1\nRES:  10  1  Rescheduling interrupts\n";
	char pa[] = "/tmp/mmb-irq-XXXXXX", pb[] = "/tmp/mmb-irq-XXXXXX";
	int fa = mkstemp(pa), fb = mkstemp(pb);
	struct irq_table ta = { 0 }, tb = { 0 }, tc, td;
	struct ipi_kinds k;
	json_t *j;

	ok(fa >= 0 && fb >= 0 && write(fa, a, strlen(a)) == (ssize_t)strlen(a) &&
	   write(fb, b, strlen(b)) == (ssize_t)strlen(b), "two snapshots on disk");
	for (int round = 0; round < 2; round++) {
		ok(!irq_reread(fa, &ta) && !irq_reread(fb, &tb),
		   "reread both into their buffers, round %d", round + 1);
		ok(!tb.row[0].parsed && tb.row[2].parsed,
		   "  a device row indexed, not parsed; an IPI row parsed");
		j = irq_delta_json(&ta, &tb);
		is_int(json_integer_value(json_object_get(j, "24")), 5,
		       "  the queue's row: +5, one number read");
		ok(!json_object_get(j, "25"),
		   "  a row whose text moved after its counts (description): no delta");
		is_int(json_integer_value(json_object_get(j, "CAL")), 1 + 3,
		       "  CAL: +1, and CPU2 wrapped 4294967295 -> 2 (+3)");
		is_int(json_integer_value(json_object_get(j, "ERR")), 2,
		       "  ERR: one number, +2");
		json_decref(j);
		irq_ipi_delta(&ta, &tb, &k);
		is_int(kind_total(&k, "call"), 4, "  the same delta through the kinds");
		ok(!tb.row[0].parsed, "  the unchanged columns of a moved row were not parsed");
	}
	ok(!irq_parse(c, &tc) && !irq_parse(d, &td), "parse a pair of another width");
	irq_ipi_delta(&tc, &td, &k);
	is_int(kind_total(&k, "resched"), 1, "a number past its width: +1 all the same");
	irq_free(&ta);
	irq_free(&tb);
	irq_free(&tc);
	irq_free(&td);
	close(fa);
	close(fb);
	unlink(pa);
	unlink(pb);
}

static void malformed(void)
{
	struct irq_table t;

	ok(irq_parse("", &t) == -1, "empty text is an error");
	ok(irq_parse("LOC: 1 2\n", &t) == -1, "no header is an error");
	ok(!irq_parse("  CPU0\nXYZ\n  5: 3 text\n", &t) && t.nrows == 1,
	   "a line without a label is skipped");
	irq_free(&t);
	ok(!irq_parse("  CPU0 CPU1 CPU2\n  9: 1 2\n", &t) &&
	   t.row[0].ncount == 2, "a short row keeps what it has");
	irq_free(&t);
}

static void arm64_names(void)
{
	is_str(irq_kind_of("IPI1", "Function call interrupts"), "call",
	       "arm64 call by name");
	is_str(irq_kind_of("IPI5", "Function call interrupts"), "call",
	       "arm64 by name, whatever the index");
	is_str(irq_kind_of("IPI6", "CPU wake-up interrupts"), "wakeup",
	       "6.1 wake-up");
	is_str(irq_kind_of("IPI3", "CPU stop NMIs"), "cpu_stop_nmi",
	       "6.12 stop NMI");
	is_str(irq_kind_of("IPI9", "Some new interrupts"), "some_new",
	       "an unknown IPI is named after its text");
	ok(!irq_kind_of("11", "GICv3  27 Level     arch_timer"),
	   "device rows are not IPIs");
}

int main(void)
{
	x86_two_cpus();
	x86_offline();
	x86_many();
	arm64_612();
	arm64_61();
	delta();
	wrap();
	flush_without_ipi();
	reread();
	malformed();
	arm64_names();
	return done_testing();
}
