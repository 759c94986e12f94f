// SPDX-License-Identifier: GPL-2.0
/*
 * mmb_main(): options, variants, placement, and one result per variant.
 * The common option table and the bench's own table together generate
 * getopt_long's table and --help, so the two cannot drift apart.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <numaif.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

static const char *const mode_names[] = { "threads", "processes", NULL };
static const char *const onoff_names[] = { "on", "off", NULL };

static struct {
	const char *cpus, *victims, *variant, *output, *initiators, *events;
	long initiator, node;
	int spread, mode, format, dma, init_mode;
	double duration, warmup;
	long iterations, repeat, tp_repeat, lat_repeat;
	bool quiet, no_tp, mm_life, help, version;
	bool mode_set;
} o = {
	.initiator = -1, .node = -1, .variant = "all", .duration = 0.5,
	.warmup = 0.2, .repeat = 10, .tp_repeat = 3, .lat_repeat = 3,
};

static const struct mmb_opt common_opts[] = {
	{ "variant", MMB_OPT_STR, &o.variant, "NAME",
	  "variant to run: a name, all, or help (lists them; plan: for scripts/mmb plan)" },
	{ "cpus", MMB_OPT_STR, &o.cpus, "LIST",
	  "CPUs the run may use (default: all online)" },
	{ "initiator", MMB_OPT_INT, &o.initiator, "CPU",
	  "CPU of the task that issues the ops (default: first of --cpus)",
	  0, INT_MAX },
	{ "initiators", MMB_OPT_STR, &o.initiators, "N|LIST|all",
	  "run N copies of the op loop at once, each on its own CPU (placed by --spread from --initiator; a list is taken as given) and with its own victims; samples are --duration windows" },
	{ "initiator-mode", MMB_OPT_CHOICE, &o.init_mode, "MODE",
	  "--initiators as threads of one process (one mm) or processes (an mm each)",
	  0, 0, mode_names },
	{ "victims", MMB_OPT_STR, &o.victims, "LIST|N",
	  "victim CPUs: a list ('1,' '2-5') or a count N or all; with --initiators a count is per initiator and a list is split among them" },
	{ "spread", MMB_OPT_CHOICE, &o.spread, "POLICY",
	  "how a victim count is placed", 0, 0, mmb_spread_names },
	{ "mode", MMB_OPT_CHOICE, &o.mode, "MODE",
	  "victims as threads (one mm) or processes", 0, 0, mode_names },
	{ "node", MMB_OPT_INT, &o.node, "N",
	  "bind test memory to NUMA node N (default: local)", 0, 4095 },
	{ "duration", MMB_OPT_DOUBLE, &o.duration, "SEC",
	  "length of one sample", 0.001, 3600 },
	{ "iterations", MMB_OPT_INT, &o.iterations, "N",
	  "ops per sample (instead of --duration)", 1, 1e12 },
	{ "warmup", MMB_OPT_DOUBLE, &o.warmup, "SEC",
	  "warm-up before the first sample", 0, 600 },
	{ "repeat", MMB_OPT_INT, &o.repeat, "N", "samples", 1, 100000 },
	{ "format", MMB_OPT_CHOICE, &o.format, "FMT", "output format", 0, 0,
	  mmb_format_names },
	{ "output", MMB_OPT_STR, &o.output, "FILE",
	  "write the result here (a directory with several variants)" },
	{ "cpu-dma-latency", MMB_OPT_CHOICE, &o.dma, "on|off",
	  "hold /dev/cpu_dma_latency at 0 during the run", 0, 0, onoff_names },
	{ "tracepoint-repeat", MMB_OPT_INT, &o.tp_repeat, "N",
	  "samples of the separate tracepoint pass (0: none)", 0, 100000 },
	{ "latency-repeat", MMB_OPT_INT, &o.lat_repeat, "N",
	  "samples of the per-op latency pass, for percentiles over ops where ops are timed per batch (0: none)",
	  0, 100000 },
	{ "events", MMB_OPT_STR, &o.events, "LIST",
	  "-e: perf events per op, perf's names (instructions, dTLB-load-misses, r01c4, tlb:tlb_flush, msr/aperf/), on the initiator's CPU, or EVENT@victims on the victims'; what this machine lacks is listed as n/a" },
	{ "no-tracepoints", MMB_OPT_FLAG, &o.no_tp, NULL,
	  "count IPIs from /proc/interrupts only" },
	{ "mm-life", MMB_OPT_FLAG, &o.mm_life, NULL,
	  "how long dead mms live, on any strategy: from mmap:exit_mmap to the free of the mm_struct (kmem:kmem_cache_free), sampled on every CPU for the whole run; costs every slab free a filtered tracepoint hit" },
	{ "quiet", MMB_OPT_FLAG, &o.quiet, NULL, "no progress, no notes" },
	{ "help", MMB_OPT_FLAG, &o.help, NULL, "this text" },
	{ "version", MMB_OPT_FLAG, &o.version, NULL, "print the version" },
	{ NULL }
};

static const char *prog;
/* every option's value before parsing: what a reproduce line may omit */
static json_t *defaults;

