// SPDX-License-Identifier: GPL-2.0
/*
 * Output.  Every format is rendered from the one result object, so what a
 * human reads and what a script parses cannot disagree.
 *  human: perf-bench style, '#' context lines, units in the text
 *  json:  the mmb-result/1 object (jansson)
 *  csv:   one row per metric
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

const char *const mmb_format_names[] = { "human", "json", "csv", NULL };

/* A string at a dotted path ("system.kernel.release"), or "?". */
const char *mmb_jstr(const json_t *o, const char *path)
{
	const json_t *v = o;
	char key[64];

	/* "a.b.c" lookups keep the printers short */
	while (v && *path) {
		size_t n = strcspn(path, ".");

		snprintf(key, sizeof(key), "%.*s", (int)n, path);
		v = json_object_get(v, key);
		path += n + (path[n] == '.');
	}
	return json_is_string(v) ? json_string_value(v) : "?";
}

/*
 * The boot settings a result ran under (system.boot.settings), in one line
 * for tables and notes: "pti on, pcid off, invlpgb off; cmdline pti=on".
 * The Spectre v2 text is left out: it is long, and it is compared whole.
 */
/* a result's system.boot.settings, NULL where it has none (older results) */
const json_t *mmb_boot_settings(const json_t *res)
{
	return json_object_get(json_object_get(json_object_get(res, "system"),
					       "boot"), "settings");
}

const char *mmb_boot_settings_str(const json_t *res, char *buf, size_t len)
{
	const json_t *set = mmb_boot_settings(res), *w;
	static const char *const onoff[] = { "pti", "pcid", "invlpgb" };
	size_t at = 0, i;

	if (!set) {
		snprintf(buf, len, "not recorded");
		return buf;
	}
	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(onoff); i++) {
		const json_t *v = json_object_get(set, onoff[i]);

		if (json_is_boolean(v) && at < len)
			at += snprintf(buf + at, len - at, "%s%s %s",
				       at ? ", " : "", onoff[i],
				       json_is_true(v) ? "on" : "off");
	}
	json_array_foreach(json_object_get(set, "cmdline"), i, w)
		if (at < len)
			at += snprintf(buf + at, len - at, "%s%s",
				       i ? " " : "; cmdline ",
				       json_string_value(w));
	return buf;
}

static double num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : 0;
}

static void fmt_val(char *buf, size_t len, const char *unit, double v)
{
	if (!strcmp(unit, "ns"))
		snprintf(buf, len, "%.1f ns", v);
	else if (!strcmp(unit, "ipis/op"))
		snprintf(buf, len, "%.3f /op", v);
	else if (!strcmp(unit, "cycles"))
		snprintf(buf, len, "%.0f cyc", v);
	else if (!strcmp(unit, "tsc-cycles"))
		snprintf(buf, len, "%.0f tsc", v);
	else if (!strcmp(unit, "fraction"))
		snprintf(buf, len, "%.1f %%", v * 100);
	else if (!strcmp(unit, "timer-ticks"))
		snprintf(buf, len, "%.1f tick", v);
	else if (!strcmp(unit, "ops/s"))
		snprintf(buf, len, "%.4g/s", v);
	else if (!strcmp(unit, "switches/op") || !strcmp(unit, "atomics/op"))
		snprintf(buf, len, "%.3f /op", v);
	else
		snprintf(buf, len, "%.3f %s", v, unit);
}

/*
 * The victims' CPUs as a list, or their nodes in victim order without
 * repeats: malloc()ed, whole at any count (383 victims spread over 24
 * nodes do not fit a line buffer).
 */
static char *cpus_of(const json_t *arr, const char *key)
{
	size_t i, off = 0;
	json_t *c;
	int *v = calloc(json_array_size(arr) + 1, sizeof(int)), n = 0;
	char *buf;

	if (!v)
		return NULL;
	json_array_foreach(arr, i, c)
		v[n++] = (int)json_integer_value(json_object_get(c, key));
	if (!n)
		buf = strdup("none");
	else if (!strcmp(key, "cpu"))
		buf = cpulist_str(v, n);
	else if ((buf = malloc((size_t)n * 12 + 1))) {
		buf[0] = '\0';
		for (int j = 0; j < n; j++) {
			bool seen = false;

			for (int k = 0; k < j && !seen; k++)
				seen = v[k] == v[j];
			if (!seen)
				off += sprintf(buf + off, "%s%d", off ? "," : "",
					       v[j]);
		}
	}
	free(v);
	return buf;
}

