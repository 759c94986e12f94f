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
 * kthreads, iterations and time are capped by module parameters; waits are
 * killable; every kthread is stopped before the file that owns it is
 * released, so the module can be unloaded whenever no file is open.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/timex.h>
#include <linux/uaccess.h>

#include "mmb_helper.h"

static unsigned int max_kthreads = 1024;
module_param(max_kthreads, uint, 0444);
MODULE_PARM_DESC(max_kthreads, "most kthreads per request (also capped at online CPUs)");

static unsigned long max_iterations = 10000000;
module_param(max_iterations, ulong, 0444);
MODULE_PARM_DESC(max_iterations, "most use/unuse pairs per kthread per request");

static unsigned int max_timeout_ms = 60000;
module_param(max_timeout_ms, uint, 0444);
MODULE_PARM_DESC(max_timeout_ms, "longest a request may run, in ms");

struct worker {
	struct task_struct *task;
	struct mm_struct *mm;
	u64 iterations, done, ns, cycles;
	atomic_t *stop;
	struct completion finished;	/* use-unuse: done; exit-race: adopted */
};

struct partner {
	struct task_struct *task;
	struct completion ping, pong;
	bool stopping;
	unsigned int timeout_ms;
};

/* Per open file: what it owns outlives one ioctl. */
struct helper_file {
	struct mutex lock;		/* serializes this file's ioctls */
	struct worker *race;		/* exit-race kthreads */
	int nrace;
	struct partner *partner;
};

/* Sleep until kthread_stop(): never return under the caller's feet. */
static void wait_for_stop(void)
{
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (kthread_should_stop())
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
}

static int use_unuse_fn(void *arg)
{
	struct worker *w = arg;
	u64 t0 = ktime_get_ns(), i;
	cycles_t c0 = get_cycles();

	for (i = 0; i < w->iterations && !atomic_read(w->stop); i++) {
		kthread_use_mm(w->mm);
		kthread_unuse_mm(w->mm);
		cond_resched();
	}
	w->ns = ktime_get_ns() - t0;
	w->cycles = get_cycles() - c0;
	w->done = i;
	complete(&w->finished);
	wait_for_stop();
	return 0;
}

static int exit_race_fn(void *arg)
{
	struct worker *w = arg;

	kthread_use_mm(w->mm);
	kthread_unuse_mm(w->mm);
	/* no reference of ours from here on: only the lazy one, if any */
	w->mm = NULL;
	complete(&w->finished);
	/* asleep on this CPU: it goes idle with the mm still loaded */
	wait_for_stop();
	return 0;
}

static int partner_fn(void *arg)
{
	struct partner *p = arg;

	while (!kthread_should_stop()) {
		/* S, not D: an idle partner must not trip the hung-task check */
		if (wait_for_completion_interruptible(&p->ping))
			continue;
		if (READ_ONCE(p->stopping))
			break;
		complete(&p->pong);
	}
	wait_for_stop();
	return 0;
}

static bool reserved_zero(const __u64 *r, int n)
{
	for (int i = 0; i < n; i++)
		if (r[i])
			return false;
	return true;
}

/* The user's bitmap, checked: online CPUs only, within the caps. */
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
	if (!n || n > min(max_kthreads, num_online_cpus()))
		return -EINVAL;
	return n;
}

static int check_timeout(__u32 ms)
{
	return ms && ms <= max_timeout_ms ? 0 : -EINVAL;
}

static void stop_workers(struct worker *w, int n)
{
	for (int i = 0; i < n; i++) {
		if (w[i].task) {
			kthread_stop(w[i].task);
			put_task_struct(w[i].task);
			w[i].task = NULL;
		}
	}
}

/* Creates one bound kthread per CPU of m; workers must be zeroed. */
static int start_workers(struct worker *w, const struct cpumask *m,
			 int (*fn)(void *), const char *name)
{
	unsigned int cpu;
	int i = 0;

	for_each_cpu(cpu, m) {
		struct task_struct *t;

		init_completion(&w[i].finished);
		t = kthread_create_on_cpu(fn, &w[i], cpu, name);
		if (IS_ERR(t)) {
			stop_workers(w, i);
			return PTR_ERR(t);
		}
		get_task_struct(t);
		w[i].task = t;
		i++;
	}
	for (int j = 0; j < i; j++)
		wake_up_process(w[j].task);
	return i;
}

