// SPDX-License-Identifier: GPL-2.0
/*
 * mmb_helper: kernel-thread side of the mmb benchmarks.
 *
 * What user space cannot do by itself: run kthread_use_mm() and
 * kthread_unuse_mm() on its mm (as io_uring and vhost workers do), leave
 * its mm lazily loaded on chosen CPUs while it exits, and ping-pong with a
 * kernel thread so that every switch goes through the lazy-mm path.
 *
 * Root only (CAP_SYS_ADMIN, node mode 0600).  Every command is checked
 * before anything is copied from user space; every field is validated;
 * kthreads (per request and in total), iterations and time are capped by
 * bounded module parameters; CAP_SYS_ADMIN is checked at every ioctl;
 * every wait is killable and bounded.  The kthreads own what they use (the
 * mm, their request, a module reference) and exit on their own, so no
 * caller ever waits on a kthread that cannot get a CPU, and the module
 * unloads once no file is open and the last kthread has gone.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/refcount.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/timex.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "mmb_helper.h"

/*
 * The limits are read-only once loaded, and bounded: a value out of range
 * fails the load instead of lifting a cap.
 */
struct bounded {
	unsigned long *val;
	unsigned long min, max;
};

static int bounded_set(const char *s, const struct kernel_param *kp)
{
	const struct bounded *b = kp->arg;
	unsigned long v;
	int ret = kstrtoul(s, 0, &v);

	if (ret)
		return ret;
	if (v < b->min || v > b->max) {
		pr_err("%s=%lu: out of range %lu..%lu\n", kp->name, v, b->min,
		       b->max);
		return -ERANGE;
	}
	*b->val = v;
	return 0;
}

static int bounded_get(char *buf, const struct kernel_param *kp)
{
	const struct bounded *b = kp->arg;

	return sysfs_emit(buf, "%lu\n", *b->val);
}

static const struct kernel_param_ops bounded_ops = {
	.set = bounded_set,
	.get = bounded_get,
};

static unsigned long max_kthreads = 1024;
static struct bounded max_kthreads_b = { &max_kthreads, 1, 4096 };
module_param_cb(max_kthreads, &bounded_ops, &max_kthreads_b, 0444);
MODULE_PARM_DESC(max_kthreads, "most kthreads per request, 1..4096 (also capped at online CPUs)");

static unsigned long max_total_kthreads = 4096;
static struct bounded max_total_kthreads_b = { &max_total_kthreads, 1, 65536 };
module_param_cb(max_total_kthreads, &bounded_ops, &max_total_kthreads_b, 0444);
MODULE_PARM_DESC(max_total_kthreads, "most kthreads alive at once over all open files, 1..65536");

static unsigned long max_iterations = 10000000;
static struct bounded max_iterations_b = { &max_iterations, 1, 1000000000 };
module_param_cb(max_iterations, &bounded_ops, &max_iterations_b, 0444);
MODULE_PARM_DESC(max_iterations, "most use/unuse pairs per kthread per request, 1..1000000000");

static unsigned long max_timeout_ms = 60000;
static struct bounded max_timeout_ms_b = { &max_timeout_ms, 1, 600000 };
module_param_cb(max_timeout_ms, &bounded_ops, &max_timeout_ms_b, 0444);
MODULE_PARM_DESC(max_timeout_ms, "longest a request may run, in ms, 1..600000");

/* kthreads of this module alive now, all files together */
static atomic_t nr_kthreads = ATOMIC_INIT(0);

static int reserve_kthreads(int n)
{
	if (atomic_add_return(n, &nr_kthreads) > max_total_kthreads) {
		atomic_sub(n, &nr_kthreads);
		return -EAGAIN;
	}
	return 0;
}

struct crew;
struct partner;

/* Per open file: what it owns outlives one ioctl. */
struct helper_file {
	struct mutex lock;		/* guards race and partner: short holds */
	struct crew *race;		/* exit-race kthreads */
	struct partner *partner;
};

/*
 * A crew is the kthreads of one request.  The workers own what they use:
 * each holds a reference on the crew, an mmget() on the mm and a module
 * reference, and gives them back when it exits on its own.  So the caller
 * can leave at any time (a signal, a timeout, close()) without waiting for
 * a worker that cannot run, and a request cut short is cleaned up by its
 * workers as soon as they get a CPU.
 */
struct worker {
	struct crew *crew;
	struct task_struct *task;	/* only until it is woken */
	unsigned int cpu;
	bool moved;		/* it ran off its CPU: hotplug broke the binding */
	u64 done, ns, cycles;
	struct completion finished;	/* use-unuse: done; exit-race: adopted */
	struct completion gone;		/* nothing of it runs our code after */
};

