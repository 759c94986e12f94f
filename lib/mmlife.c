// SPDX-License-Identifier: GPL-2.0
/*
 * How long a dead mm lives, the same way on every lazy-TLB strategy: from
 * the end of its address space's teardown to the free of its mm_struct.
 *
 *  - death: mmap:exit_mmap, at the end of exit_mmap(), when the last user
 *    let go (mm_users reached 0): from here only mm_count references are
 *    left, the lazy CPUs' among them;
 *  - free: kmem:kmem_cache_free of the "mm_struct" cache, in free_mm(),
 *    whatever deferred it: a lazy CPU's last mmdrop (refcount), the
 *    shoot-lazies IPIs (shootdown), a hazard-slot scan (hazptr), two
 *    mm-switch generations (mmgen).
 *
 * Both are tracepoints sampled (PERF_SAMPLE_TIME | PERF_SAMPLE_RAW, on
 * CLOCK_MONOTONIC) into one ring per CPU, both events of a CPU in its ring
 * (PERF_EVENT_IOC_SET_OUTPUT): 2 fds and one ring per CPU.  The rings are
 * read at each end of a window, never during it, and their records put in
 * time order across CPUs (a death on one CPU, its free on another).
 *
 * What it costs: every slab free on the machine hits the kmem_cache_free
 * tracepoint and its filter (the name compared), whatever the cache; each
 * mm then costs two samples (about 120 bytes of ring).  The rings are
 * 64 MiB over all CPUs (1 MiB to 16 KiB each); a ring that fills loses
 * records, which the window reports (mm_life_lost) rather than a wrong
 * lifetime, and what was pending is forgotten.  The wake-up watermark is
 * the whole ring: one irq_work per ring's worth of records, not one per
 * record.
 *
 * What it excludes: mms that died before the source opened (their frees
 * are ignored), and the mms of everything else the machine ran meanwhile
 * (they are counted: a quiet machine has few).
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define RINGS_TOTAL	(64u << 20)
#define RING_MAX	(1u << 20)
#define RING_MIN	(16u << 10)
/* a sample and a LOST record, with room to spare */
#define MAX_REC		256

/* A dead mm waiting for its free, or a free waiting for its death. */
struct slot {
	uint64_t mm;		/* 0: empty */
	uint64_t t;
};

struct table {
	struct slot *s;
	size_t cap, n;		/* cap: a power of two */
};

struct rec {
	uint64_t t, mm;
	bool death;
};

struct ring {
	struct perf_event_mmap_page *meta;
	char *data;
	size_t size;		/* of data: a power of two */
	int fd[2];
};

struct mmlife {
	struct table dead;	/* mm -> time of death */
	struct table early;	/* this read's frees of mms not seen dying */
	struct table prev;	/* the last read's: their death may come now */
	struct mmlife_reading tot;
	uint64_t peak, max_ns;	/* since the last read */
	int nring;
	struct ring *ring;
	unsigned short type[2];	/* the tracepoints' ids: death, free */
	int off[2];		/* of mm and ptr in their raw records */
	uint64_t t0;		/* every CPU's events on from here */
	bool lossy;		/* this read: a ring may have dropped records */
	struct rec *recs;
	size_t nrec, caprec;
	char *tmp;		/* one record across a ring's end */
};

static size_t slot_of(const struct table *tb, uint64_t mm)
{
	/* Fibonacci hashing: slab addresses share their low bits */
	return (size_t)((mm * 0x9e3779b97f4a7c15ull) >> 20) & (tb->cap - 1);
}

static struct slot *tb_find(const struct table *tb, uint64_t mm)
{
	if (!tb->cap)
		return NULL;
	for (size_t i = slot_of(tb, mm);; i = (i + 1) & (tb->cap - 1)) {
		if (tb->s[i].mm == mm)
			return &tb->s[i];
		if (!tb->s[i].mm)
			return NULL;
	}
}

static int tb_put(struct table *tb, uint64_t mm, uint64_t t);

static int tb_grow(struct table *tb)
{
	struct table nt = { .cap = tb->cap ? tb->cap * 2 : 64 };

	nt.s = calloc(nt.cap, sizeof(*nt.s));
	if (!nt.s)
		return -ENOMEM;
	for (size_t i = 0; i < tb->cap; i++)
		if (tb->s[i].mm)
			tb_put(&nt, tb->s[i].mm, tb->s[i].t);
	free(tb->s);
	*tb = nt;
	return 0;
}

/* Adds or replaces. */
static int tb_put(struct table *tb, uint64_t mm, uint64_t t)
{
	struct slot *s = tb_find(tb, mm);
	size_t i;

	if (s) {
		s->t = t;
		return 0;
	}
	if ((tb->n + 1) * 2 > tb->cap && tb_grow(tb))
		return -ENOMEM;
	for (i = slot_of(tb, mm); tb->s[i].mm; i = (i + 1) & (tb->cap - 1))
		;
	tb->s[i].mm = mm;
	tb->s[i].t = t;
	tb->n++;
	return 0;
}