static void params_line(const json_t *params, FILE *f)
{
	const char *k;
	json_t *v;

	fprintf(f, "# params:");
	json_object_foreach((json_t *)params, k, v) {
		char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(6));

		fprintf(f, " %s=%s", k, s ? s : "?");
		free(s);
	}
	fputc('\n', f);
}

/* Where remote flushes are not (all) IPIs, say so above the figures. */
static void remote_flush_line(const json_t *sys, FILE *f)
{
	const json_t *rf = json_object_get(sys, "remote_flush");
	const char *d = mmb_jstr(rf, "delivery");

	if (!rf || !strcmp(d, "ipi") || !strcmp(d, "unknown"))
		return;
	fprintf(f, "# remote TLB flushes: %s\n", mmb_jstr(rf, "mechanism"));
	if (json_object_get(rf, "note"))
		fprintf(f, "# note: %s\n", mmb_jstr(rf, "note"));
}

/* --initiators: each one's CPU and its own victims. */
static void initiators_line(const json_t *pl, const json_t *params, FILE *f)
{
	const json_t *in = json_object_get(pl, "initiators"), *c;
	size_t i;

	if (!json_array_size(in))
		return;
	fprintf(f, "# initiators: %zu as %s:", json_array_size(in),
		mmb_jstr(params, "initiator-mode"));
	json_array_foreach(in, i, c) {
		const json_t *vs = json_object_get(c, "victims"), *x;
		int *cpu = calloc(json_array_size(vs) + 1, sizeof(int)), n = 0;
		size_t j;
		char *v = NULL;

		json_array_foreach(vs, j, x)
			if (cpu)
				cpu[n++] = (int)json_integer_value(x);
		if (n)
			v = cpulist_str(cpu, n);
		fprintf(f, " CPU %lld (victims %s)%s",
			json_integer_value(json_object_get(c, "cpu")),
			v ? v : n ? "?" : "none",
			i + 1 < json_array_size(in) ? "," : "\n");
		free(v);
		free(cpu);
	}
}

