// SPDX-License-Identifier: GPL-2.0
/*
 * Golden tests of every output path, rendered from recorded results
 * (tests/fixtures/results/).  MMB_UPDATE_GOLDEN=1 rewrites the golden files
 * after an intended change; review the diff before committing it.
 */
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "tap.h"

static char *render(const json_t *res, int fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	if (fmt == FMT_HUMAN)
		output_human(res, f);
	else if (fmt == FMT_CSV)
		output_csv(res, f, true);
	else
		output_json(res, f);
	fclose(f);
	return buf;
}

static void golden(const char *result, const char *golden_name, int fmt)
{
	char gpath[4096], rpath[4096];
	json_error_t e;
	json_t *res;
	char *got, *want;

	snprintf(rpath, sizeof(rpath), "%s", fixture_path(result));
	snprintf(gpath, sizeof(gpath), "%s/../golden/%s",
		 getenv("MMB_FIXTURES") ? getenv("MMB_FIXTURES") : "tests/fixtures",
		 golden_name);
	res = json_load_file(rpath, JSON_PRESERVE_ORDER, &e);
	if (!ok(res, "load %s", result)) {
		printf("#   %s\n", e.text);
		return;
	}
	got = render(res, fmt);
	if (getenv("MMB_UPDATE_GOLDEN")) {
		FILE *f = fopen(gpath, "w");

		if (f) {
			fputs(got, f);
			fclose(f);
		}
	}
	want = slurp(gpath);
	if (!ok(want && got && !strcmp(got, want), "%s matches golden %s",
		result, golden_name)) {
		/* show where they part */
		size_t i = 0;

		while (got && want && got[i] && got[i] == want[i])
			i++;
		printf("#   differs at byte %zu: got '%.40s' want '%.40s'\n", i,
		       got ? got + i : "", want ? want + i : "(no golden)");
	}
	free(got);
	free(want);
	json_decref(res);
}

static void atomic_write(void)
{
	char dir[] = "/tmp/mmb-out-XXXXXX", path[256], leftover[300];
	json_t *res = json_pack("{s:s, s:s, s:{}, s:{}}", "bench", "x",
				"variant", "y", "metrics", "params");
	json_error_t e;
	json_t *back;

	if (!ok(mkdtemp(dir), "temp dir"))
		return;
	snprintf(path, sizeof(path), "%s/r.json", dir);
	ok(!output_write_file(res, FMT_JSON, path), "write a result file");
	back = json_load_file(path, 0, &e);
	ok(back && json_equal(back, res), "it reads back equal");
	snprintf(leftover, sizeof(leftover), "%s.tmp.%d", path, getpid());
	ok(access(leftover, F_OK) == -1, "no temporary file left behind");
	snprintf(path, sizeof(path), "%s/no/such/dir/r.json", dir);
	ok(output_write_file(res, FMT_JSON, path) == -1,
	   "an unwritable path fails");
	json_decref(back);
	json_decref(res);
	snprintf(path, sizeof(path), "%s/r.json", dir);
	unlink(path);
	rmdir(dir);
}

/* arm64 has no TLB IPIs: the table must say n/a and why, never 0 */
static void tlb_not_applicable(void)
{
	json_t *res = json_load_file(fixture_path("results/arm64-shootdown-munmap.json"),
				     JSON_PRESERVE_ORDER, NULL);
	char *got = res ? render(res, FMT_HUMAN) : NULL;
	char *line = got ? strstr(got, "  ipi_tlb_per_op ") : NULL;

	ok(res && !json_object_get(json_object_get(res, "metrics"), "ipi_tlb_per_op"),
	   "arm64 result: no ipi_tlb_per_op metric");
	ok(line && strstr(line, "n/a") && strstr(line, "hardware broadcast") &&
	   strstr(line, "n/a") < strchr(line, '\n'),
	   "arm64 human output: ipi_tlb_per_op n/a, with the reason");
	free(got);
	json_decref(res);
}

int main(void)
{
	golden("results/shootdown-munmap.json", "shootdown-munmap.human",
	       FMT_HUMAN);
	golden("results/shootdown-munmap.json", "shootdown-munmap.csv", FMT_CSV);
	golden("results/shootdown-munmap.json", "shootdown-munmap.json",
	       FMT_JSON);
	golden("results/membarrier-sync-core.json", "membarrier-sync-core.human",
	       FMT_HUMAN);
	golden("results/arm64-shootdown-munmap.json", "arm64-shootdown-munmap.human",
	       FMT_HUMAN);
	tlb_not_applicable();
	atomic_write();
	return done_testing();
}
