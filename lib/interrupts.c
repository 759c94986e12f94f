// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/interrupts, parsed by label so that any number of CPUs, offline CPUs
 * (absent from the header) and both the x86 and arm64 layouts work.
 *
 * x86 names its IPI rows by a three-letter label (RES, CAL, TLB, IWI).
 * arm64 numbers them IPI0..IPIn, and the numbering changed between kernels
 * (6.1 has "CPU wake-up interrupts" where 6.12 has "CPU stop NMIs"), so
 * arm64 rows are classified by their description, never by index.
 */
#include <ctype.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static int parse_header(const char *line, const char *eol, struct irq_table *t)
{
	int cap = 0;
	const char *p = line;

	while (p < eol) {
		p = skip_ws(p);
		if (p >= eol)
			break;
		if (strncmp(p, "CPU", 3) || !isdigit((unsigned char)p[3]))
			return -1;
		if (t->ncpus == cap) {
			int *n;

			cap = cap ? cap * 2 : 64;
			n = realloc(t->cpu, cap * sizeof(*n));
			if (!n)
				return -1;
			t->cpu = n;
		}
		t->cpu[t->ncpus++] = (int)strtol(p + 3, (char **)&p, 10);
	}
	return t->ncpus ? 0 : -1;
}

static int parse_row(const char *line, const char *eol, struct irq_table *t,
		     int *cap)
{
	const char *p = skip_ws(line), *colon;
	struct irq_row *r;
	size_t len;

	colon = memchr(p, ':', eol - p);
	if (!colon || colon == p)
		return 0;	/* not a row; tolerate */
	if (t->nrows == *cap) {
		struct irq_row *n;

		*cap = *cap ? *cap * 2 : 64;
		n = realloc(t->row, *cap * sizeof(*n));
		if (!n)
			return -1;
		t->row = n;
	}
	r = &t->row[t->nrows];
	memset(r, 0, sizeof(*r));
	len = colon - p;
	if (len >= sizeof(r->label))
		len = sizeof(r->label) - 1;
	memcpy(r->label, p, len);
	r->count = calloc(t->ncpus, sizeof(*r->count));
	if (!r->count)
		return -1;
	p = colon + 1;
	while (r->ncount < t->ncpus) {
		const char *q = skip_ws(p);
		char *end;
		unsigned long long v;

		if (q >= eol || !isdigit((unsigned char)*q))
			break;
		v = strtoull(q, &end, 10);
		/* "0-edge" style text after the counts is not a count */
		if (end < eol && *end != ' ' && *end != '\t')
			break;
		r->count[r->ncount++] = v;
		r->total += v;
		p = end;
	}
	p = skip_ws(p);
	len = eol - p;
	while (len && isspace((unsigned char)p[len - 1]))
		len--;
	if (len >= sizeof(r->desc))
		len = sizeof(r->desc) - 1;
	memcpy(r->desc, p, len);
	t->nrows++;
	return 0;
}

int irq_parse(const char *text, struct irq_table *t)
{
	const char *line = text;
	int cap = 0;
	bool header = false;

	memset(t, 0, sizeof(*t));
	while (*line) {
		const char *eol = strchr(line, '\n');

		if (!eol)
			eol = line + strlen(line);
		if (!header) {
			if (skip_ws(line) < eol) {
				if (parse_header(line, eol, t))
					goto bad;
				header = true;
			}
		} else if (parse_row(line, eol, t, &cap)) {
			goto bad;
		}
		line = *eol ? eol + 1 : eol;
	}
	if (!header)
		goto bad;
	return 0;
bad:
	irq_free(t);
	errno = EINVAL;
	return -1;
}

int irq_read(const char *path, struct irq_table *t)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	int fd, ret;

	if (!buf)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return -1;
	}
	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				ret = -1;
				goto out;
			}
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -1;
			goto out;
		}
		if (!n)
			break;
		len += n;
	}
	buf[len] = '\0';
	ret = irq_parse(buf, t);
out:
	close(fd);
	free(buf);
	return ret;
}

void irq_free(struct irq_table *t)
{
	for (int i = 0; i < t->nrows; i++)
		free(t->row[i].count);
	free(t->row);
	free(t->cpu);
	memset(t, 0, sizeof(*t));
}

const struct irq_row *irq_find(const struct irq_table *t, const char *label)
{
	for (int i = 0; i < t->nrows; i++)
		if (!strcmp(t->row[i].label, label))
			return &t->row[i];
	return NULL;
}

/* x86: arch/x86/kernel/irq.c arch_show_interrupts(). */
static const struct {
	const char *label, *kind;
} x86_ipis[] = {
	{ "RES", "resched" },
	{ "CAL", "call" },
	{ "TLB", "tlb" },
	{ "IWI", "irq_work" },
};

/* arm64: arch/arm64/kernel/smp.c ipi_types[], 6.1 and 6.12 sets. */
static const struct {
	const char *desc, *kind;
} arm64_ipis[] = {
	{ "Rescheduling interrupts", "resched" },
	{ "Function call interrupts", "call" },
	{ "CPU stop interrupts", "cpu_stop" },
	{ "CPU stop (for crash dump) interrupts", "cpu_stop_crash" },
	{ "CPU stop NMIs", "cpu_stop_nmi" },
	{ "Timer broadcast interrupts", "timer" },
	{ "IRQ work interrupts", "irq_work" },
	{ "CPU wake-up interrupts", "wakeup" },
	{ "CPU backtrace interrupts", "backtrace" },
	{ "KGDB roundup interrupts", "kgdb" },
};

