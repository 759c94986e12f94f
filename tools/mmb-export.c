// SPDX-License-Identifier: GPL-2.0
/*
 * mmb-export --kcidb: results as one KCIDB v5 document, for a lab's
 * results database (KernelCI's: kcidb-submit, or kcidb-ng's POST /submit).
 * mmb-export --lava: the lava-test-case commands that report them from a
 * LAVA job (scripts/lava/).
 *
 *   mmb-export --kcidb [--origin NAME] [--tree NAME] [--repo URL]
 *              [--branch NAME] [--commit SHA] [--files-url URL]
 *              [--output FILE] RESULT.json|DIR|BUNDLE...
 *   mmb-export --lava RESULT.json|DIR|BUNDLE...
 *
 * The mapping (README "A lab of many boxes"):
 *  - a checkout per kernel source: the tree at a commit with a strategy's
 *    series on top, told apart by kernel release and lazy-TLB strategy
 *    (the series' directory in misc)
 *  - a build per strategy kernel and architecture, config_name the strategy
 *  - a test per result and metric, path mmb.<bench>.<variant>.<metric>,
 *    status DONE (a measurement), number the median with its unit; the
 *    statistics, the metric's description and its source in misc, the
 *    placement and the machine in environment.misc, the result file in
 *    output_files.  A metric that cannot exist on the machine (n/a) is a
 *    SKIP test with the reason, never a 0 and never left out.
 * KCIDB names allow [a-zA-Z0-9_-] in a path segment: anything else in a
 * bench, variant or metric name (an -e event, "msr/aperf/") becomes '_'.
 */
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static const char *prog = "mmb-export";

static void usage(FILE *f)
{
	fprintf(f,
		"usage: mmb-export --kcidb [--origin NAME] [--tree NAME] [--repo URL]\n"
		"                  [--branch NAME] [--commit SHA] [--files-url URL]\n"
		"                  [--output FILE] RESULT.json|DIR|BUNDLE...\n"
		"       mmb-export --lava RESULT.json|DIR|BUNDLE...\n"
		"  a KCIDB v5 document (checkouts, builds, tests) from mmb results;\n"
		"  or the lava-test-case commands reporting each median in a LAVA job\n"
		"  --origin    the submitter, [a-z0-9_]+ (default mmb)\n"
		"  --tree      tree_name of the checkouts (default: none)\n"
		"  --repo      git_repository_url of the checkouts (https://)\n"
		"  --branch    git_repository_branch of the checkouts\n"
		"  --commit    git_commit_hash: 40 lowercase hex digits\n"
		"  --files-url where the result files are published: output_files\n"
		"              are URL/<file name> (default file:// and the path)\n"
		"  --output    write there (default: standard output)\n");
}

static void __attribute__((noreturn)) bad(const char *opt, const char *val,
					  const char *why)
{
	fprintf(stderr, "%s: %s: '%s': %s\n", prog, opt, val, why);
	exit(MMB_EXIT_USAGE);
}

static bool all_of(const char *s, const char *set)
{
	return *s && strspn(s, set) == strlen(s);
}

/* A KCIDB path segment or id part: [a-zA-Z0-9_-], the rest '_' */
static void segment(char *dst, size_t len, const char *src)
{
	size_t i = 0;

	for (; src && *src && i + 1 < len; src++)
		dst[i++] = (strchr("_-", *src) ||
			    (*src >= 'a' && *src <= 'z') ||
			    (*src >= 'A' && *src <= 'Z') ||
			    (*src >= '0' && *src <= '9')) ? *src : '_';
	dst[i] = '\0';
	if (!i)
		snprintf(dst, len, "_");
}

struct opts {
	const char *origin, *tree, *repo, *branch, *commit, *files_url;
};

/* The series a strategy kernel was built with, if this tree has it */
static void series_dir(const char *release, const char *strategy, char *buf,
		       size_t len)
{
	char base[16] = "";
	int maj, min;

	buf[0] = '\0';
	if (sscanf(release, "%d.%d", &maj, &min) == 2)
		snprintf(base, sizeof(base), "%d.%d", maj, min);
	if (base[0] && strcmp(strategy, "refcount") && strcmp(strategy, "?"))
		snprintf(buf, len, "scripts/kernel/patches/%s/%s", base,
			 strategy);
}