/*
 * Waits for every worker's completion, killably and within the timeout.
 * On a signal or a timeout the workers are told to stop and waited for
 * without a signal, which is bounded: they check the flag every pair.
 */
static int wait_workers(struct worker *w, int n, atomic_t *stop,
			unsigned int timeout_ms)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(timeout_ms);
	int ret = 0;

	for (int i = 0; i < n; i++) {
		long left = (long)(deadline - jiffies);
		long r;

		if (ret)
			break;
		r = wait_for_completion_killable_timeout(&w[i].finished,
							 max(left, 1L));
		if (r < 0)
			ret = -EINTR;
		else if (!r)
			ret = -ETIMEDOUT;
	}
	if (ret && stop) {
		atomic_set(stop, 1);
		for (int i = 0; i < n; i++)
			wait_for_completion(&w[i].finished);
	}
	return ret;
}

/*
 * What both mm-lending commands start from: the caller's mm, referenced,
 * the requested CPUs in m, and one zeroed worker per CPU pointing at the
 * mm.  Returns the number of workers, or an error with nothing held.
 */
static int lend_mm(const struct mmb_helper_cpus *cpus, struct cpumask *m,
		   struct mm_struct **mmp, struct worker **wp)
{
	struct mm_struct *mm = current->mm;
	struct worker *w;
	int n;

	if (!mm || !mmget_not_zero(mm))
		return -ESRCH;
	n = cpus_from_user(cpus, m);
	if (n < 0)
		goto put;
	w = kcalloc(n, sizeof(*w), GFP_KERNEL);
	if (!w) {
		n = -ENOMEM;
		goto put;
	}
	for (int i = 0; i < n; i++)
		w[i].mm = mm;
	*mmp = mm;
	*wp = w;
	return n;
put:
	mmput(mm);
	return n;
}

static long do_use_unuse(struct helper_file *hf, void __user *arg)
{
	struct mmb_helper_use_unuse req;
	struct mm_struct *mm;
	struct worker *w;
	cpumask_var_t m;
	atomic_t stop = ATOMIC_INIT(0);
	int n, ret;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.abi != MMB_HELPER_ABI)
		return -EPROTO;
	if (req.flags || req.pad || req.done || req.ns || req.cycles ||
	    !reserved_zero(req.reserved, ARRAY_SIZE(req.reserved)) ||
	    !req.iterations || req.iterations > max_iterations ||
	    check_timeout(req.timeout_ms))
		return -EINVAL;
	if (!zalloc_cpumask_var(&m, GFP_KERNEL))
		return -ENOMEM;
	n = lend_mm(&req.cpus, m, &mm, &w);
	if (n < 0) {
		free_cpumask_var(m);
		return n;
	}
	for (int i = 0; i < n; i++) {
		w[i].iterations = req.iterations;
		w[i].stop = &stop;
	}
	ret = start_workers(w, m, use_unuse_fn, "mmb_uu/%u");
	if (ret < 0)
		goto out_free;
	ret = wait_workers(w, n, &stop, req.timeout_ms);
	for (int i = 0; i < n; i++) {
		req.done += w[i].done;
		req.ns += w[i].ns;
		req.cycles += w[i].cycles;
	}
	stop_workers(w, n);
	if (!ret && copy_to_user(arg, &req, sizeof(req)))
		ret = -EFAULT;
out_free:
	kfree(w);
	free_cpumask_var(m);
	/* every worker is done with mm: kthread_unuse_mm() ran in each */
	mmput(mm);
	return ret;
}

static void race_release(struct helper_file *hf)
{
	stop_workers(hf->race, hf->nrace);
	kfree(hf->race);
	hf->race = NULL;
	hf->nrace = 0;
}

