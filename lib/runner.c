// SPDX-License-Identifier: GPL-2.0
/*
 * The runner: victim tasks (threads or processes), the start barrier,
 * warm-up, samples, and the idle window that measures the background rate
 * of every counter.
 *
 * One sample is a batch of ops between two counter snapshots.  Latency and
 * cycles per op come from the batch (or from per-op readings when the
 * variant has untimed preparation); IPI counts can only be had per batch,
 * since the kernel counts them, not us.
 */
#include <errno.h>
#include <linux/close_range.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

volatile sig_atomic_t mmb_interrupted;

/*
 * T_STARTED: in the variant's victim(), not yet in the state it promises;
 * T_RUNNING: in its busy loop (it asked mmb_task_stopping() once);
 * T_PARKING: on its way to sleep, or asleep, in mmb_task_park().
 */
enum task_state { T_INIT, T_READY, T_STARTED, T_RUNNING, T_PARKING };

struct ctl {
	_Atomic uint32_t stop;		/* victims leave (parked: on rerun) */
	_Atomic uint32_t go;		/* futex: start barrier */
	_Atomic uint32_t ready;		/* futex: victims at the barrier */
	_Atomic int32_t failed;		/* errno of a victim's set-up */
	_Atomic uint32_t rerun;		/* futex: parked victims, run again */
	struct {
		_Atomic int32_t tid;
		_Atomic uint32_t state;
		_Atomic uint32_t rerun;	/* the last ctl->rerun it ran for */
	} task[];
};

struct mmb_task {
	struct mmb_run *run;
	int idx, cpu;
	pthread_t th;
	pid_t pid;
};

static long futex(_Atomic uint32_t *uaddr, int op, uint32_t val,
		  const struct timespec *ts)
{
	return syscall(SYS_futex, uaddr, op, val, ts, NULL, 0);
}

static void futex_wake_all(_Atomic uint32_t *uaddr)
{
	futex(uaddr, FUTEX_WAKE, INT32_MAX, NULL);
}

/* ---- accessors (mmb.h) ---- */

int mmb_initiator_cpu(const struct mmb_run *r) { return r->pl->initiator; }
int mmb_nr_victims(const struct mmb_run *r) { return r->pl->nvictims; }
enum mmb_mode mmb_mode(const struct mmb_run *r) { return r->mode; }
int mmb_mem_node(const struct mmb_run *r) { return r->pl->mem_node; }
void *mmb_shared(const struct mmb_run *r) { return r->shared; }
const struct mmb_variant *mmb_variant(const struct mmb_run *r) { return r->variant; }
void *mmb_priv(const struct mmb_run *r) { return r->priv; }
int mmb_initiator_index(const struct mmb_run *r) { return r->init_idx; }
int mmb_nr_initiators(const struct mmb_run *r) { return r->ninit ? r->ninit : 1; }
int mmb_task_index(const struct mmb_task *t) { return t->idx; }
int mmb_task_cpu(const struct mmb_task *t) { return t->cpu; }
struct mmb_run *mmb_task_run(const struct mmb_task *t) { return t->run; }

int mmb_victim_cpu(const struct mmb_run *r, int i)
{
	return i >= 0 && i < r->pl->nvictims ? r->pl->victim[i] : -1;
}

bool mmb_task_stopping(const struct mmb_task *t)
{
	_Atomic uint32_t *st = &t->run->ctl->task[t->idx].state;

	/* the first question comes from inside the busy loop: now it runs */
	if (atomic_load_explicit(st, memory_order_relaxed) == T_STARTED)
		atomic_store(st, T_RUNNING);
	return atomic_load_explicit(&t->run->ctl->stop, memory_order_relaxed);
}

/*
 * Asleep until the victims stop, or until mmb_victims_rerun() has each
 * run once on its CPU.  stop is read after rerun: victims_stop() sets stop
 * before it bumps rerun, so a wake-up is never missed.
 */
void mmb_task_park(struct mmb_task *t)
{
	struct ctl *ctl = t->run->ctl;
	uint32_t g = atomic_load(&ctl->rerun);

	atomic_store(&ctl->task[t->idx].state, T_PARKING);
	for (;;) {
		atomic_store(&ctl->task[t->idx].rerun, g);
		if (atomic_load(&ctl->stop))
			return;
		futex(&ctl->rerun, FUTEX_WAIT, g, NULL);
		g = atomic_load(&ctl->rerun);
	}
}

/*
 * Every parked victim wakes, runs on its CPU (which loads the mm there
 * again) and goes back to sleep: its CPU is lazy on the mm once more.
 * Returns once the kernel shows each asleep again; busy victims are left
 * alone.  Untimed work for a prepare(), but its wake-ups are IPIs
 * (reschedule, or call-function-single where the wake-up is queued to the
 * wakee's CPU), and it reads /proc once per victim and more.
 */
int mmb_victims_rerun(struct mmb_run *r)
{
	struct ctl *ctl = r->ctl;
	uint32_t g;
	uint64_t deadline = mmb_now_ns() + 10ull * 1000000000ull;

	if (!ctl || !r->ntasks)
		return 0;
	g = atomic_fetch_add(&ctl->rerun, 1) + 1;
	futex_wake_all(&ctl->rerun);
	for (int i = 0; i < r->ntasks; i++) {
		while (atomic_load(&ctl->task[i].state) == T_PARKING &&
		       (atomic_load(&ctl->task[i].rerun) != g ||
			proc_state(atomic_load(&ctl->task[i].tid)) != 'S')) {
			if (mmb_interrupted)
				return -EINTR;
			if (mmb_now_ns() > deadline) {
				mmb_error(r, "victim %d on CPU %d did not sleep again in 10 s",
					  i, r->tasks[i].cpu);
				return -ETIMEDOUT;
			}
			sched_yield();
		}
	}
	return 0;
}

/*
 * A set sized for the CPU, not a cpu_set_t: that holds CPUs 0-1023 only,
 * and CPU_SET() past it writes beyond the set (NR_CPUS is 8192 in Debian).
 * On the stack, not CPU_ALLOC(): an mmb_fork() child pins itself (walk-
 * exit) and must not malloc.
 */
int mmb_pin_self(int cpu)
{
	unsigned long bits[cpu >= 0 ? cpu / (8 * sizeof(long)) + 1 : 1];
	size_t size = sizeof(bits);

	if (cpu < 0) {
		errno = EINVAL;
		return -1;
	}
	CPU_ZERO_S(size, (cpu_set_t *)bits);
	CPU_SET_S(cpu, size, (cpu_set_t *)bits);
	return sched_setaffinity(0, size, (cpu_set_t *)bits);
}

/* A child of ours: dies with the parent, leaves Ctrl-C to it. */
static pid_t child_of(pid_t parent, pid_t pid)
{
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_DFL);
	}
	return pid;
}

/* The children that live for the run (victims, initiators): a fork. */
pid_t mmb_fork_task(void)
{
	pid_t parent = getpid();

	return child_of(parent, fork());
}

