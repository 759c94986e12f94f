// SPDX-License-Identifier: GPL-2.0
/*
 * mmb-plot: latency and IPIs per op against the swept variable, as gnuplot
 * PNG and SVG, one line per input (a run, or a kernel of a matrix) or per
 * lazy-TLB strategy.  Against initiators (mmb sweep --initiators) the top
 * panel is throughput, ops/s of all initiators together: the chart the
 * lazy-TLB postings show, where several benches may share it (both sides
 * of a trade-off, mmb sweep --preset tradeoff).
 *
 *   mmb-plot [--out PREFIX] [--x auto|victims|pages|initiators]
 *            [--by input|strategy]
 *            [--ipis all|tlb|call|resched|irq_work|METRIC_per_op] INPUT...
 *   mmb-plot --hist [--out PREFIX] INPUT...
 *
 * --hist: each result's per-op latency distribution (latency_histogram),
 * the share of ops in each bucket against latency on a log axis, with its
 * p50, p99 and p99.9 in the key: where a shootdown's tail is.
 *
 * Writes PREFIX.dat (the points), PREFIX.gp (the gnuplot script, to tweak
 * and re-run), PREFIX.png and PREFIX.svg.  Every point is the median of a
 * result's samples, with bars from the smallest to the largest sample.
 * Parameters other than x that differ between results split the lines, so
 * a sweep over victims and spreads gives one line per spread.
 *
 * Exit: 0 plotted, 1 gnuplot failed, 2 usage or unreadable input, 4 no
 * gnuplot (data and script are still written).
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "internal.h"

extern char **environ;

struct point {
	const json_t *doc;
	char series[256];
	double x;
};

static const char *xvar = "auto", *by = "input", *ipis = "all";

static int usage(const char *why)
{
	if (why)
		fprintf(stderr, "mmb-plot: %s\n", why);
	fprintf(why ? stderr : stdout,
		"usage: mmb-plot [--out PREFIX] [--x auto|victims|pages|initiators] [--by input|strategy]\n"
		"                [--ipis all|tlb|call|resched|irq_work|METRIC_per_op] INPUT...\n"
		"       mmb-plot --hist [--out PREFIX] INPUT...   (per-op latency distributions)\n"
		"INPUT: result files, directories (a sweep, a matrix kernel) or bundles.\n"
		"Writes PREFIX.dat, PREFIX.gp, PREFIX.png and PREFIX.svg.\n");
	return why ? MMB_EXIT_USAGE : MMB_EXIT_OK;
}

/*
 * Not a line of its own: how a result was sampled, and what follows from
 * the variant or placement (the initiator; whether IPIs include prepare).
 */
static bool is_sampling(const char *k)
{
	return mmb_param_is_sampling(k) || !strcmp(k, "initiator") ||
	       !strcmp(k, "ipis_include_prepare");
}

static double xval(const json_t *doc, const char *var)
{
	const json_t *pl = json_object_get(doc, "placement");

	if (!strcmp(var, "victims"))
		return (double)json_array_size(json_object_get(pl, "victims"));
	/* a result without --initiators had one */
	if (!strcmp(var, "initiators"))
		return json_array_size(json_object_get(pl, "initiators")) ?
		       (double)json_array_size(json_object_get(pl, "initiators")) : 1;
	return json_number_value(json_object_get(json_object_get(doc, "params"),
						 var));
}

/* a scalar param as text, for series labels and for "does it vary" */
static void param_text(const json_t *doc, const char *k, char *buf, size_t n)
{
	const json_t *v;
	char *s;

	if (!strcmp(k, "victims") || !strcmp(k, "initiators")) {
		snprintf(buf, n, "%g", xval(doc, k));
		return;
	}
	v = json_object_get(json_object_get(doc, "params"), k);
	s = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
	snprintf(buf, n, "%s", s ? s : "-");
	if (buf[0] == '"') {	/* strings without their quotes */
		memmove(buf, buf + 1, strlen(buf));
		buf[strcspn(buf, "\"")] = '\0';
	}
	free(s);
}