void output_human(const json_t *res, FILE *f)
{
	const json_t *sys = json_object_get(res, "system");
	const json_t *pl = json_object_get(res, "placement");
	const json_t *metrics = json_object_get(res, "metrics");
	const json_t *bg = json_object_get(res, "background");
	const json_t *params = json_object_get(res, "params");
	const char *legend[32];
	int nlegend = 0;
	char *vcpus, *vnodes;
	const char *k;
	json_t *m;

	vcpus = cpus_of(json_object_get(pl, "victims"), "cpu");
	vnodes = cpus_of(json_object_get(pl, "victims"), "node");
	fprintf(f, "# mmb-%s %s: %s\n", mmb_jstr(res, "bench"), mmb_jstr(res, "variant"),
		mmb_jstr(res, "variant_desc"));
	fprintf(f, "# op: %s\n", mmb_jstr(res, "op"));
	fprintf(f, "# kernel %s (%s), lazy_tlb %s from %s\n",
		mmb_jstr(sys, "kernel.release"), mmb_jstr(sys, "arch"),
		mmb_jstr(sys, "lazy_tlb.strategy"), mmb_jstr(sys, "lazy_tlb.source"));
	fprintf(f, "# machine: %s, %lld CPUs online, %lld NUMA node(s), topology from %s\n",
		mmb_jstr(sys, "cpu_model"),
		json_integer_value(json_object_get(sys, "nr_cpus_online")),
		json_integer_value(json_object_get(pl, "nr_nodes")),
		mmb_jstr(pl, "topology_source"));
	fprintf(f, "# placement: %s; initiator CPU %lld (node %lld); victims %s (nodes %s); memory %s\n",
		mmb_jstr(params, "mode"),
		json_integer_value(json_object_get(
			json_object_get(pl, "initiator"), "cpu")),
		json_integer_value(json_object_get(
			json_object_get(pl, "initiator"), "node")),
		vcpus ? vcpus : "?", vnodes ? vnodes : "?",
		json_is_integer(json_object_get(pl, "mem_node")) ? "bound" :
		"local");
	free(vcpus);
	free(vnodes);
	initiators_line(pl, params, f);
	params_line(params, f);
	fprintf(f, "# samples: %zu, started %s%s\n",
		json_array_size(json_object_get(res, "samples")),
		mmb_jstr(res, "started_at"),
		json_is_true(json_object_get(res, "interrupted")) ?
		" (interrupted: partial)" : "");
	fprintf(f, "# background: %.3f s idle window, net figures subtract it\n",
		num(bg, "window_s"));
	remote_flush_line(sys, f);
	fprintf(f, "#\n# %-40s %13s %13s %12s %13s %4s  src\n", "metric",
		"median", "mean", "stddev", "p95", "n");
	json_object_foreach((json_t *)metrics, k, m) {
		const char *unit = mmb_jstr(m, "unit"), *src = mmb_jstr(m, "source");
		char med[32], mean[32], sd[32], p95[32];
		int li;

		for (li = 0; li < nlegend; li++)
			if (!strcmp(legend[li], src))
				break;
		if (li == nlegend && nlegend < (int)ARRAY_SIZE(legend))
			legend[nlegend++] = src;
		fmt_val(med, sizeof(med), unit, num(m, "median"));
		fmt_val(mean, sizeof(mean), unit, num(m, "mean"));
		fmt_val(sd, sizeof(sd), unit, num(m, "stddev"));
		fmt_val(p95, sizeof(p95), unit, num(m, "p95"));
		fprintf(f, "  %-40s %13s %13s %12s %13s %4lld  [%d]\n", k, med,
			mean, sd, p95,
			json_integer_value(json_object_get(m, "n")), li + 1);
	}
	json_object_foreach(json_object_get(res, "not_applicable"), k, m)
		fprintf(f, "  %-40s %13s  %s\n", k, "n/a", json_string_value(m));
	fprintf(f, "#\n");
	for (int i = 0; i < nlegend; i++)
		fprintf(f, "# [%d] %s\n", i + 1, legend[i]);
}

static void csv_field(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

void output_csv(const json_t *res, FILE *f, bool header)
{
	const json_t *metrics = json_object_get(res, "metrics");
	const char *k;
	json_t *m;

	if (header)
		fprintf(f, "bench,variant,metric,unit,median,mean,stddev,min,max,p95,n,source\n");
	json_object_foreach((json_t *)metrics, k, m) {
		fprintf(f, "%s,%s,%s,%s,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%lld,",
			mmb_jstr(res, "bench"), mmb_jstr(res, "variant"), k, mmb_jstr(m, "unit"),
			num(m, "median"), num(m, "mean"), num(m, "stddev"),
			num(m, "min"), num(m, "max"), num(m, "p95"),
			json_integer_value(json_object_get(m, "n")));
		csv_field(f, mmb_jstr(m, "source"));
		fputc('\n', f);
	}
}

int output_json(const json_t *res, FILE *f)
{
	if (json_dumpf(res, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
		       JSON_REAL_PRECISION(10)))
		return -1;
	fputc('\n', f);
	return 0;
}

int output_write_file(const json_t *res, enum mmb_format fmt, const char *path)
{
	char tmp[4096];
	FILE *f;
	int fd, err = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, getpid()) >=
	    (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	switch (fmt) {
	case FMT_JSON:
		err = output_json(res, f);
		break;
	case FMT_CSV:
		output_csv(res, f, true);
		break;
	case FMT_HUMAN:
		output_human(res, f);
		break;
	}
	if (fflush(f) || fsync(fileno(f)))
		err = -1;
	if (fclose(f))
		err = -1;
	if (err || rename(tmp, path)) {
		int e = errno;

		unlink(tmp);
		errno = e;
		return -1;
	}
	return 0;
}
