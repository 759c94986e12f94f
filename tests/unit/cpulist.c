// SPDX-License-Identifier: GPL-2.0
/* cpulist_parse/format: the kernel's list syntax and our additions. */
#include <errno.h>

#include "internal.h"
#include "tap.h"

static void parses(const char *s, const char *want)
{
	struct cpuset_list l;
	char buf[256] = "";

	if (!ok(!cpulist_parse(s, -1, &l), "parse '%.*s'",
		(int)strcspn(s, "\n"), s))
		return;
	cpulist_format(l.cpu, l.n, buf, sizeof(buf));
	is_str(buf, want, "  round trip");
	cpulist_free(&l);
}

static void rejects(const char *s, int max, int err)
{
	struct cpuset_list l;
	int r;

	errno = 0;
	r = cpulist_parse(s, max, &l);
	ok(r == -1 && errno == err, "reject '%s' (errno %d)", s, err);
}

int main(void)
{
	struct cpuset_list l;

	parses("0", "0");
	parses("0-3", "0-3");
	parses("0-3,8,10-11", "0-3,8,10-11");
	parses("3,1,2,2", "1-3");
	parses("0-15:4", "0,4,8,12");
	parses("5,", "5");
	parses(" 1-2\n", "1-2");
	parses("0-1023", "0-1023");
	rejects("", -1, EINVAL);
	rejects("a", -1, EINVAL);
	rejects("3-1", -1, EINVAL);
	rejects("1,,2", -1, EINVAL);
	rejects("-1", -1, EINVAL);
	rejects("1-", -1, EINVAL);
	rejects("0-7:0", -1, EINVAL);
	rejects("0-8", 7, ERANGE);

	ok(!cpulist_parse("0-3,8", -1, &l), "parse for has()");
	ok(cpulist_has(&l, 8) && cpulist_has(&l, 0) && !cpulist_has(&l, 4),
	   "has() finds members only");
	cpulist_free(&l);
	return done_testing();
}