void (*mmb_usage_catch)(const char *msg);

void mmb_die_usage(const char *p, const char *fmt, ...)
{
	va_list ap;

	if (mmb_usage_catch) {
		char msg[512];

		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		mmb_usage_catch(msg);	/* does not return */
	}
	fprintf(stderr, "%s: ", p);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(try %s --help)\n", p);
	exit(MMB_EXIT_USAGE);
}

size_t mmb_page_size(void)
{
	static size_t ps;

	if (!ps)
		ps = (size_t)sysconf(_SC_PAGESIZE);
	return ps;
}

void *mmb_map(const struct mmb_run *r, size_t len, int extra_flags)
{
	return mmb_map_at(r, NULL, len, extra_flags);
}

void *mmb_map_at(const struct mmb_run *r, void *addr, size_t len,
		 int extra_flags)
{
	void *p = mmap(addr, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | extra_flags, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	/* THP would turn a 1-page op into a 2M one and change the flush. */
	madvise(p, len, MADV_NOHUGEPAGE);
	if (r->pl->mem_node >= 0) {
		unsigned long mask[64] = { 0 };
		int n = r->pl->mem_node;

		mask[n / (8 * sizeof(long))] |= 1ul << (n % (8 * sizeof(long)));
		if (mbind(p, len, MPOL_BIND, mask, sizeof(mask) * 8, 0)) {
			munmap(p, len);
			return NULL;
		}
	}
	return p;
}

const char *mmb_libexec(const char *name)
{
	static char path[PATH_MAX + 32];
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return NULL;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	/* build/bin/mmb-x -> build/libexec/name */
	snprintf(path, sizeof(path), "%s/../libexec/%s", self, name);
	return path;
}

/* ---- options ---- */

static const struct mmb_opt *find_opt(const struct mmb_bench *b, int idx)
{
	int nc = mmb_opts_count(common_opts);

	return idx < nc ? &common_opts[idx] : &b->opts[idx - nc];
}

static void print_variants(const struct mmb_bench *b, FILE *f)
{
	for (const struct mmb_variant *v = b->variants; v->name; v++)
		fprintf(f, "  %-12s %s\n", v->name, v->desc);
}

static void usage(const struct mmb_bench *b)
{
	printf("usage: %s [options]\n  %s\n\nvariants (--variant NAME|all|help):\n",
	       prog, b->desc);
	print_variants(b, stdout);
	if (mmb_opts_count(b->opts)) {
		printf("\n%s options:\n", b->name);
		mmb_opts_help(b->opts, stdout);
	}
	printf("\ncommon options:\n");
	mmb_opts_help(common_opts, stdout);
	printf("\nA bare number given to --victims is a count; write one CPU as '3,'.\n"
	       "Exit: 0 ok, 1 failure, 2 usage error, 4 skipped (reason on stderr).\n");
}

static void parse_args(const struct mmb_bench *b, int argc, char **argv)
{
	int nc = mmb_opts_count(common_opts), nb = mmb_opts_count(b->opts);
	struct option *lo = calloc(nc + nb + 1, sizeof(*lo));
	int c, idx;

	if (!lo)
		exit(MMB_EXIT_FAIL);
	for (int i = 0; i < nc + nb; i++) {
		const struct mmb_opt *op = find_opt(b, i);

		lo[i].name = op->name;
		lo[i].has_arg = op->type == MMB_OPT_FLAG ? no_argument :
							    required_argument;
		lo[i].val = 0;
	}
	opterr = 0;
	while ((c = getopt_long(argc, argv, "he:", lo, &idx)) != -1) {
		if (c == 'h') {
			o.help = true;
			continue;
		}
		if (c == 'e') {		/* perf's -e, for --events */
			o.events = optarg;
			continue;
		}
		if (c == '?') {
			if (optopt)
				mmb_die_usage(prog, "-%c: unknown option", optopt);
			mmb_die_usage(prog, "%s: unknown option or missing argument",
				      argv[optind - 1]);
		}
		mmb_opt_set(prog, find_opt(b, idx), optarg);
		if (!strcmp(lo[idx].name, "mode"))
			o.mode_set = true;
	}
	if (optind < argc)
		mmb_die_usage(prog, "%s: unexpected argument", argv[optind]);
	free(lo);
}

/* Options go into params, so a result says how it was made. */
static void opts_json(const struct mmb_opt *t, json_t *params)
{
	for (int i = 0; t && t[i].name; i++) {
		const struct mmb_opt *op = &t[i];
		json_t *v = NULL;

		switch (op->type) {
		case MMB_OPT_FLAG:
			v = json_boolean(*(bool *)op->ptr);
			break;
		case MMB_OPT_INT:
			v = json_integer(*(long *)op->ptr);
			break;
		case MMB_OPT_DOUBLE:
			v = json_real(*(double *)op->ptr);
			break;
		case MMB_OPT_CHOICE:
			v = json_string(op->choices[*(int *)op->ptr]);
			break;
		case MMB_OPT_STR:
			if (*(const char **)op->ptr)
				v = json_string(*(const char **)op->ptr);
			break;
		}
		if (v)
			json_object_set_new(params, op->name, v);
	}
}

/* ---- the run ---- */

static void on_signal(int sig)
{
	mmb_interrupted = 1;
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	/* No SA_RESTART: a blocked op returns EINTR and the run ends. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void iso_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static bool is_dir_target(const char *path, int nvariants)
{
	struct stat st;
	size_t n = strlen(path);

	if (n && path[n - 1] == '/')
		return true;
	if (!stat(path, &st) && S_ISDIR(st.st_mode))
		return true;
	return nvariants > 1;
}

static int emit(const json_t *res, int nvariants, int *nemitted)
{
	static const char *const ext[] = { "txt", "json", "csv" };

	if (o.output) {
		char path[PATH_MAX];
		const char *target = o.output;

		if (is_dir_target(o.output, nvariants)) {
			mkdir(o.output, 0755);
			snprintf(path, sizeof(path), "%s/%s-%s.%s", o.output,
				 mmb_jstr(res, "bench"), mmb_jstr(res, "variant"),
				 ext[o.format]);
			target = path;
		}
		if (output_write_file(res, o.format, target)) {
			fprintf(stderr, "%s: --output: writing %s: %s\n", prog,
				target, strerror(errno));
			return -1;
		}
	} else {
		switch (o.format) {
		case FMT_HUMAN:
			if (*nemitted)
				putchar('\n');
			output_human(res, stdout);
			break;
		case FMT_JSON:
			/* several variants: one JSON document per line */
			if (nvariants > 1)
				json_dumpf(res, stdout, JSON_COMPACT |
					   JSON_PRESERVE_ORDER);
			else
				output_json(res, stdout);
			if (nvariants > 1)
				putchar('\n');
			break;
		case FMT_CSV:
			output_csv(res, stdout, !*nemitted);
			break;
		}
		fflush(stdout);
	}
	(*nemitted)++;
	return 0;
}

