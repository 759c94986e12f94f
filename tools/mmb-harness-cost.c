// SPDX-License-Identifier: GPL-2.0
/*
 * mmb-harness-cost: what the harness itself costs a sample, here or on a
 * made-up machine of many CPUs and interrupt rows.
 *
 *   mmb-harness-cost [--samples N] [--synthetic CPUS:ROWS]
 *                    [--format human|json] [--output FILE] [--quiet]
 *
 * On this machine: the counters a run opens (fds counted), then N samples
 * of each pass with no op in them, timed stage by stage: a main-pass
 * sample's two snapshots (/proc/interrupts, time, cycles) and its deltas,
 * and a tracepoint-pass sample's (the same, plus the counters switched on,
 * off and read, a group read per CPU).  What it prints is the harness's
 * time per snapshot and per sample, and the share of a 0.2 s sample (the
 * default --duration of the tests and guests) that is.  In a TCG guest
 * every time is emulated: the shape with CPUs holds, the times do not.
 *
 * --synthetic CPUS:ROWS: /proc/interrupts of CPUS columns and ROWS rows
 * (device rows as a server's NVMe and NIC queues, then x86's IPI rows),
 * two versions a sample apart (the IPI and timer rows moved on every CPU,
 * one queue in ten on the CPU its interrupt is affine to), read from
 * tmpfs and diffed as the snapshots do; and,
 * for comparison, the same file parsed whole, as every snapshot did
 * before.  The tracepoint side cannot be made up (it needs the CPUs): its
 * fds are the count a run there would open, its time is n/a.
 *
 * Exit 0, 1 when a read fails, 2 on bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static const char *prog = "mmb-harness-cost";

static double median(double *v, int n)
{
	struct mmb_stats st;

	mmb_stats_compute(v, n, &st);
	return st.median;
}

/* ---- this machine ---- */

struct stage {
	double *snap_a, *snap_b, *delta;
};

static int stage_alloc(struct stage *s, int n)
{
	s->snap_a = calloc(n, sizeof(double));
	s->snap_b = calloc(n, sizeof(double));
	s->delta = calloc(n, sizeof(double));
	return s->snap_a && s->snap_b && s->delta ? 0 : -1;
}

static int run_pass(struct counters *c, struct snapshot *a,
		    struct snapshot *b, bool with_tp, int n, struct stage *st)
{
	struct cval val[128];

	for (int i = 0; i < n; i++) {
		uint64_t t0 = mmb_now_ns(), t1, t2, t3;
		json_t *irq;

		if (counters_snap(c, a, false, with_tp))
			return -1;
		t1 = mmb_now_ns();
		if (counters_snap(c, b, true, with_tp))
			return -1;
		t2 = mmb_now_ns();
		counters_delta(c, a, b, val, 128, with_tp);
		irq = counters_irq_delta(a, b);
		json_decref(irq);
		t3 = mmb_now_ns();
		st->snap_a[i] = (double)(t1 - t0) / 1e3;
		st->snap_b[i] = (double)(t2 - t1) / 1e3;
		st->delta[i] = (double)(t3 - t2) / 1e3;
	}
	return 0;
}

static json_t *pass_json(const struct stage *st, int n)
{
	double snap = (median(st->snap_a, n) + median(st->snap_b, n)) / 2;
	double sample = median(st->snap_a, n) + median(st->snap_b, n) +
			median(st->delta, n);

	return json_pack("{s:f, s:f, s:f, s:f}", "snapshot_us", snap,
			 "sample_us", sample, "delta_us", median(st->delta, n),
			 "share_of_0.2s", sample / 2e5);
}