struct crew {
	refcount_t ref;		/* the owner's, and one per started worker */
	atomic_t stop;
	wait_queue_head_t wq;	/* exit-race workers sleep here until stop */
	struct mm_struct *mm;	/* each started worker holds an mmget() */
	u64 iterations;
	unsigned int timeout_ms;
	int started;
	int n;
	struct worker w[] __counted_by(n);
};

static void crew_put(struct crew *c)
{
	if (refcount_dec_and_test(&c->ref))
		kfree(c);
}

/* Tells every worker to finish: they exit on their own. */
static void crew_stop(struct crew *c)
{
	atomic_set(&c->stop, 1);
	wake_up_all(&c->wq);
}

/* A bound kthread away from its CPU: that CPU went offline under it. */
static bool off_cpu(unsigned int cpu)
{
	return raw_smp_processor_id() != cpu || current->nr_cpus_allowed != 1;
}

static void __noreturn worker_exit(struct worker *w)
{
	struct crew *c = w->crew;

	complete(&w->gone);
	crew_put(c);
	atomic_dec(&nr_kthreads);
	module_put_and_kthread_exit(0);
}

static int use_unuse_fn(void *arg)
{
	struct worker *w = arg;
	struct crew *c = w->crew;
	u64 t0 = ktime_get_ns(), i;
	cycles_t c0 = get_cycles();

	for (i = 0; i < c->iterations && !atomic_read(&c->stop); i++) {
		kthread_use_mm(c->mm);
		kthread_unuse_mm(c->mm);
		cond_resched();
	}
	w->ns = ktime_get_ns() - t0;
	w->cycles = get_cycles() - c0;
	w->done = i;
	w->moved = off_cpu(w->cpu);
	mmput(c->mm);
	complete(&w->finished);
	worker_exit(w);
}

static int exit_race_fn(void *arg)
{
	struct worker *w = arg;
	struct crew *c = w->crew;

	if (!atomic_read(&c->stop)) {
		kthread_use_mm(c->mm);
		kthread_unuse_mm(c->mm);
	}
	w->moved = off_cpu(w->cpu);
	/* no reference of ours from here on: only the lazy one, if any */
	mmput(c->mm);
	complete(&w->finished);
	/*
	 * Asleep on this CPU, which goes idle with the mm still loaded.
	 * TASK_IDLE: not a hung task, and nothing to kill (kthread).
	 */
	wait_event_idle(c->wq, atomic_read(&c->stop));
	worker_exit(w);
}

static bool reserved_zero(const __u64 *r, int n)
{
	for (int i = 0; i < n; i++)
		if (r[i])
			return false;
	return true;
}

/*
 * The user's bitmap, checked: online CPUs only, within the caps.  The
 * caller holds cpus_read_lock(), so "online" holds until it unlocks.
 */
static int cpus_from_user(const struct mmb_helper_cpus *u, struct cpumask *m)
{
	unsigned int cpu, n;

	cpumask_clear(m);
	for (cpu = 0; cpu < MMB_HELPER_CPU_WORDS * 64; cpu++) {
		if (!(u->mask[cpu / 64] & (1ull << (cpu % 64))))
			continue;
		if (cpu >= nr_cpu_ids || !cpu_online(cpu))
			return -EINVAL;
		cpumask_set_cpu(cpu, m);
	}
	n = cpumask_weight(m);
	if (!n || n > min_t(unsigned long, max_kthreads, num_online_cpus()))
		return -EINVAL;
	return n;
}

static int check_timeout(__u32 ms)
{
	return ms && ms <= max_timeout_ms ? 0 : -EINVAL;
}

/*
 * Creates a bound worker per CPU of m, then wakes them all.  On a failure
 * the workers already created are woken told to stop, so they exit.
 */
static int crew_spawn(struct crew *c, const struct cpumask *m,
		      int (*fn)(void *), const char *name)
{
	unsigned int cpu;
	int i = 0, ret = 0;

	for_each_cpu(cpu, m) {
		struct worker *w = &c->w[i];
		struct task_struct *t;

		w->crew = c;
		w->cpu = cpu;
		init_completion(&w->finished);
		init_completion(&w->gone);
		t = kthread_create_on_cpu(fn, w, cpu, name);
		if (IS_ERR(t)) {
			ret = PTR_ERR(t);
			break;
		}
		/* what the worker gives back in worker_exit() */
		refcount_inc(&c->ref);
		mmget(c->mm);
		__module_get(THIS_MODULE);
		w->task = t;
		i++;
	}
	/* the reservation of the workers never created */
	atomic_sub(c->n - i, &nr_kthreads);
	c->started = i;
	if (ret)
		crew_stop(c);
	for (int j = 0; j < i; j++) {
		wake_up_process(c->w[j].task);
		c->w[j].task = NULL;
	}
	return ret;
}