static json_t *argv_json(int argc, char **argv)
{
	json_t *a = json_array();

	for (int i = 0; i < argc; i++)
		json_array_append_new(a, json_string(argv[i]));
	return a;
}

/* A word as the shell reads it back: quoted only when it must be. */
static void shell_word(char *buf, size_t len, size_t *at, const char *w)
{
	bool plain = *w && strspn(w, "abcdefghijklmnopqrstuvwxyz"
				  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
				  ",.-_/=+:@%") == strlen(w);

	if (plain) {
		*at += snprintf(buf + *at, *at < len ? len - *at : 0, " %s", w);
		return;
	}
	*at += snprintf(buf + *at, *at < len ? len - *at : 0, " '");
	for (; *w; w++)
		*at += snprintf(buf + *at, *at < len ? len - *at : 0,
				*w == '\'' ? "'\\''" : "%c", *w);
	*at += snprintf(buf + *at, *at < len ? len - *at : 0, "'");
}

/*
 * The shortest command that runs this result's workload again: the
 * variant, and every option whose value is not its default, in the
 * option tables' order (where and how it writes are left to the reader).
 * --mode only where the variant would not pick that mode itself.
 */
static void reproduce_json(const struct mmb_bench *b,
			   const struct mmb_variant *v, json_t *res)
{
	const struct mmb_opt *tabs[] = { common_opts, b->opts };
	const json_t *params = json_object_get(res, "params");
	char buf[2048];
	size_t at;

	at = snprintf(buf, sizeof(buf), "mmb-%s --variant %s", b->name,
		      v->name);
	for (size_t t = 0; t < ARRAY_SIZE(tabs); t++) {
		for (const struct mmb_opt *op = tabs[t]; op && op->name; op++) {
			const json_t *val = json_object_get(params, op->name);
			char *s;

			if (!strcmp(op->name, "variant") || !val ||
			    json_equal((json_t *)val,
				       json_object_get(defaults, op->name)))
				continue;
			if (!strcmp(op->name, "mode") &&
			    !strcmp(json_string_value(val), mode_names[v->mode]))
				continue;
			if (op->type == MMB_OPT_FLAG) {
				if (json_is_true(val))
					at += snprintf(buf + at, at < sizeof(buf) ?
						       sizeof(buf) - at : 0,
						       " --%s", op->name);
				continue;
			}
			at += snprintf(buf + at, at < sizeof(buf) ?
				       sizeof(buf) - at : 0, " --%s", op->name);
			s = json_is_string(val) ? strdup(json_string_value(val)) :
			    json_dumps(val, JSON_ENCODE_ANY |
				       JSON_REAL_PRECISION(12));
			if (s)
				shell_word(buf, sizeof(buf), &at, s);
			free(s);
		}
	}
	json_object_set_new(res, "reproduce", json_string(buf));
}