/*
 * An op's child: a copy of the mm, as fork() makes, but the fd table
 * shared.  A raw clone: glibc's fork() has no way to pass CLONE_FILES.
 * The child's TID cache is the parent's (no CLONE_CHILD_SETTID into
 * glibc's thread descriptor), which is why it makes system calls only.
 */
pid_t mmb_fork(void)
{
	pid_t parent = getpid();

	return child_of(parent, (pid_t)syscall(SYS_clone, CLONE_FILES | SIGCHLD,
					       NULL, NULL, NULL, NULL));
}

int mmb_exec(const char *path, char *const argv[], char *const envp[])
{
	/* a fresh table of fds 0-2: execve() would copy the shared one */
	syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_UNSHARE);
	return execve(path, argv, envp);
}

void mmb_count(struct mmb_run *r, int counter, double v)
{
	if (counter < 0 || counter >= MMB_MAX_COUNTERS)
		return;
	if (r->slot)
		scale_count(r, counter, v);
	else
		r->csum[counter] += v;
}

void mmb_error(const struct mmb_run *r, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mmb-%s: %s: ", r->bench->name, r->variant->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* From the bench's params hook: an initiator's would race the others'. */
static void param_set(struct mmb_run *r, const char *key, json_t *v)
{
	if (r->slot) {
		json_decref(v);
		return;
	}
	json_object_set_new(r->params, key, v);
}

void mmb_param_int(struct mmb_run *r, const char *key, long long v)
{
	param_set(r, key, json_integer(v));
}

void mmb_param_str(struct mmb_run *r, const char *key, const char *v)
{
	param_set(r, key, json_string(v));
}

void mmb_param_bool(struct mmb_run *r, const char *key, bool v)
{
	param_set(r, key, json_boolean(v));
}

/* ---- victims ---- */

static void task_body(struct mmb_task *t)
{
	struct ctl *ctl = t->run->ctl;

	if (mmb_pin_self(t->cpu))
		atomic_store(&ctl->failed, errno);
	atomic_store(&ctl->task[t->idx].tid, (int32_t)gettid());
	atomic_store(&ctl->task[t->idx].state, T_READY);
	atomic_fetch_add(&ctl->ready, 1);
	futex_wake_all(&ctl->ready);
	while (!atomic_load(&ctl->go) && !atomic_load(&ctl->stop))
		futex(&ctl->go, FUTEX_WAIT, 0, NULL);
	if (atomic_load(&ctl->stop) || atomic_load(&ctl->failed))
		return;
	atomic_store(&ctl->task[t->idx].state, T_STARTED);
	t->run->variant->victim(t);
}

static void *task_thread(void *arg)
{
	task_body(arg);
	return NULL;
}

static int victims_start(struct mmb_run *r)
{
	int n = r->pl->nvictims;
	sigset_t all, old;

	r->tasks = calloc(n, sizeof(*r->tasks));
	if (!r->tasks)
		return -1;
	/* Signals go to the initiator, which stops the run cleanly. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (int i = 0; i < n; i++) {
		struct mmb_task *t = &r->tasks[i];

		t->run = r;
		t->idx = i;
		t->cpu = r->pl->victim[i];
		if (r->mode == MMB_MODE_THREADS) {
			int e = pthread_create(&t->th, NULL, task_thread, t);

			if (e) {
				errno = e;
				break;
			}
		} else {
			t->pid = mmb_fork_task();
			if (t->pid == 0) {
				task_body(t);
				_exit(0);
			}
			if (t->pid < 0)
				break;
		}
		r->ntasks++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r->ntasks == n ? 0 : -1;
}

int proc_state(pid_t tid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", tid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/*
 * The barrier: every victim pinned and waiting, then released together.
 * Victims that park are waited for until the kernel shows them asleep, so
 * the first sample does not catch them on their way down.
 */
static int victims_go(struct mmb_run *r)
{
	struct ctl *ctl = r->ctl;
	uint32_t n = r->ntasks, ready;
	uint64_t deadline = mmb_now_ns() + 10ull * 1000000000ull;

	while ((ready = atomic_load(&ctl->ready)) < n) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		if (mmb_interrupted || mmb_now_ns() > deadline)
			return -1;
		futex(&ctl->ready, FUTEX_WAIT, ready, &ts);
	}
	if (atomic_load(&ctl->failed)) {
		errno = atomic_load(&ctl->failed);
		mmb_error(r, "pinning a victim failed: %s", strerror(errno));
		return -1;
	}
	atomic_store(&ctl->go, 1);
	futex_wake_all(&ctl->go);
	for (uint32_t i = 0; i < n; i++) {
		for (;;) {
			uint32_t st = atomic_load(&ctl->task[i].state);
			struct timespec ts = { 0, 200 * 1000 };

			/* a partner that blocks by design is ready once started */
			if (st == T_STARTED && r->variant->victims_wait)
				break;
			if (st == T_RUNNING)
				break;
			if (st == T_PARKING &&
			    proc_state(atomic_load(&ctl->task[i].tid)) == 'S')
				break;
			if (mmb_interrupted)
				return -1;
			if (mmb_now_ns() > deadline) {
				mmb_error(r, "victim %u on CPU %d did not reach its state (busy loop or asleep) in 10 s",
					  i, r->tasks[i].cpu);
				return -1;
			}
			nanosleep(&ts, NULL);
		}
	}
	return 0;
}

static void victims_stop(struct mmb_run *r)
{
	struct ctl *ctl = r->ctl;

	atomic_store(&ctl->stop, 1);
	atomic_fetch_add(&ctl->rerun, 1);
	futex_wake_all(&ctl->rerun);
	futex_wake_all(&ctl->go);
	if (r->variant->wake)
		r->variant->wake(r);
	for (int i = 0; i < r->ntasks; i++) {
		struct mmb_task *t = &r->tasks[i];

		if (r->mode == MMB_MODE_THREADS) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 5;
			if (pthread_timedjoin_np(t->th, NULL, &ts)) {
				mmb_error(r, "victim %d did not stop", i);
				/* Exiting the process takes it down with us. */
				exit(MMB_EXIT_FAIL);
			}
		} else {
			uint64_t deadline = mmb_now_ns() + 2000000000ull;

			while (waitpid(t->pid, NULL, WNOHANG) == 0) {
				struct timespec ts = { 0, 1000 * 1000 };

				if (mmb_now_ns() > deadline) {
					kill(t->pid, SIGKILL);
					waitpid(t->pid, NULL, 0);
					break;
				}
				nanosleep(&ts, NULL);
			}
		}
	}
	free(r->tasks);
	r->tasks = NULL;
	r->ntasks = 0;
}

/* ---- sampling ---- */

#define MAX_CVAL 64