static const char *basename_of(const char *path, char *buf, size_t n)
{
	size_t len = strlen(path);
	const char *b;

	while (len > 1 && path[len - 1] == '/')
		len--;
	snprintf(buf, n, "%.*s", (int)len, path);
	b = strrchr(buf, '/') ? strrchr(buf, '/') + 1 : buf;
	memmove(buf, b, strlen(b) + 1);
	len = strlen(buf);
	if (len > 5 && !strcmp(buf + len - 5, ".json"))
		buf[len - 5] = '\0';
	return buf;
}

static double metric(const json_t *doc, const char *m, const char *stat)
{
	const json_t *v = json_object_get(json_object_get(
		json_object_get(doc, "metrics"), m), stat);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static double median(const double *v, int n)
{
	struct mmb_stats s;

	mmb_stats_compute(v, n, &s);
	return s.median;
}

static int cmp_point(const void *a, const void *b)
{
	const struct point *p = a, *q = b;
	int c = strcmp(p->series, q->series);

	return c ? c : (p->x > q->x) - (p->x < q->x);
}

/*
 * gnuplot strings are double-quoted: keep a label (from a result file,
 * which can come from anywhere) from closing one, escaping, or running a
 * command: gnuplot substitutes `backquotes` on the line it reads.
 */
static char gp_char(char c)
{
	return c == '"' || c == '`' ? '\'' : c == '\\' ? '/' :
	       (unsigned char)c < ' ' ? ' ' : c;
}

static void gp_text(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(gp_char(*s), f);
}

static void gp_str(FILE *f, const char *s)
{
	fputc('"', f);
	gp_text(f, s);
	fputc('"', f);
}

/* appends s to a ", "-separated list unless it is there already */
static void add_unique(char *list, size_t n, const char *s)
{
	char *p = list;
	size_t len = strlen(s);

	while ((p = strstr(p, s))) {
		if ((p == list || p[-2] == ',') && (p[len] == '\0' || p[len] == ','))
			return;
		p += len;
	}
	snprintf(list + strlen(list), n - strlen(list), "%s%s",
		 *list ? ", " : "", s);
}

/* gnuplot runs in the output's directory: the script names files bare */
static int run_gnuplot(const char *path, const char *out)
{
	char dir[4200], *slash;
	const char *gp = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char *gargv[] = { "gnuplot", (char *)gp, NULL };
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st, rc;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addchdir_np(&fa, dir);
	rc = posix_spawnp(&pid, "gnuplot", &fa, NULL, gargv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc) {
		fprintf(stderr, "mmb-plot: gnuplot: %s; install gnuplot-nox. %s.dat and %s.gp are written\n",
			strerror(rc), out, out);
		return MMB_EXIT_SKIP;
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "mmb-plot: gnuplot %s failed\n", path);
		return MMB_EXIT_FAIL;
	}
	return 0;
}

/* PREFIX.ext for writing; NULL after saying why */
static FILE *open_out(const char *out, const char *ext, char *path,
		      size_t len)
{
	FILE *f;

	snprintf(path, len, "%s.%s", out, ext);
	f = fopen(path, "w");
	if (!f)
		fprintf(stderr, "mmb-plot: %s: %s\n", path, strerror(errno));
	return f;
}

/*
 * --hist: one step line per result that has a latency_histogram: the
 * fraction of its ops per bucket, plotted at the bucket's middle.
 */