/*
 * Starts a crew on the caller's mm, one worker per requested CPU.  The
 * CPU check, the creation and the wake-ups are under cpus_read_lock(), so
 * every worker is queued on its CPU before that CPU can go offline; one
 * going offline later moves its worker off, which the worker notices.
 */
static struct crew *crew_start(const struct mmb_helper_cpus *cpus,
			       u64 iterations, unsigned int timeout_ms,
			       int (*fn)(void *), const char *name)
{
	struct crew *c = NULL;
	cpumask_var_t m;
	int n, ret;

	if (!current->mm)
		return ERR_PTR(-ESRCH);
	if (!zalloc_cpumask_var(&m, GFP_KERNEL))
		return ERR_PTR(-ENOMEM);
	cpus_read_lock();
	n = cpus_from_user(cpus, m);
	ret = n < 0 ? n : reserve_kthreads(n);
	if (ret)
		goto out;
	c = kzalloc(struct_size(c, w, n), GFP_KERNEL);
	if (!c) {
		atomic_sub(n, &nr_kthreads);
		ret = -ENOMEM;
		goto out;
	}
	c->n = n;
	refcount_set(&c->ref, 1);
	init_waitqueue_head(&c->wq);
	/* the caller's own, live: each worker takes an mmget() of its own */
	c->mm = current->mm;
	c->iterations = iterations;
	c->timeout_ms = timeout_ms;
	ret = crew_spawn(c, m, fn, name);
out:
	cpus_read_unlock();
	free_cpumask_var(m);
	if (ret) {
		if (c)
			crew_put(c);
		return ERR_PTR(ret);
	}
	return c;
}

/* Waits killably, until the deadline, for each worker's finished or gone. */
static int crew_wait(struct crew *c, bool gone, unsigned long deadline)
{
	for (int i = 0; i < c->started; i++) {
		struct worker *w = &c->w[i];
		long left = max_t(long, (long)(deadline - jiffies), 1);
		long r;

		r = wait_for_completion_killable_timeout(gone ? &w->gone :
							 &w->finished, left);
		if (r < 0)
			return -EINTR;
		if (!r)
			return -ETIMEDOUT;
	}
	return 0;
}

static bool crew_moved(struct crew *c)
{
	for (int i = 0; i < c->started; i++)
		if (c->w[i].moved)
			return true;
	return false;
}

/* The file's state is not touched: no lock, concurrent requests welcome. */
static long do_use_unuse(void __user *arg)
{
	struct mmb_helper_use_unuse req;
	unsigned long deadline;
	struct crew *c;
	int ret;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.abi != MMB_HELPER_ABI)
		return -EPROTO;
	if (req.flags || req.pad || req.done || req.ns || req.cycles ||
	    !reserved_zero(req.reserved, ARRAY_SIZE(req.reserved)) ||
	    !req.iterations || req.iterations > max_iterations ||
	    check_timeout(req.timeout_ms))
		return -EINVAL;
	deadline = jiffies + msecs_to_jiffies(req.timeout_ms);
	c = crew_start(&req.cpus, req.iterations, req.timeout_ms, use_unuse_fn,
		       "mmb_uu/%u");
	if (IS_ERR(c))
		return PTR_ERR(c);
	/* the op ends when the workers are gone, as kthread_stop() did */
	ret = crew_wait(c, false, deadline);
	if (!ret)
		ret = crew_wait(c, true, deadline);
	if (ret) {
		crew_stop(c);
	} else if (crew_moved(c)) {
		/* its figures would be another CPU's */
		ret = -ENXIO;
	} else {
		for (int i = 0; i < c->started; i++) {
			req.done += c->w[i].done;
			req.ns += c->w[i].ns;
			req.cycles += c->w[i].cycles;
		}
		if (copy_to_user(arg, &req, sizeof(req)))
			ret = -EFAULT;
	}
	crew_put(c);
	return ret;
}

/*
 * Takes the file's exit-race crew, if it is still @c (any, when NULL), and
 * tells it to stop.  Returns the crew, whose file reference the caller now
 * holds, or NULL.  Under hf->lock, which is never held across a wait.
 */
