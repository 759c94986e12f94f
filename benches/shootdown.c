// SPDX-License-Identifier: GPL-2.0
/*
 * mmb-shootdown: what a TLB shootdown costs the CPU that asks for it.
 *
 * The initiator unmaps (munmap), zaps (MADV_DONTNEED) or write-protects
 * (mprotect) --pages pages of a private anonymous region, which makes the
 * kernel flush that range on every other CPU that may cache it: on x86 an
 * IPI to each CPU in mm_cpumask that is not lazy (and to lazy ones too when
 * page tables are freed); on arm64 a broadcast TLBI and no IPI at all.
 *
 * Victims are threads of the same process on the victim CPUs:
 *  busy  - they run in user space with the mm loaded, reading the region
 *          (their TLBs really hold its entries); for munmap they read a
 *          buffer of their own, since the region disappears under them
 *  idle  - they block in the kernel, so their CPUs go idle with the mm
 *          loaded lazily: the case lazy-TLB strategies treat differently
 *
 * Each op is preceded by untimed work that makes the flush real: the region
 * is mapped and written (munmap), or written again (madvise, mprotect, after
 * mprotect puts write access back).  latency_ns covers the flushing call
 * only; IPI counts cover the whole batch, so they include what preparing
 * flushes: for mprotect the restoring call, for madvise with busy victims
 * the write that replaces the zero page a victim's read mapped (a COW
 * break, flushed) - about 2 IPIs per op where munmap shows 1.  The result
 * says so in params.ipis_include_prepare.
 *
 * --pages runs from 1 to past the kernel's single-page flush ceiling
 * (x86: tlb_single_page_flush_ceiling, 33 by default), beyond which the
 * kernel flushes the whole TLB instead of page by page.
 *
 * Page-table freeing (the *-tables variants and collapse).  A flush that
 * frees page tables must reach lazy CPUs as well: one may walk the old
 * tables speculatively, and lockless walkers (GUP-fast) rely on the IPI,
 * or on RCU, before a table is reused.  On x86 a lazy CPU that gets such a
 * flush switches to init_mm and is no longer lazy on the mm, so idle
 * victims of these variants wake, run a moment on their CPU and sleep
 * again before every op (untimed, but its wake-ups are IPIs: reschedule
 * or, queued to the wakee's CPU, call-function-single ones): each op
 * finds them lazy.  So the flushes are counted by the function the
 * cross-call runs: tp_flush_tlb_func_per_op (x86), the CPUs that ran
 * flush_tlb_func() for the op through flush_tlb_multi() (the initiator
 * among them when the flush went to any other CPU; alone, it flushes by
 * a direct call, which is not counted).  The region is whole, aligned page
 * tables (--pages rounded up; 2 MiB each with 4 KiB pages), between two
 * PROT_NONE guards that end on table boundaries, so nothing else shares
 * a table.
 *  munmap-tables  - munmap frees the tables (free_pgtables()): the flush
 *                   has freed_tables set on every kernel
 *  madvise-tables - MADV_DONTNEED empties them; the kernel frees empty
 *                   tables there only with PT_RECLAIM (x86 since 6.14)
 *  collapse       - MADV_COLLAPSE of one table's worth of small pages into
 *                   a huge page: khugepaged's path, which flushes the PMD
 *                   and then cross-calls every online CPU, lazy, idle or
 *                   in another mm, through tlb_remove_table_sync_one()
 *                   (counted apart: tp_table_sync_per_op)
 * Measured once at set-up and recorded, not assumed: how many tables one
 * op frees (VmPTE before and after a trial op), and the table-free mode
 * (tlb_remove_table_rcu() in kallsyms: freed after an RCU grace period,
 * else straight after the flush).
 *
 * Left out on purpose: huge pages elsewhere (buffers are MADV_NOHUGEPAGE),
 * file-backed mappings, and victims in other processes (they would not
 * share the mm).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "mmb.h"

/* Linux 6.1's; Debian 12's glibc headers predate it */
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif

static long pages = 1;
static int victim_state;	/* 0 busy, 1 idle */
static const char *const states[] = { "busy", "idle", NULL };

/* One initiator's memory: with --initiators each has its own. */
struct mem {
	char *region;		/* the region ops act on */
	size_t region_len;
	char *own;		/* busy munmap victims read this */
	size_t next;		/* tlb_flush2: the page the next op takes */
	/* the tables variants */
	char *window;		/* region and its PROT_NONE guards */
	size_t window_len;
	char *at;		/* where in it the region goes: table-aligned */
};

