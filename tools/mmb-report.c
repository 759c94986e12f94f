// SPDX-License-Identifier: GPL-2.0
/*
 * mmb-report: the block to paste into a patch posting.  The machine, each
 * input's kernel and lazy-TLB strategy, the exact commands that produced
 * the results, and then the comparison (mmb-compare's plain-text table), or
 * for a single input the summary table.
 *
 *   mmb-report [--threshold PCT] [--alpha A] [--match variant] BASE [NEW...]
 *   mmb-report --scaling BASE [NEW...]
 *
 * --scaling: results of mmb sweep --initiators (mmb sweep --preset
 * tradeoff: both sides of the trade-off) as one table per workload, the
 * rows initiator counts, each input's throughput side by side.
 *
 * Exit: as mmb-compare (0, 1 when a regression is listed), or mmb-summary
 * for one input; 2 for usage errors or unreadable input.
 */
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define MAX_INPUTS 8

/* "  Label:    text", wrapped at spaces to 78 columns: mail clients mangle more */
static void field(const char *label, const char *text)
{
	int col = printf("  %-9s ", label), indent = col;

	while (*text) {
		size_t w = strcspn(text, " ");

		if (col > indent && col + 1 + (int)w > 78) {
			col = printf("\n%*s", indent, "") - 1;
		} else if (col > indent) {
			putchar(' ');
			col++;
		}
		col += printf("%.*s", (int)w, text);
		text += w;
		text += strspn(text, " ");
	}
	putchar('\n');
}

static void machine(const json_t *sys)
{
	const json_t *t = json_object_get(sys, "topology");
	const json_t *fl = json_object_get(sys, "cpu_flags");

	char buf[512];

	snprintf(buf, sizeof(buf), "%s (%s)", mmb_jstr(sys, "cpu_model"), mmb_jstr(sys, "arch"));
	field("CPU:", buf);
	if (t)
		snprintf(buf, sizeof(buf), "%lld socket(s), %lld NUMA node(s), %lld cores x %lld thread(s), %lld CPUs online",
			 json_integer_value(json_object_get(t, "sockets")),
			 json_integer_value(json_object_get(t, "nodes")),
			 json_integer_value(json_object_get(t, "cores")),
			 json_integer_value(json_object_get(t, "threads_per_core")),
			 json_integer_value(json_object_get(t, "cpus_online")));
	else
		snprintf(buf, sizeof(buf), "%lld CPUs online (older result: no topology)",
			 json_integer_value(json_object_get(sys, "nr_cpus_online")));
	field("Topology:", buf);
	field("Virtual:", json_is_true(json_object_get(fl, "hypervisor")) ?
	      "yes (a hypervisor is present)" : "no (bare metal)");
	field("Cycles:", mmb_jstr(sys, "cycles_source"));
}

/*
 * The shortest command that gives the result's parameters, as the bench
 * recorded it; for a result older than that, its argv minus where and how
 * it wrote the result.
 */
static void command(const json_t *doc, char *buf, size_t n)
{
	const json_t *argv = json_object_get(doc, "argv"), *a;
	size_t i, len = 0;
	bool skip = false;

	buf[0] = '\0';
	if (json_is_string(json_object_get(doc, "reproduce"))) {
		snprintf(buf, n, "%s", mmb_jstr(doc, "reproduce"));
		return;
	}
	json_array_foreach(argv, i, a) {
		const char *s = json_string_value(a);

		if (!s)
			continue;
		if (skip) {
			skip = false;
			continue;
		}
		if (i == 0 && strrchr(s, '/'))
			s = strrchr(s, '/') + 1;
		if (!strcmp(s, "--output") || !strcmp(s, "--format")) {
			skip = true;
			continue;
		}
		if (!strcmp(s, "--quiet") || !strncmp(s, "--output=", 9) ||
		    !strncmp(s, "--format=", 9))
			continue;
		len += snprintf(buf + len, len < n ? n - len : 0, "%s%s",
				i ? " " : "", s);
	}
}

