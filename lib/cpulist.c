// SPDX-License-Identifier: GPL-2.0
/* CPU lists in the kernel's notation: "0-3,8,10-11". */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static int add_cpu(struct cpuset_list *l, int *cap, int cpu)
{
	if (l->n == *cap) {
		int ncap = *cap ? *cap * 2 : 16;
		int *p = realloc(l->cpu, ncap * sizeof(*p));

		if (!p)
			return -1;
		l->cpu = p;
		*cap = ncap;
	}
	l->cpu[l->n++] = cpu;
	return 0;
}

static int parse_num(const char **s, long *v)
{
	char *end;

	if (!isdigit((unsigned char)**s))
		return -1;
	errno = 0;
	*v = strtol(*s, &end, 10);
	if (errno || *v > 1 << 20)
		return -1;
	*s = end;
	return 0;
}

/*
 * Accepts the kernel's syntax plus a stride ("0-15:2"), and a trailing
 * comma, which is how a single CPU is told apart from a count in --victims.
 * max_cpu < 0 means no upper bound.
 */
int cpulist_parse(const char *s, int max_cpu, struct cpuset_list *out)
{
	int cap = 0;

	out->n = 0;
	out->cpu = NULL;
	while (*s && isspace((unsigned char)*s))
		s++;
	if (!*s)
		goto inval;
	while (*s && *s != '\n') {
		long a, b, stride = 1;

		if (parse_num(&s, &a))
			goto inval;
		b = a;
		if (*s == '-') {
			s++;
			if (parse_num(&s, &b) || b < a)
				goto inval;
			if (*s == ':') {
				s++;
				if (parse_num(&s, &stride) || stride < 1)
					goto inval;
			}
		}
		if (max_cpu >= 0 && b > max_cpu) {
			cpulist_free(out);
			errno = ERANGE;
			return -1;
		}
		for (long c = a; c <= b; c += stride)
			if (add_cpu(out, &cap, (int)c))
				goto nomem;
		if (*s == ',')
			s++;
		else if (*s && *s != '\n')
			goto inval;
	}
	if (!out->n)
		goto inval;
	qsort(out->cpu, out->n, sizeof(int), cmp_int);
	{
		int j = 0;

		for (int i = 0; i < out->n; i++)
			if (!j || out->cpu[j - 1] != out->cpu[i])
				out->cpu[j++] = out->cpu[i];
		out->n = j;
	}
	return 0;
inval:
	cpulist_free(out);
	errno = EINVAL;
	return -1;
nomem:
	cpulist_free(out);
	errno = ENOMEM;
	return -1;
}

int cpulist_format(const int *cpu, int n, char *buf, size_t len)
{
	size_t off = 0;

	if (len)
		buf[0] = '\0';
	for (int i = 0; i < n;) {
		int j = i;
		int w;

		while (j + 1 < n && cpu[j + 1] == cpu[j] + 1)
			j++;
		if (j == i)
			w = snprintf(buf + off, len - off, "%s%d",
				     off ? "," : "", cpu[i]);
		else
			w = snprintf(buf + off, len - off, "%s%d-%d",
				     off ? "," : "", cpu[i], cpu[j]);
		if (w < 0 || (size_t)w >= len - off)
			return -1;
		off += w;
		i = j + 1;
	}
	return 0;
}

/*
 * The list as a string of its own: at 512 CPUs spread over nodes
 * ("0,24,48,...") it is kilobytes, more than any fixed buffer here held.
 * NULL only when out of memory.
 */
char *cpulist_str(const int *cpu, int n)
{
	/* each CPU adds at most 11 characters: "," and a number */
	size_t len = (size_t)n * 12 + 1;
	char *buf = malloc(len);

	if (buf && cpulist_format(cpu, n, buf, len)) {
		free(buf);
		return NULL;
	}
	return buf;
}

bool cpulist_has(const struct cpuset_list *l, int cpu)
{
	return bsearch(&cpu, l->cpu, l->n, sizeof(int), cmp_int) != NULL;
}

void cpulist_free(struct cpuset_list *l)
{
	free(l->cpu);
	l->cpu = NULL;
	l->n = 0;
}

/* the line as long as it is: "0,2,4,...,1022" is 4 kB and more */
int cpulist_read_file(const char *path, struct cpuset_list *out)
{
	char *buf = NULL;
	size_t cap = 0;
	FILE *f = fopen(path, "r");
	int ret;

	if (!f)
		return -1;
	if (getline(&buf, &cap, f) < 0) {
		fclose(f);
		free(buf);
		errno = EINVAL;
		return -1;
	}
	fclose(f);
	ret = cpulist_parse(buf, -1, out);
	free(buf);
	return ret;
}