static int plot_hist(struct mmb_results *in, int nin, char **inputs,
		     const char *out, bool emulated)
{
	char path[4200], label[512], (*names)[128] = calloc(nin, sizeof(*names));
	int nseries = 0;
	FILE *f;

	if (!names)
		return MMB_EXIT_FAIL;
	for (int i = 0; i < nin; i++) {
		basename_of(inputs[i], names[i], sizeof(names[i]));
		for (int r = 0; r < in[i].n; r++)
			nseries += !!json_object_get(in[i].r[r].doc,
						     "latency_histogram");
	}
	/* nothing to draw: no file written either */
	if (!nseries) {
		fprintf(stderr, "mmb-plot: --hist: no input has a latency_histogram (per-op latencies: shootdown, or the per-op pass of --latency-repeat)\n");
		free(names);
		return MMB_EXIT_USAGE;
	}
	nseries = 0;

	f = open_out(out, "dat", path, sizeof(path));
	if (!f)
		return MMB_EXIT_USAGE;
	fprintf(f, "# mmb-plot --hist: bucket lo hi (ns), ops, fraction of ops\n");
	for (int i = 0; i < nin; i++) {
		for (int r = 0; r < in[i].n; r++) {
			const json_t *d = in[i].r[r].doc;
			const json_t *h = json_object_get(d, "latency_histogram");
			const json_t *b;
			double ops = json_number_value(json_object_get(h, "ops"));
			long long prev_hi = 0;
			size_t k;

			if (!h || ops <= 0)
				continue;
			fprintf(f, "%s# series: %s %s/%s p50 %.0f p99 %.0f p99.9 %.0f ns (%.0f ops)\n",
				nseries ? "\n\n" : "", names[i],
				mmb_jstr(d, "bench"), mmb_jstr(d, "variant"),
				json_number_value(json_object_get(h, "p50")),
				json_number_value(json_object_get(h, "p99")),
				json_number_value(json_object_get(h, "p999")), ops);
			json_array_foreach(json_object_get(h, "buckets"), k, b) {
				long long lo = json_integer_value(json_array_get(b, 0));

				/* a blank line: no line across empty buckets */
				if (k && lo != prev_hi)
					fputc('\n', f);
				prev_hi = json_integer_value(json_array_get(b, 1));
				fprintf(f, "%lld %lld %lld %.6g\n", lo, prev_hi,
					json_integer_value(json_array_get(b, 2)),
					json_number_value(json_array_get(b, 2)) / ops);
			}
			nseries++;
		}
	}
	fclose(f);
	f = open_out(out, "gp", path, sizeof(path));
	if (!f)
		return MMB_EXIT_USAGE;
	fprintf(f, "# mmb-plot --hist: gnuplot %s.gp writes %s.png and %s.svg\n", out, out, out);
	for (int term = 0; term < 2; term++) {
		const char *dat = strrchr(out, '/') ? strrchr(out, '/') + 1 : out;
		int si = 0;

		fprintf(f, "\nreset\n");
		fprintf(f, term ? "set terminal svg size 1000,600 dynamic font 'sans,11'\n" :
			"set terminal pngcairo size 1000,600 font 'sans,10'\n");
		fprintf(f, "set termoption noenhanced\nset output '%s.%s'\n", dat,
			term ? "svg" : "png");
		fprintf(f, "set title \"per-op latency distribution (log-linear buckets, 16 per octave)%s\"\n",
			emulated ? "; EMULATED under qemu TCG" : "");
		fprintf(f, "set grid\nset key top right box opaque\nset logscale x 10\nset logscale y 10\n");
		fprintf(f, "set xlabel 'latency per op (ns, clock_gettime around each op)'\nset ylabel 'fraction of ops in the bucket'\n");
		fprintf(f, "plot ");
		for (int i = 0; i < nin; i++) {
			for (int r = 0; r < in[i].n; r++) {
				const json_t *d = in[i].r[r].doc;
				const json_t *h = json_object_get(d, "latency_histogram");

				if (!h)
					continue;
				snprintf(label, sizeof(label), "%s %s/%s: p50 %.0f, p99 %.0f, p99.9 %.0f ns",
					 names[i], mmb_jstr(d, "bench"), mmb_jstr(d, "variant"),
					 json_number_value(json_object_get(h, "p50")),
					 json_number_value(json_object_get(h, "p99")),
					 json_number_value(json_object_get(h, "p999")));
				fprintf(f, "%s'%s.dat' index %d using (($1+$2)/2):4 with linespoints lw 2 pt 7 ps 0.6 title ",
					si ? ", \\\n     " : "", dat, si);
				gp_str(f, label);
				si++;
			}
		}
		fprintf(f, "\n");
	}
	fclose(f);
	{
		int rc = run_gnuplot(path, out);

		if (rc)
			return rc;
	}
	printf("mmb-plot: %d distribution(s): %s.png %s.svg (data %s.dat, script %s.gp)\n",
	       nseries, out, out, out, out);
	free(names);
	return MMB_EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "x", required_argument, NULL, 'x' },
		{ "by", required_argument, NULL, 'b' },
		{ "ipis", required_argument, NULL, 'i' },
		{ "hist", no_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct mmb_results *in;
	struct point *pt;
	const char *unit = "ns";
	double top = 0, div = 1;
	const char *ymetric = "latency_ns";
	const char *out = NULL, *ipi_metric, *ipi_label;
	char err[512], path[4200], label[128], kernels[1024] = "",
	     machines[1024] = "", benches[256] = "", variants[256] = "",
	     varying[16][40], ipibuf[64];
	int nvary = 0, npt = 0, nin, c, emulated = 0, nseries = 0, rc;
	bool hist = false;
	double xmin = INFINITY, xmax = -INFINITY;
	FILE *f;

	while ((c = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'x': xvar = optarg; break;
		case 'b': by = optarg; break;
		case 'i': ipis = optarg; break;
		case 'H': hist = true; break;
		case 'h': return usage(NULL);
		default: return usage("unknown option");
		}
	}
	if (strcmp(xvar, "auto") && strcmp(xvar, "victims") &&
	    strcmp(xvar, "pages") && strcmp(xvar, "initiators"))
		return usage("--x: want auto, victims, pages or initiators");
	if (strcmp(by, "input") && strcmp(by, "strategy"))
		return usage("--by: want input or strategy");
	if (!strcmp(ipis, "all")) {
		ipi_metric = "ipis_per_op";
		ipi_label = "IPIs per op, all kinds";
	} else if (!strcmp(ipis, "tlb") || !strcmp(ipis, "call") ||
		   !strcmp(ipis, "resched") || !strcmp(ipis, "irq_work")) {
		snprintf(ipibuf, sizeof(ipibuf), "ipi_%s_per_op", ipis);
		ipi_metric = ipibuf;
		ipi_label = ipis;
	} else if (strlen(ipis) > 7 && !strcmp(ipis + strlen(ipis) - 7, "_per_op")) {
		/* any per-op metric, e.g. tp_shoot_lazy_tlb_per_op */
		ipi_metric = ipis;
		ipi_label = ipis;
	} else {
		return usage("--ipis: want all, tlb, call, resched, irq_work or a metric ending in _per_op");
	}
	nin = argc - optind;
	if (nin < 1)
		return usage("give at least one INPUT");
	in = calloc(nin, sizeof(*in));
	for (int i = 0; i < nin; i++) {
		struct stat st;

		if (mmb_results_load(&in[i], argv[optind + i], err, sizeof(err))) {
			fprintf(stderr, "mmb-plot: %s\n", err);
			return MMB_EXIT_USAGE;
		}
		npt += in[i].n;
		/* matrix.sh leaves the accelerator next to a kernel's results */
		snprintf(path, sizeof(path), "%s/accel", argv[optind + i]);
		if (!stat(argv[optind + i], &st) && S_ISDIR(st.st_mode) &&
		    (f = fopen(path, "r"))) {
			emulated |= fgets(label, sizeof(label), f) &&
				    !strncmp(label, "tcg", 3);
			fclose(f);
		}
	}
	if (hist) {
		rc = plot_hist(in, nin, argv + optind, out ? out : "mmb-hist",
			       emulated);
		for (int i = 0; i < nin; i++)
			mmb_results_free(&in[i]);
		free(in);
		return rc;
	}
	pt = calloc(npt, sizeof(*pt));
	for (int i = 0; i < nin; i++)
		for (int r = 0; r < in[i].n; r++)
			add_unique(benches, sizeof(benches), mmb_jstr(in[i].r[r].doc, "bench"));

	/* which variable is swept, and which others differ between results */
	{
		const char *cand[64];
		int ncand = 0;
		const json_t *d0 = in[0].r[0].doc;
		const char *k;
		json_t *v;

		cand[ncand++] = "victims";
		cand[ncand++] = "initiators";
		json_object_foreach(json_object_get(d0, "params"), k, v)
			if (!is_sampling(k) && strcmp(k, "initiators") &&
			    strcmp(k, "victims") &&
			    ncand < 64)
				cand[ncand++] = k;
		for (int j = 0; j < ncand; j++) {
			char a[64], b[64];
			bool differs = false;

			param_text(d0, cand[j], a, sizeof(a));
			for (int i = 0; i < nin && !differs; i++)
				for (int r = 0; r < in[i].n && !differs; r++) {
					param_text(in[i].r[r].doc, cand[j], b, sizeof(b));
					differs = strcmp(a, b);
				}
			if (differs && nvary < 16)
				snprintf(varying[nvary++], sizeof(varying[0]), "%s", cand[j]);
		}
		if (!strcmp(xvar, "auto")) {
			xvar = NULL;
			for (int j = 0; j < nvary && !xvar; j++)
				if (!strcmp(varying[j], "initiators"))
					xvar = "initiators";
			for (int j = 0; j < nvary && !xvar; j++)
				if (!strcmp(varying[j], "victims"))
					xvar = "victims";
			for (int j = 0; j < nvary && !xvar; j++)
				if (!strcmp(varying[j], "pages"))
					xvar = "pages";
			if (!xvar) {
				fprintf(stderr, "mmb-plot: %s: neither initiators, victims nor pages differ between the results: nothing was swept (mmb sweep)\n",
					argv[optind]);
				return MMB_EXIT_USAGE;
			}
		}
	}

	/* a scaling chart may hold both sides of a trade-off */
	if (strchr(benches, ',') && strcmp(xvar, "initiators")) {
		fprintf(stderr, "mmb-plot: %s: the inputs hold several benches (%s): plot one at a time\n",
			argv[optind], benches);
		return MMB_EXIT_USAGE;
	}
	if (!strcmp(xvar, "initiators"))
		ymetric = "ops_per_s";
	npt = 0;
	for (int i = 0; i < nin; i++) {
		for (int r = 0; r < in[i].n; r++) {
			const json_t *d = in[i].r[r].doc;
			const json_t *sys = json_object_get(d, "system");
			const json_t *t = json_object_get(sys, "topology");
			struct point *p = &pt[npt++];
			char buf[256];

			if (!strcmp(xvar, "pages") &&
			    !json_is_number(json_object_get(json_object_get(d, "params"), "pages"))) {
				fprintf(stderr, "mmb-plot: %s: field 'params.pages': missing (mmb-%s has no --pages)\n",
					in[i].r[r].where, mmb_jstr(d, "bench"));
				return MMB_EXIT_USAGE;
			}
			p->doc = d;
			p->x = xval(d, xvar);
			if (!strcmp(by, "strategy"))
				snprintf(p->series, sizeof(p->series), "%s",
					 mmb_jstr(sys, "lazy_tlb.strategy"));
			else
				basename_of(argv[optind + i], p->series, sizeof(p->series));
			if (strchr(benches, ','))
				snprintf(p->series + strlen(p->series),
					 sizeof(p->series) - strlen(p->series),
					 " %s/%s", mmb_jstr(d, "bench"),
					 mmb_jstr(d, "variant"));
			add_unique(variants, sizeof(variants), mmb_jstr(d, "variant"));
			for (int j = 0; j < nvary; j++) {
				if (!strcmp(varying[j], xvar))
					continue;
				param_text(d, varying[j], buf, sizeof(buf));
				snprintf(p->series + strlen(p->series),
					 sizeof(p->series) - strlen(p->series),
					 " %s=%s", varying[j], buf);
			}
			snprintf(buf, sizeof(buf), "%s (%s)",
				 mmb_jstr(sys, "kernel.release"),
				 mmb_jstr(sys, "lazy_tlb.strategy"));
			add_unique(kernels, sizeof(kernels), buf);
			if (t)
				snprintf(buf, sizeof(buf),
					 "%s; %lld socket(s), %lld node(s), %lld cores x %lld threads",
					 mmb_jstr(sys, "cpu_model"),
					 json_integer_value(json_object_get(t, "sockets")),
					 json_integer_value(json_object_get(t, "nodes")),
					 json_integer_value(json_object_get(t, "cores")),
					 json_integer_value(json_object_get(t, "threads_per_core")));
			else
				snprintf(buf, sizeof(buf), "%s; %lld CPUs",
					 mmb_jstr(sys, "cpu_model"),
					 json_integer_value(json_object_get(sys, "nr_cpus_online")));
			add_unique(machines, sizeof(machines), buf);
			if (p->x < xmin)
				xmin = p->x;
			if (p->x > xmax)
				xmax = p->x;
		}
	}
	qsort(pt, npt, sizeof(*pt), cmp_point);

	if (!out) {
		struct stat st;

		out = !stat(argv[optind], &st) && S_ISDIR(st.st_mode) && nin == 1 ?
		      (snprintf(path, sizeof(path), "%s/plot", argv[optind]), path) :
		      "mmb-plot";
		out = strdup(out);
	}

	/* the points: one block per series, repeated x folded into one point */
	f = open_out(out, "dat", path, sizeof(path));
	if (!f)
		return MMB_EXIT_USAGE;
	fprintf(f, "# mmb-plot: x=%s; %s median min max; %s median min max\n",
		xvar, ymetric, ipi_metric);
	for (int i = 0; i < npt;) {
		int j = i;

		if (i)
			fprintf(f, "\n\n");
		fprintf(f, "# series: %s\n", pt[i].series);
		nseries++;
		while (j < npt && !strcmp(pt[j].series, pt[i].series)) {
			int k = j;
			double lat[64], ipi[64];
			double lmin = INFINITY, lmax = -INFINITY, imin = INFINITY, imax = -INFINITY;
			int n = 0;

			while (k < npt && !strcmp(pt[k].series, pt[i].series) &&
			       pt[k].x == pt[j].x && n < 64) {
				lat[n] = metric(pt[k].doc, ymetric, "median");
				ipi[n] = metric(pt[k].doc, ipi_metric, "median");
				lmin = fmin(lmin, metric(pt[k].doc, ymetric, "min"));
				lmax = fmax(lmax, metric(pt[k].doc, ymetric, "max"));
				top = fmax(top, lmax);
				imin = fmin(imin, metric(pt[k].doc, ipi_metric, "min"));
				imax = fmax(imax, metric(pt[k].doc, ipi_metric, "max"));
				n++, k++;
			}
			/* a metric a kernel cannot have (refcount's shoot-lazies): a gap */
			if (!isfinite(imin) || !isfinite(imax))
				fprintf(f, "%g %.6g %.6g %.6g NaN NaN NaN\n", pt[j].x,
					median(lat, n), lmin, lmax);
			else
				fprintf(f, "%g %.6g %.6g %.6g %.6g %.6g %.6g\n", pt[j].x,
					median(lat, n), lmin, lmax,
					median(ipi, n), imin, imax);
			j = k;
		}
		i = j;
	}
	fclose(f);

	/* the latency axis in the unit of its range, as perf and hyperfine do */
	if (strcmp(ymetric, "latency_ns"))
		unit = "ops/s";
	else if (top >= 1e6)
		unit = "ms", div = 1e6;
	else if (top >= 1e3)
		unit = "us", div = 1e3;

	/* the script: the same two panels for each terminal */
	f = open_out(out, "gp", path, sizeof(path));
	if (!f)
		return MMB_EXIT_USAGE;
	fprintf(f, "# mmb-plot: gnuplot %s.gp writes %s.png and %s.svg\n", out, out, out);
	for (int term = 0; term < 2; term++) {
		const char *dat = strrchr(out, '/') ? strrchr(out, '/') + 1 : out;

		fprintf(f, "\nreset\n");
		fprintf(f, term ? "set terminal svg size 1000,900 dynamic font 'sans,11'\n" :
			"set terminal pngcairo size 1000,900 font 'sans,10'\n");
		fprintf(f, "set termoption noenhanced\n");
		fprintf(f, "set output '%s.%s'\n", dat, term ? "svg" : "png");
		fprintf(f, "set multiplot layout 2,1 title ");
		snprintf(label, sizeof(label), "mmb-%s %s: %s and IPIs per op against %s",
			 benches, variants, strcmp(ymetric, "latency_ns") ?
			 "throughput" : "latency", xvar);
		fprintf(f, "\"");
		for (const char *s = label; *s; s++)
			fputc(*s == '"' ? '\'' : *s, f);
		fprintf(f, "\\nkernel %s\\n%s\" font ',11'\n", kernels, machines);
		fprintf(f, "set grid\nset key top left box opaque\nset offsets graph 0.02, graph 0.02, graph 0.05, 0\n");
		fprintf(f, "set xlabel %s\n", !strcmp(xvar, "victims") ?
			"'victims (CPUs besides the initiator)'" :
			!strcmp(xvar, "initiators") ?
			"'initiators (each on its own CPU)'" :
			"'pages per op (4 KiB)'");
		if (xmin > 0 && xmax / xmin >= 16)
			fprintf(f, "set logscale x 2\n");
		if (xmax - xmin <= 16)
			fprintf(f, "set xtics 1\n");
		if (strcmp(ymetric, "latency_ns"))
			fprintf(f, "set format y '%%.1s%%c'\nset ylabel \"ops/s, all initiators (%s)\\nmedian; bars min-max of samples\"\n",
				emulated ? "EMULATED under qemu TCG" : "clock_gettime");
		else
			fprintf(f, "set ylabel \"latency per op (%s, %s)\\nmedian; bars min-max of samples\"\n",
				unit, emulated ? "EMULATED under qemu TCG" : "clock_gettime");
		fprintf(f, "set yrange [0:*]\n");
		for (int pass = 0; pass < 2; pass++) {
			int s = 0;

			if (pass) {
				/*
				 * what the metric is, as its result describes
				 * it (metric_info), and its source up to its detail
				 */
				char srcl[64] = "?", lab[160];
				struct metric_info mi;

				snprintf(lab, sizeof(lab), "%s", ipi_label);
				for (int i = 0; i < npt; i++) {
					const char *sr = json_string_value(json_object_get(json_object_get(
						json_object_get(pt[i].doc, "metrics"), ipi_metric), "source"));

					if (sr) {
						snprintf(srcl, sizeof(srcl), "%.*s", (int)strcspn(sr, "(["), sr);
						while (*srcl && srcl[strlen(srcl) - 1] == ' ')
							srcl[strlen(srcl) - 1] = '\0';
						mmb_metric_info(pt[i].doc, ipi_metric, &mi);
						snprintf(lab, sizeof(lab), "%s", mi.lab);
						break;
					}
				}
				if (strcmp(ymetric, "latency_ns"))
					fprintf(f, "set format y '%%g'\n");
				snprintf(lab + strlen(lab), sizeof(lab) - strlen(lab),
					 " (%s)", srcl);
				fprintf(f, "set ylabel \"");
				gp_text(f, lab);
				fprintf(f, "\\nmedian; bars min-max of samples\"\n");
			}
			fprintf(f, "plot ");
			for (int i = 0; i < npt;) {
				int j = i;

				if (pass)
					fprintf(f, "%s'%s.dat' index %d using 1:5:6:7 with yerrorlines lw 2 pt 7 title ",
						s ? ", \\\n     " : "", dat, s);
				else	/* the .dat keeps ns; the axis shows the unit */
					fprintf(f, "%s'%s.dat' index %d using 1:($2/%g):($3/%g):($4/%g) with yerrorlines lw 2 pt 7 title ",
						s ? ", \\\n     " : "", dat, s, div, div, div);
				gp_str(f, pt[i].series);
				while (j < npt && !strcmp(pt[j].series, pt[i].series))
					j++;
				i = j;
				s++;
			}
			fprintf(f, "\n");
		}
		fprintf(f, "unset multiplot\n");
	}
	fclose(f);

	rc = run_gnuplot(path, out);
	if (rc)
		return rc;
	printf("mmb-plot: %d series, %d results: %s.png %s.svg (data %s.dat, script %s.gp)\n",
	       nseries, npt, out, out, out, out);
	for (int i = 0; i < nin; i++)
		mmb_results_free(&in[i]);
	free(in);
	free(pt);
	return MMB_EXIT_OK;
}
