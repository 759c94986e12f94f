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

/* constructed configs: the last one's line count is checked too */
static const struct {
	const char *config, *want, *what;
} texts[] = {
	{ "CONFIG_MMU_LAZY_TLB_REFCOUNT=y\nCONFIG_MMU_LAZY_TLB_SHOOTDOWN=y\n",
	  "shootdown", "shootdown wins over refcount" },
	{ "CONFIG_MMU_LAZY_TLB_SHOOTDOWN=n\nCONFIG_MMU_LAZY_TLB_REFCOUNT=y",
	  "refcount", "=n is not set; no final newline" },
	{ "CONFIG_MMU_LAZY_TLB_MMGEN=y\n# CONFIG_MMU_LAZY_TLB_HAZPTR is not set\n",
	  "mmgen", "mmgen, hazptr not set" },
	{ "CONFIG_MMU_LAZY_TLB_HAZPTR=y\nCONFIG_DEBUG_VM_SHOOT_LAZIES=y\n",
	  "hazptr-debug", "hazptr with the lazy-mm check" },
	{ "CONFIG_MMU_LAZY_TLB_SHOOTDOWN_X=y\n",
	  "unknown", "a longer name is another option" },
};

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

	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		lazy_tlb_from_text(texts[i].config, &lt);
		is_str(lt.strategy, texts[i].want, texts[i].what);
	}
	is_int(lt.nlines, 1, "  but its line is recorded");
	return done_testing();
}
