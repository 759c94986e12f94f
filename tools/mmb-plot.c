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

/* Everything one chart is made of: the inputs, the points, their labels. */
struct plot {
	struct mmb_results *in;
	char **inputs;
	int nin;
	struct point *pt;
	int npt, nseries;
	const char *xvar, *ymetric, *ipi_metric, *ipi_label, *out;
	char ipibuf[64], outbuf[4200];
	char kernels[1024], machines[1024], benches[256], variants[256];
	char varying[16][40];
	int nvary;
	bool emulated;
	double xmin, xmax, top;
};

static const char *const xvars[] = { "auto", "victims", "pages", "initiators", NULL };
static const char *const bys[] = { "input", "strategy", NULL };
static int xvar_idx, by_idx;
static const char *ipis = "all", *out_opt;
static bool hist, help;

static const struct mmb_opt opts[] = {
	{ "out", MMB_OPT_STR, &out_opt, "PREFIX",
	  "where: PREFIX.dat, .gp, .png and .svg (default DIR/plot for one directory, else mmb-plot)" },
	{ "x", MMB_OPT_CHOICE, &xvar_idx, "VAR",
	  "the swept variable (auto: initiators, victims or pages, whichever differs)",
	  0, 0, xvars },
	{ "by", MMB_OPT_CHOICE, &by_idx, "WHAT",
	  "a line per input or per lazy-TLB strategy", 0, 0, bys },
	{ "ipis", MMB_OPT_STR, &ipis, "KIND",
	  "the lower panel: all, tlb, call, resched, irq_work or any METRIC_per_op" },
	{ "hist", MMB_OPT_FLAG, &hist, NULL,
	  "per-op latency distributions (latency_histogram) instead" },
	{ "help", MMB_OPT_FLAG, &help, NULL, "this text" },
	{ NULL }
};

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
	if (!why)
		mmb_opts_help(opts, stdout);
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

/* --ipis: the lower panel's metric */
static int pick_ipi_metric(struct plot *p)
{
	if (!strcmp(ipis, "all")) {
		p->ipi_metric = "ipis_per_op";
		p->ipi_label = "IPIs per op, all kinds";
	} else if (!strcmp(ipis, "tlb") || !strcmp(ipis, "call") ||
		   !strcmp(ipis, "resched") || !strcmp(ipis, "irq_work")) {
		snprintf(p->ipibuf, sizeof(p->ipibuf), "ipi_%s_per_op", ipis);
		p->ipi_metric = p->ipibuf;
		p->ipi_label = ipis;
	} else if (strlen(ipis) > 7 && !strcmp(ipis + strlen(ipis) - 7, "_per_op")) {
		/* any per-op metric, e.g. tp_shoot_lazy_tlb_per_op */
		p->ipi_metric = ipis;
		p->ipi_label = ipis;
	} else {
		return usage("--ipis: want all, tlb, call, resched, irq_work or a metric ending in _per_op");
	}
	return 0;
}

static int load_inputs(struct plot *p)
{
	char err[512], path[4200], line[128];
	FILE *f;

	p->in = calloc(p->nin, sizeof(*p->in));
	if (!p->in)
		return MMB_EXIT_FAIL;
	for (int i = 0; i < p->nin; i++) {
		struct stat st;

		if (mmb_results_load(&p->in[i], p->inputs[i], err, sizeof(err))) {
			fprintf(stderr, "mmb-plot: %s\n", err);
			return MMB_EXIT_USAGE;
		}
		p->npt += p->in[i].n;
		/* matrix.sh leaves the accelerator next to a kernel's results */
		snprintf(path, sizeof(path), "%s/accel", p->inputs[i]);
		if (!stat(p->inputs[i], &st) && S_ISDIR(st.st_mode) &&
		    (f = fopen(path, "r"))) {
			p->emulated |= fgets(line, sizeof(line), f) &&
				       !strncmp(line, "tcg", 3);
			fclose(f);
		}
	}
	return 0;
}

