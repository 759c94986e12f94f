// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the typed option parser (lib/opts.c) that benches and
 * tools share, on arguments split from the input at NUL bytes.  A usage
 * error is the answer to most inputs: it is caught (mmb_usage_catch)
 * rather than exiting, and must name an option or argument.  What parses
 * must hold its table's bounds: an integer or number in range, a choice
 * that exists.
 */
#include <math.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static jmp_buf env;
static bool flag;
static long count;
static double secs;
static int pick;
static const char *str;
static const char *const picks[] = { "one", "two", "three", NULL };

static const struct mmb_opt opts[] = {
	{ "flag", MMB_OPT_FLAG, &flag, NULL, "a flag" },
	{ "count", MMB_OPT_INT, &count, "N", "an integer", -5, 1000 },
	{ "secs", MMB_OPT_DOUBLE, &secs, "S", "a number", 0.001, 3600 },
	{ "pick", MMB_OPT_CHOICE, &pick, "P", "a choice", 0, 0, picks },
	{ "str", MMB_OPT_STR, &str, "S", "a string" },
	{ "help", MMB_OPT_FLAG, &flag, NULL, "this text" },
	{ NULL }
};

static void caught(const char *msg)
{
	/* every message starts with what it refuses: "--count: ..." */
	if (msg[0] != '-')
		abort();
	longjmp(env, 1);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *buf = malloc(size + 1), *argv[34];
	volatile int argc = 1;
	int first;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[0] = "fuzz";
	for (size_t i = 0; i <= size && argc < 33;) {
		argv[argc++] = buf + i;
		i += strlen(buf + i) + 1;
	}
	argv[argc] = NULL;
	count = 0;
	secs = 1;
	pick = 0;
	str = NULL;
	mmb_usage_catch = caught;
	if (!setjmp(env)) {
		first = mmb_tool_opts("fuzz", opts, argc, argv);
		if (first < 1 || first > argc || count < -5 || count > 1000 ||
		    !isfinite(secs) || secs < 0.001 || secs > 3600 ||
		    pick < 0 || pick > 2)
			abort();
	}
	free(buf);
	return 0;
}
