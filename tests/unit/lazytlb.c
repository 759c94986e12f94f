// SPDX-License-Identifier: GPL-2.0
/* The lazy-TLB strategy, from real and constructed kernel configs. */
#include "internal.h"
#include "tap.h"

static void detects(const char *file, const char *want, int min_lines)
{
	struct lazy_tlb lt = { 0 };

	if (!ok(!lazy_tlb_detect_file(fixture_path(file), &lt), "read %s",
		file))
		return;
	is_str(lt.strategy, want, file);
	ok(lt.nlines >= min_lines, "  %d config line(s) kept", lt.nlines);
	for (int i = 0; i < lt.nlines; i++)
		ok(strstr(lt.lines[i], "MMU_LAZY_TLB") ||
		   strstr(lt.lines[i], "SHOOT_LAZIES"),
		   "  kept only lazy-TLB lines: %s", lt.lines[i]);
}

int main(void)
{
	struct lazy_tlb lt = { 0 };

	/* Real configs, gzip-compressed as /proc/config.gz is. */
	detects("kconfig/debian-6.12-amd64.config.gz", "refcount", 1);
	detects("kconfig/fc-6.18-x86_64.config.gz", "refcount", 1);
	detects("kconfig/debian-6.12-arm64.config.gz", "refcount", 1);
	/* 6.1 predates the options: refcount was the only mechanism */
	detects("kconfig/debian-6.1-arm64.config.gz", "refcount", 0);
	lazy_tlb_detect_file(fixture_path("kconfig/debian-6.1-arm64.config.gz"),
			     &lt);
	is_int(lt.version, 601, "  version read from the config header");
	ok(strstr(lt.note, "predates"), "  and the result says it is implicit");
	lazy_tlb_detect_file(fixture_path("kconfig/debian-6.12-amd64.config.gz"),
			     &lt);
	is_str(lt.note, "", "  a 6.12 config needs no note");
	/* Plain files, as /boot/config-* are. */
	detects("kconfig/shootdown.config", "shootdown", 3);
	detects("kconfig/shootdown-debug.config", "shootdown-debug", 2);
	/* our series' kernels, as build-kernel.sh configured them */
	detects("kconfig/hazptr.config", "hazptr", 2);
	detects("kconfig/hazptr-debug.config", "hazptr-debug", 3);
	detects("kconfig/mmgen.config", "mmgen", 2);
	detects("kconfig/mmgen-debug.config", "mmgen-debug", 3);
	/* no version header and no option: nothing to go on */
	detects("kconfig/none.config", "unknown", 0);

	ok(lazy_tlb_detect_file(fixture_path("kconfig/absent"), &lt) == -1,
	   "a missing config is an error, not a guess");

	lazy_tlb_from_text("CONFIG_MMU_LAZY_TLB_REFCOUNT=y\n"
			   "CONFIG_MMU_LAZY_TLB_SHOOTDOWN=y\n", &lt);
	is_str(lt.strategy, "shootdown", "shootdown wins over refcount");
	lazy_tlb_from_text("CONFIG_MMU_LAZY_TLB_SHOOTDOWN=n\n"
			   "CONFIG_MMU_LAZY_TLB_REFCOUNT=y", &lt);
	is_str(lt.strategy, "refcount", "=n is not set; no final newline");
	lazy_tlb_from_text("CONFIG_MMU_LAZY_TLB_MMGEN=y\n"
			   "# CONFIG_MMU_LAZY_TLB_HAZPTR is not set\n", &lt);
	is_str(lt.strategy, "mmgen", "mmgen, hazptr not set");
	lazy_tlb_from_text("CONFIG_MMU_LAZY_TLB_HAZPTR=y\n"
			   "CONFIG_DEBUG_VM_SHOOT_LAZIES=y\n", &lt);
	is_str(lt.strategy, "hazptr-debug", "hazptr with the lazy-mm check");
	lazy_tlb_from_text("CONFIG_MMU_LAZY_TLB_SHOOTDOWN_X=y\n", &lt);
	is_str(lt.strategy, "unknown", "a longer name is another option");
	is_int(lt.nlines, 1, "  but its line is recorded");
	return done_testing();
}
