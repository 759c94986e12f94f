// SPDX-License-Identifier: GPL-2.0
/*
 * --initiators: N copies of a variant's op loop at once, the dimension the
 * lazy-TLB strategies are judged on (shared/seeds: shoot-lazies and the
 * lazy-mm hazard pointers were both posted with context-switch throughput
 * against the number of CPUs).
 *
 * Initiators are threads of one process of their own (one mm: every lazy
 * switch and every flush touches the same mm_count and mm_cpumask lines)
 * or each a process (one mm each), as will-it-scale's _threads and
 * _processes builds are.  It pins itself, sets its variant up, starts its
 * own victims and then runs ops without a pause, counting them in a slot
 * of shared memory that nobody else writes.  The caller of runner_run()
 * becomes the coordinator: it holds each sample's window open for
 * --duration between two counter snapshots and reads every slot at both
 * ends, as will-it-scale's parent reads its workers' iteration counts.
 * An op in flight at either end is counted in the window it ends in: at
 * most one op per initiator per window.
 *
 * What an initiator pays per op beyond the op: a load of the command word
 * (read-shared, written only between samples) and a store to its own slot.
 * It does not grow with N; mmb-null --initiators N measures it.
 */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

enum { CMD_INIT, CMD_RUN, CMD_PAUSE, CMD_STOP };
enum { S_INIT, S_READY, S_RUNNING, S_PAUSED, S_FAILED, S_DONE };

/* One initiator's counts: two cache lines of its own, and the next one
 * (adjacent-line prefetch) kept clear too. */
struct islot {
	_Atomic uint64_t ops, op_ns, cycles;
	_Atomic double csum[MMB_MAX_COUNTERS];
	_Atomic int32_t tid, state, err;
} __attribute__((aligned(128)));

struct scale {
	_Atomic uint32_t cmd;		/* futex */
	int n;
	bool processes;
	double secs;			/* --duration */
	struct mmb_run *runs;		/* one per initiator */
	pid_t *pid;			/* threads: one, the group's */
	size_t size;
	struct islot slot[];
};

static long futex(_Atomic uint32_t *uaddr, int op, uint32_t val)
{
	return syscall(SYS_futex, uaddr, op, val, NULL, NULL, 0);
}

/* ---- placement ---- */

/* The k CPUs of left nearest cpu by --spread, taken out of left. */
static int take_near(const struct topology *t, int cpu, int k,
		     struct cpuset_list *left, enum mmb_spread spread,
		     int mem_node, int **out, char *err, size_t errlen)
{
	char *pool, count[16];
	int *all = malloc((left->n + 1) * sizeof(int)), n = 0, r;
	struct placement q;

	*out = NULL;
	if (!all)
		return -1;
	all[n++] = cpu;
	for (int i = 0; i < left->n; i++)
		if (left->cpu[i] != cpu)
			all[n++] = left->cpu[i];
	/* a list of what is left, of any length */
	pool = cpulist_str(all, n);
	free(all);
	if (!pool)
		return -1;
	snprintf(count, sizeof(count), "%d", k);
	r = placement_resolve(t, pool, cpu, count, 0, 0, spread, mem_node, &q,
			      err, errlen);
	free(pool);
	if (r)
		return -1;
	for (int i = 0; i < q.nvictims; i++)
		for (int j = 0; j < left->n; j++)
			if (left->cpu[j] == q.victim[i])
				left->cpu[j] = left->cpu[--left->n];
	*out = q.victim;
	q.victim = NULL;
	placement_free(&q);
	return 0;
}

static int place_victims(const struct topology *t, struct placement *p,
			 enum victims_rule rule, const char *victims,
			 int default_victims, int max_victims,
			 enum mmb_spread spread, char *err, size_t errlen)
{
	int n = p->ninit;
	struct cpuset_list left = { 0 }, vl = { 0 };
	long k = default_victims;

