// SPDX-License-Identifier: GPL-2.0
/*
 * Reading results back: a result file, a directory of them (a suite run, a
 * matrix run, searched recursively in name order so every tool sees the
 * same order), or a bundle (mmb-bundle/1: one file holding many results, as
 * a CI baseline).  Every tool that reads results goes through here, so a
 * malformed input gets the same message, naming the file and the field,
 * from all of them.
 */
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

static int fail(char *err, size_t len, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t len, const char *where, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(err, len, "%s: ", where);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < len)
		vsnprintf(err + n, len - n, fmt, ap);
	va_end(ap);
	return -1;
}

static int add(struct mmb_results *rs, const char *where, json_t *doc,
	       char *err, size_t len)
{
	const char *schema = json_string_value(json_object_get(doc, "schema"));
	char why[160];

	if (!json_is_object(doc))
		return fail(err, len, where, "not an mmb result (not an object)");
	if (!schema)
		return fail(err, len, where,
			    "field 'schema': missing; want \"mmb-result/1\"");
	if (strcmp(schema, "mmb-result/1"))
		return fail(err, len, where,
			    "field 'schema': want \"mmb-result/1\", not \"%.40s\"",
			    schema);
	if (!json_is_string(json_object_get(doc, "bench")))
		return fail(err, len, where, "field 'bench': missing or not a string");
	if (!json_is_string(json_object_get(doc, "variant")))
		return fail(err, len, where, "field 'variant': missing or not a string");
	if (!json_is_object(json_object_get(doc, "metrics")))
		return fail(err, len, where, "field 'metrics': missing or not an object");
	if (metric_info_check(json_object_get(doc, "metric_info"), why, sizeof(why)))
		return fail(err, len, where, "%s", why);
	if (rs->n == rs->cap) {
		struct mmb_loaded *r;

		rs->cap = rs->cap ? rs->cap * 2 : 32;
		r = realloc(rs->r, rs->cap * sizeof(*r));
		if (!r)
			return fail(err, len, where, "out of memory");
		rs->r = r;
	}
	rs->r[rs->n].where = strdup(where);
	rs->r[rs->n].doc = json_incref(doc);
	rs->n++;
	return 0;
}

static int load_file(struct mmb_results *rs, const char *file, char *err,
		     size_t len)
{
	json_error_t e;
	json_t *doc = json_load_file(file, 0, &e), *v;
	char where[4200];
	size_t i;
	int r = 0;

	if (!doc) {
		if (e.line < 0 && errno)
			return fail(err, len, file, "%s", strerror(errno));
		return fail(err, len, file, "not JSON: %s (line %d)", e.text,
			    e.line);
	}
	if (!strcmp(mmb_jstr(doc, "schema"), "mmb-bundle/1")) {
		json_t *a = json_object_get(doc, "results");

		if (!json_is_array(a))
			r = fail(err, len, file, "field 'results': missing or not an array");
		json_array_foreach(a, i, v) {
			if (r)
				break;
			snprintf(where, sizeof(where), "%s: results[%zu]", file, i);
			r = add(rs, where, v, err, len);
		}
	} else {
		r = add(rs, file, doc, err, len);
	}
	json_decref(doc);
	return r;
}

/* nftw has no context argument */
static char **walk_paths;
static size_t walk_n, walk_cap;

static int walk_one(const char *path, const struct stat *st, int type,
		    struct FTW *ftw)
{
	size_t n = strlen(path);

	(void)st;
	(void)ftw;
	if (type != FTW_F || n <= 5 || strcmp(path + n - 5, ".json"))
		return 0;
	if (walk_n == walk_cap) {
		char **p;

		walk_cap = walk_cap ? walk_cap * 2 : 64;
		p = realloc(walk_paths, walk_cap * sizeof(*p));
		if (!p)
			return -1;
		walk_paths = p;
	}
	walk_paths[walk_n] = strdup(path);
	return walk_paths[walk_n++] ? 0 : -1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int mmb_results_load(struct mmb_results *rs, const char *path, char *err,
		     size_t len)
{
	struct stat st;
	int r = 0, before = rs->n;

	if (stat(path, &st))
		return fail(err, len, path, "%s", strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return load_file(rs, path, err, len);

	walk_n = 0;
	if (nftw(path, walk_one, 16, FTW_PHYS))
		r = fail(err, len, path, "reading the directory: %s",
			 strerror(errno));
	qsort(walk_paths, walk_n, sizeof(*walk_paths), cmp_str);
	for (size_t i = 0; i < walk_n; i++) {
		if (!r)
			r = load_file(rs, walk_paths[i], err, len);
		free(walk_paths[i]);
	}
	free(walk_paths);
	walk_paths = NULL;
	walk_cap = walk_n = 0;
	if (!r && rs->n == before)
		r = fail(err, len, path, "no result files (*.json) in it");
	return r;
}

/*
 * Params that set how precisely a result was sampled, not what it
 * measured: results that differ only in these measure the same thing.
 * cpu-dma-latency is not one: it decides whether an idle (lazy) victim's
 * CPU polls or sleeps deep, which is what idle variants measure.
 * parent_rss_kb is one: exec-exit records how much of its own mm was
 * resident, and two runs of one build differ by a few pages (5416 to
 * 5856 kB in ten runs), which kept every gate run of exec-exit unpaired;
 * parent_vmas, the shape of the mm, still tells builds apart.
 */
bool mmb_param_is_sampling(const char *key)
{
	static const char *const sampling[] = {
		"duration", "iterations", "warmup", "repeat", "tracepoint-repeat",
		"latency-repeat", "events", "quiet", "no-tracepoints", "variant",
		"parent_rss_kb",
	};

	for (size_t i = 0; i < ARRAY_SIZE(sampling); i++)
		if (!strcmp(key, sampling[i]))
			return true;
	return false;
}

void mmb_results_free(struct mmb_results *rs)
{
	for (int i = 0; i < rs->n; i++) {
		free(rs->r[i].where);
		json_decref(rs->r[i].doc);
	}
	free(rs->r);
	memset(rs, 0, sizeof(*rs));
}

/*
 * What tells row i of a table from the rows of the same bench and variant:
 * "pages=64 victim-state=idle", the workload parameters (sampling ones
 * left out) whose values differ between it and any of them, in the order
 * its result lists them; empty when nothing does.  Rows of other benches
 * or variants are told apart by those already.
 */
void mmb_params_label(json_t *const *docs, int n, int i, char *buf,
		      size_t len)
{
	const json_t *pi = json_object_get(docs[i], "params"), *v;
	const char *k;
	size_t at = 0;

	buf[0] = '\0';
	json_object_foreach((json_t *)pi, k, v) {
		bool differs = false;

		if (mmb_param_is_sampling(k))
			continue;
		for (int j = 0; j < n && !differs; j++)
			differs = j != i &&
				  !strcmp(mmb_jstr(docs[j], "bench"),
					  mmb_jstr(docs[i], "bench")) &&
				  !strcmp(mmb_jstr(docs[j], "variant"),
					  mmb_jstr(docs[i], "variant")) &&
				  !json_equal(v, json_object_get(json_object_get(
					  docs[j], "params"), k));
		if (differs) {
			char *s = json_is_string(v) ? NULL :
				  json_dumps(v, JSON_ENCODE_ANY);

			at += snprintf(buf + at, at < len ? len - at : 0,
				       "%s%s=%s", at ? " " : "", k,
				       s ? s : json_string_value(v));
			free(s);
		}
	}
}