static json_t *checkout(const struct opts *o, const char *id,
			const char *release, const char *strategy)
{
	json_t *c = json_pack("{s:s, s:s}", "id", id, "origin", o->origin);
	json_t *misc = json_pack("{s:s, s:s}", "kernel_release", release,
				 "lazy_tlb", strategy);
	char series[96];

	if (o->tree)
		json_object_set_new(c, "tree_name", json_string(o->tree));
	if (o->repo)
		json_object_set_new(c, "git_repository_url", json_string(o->repo));
	if (o->branch)
		json_object_set_new(c, "git_repository_branch",
				    json_string(o->branch));
	if (o->commit)
		json_object_set_new(c, "git_commit_hash", json_string(o->commit));
	series_dir(release, strategy, series, sizeof(series));
	if (series[0])
		json_object_set_new(misc, "series", json_string(series));
	json_object_set_new(c, "misc", misc);
	return c;
}

static json_t *build(const struct opts *o, const char *id,
		     const char *checkout_id, const json_t *sys)
{
	const char *arch = mmb_jstr(sys, "arch");

	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:s, s:s, s:o}}",
			 "id", id, "origin", o->origin,
			 "checkout_id", checkout_id,
			 /* KCIDB's names are the kernel's: x86_64, arm64 */
			 "architecture", arch,
			 "config_name", mmb_jstr(sys, "lazy_tlb.strategy"),
			 "misc", "kernel_release", mmb_jstr(sys, "kernel.release"),
			 "kernel_version", mmb_jstr(sys, "kernel.version"),
			 "lazy_tlb", json_deep_copy(json_object_get(sys, "lazy_tlb")));
}

static json_t *output_file(const struct opts *o, const char *where)
{
	char path[PATH_MAX], url[PATH_MAX + 512];
	const char *colon = strstr(where, ": results[");
	size_t n = colon ? (size_t)(colon - where) : strlen(where);
	const char *base;

	snprintf(path, sizeof(path), "%.*s", (int)n, where);
	base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	if (o->files_url) {
		snprintf(url, sizeof(url), "%s/%s", o->files_url, base);
	} else {
		char abs[PATH_MAX];

		if (!realpath(path, abs))
			snprintf(abs, sizeof(abs), "%s", path);
		snprintf(url, sizeof(url), "file://%s", abs);
	}
	return json_pack("[{s:s, s:s}]", "name", base, "url", url);
}

/* placement and machine: where the figure came from */
static json_t *environment(const json_t *res)
{
	const json_t *sys = json_object_get(res, "system");
	char comment[256];

	snprintf(comment, sizeof(comment), "%s, %s, %lld CPUs, lazy_tlb %s",
		 mmb_jstr(sys, "hostname"), mmb_jstr(sys, "cpu_model"),
		 json_integer_value(json_object_get(sys, "nr_cpus_online")),
		 mmb_jstr(sys, "lazy_tlb.strategy"));
	return json_pack("{s:s, s:{s:O*, s:s, s:s, s:O*, s:O*, s:O*, s:O*}}",
			 "comment", comment, "misc",
			 "placement", json_object_get(res, "placement"),
			 "hostname", mmb_jstr(sys, "hostname"),
			 "cpu_model", mmb_jstr(sys, "cpu_model"),
			 "nr_cpus_online", json_object_get(sys, "nr_cpus_online"),
			 "boot", json_object_get(sys, "boot"),
			 "remote_flush", json_object_get(sys, "remote_flush"),
			 "params", json_object_get(res, "params"));
}