	if (rule == VICTIMS_NONE)
		return 0;
	if (rule == VICTIMS_OWN_CPU) {
		for (int i = 0; i < n; i++) {
			p->per[i].victim = malloc(sizeof(int));
			if (!p->per[i].victim)
				return -1;
			p->per[i].victim[0] = p->per[i].initiator;
			p->per[i].nvictims = 1;
		}
		return 0;
	}
	if (victims && cpu_arg_is_list(victims)) {
		/* as given: split in order, initiators' CPUs allowed */
		if (cpulist_parse(victims, t->max_cpu - 1, &vl)) {
			snprintf(err, errlen, "--victims: '%s' is not a CPU list",
				 victims);
			return -1;
		}
		for (int i = 0; i < vl.n; i++) {
			if (!cpulist_has(&p->cpus, vl.cpu[i])) {
				snprintf(err, errlen, "--victims: CPU %d is not in --cpus",
					 vl.cpu[i]);
				goto fail;
			}
		}
		if (vl.n % n) {
			snprintf(err, errlen,
				 "--victims: %d CPUs do not split evenly among %d initiators",
				 vl.n, n);
			goto fail;
		}
		k = vl.n / n;
		if (max_victims && k > max_victims) {
			snprintf(err, errlen,
				 "--victims: at most %d victim(s) per initiator for this bench",
				 max_victims);
			goto fail;
		}
		for (int i = 0; i < n; i++) {
			p->per[i].victim = malloc((k + 1) * sizeof(int));
			if (!p->per[i].victim)
				goto fail;
			memcpy(p->per[i].victim, vl.cpu + i * k, k * sizeof(int));
			p->per[i].nvictims = (int)k;
		}
		cpulist_free(&vl);
		return 0;
	}
	if (victims && !cpu_arg_count(victims, &k)) {
		snprintf(err, errlen,
			 "--victims: '%s' is neither a count nor a CPU list (write a single CPU as '3,')",
			 victims);
		return -1;
	}
	/* what no initiator uses */
	left.cpu = malloc((p->cpus.n + 1) * sizeof(int));
	if (!left.cpu)
		return -1;
	for (int i = 0; i < p->cpus.n; i++) {
		bool used = false;

		for (int j = 0; j < n; j++)
			used |= p->per[j].initiator == p->cpus.cpu[i];
		if (!used)
			left.cpu[left.n++] = p->cpus.cpu[i];
	}
	if (k >= 0 && k * n > left.n) {
		snprintf(err, errlen,
			 "--victims: %d initiator(s) x %ld victim(s)%s need %ld CPUs besides the initiators; --cpus leaves %d%s",
			 n, k, victims ? "" : " (the bench's default)", k * n,
			 left.n, victims ? "" : " (--victims 0: none)");
		goto fail;
	}
	if (max_victims && k > max_victims) {
		snprintf(err, errlen,
			 "--victims: at most %d victim(s) per initiator for this bench",
			 max_victims);
		goto fail;
	}
	for (int i = 0, m = left.n; i < n; i++) {
		/* "every other CPU": what the initiators leave, shared out */
		int ki = k >= 0 ? (int)k : m / n + (i < m % n);

		if (take_near(t, p->per[i].initiator, ki, &left, spread,
			      p->mem_node, &p->per[i].victim, err, errlen))
			goto fail;
		p->per[i].nvictims = ki;
	}
	free(left.cpu);
	return 0;
fail:
	free(left.cpu);
	cpulist_free(&vl);
	return -1;
}