static double med(const json_t *doc, const char *metric)
{
	const json_t *v = json_object_get(json_object_get(
		json_object_get(doc, "metrics"), metric), "median");

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static int ninit_of(const json_t *doc)
{
	size_t n = json_array_size(json_object_get(
		json_object_get(doc, "placement"), "initiators"));

	return n ? (int)n : 0;
}

/* "  -" for a figure a result does not have */
static void cell(double v, const char *fmt, int w)
{
	if (isnan(v))
		printf(" %*s", w, "-");
	else
		printf(fmt, w, v);
}

/*
 * One table per bench and variant: for each initiator count, each input's
 * total ops/s and its slowest and fastest initiator, IPIs and idle
 * entries per op.  Medians of each result's samples; whether a difference
 * is real is mmb compare's to say, point by point.
 */
static int scaling(struct mmb_results *in, int nin, char **names)
{
	char seen[64][96];
	int nseen = 0, rows = 0;

	for (int i = 0; i < nin; i++) {
		for (int r = 0; r < in[i].n; r++) {
			const json_t *d = in[i].r[r].doc;
			char key[96];
			int k;

			if (!ninit_of(d))
				continue;
			snprintf(key, sizeof(key), "%s %s", mmb_jstr(d, "bench"),
				 mmb_jstr(d, "variant"));
			for (k = 0; k < nseen && strcmp(seen[k], key); k++)
				;
			if (k == nseen && nseen < 64)
				snprintf(seen[nseen++], sizeof(seen[0]), "%s", key);
		}
	}
	if (!nseen) {
		fprintf(stderr, "mmb-report: --scaling: no result ran with --initiators (mmb sweep --initiators, or --preset tradeoff)\n");
		return MMB_EXIT_USAGE;
	}
	for (int k = 0; k < nseen; k++) {
		int maxn = 0;
		const char *op = NULL, *imode = NULL;

		for (int i = 0; i < nin; i++)
			for (int r = 0; r < in[i].n; r++) {
				const json_t *d = in[i].r[r].doc;
				char key[96];

				snprintf(key, sizeof(key), "%s %s",
					 mmb_jstr(d, "bench"), mmb_jstr(d, "variant"));
				if (strcmp(key, seen[k]) || !ninit_of(d))
					continue;
				if (ninit_of(d) > maxn)
					maxn = ninit_of(d);
				op = mmb_jstr(d, "op");
				imode = mmb_jstr(d, "params.initiator-mode");
			}
		printf("mmb-%s, initiators as %s; one op: %s\n", seen[k],
		       imode ? imode : "?", op ? op : "?");
		printf("  %4s", "N");
		for (int i = 0; i < nin; i++)
			printf(" | %-44.44s", names[i]);
		printf("\n  %4s", "");
		for (int i = 0; i < nin; i++)
			printf(" | %10s %9s %9s %6s %6s", "ops/s", "init min",
			       "init max", "IPI/op", "idle/op");
		if (nin > 1)
			printf(" | vs base");
		printf("\n");
		for (int n = 1; n <= maxn; n++) {
			double base = NAN;
			bool any = false;

			for (int i = 0; i < nin; i++)
				for (int r = 0; r < in[i].n; r++)
					any |= ninit_of(in[i].r[r].doc) == n;
			if (!any)
				continue;
			printf("  %4d", n);
			for (int i = 0; i < nin; i++) {
				const json_t *d = NULL;

				for (int r = 0; r < in[i].n && !d; r++) {
					const json_t *x = in[i].r[r].doc;
					char key[96];

					snprintf(key, sizeof(key), "%s %s",
						 mmb_jstr(x, "bench"),
						 mmb_jstr(x, "variant"));
					if (!strcmp(key, seen[k]) && ninit_of(x) == n)
						d = x;
				}
				printf(" |");
				cell(d ? med(d, "ops_per_s") : NAN, " %*.4g", 10);
				cell(d ? med(d, "initiator_ops_per_s_min") : NAN, " %*.4g", 9);
				cell(d ? med(d, "initiator_ops_per_s_max") : NAN, " %*.4g", 9);
				cell(d ? med(d, "ipis_per_op") : NAN, " %*.3f", 6);
				cell(d ? med(d, "tp_idle_enter_per_op") : NAN, " %*.3f", 6);
				if (!i && d)
					base = med(d, "ops_per_s");
				if (i == nin - 1 && nin > 1) {
					double v = d ? med(d, "ops_per_s") : NAN;

					if (isnan(v) || isnan(base) || !base)
						printf(" | %7s", "-");
					else
						printf(" | %+6.1f%%", (v / base - 1) * 100);
				}
			}
			printf("\n");
			rows++;
		}
		printf("\n");
	}
	printf("ops/s: every initiator's ops over each sample's wall time, median of the\n"
	       "samples; init min/max: the slowest and fastest initiator's own ops/s\n"
	       "(fairness); IPI/op: all IPIs received, every CPU, over all initiators' ops;\n"
	       "idle/op: switches into the idle task per op (sched:sched_switch), the\n"
	       "lazy entries the strategies differ on.  vs base: the last input's ops/s\n"
	       "against the first's, medians only: test a point with mmb compare.\n");
	return rows ? MMB_EXIT_OK : MMB_EXIT_USAGE;
}

static int run_tool(const char *tool, char **args, int nargs)
{
	char self[PATH_MAX], exe[PATH_MAX + 32], *slash;
	char **av = calloc(nargs + 2, sizeof(*av));
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	/* the sibling binary, so a report never mixes two builds */
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		*slash = '\0';
		snprintf(exe, sizeof(exe), "%s/%s", self, tool);
	} else {
		snprintf(exe, sizeof(exe), "%s", tool);
	}
	av[0] = exe;
	memcpy(av + 1, args, nargs * sizeof(*av));
	fflush(stdout);
	execv(exe, av);
	execvp(tool, av);
	fprintf(stderr, "mmb-report: %s: cannot run it\n", exe);
	return MMB_EXIT_FAIL;
}

