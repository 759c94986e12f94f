// SPDX-License-Identifier: GPL-2.0
/*
 * mmb-macro: a whole workload under hyperfine, with what the benches count
 * per op counted per run, system-wide: IPIs received by kind, remote flush
 * requests, the tracepoints, idle entries.  Patch postings quote such
 * figures beside the microbenchmarks (the shoot-lazies series: "314
 * additional IPIs" over a whole kernel compile on 144 CPUs).
 *
 *   mmb-macro --variant NAME [--runs N] [--warmup N] [--format F]
 *             [--output FILE] [--quiet] -- [HYPERFINE-OPTIONS] COMMAND
 *   mmb-macro --preset hackbench|compile|forkexec [...]
 *
 * hyperfine times the runs (its --export-json is read back: latency_ns is
 * its time of each run).  Before each run it calls --prepare, ours, which
 * marks the boundary: we take a counter snapshot there, so run k's counts
 * are the window from its mark to the next (the last one's to hyperfine's
 * exit), which holds the run and hyperfine's own bookkeeping between runs,
 * not the workload alone.  Warm-up runs are marked too and left out.  The
 * tracepoint counters stay enabled through the runs: their cost is in the
 * times (a few percent for switch-heavy workloads; compare macros with
 * macros).  The result is an mmb-result/1 (bench macro, the workload's name
 * as variant, one op = one run), which compare, gate, report and plot take
 * like any other.
 *
 * Exit: 0, 1 a run failed, 2 usage, 4 no hyperfine, 130 Ctrl-C (hyperfine
 * exports its times only at the end: no result then).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

extern char **environ;

#define MAX_MARKS 100000

struct preset {
	const char *name, *desc, *prepare;
	long runs, warmup;
	const char *cmd;	/* %s: the kernel tree, for compile */
};

/*
 * The workloads the postings use, each under a minute here (2 vCPUs):
 * hackbench (perf bench sched messaging), a kernel-tree compile (the
 * suite's own libperf and libapi, from clean), and a fork/exec loop.
 */
static const struct preset presets[] = {
	{ "hackbench", "perf bench sched messaging (hackbench): 4 groups of 20 senders and receivers over pipes, 100 loops",
	  NULL, 10, 1, "perf bench sched messaging -p -g 4 -l 100" },
	{ "compile", "make -j$(nproc) of the kernel's tools/lib/perf (libperf and libapi) from clean",
	  "make -s -C %s/tools/lib/perf clean >/dev/null 2>&1", 10, 1,
	  "make -s -j%ld -C %s/tools/lib/perf >/dev/null" },
	{ "forkexec", "a shell loop of 1000 fork+exec of /bin/true",
	  NULL, 10, 1, "sh -c 'i=0; while [ $i -lt 1000 ]; do /bin/true; i=$((i+1)); done'" },
	{ NULL }
};

static struct {
	const char *variant, *preset, *output, *ksrc;
	long runs, warmup;
	int format;
	bool quiet;
} o = { .runs = -1, .warmup = -1 };

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = 1;
}

static int usage(const char *why)
{
	FILE *f = why ? stderr : stdout;

	if (why)
		fprintf(f, "mmb-macro: %s\n", why);
	fprintf(f, "usage: mmb-macro --variant NAME [--runs N] [--warmup N] [--format human|json|csv]\n"
		"                 [--output FILE] [--quiet] -- [HYPERFINE-OPTIONS] COMMAND\n"
		"       mmb-macro --preset hackbench|compile|forkexec [--ksrc DIR] [...]\n"
		"  a whole workload timed by hyperfine, with IPIs by kind, flush requests,\n"
		"  tracepoints and idle entries counted per run, system-wide; an mmb-result/1\n"
		"  (bench macro) that compare, gate, report and plot take\n"
		"presets:\n");
	for (const struct preset *p = presets; p->name; p++)
		fprintf(f, "  %-10s %s\n", p->name, p->desc);
	return why ? MMB_EXIT_USAGE : MMB_EXIT_OK;
}