static long do_exit_race(struct helper_file *hf, void __user *arg)
{
	struct mmb_helper_exit_race req;
	struct mm_struct *mm;
	cpumask_var_t m;
	struct worker *w;
	int n, ret;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.abi != MMB_HELPER_ABI)
		return -EPROTO;
	if (req.flags || req.pad ||
	    !reserved_zero(req.reserved, ARRAY_SIZE(req.reserved)) ||
	    check_timeout(req.timeout_ms))
		return -EINVAL;
	if (hf->race)
		return -EBUSY;
	if (!zalloc_cpumask_var(&m, GFP_KERNEL))
		return -ENOMEM;
	n = lend_mm(&req.cpus, m, &mm, &w);
	if (n < 0) {
		free_cpumask_var(m);
		return n;
	}
	ret = start_workers(w, m, exit_race_fn, "mmb_er/%u");
	if (ret < 0) {
		kfree(w);
		goto out;
	}
	hf->race = w;
	hf->nrace = n;
	/* no stop flag: a worker adopts and lets go once, quickly */
	ret = wait_workers(w, n, NULL, req.timeout_ms);
	if (ret) {
		/* they may still be adopting: let them finish, then stop */
		for (int i = 0; i < n; i++)
			wait_for_completion(&w[i].finished);
		race_release(hf);
	}
out:
	free_cpumask_var(m);
	/* the workers hold no reference: the caller's exit is the teardown */
	mmput(mm);
	return ret;
}

static void partner_release(struct helper_file *hf)
{
	struct partner *p = hf->partner;

	if (!p)
		return;
	WRITE_ONCE(p->stopping, true);
	complete(&p->ping);
	kthread_stop(p->task);
	put_task_struct(p->task);
	kfree(p);
	hf->partner = NULL;
}

static long do_partner_start(struct helper_file *hf, void __user *arg)
{
	struct mmb_helper_partner req;
	struct partner *p;
	struct task_struct *t;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if (req.abi != MMB_HELPER_ABI)
		return -EPROTO;
	if (req.flags || !reserved_zero(req.reserved, ARRAY_SIZE(req.reserved)) ||
	    check_timeout(req.timeout_ms) || req.cpu >= nr_cpu_ids ||
	    !cpu_online(req.cpu))
		return -EINVAL;
	if (hf->partner)
		return -EBUSY;
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	init_completion(&p->ping);
	init_completion(&p->pong);
	p->timeout_ms = req.timeout_ms;
	t = kthread_create_on_cpu(partner_fn, p, req.cpu, "mmb_pp/%u");
	if (IS_ERR(t)) {
		kfree(p);
		return PTR_ERR(t);
	}
	get_task_struct(t);
	p->task = t;
	hf->partner = p;
	wake_up_process(t);
	return 0;
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
	if (r > 0)
		return 0;
	/* a ping left unanswered would answer the next one: start over */
	partner_release(hf);
	return r < 0 ? -EINTR : -ETIMEDOUT;
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
	if (cmd == MMB_HELPER_INFO) {
		memset(&info, 0, sizeof(info));
		info.abi = MMB_HELPER_ABI;
		info.max_kthreads = min(max_kthreads, num_online_cpus());
		info.max_iterations = max_iterations;
		info.max_timeout_ms = max_timeout_ms;
		info.nr_cpu_ids = nr_cpu_ids;
		return copy_to_user(uarg, &info, sizeof(info)) ? -EFAULT : 0;
	}
	/* the ping is the measured op: no lock to contend on */
	if (cmd == MMB_HELPER_PARTNER_PING) {
		if (!mutex_trylock(&hf->lock))
			return -EBUSY;
		ret = do_partner_ping(hf);
		mutex_unlock(&hf->lock);
		return ret;
	}
	if (mutex_lock_killable(&hf->lock))
		return -EINTR;
	switch (cmd) {
	case MMB_HELPER_USE_UNUSE:
		ret = do_use_unuse(hf, uarg);
		break;
	case MMB_HELPER_EXIT_RACE:
		ret = do_exit_race(hf, uarg);
		break;
	case MMB_HELPER_EXIT_RACE_DONE:
		ret = hf->race ? 0 : -ENODEV;
		race_release(hf);
		break;
	case MMB_HELPER_PARTNER_START:
		ret = do_partner_start(hf, uarg);
		break;
	default:	/* MMB_HELPER_PARTNER_STOP */
		ret = hf->partner ? 0 : -ENODEV;
		partner_release(hf);
		break;
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

	race_release(hf);
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