struct sample {
	double csum[MMB_MAX_COUNTERS];
	/* --initiators: each initiator's ops, time in them, cycles in them */
	int ninit, progressed;
	uint64_t *iops, *iop_ns, *icyc;
	struct mmb_hist *hist;	/* per-op latencies, where ops were timed */
	double victim_share;	/* least on-CPU share of a busy victim, or -1 */
	double init_share;	/* least on-CPU share of an initiator, or -1 */
	/* --initiators: ops that ended while each edge's counters were read */
	uint64_t edge_ops[2];
	uint64_t ops;
	uint64_t op_ns;		/* time inside the ops */
	uint64_t window_ns;	/* snapshot to snapshot */
	double cycles;
	int nval;
	struct cval val[MAX_CVAL];
	json_t *irq;
};

#define ONCPU_UNKNOWN UINT64_MAX
/* on-CPU shares read for up to this many initiators: 2 reads each */
#define MMB_MAX_INIT_SHARE 1024

/*
 * Time a task has spent on a CPU, from its CPU-time clock: the kernel
 * brings a running task's runtime up to date when the clock is read
 * (task_sched_runtime()), where /proc/<tid>/schedstat only moves at ticks
 * and switches and read a spinning victim up to 5% high.  A victim thread
 * shares our thread group, so its own thread clock is readable; a victim
 * process is single-threaded, so its process clock is its time.  The
 * clockids are the kernel's encoding (MAKE_PROCESS_CPUCLOCK,
 * CPUCLOCK_SCHED, CPUCLOCK_PERTHREAD_MASK), as glibc's
 * clock_getcpuclockid() builds them.  Without CONFIG_POSIX_TIMERS
 * (minimal guests) schedstat is the fallback; without that too, unknown,
 * which must not read as "never ran".
 */
static uint64_t oncpu_ns(pid_t tid, bool thread)
{
	clockid_t clk = (clockid_t)((~(unsigned int)tid) << 3) |
			2 /* CPUCLOCK_SCHED */ | (thread ? 4 : 0);
	unsigned long long v = 0;
	struct timespec ts;
	char path[64];
	FILE *f;

	if (!clock_gettime(clk, &ts))
		return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	snprintf(path, sizeof(path), "/proc/%d/schedstat", tid);
	f = fopen(path, "r");
	if (!f)
		return ONCPU_UNKNOWN;
	if (fscanf(f, "%llu", &v) != 1)
		v = ONCPU_UNKNOWN;
	fclose(f);
	return v;
}

/*
 * A "busy" victim only means something while it runs: other load on its
 * CPU would preempt it and hide the IPIs it should receive.  Busy victims
 * are those that did not park.  Each victim's time is read with the wall
 * time of the same moment (t[ntasks + i]), so the share's numerator and
 * denominator span one interval.
 */
static void victims_oncpu(struct mmb_run *r, uint64_t *t)
{
	if (r->variant->victims_wait)
		return;
	for (int i = 0; i < r->ntasks; i++) {
		bool running = atomic_load(&r->ctl->task[i].state) == T_RUNNING;

		t[i] = running ? oncpu_ns(atomic_load(&r->ctl->task[i].tid),
					  r->mode == MMB_MODE_THREADS) : 0;
		t[r->ntasks + i] = mmb_now_ns();
	}
}

/*
 * --initiators: each initiator's time on its CPU, as for busy victims.
 * Initiators live in another process, whose threads' CPU-time clocks we
 * may not read: schedstat, which moves at ticks and switches (a tick in a
 * window of --duration).  An initiator whose op blocks by design (a pipe
 * partner) is off its CPU for a reason; one that spins and is off it was
 * preempted, and the flushes it should have received did not happen.
 */
static void initiators_oncpu(struct mmb_run *r, uint64_t *t)
{
	for (int i = 0; i < r->ninit; i++) {
		t[i] = oncpu_ns(scale_tid(r, i), true);
		t[r->ninit + i] = mmb_now_ns();
	}
}

static double initiators_share(struct mmb_run *r, const uint64_t *a,
			       const uint64_t *b)
{
	double least = -1;

	for (int i = 0; i < r->ninit; i++) {
		uint64_t wall = b[r->ninit + i] - a[r->ninit + i];
		double share;

		if (a[i] == ONCPU_UNKNOWN || b[i] == ONCPU_UNKNOWN)
			return -1;
		share = wall ? (double)(b[i] - a[i]) / (double)wall : 0;
		if (least < 0 || share < least)
			least = share;
	}
	return least;
}

static double victims_share(struct mmb_run *r, const uint64_t *a,
			    const uint64_t *b)
{
	double least = -1;

	for (int i = 0; i < r->ntasks && !r->variant->victims_wait; i++) {
		uint64_t wall = b[r->ntasks + i] - a[r->ntasks + i];
		double share;

		if (atomic_load(&r->ctl->task[i].state) != T_RUNNING)
			continue;
		if (a[i] == ONCPU_UNKNOWN || b[i] == ONCPU_UNKNOWN) {
			static bool told;

			if (!told)
				mmb_error(r, "note: busy victims' on-CPU share unknown: no CPU-time clock (CONFIG_POSIX_TIMERS) and no /proc/<tid>/schedstat (CONFIG_SCHED_INFO); busy_victim_oncpu left out");
			told = true;
			return -1;
		}
		share = wall ? (double)(b[i] - a[i]) / (double)wall : 0;
		if (least < 0 || share < least)
			least = share;
	}
	return least;
}

int runner_one_op(struct mmb_run *r, uint64_t *op_ns, uint64_t *cyc)
{
	const struct mmb_variant *v = r->variant;
	uint64_t t0, c0;
	int ret;

	if (!v->prepare)
		return v->op(r);
	ret = v->prepare(r);
	if (ret)
		return ret;
	c0 = counters_cycles(r->ctr);
	t0 = mmb_now_ns();
	ret = v->op(r);
	t0 = mmb_now_ns() - t0;
	*op_ns += t0;
	*cyc += counters_cycles(r->ctr) - c0;
	if (r->hist)
		hist_add(r->hist, t0);
	return ret;
}

static int op_failed(struct mmb_run *r, int ret)
{
	if (mmb_interrupted)
		return 1;
	mmb_error(r, "op failed: %s", strerror(-ret));
	return -1;
}

/* Warm-up, which also measures the op rate for --duration. */
static int warmup(struct mmb_run *r, double secs, double *rate)
{
	uint64_t start = mmb_now_ns(), end = start + (uint64_t)(secs * 1e9);
	uint64_t n = 0, dummy_ns = 0, dummy_c = 0, now;
	int ret;

	do {
		ret = runner_one_op(r, &dummy_ns, &dummy_c);
		if (ret)
			return op_failed(r, ret);
		n++;
		now = mmb_now_ns();
	} while (now < end && !mmb_interrupted);
	*rate = (double)n * 1e9 / (double)(now - start);
	return mmb_interrupted ? 1 : 0;
}

/*
 * The initiators' share of a window: what each did between the two
 * readings that the snapshots enclose.  One that did nothing in a whole
 * window was starved (8 initiators on 2 emulated CPUs, an unfair lock):
 * a result, shown as initiator_ops_per_s_min 0 and said on stderr; but
 * when none did, the run is stuck.
 */
