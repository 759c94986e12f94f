// SPDX-License-Identifier: GPL-2.0
/*
 * mmb-bundle: many results in one file (mmb-bundle/1), e.g. a CI baseline
 * kept in the repository as results/baseline-<host>.json.  Every tool that
 * reads results reads a bundle as it reads a directory.
 *
 *   mmb-bundle -o OUT.json INPUT...    (result files, directories, bundles)
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

static int usage(const char *why)
{
	fprintf(stderr, "mmb-bundle: %s\nusage: mmb-bundle -o OUT.json INPUT...\n",
		why);
	return MMB_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	struct mmb_results rs = { 0 };
	const char *out = NULL;
	char err[512], tmp[4096], when[32];
	json_t *b, *a;
	time_t now = time(NULL);
	int c, r;

	static const struct option lo[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};

	while ((c = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'h':
			printf("usage: mmb-bundle -o OUT.json INPUT...\n"
			       "  many results (files, directories, bundles) in one file, read\n"
			       "  like a directory by every tool\n");
			return MMB_EXIT_OK;
		default:
			return usage("unknown option");
		}
	}
	if (!out)
		return usage("-o OUT.json is required");
	if (optind == argc)
		return usage("give at least one INPUT");
	for (int i = optind; i < argc; i++)
		if (mmb_results_load(&rs, argv[i], err, sizeof(err))) {
			fprintf(stderr, "mmb-bundle: %s\n", err);
			return MMB_EXIT_USAGE;
		}
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	a = json_array();
	for (int i = 0; i < rs.n; i++)
		json_array_append(a, rs.r[i].doc);
	b = json_pack("{s:s, s:s, s:i, s:o}", "schema", "mmb-bundle/1",
		      "created_at", when, "count", rs.n, "results", a);
	/* a half-written baseline would fail every later CI run: rename it in */
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", out, (int)getpid());
	r = json_dump_file(b, tmp, JSON_INDENT(1) | JSON_REAL_PRECISION(10));
	if (r || rename(tmp, out)) {
		fprintf(stderr, "mmb-bundle: %s: %s\n", out, strerror(errno));
		unlink(tmp);
		return MMB_EXIT_FAIL;
	}
	fprintf(stderr, "mmb-bundle: %d results in %s\n", rs.n, out);
	json_decref(b);
	mmb_results_free(&rs);
	return MMB_EXIT_OK;
}