static void add_tests(const struct opts *o, json_t *tests, const json_t *res,
		      const char *where, const char *build_id, int idx)
{
	const json_t *metrics = json_object_get(res, "metrics");
	const json_t *na = json_object_get(res, "not_applicable");
	char bench[64], variant[64], run[64], path[320], id[448];
	const char *k;
	json_t *v;

	segment(bench, sizeof(bench), mmb_jstr(res, "bench"));
	segment(variant, sizeof(variant), mmb_jstr(res, "variant"));
	segment(run, sizeof(run), mmb_jstr(res, "started_at"));
	json_object_foreach((json_t *)metrics, k, v) {
		const json_t *med = json_object_get(v, "median");
		struct metric_info mi;
		char metric[128];
		json_t *t, *misc;

		if (!json_is_number(med))
			continue;
		mmb_metric_info(res, k, &mi);
		segment(metric, sizeof(metric), k);
		snprintf(path, sizeof(path), "mmb.%s.%s.%s", bench, variant,
			 metric);
		snprintf(id, sizeof(id), "%s:%s.%d.%s", o->origin, run, idx,
			 path + 4);
		misc = json_deep_copy(v);
		json_object_del(misc, "unit");
		json_object_set_new(misc, "metric", json_string(k));
		json_object_set_new(misc, "kind",
				    json_string(mmb_kind_names[mi.d.kind]));
		json_object_set_new(misc, "better",
				    json_string(mmb_better_names[mi.d.better]));
		json_object_set_new(misc, "role",
				    json_string(mmb_role_names[mi.d.role]));
		json_object_set_new(misc, "label",
				    json_string(mi.lab[0] ? mi.lab : k));
		json_object_set_new(misc, "op", json_string(mmb_jstr(res, "op")));
		t = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:O, s:s}, s:O*}",
			      "id", id, "origin", o->origin,
			      "build_id", build_id, "path", path,
			      "status", "DONE",
			      "number", "value", med,
			      "unit", mmb_jstr(v, "unit"),
			      "start_time", json_object_get(res, "started_at"));
		json_object_set_new(t, "environment", environment(res));
		json_object_set_new(t, "output_files", output_file(o, where));
		json_object_set_new(t, "misc", misc);
		json_array_append_new(tests, t);
	}
	/* n/a: a test that did not run here, with why */
	json_object_foreach((json_t *)na, k, v) {
		char metric[128];
		json_t *t;

		segment(metric, sizeof(metric), k);
		snprintf(path, sizeof(path), "mmb.%s.%s.%s", bench, variant,
			 metric);
		snprintf(id, sizeof(id), "%s:%s.%d.%s", o->origin, run, idx,
			 path + 4);
		t = json_pack("{s:s, s:s, s:s, s:s, s:s, s:O*, s:{s:s, s:O}}",
			      "id", id, "origin", o->origin,
			      "build_id", build_id, "path", path,
			      "status", "SKIP",
			      "start_time", json_object_get(res, "started_at"),
			      "misc", "metric", k, "not_applicable", v);
		json_object_set_new(t, "environment", environment(res));
		json_object_set_new(t, "output_files", output_file(o, where));
		json_array_append_new(tests, t);
	}
}

/*
 * --lava: the shell commands that report each figure to LAVA from inside
 * the job (lava-test-case is on the PATH of a LAVA test shell): one test
 * case per result and metric, named <result file>.<metric>, the median as
 * its measurement; an n/a figure is a skipped case.
 */