static struct crew *race_detach(struct helper_file *hf, struct crew *c)
{
	struct crew *r = hf->race;

	if (!r || (c && r != c))
		return NULL;
	hf->race = NULL;
	crew_stop(r);
	return r;
}

static long do_exit_race_done(struct helper_file *hf)
{
	struct crew *c;
	int ret;

	if (mutex_lock_killable(&hf->lock))
		return -EINTR;
	c = race_detach(hf, NULL);
	mutex_unlock(&hf->lock);
	if (!c)
		return -ENODEV;
	/* the kthreads leave within the op, as the bench expects */
	ret = crew_wait(c, true, jiffies + msecs_to_jiffies(c->timeout_ms));
	crew_put(c);
	return ret;
}

static long do_exit_race(struct helper_file *hf, void __user *arg)
{
	struct mmb_helper_exit_race req;
	struct crew *c;
	int ret;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.abi != MMB_HELPER_ABI)
		return -EPROTO;
	if (req.flags || req.pad ||
	    !reserved_zero(req.reserved, ARRAY_SIZE(req.reserved)) ||
	    check_timeout(req.timeout_ms))
		return -EINVAL;
	if (mutex_lock_killable(&hf->lock))
		return -EINTR;
	if (hf->race) {
		mutex_unlock(&hf->lock);
		return -EBUSY;
	}
	c = crew_start(&req.cpus, 0, req.timeout_ms, exit_race_fn, "mmb_er/%u");
	if (IS_ERR(c)) {
		mutex_unlock(&hf->lock);
		return PTR_ERR(c);
	}
	/* one reference for the file, ours for the wait */
	refcount_inc(&c->ref);
	hf->race = c;
	mutex_unlock(&hf->lock);
	/* a worker adopts and lets go once, quickly */
	ret = crew_wait(c, false, jiffies + msecs_to_jiffies(req.timeout_ms));
	if (!ret && crew_moved(c))
		ret = -ENXIO;
	if (ret) {
		/* short holds only: no need to be killable here */
		mutex_lock(&hf->lock);
		if (race_detach(hf, c))
			crew_put(c);
		mutex_unlock(&hf->lock);
	}
	crew_put(c);
	/* the workers hold no reference: the caller's exit is the teardown */
	return ret;
}

/* The ping-pong kthread, owned like a crew: it exits on its own. */
struct partner {
	refcount_t ref;		/* the file's and the kthread's */
	struct completion ping, pong;
	bool stopping;
	bool moved;
	unsigned int cpu;
	unsigned int timeout_ms;
};

static void partner_put(struct partner *p)
{
	if (refcount_dec_and_test(&p->ref))
		kfree(p);
}

static int partner_fn(void *arg)
{
	struct partner *p = arg;

	for (;;) {
		/* S, not D: an idle partner must not trip the hung-task check */
		if (wait_for_completion_interruptible(&p->ping))
			continue;
		if (READ_ONCE(p->stopping))
			break;
		if (off_cpu(p->cpu))
			WRITE_ONCE(p->moved, true);
		complete(&p->pong);
	}
	partner_put(p);
	atomic_dec(&nr_kthreads);
	module_put_and_kthread_exit(0);
}

static void partner_release(struct helper_file *hf)
{
	struct partner *p = hf->partner;

	if (!p)
		return;
	hf->partner = NULL;
	WRITE_ONCE(p->stopping, true);
	complete(&p->ping);
	partner_put(p);
}

static long do_partner_start(struct helper_file *hf, void __user *arg)
{
	struct mmb_helper_partner req;
	struct task_struct *t;
	struct partner *p;
	int ret;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.abi != MMB_HELPER_ABI)
		return -EPROTO;
	if (req.flags || !reserved_zero(req.reserved, ARRAY_SIZE(req.reserved)) ||
	    check_timeout(req.timeout_ms) || req.cpu >= nr_cpu_ids)
		return -EINVAL;
	if (hf->partner)
		return -EBUSY;
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	refcount_set(&p->ref, 1);
	init_completion(&p->ping);
	init_completion(&p->pong);
	p->cpu = req.cpu;
	p->timeout_ms = req.timeout_ms;
	/* as crew_start(): online from the check until it is queued there */
	cpus_read_lock();
	ret = cpu_online(req.cpu) ? reserve_kthreads(1) : -EINVAL;
	if (ret)
		goto out;
	t = kthread_create_on_cpu(partner_fn, p, req.cpu, "mmb_pp/%u");
	if (IS_ERR(t)) {
		atomic_dec(&nr_kthreads);
		ret = PTR_ERR(t);
		goto out;
	}
	refcount_inc(&p->ref);
	__module_get(THIS_MODULE);
	hf->partner = p;
	wake_up_process(t);