/* --mark DIR: hyperfine's --prepare, a boundary between runs */
static int mark(const char *dir)
{
	char path[PATH_MAX], c = 'm';
	int fd;

	snprintf(path, sizeof(path), "%s/req", dir);
	fd = open(path, O_WRONLY);
	if (fd < 0 || write(fd, &c, 1) != 1)
		return MMB_EXIT_FAIL;
	close(fd);
	snprintf(path, sizeof(path), "%s/ack", dir);
	fd = open(path, O_RDONLY);
	if (fd < 0 || read(fd, &c, 1) != 1)
		return MMB_EXIT_FAIL;
	close(fd);
	return MMB_EXIT_OK;
}

static bool name_ok(const char *s)
{
	return *s && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen(s);
}

/* a kernel tree for the compile preset: --ksrc, or the checkout's own */
static const char *find_ksrc(void)
{
	static char path[PATH_MAX + 64];
	char self[PATH_MAX];
	ssize_t n;
	struct stat st;

	if (o.ksrc)
		return o.ksrc;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return NULL;
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	snprintf(path, sizeof(path), "%s/../libperf/src/linux-source-6.12", self);
	return !stat(path, &st) ? path : NULL;
}

struct marks {
	struct snapshot **s;
	int n;
};

/*
 * hyperfine runs; we answer its marks.  The request FIFO is held open for
 * writing by ourselves too, so it never reads EOF between marks.
 */
static int drive(char **hargv, const char *dir, struct counters *c,
		 struct marks *m, int *hstatus)
{
	char req[PATH_MAX], ack[PATH_MAX];
	int rfd, afd;
	pid_t pid;

	snprintf(req, sizeof(req), "%s/req", dir);
	snprintf(ack, sizeof(ack), "%s/ack", dir);
	rfd = open(req, O_RDWR | O_NONBLOCK);
	afd = open(ack, O_RDWR);
	if (rfd < 0 || afd < 0)
		return -1;
	if (posix_spawnp(&pid, "hyperfine", NULL, NULL, hargv, environ)) {
		fprintf(stderr, "mmb-macro: hyperfine: %s\n", strerror(errno));
		return -1;
	}
	for (bool told = false;;) {
		struct pollfd p = { .fd = rfd, .events = POLLIN };
		char ch;
		pid_t w = waitpid(pid, hstatus, WNOHANG);

		if (w == pid)
			break;
		/* Ctrl-C reached us alone (kill -INT): hyperfine stops too */
		if (interrupted && !told) {
			kill(pid, SIGINT);
			told = true;
		}
		if (poll(&p, 1, 50) <= 0 || read(rfd, &ch, 1) != 1)
			continue;
		if (m->n == MAX_MARKS)
			return -1;
		m->s[m->n] = snapshot_new(c);
		if (!m->s[m->n] || counters_snap(c, m->s[m->n], m->n > 0, true))
			return -1;
		m->n++;
		if (write(afd, "k", 1) != 1)
			return -1;
	}
	/* the last run's end */
	m->s[m->n] = snapshot_new(c);
	if (!m->s[m->n] || counters_snap(c, m->s[m->n], true, true))
		return -1;
	m->n++;
	close(rfd);
	close(afd);
	return 0;
}

static json_t *read_times(const char *dir, int want)
{
	char path[PATH_MAX];
	json_error_t e;
	json_t *h, *t;

	snprintf(path, sizeof(path), "%s/hyperfine.json", dir);
	h = json_load_file(path, 0, &e);
	t = json_object_get(json_array_get(json_object_get(h, "results"), 0),
			    "times");
	if (!json_is_array(t) || (int)json_array_size(t) != want) {
		fprintf(stderr, "mmb-macro: %s: no 'results[0].times' of %d runs\n",
			path, want);
		json_decref(h);
		return NULL;
	}
	json_incref(t);
	json_decref(h);
	return t;
}