int scale_place(const struct topology *t, const char *cpus, int initiator,
		const char *initiators, enum victims_rule rule,
		const char *victims, int default_victims, int max_victims,
		enum mmb_spread spread, int mem_node, struct placement *p,
		char *err, size_t errlen)
{
	struct cpuset_list il = { 0 };
	struct placement q = { 0 };
	long n = 0;
	int *cpu, tot = 0;

	memset(p, 0, sizeof(*p));
	if (cpu_arg_is_list(initiators)) {
		if (cpulist_parse(initiators, t->max_cpu - 1, &il) || !il.n) {
			if (errno == ERANGE)
				snprintf(err, errlen,
					 "--initiators: '%s' names a CPU past the last one (%d)",
					 initiators, t->max_cpu - 1);
			else
				snprintf(err, errlen,
					 "--initiators: '%s' is neither a count, a CPU list nor all",
					 initiators);
			return -1;
		}
		if (initiator >= 0 && initiator != il.cpu[0]) {
			snprintf(err, errlen,
				 "--initiator: with an --initiators list, the list names every initiator's CPU");
			goto fail;
		}
		initiator = il.cpu[0];
	} else if (strcmp(initiators, "all") &&
		   (!cpu_arg_count(initiators, &n) || n < 1)) {
		snprintf(err, errlen,
			 "--initiators: '%s' is neither a count (1 or more), a CPU list nor all (write a single CPU as '3,')",
			 initiators);
		return -1;
	}
	/* --cpus, --initiator and --node, checked as for one initiator */
	if (placement_resolve(t, cpus, initiator, "0", 0, 0, spread, mem_node,
			      p, err, errlen))
		goto fail;
	if (il.n) {
		for (int i = 0; i < il.n; i++) {
			if (!cpulist_has(&p->cpus, il.cpu[i])) {
				snprintf(err, errlen,
					 "--initiators: CPU %d is not in --cpus",
					 il.cpu[i]);
				goto fail;
			}
		}
		n = il.n;
		cpu = il.cpu;
	} else {
		char count[24];

		if (!strcmp(initiators, "all"))
			n = p->cpus.n;
		if (n > p->cpus.n) {
			snprintf(err, errlen,
				 "--initiators: %ld asked, --cpus has %d CPU(s)",
				 n, p->cpus.n);
			goto fail;
		}
		snprintf(count, sizeof(count), "%ld", n - 1);
		if (placement_resolve(t, cpus, p->initiator, count, 0, 0,
				      spread, mem_node, &q, err, errlen))
			goto fail;
		cpu = malloc(n * sizeof(int));
		if (!cpu)
			goto fail;
		cpu[0] = q.initiator;
		if (n > 1)
			memcpy(cpu + 1, q.victim, (n - 1) * sizeof(int));
		placement_free(&q);
		il.cpu = cpu;
		il.n = (int)n;
	}
	p->ninit = (int)n;
	p->per = calloc(n, sizeof(*p->per));
	if (!p->per)
		goto fail;
	for (int i = 0; i < n; i++) {
		p->per[i].initiator = cpu[i];
		p->per[i].mem_node = p->mem_node;
	}
	p->initiator = cpu[0];
	if (place_victims(t, p, rule, victims, default_victims, max_victims,
			  spread, err, errlen))
		goto fail;
	for (int i = 0; i < n; i++)
		tot += p->per[i].nvictims;
	free(p->victim);
	p->victim = calloc(tot + 1, sizeof(int));
	if (!p->victim)
		goto fail;
	for (int i = 0; i < n; i++) {
		if (!p->per[i].nvictims)
			continue;
		memcpy(p->victim + p->nvictims, p->per[i].victim,
		       p->per[i].nvictims * sizeof(int));
		p->nvictims += p->per[i].nvictims;
	}
	cpulist_free(&il);
	return 0;
fail:
	cpulist_free(&il);
	placement_free(p);
	return -1;
}

/* ---- the initiators ---- */

static void size_window(struct mmb_run *r, const struct run_cfg *cfg);

static void initiator_body(struct mmb_run *ri)
{
	struct scale *sc = ri->sc;
	struct islot *slot = ri->slot;
	const struct mmb_variant *v = ri->variant;
	uint64_t n = 0, op_ns = 0, cyc = 0;
	struct counters *own = NULL;
	int e;

	/* the coordinator's run, not ours: ours has a slot */
	ri->sc = NULL;
	atomic_store(&slot->tid, (int32_t)gettid());
	e = runner_begin(ri);
	/* per-op cycles from a counter on our own CPU: read without an IPI */
	if (!e && v->prepare) {
		ri->ctr = counters_open_local(ri->ctr, ri->pl->initiator);
		if (!ri->ctr) {
			mmb_error(ri, "initiator %d on CPU %d: opening its cycles counter failed",
				  ri->init_idx, ri->pl->initiator);
			e = MMB_EXIT_FAIL;
		}
		own = ri->ctr;
	}
	if (e) {
		atomic_store(&slot->err, e);
		atomic_store(&slot->state, S_FAILED);
		runner_end(ri);
		counters_close(own);
		return;
	}
	atomic_store(&slot->state, S_READY);
	for (bool started = false;;) {
		uint32_t c = atomic_load_explicit(&sc->cmd,
						  memory_order_acquire);

		if (c == CMD_STOP)
			break;
		if (c != CMD_RUN) {
			if (c == CMD_PAUSE)
				atomic_store(&slot->state, S_PAUSED);
			futex(&sc->cmd, FUTEX_WAIT, c);
			continue;
		}
		/* every initiator's victims are in their state by now */
		if (!started && v->started) {
			e = v->started(ri);
			if (e) {
				atomic_store(&slot->err, e > 0 ? e : MMB_EXIT_FAIL);
				atomic_store(&slot->state, S_FAILED);
				break;
			}
		}
		started = true;
		if (atomic_load_explicit(&slot->state,
					 memory_order_relaxed) != S_RUNNING)
			atomic_store(&slot->state, S_RUNNING);
		e = v->prepare ? runner_one_op(ri, &op_ns, &cyc) : v->op(ri);
		if (e) {
			mmb_error(ri, "initiator %d on CPU %d: op failed: %s",
				  ri->init_idx, ri->pl->initiator, strerror(-e));
			atomic_store(&slot->err, e);
			atomic_store(&slot->state, S_FAILED);
			break;
		}
		atomic_store_explicit(&slot->ops, ++n, memory_order_relaxed);
		if (v->prepare) {
			atomic_store_explicit(&slot->op_ns, op_ns,
					      memory_order_relaxed);
			atomic_store_explicit(&slot->cycles, cyc,
					      memory_order_relaxed);
		}
	}
	runner_end(ri);
	counters_close(own);
	if (atomic_load(&slot->state) != S_FAILED)
		atomic_store(&slot->state, S_DONE);
}

