// SPDX-License-Identifier: GPL-2.0
/*
 * The lazy-mm lifetime's bookkeeping (lib/mmlife.c): deaths and frees in
 * any ring order, across reads, addresses reused, a table of many.
 */
#include <stdlib.h>

#include "internal.h"
#include "tap.h"

/* as 7.2 prints them (include/trace/events/mmap.h, kmem.h) */
static const char exit_mmap_fmt[] =
	"name: exit_mmap\nID: 531\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
	"\tfield:struct mm_struct * mm;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:struct maple_tree * mt;\toffset:16;\tsize:8;\tsigned:0;\n\n"
	"print fmt: \"mt_mod %p, DESTROY\", REC->mt\n";
static const char kmem_free_fmt[] =
	"name: kmem_cache_free\nID: 498\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
	"\tfield:unsigned long call_site;\toffset:8;\tsize:8;\tsigned:0;\n"
	"\tfield:const void * ptr;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:__data_loc char[] name;\toffset:24;\tsize:4;\tsigned:0;\n";

static struct mmlife_reading rd(struct mmlife *m)
{
	struct mmlife_reading r;

	mmlife_read(m, &r);
	return r;
}

int main(void)
{
	struct mmlife_reading r;
	struct mmlife *m;

	is_int(mmlife_field_offset(exit_mmap_fmt, "mm"), 8, "exit_mmap's mm at 8");
	is_int(mmlife_field_offset(exit_mmap_fmt, "mt"), 16, "  its mt at 16");
	is_int(mmlife_field_offset(kmem_free_fmt, "ptr"), 16, "kmem_cache_free's ptr at 16");
	is_int(mmlife_field_offset(kmem_free_fmt, "name"), -1,
	       "  its name is no 8-byte field");
	is_int(mmlife_field_offset(exit_mmap_fmt, "m"), -1, "a name's tail is not a field");

	/* the rings at scale: 2 fds and one ring a CPU, 64 MiB in all */
	is_int(mmlife_ring_bytes(2, 4096), 1 << 20, "2 CPUs: 1 MiB rings");
	is_int(mmlife_ring_bytes(64, 4096), 1 << 20, "64 CPUs: 1 MiB rings");
	is_int(mmlife_ring_bytes(512, 4096), 128 << 10, "512 CPUs: 128 KiB rings, 64 MiB in all");
	is_int(mmlife_ring_bytes(8192, 4096), 16 << 10, "8192 CPUs: 16 KiB rings, the least");
	is_int(mmlife_ring_bytes(8192, 65536), 65536, "  never less than a page (64 KiB pages)");

	m = mmlife_new();
	/* the free's ring read first: time orders them */
	mmlife_event(m, 350, false, 0x1000);
	mmlife_event(m, 100, true, 0x1000);
	r = rd(m);
	ok(r.deaths == 1 && r.freed == 1 && r.life_ns == 250 && r.pending == 0,
	   "a death and its free in one read, free first: one life of 250 ns (%llu %llu %llu %llu)",
	   (unsigned long long)r.deaths, (unsigned long long)r.freed,
	   (unsigned long long)r.life_ns, (unsigned long long)r.pending);
	ok(r.peak == 1 && r.max_ns == 250, "  peak 1, longest 250 (%llu, %llu)",
	   (unsigned long long)r.peak, (unsigned long long)r.max_ns);

	/* the free read one read before its death */
	mmlife_event(m, 500, false, 0x2000);
	r = rd(m);
	ok(r.freed == 1 && r.pending == 0, "a free without its death yet: not counted (%llu)",
	   (unsigned long long)r.freed);
	mmlife_event(m, 400, true, 0x2000);
	r = rd(m);
	ok(r.freed == 2 && r.life_ns == 350 && r.pending == 0 && r.max_ns == 100,
	   "  its death in the next read meets it: a life of 100 ns (%llu %llu %llu)",
	   (unsigned long long)r.freed, (unsigned long long)r.life_ns,
	   (unsigned long long)r.max_ns);

	/* an mm that died before the source opened */
	mmlife_event(m, 600, false, 0x3000);
	rd(m);
	rd(m);
	mmlife_event(m, 900, true, 0x3000);
	r = rd(m);
	ok(r.freed == 2 && r.pending == 1,
	   "a free two reads before a death is another mm's: the new one pends (%llu, %llu)",
	   (unsigned long long)r.freed, (unsigned long long)r.pending);
	mmlife_event(m, 1900, false, 0x3000);
	r = rd(m);
	ok(r.freed == 3 && r.life_ns == 1350 && r.pending == 0 && r.peak == 1,
	   "  then its own free: 1000 ns (%llu)", (unsigned long long)r.life_ns);

	/* an address reused, and one that dies twice */
	mmlife_event(m, 2000, true, 0x4000);
	mmlife_event(m, 2001, false, 0x4000);
	mmlife_event(m, 2002, true, 0x4000);
	mmlife_event(m, 2005, false, 0x4000);
	mmlife_event(m, 2010, true, 0x5000);
	mmlife_event(m, 2020, true, 0x5000);
	r = rd(m);
	ok(r.freed == 5 && r.life_ns == 1354, "an address reused: two lives, 1 and 3 ns (%llu)",
	   (unsigned long long)r.life_ns);
	ok(r.anomalies == 1 && r.pending == 1, "  a second death without a free is an anomaly (%llu, %llu)",
	   (unsigned long long)r.anomalies, (unsigned long long)r.pending);
	mmlife_close(m);

	/* a read that lost records forgets what was pending */
	m = mmlife_new();
	mmlife_event(m, 10, true, 0xd000);
	mmlife_event(m, 11, true, 0xe000);
	r = rd(m);
	mmlife_event(m, 20, false, 0xd000);
	mmlife_lose(m);
	r = rd(m);
	ok(r.lost >= 1 && r.pending == 0 && r.freed == 0,
	   "a read whose ring lost records: the window says so, nothing pending is kept (lost %llu, pending %llu)",
	   (unsigned long long)r.lost, (unsigned long long)r.pending);
	mmlife_event(m, 30, false, 0xe000);
	mmlife_event(m, 40, true, 0xe000);
	mmlife_event(m, 45, false, 0xe000);
	r = rd(m);
	ok(r.freed == 1 && r.life_ns == 5 && r.pending == 0,
	   "  after it, a free of a forgotten mm is ignored, a new life counts (%llu, %llu ns)",
	   (unsigned long long)r.freed, (unsigned long long)r.life_ns);
	mmlife_close(m);

	/* pending and peak over reads */
	m = mmlife_new();
	mmlife_event(m, 10, true, 0xa000);
	mmlife_event(m, 11, true, 0xb000);
	mmlife_event(m, 12, true, 0xc000);
	mmlife_event(m, 13, false, 0xa000);
	r = rd(m);
	ok(r.pending == 2 && r.peak == 3, "three deaths and a free: 2 pending, 3 at most (%llu, %llu)",
	   (unsigned long long)r.pending, (unsigned long long)r.peak);
	mmlife_event(m, 20, false, 0xb000);
	mmlife_event(m, 21, false, 0xc000);
	r = rd(m);
	ok(r.pending == 0 && r.peak == 2, "  both freed: none pending, 2 at most since the last read (%llu, %llu)",
	   (unsigned long long)r.pending, (unsigned long long)r.peak);
	mmlife_close(m);

	/*
	 * Many at once, as slab lays them out (1 KiB apart): 50,000 deaths,
	 * their frees in a shuffled order over ten reads.  Linear probing's
	 * deletion must keep every other entry findable.
	 */
	{
		enum { N = 50000 };
		uint64_t *order = malloc(N * sizeof(*order)), want = 0;
		bool good = true;

		m = mmlife_new();
		srand(7);
		for (int i = 0; i < N; i++) {
			order[i] = i;
			mmlife_event(m, 1000 + i, true, 0xffff888100000000ull + (uint64_t)i * 1024);
		}
		r = rd(m);
		ok(r.pending == N && r.peak == N, "%d dead at once (%llu pending)", N,
		   (unsigned long long)r.pending);
		for (int i = N - 1; i > 0; i--) {
			int j = rand() % (i + 1);
			uint64_t t = order[i];

			order[i] = order[j];
			order[j] = t;
		}
		for (int k = 0; k < 10; k++) {
			for (int i = k * N / 10; i < (k + 1) * N / 10; i++) {
				uint64_t id = order[i];

				mmlife_event(m, 1000000 + i, false,
					     0xffff888100000000ull + id * 1024);
				want += 1000000 + i - (1000 + id);
			}
			r = rd(m);
			good &= r.pending == (uint64_t)(N - (k + 1) * N / 10);
		}
		ok(good && r.freed == N && r.life_ns == want && r.pending == 0,
		   "  freed in a shuffled order over ten reads: every life found (%llu of %d, sum %s)",
		   (unsigned long long)r.freed, N, r.life_ns == want ? "right" : "wrong");
		free(order);
		mmlife_close(m);
	}
	return done_testing();
}