static int scale_sample(struct mmb_run *r, struct scale_read *ra,
			struct scale_read *rb, struct sample *s, bool timed)
{
	int n = r->ninit;

	s->ninit = n;
	s->iops = calloc(n, sizeof(uint64_t));
	s->iop_ns = calloc(n, sizeof(uint64_t));
	s->icyc = calloc(n, sizeof(uint64_t));
	if (!s->iops || !s->iop_ns || !s->icyc)
		return -ENOMEM;
	s->ops = 0;
	s->progressed = 0;
	for (int i = 0; i < n; i++) {
		s->iops[i] = rb->ops[i] - ra->ops[i];
		s->iop_ns[i] = rb->op_ns[i] - ra->op_ns[i];
		s->icyc[i] = rb->cycles[i] - ra->cycles[i];
		s->ops += s->iops[i];
		for (int c = 0; c < MMB_MAX_COUNTERS; c++)
			s->csum[c] += rb->csum[i * MMB_MAX_COUNTERS + c] -
				      ra->csum[i * MMB_MAX_COUNTERS + c];
		if (s->iops[i])
			s->progressed++;
		else if (timed && !mmb_interrupted)
			mmb_error(r, "warning: initiator %d on CPU %d did no op in a whole sample: starved",
				  i, r->pl->per[i].initiator);
	}
	if (timed && !s->progressed && !mmb_interrupted) {
		mmb_error(r, "no initiator did an op in a whole sample");
		return -EDEADLK;
	}
	return 0;
}

enum pass { PASS_MAIN, PASS_TP, PASS_LAT };

/* One op at a time, each timed: the per-op latency pass. */
static int timed_ops(struct mmb_run *r, uint64_t nops)
{
	int ret = 0;

	for (uint64_t i = 0; i < nops && !mmb_interrupted; i++) {
		uint64_t t0 = mmb_now_ns();

		ret = r->variant->op(r);
		hist_add(r->hist, mmb_now_ns() - t0);
		if (ret)
			break;
	}
	return ret;
}

/*
 * The initiators' op counts, read at the marks of each end of a window:
 * before the counters are read (the window's ops), and after (the ops that
 * ended during the read).
 */
struct read_mark {
	struct mmb_run *r;
	struct scale_read *rd[2];
	uint64_t before[2], after[2];
	int n;
};

static void read_mark(void *arg)
{
	struct read_mark *m = arg;
	int e = m->n / 2;

	if (m->n < 4 && m->n % 2 == 0) {
		scale_read(m->r, m->rd[e]);
		m->before[e] = 0;
		for (int i = 0; i < m->r->ninit; i++)
			m->before[e] += m->rd[e]->ops[i];
	} else if (m->n < 4) {
		m->after[e] = scale_ops(m->r);
	}
	m->n++;
}

static int take_sample(struct mmb_run *r, uint64_t nops, struct snapshot *a,
		       struct snapshot *b, struct sample *s, enum pass pass)
{
	struct read_mark mk;
	bool with_tp = pass == PASS_TP;
	const struct mmb_variant *v = r->variant;
	uint64_t op_ns = 0, cyc = 0, i;
	uint64_t *va = calloc(2 * r->ntasks + 1, sizeof(*va));
	uint64_t *vb = calloc(2 * r->ntasks + 1, sizeof(*vb));
	struct scale_read *ra = NULL, *rb = NULL;
	uint64_t ia[2 * MMB_MAX_INIT_SHARE], ib[2 * MMB_MAX_INIT_SHARE];
	bool ishare = r->ninit && r->ninit <= MMB_MAX_INIT_SHARE;
	int ret = 0, snap_failed;

	if (r->ninit) {
		ra = scale_read_new(r->ninit);
		rb = scale_read_new(r->ninit);
	}
	/* ops timed one by one: their distribution too */
	if (!r->ninit && (v->prepare || pass == PASS_LAT) && nops)
		s->hist = calloc(1, sizeof(*s->hist));
	r->hist = s->hist;
	if (!va || !vb || (r->ninit && (!ra || !rb))) {
		free(va);
		free(vb);
		scale_read_free(ra);
		scale_read_free(rb);
		return op_failed(r, -ENOMEM);
	}
	victims_oncpu(r, va);
	if (ishare)
		initiators_oncpu(r, ia);
	memset(r->csum, 0, sizeof(r->csum));
	/*
	 * The initiators run all along, through the snapshots too: their op
	 * counts are read where the counters start and stop (the mark).
	 */
	mk.r = r;
	mk.rd[0] = ra;
	mk.rd[1] = rb;
	mk.n = 0;
	if (r->ninit)
		counters_set_mark(r->ctr, read_mark, &mk);
	snap_failed = counters_snap(r->ctr, a, false, with_tp);
	if (snap_failed) {
		/* nothing runs: the window has no beginning */
		if (with_tp)
			counters_tp_off(r->ctr);
	} else if (r->ninit) {
		if (nops)
			scale_wait(r);
	} else if (pass == PASS_LAT && !v->prepare) {
		ret = r->hist ? timed_ops(r, nops) : -ENOMEM;
	} else if (!v->prepare) {
		for (i = 0; i < nops && !mmb_interrupted; i++) {
			ret = v->op(r);
			if (ret)
				break;
		}
	} else {
		for (i = 0; i < nops && !mmb_interrupted; i++) {
			ret = runner_one_op(r, &op_ns, &cyc);
			if (ret)
				break;
		}
	}
	if (!snap_failed) {
		snap_failed = counters_snap(r->ctr, b, true, with_tp);
		if (snap_failed && with_tp)
			counters_tp_off(r->ctr);
	}
	counters_set_mark(r->ctr, NULL, NULL);
	if (r->ninit && !snap_failed && mk.n != 4) {
		mmb_error(r, "internal: %d op count readings in a window, not 4", mk.n);
		snap_failed = 1;
	}
	for (int e = 0; r->ninit && !snap_failed && e < 2; e++)
		s->edge_ops[e] = mk.after[e] - mk.before[e];
	r->hist = NULL;
	victims_oncpu(r, vb);
	if (ishare)
		initiators_oncpu(r, ib);
	s->window_ns = snapshot_ns(b) - snapshot_ns(a);
	s->victim_share = victims_share(r, va, vb);
	s->init_share = ishare ? initiators_share(r, ia, ib) : -1;
	memcpy(s->csum, r->csum, sizeof(s->csum));
	free(va);
	free(vb);
	if (snap_failed) {
		scale_read_free(ra);
		scale_read_free(rb);
		mmb_error(r, "reading the counters failed (/proc/interrupts or a tracepoint counter): no sample without them");
		return -1;
	}
	if (r->ninit) {
		ret = scale_failed(r);
		if (!ret)
			ret = scale_sample(r, ra, rb, s, nops);
		scale_read_free(ra);
		scale_read_free(rb);
	}
	if (ret)
		return op_failed(r, ret);
	if (mmb_interrupted)
		return 1;
	if (!r->ninit)
		s->ops = nops;
	if (!v->prepare || r->ninit) {
		/* The snapshot reads time and cycles innermost. */
		s->op_ns = s->window_ns;
		cyc = snapshot_cycles(b) - snapshot_cycles(a);
	} else {
		s->op_ns = op_ns;
	}
	s->cycles = (double)cyc;
	s->nval = counters_delta(r->ctr, a, b, s->val, MAX_CVAL, with_tp);
	s->irq = counters_irq_delta(a, b);
	return 0;
}