/* Linear probing's deletion: the entries after it move back into the gap. */
static void tb_del(struct table *tb, struct slot *s)
{
	size_t mask = tb->cap - 1, i = (size_t)(s - tb->s), j = i;

	tb->s[i].mm = 0;
	tb->n--;
	for (;;) {
		size_t k;

		j = (j + 1) & mask;
		if (!tb->s[j].mm)
			return;
		k = slot_of(tb, tb->s[j].mm);
		/* stays when its home lies cyclically in (i, j] */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		tb->s[i] = tb->s[j];
		tb->s[j].mm = 0;
		i = j;
	}
}

struct mmlife *mmlife_new(void)
{
	return calloc(1, sizeof(struct mmlife));
}

static void death_at(struct mmlife *m, uint64_t t, uint64_t mm)
{
	struct slot *f = tb_find(&m->prev, mm);

	m->tot.deaths++;
	if (f && f->t >= t) {
		/*
		 * Its free was read first: the death's CPU's ring was read
		 * before the death, the free's after the free.
		 */
		uint64_t ns = f->t - t;

		tb_del(&m->prev, f);
		m->tot.freed++;
		m->tot.life_ns += ns;
		if (ns > m->max_ns)
			m->max_ns = ns;
		return;
	}
	if (tb_find(&m->dead, mm))
		m->tot.anomalies++;	/* died twice, its free never seen */
	if (tb_put(&m->dead, mm, t))
		m->tot.lost++;
	else if (m->dead.n > m->peak)
		m->peak = m->dead.n;
}

static void free_at(struct mmlife *m, uint64_t t, uint64_t mm)
{
	struct slot *d = tb_find(&m->dead, mm);
	uint64_t ns;

	if (!d) {
		/* died before we opened, or its death is in a later read */
		tb_put(&m->early, mm, t);
		return;
	}
	ns = t > d->t ? t - d->t : 0;
	tb_del(&m->dead, d);
	m->tot.freed++;
	m->tot.life_ns += ns;
	if (ns > m->max_ns)
		m->max_ns = ns;
}

static void process(struct mmlife *m, const struct rec *r)
{
	if (r->death)
		death_at(m, r->t, r->mm);
	else
		free_at(m, r->t, r->mm);
}

/* Totals so far; the peak and the longest life since the last call. */
static void reading(struct mmlife *m, struct mmlife_reading *out)
{
	*out = m->tot;
	out->pending = m->dead.n;
	out->peak = m->peak;
	out->max_ns = m->max_ns;
	m->peak = m->dead.n;
	m->max_ns = 0;
}

/* ---- the rings ---- */

static int rec_cmp(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	/* a death and its free at one tick: the death first */
	return (int)y->death - (int)x->death;
}

static int rec_add(struct mmlife *m, uint64_t t, uint64_t mm, bool death)
{
	if (m->nrec == m->caprec) {
		size_t cap = m->caprec ? m->caprec * 2 : 1024;
		struct rec *r = realloc(m->recs, cap * sizeof(*r));

		if (!r)
			return -ENOMEM;
		m->recs = r;
		m->caprec = cap;
	}
	m->recs[m->nrec++] = (struct rec){ t, mm, death };
	return 0;
}

/* One sample: u64 time, u32 size, the tracepoint's raw record. */
static void sample(struct mmlife *m, const char *p, size_t len)
{
	uint64_t t, mm = 0;
	uint32_t raw;
	unsigned short type;
	int k;

	if (len < 12)
		return;
	memcpy(&t, p, 8);
	memcpy(&raw, p + 8, 4);
	p += 12;
	if (raw + 12 > len || raw < 2)
		return;
	memcpy(&type, p, 2);
	k = type == m->type[0] ? 0 : type == m->type[1] ? 1 : -1;
	if (k < 0 || (uint32_t)m->off[k] + 8 > raw)
		return;
	memcpy(&mm, p + m->off[k], 8);
	if (t < m->t0)
		return;
	if (mm && rec_add(m, t, mm, k == 0))
		m->tot.lost++;
}

