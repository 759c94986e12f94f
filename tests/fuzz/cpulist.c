// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: CPU lists ("0-3,8,10-11") through the parser, and
 * what parses must format back to a list that parses to the same set.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *s = malloc(size + 1), buf[65536];
	struct cpuset_list l = { 0 }, m = { 0 };

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (!cpulist_parse(s, 4095, &l)) {
		cpulist_format(l.cpu, l.n, buf, sizeof(buf));
		if (l.n && (cpulist_parse(buf, 4095, &m) || m.n != l.n ||
			    memcmp(m.cpu, l.cpu, l.n * sizeof(int))))
			abort();
		cpulist_free(&m);
	}
	cpulist_free(&l);
	free(s);
	return 0;
}