static bool is_arm_ipi_label(const char *label)
{
	if (strncmp(label, "IPI", 3) || !label[3])
		return false;
	for (const char *p = label + 3; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return true;
}

/* Returns the kind of an IPI row, or NULL for a device or timer row. */
const char *irq_kind_of(const char *label, const char *desc)
{
	static __thread char slug[32];
	size_t j = 0;

	for (size_t i = 0; i < ARRAY_SIZE(x86_ipis); i++)
		if (!strcmp(label, x86_ipis[i].label))
			return x86_ipis[i].kind;
	if (!is_arm_ipi_label(label))
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(arm64_ipis); i++)
		if (!strcmp(desc, arm64_ipis[i].desc))
			return arm64_ipis[i].kind;
	/* An IPI this table does not know yet: name it after its text. */
	for (const char *p = desc; *p && j < sizeof(slug) - 1; p++) {
		if (isalnum((unsigned char)*p))
			slug[j++] = tolower((unsigned char)*p);
		else if (j && slug[j - 1] != '_')
			slug[j++] = '_';
	}
	while (j && slug[j - 1] == '_')
		j--;
	slug[j] = '\0';
	if (!strncmp(slug, "cpu_", 4) && j > 4)
		memmove(slug, slug + 4, j - 3);
	if (j > 11 && !strcmp(slug + strlen(slug) - 11, "_interrupts"))
		slug[strlen(slug) - 11] = '\0';
	return j ? slug : label;
}

static void kinds_add(struct ipi_kinds *out, const char *kind,
		      const char *label, unsigned long long v)
{
	for (int i = 0; i < out->n; i++) {
		if (!strcmp(out->k[i].kind, kind)) {
			out->k[i].total += v;
			return;
		}
	}
	if (out->n == IRQ_MAX_KINDS)
		return;
	snprintf(out->k[out->n].kind, sizeof(out->k[0].kind), "%s", kind);
	snprintf(out->k[out->n].label, sizeof(out->k[0].label), "%s", label);
	out->k[out->n].total = v;
	out->n++;
}

static long kinds_find(const struct ipi_kinds *k, const char *kind)
{
	for (int i = 0; i < k->n; i++)
		if (!strcmp(k->k[i].kind, kind))
			return i;
	return -1;
}

/*
 * On x86 the TLB row is not an interrupt count: flush_tlb_func() bumps it
 * each time it runs for another CPU's request, whether a call-function
 * IPI brought it (that IPI is counted in CAL) or a polling idle CPU ran it
 * from its queue without any IPI (call_function_single_prep_ipi()).  So
 * CAL stays CAL, TLB stays runs, and "all IPIs received" sums the rows
 * that count interrupts: never one derived from the other's difference.
 */
static void kinds_finish(struct ipi_kinds *out, bool x86)
{
	long tlb = kinds_find(out, "tlb");

	out->total = 0;
	for (int i = 0; i < out->n; i++)
		if (!(x86 && i == tlb))
			out->total += out->k[i].total;
	out->tlb_hw_broadcast = !x86 && out->n > 0 && tlb < 0;
}

static bool table_is_x86(const struct irq_table *t)
{
	return irq_find(t, "CAL") || irq_find(t, "RES");
}

void irq_ipi_kinds(const struct irq_table *t, struct ipi_kinds *out)
{
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < t->nrows; i++) {
		const struct irq_row *r = &t->row[i];
		const char *kind = irq_kind_of(r->label, r->desc);

		if (kind)
			kinds_add(out, kind, r->label, r->total);
	}
	kinds_finish(out, table_is_x86(t));
}

/*
 * One row's increase, column by column: the kernel keeps these counters
 * per CPU as unsigned int (kstat_irqs_cpu(), irq_stats), so each wraps at
 * 2^32 on its own and a delta of row totals would lose a whole CPU's
 * count at a wrap.  Columns pair by CPU number: a CPU that went offline or
 * came online mid-run adds nothing.  Rows with one number (ERR, MIS) wrap
 * the same way.
 */
static unsigned long long row_delta(const struct irq_table *ta,
				    const struct irq_row *a,
				    const struct irq_table *tb,
				    const struct irq_row *b)
{
	unsigned long long d = 0;

	if (a->ncount != ta->ncpus || b->ncount != tb->ncpus)
		return (uint32_t)(b->total - a->total);
	for (int j = 0; j < b->ncount; j++) {
		int k = j;

		if (k >= a->ncount || ta->cpu[k] != tb->cpu[j])
			for (k = 0; k < a->ncount; k++)
				if (ta->cpu[k] == tb->cpu[j])
					break;
		if (k < a->ncount)
			d += (uint32_t)(b->count[j] - a->count[k]);
	}
	return d;
}

void irq_ipi_delta(const struct irq_table *before,
		   const struct irq_table *after, struct ipi_kinds *out)
{
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < after->nrows; i++) {
		const struct irq_row *b = &after->row[i];
		const struct irq_row *a = irq_find(before, b->label);
		const char *kind = irq_kind_of(b->label, b->desc);

		if (kind && a)
			kinds_add(out, kind, b->label,
				  row_delta(before, a, after, b));
	}
	kinds_finish(out, table_is_x86(after));
}

json_t *irq_delta_json(const struct irq_table *before,
		       const struct irq_table *after)
{
	json_t *o = json_object();

	for (int i = 0; i < after->nrows; i++) {
		const struct irq_row *b = &after->row[i];
		const struct irq_row *a = irq_find(before, b->label);
		unsigned long long d = a ? row_delta(before, a, after, b) : 0;

		if (d)
			json_object_set_new(o, b->label, json_integer(d));
	}
	return o;
}