static void ring_drain(struct mmlife *m, struct ring *r)
{
	uint64_t head = __atomic_load_n(&r->meta->data_head, __ATOMIC_ACQUIRE);
	uint64_t tail = r->meta->data_tail;
	size_t mask = r->size - 1;

	/*
	 * A record that does not fit is dropped, and the LOST record that
	 * says so is written only once a drain has made room, in a later
	 * window.  Only a drain frees space, so a ring that lost one since
	 * the last read is still within a record of full now.
	 */
	if (head - tail + MAX_REC > r->size)
		m->lossy = true;

	while (tail + sizeof(struct perf_event_header) <= head) {
		struct perf_event_header h;
		size_t at = tail & mask;
		const char *rec;

		/* the header and the record may wrap around the ring's end */
		if (at + sizeof(h) <= r->size) {
			memcpy(&h, r->data + at, sizeof(h));
		} else {
			size_t a = r->size - at;

			memcpy(&h, r->data + at, a);
			memcpy((char *)&h + a, r->data, sizeof(h) - a);
		}
		if (h.size < sizeof(h) || tail + h.size > head)
			break;
		if (at + h.size <= r->size) {
			rec = r->data + at;
		} else {
			size_t a = r->size - at;

			memcpy(m->tmp, r->data + at, a);
			memcpy(m->tmp + a, r->data, h.size - a);
			rec = m->tmp;
		}
		if (h.type == PERF_RECORD_SAMPLE) {
			sample(m, rec + sizeof(h), h.size - sizeof(h));
		} else if (h.type == PERF_RECORD_LOST &&
			   h.size >= sizeof(h) + 16) {
			uint64_t lost;

			memcpy(&lost, rec + sizeof(h) + 8, 8);
			m->tot.lost += lost;
		}
		tail += h.size;
	}
	__atomic_store_n(&r->meta->data_tail, tail, __ATOMIC_RELEASE);
}

/* A record as if from a ring: tests make theirs in any order. */
void mmlife_event(struct mmlife *m, uint64_t t, bool death, uint64_t mm)
{
	if (rec_add(m, t, mm, death))
		m->tot.lost++;
}

/*
 * After a loss nothing pending can be trusted: a lost free leaves its
 * mm dead for ever, and a lost death then pairs the next free of that
 * address with the old death.  What was pending is forgotten (counted as
 * lost); its frees, when they come, are those of mms that died before.
 */
static void forget(struct mmlife *m)
{
	m->tot.lost += m->dead.n;
	free(m->dead.s);
	free(m->early.s);
	free(m->prev.s);
	memset(&m->dead, 0, sizeof(m->dead));
	memset(&m->early, 0, sizeof(m->early));
	memset(&m->prev, 0, sizeof(m->prev));
}

/* tests: the next read finds a ring that lost records */
void mmlife_lose(struct mmlife *m)
{
	m->lossy = true;
}

int mmlife_read(struct mmlife *m, struct mmlife_reading *out)
{
	for (int i = 0; i < m->nring; i++)
		ring_drain(m, &m->ring[i]);
	if (m->lossy) {
		m->lossy = false;
		m->tot.lost++;	/* at least one, uncounted yet */
		m->nrec = 0;
		forget(m);
		reading(m, out);
		return 0;
	}
	qsort(m->recs, m->nrec, sizeof(*m->recs), rec_cmp);
	/* the last read's early frees have this read to meet their death */
	free(m->prev.s);
	m->prev = m->early;
	memset(&m->early, 0, sizeof(m->early));
	for (size_t i = 0; i < m->nrec; i++)
		process(m, &m->recs[i]);
	m->nrec = 0;
	reading(m, out);
	return 0;
}

/* ---- opening ---- */

/*
 * A ring's data, a power of two: 1 MiB each up to 64 CPUs, then less, so
 * that all of them stay within 64 MiB (128 KiB at 512 CPUs) down to
 * 16 KiB each, and never less than a page.
 */
size_t mmlife_ring_bytes(int ncpu, size_t page)
{
	size_t size = RING_MAX;

	while (size > RING_MIN && size * (size_t)(ncpu > 0 ? ncpu : 1) > RINGS_TOTAL)
		size /= 2;
	return size < page ? page : size;
}

/* A field's offset in the raw record, from the event's format file. */
int mmlife_field_offset(const char *format, const char *field)
{
	char want[48];
	const char *p = format;
	int off, size;

	snprintf(want, sizeof(want), " %s;", field);
	while ((p = strstr(p, "field:"))) {
		const char *eol = strchr(p, '\n'), *semi = strchr(p, ';');
		const char *o = strstr(p, "offset:");

		if (!eol)
			eol = p + strlen(p);
		if (semi && semi < eol && o && o < eol &&
		    semi - p >= (long)strlen(want) - 1 &&
		    !strncmp(semi - strlen(want) + 1, want, strlen(want)) &&
		    sscanf(o, "offset:%d;\tsize:%d;", &off, &size) == 2)
			return size == 8 ? off : -1;
		p = eol;
	}
	return -1;
}

static int field_of(const char *tracefs, const char *ev, const char *field)
{
	char path[160], buf[4096];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/events/%s/format", tracefs, ev);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	return mmlife_field_offset(buf, field);
}

