// SPDX-License-Identifier: GPL-2.0
/*
 * mmb-matrix: strategies side by side.  Each argument is a directory of
 * results from one kernel; rows are bench/variant (and initiator count,
 * for results of --initiators), and for each strategy the medians of IPIs
 * per op by kind, of lazy transitions per op (switches into the idle task)
 * and latency.  Latency measured under emulation (qemu TCG) is labelled as
 * such: it is not a real latency, and neither is throughput there; counts
 * are.  The columns are the metrics whose description (metric_info,
 * lib/metrics.c) asks for one, so a bench's own metric needs no edit here.
 *
 *   mmb-matrix DIR...      (a directory or bundle of results per kernel)
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_COLS 8
#define MAX_ROWS 64

struct col {
	char name[64];
	char accel[16];
	json_t *res[MAX_ROWS];	/* by row */
};

static char rows[MAX_ROWS][64];
static int nrows;

static int row_of(const char *key)
{
	for (int i = 0; i < nrows; i++)
		if (!strcmp(rows[i], key))
			return i;
	if (nrows == MAX_ROWS)
		return -1;
	snprintf(rows[nrows], sizeof(rows[0]), "%s", key);
	return nrows++;
}

static double med(const json_t *res, const char *metric)
{
	const json_t *m = json_object_get(json_object_get(res, "metrics"),
					  metric);

	return json_number_value(json_object_get(m, "median"));
}

/* a time whole, in 11 places; a count in 6 or its heading's width */
static int width_of(const struct mmb_column *c)
{
	int len = (int)strlen(c->mi.col);

	if (c->mi.d.kind == MMB_KIND_TIME)
		return len > 11 ? len : 11;
	return len > 6 ? len : 6;
}

/* never a zero for what cannot happen (arm64 TLB IPIs) or was not counted */
static void cell(const json_t *res, const char *metric, int width)
{
	const json_t *m = json_object_get(json_object_get(res, "metrics"), metric);

	/* a whole workload's counts per run (mmb macro) run to thousands */
	if (m && fabs(med(res, metric)) >= 1e5)
		printf("%*.2g", width, med(res, metric));
	else if (m && fabs(med(res, metric)) >= 100)
		printf("%*.0f", width, med(res, metric));
	else if (m)
		printf("%*.2f", width, med(res, metric));
	else if (json_object_get(json_object_get(res, "not_applicable"), metric))
		printf("%*s", width, "n/a");
	else
		printf("%*s", width, "-");
}

static int load_dir(const char *dir, struct col *c)
{
	struct mmb_results rs = { 0 };
	char path[4096], err[512];
	FILE *f;

	if (mmb_results_load(&rs, dir, err, sizeof(err))) {
		fprintf(stderr, "mmb-matrix: %s\n", err);
		mmb_results_free(&rs);
		return -1;
	}
	snprintf(c->name, sizeof(c->name), "%s",
		 strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir);
	snprintf(path, sizeof(path), "%s/accel", dir);
	f = fopen(path, "r");
	if (!f || !fgets(c->accel, sizeof(c->accel), f))
		snprintf(c->accel, sizeof(c->accel), "host");
	c->accel[strcspn(c->accel, "\n")] = '\0';
	if (f)
		fclose(f);
	for (int k = 0; k < rs.n; k++) {
		json_t *r = rs.r[k].doc;
		char key[64];
		json_int_t t;
		int i;

		size_t ni = json_array_size(json_object_get(
			json_object_get(r, "placement"), "initiators"));

		snprintf(key, sizeof(key), "%s/%s", mmb_jstr(r, "bench"),
			 mmb_jstr(r, "variant"));
		if (ni)
			snprintf(key + strlen(key), sizeof(key) - strlen(key),
				 " x%zu", ni);
		/* exec-exit --tables N: another mm to tear down, another row */
		t = json_integer_value(json_object_get(
			json_object_get(r, "params"), "tables"));
		if (t > 0)
			snprintf(key + strlen(key), sizeof(key) - strlen(key),
				 " tables %lld", (long long)t);
		i = row_of(key);
		if (i >= 0 && !c->res[i])
			c->res[i] = json_incref(r);
	}
	mmb_results_free(&rs);
	return 0;
}

/* "ctxsw/idle x2" before "ctxsw/idle x10": the count as a number */
static int cmp_rows(const void *a, const void *b)
{
	const char *x = a, *y = b, *px = strstr(x, " x"), *py = strstr(y, " x");
	size_t lx = px ? (size_t)(px - x) : strlen(x);
	size_t ly = py ? (size_t)(py - y) : strlen(y);
	int c = strncmp(x, y, lx < ly ? lx : ly);

	if (c || lx != ly)
		return c ? c : (lx > ly) - (lx < ly);
	return (px ? atoi(px + 2) : 0) - (py ? atoi(py + 2) : 0);
}