/* Which variable is swept (--x auto), and which others differ. */
static int find_swept(struct plot *p)
{
	const char *cand[64], *k;
	const json_t *d0 = p->in[0].r[0].doc;
	int ncand = 0;
	json_t *v;

	cand[ncand++] = "victims";
	cand[ncand++] = "initiators";
	json_object_foreach(json_object_get(d0, "params"), k, v)
		if (!is_sampling(k) && strcmp(k, "initiators") &&
		    strcmp(k, "victims") && ncand < 64)
			cand[ncand++] = k;
	for (int j = 0; j < ncand; j++) {
		char a[64], b[64];
		bool differs = false;

		param_text(d0, cand[j], a, sizeof(a));
		for (int i = 0; i < p->nin && !differs; i++)
			for (int r = 0; r < p->in[i].n && !differs; r++) {
				param_text(p->in[i].r[r].doc, cand[j], b, sizeof(b));
				differs = strcmp(a, b);
			}
		if (differs && p->nvary < 16)
			snprintf(p->varying[p->nvary++], sizeof(p->varying[0]),
				 "%s", cand[j]);
	}
	if (strcmp(p->xvar, "auto"))
		return 0;
	/* in this order of preference */
	for (int c = 0; c < 3; c++) {
		static const char *const pref[] = { "initiators", "victims", "pages" };

		for (int j = 0; j < p->nvary; j++)
			if (!strcmp(p->varying[j], pref[c])) {
				p->xvar = pref[c];
				return 0;
			}
	}
	fprintf(stderr, "mmb-plot: %s: neither initiators, victims nor pages differ between the results: nothing was swept (mmb sweep)\n",
		p->inputs[0]);
	return MMB_EXIT_USAGE;
}

/* What the machines and kernels of the results were, for the title. */
static void describe_system(struct plot *p, const json_t *sys)
{
	const json_t *t = json_object_get(sys, "topology");
	char buf[256];

	snprintf(buf, sizeof(buf), "%s (%s)", mmb_jstr(sys, "kernel.release"),
		 mmb_jstr(sys, "lazy_tlb.strategy"));
	add_unique(p->kernels, sizeof(p->kernels), buf);
	if (t)
		snprintf(buf, sizeof(buf),
			 "%s; %lld socket(s), %lld node(s), %lld cores x %lld threads",
			 mmb_jstr(sys, "cpu_model"),
			 json_integer_value(json_object_get(t, "sockets")),
			 json_integer_value(json_object_get(t, "nodes")),
			 json_integer_value(json_object_get(t, "cores")),
			 json_integer_value(json_object_get(t, "threads_per_core")));
	else
		snprintf(buf, sizeof(buf), "%s; %lld CPUs", mmb_jstr(sys, "cpu_model"),
			 json_integer_value(json_object_get(sys, "nr_cpus_online")));
	add_unique(p->machines, sizeof(p->machines), buf);
}

/* A point per result: its x, and the series it belongs to. */
static int collect_points(struct plot *p)
{
	p->pt = calloc(p->npt + 1, sizeof(*p->pt));
	if (!p->pt)
		return MMB_EXIT_FAIL;
	p->npt = 0;
	p->xmin = INFINITY;
	p->xmax = -INFINITY;
	for (int i = 0; i < p->nin; i++) {
		for (int r = 0; r < p->in[i].n; r++) {
			const json_t *d = p->in[i].r[r].doc;
			const json_t *sys = json_object_get(d, "system");
			struct point *pt = &p->pt[p->npt++];
			char buf[256];

			if (!strcmp(p->xvar, "pages") &&
			    !json_is_number(json_object_get(json_object_get(d, "params"), "pages"))) {
				fprintf(stderr, "mmb-plot: %s: field 'params.pages': missing (mmb-%s has no --pages)\n",
					p->in[i].r[r].where, mmb_jstr(d, "bench"));
				return MMB_EXIT_USAGE;
			}
			pt->doc = d;
			pt->x = xval(d, p->xvar);
			if (by_idx == 1)
				snprintf(pt->series, sizeof(pt->series), "%s",
					 mmb_jstr(sys, "lazy_tlb.strategy"));
			else
				basename_of(p->inputs[i], pt->series, sizeof(pt->series));
			if (strchr(p->benches, ','))
				snprintf(pt->series + strlen(pt->series),
					 sizeof(pt->series) - strlen(pt->series),
					 " %s/%s", mmb_jstr(d, "bench"),
					 mmb_jstr(d, "variant"));
			add_unique(p->variants, sizeof(p->variants), mmb_jstr(d, "variant"));
			for (int j = 0; j < p->nvary; j++) {
				if (!strcmp(p->varying[j], p->xvar))
					continue;
				param_text(d, p->varying[j], buf, sizeof(buf));
				snprintf(pt->series + strlen(pt->series),
					 sizeof(pt->series) - strlen(pt->series),
					 " %s=%s", p->varying[j], buf);
			}
			describe_system(p, sys);
			p->xmin = fmin(p->xmin, pt->x);
			p->xmax = fmax(p->xmax, pt->x);
		}
	}
	qsort(p->pt, p->npt, sizeof(*p->pt), cmp_point);
	return 0;
}