static double metric_stat(const json_t *metrics, const char *name,
			  const char *stat)
{
	const json_t *v = json_object_get(json_object_get(metrics, name), stat);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

static double metric_median(const json_t *metrics, const char *name)
{
	return metric_stat(metrics, name, "median");
}

static double metric_min(const json_t *metrics, const char *name)
{
	return metric_stat(metrics, name, "min");
}

/*
 * This result's own evidence on how remote flushes travel (lib/flush.c):
 * where they are not IPIs, the TLB IPI figures leave the metrics for
 * not_applicable with the reason, so no table prints a zero that was never
 * a measurement; where only some are, the note goes with the result.
 * The raw TLB row stays in every sample.  Returns the result's system
 * block: the shared one plus what this result measured.
 */
static json_t *judge_remote_flush(json_t *res, const json_t *sys)
{
	json_t *out = json_deep_copy(sys), *metrics, *na, *rf;
	double req, got;
	char why[512] = "";
	enum remote_flush_kind k;

	rf = json_object_get(out, "remote_flush");
	if (!rf || json_object_get(res, "not_applicable"))
		return out;	/* arm64: no TLB IPIs at all, said already */
	metrics = json_object_get(res, "metrics");
	req = metric_median(metrics, "tp_tlb_flush_remote_ipi_send_per_op");
	got = metric_median(metrics, "ipi_tlb_per_op");
	k = remote_flush_judge(mmb_jstr(rf, "delivery"), req, got,
			       metric_min(metrics, "busy_victim_oncpu"),
			       mmb_jstr(rf, "mechanism"), why, sizeof(why));
	json_object_set_new(rf, "measured", json_pack("{s:o, s:o, s:s}",
		"flush_requests_per_op", req == req ? json_real(req) : json_null(),
		"tlb_ipis_per_op", got == got ? json_real(got) : json_null(),
		"verdict", remote_flush_names[k]));
	if (k == RF_PARTIAL)
		json_object_set_new(rf, "note", json_string(why));
	if (k != RF_HYPERCALL)
		return out;
	na = json_pack("{s:s, s:s}", "ipi_tlb_per_op", why,
		       "ipi_tlb_net_per_op", why);
	json_object_set_new(res, "not_applicable", na);
	json_object_del(metrics, "ipi_tlb_per_op");
	json_object_del(metrics, "ipi_tlb_net_per_op");
	return out;
}

/*
 * Under refcount every lazy entry from a user task takes mm_count
 * (mmgrab_lazy_tlb()) and the switch back to a user task drops it
 * (mmdrop_lazy_tlb()): the atomics on a line every CPU of a threaded
 * workload shares, which is what shoot-lazies removes.  Derived from the
 * idle entries, the transition counted reliably (an exit from idle is not
 * traced on every hypervisor), and labelled so.
 */
static void derive_refcount(json_t *res, const json_t *sys)
{
	json_t *metrics = json_object_get(res, "metrics");
	const json_t *enter = json_object_get(metrics, "tp_idle_enter_per_op");
	const json_t *vals = json_object_get(enter, "values");
	const char *strategy = mmb_jstr(sys, "lazy_tlb.strategy");
	size_t n = json_array_size(vals);
	double *v;

	if (!n || !strategy || strcmp(strategy, "refcount"))
		return;
	v = calloc(n, sizeof(*v));
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		v[i] = 2 * json_number_value(json_array_get(vals, i));
	mmb_add_metric(metrics, "tp_mm_count_atomics_per_op", "atomics/op",
		       "derived from the tracepoint pass, not counted: 2 x tp_idle_enter_per_op on a refcount kernel (mmgrab_lazy_tlb() entering idle from a user task, mmdrop_lazy_tlb() leaving it for one); entries from kernel threads take none, so an upper bound",
		       v, n);
	free(v);
}

static int run_variant(const struct mmb_bench *b, const struct mmb_variant *v,
		       const struct topology *topo, struct counters **ctr,
		       json_t *sys, json_t *argvj, int nvariants,
		       int *nemitted)
{
	struct mmb_run r = { .bench = b, .variant = v };
	struct placement pl;
	struct run_cfg cfg = {
		.duration = o.duration, .iterations = o.iterations,
		.warmup = o.warmup, .repeat = o.repeat,
		.progress = !o.quiet && isatty(2), .tp_repeat = o.tp_repeat,
		.dist_repeat = o.lat_repeat,
	};
	struct run_out out = { 0 };
	json_t *res, *na = NULL;
	char err[256], started[32];
	bool same_cpu;
	int ret;

	r.mode = v->mode;
	if (o.initiators && o.iterations)
		mmb_die_usage(prog, "--iterations: with --initiators a sample is a --duration window");
	if (o.mode_set && o.mode != (int)v->mode && v->mode_fixed) {
		if (nvariants == 1)
			mmb_die_usage(prog, "--mode: variant %s always runs %s",
				      v->name, mode_names[v->mode]);
	} else if (o.mode_set) {
		r.mode = o.mode;
	}
	/* ctxsw's partner: same CPU as the initiator unless told otherwise */
	same_cpu = v->victim_on_initiator && !o.victims;
	if (v->victims == MMB_VICTIM_NONE && o.victims && nvariants == 1)
		mmb_die_usage(prog, "--victims: variant %s takes no victims",
			      v->name);
	if (o.initiators) {
		if (scale_place(topo, o.cpus, (int)o.initiator, o.initiators,
				v->victims == MMB_VICTIM_NONE ? VICTIMS_NONE :
				same_cpu ? VICTIMS_OWN_CPU : VICTIMS_ASKED,
				o.victims, b->default_victims, b->max_victims,
				o.spread, (int)o.node, &pl, err, sizeof(err)))
			mmb_die_usage(prog, "%s", err);
		r.ninit = pl.ninit;
		r.init_processes = o.init_mode == MMB_MODE_PROCESSES;
		cfg.init_processes = r.init_processes;
	} else if (placement_resolve(topo, o.cpus, (int)o.initiator,
			      same_cpu || v->victims == MMB_VICTIM_NONE ? "0" :
			      o.victims, b->default_victims,
			      b->max_victims, o.spread, (int)o.node, &pl, err,
			      sizeof(err))) {
		mmb_die_usage(prog, "%s", err);
	}
	if (same_cpu && !o.initiators) {
		free(pl.victim);
		pl.victim = malloc(sizeof(int));
		if (!pl.victim)
			return MMB_EXIT_FAIL;
		pl.victim[0] = pl.initiator;
		pl.nvictims = 1;
	}
	/* a bench checks what one initiator gets */
	r.pl = pl.ninit ? &pl.per[0] : &pl;
	r.params = json_object();
	if (b->check) {
		ret = b->check(&r);
		if (ret) {
			placement_free(&pl);
			json_decref(r.params);
			if (ret == MMB_EXIT_USAGE)
				exit(MMB_EXIT_USAGE);
			return ret;
		}
	}
	r.pl = &pl;
	if (!*ctr) {
		*ctr = counters_open(pl.initiator, !o.no_tp, b->cross_calls,
				     sys);
		if (!*ctr) {
			mmb_error(&r, "opening counters failed");
			return MMB_EXIT_FAIL;
		}
	}
	r.ctr = *ctr;
	na = json_object();
	if (counters_freq_na(*ctr))
		json_object_set_new(na, "effective_mhz",
				    json_string(counters_freq_na(*ctr)));
	if (counters_set_events(*ctr, o.events, pl.initiator, pl.victim,
				pl.nvictims, na, err, sizeof(err)))
		mmb_die_usage(prog, "%s", err);
	if (json_object_size(na) && !o.quiet) {
		const char *k;
		json_t *why;

		/* what -e asked for; the frequency says n/a in the result */
		json_object_foreach(na, k, why)
			if (strcmp(k, "effective_mhz"))
				mmb_error(&r, "note: %s: n/a: %s", k,
					  json_string_value(why));
	}
	if (o.mm_life && counters_mm_life(*ctr, na) && !o.quiet)
		mmb_error(&r, "note: --mm-life: n/a: %s",
			  json_string_value(json_object_get(na, "mm_life_ms")));
	if (counters_lazy_na(*ctr))
		json_object_set_new(na, "tp_shoot_lazy_tlb_per_op",
				    json_string(counters_lazy_na(*ctr)));
	/* counters the open-file limit left out: n/a, never just absent */
	if (counters_dropped(*ctr)) {
		json_object_update(na, (json_t *)counters_dropped(*ctr));
		if (!o.quiet)
			mmb_error(&r, "note: %zu tracepoint counters n/a: the open-file limit, or they failed to open (see not_applicable)",
				  json_object_size(counters_dropped(*ctr)));
	}

	opts_json(common_opts, r.params);
	/* the mode that ran, not --mode's default (fork-exit is processes) */
	json_object_set_new(r.params, "mode", json_string(mode_names[r.mode]));
	json_object_del(r.params, "help");
	json_object_del(r.params, "version");
	json_object_del(r.params, "format");
	json_object_del(r.params, "output");
	json_object_del(r.params, "quiet");
	if (!o.initiators)
		json_object_del(r.params, "initiator-mode");
	/* as results from before it: the op's cost is the same without */
	if (!o.mm_life)
		json_object_del(r.params, "mm-life");
	json_object_set_new(r.params, "variant", json_string(v->name));
	opts_json(b->opts, r.params);
	if (b->params)
		b->params(&r);

	iso_now(started, sizeof(started));
	ret = runner_run(&r, &cfg, &out);
	if (json_array_size(out.samples)) {
		res = json_object();
		json_object_set_new(res, "schema", json_string("mmb-result/1"));
		json_object_set_new(res, "bench", json_string(b->name));
		json_object_set_new(res, "variant", json_string(v->name));
		json_object_set_new(res, "variant_desc", json_string(v->desc));
		json_object_set_new(res, "op", json_string(v->op_desc));
		json_object_set_new(res, "version", json_string(MMB_VERSION));
		json_object_set(res, "argv", argvj);
		json_object_set_new(res, "started_at", json_string(started));
		json_object_set_new(res, "interrupted",
				    json_boolean(mmb_interrupted));
		json_object_set_new(res, "params", r.params);
		reproduce_json(b, v, res);
		json_object_set_new(res, "placement", placement_json(topo, &pl));
		json_object_set_new(res, "metrics", out.metrics);
		if (counters_tlb_na(*ctr))
			json_object_set_new(res, "not_applicable", json_pack(
				"{s:s, s:s}", "ipi_tlb_per_op", MMB_TLB_NA,
				"ipi_tlb_net_per_op", MMB_TLB_NA));
		json_object_set_new(res, "system", judge_remote_flush(res, sys));
		derive_refcount(res, sys);
		if (json_object_size(na)) {
			json_t *all = json_object_get(res, "not_applicable");

			if (!all) {
				all = json_object();
				json_object_set_new(res, "not_applicable", all);
			}
			json_object_update(all, na);
		}
		json_object_set_new(res, "metric_info", metric_info_block(
			json_object_get(res, "metrics"), b->counters,
			out.metric_info));
		json_object_set_new(res, "background", out.background);
		if (out.histogram)
			json_object_set_new(res, "latency_histogram",
					    out.histogram);
		json_object_set_new(res, "samples", out.samples);
		json_object_set_new(res, "tracepoint_samples", out.tp_samples);
		if (json_array_size(out.lat_samples))
			json_object_set_new(res, "latency_samples",
					    out.lat_samples);
		else
			json_decref(out.lat_samples);
		if (emit(res, nvariants, nemitted))
			ret = MMB_EXIT_FAIL;
		json_decref(res);
	} else {
		json_decref(r.params);
		json_decref(out.samples);
		json_decref(out.tp_samples);
		json_decref(out.lat_samples);
		json_decref(out.metrics);
		json_decref(out.background);
		json_decref(out.histogram);
	}
	json_decref(out.metric_info);
	placement_free(&pl);
	json_decref(na);
	return ret;
}

int mmb_main(const struct mmb_bench *b, int argc, char **argv)
{
	const struct mmb_variant *only = NULL;
	struct hygiene_opts hyg = { .numa_balancing_off = true };
	struct counters *ctr = NULL;
	struct topology topo;
	json_t *sys, *argvj;
	int nvariants = 0, nemitted = 0, nskipped = 0, ret = MMB_EXIT_OK;

	prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	/* argv as given, before getopt permutes it */
	argvj = argv_json(argc, argv);
	defaults = json_object();
	opts_json(common_opts, defaults);
	opts_json(b->opts, defaults);
	parse_args(b, argc, argv);
	if (o.help) {
		usage(b);
		return MMB_EXIT_OK;
	}
	if (o.version) {
		printf("%s %s\n", prog, MMB_VERSION);
		return MMB_EXIT_OK;
	}
	if (!strcmp(o.variant, "help")) {
		print_variants(b, stdout);
		return MMB_EXIT_OK;
	}
	if (!strcmp(o.variant, "plan")) {
		/* for scripts/mmb plan: name, in the matrix or not, options */
		for (const struct mmb_variant *v = b->variants; v->name; v++)
			printf("%s\t%s\t%s\n", v->name, v->matrix ? "matrix" : "-",
			       b->plan_args && v->victims != MMB_VICTIM_NONE ?
			       b->plan_args : "");
		return MMB_EXIT_OK;
	}
	if (strcmp(o.variant, "all")) {
		for (const struct mmb_variant *v = b->variants; v->name; v++)
			if (!strcmp(v->name, o.variant))
				only = v;
		if (!only)
			mmb_die_usage(prog, "--variant: unknown variant '%s' (try --variant help)",
				      o.variant);
		nvariants = 1;
	} else {
		for (const struct mmb_variant *v = b->variants; v->name; v++)
			nvariants++;
	}
	/* Only now: usage errors above must not pay for a re-exec. */
	hygiene_aslr_reexec(argv);

	/*
	 * Before the topology, which takes a tenth of a second on a slow
	 * machine: a Ctrl-C there ends the run as one later would (exit
	 * 130, "no result"), not by the signal.  Not before the re-exec,
	 * which resets the handlers.
	 */
	install_signals();
	if (topo_init(&topo)) {
		if (mmb_interrupted) {
			fprintf(stderr, "%s: interrupted; no result\n", prog);
			return 130;
		}
		fprintf(stderr, "%s: reading the CPU topology: %s\n", prog,
			strerror(errno));
		return MMB_EXIT_FAIL;
	}
	sys = sysinfo_json();
	json_object_set_new(sys, "topology", topo_summary_json(&topo));
	hyg.dma_latency = o.dma == 0;
	hygiene_apply(&hyg, sys);
	atexit(hygiene_restore);
	json_object_set_new(sys, "likwid_marker",
			    json_string(likwid_markers_init()));

	for (const struct mmb_variant *v = b->variants; v->name; v++) {
		int r;

		if (only && v != only)
			continue;
		if (mmb_interrupted)
			break;
		r = run_variant(b, v, &topo, &ctr, sys, argvj, nvariants,
				&nemitted);
		if (r == MMB_EXIT_SKIP)
			nskipped++;
		else if (r && ret == MMB_EXIT_OK)
			ret = r;
	}
	counters_close(ctr);
	likwid_markers_close();
	hygiene_restore();
	json_decref(sys);
	json_decref(argvj);
	json_decref(defaults);
	topo_free(&topo);
	if (mmb_interrupted) {
		fprintf(stderr, "%s: interrupted%s\n", prog,
			nemitted ? "; partial result written" : "; no result");
		return 130;
	}
	if (nskipped && nskipped == nvariants)
		return MMB_EXIT_SKIP;
	return ret;
}
