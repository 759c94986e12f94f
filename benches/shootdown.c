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

static char *region;		/* the region ops act on */
static size_t region_len;
static char *own;		/* busy munmap victims read this */

static void touch(char *p, size_t len)
{
	size_t ps = mmb_page_size();

	for (size_t off = 0; off < len; off += ps)
		((volatile char *)p)[off] = 1;
}

static void victim(struct mmb_task *t)
{
	struct mmb_run *r = mmb_task_run(t);
	size_t ps = mmb_page_size();
	const char *munmap_name = "munmap";
	bool mm = !strcmp(mmb_variant(r)->name, munmap_name);
	const volatile char *p = mm ? own : region;
	size_t len = mm ? ps : region_len;
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
	region_len = (size_t)pages * mmb_page_size();
	own = mmb_map(r, mmb_page_size(), MAP_POPULATE);
	if (!own)
		goto nomem;
	if (!map)
		return 0;
	region = mmb_map(r, region_len, 0);
	if (!region)
		goto nomem;
	touch(region, region_len);
	return 0;
nomem:
	mmb_error(r, "mapping %zu bytes: %s", region_len, strerror(errno));
	return -1;
}

static int setup_mapped(struct mmb_run *r)
{
	return setup_common(r, true);
}

/* Minimal kernels (tinyconfig guests) may leave madvise() out. */
static int setup_madvise(struct mmb_run *r)
{
	int e = setup_common(r, true);

	if (e || !madvise(region, region_len, MADV_DONTNEED) || errno != ENOSYS)
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
	region = mmb_map(r, region_len, 0);
	if (!region)
		return -errno;
	touch(region, region_len);
	return 0;
}

static int munmap_op(struct mmb_run *r)
{
	int ret = munmap(region, region_len) ? -errno : 0;

	region = NULL;
	return ret;
}

static int touch_prepare(struct mmb_run *r)
{
	touch(region, region_len);
	return 0;
}

static int madvise_op(struct mmb_run *r)
{
	return madvise(region, region_len, MADV_DONTNEED) ? -errno : 0;
}

static int mprotect_prepare(struct mmb_run *r)
{
	if (mprotect(region, region_len, PROT_READ | PROT_WRITE))
		return -errno;
	touch(region, region_len);
	return 0;
}

static int mprotect_op(struct mmb_run *r)
{
	return mprotect(region, region_len, PROT_READ) ? -errno : 0;
}

static void teardown(struct mmb_run *r)
{
	if (region)
		munmap(region, region_len);
	if (own)
		munmap(own, mmb_page_size());
	region = own = NULL;
}

static void params(struct mmb_run *r)
{
	mmb_param_bool(r, "ipis_include_prepare",
		       strcmp(mmb_variant(r)->name, "munmap") != 0);
}

static const struct mmb_variant variants[] = {
	{ .name = "munmap", .desc = "munmap of a freshly mapped, written region",
	  .op_desc = "munmap() of --pages pages (untimed: mmap + write each page)",
	  .mode = MMB_MODE_THREADS, .mode_fixed = true,
	  .setup = setup_unmapped, .victim = victim, .prepare = munmap_prepare,
	  .op = munmap_op, .teardown = teardown },
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
	.desc = "TLB shootdown cost vs victims, spread, state and pages per op",
	.variants = variants,
	.opts = opts,
	.default_victims = 1,
	.params = params,
};

MMB_MAIN(bench)