int main(int argc, char **argv)
{
	static struct col cols[MAX_COLS];
	static json_t *all[MAX_COLS * MAX_ROWS];
	struct mmb_column mc[16];
	int ncols = 0, nall = 0, nmc, total;
	bool emulated = false;

	if (argc == 2 && !strcmp(argv[1], "--help")) {
		printf("usage: mmb-matrix DIR... (at most %d)\n"
		       "  strategies side by side: a directory (or bundle) of results per kernel\n",
		       MAX_COLS);
		return MMB_EXIT_OK;
	}
	if (argc < 2 || argc - 1 > MAX_COLS) {
		fprintf(stderr, "usage: mmb-matrix DIR... (at most %d)\n", MAX_COLS);
		return MMB_EXIT_USAGE;
	}
	for (int i = 1; i < argc; i++) {
		if (load_dir(argv[i], &cols[ncols]))
			return MMB_EXIT_USAGE;
		emulated |= !strcmp(cols[ncols].accel, "tcg");
		ncols++;
	}
	/* rows sorted, results re-matched after the sort */
	{
		char keep[MAX_ROWS][64];
		json_t *tmp[MAX_COLS][MAX_ROWS];

		memcpy(keep, rows, sizeof(rows));
		for (int c = 0; c < ncols; c++)
			memcpy(tmp[c], cols[c].res, sizeof(tmp[c]));
		qsort(rows, nrows, sizeof(rows[0]), cmp_rows);
		for (int r = 0; r < nrows; r++)
			for (int o = 0; o < nrows; o++)
				if (!strcmp(rows[r], keep[o]))
					for (int c = 0; c < ncols; c++)
						cols[c].res[r] = tmp[c][o];
	}
	printf("# IPIs per op (median, /proc/interrupts, all CPUs): ipis (all kinds) / call / tlb;\n"
	       "# idle: switches into the idle task per op (sched:sched_switch: lazy entries);\n"
	       "# xN: N initiators (--initiators); tables N: exec-exit --tables N");
	printf("%s\n", emulated ?
	       "\n# under qemu TCG latency (and throughput) are EMULATED: only the counts mean anything" : "");
	for (int c = 0; c < ncols; c++)
		for (int r = 0; r < nrows; r++)
			if (cols[c].res[r])
				all[nall++] = cols[c].res[r];
	nmc = mmb_metric_columns(all, nall, MMB_TABLE_MATRIX, mc,
				 (int)ARRAY_SIZE(mc));
	total = -1;
	for (int k = 0; k < nmc; k++)
		total += 1 + width_of(&mc[k]);
	mmb_column_legend(mc, nmc, stdout);
	printf("%-32s", "bench/variant");
	for (int c = 0; c < ncols; c++)
		printf(" | %-*s", total, cols[c].name);
	printf("\n%-32s", "");
	for (int c = 0; c < ncols; c++) {
		printf(" |");
		for (int k = 0; k < nmc; k++)
			/* a time measured under emulation is not a latency */
			printf(" %*s", width_of(&mc[k]),
			       mc[k].mi.d.kind == MMB_KIND_TIME &&
			       !strcmp(cols[c].accel, "tcg") ? "emul_ns" :
			       mc[k].mi.col);
	}
	putchar('\n');
	for (int r = 0; r < nrows; r++) {
		printf("%-32s", rows[r]);
		for (int c = 0; c < ncols; c++) {
			const json_t *res = cols[c].res[r];

			if (!res) {
				printf(" | %-*s", total, "(none)");
				continue;
			}
			printf(" |");
			for (int k = 0; k < nmc; k++) {
				if (mc[k].mi.d.kind == MMB_KIND_TIME)
					printf(" %*.0f", width_of(&mc[k]),
					       med(res, mc[k].name));
				else
					cell(res, mc[k].name, width_of(&mc[k]) + 1);
			}
		}
		putchar('\n');
	}
	for (int c = 0; c < ncols; c++) {
		const json_t *any = NULL;
		char boot[256];

		for (int r = 0; r < nrows && !any; r++)
			any = cols[c].res[r];
		if (any)
			printf("# %s: kernel %s, lazy_tlb %s, %s; boot: %s\n",
			       cols[c].name,
			       mmb_jstr(any, "system.kernel.release"),
			       mmb_jstr(any, "system.lazy_tlb.strategy"),
			       cols[c].accel,
			       mmb_boot_settings_str(any, boot, sizeof(boot)));
		for (int r = 0; r < nrows; r++)
			json_decref(cols[c].res[r]);
	}
	return 0;
}