out:
	cpus_read_unlock();
	if (ret)
		partner_put(p);
	return ret;
}

static long do_partner_ping(struct helper_file *hf)
{
	struct partner *p = hf->partner;
	long r;

	if (!p)
		return -ENODEV;
	complete(&p->ping);
	r = wait_for_completion_killable_timeout(&p->pong,
						 msecs_to_jiffies(p->timeout_ms));
	if (r > 0 && !READ_ONCE(p->moved))
		return 0;
	/* a ping left unanswered would answer the next one: start over */
	partner_release(hf);
	return r > 0 ? -ENXIO : r < 0 ? -EINTR : -ETIMEDOUT;
}

static long helper_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct helper_file *hf = file->private_data;
	void __user *uarg = (void __user *)arg;
	struct mmb_helper_info info;
	long ret;

	/* the command first: nothing is read from user space for a bad one */
	switch (cmd) {
	case MMB_HELPER_INFO:
	case MMB_HELPER_USE_UNUSE:
	case MMB_HELPER_EXIT_RACE:
	case MMB_HELPER_EXIT_RACE_DONE:
	case MMB_HELPER_PARTNER_START:
	case MMB_HELPER_PARTNER_PING:
	case MMB_HELPER_PARTNER_STOP:
		break;
	default:
		return -ENOTTY;
	}
	/*
	 * At every ioctl, not only at open: an fd inherited across exec or
	 * passed over a socket must not outlive the privilege.
	 */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (cmd == MMB_HELPER_INFO) {
		memset(&info, 0, sizeof(info));
		info.abi = MMB_HELPER_ABI;
		info.max_kthreads = min_t(unsigned long, max_kthreads,
					  num_online_cpus());
		info.max_iterations = max_iterations;
		info.max_timeout_ms = max_timeout_ms;
		info.nr_cpu_ids = nr_cpu_ids;
		info.max_total_kthreads = max_total_kthreads;
		info.nr_kthreads = atomic_read(&nr_kthreads);
		return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
	}
	/*
	 * hf->lock guards the file's exit-race crew and partner, and is held
	 * for short work only, never across a wait, so that every ioctl is
	 * bounded by its own timeout.  The ping, the measured op, holds it for
	 * its round trip (at most its timeout): a concurrent ping gets EBUSY.
	 */
	switch (cmd) {
	case MMB_HELPER_USE_UNUSE:
		return do_use_unuse(uarg);
	case MMB_HELPER_EXIT_RACE:
		return do_exit_race(hf, uarg);
	case MMB_HELPER_EXIT_RACE_DONE:
		return do_exit_race_done(hf);
	case MMB_HELPER_PARTNER_PING:
		if (!mutex_trylock(&hf->lock))
			return -EBUSY;
		ret = do_partner_ping(hf);
		mutex_unlock(&hf->lock);
		return ret;
	}
	if (mutex_lock_killable(&hf->lock))
		return -EINTR;
	if (cmd == MMB_HELPER_PARTNER_START) {
		ret = do_partner_start(hf, uarg);
	} else {	/* MMB_HELPER_PARTNER_STOP */
		ret = hf->partner ? 0 : -ENODEV;
		partner_release(hf);
	}
	mutex_unlock(&hf->lock);
	return ret;
}

static int helper_open(struct inode *inode, struct file *file)
{
	struct helper_file *hf;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	hf = kzalloc(sizeof(*hf), GFP_KERNEL);
	if (!hf)
		return -ENOMEM;
	mutex_init(&hf->lock);
	file->private_data = hf;
	return 0;
}

static int helper_release(struct inode *inode, struct file *file)
{
	struct helper_file *hf = file->private_data;
	struct crew *c = race_detach(hf, NULL);

	/* no wait: the kthreads exit on their own, however busy their CPUs */
	if (c)
		crew_put(c);
	partner_release(hf);
	mutex_destroy(&hf->lock);
	kfree(hf);
	return 0;
}

static const struct file_operations helper_fops = {
	.owner = THIS_MODULE,
	.open = helper_open,
	.release = helper_release,
	.unlocked_ioctl = helper_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice helper_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "mmb_helper",
	.fops = &helper_fops,
	.mode = 0600,
};
module_misc_device(helper_dev);

MODULE_DESCRIPTION("mmb: kthread_use_mm, lazy-mm exit race and kthread ping-pong for benchmarks");
MODULE_LICENSE("GPL");