static void *initiator_thread(void *arg)
{
	initiator_body(arg);
	return NULL;
}

/*
 * Initiators as threads: one process of their own, initiator 0 on its
 * main thread, so the mm holds the initiators and their victims and
 * nothing of ours (a fork from a process with one more, sleeping thread
 * costs a quarter more: glibc's and the kernel's multi-threaded paths).
 */
static void initiator_group(struct scale *sc)
{
	pthread_t *th = calloc(sc->n, sizeof(*th));
	int started = 1;

	for (int i = 1; th && i < sc->n; i++, started++) {
		int e = pthread_create(&th[i], NULL, initiator_thread,
				       &sc->runs[i]);

		if (e) {
			atomic_store(&sc->slot[i].err, -e);
			atomic_store(&sc->slot[i].state, S_FAILED);
			break;
		}
	}
	if (!th) {
		atomic_store(&sc->slot[0].err, -ENOMEM);
		atomic_store(&sc->slot[0].state, S_FAILED);
		return;
	}
	initiator_body(&sc->runs[0]);
	for (int i = 1; i < started; i++)
		pthread_join(th[i], NULL);
	free(th);
}

static bool sleep_ns(uint64_t ns)
{
	struct timespec ts = { ns / 1000000000ull, ns % 1000000000ull };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		if (mmb_interrupted)
			return false;
	return !mmb_interrupted;
}

/*
 * Until every initiator's state is want (and, for S_PAUSED, the kernel
 * shows it asleep); 0, or -1 when one failed, or after 30 s, or Ctrl-C.
 */
static int wait_all(struct mmb_run *r, int want, const char *what)
{
	struct scale *sc = r->sc;
	uint64_t deadline = mmb_now_ns() + 30ull * 1000000000ull;

	for (int i = 0; i < sc->n; i++) {
		for (;;) {
			int st = atomic_load(&sc->slot[i].state);

			if (scale_failed(r))
				return -1;
			if (st == want && (want != S_PAUSED ||
			    proc_state(atomic_load(&sc->slot[i].tid)) == 'S'))
				break;
			if (mmb_interrupted)
				return -1;
			if (mmb_now_ns() > deadline) {
				mmb_error(r, "initiator %d on CPU %d: not %s in 30 s",
					  i, r->pl->per[i].initiator, what);
				return -1;
			}
			sleep_ns(200 * 1000);
		}
	}
	return 0;
}