static json_t *here(int n)
{
	int before = mmb_open_fds(), after, ncpu;
	json_t *sys = json_object(), *o;
	struct counters *c;
	struct snapshot *a, *b;
	struct stage m, t;
	struct irq_table irq;

	c = counters_open(0, true, NULL, sys);
	after = mmb_open_fds();
	a = c ? snapshot_new(c) : NULL;
	b = c ? snapshot_new(c) : NULL;
	if (!a || !b || stage_alloc(&m, n) || stage_alloc(&t, n)) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(MMB_EXIT_FAIL);
	}
	if (run_pass(c, a, b, false, n, &m) || run_pass(c, a, b, true, n, &t)) {
		fprintf(stderr, "%s: reading the counters failed: %s\n", prog,
			strerror(errno));
		exit(MMB_EXIT_FAIL);
	}
	ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	o = json_pack("{s:s, s:i, s:i, s:s, s:o, s:o}", "machine", "this one",
		      "cpus", ncpu, "fds_opened", after - before,
		      "tracepoints", mmb_jstr(sys, "ipi_source.tracepoints"),
		      "main_pass", pass_json(&m, n),
		      "tracepoint_pass", pass_json(&t, n));
	if (!irq_read("/proc/interrupts", &irq)) {
		json_object_set_new(o, "interrupt_rows", json_integer(irq.nrows));
		irq_free(&irq);
	}
	snapshot_free(a);
	snapshot_free(b);
	counters_close(c);
	json_decref(sys);
	return o;
}

/* ---- a made-up machine ---- */

static const char *const ipi_rows[][2] = {
	{ "NMI", "Non-maskable interrupts" }, { "LOC", "Local timer interrupts" },
	{ "SPU", "Spurious interrupts" }, { "PMI", "Performance monitoring interrupts" },
	{ "IWI", "IRQ work interrupts" }, { "RTR", "APIC ICR read retries" },
	{ "RES", "Rescheduling interrupts" }, { "CAL", "Function call interrupts" },
	{ "TLB", "TLB shootdowns" }, { "TRM", "Thermal event interrupts" },
	{ "THR", "Threshold APIC interrupts" }, { "MCE", "Machine check exceptions" },
	{ "MCP", "Machine check polls" },
};

/* version v of the file: counts as a long-running server's, 10 digits */
static char *synth(int ncpu, int nrows, int v, size_t *len)
{
	int ndev = nrows - (int)ARRAY_SIZE(ipi_rows) - 2;
	size_t cap = (size_t)(ncpu + 4) * 11 * (nrows + 2) + 4096, off = 0;
	char *t = malloc(cap);

	if (!t)
		return NULL;
	off += snprintf(t + off, cap - off, "    ");
	for (int c = 0; c < ncpu; c++) {
		char col[16];

		snprintf(col, sizeof(col), "CPU%d", c);
		off += snprintf(t + off, cap - off, " %10s", col);
	}
	off += snprintf(t + off, cap - off, "\n");
	for (int r = 0; r < ndev + (int)ARRAY_SIZE(ipi_rows); r++) {
		bool ipi = r >= ndev;
		/* the timer, the IPIs and one queue in ten move a sample */
		bool moves = ipi || r % 10 == 0;

		if (ipi)
			off += snprintf(t + off, cap - off, "%4s:",
					ipi_rows[r - ndev][0]);
		else
			off += snprintf(t + off, cap - off, "%4d:", 24 + r);
		for (int c = 0; c < ncpu; c++) {
			unsigned long long x = (1000003ull * (r + 1) +
						7919ull * c) % 4000000000ull;

			/*
			 * the timer and the IPIs on every CPU; a queue's
			 * interrupt on the one CPU it is affine to
			 */
			bool here = ipi || c == r % ncpu;

			off += snprintf(t + off, cap - off, " %10llu",
					x + (moves && here ?
					     (unsigned long long)v * (c % 3 + 1) : 0));
		}
		if (ipi)
			off += snprintf(t + off, cap - off, "  %s\n",
					ipi_rows[r - ndev][1]);
		else
			off += snprintf(t + off, cap - off,
					"  IR-PCI-MSIX-0000:%02x:00.0 %d-edge nvme%dq%d\n",
					r / 64, r, r / 64, r % 64);
	}
	off += snprintf(t + off, cap - off, "ERR:          0\nMIS:          0\n");
	*len = off;
	return t;
}

