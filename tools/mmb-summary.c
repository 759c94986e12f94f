// SPDX-License-Identifier: GPL-2.0
/*
 * mmb-summary: one table from a set of result files, the medians of what
 * matters for a first look: latency, cycles, and IPIs per op by kind.  The
 * columns are the metrics whose description (metric_info, lib/metrics.c)
 * asks for one, so a bench's own metric shows up without an edit here.
 *
 *   mmb-summary RESULT.json|DIR|BUNDLE...
 *
 * "n/a" marks a metric that cannot exist on the machine (TLB IPIs on
 * arm64), "-" one that was not measured.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static double median(const json_t *res, const char *metric, bool *have)
{
	const json_t *m = json_object_get(json_object_get(res, "metrics"),
					  metric);
	const json_t *v = json_object_get(m, "median");

	*have = json_is_number(v);
	return *have ? json_number_value(v) : 0;
}

/* Times to a tenth of a ns, cycles whole, counts per op to 3 places. */
static int width_of(const struct mmb_column *c, int *digits)
{
	int len = (int)strlen(c->mi.col);

	*digits = c->mi.d.kind == MMB_KIND_TIME ? 1 :
		  c->mi.d.kind == MMB_KIND_CYCLES ? 0 : 3;
	if (c->mi.d.kind == MMB_KIND_TIME)
		return len > 13 ? len : 13;
	if (c->mi.d.kind == MMB_KIND_CYCLES)
		return len > 12 ? len : 12;
	return len > 8 ? len : 8;
}

static void cell(FILE *f, const json_t *res, const struct mmb_column *c)
{
	bool have;
	double v = median(res, c->name, &have);
	int digits, width = width_of(c, &digits);
	const char *metric = c->name;

	if (have)
		fprintf(f, " %*.*f", width, digits, v);
	else if (json_object_get(json_object_get(res, "not_applicable"), metric))
		fprintf(f, " %*s", width, "n/a");	/* arm64 TLB IPIs */
	else
		fprintf(f, " %*s", width, "-");
}

int main(int argc, char **argv)
{
	struct mmb_results rs = { 0 };
	json_t **res;
	struct mmb_column cols[32];
	bool any = false;
	char err[512];
	int n, ncols, bad = 0;

	if (argc == 2 && !strcmp(argv[1], "--help")) {
		printf("usage: mmb-summary RESULT.json|DIR|BUNDLE...\n"
		       "  one row per result: medians of latency, cycles and IPIs per op by kind\n");
		return MMB_EXIT_OK;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: mmb-summary RESULT.json|DIR|BUNDLE...\n");
		return MMB_EXIT_USAGE;
	}
	for (int i = 1; i < argc; i++)
		if (mmb_results_load(&rs, argv[i], err, sizeof(err))) {
			fprintf(stderr, "mmb-summary: %s\n", err);
			bad++;
		}
	n = rs.n;
	if (!n)
		return MMB_EXIT_USAGE;
	res = calloc(n, sizeof(*res));
	for (int i = 0; i < n; i++)
		res[i] = json_incref(rs.r[i].doc);
	mmb_results_free(&rs);
	{
		const json_t *sys = json_object_get(res[0], "system");

		printf("# %s, kernel %s, lazy_tlb %s, %s, %lld CPUs\n",
		       mmb_jstr(sys, "hostname"),
		       mmb_jstr(sys, "kernel.release"),
		       mmb_jstr(sys, "lazy_tlb.strategy"),
		       mmb_jstr(sys, "cpu_model"),
		       json_integer_value(json_object_get(sys, "nr_cpus_online")));
		printf("# latency: clock_gettime; cycles: %s\n",
		       mmb_jstr(sys, "cycles_source"));
		printf("# IPIs per op: /proc/interrupts, all CPUs, medians of each run's samples; rflush: remote TLB flushes requested per op (tlb:tlb_flush remote_ipi_send)\n");
		if (strcmp(mmb_jstr(sys, "remote_flush.delivery"), "ipi") &&
		    json_object_get(sys, "remote_flush"))
			printf("# remote TLB flushes: %s\n",
			       mmb_jstr(sys, "remote_flush.mechanism"));
		for (int i = 1; i < n; i++) {
			const json_t *si = json_object_get(res[i], "system");

			if (strcmp(mmb_jstr(si, "kernel.release"), mmb_jstr(sys, "kernel.release")) ||
			    strcmp(mmb_jstr(si, "arch"), mmb_jstr(sys, "arch")) ||
			    strcmp(mmb_jstr(si, "hostname"), mmb_jstr(sys, "hostname"))) {
				printf("# note: the results come from more than one machine or kernel; the lines above describe the first\n");
				break;
			}
		}
	}
	/* the parameters that tell rows apart (a sweep's pages, say) */
	for (int i = 0; i < n && !any; i++) {
		char label[256];

		mmb_params_label(res, n, i, label, sizeof(label));
		any = *label;
	}
	ncols = mmb_metric_columns(res, n, MMB_TABLE_SUMMARY, cols,
				   (int)ARRAY_SIZE(cols));
	mmb_column_legend(cols, ncols, stdout);
	printf("%-10s %-13s", "bench", "variant");
	for (int k = 0; k < ncols; k++) {
		int digits;

		printf(" %*s", width_of(&cols[k], &digits), cols[k].mi.col);
	}
	printf("  %-17s%s\n", "initiator>victims", any ? "  params" : "");
	for (int i = 0; i < n; i++) {
		const json_t *pl = json_object_get(res[i], "placement");
		const json_t *vic = json_object_get(pl, "victims");
		char cpus[64] = "-", where[96], label[256];
		int *c = calloc(json_array_size(vic) + 1, sizeof(int));
		size_t j;
		json_t *x;

		json_array_foreach(vic, j, x)
			c[j] = (int)json_integer_value(json_object_get(x, "cpu"));
		if (json_array_size(vic))
			cpulist_format(c, (int)json_array_size(vic), cpus,
				       sizeof(cpus));
		free(c);
		printf("%-10s %-13s", mmb_jstr(res[i], "bench"), mmb_jstr(res[i], "variant"));
		for (int k = 0; k < ncols; k++)
			cell(stdout, res[i], &cols[k]);
		snprintf(where, sizeof(where), "%lld>%s%s",
			 json_integer_value(json_object_get(
				 json_object_get(pl, "initiator"), "cpu")), cpus,
			 json_is_true(json_object_get(res[i], "interrupted")) ?
			 " (interrupted)" : "");
		mmb_params_label(res, n, i, label, sizeof(label));
		if (*label)
			printf("  %-17s  %s\n", where, label);
		else
			printf("  %s\n", where);
	}
	for (int i = 0; i < n; i++)
		json_decref(res[i]);
	free(res);
	return bad ? MMB_EXIT_USAGE : MMB_EXIT_OK;
}