static bool tables_variant(const struct mmb_run *r)
{
	const char *n = mmb_variant(r)->name;

	return strstr(n, "-tables") || !strcmp(n, "collapse");
}

/* What one PTE table maps: a page of entries, 8 bytes each. */
static size_t table_span(void)
{
	return mmb_page_size() / sizeof(uint64_t) * mmb_page_size();
}

static void touch(char *p, size_t len)
{
	size_t ps = mmb_page_size();

	for (size_t off = 0; off < len; off += ps)
		((volatile char *)p)[off] = 1;
}

static void victim(struct mmb_task *t)
{
	struct mmb_run *r = mmb_task_run(t);
	struct mem *m = mmb_priv(r);
	size_t ps = mmb_page_size();
	bool mm = !strncmp(mmb_variant(r)->name, "munmap", 6);
	const volatile char *p = mm ? m->own : m->region;
	size_t len = mm ? ps : m->region_len;
	unsigned long sum = 0;

	if (victim_state == 1) {
		mmb_task_park(t);
		return;
	}
	while (!mmb_task_stopping(t)) {
		for (size_t off = 0; off < len; off += ps)
			sum += p[off];
	}
	(void)sum;
}

static void teardown(struct mmb_run *r);

static int setup_common(struct mmb_run *r, bool map)
{
	struct mem *m = mmb_priv(r);

	m->region_len = (size_t)pages * mmb_page_size();
	m->own = mmb_map(r, mmb_page_size(), MAP_POPULATE);
	if (!m->own)
		goto nomem;
	if (!map)
		return 0;
	m->region = mmb_map(r, m->region_len, 0);
	if (!m->region)
		goto nomem;
	touch(m->region, m->region_len);
	return 0;
nomem:
	mmb_error(r, "mapping %zu bytes: %s", m->region_len, strerror(errno));
	teardown(r);
	return -1;
}

static int setup_mapped(struct mmb_run *r)
{
	return setup_common(r, true);
}

/* Minimal kernels (tinyconfig guests) may leave madvise() out. */
static int setup_madvise(struct mmb_run *r)
{
	struct mem *m = mmb_priv(r);
	int e = setup_common(r, true);

	if (e || !madvise(m->region, m->region_len, MADV_DONTNEED) ||
	    errno != ENOSYS)
		return e;
	mmb_error(r, "skipped: this kernel has no madvise() (CONFIG_ADVISE_SYSCALLS=n)");
	teardown(r);
	return MMB_EXIT_SKIP;
}

static int setup_unmapped(struct mmb_run *r)
{
	return setup_common(r, false);
}

static int munmap_prepare(struct mmb_run *r)
{
	struct mem *m = mmb_priv(r);

	m->region = mmb_map(r, m->region_len, 0);
	if (!m->region)
		return -errno;
	touch(m->region, m->region_len);
	return 0;
}

static int munmap_op(struct mmb_run *r)
{
	struct mem *m = mmb_priv(r);
	int ret = munmap(m->region, m->region_len) ? -errno : 0;

	m->region = NULL;
	return ret;
}

static int touch_prepare(struct mmb_run *r)
{
	struct mem *m = mmb_priv(r);

	touch(m->region, m->region_len);
	return 0;
}

static int madvise_op(struct mmb_run *r)
{
	struct mem *m = mmb_priv(r);

	return madvise(m->region, m->region_len, MADV_DONTNEED) ? -errno : 0;
}

static int mprotect_prepare(struct mmb_run *r)
{
	struct mem *m = mmb_priv(r);

	if (mprotect(m->region, m->region_len, PROT_READ | PROT_WRITE))
		return -errno;
	touch(m->region, m->region_len);
	return 0;
}

static int mprotect_op(struct mmb_run *r)
{
	struct mem *m = mmb_priv(r);

	return mprotect(m->region, m->region_len, PROT_READ) ? -errno : 0;
}

/*
 * will-it-scale's tlb_flush2, op for op (its iteration): map 1 MiB of
 * private anonymous memory; then for each page, write it, zap it with
 * MADV_DONTNEED and read it back (the zero page: the write really went);
 * unmap when every page has had its turn.  The remap is inside the op
 * that wraps around, as it is inside will-it-scale's timed loop.  With
 * --initiators as threads every op flushes every other CPU that runs the
 * mm: the other initiators.  The posting: the other side of the trade-off
 * raised against the 2024 lazy-mm hazard-pointer series (a per-CPU
 * mm_cpumask that sped up context_switch1_threads cost tlb_flush2_threads
 * 33%); the 6.15 INVLPGB series measured it too.  No victims: the
 * initiators are each other's.
 */