/*
 * The options compare takes are handed to it as given: it checks them, and
 * its message names the one that is wrong.
 */
static const char *threshold, *alpha, *match;
static bool scale, help;

static const struct mmb_opt opts[] = {
	{ "threshold", MMB_OPT_STR, &threshold, "PCT",
	  "a regression is worse by more than this (mmb-compare's)" },
	{ "alpha", MMB_OPT_STR, &alpha, "A", "significance level (mmb-compare's)" },
	{ "match", MMB_OPT_STR, &match, "HOW", "all or variant (mmb-compare's)" },
	{ "scaling", MMB_OPT_FLAG, &scale, NULL,
	  "the scaling table: throughput and fairness against initiators" },
	{ "help", MMB_OPT_FLAG, &help, NULL, "this text" },
	{ NULL }
};

int main(int argc, char **argv)
{
	static struct mmb_results in[MAX_INPUTS];
	char *pass[8 + MAX_INPUTS], err[512];
	int npass = 0, nin, first;

	first = mmb_tool_opts("mmb-report", opts, argc, argv);
	if (help) {
		printf("usage: mmb-report [options] BASE [NEW...]\n"
		       "       mmb-report --scaling BASE [NEW...]\n");
		mmb_opts_help(opts, stdout);
		return MMB_EXIT_OK;
	}
	if (threshold) {
		pass[npass++] = "--threshold";
		pass[npass++] = (char *)threshold;
	}
	if (alpha) {
		pass[npass++] = "--alpha";
		pass[npass++] = (char *)alpha;
	}
	if (match) {
		pass[npass++] = "--match";
		pass[npass++] = (char *)match;
	}
	nin = argc - first;
	if (nin < 1 || nin > MAX_INPUTS) {
		fprintf(stderr, "mmb-report: give 1 to %d inputs (BASE [NEW...])\n", MAX_INPUTS);
		return MMB_EXIT_USAGE;
	}
	for (int i = 0; i < nin; i++)
		if (mmb_results_load(&in[i], argv[first + i], err, sizeof(err))) {
			fprintf(stderr, "mmb-report: %s\n", err);
			return MMB_EXIT_USAGE;
		}

	printf("mmb %s: lazy-TLB mm switching and TLB shootdown microbenchmarks\n\n",
	       mmb_jstr(in[0].r[0].doc, "version"));
	{
		char m[MAX_INPUTS][512];
		bool same = true;

		for (int i = 0; i < nin; i++) {
			const json_t *sys = json_object_get(in[i].r[0].doc, "system");

			snprintf(m[i], sizeof(m[i]), "%s|%s|%s", mmb_jstr(sys, "hostname"),
				 mmb_jstr(sys, "cpu_model"), mmb_jstr(sys, "cycles_source"));
			same &= !strcmp(m[i], m[0]);
		}
		for (int i = 0; i < nin; i++) {
			if (i && !strcmp(m[i], m[i - 1]))
				continue;
			printf("Machine%s%s:\n", same ? "" : " of ", same ? "" : argv[first + i]);
			machine(json_object_get(in[i].r[0].doc, "system"));
			if (same)
				break;
		}
	}
	printf("\nKernels:\n");
	for (int i = 0; i < nin; i++) {
		const json_t *sys = json_object_get(in[i].r[0].doc, "system");

		printf("  %-5s %s, lazy_tlb %s (from %s)\n        %s, run %s\n",
		       i ? "new:" : nin > 1 ? "base:" : "",
		       mmb_jstr(sys, "kernel.release"), mmb_jstr(sys, "lazy_tlb.strategy"),
		       mmb_jstr(sys, "lazy_tlb.source"), mmb_jstr(sys, "kernel.version"),
		       mmb_jstr(in[i].r[0].doc, "started_at"));
	}
	printf("\nTo reproduce, on each kernel (benches in build/bin of mmb %s):\n",
	       mmb_jstr(in[0].r[0].doc, "version"));
	{
		/* each distinct command once, in result order */
		char (*seen)[512] = calloc(512, sizeof(*seen));
		int nseen = 0;

		for (int i = 0; i < nin; i++)
			for (int r = 0; r < in[i].n; r++) {
				char cmd[512];
				int k;

				command(in[i].r[r].doc, cmd, sizeof(cmd));
				for (k = 0; k < nseen && strcmp(seen[k], cmd); k++)
					;
				if (k < nseen || nseen == 512)
					continue;
				snprintf(seen[nseen++], sizeof(seen[0]), "%s", cmd);
				printf("  %s\n", cmd);
			}
		free(seen);
	}
	printf("\n");
	if (scale)
		return scaling(in, nin, argv + first);
	for (int i = 0; i < nin; i++) {
		pass[npass++] = argv[first + i];
		mmb_results_free(&in[i]);
	}
	if (nin == 1)
		return run_tool("mmb-summary", pass + npass - 1, 1);
	return run_tool("mmb-compare", pass, npass);
}