int scale_start(struct mmb_run *r, const struct run_cfg *cfg)
{
	int n = r->pl->ninit;
	size_t size = sizeof(struct scale) + n * sizeof(struct islot);
	struct scale *sc;
	sigset_t all, old;

	sc = mmap(NULL, size, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sc == MAP_FAILED) {
		mmb_error(r, "out of memory");
		return MMB_EXIT_FAIL;
	}
	sc->size = size;
	sc->n = n;
	sc->processes = cfg->init_processes;
	sc->secs = cfg->duration;
	sc->runs = calloc(n, sizeof(*sc->runs));
	sc->pid = calloc(n, sizeof(*sc->pid));
	r->sc = sc;
	if (!sc->runs || !sc->pid) {
		mmb_error(r, "out of memory");
		return MMB_EXIT_FAIL;
	}
	/* we wake once a sample: on initiator 0's CPU, recorded */
	if (mmb_pin_self(r->pl->per[0].initiator)) {
		mmb_error(r, "pinning to CPU %d: %s", r->pl->per[0].initiator,
			  strerror(errno));
		return MMB_EXIT_FAIL;
	}
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (int i = 0; i < n; i++) {
		struct mmb_run *ri = &sc->runs[i];

		*ri = *r;
		ri->pl = &r->pl->per[i];
		ri->slot = &sc->slot[i];
		ri->init_idx = i;
		ri->tasks = NULL;
		ri->ntasks = 0;
	}
	for (int i = 0; i < (sc->processes ? n : 1); i++) {
		sc->pid[i] = mmb_fork_task();
		if (sc->pid[i] == 0) {
			if (!sc->processes)
				initiator_group(sc);
			else
				initiator_body(&sc->runs[i]);
			_exit(0);
		}
		if (sc->pid[i] < 0) {
			mmb_error(r, "starting initiator %d: %s", i,
				  strerror(errno));
			pthread_sigmask(SIG_SETMASK, &old, NULL);
			return MMB_EXIT_FAIL;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (wait_all(r, S_READY, "set up")) {
		for (int i = 0; i < n; i++)
			if (atomic_load(&sc->slot[i].state) == S_FAILED)
				return atomic_load(&sc->slot[i].err);
		return MMB_EXIT_FAIL;
	}
	/* one barrier: all released by the same store */
	atomic_store(&sc->cmd, CMD_RUN);
	futex(&sc->cmd, FUTEX_WAKE, INT32_MAX);
	if (!sleep_ns((uint64_t)(cfg->warmup * 1e9)))
		return MMB_EXIT_FAIL;
	if (scale_failed(r))
		return MMB_EXIT_FAIL;
	size_window(r, cfg);
	r->window_s = sc->secs;
	return 0;
}

/*
 * An op in flight at a window's edge is counted in the window it ends in,
 * and its IPIs where they land: up to one op per initiator per window is
 * miscounted, a relative error of up to N / ops on every per-op figure.
 * So a window holds SCALE_MIN_OPS ops per initiator (error <= 1 /
 * SCALE_MIN_OPS): measured over half a warm-up more, the window is
 * lengthened to that, up to SCALE_MAX_STRETCH times --duration; where that
 * is not enough (32 initiators on 2 emulated CPUs), the samples carry the
 * bound and the run warns (runner.c).
 */
static void size_window(struct mmb_run *r, const struct run_cfg *cfg)
{
	struct scale *sc = r->sc;
	uint64_t *o0 = calloc(sc->n, sizeof(*o0)), t0, t1, least = UINT64_MAX;
	double secs, rate, want;

	if (!o0 || cfg->warmup <= 0) {
		free(o0);
		return;
	}
	for (int i = 0; i < sc->n; i++)
		o0[i] = atomic_load(&sc->slot[i].ops);
	t0 = mmb_now_ns();
	if (!sleep_ns((uint64_t)(cfg->warmup * 0.5e9))) {
		free(o0);
		return;
	}
	t1 = mmb_now_ns();
	for (int i = 0; i < sc->n; i++) {
		uint64_t d = atomic_load(&sc->slot[i].ops) - o0[i];

		if (d < least)
			least = d;
	}
	free(o0);
	secs = (double)(t1 - t0) / 1e9;
	/* none at all in the warm-up: as slow as one op in it */
	rate = (least ? (double)least : 1.0) / secs;
	want = SCALE_MIN_OPS / rate;
	if (want <= sc->secs)
		return;
	if (want > sc->secs * SCALE_MAX_STRETCH)
		want = sc->secs * SCALE_MAX_STRETCH;
	mmb_error(r, "note: windows of %.3g s, not --duration %.3g s: the slowest initiator did %.3g ops/s in the warm-up, and a window needs %d ops of each for per-op figures within %.0f%%",
		  want, sc->secs, rate, SCALE_MIN_OPS, 100.0 / SCALE_MIN_OPS);
	sc->secs = want;
}



int scale_pause(struct mmb_run *r)
{
	atomic_store(&r->sc->cmd, CMD_PAUSE);
	int e;

	if (!wait_all(r, S_PAUSED, "asleep"))
		return 0;
	e = scale_failed(r);
	return e ? e : -1;
}

void scale_resume(struct mmb_run *r)
{
	atomic_store(&r->sc->cmd, CMD_RUN);
	futex(&r->sc->cmd, FUTEX_WAKE, INT32_MAX);
}

int scale_failed(struct mmb_run *r)
{
	/* an initiator process (or the threads' one) that died says nothing */
	for (int i = 0; i < r->sc->n; i++) {
		int st;

		if (r->sc->pid[i] <= 0 ||
		    waitpid(r->sc->pid[i], &st, WNOHANG) != r->sc->pid[i])
			continue;
		mmb_error(r, "initiator %s%d died (%s %d)",
			  r->sc->processes ? "" : "group of ",
			  i, WIFSIGNALED(st) ? "signal" : "exit status",
			  WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
		r->sc->pid[i] = 0;
		return -ECHILD;
	}
	for (int i = 0; i < r->sc->n; i++) {
		if (atomic_load(&r->sc->slot[i].state) == S_FAILED) {
			int e = atomic_load(&r->sc->slot[i].err);

			return e < 0 ? e : -EIO;
		}
	}
	return 0;
}

void scale_wait(struct mmb_run *r)
{
	sleep_ns((uint64_t)(r->sc->secs * 1e9));
}

void scale_stop(struct mmb_run *r)
{
	struct scale *sc = r->sc;

	if (!sc)
		return;
	atomic_store(&sc->cmd, CMD_STOP);
	futex(&sc->cmd, FUTEX_WAKE, INT32_MAX);
	for (int i = 0; i < sc->n && sc->pid; i++) {
		uint64_t deadline = mmb_now_ns() + 10000000000ull;

		if (sc->pid[i] <= 0)
			continue;
		while (waitpid(sc->pid[i], NULL, WNOHANG) == 0) {
			if (mmb_now_ns() > deadline) {
				mmb_error(r, "initiator %d did not stop: killed", i);
				kill(sc->pid[i], SIGKILL);
				waitpid(sc->pid[i], NULL, 0);
				break;
			}
			sleep_ns(1000 * 1000);
		}
	}
	free(sc->runs);
	free(sc->pid);
	r->sc = NULL;
	munmap(sc, sc->size);
}

struct scale_read *scale_read_new(int ninit)
{
	struct scale_read *rd = calloc(1, sizeof(*rd));

	if (!rd)
		return NULL;
	rd->ops = calloc(ninit, sizeof(uint64_t));
	rd->op_ns = calloc(ninit, sizeof(uint64_t));
	rd->cycles = calloc(ninit, sizeof(uint64_t));
	rd->csum = calloc((size_t)ninit * MMB_MAX_COUNTERS, sizeof(double));
	if (!rd->ops || !rd->op_ns || !rd->cycles || !rd->csum) {
		scale_read_free(rd);
		return NULL;
	}
	return rd;
}

void scale_read_free(struct scale_read *rd)
{
	if (!rd)
		return;
	free(rd->ops);
	free(rd->op_ns);
	free(rd->cycles);
	free(rd->csum);
	free(rd);
}

void scale_read(struct mmb_run *r, struct scale_read *rd)
{
	for (int i = 0; i < r->sc->n; i++) {
		struct islot *s = &r->sc->slot[i];

		rd->ops[i] = atomic_load_explicit(&s->ops, memory_order_relaxed);
		rd->op_ns[i] = atomic_load_explicit(&s->op_ns,
						    memory_order_relaxed);
		rd->cycles[i] = atomic_load_explicit(&s->cycles,
						     memory_order_relaxed);
		for (int c = 0; c < MMB_MAX_COUNTERS; c++)
			rd->csum[i * MMB_MAX_COUNTERS + c] =
				atomic_load_explicit(&s->csum[c],
						     memory_order_relaxed);
	}
}

/* all initiators' ops so far: the second mark of a window's edge */
uint64_t scale_ops(struct mmb_run *r)
{
	uint64_t sum = 0;

	for (int i = 0; i < r->sc->n; i++)
		sum += atomic_load_explicit(&r->sc->slot[i].ops,
					    memory_order_relaxed);
	return sum;
}

pid_t scale_tid(struct mmb_run *r, int i)
{
	return atomic_load(&r->sc->slot[i].tid);
}

/* Only the initiator writes its slot: no read-modify-write needed. */
void scale_count(struct mmb_run *r, int counter, double v)
{
	_Atomic double *c = &r->slot->csum[counter];

	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed)
			      + v, memory_order_relaxed);
}