#define TLB_FLUSH2_BYTES (1u << 20)

static int tlb_flush2_setup(struct mmb_run *r)
{
	struct mem *m = mmb_priv(r);

	m->region_len = TLB_FLUSH2_BYTES;
	m->region = mmb_map(r, m->region_len, 0);
	if (!m->region) {
		mmb_error(r, "mapping 1 MiB: %s", strerror(errno));
		return -1;
	}
	if (!madvise(m->region, mmb_page_size(), MADV_DONTNEED) ||
	    errno != ENOSYS)
		return 0;
	mmb_error(r, "skipped: this kernel has no madvise() (CONFIG_ADVISE_SYSCALLS=n)");
	teardown(r);
	return MMB_EXIT_SKIP;
}

static int tlb_flush2_op(struct mmb_run *r)
{
	struct mem *m = mmb_priv(r);
	size_t ps = mmb_page_size();
	volatile char *p;

	if (m->next == m->region_len) {
		munmap(m->region, m->region_len);
		m->region = mmb_map(r, m->region_len, 0);
		if (!m->region)
			return -errno;
		m->next = 0;
	}
	p = m->region + m->next;
	*p = 1;
	if (madvise((char *)p, ps, MADV_DONTNEED))
		return -errno;
	if (*p)
		return -EFAULT;	/* the zap did not happen */
	m->next += ps;
	return 0;
}

/* Page-table bytes of the whole mm (VmPTE), or -1 */
static long vm_pte_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPTE: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

/* --pages rounded up to whole page tables */
static size_t tables_len(void)
{
	size_t span = table_span();

	return ((size_t)pages * mmb_page_size() + span - 1) / span * span;
}

/*
 * The region at its place in the window, written: over the reservation
 * the first time (MAP_FIXED: it is ours), into the hole munmap left after
 * (MAP_FIXED_NOREPLACE: should another mmap take it, this fails).
 */
static int map_tables(struct mmb_run *r, struct mem *m, int fixed)
{
	m->region = mmb_map_at(r, m->at, m->region_len, fixed);
	if (!m->region)
		return -errno;
	touch(m->region, m->region_len);
	return 0;
}

/*
 * The tables variants' region: --pages rounded up to whole tables, in a
 * PROT_NONE window with at least one table's span of guard on each side,
 * so free_pgtables() may free every table of the region and none other.
 */
static int tables_map(struct mmb_run *r, struct mem *m)
{
	size_t span = table_span();

	m->region_len = tables_len();
	m->window_len = m->region_len + 3 * span;
	m->window = mmap(NULL, m->window_len, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m->window == MAP_FAILED) {
		m->window = NULL;
		return -errno;
	}
	m->at = (char *)(((uintptr_t)m->window + 2 * span - 1) / span * span);
	return map_tables(r, m, MAP_FIXED);
}

/*
 * One trial op, before the run, in a region of its own: does the op work
 * here, and how many tables does it free (VmPTE before and after; -1 when
 * it cannot be read)?  Once per process: every initiator's is the same.
 */
static struct {
	const char *variant;	/* the one probed */
	int err;
	long freed;
} probe;

static int tables_probe(struct mmb_run *r)
{
	const char *v = mmb_variant(r)->name;
	struct mem m = { 0 };
	long before, after;
	int e;

	if (probe.variant == v)
		return probe.err;
	probe.variant = v;
	probe.freed = -1;
	e = tables_map(r, &m);
	before = vm_pte_kb();
	if (e)
		;
	else if (!strcmp(v, "munmap-tables"))
		e = munmap(m.region, m.region_len) ? -errno : 0;
	else if (!strcmp(v, "madvise-tables"))
		e = madvise(m.region, m.region_len, MADV_DONTNEED) ? -errno : 0;
	else if (madvise(m.region, m.region_len, MADV_HUGEPAGE) ||
		 madvise(m.region, m.region_len, MADV_COLLAPSE))
		e = -errno;
	after = vm_pte_kb();
	if (m.window)
		munmap(m.window, m.window_len);
	if (!e && before >= 0 && after >= 0)
		probe.freed = (before - after) * 1024 / (long)mmb_page_size();
	probe.err = e;
	return e;
}