static void sample_release(struct sample *s)
{
	json_decref(s->irq);
	s->irq = NULL;
	free(s->iops);
	free(s->iop_ns);
	free(s->icyc);
	free(s->hist);
	s->iops = s->iop_ns = s->icyc = NULL;
	s->hist = NULL;
}

/* A counter in another sample (or the calibration), by its identity. */
static const struct cval *cval_find(const struct sample *s,
				    const struct cval *c)
{
	for (int i = 0; i < s->nval; i++)
		if (s->val[i].kind == c->kind && !strcmp(s->val[i].name, c->name))
			return &s->val[i];
	return NULL;
}

void mmb_add_metric(json_t *metrics, const char *name, const char *unit,
		    const char *source, const double *v, size_t n)
{
	struct mmb_stats st;

	json_t *vals = json_array();

	mmb_stats_compute(v, n, &st);
	/* per-sample values: what mmb compare tests significance on */
	for (size_t i = 0; i < n; i++)
		json_array_append_new(vals, json_real(v[i]));
	json_object_set_new(metrics, name, json_pack(
		"{s:s, s:f, s:f, s:f, s:f, s:f, s:f, s:I, s:s, s:o}",
		"unit", unit, "median", st.median, "mean", st.mean,
		"stddev", st.stddev, "min", st.min, "max", st.max,
		"p95", st.p95, "n", (json_int_t)st.n, "source", source,
		"values", vals));
}

static const char *cycles_unit(const char *source)
{
	if (!strncmp(source, "pmu", 3))
		return "cycles";
	if (!strncmp(source, "tsc", 3))
		return "tsc-cycles";
	if (!strncmp(source, "cntvct", 6))
		return "timer-ticks";
	return "ns";
}

/* Say so when busy victims did not run: the IPI figures then mislead. */
static void warn_preempted(struct mmb_run *r, const double *share, int ns)
{
	double least = 1;

	for (int i = 0; i < ns; i++)
		if (share[i] < least)
			least = share[i];
	if (least < 0.9)
		mmb_error(r, "warning: a busy victim was on its CPU only %.0f%% of a sample: other load there hides the IPIs it should get",
			  least * 100);
}

static json_t *samples_json(struct sample *s, int ns)
{
	json_t *samples = json_array();

	for (int i = 0; i < ns; i++) {
		json_t *o = json_pack("{s:I, s:I, s:I, s:f}",
			"ops", (json_int_t)s[i].ops,
			"op_ns", (json_int_t)s[i].op_ns,
			"window_ns", (json_int_t)s[i].window_ns,
			"cycles", s[i].cycles);

		for (int j = 0; j < s[i].nval; j++)
			json_object_set_new(o, s[i].val[j].name,
					    json_real(s[i].val[j].v));
		if (s[i].victim_share >= 0)
			json_object_set_new(o, "busy_victim_oncpu",
					    json_real(s[i].victim_share));
		if (s[i].ninit && s[i].init_share >= 0)
			json_object_set_new(o, "initiator_oncpu",
					    json_real(s[i].init_share));
		if (s[i].ninit) {
			json_t *io = json_array();

			for (int k = 0; k < s[i].ninit; k++)
				json_array_append_new(io,
					json_integer((json_int_t)s[i].iops[k]));
			json_object_set_new(o, "initiator_ops", io);
			json_object_set_new(o, "edge_ops",
				json_pack("[I, I]", (json_int_t)s[i].edge_ops[0],
					  (json_int_t)s[i].edge_ops[1]));
		}
		json_object_set_new(o, "interrupts", s[i].irq);
		s[i].irq = NULL;
		json_array_append_new(samples, o);
	}
	return samples;
}

/*
 * Reading a per-CPU counter that is active on another CPU IPIs that CPU
 * (perf_event_read()), so the tracepoint pass's own snapshots add events
 * that ipi:* and irq_vectors:* count.  Nothing beside thousands of ops per
 * sample; under emulation, with tens, a third of a call IPI per op.  Empty
 * samples measure it; the least of three, per counter, is subtracted from
 * every sample of the pass.
 */
static void tp_read_cost(struct mmb_run *r, struct snapshot *a,
			 struct snapshot *b, struct sample *cal)
{
	static struct sample z;

	memset(cal, 0, sizeof(*cal));
	for (int k = 0; k < 3; k++) {
		memset(&z, 0, sizeof(z));
		if (take_sample(r, 0, a, b, &z, PASS_TP)) {
			cal->nval = 0;
			return;
		}
		sample_release(&z);
		for (int j = 0; j < z.nval; j++) {
			struct cval *c = (struct cval *)cval_find(cal, &z.val[j]);

			if (!c && cal->nval < (int)ARRAY_SIZE(cal->val))
				cal->val[cal->nval++] = z.val[j];
			else if (c && z.val[j].v < c->v)
				*c = z.val[j];
		}
	}
}

static void tp_subtract(struct sample *t, const struct sample *cal)
{
	for (int j = 0; j < t->nval; j++) {
		const struct cval *c = cval_find(cal, &t->val[j]);

		if (t->val[j].kind != CV_TRACEPOINT || !c)
			continue;
		t->val[j].v = t->val[j].v > c->v ? t->val[j].v - c->v : 0;
	}
}

/* Tracepoint counts come from the tracepoint pass only. */
static void tp_results(struct sample *t, int nt, const struct sample *bg,
		       json_t *metrics, json_t *info, json_t *rates)
{
	double *v = calloc(nt ? nt : 1, sizeof(double));

	for (int j = 0; v && nt && j < t[0].nval; j++) {
		const struct cval *c = &t[0].val[j];
		char name[80], src[200];
		int i;

		if (c->kind != CV_TRACEPOINT)
			continue;
		for (i = 0; i < nt; i++) {
			const struct cval *x = cval_find(&t[i], c);

			if (!x)
				break;
			v[i] = x->v / (double)t[i].ops;
		}
		if (i < nt)
			continue;	/* not in every sample: no figure */
		snprintf(name, sizeof(name), "%s_per_op", c->name);
		snprintf(src, sizeof(src), "%s (separate pass of %d samples, less its counter reads: background.tracepoint_reads)",
			 c->source, nt);
		mmb_add_metric(metrics, name, c->unit ? c->unit : "ipis/op",
			       src, v, nt);
		metric_typed(info, name, c->kind, false, c->source);
	}
	for (int k = 0; bg && k < bg->nval; k++)
		if (bg->val[k].kind == CV_TRACEPOINT)
			json_object_set_new(rates, bg->val[k].name,
				json_real(bg->val[k].v / (bg->window_ns / 1e9)));
	free(v);
}

