// SPDX-License-Identifier: GPL-2.0
/*
 * The typed option parser shared by benches and tools (lib/opts.c):
 * values within their bounds, and a usage error that names the argument
 * it refuses, caught through mmb_usage_catch.  The cases below include
 * what the option parser's fuzz target found (tests/fuzz/options.c).
 */
#include <setjmp.h>

#include "internal.h"
#include "tap.h"

static jmp_buf env;
static char said[512];
static long count;
static double secs;
static int pick;
static bool flag;
static const char *const picks[] = { "one", "two", NULL };
static const struct mmb_opt opts[] = {
	{ "count", MMB_OPT_INT, &count, "N", "", -5, 1000 },
	{ "secs", MMB_OPT_DOUBLE, &secs, "S", "", 0.001, 3600 },
	{ "pick", MMB_OPT_CHOICE, &pick, "P", "", 0, 0, picks },
	{ "flag", MMB_OPT_FLAG, &flag, NULL, "" },
	{ NULL }
};

static void caught(const char *msg)
{
	snprintf(said, sizeof(said), "%s", msg);
	longjmp(env, 1);
}

/* parses argv (NULL-terminated); returns the first operand, or -1 */
static int parse(char **argv)
{
	volatile int argc = 0;

	while (argv[argc])
		argc++;
	said[0] = '\0';
	if (setjmp(env))
		return -1;
	return mmb_tool_opts("t", opts, argc, argv);
}

int main(void)
{
	mmb_usage_catch = caught;
	is_int(parse((char *[]){ "t", "--count", "7", "--pick", "two", "x", NULL }), 5,
	       "options, then an operand");
	ok(count == 7 && pick == 1, "  their values (count %ld, pick %d)", count, pick);
	is_int(parse((char *[]){ "t", "x", "--flag", NULL }), 2,
	       "an operand first: options after it still parse");
	is_int(parse((char *[]){ "t", "--count", "1001", NULL }), -1, "an integer past its bound");
	is_str(said, "--count: '1001' must be an integer from -5 to 1000", "  named");
	is_int(parse((char *[]){ "t", "--secs", "nan", NULL }), -1, "a number that is not finite");
	is_int(parse((char *[]){ "t", "--pick", "three", NULL }), -1, "a choice that is not one");
	is_str(said, "--pick: 'three' is not one of one, two", "  named, with the choices");
	is_int(parse((char *[]){ "t", "--count", NULL }), -1, "a missing value");
	is_str(said, "--count: unknown option or missing argument", "  named");
	/* found by the fuzz target: a short option in a cluster named the
	 * argument before it */
	is_int(parse((char *[]){ "t", "four", "-\rcount", "9999", NULL }), -1,
	       "an unknown short option after an operand");
	is_str(said, "-\r: unknown option", "  names the option, not the operand before it");
	is_int(parse((char *[]){ "t", "-xy", NULL }), -1, "a cluster of unknown short options");
	is_str(said, "-x: unknown option", "  names the first");
	is_int(parse((char *[]){ "t", "--count", "3", NULL }), 3,
	       "a parse after usage errors starts afresh");
	return done_testing();
}
