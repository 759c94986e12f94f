/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Minimal TAP 13 producer for the unit tests: no plan to keep in sync, the
 * count is printed at the end ("1..N"), and the exit status is the number
 * of failures, so a test binary fails on its own too.
 */
#ifndef MMB_TAP_H
#define MMB_TAP_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

static inline int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!cond)
		tap_failed++;
	return cond;
}

#define ok(cond, ...) tap_ok(!!(cond), __VA_ARGS__)

#define is_int(got, want, name)                                          \
	do {                                                             \
		long long g_ = (long long)(got), w_ = (long long)(want); \
		if (!ok(g_ == w_, "%s", name))                           \
			printf("#   got %lld, want %lld\n", g_, w_);     \
	} while (0)

#define is_str(got, want, name)                                          \
	do {                                                             \
		const char *g_ = (got), *w_ = (want);                    \
		if (!ok(g_ && !strcmp(g_, w_), "%s", name))              \
			printf("#   got '%s', want '%s'\n",              \
			       g_ ? g_ : "(null)", w_);                  \
	} while (0)

#define is_near(got, want, tol, name)                                    \
	do {                                                             \
		double g_ = (got), w_ = (want);                          \
		if (!ok(fabs(g_ - w_) <= (tol), "%s", name))             \
			printf("#   got %.9g, want %.9g\n", g_, w_);     \
	} while (0)

static inline int done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed;
}

/* Fixture files are found relative to MMB_FIXTURES (set by tests/run.sh). */
static inline char *fixture_path(const char *name)
{
	static char path[4096];
	const char *dir = getenv("MMB_FIXTURES");

	snprintf(path, sizeof(path), "%s/%s", dir ? dir : "tests/fixtures",
		 name);
	return path;
}

static inline char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n + 1);
	if (buf && fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = '\0';
	fclose(f);
	return buf;
}

#endif