static void lava_cases(const json_t *res, const char *where)
{
	const json_t *metrics = json_object_get(res, "metrics");
	const json_t *na = json_object_get(res, "not_applicable");
	const char *slash = strrchr(where, '/');
	char file[128], metric[128], unit[64];
	const char *k;
	json_t *v;

	segment(file, sizeof(file), slash ? slash + 1 : where);
	if (strlen(file) > 5 && !strcmp(file + strlen(file) - 5, "_json"))
		file[strlen(file) - 5] = '\0';
	json_object_foreach((json_t *)metrics, k, v) {
		const json_t *med = json_object_get(v, "median");

		if (!json_is_number(med))
			continue;
		segment(metric, sizeof(metric), k);
		/* units are one word: ipis/op stays, a space would not */
		snprintf(unit, sizeof(unit), "%s", mmb_jstr(v, "unit"));
		for (char *p = unit; *p; p++)
			if (!strchr("/_-.%", *p) && !(*p >= 'a' && *p <= 'z') &&
			    !(*p >= 'A' && *p <= 'Z') && !(*p >= '0' && *p <= '9'))
				*p = '_';
		printf("lava-test-case %s.%s --result pass --measurement %.17g --units %s\n",
		       file, metric, json_number_value(med),
		       unit[0] ? unit : "none");
	}
	json_object_foreach((json_t *)na, k, v) {
		segment(metric, sizeof(metric), k);
		printf("lava-test-case %s.%s --result skip\n", file, metric);
	}
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "kcidb", no_argument, NULL, 'k' },
		{ "lava", no_argument, NULL, 'l' },
		{ "origin", required_argument, NULL, 'o' },
		{ "tree", required_argument, NULL, 't' },
		{ "repo", required_argument, NULL, 'r' },
		{ "branch", required_argument, NULL, 'b' },
		{ "commit", required_argument, NULL, 'c' },
		{ "files-url", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct opts o = { .origin = "mmb" };
	struct mmb_results rs = { 0 };
	const char *out = NULL;
	bool kcidb = false, lava = false;
	json_t *doc, *checkouts, *builds, *tests, *seen;
	char err[512];
	int c, ret = MMB_EXIT_OK;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'k': kcidb = true; break;
		case 'l': lava = true; break;
		case 'o': o.origin = optarg; break;
		case 't': o.tree = optarg; break;
		case 'r': o.repo = optarg; break;
		case 'b': o.branch = optarg; break;
		case 'c': o.commit = optarg; break;
		case 'f': o.files_url = optarg; break;
		case 'O': out = optarg; break;
		case 'h': usage(stdout); return MMB_EXIT_OK;
		default: usage(stderr); return MMB_EXIT_USAGE;
		}
	}
	if (kcidb == lava) {
		fprintf(stderr, "%s: say what to export: --kcidb or --lava\n",
			prog);
		return MMB_EXIT_USAGE;
	}
	if (!all_of(o.origin, "abcdefghijklmnopqrstuvwxyz0123456789_"))
		bad("--origin", o.origin, "KCIDB origins are [a-z0-9_]+");
	if (o.commit && (!all_of(o.commit, "0123456789abcdef") ||
			 strlen(o.commit) != 40))
		bad("--commit", o.commit, "want 40 lowercase hex digits (KCIDB v5)");
	if (o.tree && !*o.tree)
		bad("--tree", o.tree, "empty");
	if (o.files_url && !strstr(o.files_url, "://"))
		bad("--files-url", o.files_url, "not a URL (scheme://...)");
	if (o.repo && strncmp(o.repo, "https://", 8))
		bad("--repo", o.repo, "KCIDB v5 takes https:// repository URLs only");
	if (optind == argc) {
		usage(stderr);
		return MMB_EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++)
		if (mmb_results_load(&rs, argv[i], err, sizeof(err))) {
			fprintf(stderr, "%s: %s\n", prog, err);
			mmb_results_free(&rs);
			return MMB_EXIT_USAGE;
		}
	if (lava) {
		for (int i = 0; i < rs.n; i++)
			lava_cases(rs.r[i].doc, rs.r[i].where);
		mmb_results_free(&rs);
		return fflush(stdout) ? MMB_EXIT_FAIL : MMB_EXIT_OK;
	}
	checkouts = json_array();
	builds = json_array();
	tests = json_array();
	seen = json_object();
	for (int i = 0; i < rs.n; i++) {
		const json_t *res = rs.r[i].doc;
		const json_t *sys = json_object_get(res, "system");
		const char *release = mmb_jstr(sys, "kernel.release");
		const char *strategy = mmb_jstr(sys, "lazy_tlb.strategy");
		char rel[96], st[48], arch[32], cid[256], bid[320];

		segment(rel, sizeof(rel), release);
		segment(st, sizeof(st), strategy);
		segment(arch, sizeof(arch), mmb_jstr(sys, "arch"));
		snprintf(cid, sizeof(cid), "%s:%s-%s", o.origin, rel, st);
		snprintf(bid, sizeof(bid), "%s-%s", cid, arch);
		if (!json_object_get(seen, cid)) {
			json_array_append_new(checkouts,
					      checkout(&o, cid, release, strategy));
			json_object_set_new(seen, cid, json_true());
		}
		if (!json_object_get(seen, bid)) {
			json_array_append_new(builds, build(&o, bid, cid, sys));
			json_object_set_new(seen, bid, json_true());
		}
		add_tests(&o, tests, res, rs.r[i].where, bid, i);
	}
	doc = json_pack("{s:{s:i, s:i}, s:o, s:o, s:o}",
			"version", "major", 5, "minor", 3,
			"checkouts", checkouts, "builds", builds,
			"tests", tests);
	if (out ? json_dump_file(doc, out, JSON_INDENT(1) | JSON_SORT_KEYS) :
	    json_dumpf(doc, stdout, JSON_INDENT(1) | JSON_SORT_KEYS)) {
		fprintf(stderr, "%s: writing %s failed\n", prog,
			out ? out : "standard output");
		ret = MMB_EXIT_FAIL;
	} else if (!out) {
		putchar('\n');
	}
	json_decref(doc);
	json_decref(seen);
	mmb_results_free(&rs);
	return ret;
}
