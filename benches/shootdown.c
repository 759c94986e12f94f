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
 * Left out on purpose: huge pages (buffers are MADV_NOHUGEPAGE), file-backed
 * mappings, and victims in other processes (they would not share the mm).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "mmb.h"

static long pages = 1;
static int victim_state;	/* 0 busy, 1 idle */
static const char *const states[] = { "busy", "idle", NULL };

/* One initiator's memory: with --initiators each has its own. */
struct mem {
	char *region;		/* the region ops act on */
	size_t region_len;
	char *own;		/* busy munmap victims read this */
	size_t next;		/* tlb_flush2: the page the next op takes */
};

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
	const char *munmap_name = "munmap";
	bool mm = !strcmp(mmb_variant(r)->name, munmap_name);
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

static void teardown(struct mmb_run *r)
{
	struct mem *m = mmb_priv(r);

	if (m->region)
		munmap(m->region, m->region_len);
	if (m->own)
		munmap(m->own, mmb_page_size());
	m->region = m->own = NULL;
}

static void params(struct mmb_run *r)
{
	mmb_param_bool(r, "ipis_include_prepare", mmb_variant(r)->prepare &&
		       strcmp(mmb_variant(r)->name, "munmap") != 0);
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
};

MMB_MAIN(bench)