/* The points: one block per series, repeated x folded into one point. */
static int write_dat(struct plot *p)
{
	const struct point *pt = p->pt;
	char path[4200];
	FILE *f = open_out(p->out, "dat", path, sizeof(path));

	if (!f)
		return MMB_EXIT_USAGE;
	fprintf(f, "# mmb-plot: x=%s; %s median min max; %s median min max\n",
		p->xvar, p->ymetric, p->ipi_metric);
	for (int i = 0; i < p->npt;) {
		int j = i;

		if (i)
			fprintf(f, "\n\n");
		fprintf(f, "# series: %s\n", pt[i].series);
		p->nseries++;
		while (j < p->npt && !strcmp(pt[j].series, pt[i].series)) {
			int k = j;
			double lat[64], ipi[64];
			double lmin = INFINITY, lmax = -INFINITY, imin = INFINITY, imax = -INFINITY;
			int n = 0;

			while (k < p->npt && !strcmp(pt[k].series, pt[i].series) &&
			       pt[k].x == pt[j].x && n < 64) {
				lat[n] = metric(pt[k].doc, p->ymetric, "median");
				ipi[n] = metric(pt[k].doc, p->ipi_metric, "median");
				lmin = fmin(lmin, metric(pt[k].doc, p->ymetric, "min"));
				lmax = fmax(lmax, metric(pt[k].doc, p->ymetric, "max"));
				p->top = fmax(p->top, lmax);
				imin = fmin(imin, metric(pt[k].doc, p->ipi_metric, "min"));
				imax = fmax(imax, metric(pt[k].doc, p->ipi_metric, "max"));
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
	return 0;
}

/*
 * The lower panel's axis: what the metric is, as its result describes it
 * (metric_info), and its source up to its detail.
 */
static void ipi_ylabel(const struct plot *p, FILE *f)
{
	char srcl[64] = "?", lab[160];
	struct metric_info mi;

	snprintf(lab, sizeof(lab), "%s", p->ipi_label);
	for (int i = 0; i < p->npt; i++) {
		const char *sr = json_string_value(json_object_get(json_object_get(
			json_object_get(p->pt[i].doc, "metrics"), p->ipi_metric), "source"));

		if (sr) {
			snprintf(srcl, sizeof(srcl), "%.*s", (int)strcspn(sr, "(["), sr);
			while (*srcl && srcl[strlen(srcl) - 1] == ' ')
				srcl[strlen(srcl) - 1] = '\0';
			mmb_metric_info(p->pt[i].doc, p->ipi_metric, &mi);
			snprintf(lab, sizeof(lab), "%s", mi.lab);
			break;
		}
	}
	snprintf(lab + strlen(lab), sizeof(lab) - strlen(lab), " (%s)", srcl);
	fprintf(f, "set ylabel \"");
	gp_text(f, lab);
	fprintf(f, "\\nmedian; bars min-max of samples\"\n");
}

/* One panel's plot command: a line per series, from its block of the .dat. */
static void plot_panel(const struct plot *p, FILE *f, const char *dat,
		       bool lower, double div)
{
	int s = 0;

	fprintf(f, "plot ");
	for (int i = 0; i < p->npt;) {
		int j = i;

		if (lower)
			fprintf(f, "%s'%s.dat' index %d using 1:5:6:7 with yerrorlines lw 2 pt 7 title ",
				s ? ", \\\n     " : "", dat, s);
		else	/* the .dat keeps ns; the axis shows the unit */
			fprintf(f, "%s'%s.dat' index %d using 1:($2/%g):($3/%g):($4/%g) with yerrorlines lw 2 pt 7 title ",
				s ? ", \\\n     " : "", dat, s, div, div, div);
		gp_str(f, p->pt[i].series);
		while (j < p->npt && !strcmp(p->pt[j].series, p->pt[i].series))
			j++;
		i = j;
		s++;
	}
	fprintf(f, "\n");
}

/* The script: the same two panels for each terminal. */
static int write_gp(const struct plot *p, char *path, size_t len)
{
	const char *dat = strrchr(p->out, '/') ? strrchr(p->out, '/') + 1 : p->out;
	const char *unit = "ns", *clock;
	bool latency = !strcmp(p->ymetric, "latency_ns");
	double div = 1;
	char label[640];
	FILE *f;

	/* the latency axis in the unit of its range, as perf and hyperfine do */
	if (!latency)
		unit = "ops/s";
	else if (p->top >= 1e6)
		unit = "ms", div = 1e6;
	else if (p->top >= 1e3)
		unit = "us", div = 1e3;
	clock = p->emulated ? "EMULATED under qemu TCG" : "clock_gettime";
	f = open_out(p->out, "gp", path, len);
	if (!f)
		return MMB_EXIT_USAGE;
	fprintf(f, "# mmb-plot: gnuplot %s.gp writes %s.png and %s.svg\n",
		p->out, p->out, p->out);
	for (int term = 0; term < 2; term++) {
		fprintf(f, "\nreset\n");
		fprintf(f, term ? "set terminal svg size 1000,900 dynamic font 'sans,11'\n" :
			"set terminal pngcairo size 1000,900 font 'sans,10'\n");
		fprintf(f, "set termoption noenhanced\n");
		fprintf(f, "set output '%s.%s'\n", dat, term ? "svg" : "png");
		fprintf(f, "set multiplot layout 2,1 title \"");
		snprintf(label, sizeof(label), "mmb-%s %s: %s and IPIs per op against %s",
			 p->benches, p->variants, latency ? "latency" : "throughput",
			 p->xvar);
		/* kernels and machines come from the results: escaped too */
		gp_text(f, label);
		fprintf(f, "\\nkernel ");
		gp_text(f, p->kernels);
		fprintf(f, "\\n");
		gp_text(f, p->machines);
		fprintf(f, "\" font ',11'\n");
		fprintf(f, "set grid\nset key top left box opaque\nset offsets graph 0.02, graph 0.02, graph 0.05, 0\n");
		fprintf(f, "set xlabel %s\n", !strcmp(p->xvar, "victims") ?
			"'victims (CPUs besides the initiator)'" :
			!strcmp(p->xvar, "initiators") ?
			"'initiators (each on its own CPU)'" :
			"'pages per op (4 KiB)'");
		if (p->xmin > 0 && p->xmax / p->xmin >= 16)
			fprintf(f, "set logscale x 2\n");
		if (p->xmax - p->xmin <= 16)
			fprintf(f, "set xtics 1\n");
		if (!latency)
			fprintf(f, "set format y '%%.1s%%c'\nset ylabel \"ops/s, all initiators (%s)\\nmedian; bars min-max of samples\"\n",
				clock);
		else
			fprintf(f, "set ylabel \"latency per op (%s, %s)\\nmedian; bars min-max of samples\"\n",
				unit, clock);
		fprintf(f, "set yrange [0:*]\n");
		plot_panel(p, f, dat, false, div);
		if (!latency)
			fprintf(f, "set format y '%%g'\n");
		ipi_ylabel(p, f);
		plot_panel(p, f, dat, true, div);
		fprintf(f, "unset multiplot\n");
	}
	fclose(f);
	return 0;
}

/* --out, or DIR/plot for one directory, or mmb-plot here */
static void pick_out(struct plot *p)
{
	struct stat st;

	if (out_opt)
		p->out = out_opt;
	else if (!stat(p->inputs[0], &st) && S_ISDIR(st.st_mode) && p->nin == 1) {
		snprintf(p->outbuf, sizeof(p->outbuf), "%s/plot", p->inputs[0]);
		p->out = p->outbuf;
	} else {
		p->out = "mmb-plot";
	}
}

static void plot_free(struct plot *p)
{
	for (int i = 0; p->in && i < p->nin; i++)
		mmb_results_free(&p->in[i]);
	free(p->in);
	free(p->pt);
}

static int plot_lines(struct plot *p)
{
	char path[4200];
	int rc;

	for (int i = 0; i < p->nin; i++)
		for (int r = 0; r < p->in[i].n; r++)
			add_unique(p->benches, sizeof(p->benches),
				   mmb_jstr(p->in[i].r[r].doc, "bench"));
	rc = find_swept(p);
	if (rc)
		return rc;
	/* a scaling chart may hold both sides of a trade-off */
	if (strchr(p->benches, ',') && strcmp(p->xvar, "initiators")) {
		fprintf(stderr, "mmb-plot: %s: the inputs hold several benches (%s): plot one at a time\n",
			p->inputs[0], p->benches);
		return MMB_EXIT_USAGE;
	}
	p->ymetric = strcmp(p->xvar, "initiators") ? "latency_ns" : "ops_per_s";
	rc = collect_points(p);
	if (!rc)
		rc = write_dat(p);
	if (!rc)
		rc = write_gp(p, path, sizeof(path));
	if (!rc)
		rc = run_gnuplot(path, p->out);
	if (!rc)
		printf("mmb-plot: %d series, %d results: %s.png %s.svg (data %s.dat, script %s.gp)\n",
		       p->nseries, p->npt, p->out, p->out, p->out, p->out);
	return rc;
}

int main(int argc, char **argv)
{
	struct plot p = { 0 };
	int first, rc;

	first = mmb_tool_opts("mmb-plot", opts, argc, argv);
	if (help)
		return usage(NULL);
	p.xvar = xvars[xvar_idx];
	rc = pick_ipi_metric(&p);
	if (rc)
		return rc;
	p.nin = argc - first;
	p.inputs = argv + first;
	if (p.nin < 1)
		return usage("give at least one INPUT");
	rc = load_inputs(&p);
	if (!rc) {
		pick_out(&p);
		if (hist)
			rc = plot_hist(p.in, p.nin, p.inputs,
				       out_opt ? out_opt : "mmb-hist", p.emulated);
		else
			rc = plot_lines(&p);
	}
	plot_free(&p);
	return rc;
}
