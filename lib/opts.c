// SPDX-License-Identifier: GPL-2.0
/*
 * Typed option tables (struct mmb_opt), for benches and tools alike: one
 * table drives getopt_long, the value checks (exit 2 naming the option)
 * and --help, so the three cannot drift apart.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int mmb_opts_count(const struct mmb_opt *t)
{
	int n = 0;

	while (t && t[n].name)
		n++;
	return n;
}

static void print_default(const struct mmb_opt *op, FILE *f)
{
	switch (op->type) {
	case MMB_OPT_INT:
		if (*(long *)op->ptr >= 0)
			fprintf(f, " (default %ld)", *(long *)op->ptr);
		break;
	case MMB_OPT_DOUBLE:
		fprintf(f, " (default %g)", *(double *)op->ptr);
		break;
	case MMB_OPT_CHOICE:
		fprintf(f, " (");
		for (int i = 0; op->choices[i]; i++)
			fprintf(f, "%s%s%s", i ? "|" : "", op->choices[i],
				i == *(int *)op->ptr ? "*" : "");
		fprintf(f, ")");
		break;
	default:
		break;
	}
}

void mmb_opts_help(const struct mmb_opt *t, FILE *f)
{
	for (int i = 0; t && t[i].name; i++) {
		char lhs[48];

		snprintf(lhs, sizeof(lhs), "--%s%s%s", t[i].name,
			 t[i].arg ? " " : "", t[i].arg ? t[i].arg : "");
		fprintf(f, "  %-26s %s", lhs, t[i].help);
		print_default(&t[i], f);
		fputc('\n', f);
	}
}

void mmb_opt_set(const char *prog, const struct mmb_opt *op, const char *arg)
{
	char *end;

	switch (op->type) {
	case MMB_OPT_FLAG:
		*(bool *)op->ptr = true;
		return;
	case MMB_OPT_STR:
		*(const char **)op->ptr = arg;
		return;
	case MMB_OPT_CHOICE:
		for (int i = 0; op->choices[i]; i++) {
			if (!strcmp(arg, op->choices[i])) {
				*(int *)op->ptr = i;
				return;
			}
		}
		{
			char list[256] = "";

			for (int i = 0; op->choices[i]; i++)
				snprintf(list + strlen(list), sizeof(list) - strlen(list),
					 "%s%s", i ? ", " : "", op->choices[i]);
			mmb_die_usage(prog, "--%s: '%s' is not one of %s", op->name,
				      arg, list);
		}
	case MMB_OPT_INT: {
		long v;

		errno = 0;
		v = strtol(arg, &end, 0);
		if (errno || *end || end == arg || v < op->min || v > op->max)
			mmb_die_usage(prog, "--%s: '%s' must be an integer from %.0f to %.0f",
				      op->name, arg, op->min, op->max);
		*(long *)op->ptr = v;
		return;
	}
	case MMB_OPT_DOUBLE: {
		double v;

		errno = 0;
		v = strtod(arg, &end);
		if (errno || *end || end == arg || !isfinite(v) ||
		    v < op->min || v > op->max)
			mmb_die_usage(prog, "--%s: '%s' must be a number from %g to %g",
				      op->name, arg, op->min, op->max);
		*(double *)op->ptr = v;
		return;
	}
	}
}

/*
 * A number option a tool parses by itself (mmb-macro, whose getopt hands
 * the rest to hyperfine): checked as a table's DOUBLE is.
 */
double mmb_num_arg(const char *prog, const char *opt, const char *s,
		   double lo, double hi)
{
	double v;
	const struct mmb_opt op = { opt + strspn(opt, "-"), MMB_OPT_DOUBLE, &v,
				    .min = lo, .max = hi };

	mmb_opt_set(prog, &op, s);
	return v;
}

int mmb_tool_opts(const char *prog, const struct mmb_opt *t, int argc,
		  char **argv)
{
	int n = mmb_opts_count(t), c, idx;
	/* on the stack: a usage error may leave by mmb_usage_catch */
	struct option lo[64] = { { 0 } };

	if (n >= (int)ARRAY_SIZE(lo))
		mmb_die_usage(prog, "too many options in the table");
	for (int i = 0; i < n; i++) {
		lo[i].name = t[i].name;
		lo[i].has_arg = t[i].type == MMB_OPT_FLAG ? no_argument :
							    required_argument;
	}
	opterr = 0;
	optind = 0;	/* glibc: start afresh, whatever a last parse left */
	while ((c = getopt_long(argc, argv, "", lo, &idx)) != -1) {
		if (c == '?') {
			/* in a cluster ("-xy") optind has not moved on yet */
			if (optopt)
				mmb_die_usage(prog, "-%c: unknown option", optopt);
			mmb_die_usage(prog, "%s: unknown option or missing argument",
				      argv[optind - 1]);
		}
		mmb_opt_set(prog, &t[idx], optarg);
	}
	return optind;
}