/* One run per sample: its time from hyperfine, its counts from us. */
static json_t *build(struct counters *c, struct marks *m, json_t *times,
		     long warmup, json_t **samples)
{
	int runs = (int)json_array_size(times);
	json_t *metrics = json_object();
	double *v = calloc(runs, sizeof(*v));
	struct cval (*val)[64] = calloc(runs, sizeof(*val));
	int nval = 0;

	*samples = json_array();
	if (!v || !val)
		return metrics;
	for (int i = 0; i < runs; i++) {
		struct snapshot *a = m->s[warmup + i], *b = m->s[warmup + i + 1];
		json_t *s;

		nval = counters_delta(c, a, b, val[i], 64, true);
		s = json_pack("{s:i, s:I, s:I, s:I}", "ops", 1,
			      "op_ns", (json_int_t)(json_number_value(
				      json_array_get(times, i)) * 1e9),
			      "window_ns", (json_int_t)(snapshot_ns(b) - snapshot_ns(a)),
			      "cycles", (json_int_t)(snapshot_cycles(b) -
						     snapshot_cycles(a)));
		for (int j = 0; j < nval; j++)
			json_object_set_new(s, val[i][j].name,
					    json_real(val[i][j].v));
		json_object_set_new(s, "interrupts", counters_irq_delta(a, b));
		json_array_append_new(*samples, s);
	}
	for (int i = 0; i < runs; i++)
		v[i] = json_number_value(json_array_get(times, i)) * 1e9;
	mmb_add_metric(metrics, "latency_ns", "ns",
		       "hyperfine: the wall time of each run (--export-json times)",
		       v, runs);
	for (int i = 0; i < runs; i++)
		v[i] = (double)(snapshot_cycles(m->s[warmup + i + 1]) -
				snapshot_cycles(m->s[warmup + i]));
	mmb_add_metric(metrics, "cycles", "tsc-cycles",
		       "the time-stamp counter over each run's window (wall clock, not core cycles)",
		       v, runs);
	for (int j = 0; j < nval; j++) {
		char name[80], src[320];

		for (int i = 0; i < runs; i++)
			v[i] = val[i][j].v;
		snprintf(name, sizeof(name), "%s_per_op", val[0][j].name);
		snprintf(src, sizeof(src), "%s; system-wide, per run (from the mark before it to the next)",
			 val[0][j].source);
		mmb_add_metric(metrics, name, val[0][j].unit ?
			       val[0][j].unit : "ipis/op", src, v, runs);
	}
	free(v);
	free(val);
	return metrics;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "variant", required_argument, NULL, 'v' },
		{ "preset", required_argument, NULL, 'p' },
		{ "runs", required_argument, NULL, 'r' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "ksrc", required_argument, NULL, 'k' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "mark", required_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct preset *pre = NULL;
	char dir[] = "/tmp/mmb-macro.XXXXXX", path[PATH_MAX], self[PATH_MAX];
	char prep[3 * PATH_MAX], cmd[PATH_MAX + 256], runs_s[24], warm_s[24];
	char *hargv[256], started[32], err[256];
	struct hygiene_opts hyg = { .dma_latency = true,
				    .numa_balancing_off = true };
	struct marks m = { 0 };
	struct topology topo;
	struct placement pl;
	struct counters *c;
	json_t *sys, *times, *res, *samples, *metrics, *params, *ha;
	int nh = 0, c_, hstatus = 0, ret;
	ssize_t n;

	opterr = 0;
	while ((c_ = getopt_long(argc, argv, "+h", lo, NULL)) != -1) {
		switch (c_) {
		case 'v':
			o.variant = optarg;
			break;
		case 'p':
			o.preset = optarg;
			break;
		case 'r':
			o.runs = (long)mmb_num_arg("mmb-macro", "--runs", optarg,
						   1, 100000);
			break;
		case 'w':
			o.warmup = (long)mmb_num_arg("mmb-macro", "--warmup",
						     optarg, 0, 1000);
			break;
		case 'o':
			o.output = optarg;
			break;
		case 'k':
			o.ksrc = optarg;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'M':
			return mark(optarg);
		case 'f':
			for (o.format = 0; mmb_format_names[o.format] &&
			     strcmp(mmb_format_names[o.format], optarg); o.format++)
				;
			if (!mmb_format_names[o.format])
				return usage("--format: human, json or csv");
			break;
		case 'h': return usage(NULL);
		default:
			snprintf(err, sizeof(err), "%s: unknown option (hyperfine's go after --)",
				 argv[optind - 1]);
			return usage(err);
		}
	}
	if (o.preset) {
		for (pre = presets; pre->name && strcmp(pre->name, o.preset); pre++)
			;
		if (!pre->name)
			return usage("--preset: hackbench, compile or forkexec");
		if (!o.variant)
			o.variant = pre->name;
		if (o.runs < 0)
			o.runs = pre->runs;
		if (o.warmup < 0)
			o.warmup = pre->warmup;
	}
	if (o.runs < 0)
		o.runs = 10;
	if (o.warmup < 0)
		o.warmup = 1;
	if (!o.variant)
		return usage("--variant: name the workload (or --preset)");
	if (!name_ok(o.variant))
		return usage("--variant: lower-case letters, digits and '-' only");
	if (!pre && optind == argc)
		return usage("give the COMMAND after -- (or --preset)");
	if (pre && optind < argc)
		for (int i = optind; i < argc; i++)
			if (argv[i][0] != '-')
				return usage("--preset names the command: give no COMMAND");
	for (int i = optind; i < argc; i++)
		if (!strncmp(argv[i], "--prepare", 9) || !strcmp(argv[i], "-p") ||
		    !strncmp(argv[i], "--export-json", 13) ||
		    !strncmp(argv[i], "--runs", 6) || !strcmp(argv[i], "-r") ||
		    !strncmp(argv[i], "--warmup", 8) || !strcmp(argv[i], "-w")) {
			snprintf(err, sizeof(err), "%s: mmb-macro sets it (--runs and --warmup are ours)",
				 argv[i]);
			return usage(err);
		}
	if (access("/usr/bin/hyperfine", X_OK) && system("command -v hyperfine >/dev/null 2>&1")) {
		fprintf(stderr, "mmb-macro: skip: no hyperfine (scripts/install-deps.sh check)\n");
		return MMB_EXIT_SKIP;
	}
	if (pre && pre->prepare) {
		const char *k = find_ksrc();

		if (!k) {
			fprintf(stderr, "mmb-macro: --preset compile: no kernel tree (give --ksrc DIR)\n");
			return MMB_EXIT_USAGE;
		}
		snprintf(cmd, sizeof(cmd), pre->cmd, sysconf(_SC_NPROCESSORS_ONLN), k);
	} else if (pre) {
		snprintf(cmd, sizeof(cmd), "%s", pre->cmd);
	}

	if (!mkdtemp(dir))
		return MMB_EXIT_FAIL;
	snprintf(path, sizeof(path), "%s/req", dir);
	mkfifo(path, 0600);
	snprintf(path, sizeof(path), "%s/ack", dir);
	mkfifo(path, 0600);
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return MMB_EXIT_FAIL;
	self[n] = '\0';
	/* the preset's cleaning first: the mark is the last thing before the run */
	if (pre && pre->prepare) {
		char clean[PATH_MAX + 200];

		snprintf(clean, sizeof(clean), pre->prepare, find_ksrc());
		snprintf(prep, sizeof(prep), "%s; '%s' --mark '%s'", clean, self, dir);
	} else {
		snprintf(prep, sizeof(prep), "'%s' --mark '%s'", self, dir);
	}
	snprintf(runs_s, sizeof(runs_s), "%ld", o.runs);
	snprintf(warm_s, sizeof(warm_s), "%ld", o.warmup);
	snprintf(path, sizeof(path), "%s/hyperfine.json", dir);
	hargv[nh++] = "hyperfine";
	hargv[nh++] = "--runs";
	hargv[nh++] = runs_s;
	hargv[nh++] = "--warmup";
	hargv[nh++] = warm_s;
	hargv[nh++] = "--prepare";
	hargv[nh++] = prep;
	hargv[nh++] = "--export-json";
	hargv[nh++] = path;
	if (o.quiet) {
		hargv[nh++] = "--style";
		hargv[nh++] = "none";
	}
	for (int i = optind; i < argc && nh < 250; i++)
		hargv[nh++] = argv[i];
	if (pre)
		hargv[nh++] = cmd;
	hargv[nh] = NULL;

	if (topo_init(&topo))
		return MMB_EXIT_FAIL;
	if (placement_resolve(&topo, NULL, -1, "0", 0, 0, SPREAD_COMPACT, -1,
			      &pl, err, sizeof(err))) {
		fprintf(stderr, "mmb-macro: %s\n", err);
		return MMB_EXIT_FAIL;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	sys = sysinfo_json();
	json_object_set_new(sys, "topology", topo_summary_json(&topo));
	hygiene_apply(&hyg, sys);
	c = counters_open(pl.initiator, true, NULL, sys);
	m.s = calloc(MAX_MARKS + 1, sizeof(*m.s));
	if (!c || !m.s)
		return MMB_EXIT_FAIL;
	{
		time_t t = time(NULL);
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(started, sizeof(started), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	counters_tp_enable(c, true);
	ret = drive(hargv, dir, c, &m, &hstatus);
	counters_tp_enable(c, false);
	hygiene_restore();
	if (interrupted) {
		fprintf(stderr, "mmb-macro: interrupted: hyperfine exports its times only at the end; no result\n");
		return 130;
	}
	if (ret || !WIFEXITED(hstatus) || WEXITSTATUS(hstatus)) {
		fprintf(stderr, "mmb-macro: hyperfine failed (exit %d): a run of the command failed, or its options\n",
			WIFEXITED(hstatus) ? WEXITSTATUS(hstatus) : -1);
		return MMB_EXIT_FAIL;
	}
	if (m.n != o.warmup + o.runs + 1) {
		fprintf(stderr, "mmb-macro: %d marks for %ld warm-up and %ld runs: hyperfine did not run --prepare before each\n",
			m.n, o.warmup, o.runs);
		return MMB_EXIT_FAIL;
	}
	times = read_times(dir, (int)o.runs);
	if (!times)
		return MMB_EXIT_FAIL;
	metrics = build(c, &m, times, o.warmup, &samples);

	/* the workload: what pairs it with another run of it in compare */
	params = json_pack("{s:s, s:s, s:I, s:I, s:s}", "mode", "processes",
			   "variant", o.variant, "repeat", (json_int_t)o.runs,
			   "warmup", (json_int_t)o.warmup,
			   "command", pre ? cmd : argv[argc - 1]);
	ha = json_array();
	for (int i = optind; i < argc - (pre ? 0 : 1); i++)
		json_array_append_new(ha, json_string(argv[i]));
	json_object_set_new(params, "hyperfine_options", ha);
	if (pre)
		json_object_set_new(params, "preset", json_string(pre->name));
	res = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "schema", "mmb-result/1",
			"bench", "macro", "variant", o.variant,
			"variant_desc", pre ? pre->desc : "a whole workload under hyperfine",
			"version", MMB_VERSION, "started_at", started);
	json_object_set_new(res, "op", json_string("one run of the workload (params.command), timed by hyperfine; counts system-wide from the mark before it to the next"));
	{
		json_t *av = json_array();

		for (int i = 0; i < argc; i++)
			json_array_append_new(av, json_string(argv[i]));
		json_object_set_new(res, "argv", av);
	}
	json_object_set_new(res, "interrupted", json_false());
	json_object_set_new(res, "params", params);
	{
		char rep[1024];

		snprintf(rep, sizeof(rep), pre ? "mmb-macro --variant %s --preset %s --runs %ld --warmup %ld" :
			 "mmb-macro --variant %s%.0s --runs %ld --warmup %ld -- ...",
			 o.variant, pre ? pre->name : "", o.runs, o.warmup);
		json_object_set_new(res, "reproduce", json_string(rep));
	}
	{
		json_t *pj = placement_json(&topo, &pl);

		json_object_set_new(pj, "scope", json_string(
			"system-wide: every CPU is counted; the workload is not pinned (initiator: where mmb-macro ran)"));
		json_object_set_new(res, "placement", pj);
	}
	json_object_set_new(res, "metrics", metrics);
	json_object_set_new(res, "metric_info", metric_info_block(metrics, NULL, NULL));
	json_object_set_new(res, "system", sys);
	json_object_set_new(res, "background", json_object());
	json_object_set_new(res, "samples", samples);
	/* tracepoints were counted in the same runs */
	json_object_set_new(res, "tracepoint_samples", json_deep_copy(samples));
	if (o.output)
		ret = output_write_file(res, o.format, o.output) ? MMB_EXIT_FAIL : 0;
	else if (o.format == FMT_JSON)
		ret = output_json(res, stdout) ? MMB_EXIT_FAIL : 0;
	else if (o.format == FMT_CSV)
		output_csv(res, stdout, true);
	else
		output_human(res, stdout);
	for (int i = 0; i < m.n; i++)
		snapshot_free(m.s[i]);
	free(m.s);
	counters_close(c);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path))
		ret = ret ? ret : MMB_EXIT_FAIL;
	json_decref(times);
	json_decref(res);
	placement_free(&pl);
	topo_free(&topo);
	return ret;
}