static int tables_setup(struct mmb_run *r)
{
	struct mem *m = mmb_priv(r);
	const char *v = mmb_variant(r)->name;
	int e = tables_probe(r);

	if (e == -ENOSYS || e == -EINVAL) {
		mmb_error(r, "skipped: %s: %s (this kernel has no madvise(), or no transparent huge pages)",
			  v, strerror(-e));
		return MMB_EXIT_SKIP;
	}
	if (e) {
		mmb_error(r, "a trial %s op failed: %s", v, strerror(-e));
		return -1;
	}
	m->own = mmb_map(r, mmb_page_size(), MAP_POPULATE);
	e = m->own ? tables_map(r, m) : -errno;
	if (e) {
		mmb_error(r, "mapping %zu bytes: %s", m->region_len, strerror(-e));
		teardown(r);
		return -1;
	}
	if (!strcmp(v, "munmap-tables")) {
		munmap(m->region, m->region_len);	/* prepare maps it */
		m->region = NULL;
	} else if (!strcmp(v, "collapse") &&
		   madvise(m->region, m->region_len, MADV_HUGEPAGE)) {
		mmb_error(r, "MADV_HUGEPAGE: %s", strerror(errno));
		teardown(r);
		return -1;
	}
	return 0;
}

static int tables_prepare(struct mmb_run *r)
{
	struct mem *m = mmb_priv(r);
	int e = 0;

	if (!m->region)
		e = map_tables(r, m, MAP_FIXED_NOREPLACE);
	else
		touch(m->region, m->region_len);
	return e ? e : mmb_victims_rerun(r);
}

/*
 * Before each collapse: small pages again.  The huge page goes (a zap,
 * flushed: its IPIs are prepare's), then each page faults back in with
 * THP off for the range, which MADV_HUGEPAGE then allows again (collapse
 * refuses a VM_NOHUGEPAGE range).  The zap also moves lazy CPUs off the
 * mm, so the victims go lazy again last.
 */
static int collapse_prepare(struct mmb_run *r)
{
	struct mem *m = mmb_priv(r);

	if (madvise(m->region, m->region_len, MADV_NOHUGEPAGE) ||
	    madvise(m->region, m->region_len, MADV_DONTNEED))
		return -errno;
	touch(m->region, m->region_len);
	if (madvise(m->region, m->region_len, MADV_HUGEPAGE))
		return -errno;
	return mmb_victims_rerun(r);
}

static int collapse_op(struct mmb_run *r)
{
	struct mem *m = mmb_priv(r);

	return madvise(m->region, m->region_len, MADV_COLLAPSE) ? -errno : 0;
}

static void teardown(struct mmb_run *r)
{
	struct mem *m = mmb_priv(r);

	if (m->region && !m->window)
		munmap(m->region, m->region_len);
	if (m->own)
		munmap(m->own, mmb_page_size());
	if (m->window)	/* the region, if mapped, is inside */
		munmap(m->window, m->window_len);
	m->region = m->own = m->window = NULL;
}

/*
 * How this kernel frees page tables: after an RCU grace period (lockless
 * walkers are synced by RCU, or by tlb_remove_table_sync_one()'s IPIs),
 * or straight after the flush's IPIs.  From kallsyms, which has the RCU
 * callback only where MMU_GATHER_RCU_TABLE_FREE built it.
 */
static const char *table_free_mode(void)
{
	static const char *mode;
	char line[256], name[128];
	FILE *f;

	if (mode)
		return mode;
	f = fopen("/proc/kallsyms", "r");
	mode = f ? "direct" : "unknown (no /proc/kallsyms)";
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*c %127s", name) == 1 &&
		    !strcmp(name, "tlb_remove_table_rcu")) {
			mode = "rcu";
			break;
		}
	if (f)
		fclose(f);
	return mode;
}

static void params(struct mmb_run *r)
{
	mmb_param_bool(r, "ipis_include_prepare", mmb_variant(r)->prepare &&
		       strcmp(mmb_variant(r)->name, "munmap") != 0);
	if (!tables_variant(r))
		return;
	mmb_param_int(r, "tables_per_op",
		      (long long)(tables_len() / table_span()));
	/* measured by a trial op; -1: it failed, or VmPTE is unreadable */
	tables_probe(r);
	mmb_param_int(r, "tables_freed_per_op", probe.freed);
	mmb_param_str(r, "table_free", table_free_mode());
}

