// SPDX-License-Identifier: GPL-2.0
/*
 * -e EVENT: perf's event names, turned into perf_event_attr.
 *
 *  - a PMU's own events, perf's pmu/event/ or pmu/term=value,.../ form
 *    (msr/aperf/, cpu/event=0xc4,umask=0x01/): the PMU's type, event
 *    aliases and term formats from sysfs (/sys/bus/event_source/devices),
 *    where perf reads them
 *  - a tracepoint, sys:name (tlb:tlb_flush): its id from tracefs
 *  - everything else through libpfm4: generic hardware, cache and software
 *    events as perf spells them (instructions, dTLB-load-misses,
 *    page-faults), raw rNNNN, and the CPU's own event tables
 *
 * event_parse() returns 0, -1 for a name that is not an event (a usage
 * error), or 1 for one this machine does not have (a PMU, a PMU's event,
 * a tracepoint): that, and an event that parses but cannot be opened (no
 * PMU in a VM), the result lists as not applicable, with the reason.
 */
#include <ctype.h>
#include <errno.h>
#include <perfmon/pfmlib_perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define PMU_DIR "/sys/bus/event_source/devices"

/*
 * term=value into attr by the PMU's format file for the term:
 * "config:0-7,21" spreads value's low bits over those bit ranges of
 * config (or config1, config2).
 */
static int set_term(const char *pmu, const char *term, uint64_t val,
		    struct perf_event_attr *attr, char *why, size_t len)
{
	char path[512], fmt[256], *p;
	uint64_t *field;
	int bit = 0;

	snprintf(path, sizeof(path), PMU_DIR "/%s/format/%s", pmu, term);
	if (!mmb_read_line(path, fmt, sizeof(fmt))) {
		snprintf(why, len, "PMU %s has no term '%s'", pmu, term);
		return -1;
	}
	if (!strncmp(fmt, "config2:", 8)) {
		field = &attr->config2;
		p = fmt + 8;
	} else if (!strncmp(fmt, "config1:", 8)) {
		field = &attr->config1;
		p = fmt + 8;
	} else if (!strncmp(fmt, "config:", 7)) {
		field = &attr->config;
		p = fmt + 7;
	} else {
		snprintf(why, len, "PMU %s: term %s: format '%s'", pmu, term, fmt);
		return -1;
	}
	while (*p) {
		char *end;
		long lo = strtol(p, &end, 10), hi = lo;

		if (*end == '-')
			hi = strtol(end + 1, &end, 10);
		for (long b = lo; b <= hi && b < 64; b++, bit++)
			if (val >> bit & 1)
				*field |= 1ull << b;
		p = *end == ',' ? end + 1 : end;
		if (end == p && *p)
			break;
	}
	return 0;
}

/* "a=1,b=0x2" or an alias's "event=0x01,umask=0x3" */
static int set_terms(const char *pmu, char *terms,
		     struct perf_event_attr *attr, char *why, size_t len)
{
	for (char *t = strtok(terms, ","); t; t = strtok(NULL, ",")) {
		char *eq = strchr(t, '=');
		uint64_t v = 1;

		if (eq) {
			*eq = '\0';
			v = strtoull(eq + 1, NULL, 0);
		}
		if (set_term(pmu, t, v, attr, why, len))
			return -1;
	}
	return 0;
}

static int parse_pmu(const char *spec, struct perf_event_attr *attr,
		     char *why, size_t len)
{
	char pmu[64], body[256], path[512], buf[256], alias[256];
	const char *slash = strchr(spec, '/');
	size_t n = (size_t)(slash - spec);

	if (n == 0 || n >= sizeof(pmu) || spec[strlen(spec) - 1] != '/') {
		snprintf(why, len, "'%s' is not pmu/event/", spec);
		return -1;
	}
	memcpy(pmu, spec, n);
	pmu[n] = '\0';
	snprintf(body, sizeof(body), "%.*s", (int)(strlen(slash) - 2), slash + 1);
	snprintf(path, sizeof(path), PMU_DIR "/%s/type", pmu);
	if (!mmb_read_line(path, buf, sizeof(buf))) {
		snprintf(why, len, "no PMU '%s' on this machine (%s)", pmu, PMU_DIR);
		return 1;
	}
	attr->type = (uint32_t)strtoul(buf, NULL, 10);
	if (!strchr(body, '=')) {
		/* a named event of the PMU: its alias file holds the terms */
		snprintf(path, sizeof(path), PMU_DIR "/%s/events/%s", pmu, body);
		if (!mmb_read_line(path, alias, sizeof(alias))) {
			snprintf(why, len, "PMU %s has no event '%s' on this machine",
				 pmu, body);
			return 1;	/* real PMU, absent event: n/a */
		}
		return set_terms(pmu, alias, attr, why, len);
	}
	return set_terms(pmu, body, attr, why, len);
}

int event_parse(const char *spec, const char *tracefs,
		struct perf_event_attr *attr, char *why, size_t len)
{
	const char *colon = strchr(spec, ':');
	pfm_perf_encode_arg_t arg;
	static int pfm_ready = -1;
	int r;

	memset(attr, 0, sizeof(*attr));
	attr->size = sizeof(*attr);
	if (strchr(spec, '/'))
		return parse_pmu(spec, attr, why, len);
	if (colon && colon[1] != ':' && tracefs && *tracefs) {
		char path[512], buf[32];

		snprintf(path, sizeof(path), "%s/events/%.*s/%s/id", tracefs,
			 (int)(colon - spec), spec, colon + 1);
		if (!mmb_read_line(path, buf, sizeof(buf))) {
			snprintf(why, len, "no tracepoint %s in %s (this kernel's config)",
				 spec, tracefs);
			return 1;
		}
		attr->type = PERF_TYPE_TRACEPOINT;
		attr->config = strtoull(buf, NULL, 10);
		return 0;
	}
	if (pfm_ready < 0)
		pfm_ready = pfm_initialize();
	if (pfm_ready != PFM_SUCCESS) {
		snprintf(why, len, "libpfm4: %s", pfm_strerror(pfm_ready));
		return -1;
	}
	memset(&arg, 0, sizeof(arg));
	arg.attr = attr;
	arg.size = sizeof(arg);
	r = pfm_get_os_event_encoding(spec, PFM_PLM0 | PFM_PLM3,
				      PFM_OS_PERF_EVENT, &arg);
	if (r != PFM_SUCCESS) {
		snprintf(why, len, "libpfm4: %s", pfm_strerror(r));
		return -1;
	}
	attr->size = sizeof(*attr);
	return 0;
}

/* "dTLB-load-misses@victims" -> "ev_dtlb_load_misses_victims" */
void event_metric(const char *spec, bool victims, char *buf, size_t len)
{
	size_t n = 0;

	n += snprintf(buf, len, "ev_");
	for (const char *s = spec; *s && n + 1 < len; s++) {
		char c = (char)tolower((unsigned char)*s);

		if (!isalnum((unsigned char)c))
			c = '_';
		if (c == '_' && (buf[n - 1] == '_' || !s[1]))
			continue;	/* one '_' at a time, none at the end */
		buf[n++] = c;
	}
	buf[n] = '\0';
	if (victims)
		snprintf(buf + n, len - n, "_victims");
}