static int write_tmp(const char *text, size_t len, char *path, size_t plen)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	snprintf(path, plen, "%s/mmb-harness-XXXXXX", dir ? dir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	if (write(fd, text, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	return fd;
}

static json_t *made_up(int ncpu, int nrows, int n)
{
	char pa[256], pb[256], *ta, *tb;
	size_t la, lb;
	int fa, fb;
	struct irq_table a = { 0 }, b = { 0 }, full;
	struct ipi_kinds k;
	double *snap = calloc(n, sizeof(double)), *delta = calloc(n, sizeof(double));
	double *whole = calloc(n, sizeof(double));
	json_t *o;
	/* x86 without the arm64 ones, 6.18: the run's plan at this size */
	const int ntp = 15;

	ta = synth(ncpu, nrows, 0, &la);
	tb = synth(ncpu, nrows, 1000, &lb);
	if (!ta || !tb || !snap || !delta || !whole) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(MMB_EXIT_FAIL);
	}
	fa = write_tmp(ta, la, pa, sizeof(pa));
	fb = write_tmp(tb, lb, pb, sizeof(pb));
	if (fa < 0 || fb < 0) {
		fprintf(stderr, "%s: writing the made-up files: %s\n", prog,
			strerror(errno));
		exit(MMB_EXIT_FAIL);
	}
	for (int i = 0; i < n; i++) {
		uint64_t t0 = mmb_now_ns(), t2, t3;
		json_t *d;

		if (irq_reread(fa, &a))
			goto bad;
		if (irq_reread(fb, &b))
			goto bad;
		t2 = mmb_now_ns();
		irq_ipi_delta(&a, &b, &k);
		d = irq_delta_json(&a, &b);
		json_decref(d);
		t3 = mmb_now_ns();
		snap[i] = (double)(t2 - t0) / 2e3;
		delta[i] = (double)(t3 - t2) / 1e3;
		t0 = mmb_now_ns();
		if (irq_read(pb, &full))
			goto bad;
		irq_free(&full);
		whole[i] = (double)(mmb_now_ns() - t0) / 1e3;
	}
	o = json_pack("{s:s, s:i, s:i, s:i, s:s, s:{s:f, s:f, s:f, s:f}, s:f, s:s}",
		      "machine", "made up", "cpus", ncpu, "interrupt_rows",
		      a.nrows, "fds_opened", ntp * ncpu + 1,
		      "fds_note", "what a run there would open: 15 tracepoint counters a CPU (x86, 6.18), and /proc/interrupts",
		      "main_pass", "snapshot_us", median(snap, n),
		      "sample_us", 2 * median(snap, n) + median(delta, n),
		      "delta_us", median(delta, n),
		      "share_of_0.2s", (2 * median(snap, n) + median(delta, n)) / 2e5,
		      "whole_parse_us", median(whole, n),
		      "tracepoint_pass", "n/a: made up (counting them needs the CPUs; see a guest of that size)");
	irq_free(&a);
	irq_free(&b);
	close(fa);
	close(fb);
	unlink(pa);
	unlink(pb);
	free(ta);
	free(tb);
	free(snap);
	free(delta);
	free(whole);
	return o;
bad:
	fprintf(stderr, "%s: reading the made-up file failed: %s\n", prog,
		strerror(errno));
	unlink(pa);
	unlink(pb);
	exit(MMB_EXIT_FAIL);
}

static void human(const json_t *o, FILE *f)
{
	const json_t *m = json_object_get(o, "main_pass");
	const json_t *t = json_object_get(o, "tracepoint_pass");

	fprintf(f, "# mmb-harness-cost: %s, %lld CPUs, %lld interrupt rows, %lld fds opened\n",
		mmb_jstr(o, "machine"),
		json_integer_value(json_object_get(o, "cpus")),
		json_integer_value(json_object_get(o, "interrupt_rows")),
		json_integer_value(json_object_get(o, "fds_opened")));
	fprintf(f, "main pass:        %9.1f us a snapshot, %9.1f us a sample, %.3f%% of 0.2 s\n",
		json_real_value(json_object_get(m, "snapshot_us")),
		json_real_value(json_object_get(m, "sample_us")),
		100 * json_real_value(json_object_get(m, "share_of_0.2s")));
	if (json_is_object(t))
		fprintf(f, "tracepoint pass:  %9.1f us a snapshot, %9.1f us a sample, %.3f%% of 0.2 s\n",
			json_real_value(json_object_get(t, "snapshot_us")),
			json_real_value(json_object_get(t, "sample_us")),
			100 * json_real_value(json_object_get(t, "share_of_0.2s")));
	else
		fprintf(f, "tracepoint pass:  %s\n", json_string_value(t));
	if (json_object_get(o, "whole_parse_us"))
		fprintf(f, "a whole parse (every snapshot before): %.1f us\n",
			json_real_value(json_object_get(o, "whole_parse_us")));
}

static void usage(FILE *f)
{
	fprintf(f, "usage: %s [--samples N] [--synthetic CPUS:ROWS] [--format human|json] [--output FILE] [--quiet]\n"
		   "  what the harness costs a sample: snapshots, deltas, fds\n"
		   "  --samples N             samples per pass (default 50)\n"
		   "  --synthetic CPUS:ROWS   a made-up /proc/interrupts instead of this machine's counters\n",
		prog);
}

int main(int argc, char **argv)
{
	long n = 50, ncpu = 0, nrows = 0;
	bool json = false;
	const char *out = NULL;
	json_t *o;
	FILE *f = stdout;

	for (int i = 1; i < argc; i++) {
		char *end;

		if (!strcmp(argv[i], "--samples") && i + 1 < argc) {
			n = strtol(argv[++i], &end, 10);
			if (*end || n < 1 || n > 100000) {
				fprintf(stderr, "%s: --samples: '%s' is not a count from 1 to 100000\n",
					prog, argv[i]);
				return MMB_EXIT_USAGE;
			}
		} else if (!strcmp(argv[i], "--synthetic") && i + 1 < argc) {
			if (sscanf(argv[++i], "%ld:%ld", &ncpu, &nrows) != 2 ||
			    ncpu < 1 || ncpu > 8192 || nrows < 20 ||
			    nrows > 100000) {
				fprintf(stderr, "%s: --synthetic: '%s' is not CPUS:ROWS (1-8192 CPUs, 20-100000 rows)\n",
					prog, argv[i]);
				return MMB_EXIT_USAGE;
			}
		} else if (!strcmp(argv[i], "--format") && i + 1 < argc) {
			i++;
			if (strcmp(argv[i], "json") && strcmp(argv[i], "human")) {
				fprintf(stderr, "%s: --format: '%s' is not human or json\n",
					prog, argv[i]);
				return MMB_EXIT_USAGE;
			}
			json = !strcmp(argv[i], "json");
		} else if (!strcmp(argv[i], "--output") && i + 1 < argc) {
			out = argv[++i];
		} else if (!strcmp(argv[i], "--quiet")) {
			/* nothing on stderr but errors: the guest's plan asks */
		} else if (!strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "%s: %s: unknown option\n", prog, argv[i]);
			usage(stderr);
			return MMB_EXIT_USAGE;
		}
	}
	o = ncpu ? made_up((int)ncpu, (int)nrows, (int)n) : here((int)n);
	json_object_set_new(o, "schema", json_string("mmb-harness-cost/1"));
	json_object_set_new(o, "samples", json_integer(n));
	if (out) {
		/* a directory, as the guests' plans give: a file in it */
		char path[4096];
		size_t l = strlen(out);

		snprintf(path, sizeof(path), "%s%s", out,
			 l && out[l - 1] == '/' ? "harness-cost.json" : "");
		f = fopen(path, "w");
		if (!f) {
			fprintf(stderr, "%s: --output: %s: %s\n", prog, path,
				strerror(errno));
			return MMB_EXIT_USAGE;
		}
	}
	if (json) {
		json_dumpf(o, f, JSON_INDENT(2));
		fputc('\n', f);
	} else {
		human(o, f);
	}
	if (out)
		fclose(f);
	json_decref(o);
	return 0;
}
