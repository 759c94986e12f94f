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

static const char *skip_ws_to(const char *p, const char *eol)
{
	while (p < eol && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static int parse_header(const char *line, const char *eol, struct irq_table *t)
{
	const char *p = line;

	t->ncpus = 0;
	while (p < eol) {
		p = skip_ws_to(p, eol);
		if (p >= eol)
			break;
		if (eol - p < 4 || strncmp(p, "CPU", 3) ||
		    !isdigit((unsigned char)p[3]))
			return -1;
		if (t->ncpus == t->ccap) {
			int cap = t->ccap ? t->ccap * 2 : 64, *n;

			n = realloc(t->cpu, cap * sizeof(*n));
			if (!n)
				return -1;
			t->cpu = n;
			t->ccap = cap;
		}
		t->cpu[t->ncpus++] = (int)strtol(p + 3, (char **)&p, 10);
	}
	return t->ncpus ? 0 : -1;
}

/* x86's IPI rows by label, arm64's IPI<n>: the rows whose kind needs desc */
static bool ipi_candidate(const char *label);

/*
 * A row is indexed, not parsed: its label, where its line is in the text,
 * and its hash.  Its numbers are read when a delta needs them (and only
 * if the line changed: most of a server's rows, a queue each, do not
 * between two snapshots), except for IPI rows, whose kind may need the
 * description after the numbers.
 */
static int parse_row(const char *line, const char *eol, struct irq_table *t)
{
	const char *p = skip_ws_to(line, eol), *colon;
	struct irq_row *r;
	size_t len;

	colon = memchr(p, ':', eol - p);
	if (!colon || colon == p)
		return 0;	/* not a row; tolerate */
	if (t->nrows == t->rcap) {
		int cap = t->rcap ? t->rcap * 2 : 64;
		struct irq_row *n = realloc(t->row, cap * sizeof(*n));

		if (!n)
			return -1;
		t->row = n;
		t->rcap = cap;
	}
	r = &t->row[t->nrows];
	len = colon - p;
	if (len >= sizeof(r->label))
		len = sizeof(r->label) - 1;
	memcpy(r->label, p, len);
	r->label[len] = '\0';
	r->desc[0] = '\0';
	r->count = NULL;
	r->total = 0;
	r->ncount = 0;
	r->parsed = false;
	r->dfrom = NULL;
	r->off = (uint32_t)(colon + 1 - t->text);
	r->len = (uint32_t)(eol - colon - 1);
	t->nrows++;
	return 0;
}

/* The numbers of a row: into the table's pool, which a reread reuses. */
static int row_parse(struct irq_table *t, struct irq_row *r)
{
	const char *p = t->text + r->off, *eol = p + r->len;
	size_t len;

	if (r->parsed)
		return 0;
	if (t->pused + t->ncpus > t->pcap) {
		/* rows point into the pool by offset: a move keeps them */
		size_t cap = t->pcap ? t->pcap * 2 : 1024;
		unsigned long long *n;

		while (cap < t->pused + t->ncpus)
			cap *= 2;
		n = realloc(t->pool, cap * sizeof(*n));
		if (!n)
			return -1;
		t->pool = n;
		t->pcap = cap;
	}
	r->count = NULL;
	r->poff = t->pused;
	r->ncount = 0;
	r->total = 0;
	while (r->ncount < t->ncpus) {
		const char *q = skip_ws_to(p, eol);
		unsigned long long v = 0;
		const char *d = q;

		if (q >= eol || !isdigit((unsigned char)*q))
			break;
		/* the digits by hand: strtoull was most of a snapshot's cost */
		while (d < eol && isdigit((unsigned char)*d))
			v = v * 10 + (unsigned long long)(*d++ - '0');
		/* "0-edge" style text after the counts is not a count */
		if (d < eol && *d != ' ' && *d != '\t')
			break;
		t->pool[r->poff + r->ncount++] = v;
		r->total += v;
		p = d;
	}
	t->pused += r->ncount;
	p = skip_ws_to(p, eol);
	len = eol - p;
	while (len && isspace((unsigned char)p[len - 1]))
		len--;
	if (len >= sizeof(r->desc))
		len = sizeof(r->desc) - 1;
	memcpy(r->desc, p, len);
	r->desc[len] = '\0';
	r->parsed = true;
	return 0;
}

const unsigned long long *irq_row_counts(const struct irq_table *t,
					 const struct irq_row *r)
{
	struct irq_table *mt = (struct irq_table *)t;

	/* lazily filled: a const table is only ever read by its owner */
	if (row_parse(mt, (struct irq_row *)r))
		return NULL;
	return t->pool + r->poff;
}

static uint32_t label_hash(const char *s)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static int index_rows(struct irq_table *t)
{
	int cap = 16;

	while (cap < 2 * t->nrows)
		cap *= 2;
	if (cap > t->hcap) {
		int *n = realloc(t->hash, cap * sizeof(*n));

		if (!n)
			return -1;
		t->hash = n;
		t->hcap = cap;
	}
	for (int i = 0; i < cap; i++)
		t->hash[i] = -1;
	t->hmask = cap - 1;
	for (int i = 0; i < t->nrows; i++) {
		uint32_t h = label_hash(t->row[i].label) & t->hmask;

		while (t->hash[h] >= 0)
			h = (h + 1) & t->hmask;
		t->hash[h] = i;
	}
	return 0;
}

/* Index the text the table holds (t->text, t->tlen). */
static int irq_index(struct irq_table *t)
{
	const char *line = t->text, *end = t->text + t->tlen;
	bool header = false;

	t->nrows = 0;
	t->ncpus = 0;
	t->pused = 0;
	t->gen++;
	t->cols_from = NULL;
	while (line < end) {
		const char *eol = memchr(line, '\n', end - line);

		if (!eol)
			eol = end;
		if (!header) {
			if (skip_ws_to(line, eol) < eol) {
				if (parse_header(line, eol, t))
					goto bad;
				header = true;
			}
		} else if (parse_row(line, eol, t)) {
			goto bad;
		}
		line = eol + 1;
	}
	if (!header || index_rows(t))
		goto bad;
	for (int i = 0; i < t->nrows; i++)
		if (ipi_candidate(t->row[i].label) && row_parse(t, &t->row[i]))
			goto bad;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

static int text_reserve(struct irq_table *t, size_t need)
{
	char *n;
	size_t cap = t->tcap ? t->tcap : 1 << 16;

	if (need <= t->tcap)
		return 0;
	while (cap < need)
		cap *= 2;
	n = realloc(t->text, cap);
	if (!n)
		return -1;
	t->text = n;
	t->tcap = cap;
	return 0;
}

/* Every row parsed: the tests', the fuzzer's and a one-off reader's view. */
static int parse_all(struct irq_table *t)
{
	for (int i = 0; i < t->nrows; i++) {
		if (row_parse(t, &t->row[i]))
			return -1;
	}
	for (int i = 0; i < t->nrows; i++)
		t->row[i].count = t->pool + t->row[i].poff;
	return 0;
}

int irq_parse(const char *text, struct irq_table *t)
{
	size_t len = strlen(text);

	memset(t, 0, sizeof(*t));
	if (text_reserve(t, len + 1))
		goto bad;
	memcpy(t->text, text, len + 1);
	t->tlen = len;
	if (irq_index(t) || parse_all(t))
		goto bad;
	return 0;
bad:
	irq_free(t);
	errno = EINVAL;
	return -1;
}

/*
 * The file again, into the buffers of the last read: the snapshot path
 * (two a sample).  fd stays open between reads: /proc/interrupts is made
 * anew at every read from offset 0.  Rows are indexed, not parsed.
 */
int irq_reread(int fd, struct irq_table *t)
{
	size_t len = 0;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return -1;
	for (;;) {
		ssize_t n;

		if (text_reserve(t, len + 4096))
			return -1;
		n = read(fd, t->text + len, t->tcap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (!n)
			break;
		len += n;
	}
	t->text[len] = '\0';
	t->tlen = len;
	return irq_index(t);
}

int irq_read(const char *path, struct irq_table *t)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	memset(t, 0, sizeof(*t));
	if (fd < 0)
		return -1;
	ret = irq_reread(fd, t);
	close(fd);
	if (!ret)
		ret = parse_all(t);
	if (ret)
		irq_free(t);
	return ret;
}

void irq_free(struct irq_table *t)
{
	free(t->row);
	free(t->cpu);
	free(t->text);
	free(t->pool);
	free(t->hash);
	memset(t, 0, sizeof(*t));
}

/* by label: the row at hint first (two snapshots list rows in one order) */
static const struct irq_row *find_hint(const struct irq_table *t,
				       const char *label, int hint)
{
	uint32_t h;

	if (hint >= 0 && hint < t->nrows && !strcmp(t->row[hint].label, label))
		return &t->row[hint];
	if (!t->hash)
		return NULL;
	for (h = label_hash(label) & t->hmask; t->hash[h] >= 0;
	     h = (h + 1) & t->hmask)
		if (!strcmp(t->row[t->hash[h]].label, label))
			return &t->row[t->hash[h]];
	return NULL;
}

const struct irq_row *irq_find(const struct irq_table *t, const char *label)
{
	return find_hint(t, label, -1);
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

static bool ipi_candidate(const char *label)
{
	for (size_t i = 0; i < ARRAY_SIZE(x86_ipis); i++)
		if (!strcmp(label, x86_ipis[i].label))
			return true;
	return is_arm_ipi_label(label);
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
/*
 * Two versions of a row's line, laid out alike (the kernel prints every
 * count "%10u "): only the numbers whose text differs are read, so a
 * queue's row whose interrupts all went to one CPU costs one number, not
 * 512.  Each differing number's delta is taken mod 2^32, per CPU, as the
 * kernel's counters wrap.  -1 when the two do not line up that way (a
 * number grew past its field, the text after the counts changed): the
 * caller parses both lines.
 */
static long diff_delta(const char *a, const char *b, size_t len)
{
	unsigned long long d = 0;
	size_t i = 0;

	for (;;) {
		size_t s, ea, eb;
		unsigned long long va = 0, vb = 0;

		/* most of a row is the same: skip it in long strides */
		while (i + 256 <= len && !memcmp(a + i, b + i, 256))
			i += 256;
		while (i + 8 <= len && !memcmp(a + i, b + i, 8))
			i += 8;
		while (i < len && a[i] == b[i])
			i++;
		if (i >= len)
			return (long)d;
		/*
		 * The field the difference is in: right-aligned numbers
		 * ("         99" and "        104") end where the field ends,
		 * and may start at different places.
		 */
		s = i;
		while (s > 0 && (isdigit((unsigned char)a[s - 1]) ||
				 isdigit((unsigned char)b[s - 1])))
			s--;
		if (!s || a[s - 1] != ' ' || b[s - 1] != ' ')
			return -1;
		for (ea = s; ea < len && a[ea] == ' '; ea++)
			;
		for (eb = s; eb < len && b[eb] == ' '; eb++)
			;
		if (ea == len || eb == len || !isdigit((unsigned char)a[ea]) ||
		    !isdigit((unsigned char)b[eb]))
			return -1;
		for (; ea < len && isdigit((unsigned char)a[ea]); ea++)
			va = va * 10 + (unsigned long long)(a[ea] - '0');
		for (; eb < len && isdigit((unsigned char)b[eb]); eb++)
			vb = vb * 10 + (unsigned long long)(b[eb] - '0');
		if (ea != eb || (ea < len && a[ea] != ' ') ||
		    (eb < len && b[eb] != ' '))
			return -1;
		d += (uint32_t)(vb - va);
		i = ea;
	}
}

static unsigned long long row_delta_of(const struct irq_table *ta,
				       const struct irq_row *a,
				       const struct irq_table *tb,
				       const struct irq_row *b);

/*
 * The two reads have the same CPU columns: compared once per pair of
 * reads (ncpus ints), not once per row, and kept in the after table.
 */
static bool same_columns(const struct irq_table *ta,
			 const struct irq_table *tb)
{
	struct irq_table *mb = (struct irq_table *)tb;

	if (tb->cols_from != ta || tb->cols_gen != ta->gen) {
		mb->cols_same = ta->ncpus == tb->ncpus &&
				!memcmp(ta->cpu, tb->cpu, ta->ncpus * sizeof(int));
		mb->cols_from = ta;
		mb->cols_gen = ta->gen;
	}
	return tb->cols_same;
}

/*
 * Kept in the after row: a sample's IPI kinds and its per-row JSON ask
 * for the same rows' deltas.  Keyed by the before row and its table's
 * read: a reread of either forgets it.
 */
static unsigned long long row_delta(const struct irq_table *ta,
				    const struct irq_row *a,
				    const struct irq_table *tb,
				    const struct irq_row *b)
{
	struct irq_row *mb = (struct irq_row *)b;

	if (b->dfrom != a || b->dgen != ta->gen) {
		mb->dval = row_delta_of(ta, a, tb, b);
		mb->dfrom = a;
		mb->dgen = ta->gen;
	}
	return b->dval;
}

static unsigned long long row_delta_of(const struct irq_table *ta,
				       const struct irq_row *a,
				       const struct irq_table *tb,
				       const struct irq_row *b)
{
	const unsigned long long *ca, *cb;
	unsigned long long d = 0;
	bool same_cols = same_columns(ta, tb);

	/* laid out alike: only the numbers that moved are read */
	if (same_cols && a->len == b->len) {
		long fast = diff_delta(ta->text + a->off, tb->text + b->off,
				       a->len);

		if (fast >= 0)
			return (unsigned long long)fast;
	}
	ca = irq_row_counts(ta, a);
	cb = irq_row_counts(tb, b);
	if (!ca || !cb)
		return 0;
	if (a->ncount != ta->ncpus || b->ncount != tb->ncpus)
		return (uint32_t)(b->total - a->total);
	for (int j = 0; j < b->ncount; j++) {
		int k = j;

		if (!same_cols && (k >= a->ncount || ta->cpu[k] != tb->cpu[j]))
			for (k = 0; k < a->ncount; k++)
				if (ta->cpu[k] == tb->cpu[j])
					break;
		if (k < a->ncount)
			d += (uint32_t)(cb[j] - ca[k]);
	}
	return d;
}

void irq_ipi_delta(const struct irq_table *before,
		   const struct irq_table *after, struct ipi_kinds *out)
{
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < after->nrows; i++) {
		const struct irq_row *b = &after->row[i];
		const struct irq_row *a = find_hint(before, b->label, i);
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
		const struct irq_row *a = find_hint(before, b->label, i);
		unsigned long long d = a ? row_delta(before, a, after, b) : 0;

		if (d)
			json_object_set_new(o, b->label, json_integer(d));
	}
	return o;
}