/*
 * --initiators: throughput, and fairness as each initiator's own rate
 * (min, median, max: one starved initiator shows as a low min).  Latency
 * per op is each initiator's time over its ops, the median initiator's;
 * cycles are initiator 0's alone, since the cycle counter (a PMU counter
 * on a CPU, or the time-stamp counter) is read on its CPU.
 */
static void scale_results(struct mmb_run *r, struct sample *s, int ns,
			  json_t *metrics, const char *csrc, double *v)
{
	int n = r->ninit;
	double *x = calloc(n, sizeof(*x)), *lo = calloc(ns, sizeof(*lo));
	double *hi = calloc(ns, sizeof(*hi)), *mid = calloc(ns, sizeof(*mid));
	bool timed = r->variant->prepare;
	struct mmb_stats st;
	char src[512];

	if (!x || !lo || !hi || !mid)
		goto out;
	for (int i = 0; i < ns; i++) {
		int m = 0;

		for (int k = 0; k < n; k++)
			if (s[i].iops[k])
				x[m++] = (double)(timed ? s[i].iop_ns[k] :
						  s[i].window_ns) /
					 (double)s[i].iops[k];
		mmb_stats_compute(x, m, &st);
		v[i] = st.median;
	}
	mmb_add_metric(metrics, "latency_ns", "ns", timed ?
		   "clock_gettime(CLOCK_MONOTONIC) around each op, each initiator's time over its ops; the median initiator's (of those that did an op)" :
		   "clock_gettime(CLOCK_MONOTONIC) around each sample, over each initiator's ops; the median initiator's (of those that did an op)",
		   v, ns);
	for (int i = 0; i < ns; i++) {
		int k = 0;

		while (!s[i].iops[k])	/* one did: scale_sample() */
			k++;
		v[i] = (timed ? (double)s[i].icyc[k] : s[i].cycles) /
		       (double)s[i].iops[k];
	}
	snprintf(src, sizeof(src), "%s; initiator 0's ops alone (CPU %d; the next one's in a sample it starved)",
		 csrc, r->pl->per[0].initiator);
	mmb_add_metric(metrics, "cycles", cycles_unit(csrc), src, v, ns);
	for (int i = 0; i < ns; i++) {
		double secs = (double)s[i].window_ns / 1e9;

		v[i] = (double)s[i].ops / secs;
		for (int k = 0; k < n; k++)
			x[k] = (double)s[i].iops[k] / secs;
		mmb_stats_compute(x, n, &st);
		mid[i] = st.median;
		lo[i] = st.min;
		hi[i] = st.max;
	}
	snprintf(src, sizeof(src),
		 "ops of all %d initiators (%s) in each sample, over the sample's wall time",
		 n, r->init_processes ? "processes" : "threads");
	mmb_add_metric(metrics, "ops_per_s", "ops/s", src, v, ns);
	mmb_add_metric(metrics, "initiator_ops_per_s_min", "ops/s",
		   "the slowest initiator's ops over the sample's wall time",
		   lo, ns);
	mmb_add_metric(metrics, "initiator_ops_per_s_median", "ops/s",
		   "the median initiator's ops over the sample's wall time",
		   mid, ns);
	mmb_add_metric(metrics, "initiator_ops_per_s_max", "ops/s",
		   "the fastest initiator's ops over the sample's wall time",
		   hi, ns);
	/* the edge error: scale.c's size_window() */
	{
		double worst = 0;

		for (int i = 0; i < ns; i++) {
			uint64_t e = s[i].edge_ops[0] > s[i].edge_ops[1] ?
				     s[i].edge_ops[0] : s[i].edge_ops[1];

			v[i] = s[i].ops ? (double)(n + e) / (double)s[i].ops : 1;
			if (v[i] > worst)
				worst = v[i];
		}
		snprintf(src, sizeof(src),
			 "(initiators + edge_ops) / ops of the sample: an op in flight at a window's edge counts where it ends and its IPIs where they land, and an op that ends while an edge's counters are read (edge_ops, per sample) may have its IPIs on either side of the read, so every per-op figure of the sample is within this fraction (windows of %.3g s, sized for %d ops per initiator)",
			 r->window_s, SCALE_MIN_OPS);
		mmb_add_metric(metrics, "edge_error_bound", "fraction", src,
			       v, ns);
		if (worst > 2.0 / SCALE_MIN_OPS && !mmb_interrupted)
			mmb_error(r, "warning: a window held %.3g ops per initiator: per-op figures are good to within %.0f%% only (edge_error_bound; a longer --duration narrows it)",
				  1 / worst, 100 * worst);
	}
	if (ns && s[0].init_share >= 0) {
		for (int i = 0; i < ns; i++)
			v[i] = s[i].init_share;
		mmb_add_metric(metrics, "initiator_oncpu", "fraction",
			   "each initiator's /proc/<tid>/schedstat time against wall time over the same interval: the least on-CPU share of an initiator per sample (below 1 by design where an op blocks)",
			   v, ns);
	}
out:
	free(x);
	free(lo);
	free(hi);
	free(mid);
}