static const struct mmb_variant variants[] = {
	{ .name = "munmap", .desc = "munmap of a freshly mapped, written region",
	  .op_desc = "munmap() of --pages pages (untimed: mmap + write each page)",
	  .mode = MMB_MODE_THREADS, .mode_fixed = true,
	  .setup = setup_unmapped, .victim = victim, .prepare = munmap_prepare,
	  .op = munmap_op, .teardown = teardown, .matrix = true },
	{ .name = "madvise", .desc = "MADV_DONTNEED of a written region",
	  .op_desc = "madvise(MADV_DONTNEED) of --pages pages (untimed: write each page)",
	  .mode = MMB_MODE_THREADS, .mode_fixed = true,
	  .setup = setup_madvise, .victim = victim, .prepare = touch_prepare,
	  .op = madvise_op, .teardown = teardown },
	{ .name = "mprotect", .desc = "write-protect a written region",
	  .op_desc = "mprotect(PROT_READ) of --pages pages (untimed: mprotect RW + write)",
	  .mode = MMB_MODE_THREADS, .mode_fixed = true,
	  .setup = setup_mapped, .victim = victim, .prepare = mprotect_prepare,
	  .op = mprotect_op, .teardown = teardown },
	{ .name = "munmap-tables",
	  .desc = "munmap of whole page tables: the flush frees them and reaches lazy CPUs",
	  .op_desc = "munmap() of --pages pages rounded up to whole page tables (untimed: mmap + write each page; idle victims wake and sleep again)",
	  .mode = MMB_MODE_THREADS, .mode_fixed = true,
	  .setup = tables_setup, .victim = victim, .prepare = tables_prepare,
	  .op = munmap_op, .teardown = teardown },
	{ .name = "madvise-tables",
	  .desc = "MADV_DONTNEED of whole page tables: freed where the kernel reclaims empty tables (PT_RECLAIM)",
	  .op_desc = "madvise(MADV_DONTNEED) of --pages pages rounded up to whole page tables (untimed: write each page; idle victims wake and sleep again)",
	  .mode = MMB_MODE_THREADS, .mode_fixed = true,
	  .setup = tables_setup, .victim = victim, .prepare = tables_prepare,
	  .op = madvise_op, .teardown = teardown },
	{ .name = "collapse",
	  .desc = "MADV_COLLAPSE of small pages into a huge page: tlb_remove_table_sync_one() cross-calls every CPU",
	  .op_desc = "madvise(MADV_COLLAPSE) of --pages pages rounded up to whole page tables (untimed: zap, write each page; idle victims wake and sleep again)",
	  .mode = MMB_MODE_THREADS, .mode_fixed = true,
	  .setup = tables_setup, .victim = victim, .prepare = collapse_prepare,
	  .op = collapse_op, .teardown = teardown },
	{ .name = "tlb-flush2",
	  .desc = "will-it-scale tlb_flush2: write, MADV_DONTNEED and read back one page of a private 1 MiB region; run it with --initiators",
	  .op_desc = "one page: write, madvise(MADV_DONTNEED), read the zero page (every 256th op also unmaps and maps the 1 MiB again)",
	  .mode = MMB_MODE_THREADS, .mode_fixed = true,
	  .victims = MMB_VICTIM_NONE, .setup = tlb_flush2_setup,
	  .op = tlb_flush2_op, .teardown = teardown },
	{ NULL }
};

static const struct mmb_opt opts[] = {
	{ "pages", MMB_OPT_INT, &pages, "N", "pages per op", 1, 1 << 20 },
	{ "victim-state", MMB_OPT_CHOICE, &victim_state, "STATE",
	  "victims read the region (busy) or sleep (idle: lazy mm); an idle "
	  "victim's CPU polls in shallow idle under --cpu-dma-latency on (the "
	  "default: a flush queued to it may run without an IPI) and sleeps "
	  "deep with off (an IPI must wake it): a different workload, so "
	  "compare never pairs the two", 0, 0, states },
	{ NULL }
};

static const struct mmb_bench bench = {
	.name = "shootdown",
	.plan_args = "--victims all",
	.desc = "TLB shootdown cost vs victims, spread, state and pages per op",
	.variants = variants,
	.opts = opts,
	.default_victims = 1,
	.priv_size = sizeof(struct mem),
	.params = params,
	.cross_calls = (const char *const[]){
		"flush_tlb_func=flush_tlb_func",
		"table_sync=tlb_remove_table_smp_sync", NULL },
};

MMB_MAIN(bench)