static int ring_open(struct mmlife *m, struct ring *r, int cpu, size_t size,
		     char *why, size_t len)
{
	static const char *const ev[2] = { "mmap/exit_mmap",
					   "kmem/kmem_cache_free" };
	struct perf_event_attr a = {
		.type = PERF_TYPE_TRACEPOINT,
		.size = sizeof(a),
		.sample_period = 1,
		.sample_type = PERF_SAMPLE_TIME | PERF_SAMPLE_RAW,
		.use_clockid = 1,
		.clockid = CLOCK_MONOTONIC,
		.watermark = 1,
		.wakeup_watermark = (uint32_t)size,
		/* on once every CPU's ring is there (mmlife_open) */
		.disabled = 1,
	};
	void *p;

	for (int k = 0; k < 2; k++) {
		a.config = m->type[k];
		r->fd[k] = mmb_perf_open(&a, cpu, -1);
		if (r->fd[k] < 0) {
			snprintf(why, len, "perf_event_open %s on CPU %d: %s",
				 ev[k], cpu, strerror(errno));
			return -1;
		}
	}
	/* the name is a __string: compared for every slab free */
	if (ioctl(r->fd[1], PERF_EVENT_IOC_SET_FILTER, "name == \"mm_struct\"")) {
		snprintf(why, len, "the filter name == \"mm_struct\" on kmem_cache_free: %s",
			 strerror(errno));
		return -1;
	}
	p = mmap(NULL, size + (size_t)mmb_page_size(), PROT_READ | PROT_WRITE,
		 MAP_SHARED, r->fd[0], 0);
	if (p == MAP_FAILED) {
		snprintf(why, len, "a %zu KiB ring on CPU %d: %s (perf_event_mlock_kb?)",
			 size >> 10, cpu, strerror(errno));
		return -1;
	}
	r->meta = p;
	r->data = (char *)p + mmb_page_size();
	r->size = size;
	if (ioctl(r->fd[1], PERF_EVENT_IOC_SET_OUTPUT, r->fd[0])) {
		snprintf(why, len, "one ring for both events on CPU %d: %s",
			 cpu, strerror(errno));
		return -1;
	}
	return 0;
}

struct mmlife *mmlife_open(const char *tracefs, const int *cpus, int ncpu,
			   char *why, size_t len)
{
	struct mmlife *m = mmlife_new();
	size_t size, ps = mmb_page_size();
	struct timespec ts;
	long id[2];

	if (!m) {
		snprintf(why, len, "out of memory");
		return NULL;
	}
	id[0] = mmb_tp_id(tracefs, "mmap", "exit_mmap");
	id[1] = mmb_tp_id(tracefs, "kmem", "kmem_cache_free");
	m->off[0] = field_of(tracefs, "mmap/exit_mmap", "mm");
	m->off[1] = field_of(tracefs, "kmem/kmem_cache_free", "ptr");
	if (id[0] < 0 || id[1] < 0 || m->off[0] < 0 || m->off[1] < 0) {
		snprintf(why, len, "%s has no %s",
			 tracefs, id[0] < 0 || m->off[0] < 0 ?
			 "mmap:exit_mmap with its mm (before 6.1)" :
			 "kmem:kmem_cache_free with its ptr");
		goto fail;
	}
	m->type[0] = (unsigned short)id[0];
	m->type[1] = (unsigned short)id[1];
	size = mmlife_ring_bytes(ncpu, ps);
	m->tmp = malloc(65536);
	m->ring = calloc(ncpu, sizeof(*m->ring));
	if (!m->tmp || !m->ring) {
		snprintf(why, len, "out of memory");
		goto fail;
	}
	for (int i = 0; i < ncpu; i++) {
		m->ring[i].fd[0] = m->ring[i].fd[1] = -1;
		m->nring = i + 1;
		if (ring_open(m, &m->ring[i], cpus[i], size, why, len))
			goto fail;
	}
	for (int i = 0; i < m->nring; i++)
		for (int k = 0; k < 2; k++)
			ioctl(m->ring[i].fd[k], PERF_EVENT_IOC_ENABLE, 0);
	/* the enables go CPU by CPU: a record from before the last is dropped */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	m->t0 = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	return m;
fail:
	mmlife_close(m);
	return NULL;
}

void mmlife_close(struct mmlife *m)
{
	if (!m)
		return;
	for (int i = 0; i < m->nring; i++) {
		struct ring *r = &m->ring[i];

		if (r->meta)
			munmap(r->meta, r->size + mmb_page_size());
		for (int k = 0; k < 2; k++)
			if (r->fd[k] >= 0)
				close(r->fd[k]);
	}
	free(m->ring);
	free(m->recs);
	free(m->tmp);
	free(m->dead.s);
	free(m->early.s);
	free(m->prev.s);
	free(m);
}