static void build_results(struct mmb_run *r, struct sample *s, int ns,
			  struct sample *t, int nt,
			  const struct sample *bg, json_t *samples,
			  json_t *tp_samples, json_t *metrics, json_t *info,
			  json_t *background)
{
	double *v = calloc(ns ? ns : 1, sizeof(double));
	double bg_s = bg ? (double)bg->window_ns / 1e9 : 0;
	const char *csrc = counters_cycles_source(r->ctr);
	json_t *rates = json_object(), *tmp;

	if (!v)
		return;
	/* json_array_extend() takes no reference: the lists are ours to drop */
	tmp = samples_json(s, ns);
	json_array_extend(samples, tmp);
	json_decref(tmp);
	tmp = samples_json(t, nt);
	json_array_extend(tp_samples, tmp);
	json_decref(tmp);

	if (r->ninit) {
		scale_results(r, s, ns, metrics, csrc, v);
	} else {
		for (int i = 0; i < ns; i++)
			v[i] = (double)s[i].op_ns / (double)s[i].ops;
		mmb_add_metric(metrics, "latency_ns", "ns",
			   r->variant->prepare ?
			   "clock_gettime(CLOCK_MONOTONIC) around each op" :
			   "clock_gettime(CLOCK_MONOTONIC) around each sample",
			   v, ns);
		for (int i = 0; i < ns; i++)
			v[i] = s[i].cycles / (double)s[i].ops;
		mmb_add_metric(metrics, "cycles", cycles_unit(csrc), csrc, v, ns);
	}
	if (ns && s[0].victim_share >= 0) {
		for (int i = 0; i < ns; i++)
			v[i] = s[i].victim_share;
		mmb_add_metric(metrics, "busy_victim_oncpu", "fraction",
			   "the victim's CPU-time clock (schedstat without POSIX timers) against wall time over the same interval: least on-CPU share of a busy victim per sample",
			   v, ns);
		warn_preempted(r, v, ns);
	}

	for (int c = 0; r->bench->counters && r->bench->counters[c].name &&
			c < MMB_MAX_COUNTERS; c++) {
		const struct mmb_counter *bc = &r->bench->counters[c];

		for (int i = 0; i < ns; i++) {
			double den = bc->per >= 0 ? s[i].csum[bc->per] :
				     (double)s[i].ops;

			v[i] = den ? s[i].csum[c] / den : 0;
		}
		mmb_add_metric(metrics, bc->name, bc->unit, bc->source, v, ns);
	}
	if (!ns)
		goto out;
	/* each counter of the first sample, found by name in every other */
	for (int j = 0; j < s[0].nval; j++) {
		const struct cval *c = &s[0].val[j];
		double rate = 0, *raw = calloc(ns, sizeof(*raw));
		char name[80], src[160];
		int have = 0;

		for (int i = 0; raw && i < ns; i++) {
			const struct cval *x = cval_find(&s[i], c);

			if (x)
				raw[i] = x->v, have++;
		}
		if (have < ns) {
			/* a level not every window has (no MPERF in an idle one) */
			free(raw);
			continue;
		}
		if (bg) {
			const struct cval *x = cval_find(bg, c);

			rate = x ? x->v / bg_s : 0;
			json_object_set_new(rates, c->name, json_real(rate));
		}
		for (int i = 0; i < ns; i++)
			v[i] = c->kind == CV_LEVEL ? raw[i] :
			       raw[i] / (double)s[i].ops;
		snprintf(name, sizeof(name), c->kind == CV_LEVEL ? "%s" :
			 "%s_per_op", c->name);
		mmb_add_metric(metrics, name, c->unit ? c->unit : "ipis/op",
			   c->source, v, ns);
		metric_typed(info, name, c->kind, false, c->name);
		if (!bg || c->kind != CV_IPI) {
			free(raw);
			continue;
		}
		for (int i = 0; i < ns; i++)
			v[i] = (raw[i] - rate * s[i].window_ns / 1e9) /
			       (double)s[i].ops;
		free(raw);
		snprintf(name, sizeof(name), "%s_net_per_op", c->name);
		snprintf(src, sizeof(src),
			 "%s, less the idle-window background rate",
			 c->source);
		mmb_add_metric(metrics, name, "ipis/op", src, v, ns);
		metric_typed(info, name, c->kind, true, c->name);
	}
out:
	tp_results(t, nt, bg, metrics, info, rates);
	json_object_set_new(background, "window_s", json_real(bg_s));
	json_object_set_new(background, "per_s", rates);
	free(v);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The background: the same victims in the same state, the initiator
 * asleep, for as long as a median sample lasted.
 */
static int idle_window(struct mmb_run *r, struct sample *s, int ns,
		       struct snapshot *a, struct snapshot *b,
		       struct sample *bg)
{
	uint64_t *w = calloc(ns, sizeof(*w)), len;
	struct timespec ts;

	if (!w)
		return -1;
	for (int i = 0; i < ns; i++)
		w[i] = s[i].window_ns;
	qsort(w, ns, sizeof(*w), cmp_u64);
	len = w[ns / 2];
	free(w);
	if (len < 50000000ull)
		len = 50000000ull;
	if (len > 2000000000ull)
		len = 2000000000ull;
	ts.tv_sec = len / 1000000000ull;
	ts.tv_nsec = len % 1000000000ull;
	/* nothing runs here for tracepoints to slow: count them too */
	if (counters_snap(r->ctr, a, false, true)) {
		counters_tp_off(r->ctr);
		mmb_error(r, "reading the counters for the idle window failed");
		return -1;
	}
	while (nanosleep(&ts, &ts) && errno == EINTR && !mmb_interrupted)
		;
	if (counters_snap(r->ctr, b, true, true)) {
		counters_tp_off(r->ctr);
		mmb_error(r, "reading the counters for the idle window failed");
		return -1;
	}
	bg->window_ns = snapshot_ns(b) - snapshot_ns(a);
	bg->nval = counters_delta(r->ctr, a, b, bg->val, MAX_CVAL, true);
	return mmb_interrupted ? 1 : 0;
}

static void progress(const struct mmb_run *r, const struct run_cfg *cfg,
		     int i)
{
	if (!cfg->progress)
		return;
	if (i < 0)
		fprintf(stderr, "\r\033[K");
	else
		fprintf(stderr, "\r# %s/%s: sample %d/%ld", r->bench->name,
			r->variant->name, i + 1, cfg->repeat);
	fflush(stderr);
}

/*
 * The run's own memory, pinned, set up, and its victims at the barrier:
 * everything an initiator needs before its first op.  runner_end() undoes
 * what was done, whatever failed.
 */
int runner_begin(struct mmb_run *r)
{
	const struct mmb_variant *v = r->variant;
	int e;

	r->ctl_size = sizeof(struct ctl) +
		      (r->pl->nvictims + 1) * sizeof(r->ctl->task[0]);
	r->ctl = mmap(NULL, r->ctl_size, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	r->shared = r->bench->shared_size ?
		    mmap(NULL, r->bench->shared_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0) : NULL;
	r->priv = r->bench->priv_size ? calloc(1, r->bench->priv_size) : NULL;
	if (r->ctl == MAP_FAILED || r->shared == MAP_FAILED ||
	    (r->bench->priv_size && !r->priv)) {
		mmb_error(r, "out of memory");
		return MMB_EXIT_FAIL;
	}
	if (mmb_pin_self(r->pl->initiator)) {
		mmb_error(r, "pinning the initiator to CPU %d: %s",
			  r->pl->initiator, strerror(errno));
		return MMB_EXIT_FAIL;
	}
	if (v->setup) {
		e = v->setup(r);
		if (e)
			return e > 0 ? e : MMB_EXIT_FAIL;
	}
	r->set_up = true;
	if (v->victims == MMB_VICTIM_TASKS && v->victim && r->pl->nvictims) {
		if (victims_start(r) || victims_go(r)) {
			if (!mmb_interrupted)
				mmb_error(r, "starting victims: %s",
					  strerror(errno));
			return MMB_EXIT_FAIL;
		}
	}
	/* an initiator of --initiators calls it once all are set up */
	if (!r->slot && v->started) {
		e = v->started(r);
		if (e)
			return e > 0 ? e : MMB_EXIT_FAIL;
	}
	return 0;
}

void runner_end(struct mmb_run *r)
{
	if (r->ntasks)
		victims_stop(r);
	if (r->set_up && r->variant->teardown)
		r->variant->teardown(r);
	r->set_up = false;
	free(r->priv);
	r->priv = NULL;
	if (r->ctl && r->ctl != MAP_FAILED)
		munmap(r->ctl, r->ctl_size);
	if (r->shared && r->shared != MAP_FAILED)
		munmap(r->shared, r->bench->shared_size);
	r->ctl = NULL;
	r->shared = NULL;
}

/*
 * Per-op latency percentiles, per sample (each sample's own ops), from
 * the main samples where ops are timed one by one anyway (a variant with
 * untimed preparation), else from the per-op pass; and the histogram of
 * all those ops together.
 */
static void dist_results(struct mmb_run *r, struct sample *s, int ns,
			 struct sample *l, int nl, struct run_out *out)
{
	static const struct {
		const char *name;
		double q;
	} pct[] = {
		{ "latency_p50_ns", 0.50 }, { "latency_p90_ns", 0.90 },
		{ "latency_p99_ns", 0.99 }, { "latency_p999_ns", 0.999 },
	};
	bool main_pass = ns && s[0].hist;
	struct sample *x = main_pass ? s : l;
	int n = main_pass ? ns : nl;
	struct mmb_hist *all = calloc(1, sizeof(*all));
	double *v = calloc(n ? n : 1, sizeof(*v));
	char src[320];

	if (!all || !v || !n || !x[0].hist)
		goto out;
	snprintf(src, sizeof(src), main_pass ?
		 "clock_gettime(CLOCK_MONOTONIC) around each op, the sample's ops, in buckets 16 to an octave (within 6%%)" :
		 "clock_gettime(CLOCK_MONOTONIC) around each op (one clock read more than latency_ns's batch timing holds: mmb-null empty-prepare measures it), the sample's ops, in buckets 16 to an octave (within 6%%); separate pass of %d samples",
		 n);
	for (size_t k = 0; k < ARRAY_SIZE(pct); k++) {
		for (int i = 0; i < n; i++)
			v[i] = hist_quantile(x[i].hist, pct[k].q);
		mmb_add_metric(out->metrics, pct[k].name, "ns", src, v, n);
	}
	for (int i = 0; i < n; i++)
		hist_merge(all, x[i].hist);
	out->histogram = json_pack("{s:s, s:s, s:I, s:f, s:f, s:f, s:f, s:o}",
		"unit", "ns", "source", src, "ops", (json_int_t)all->n,
		"p50", hist_quantile(all, 0.5), "p90", hist_quantile(all, 0.9),
		"p99", hist_quantile(all, 0.99),
		"p999", hist_quantile(all, 0.999), "buckets", hist_json(all));
out:
	free(all);
	free(v);
}

int runner_run(struct mmb_run *r, const struct run_cfg *cfg,
	       struct run_out *out)
{
	struct snapshot *a = snapshot_new(r->ctr), *b = snapshot_new(r->ctr);
	struct sample *s = calloc(cfg->repeat, sizeof(*s)), bg = { 0 };
	static struct sample tcal;
	long tp_repeat = counters_have_tp(r->ctr) ? cfg->tp_repeat : 0;
	/* the per-op pass: where ops are timed per batch, and one initiator */
	long lat_repeat = r->variant->prepare || r->ninit ? 0 :
			  cfg->dist_repeat;
	struct sample *t = calloc(tp_repeat + 1, sizeof(*t));
	struct sample *l = calloc(lat_repeat + 1, sizeof(*l));
	char region[96];
	double rate = 0;
	uint64_t nops = 1;
	int ns = 0, nt = 0, nl = 0, ret = MMB_EXIT_FAIL, e;
	bool have_bg = false, started = false;

	out->samples = json_array();
	out->tp_samples = json_array();
	out->lat_samples = json_array();
	out->metrics = json_object();
	out->metric_info = json_object();
	out->background = json_object();
	out->histogram = NULL;
	snprintf(region, sizeof(region), "mmb-%s-%s", r->bench->name,
		 r->variant->name);
	if (!a || !b || !s || !t || !l) {
		mmb_error(r, "out of memory");
		goto out_free;
	}
	/* With --initiators, they run the ops; we hold the window. */
	e = r->ninit ? scale_start(r, cfg) : runner_begin(r);
	started = true;
	if (e) {
		ret = e;
		goto out_stop;
	}
	if (!r->ninit) {
		e = warmup(r, cfg->warmup > 0 ? cfg->warmup :
			   (cfg->iterations ? 0 : 0.05), &rate);
		if (e)
			goto out_stop;
		nops = cfg->iterations ? (uint64_t)cfg->iterations :
		       (uint64_t)(rate * cfg->duration + 0.5);
		if (nops < 1)
			nops = 1;
	}

	for (ns = 0; ns < cfg->repeat; ns++) {
		progress(r, cfg, ns);
		likwid_region(region, true);
		e = take_sample(r, nops, a, b, &s[ns], PASS_MAIN);
		likwid_region(region, false);
		if (e)
			break;
	}
	progress(r, cfg, -1);
	if (e < 0)
		goto out_stop;
	/* the background without any initiator: they sleep through it */
	if (!e && ns && r->ninit)
		e = scale_pause(r);
	if (!e && ns)
		have_bg = !idle_window(r, s, ns, a, b, &bg);
	if (!e && have_bg && tp_repeat)
		tp_read_cost(r, a, b, &tcal);
	if (!e && ns && r->ninit)
		scale_resume(r);
	for (nt = 0; !e && have_bg && nt < tp_repeat; nt++) {
		e = take_sample(r, nops, a, b, &t[nt], PASS_TP);
		if (e)
			break;
		tp_subtract(&t[nt], &tcal);
	}
	for (nl = 0; !e && ns && nl < lat_repeat; nl++) {
		e = take_sample(r, nops, a, b, &l[nl], PASS_LAT);
		if (e)
			break;
	}
	if (e < 0)
		goto out_stop;
	ret = MMB_EXIT_OK;
out_stop:
	if (started && r->ninit)
		scale_stop(r);
	else if (started)
		runner_end(r);
	if (ns) {
		build_results(r, s, ns, t, nt, have_bg ? &bg : NULL,
			      out->samples, out->tp_samples, out->metrics,
			      out->metric_info, out->background);
		dist_results(r, s, ns, l, nl, out);
		for (int i = 0; i < nl; i++)
			json_array_append_new(out->lat_samples, json_pack(
				"{s:I, s:I}", "ops", (json_int_t)l[i].ops,
				"window_ns", (json_int_t)l[i].window_ns));
	}
	if (nt) {
		json_t *o = json_object();

		for (int j = 0; j < tcal.nval; j++)
			if (tcal.val[j].kind == CV_TRACEPOINT)
				json_object_set_new(o, tcal.val[j].name,
						    json_real(tcal.val[j].v));
		/* per sample, already taken off the tracepoint pass */
		json_object_set_new(out->background, "tracepoint_reads", o);
	}
	if (mmb_interrupted)
		ret = ns ? MMB_EXIT_OK : MMB_EXIT_FAIL;
out_free:
	for (int i = 0; i < cfg->repeat && s; i++)
		sample_release(&s[i]);
	for (int i = 0; i < tp_repeat && t; i++)
		sample_release(&t[i]);
	for (int i = 0; i < lat_repeat && l; i++)
		sample_release(&l[i]);
	free(s);
	free(t);
	free(l);
	snapshot_free(a);
	snapshot_free(b);
	return ret;
}
