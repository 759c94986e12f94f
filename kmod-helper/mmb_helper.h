/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * mmb_helper ABI, shared verbatim by the module and user space.
 *
 * Fixed-width fields, explicit padding, reserved fields that must be zero,
 * and an ABI number every request carries: a bench built against another
 * version gets EPROTO, never a misread structure.
 *
 * Errors every request may return: EPERM without CAP_SYS_ADMIN (checked at
 * each ioctl), EINVAL for a bad field or an offline CPU, EAGAIN when the
 * module's kthreads would pass max_total_kthreads, EINTR on a fatal signal,
 * ETIMEDOUT past timeout_ms, and ENXIO when a CPU of the request went
 * offline while it ran (its figures would be another CPU's).  A request
 * cut short leaves its kthreads to finish and exit on their own.
 */
#ifndef MMB_HELPER_H
#define MMB_HELPER_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define MMB_HELPER_ABI		1
#define MMB_HELPER_DEVICE	"/dev/mmb_helper"
#define MMB_HELPER_CPU_WORDS	16	/* a bitmap of 1024 CPUs */

struct mmb_helper_cpus {
	__u64 mask[MMB_HELPER_CPU_WORDS];
};

/* MMB_HELPER_INFO: the module's ABI and limits. */
struct mmb_helper_info {
	__u32 abi;
	__u32 max_kthreads;
	__u64 max_iterations;
	__u32 max_timeout_ms;
	__u32 nr_cpu_ids;
	__u32 max_total_kthreads;	/* over all open files */
	__u32 nr_kthreads;		/* alive now */
	__u64 reserved[3];
};

/*
 * MMB_HELPER_USE_UNUSE: one kthread per CPU in cpus runs
 * kthread_use_mm()/kthread_unuse_mm() on the caller's mm iterations times.
 */
struct mmb_helper_use_unuse {
	__u32 abi;		/* in: MMB_HELPER_ABI */
	__u32 flags;		/* in: 0 */
	__u64 iterations;	/* in: per kthread, 1..max_iterations */
	__u32 timeout_ms;	/* in: 1..max_timeout_ms */
	__u32 pad;		/* in: 0 */
	struct mmb_helper_cpus cpus;	/* in: 1..max_kthreads online CPUs */
	__u64 done;		/* out: pairs completed, all kthreads */
	__u64 ns;		/* out: ktime spent, summed over kthreads */
	__u64 cycles;		/* out: get_cycles() spent, summed */
	__u64 reserved[4];	/* 0 */
};

/*
 * MMB_HELPER_EXIT_RACE: one kthread per CPU adopts the caller's mm, lets it
 * go and stays asleep on its CPU, leaving the mm lazily loaded there.  It
 * returns once every kthread has done so; the caller then exits and the
 * teardown of its mm races with the lazy users.  The kthreads belong to the
 * open file and leave at MMB_HELPER_EXIT_RACE_DONE or when it is closed.
 */
struct mmb_helper_exit_race {
	__u32 abi;		/* in: MMB_HELPER_ABI */
	__u32 flags;		/* in: 0 */
	__u32 timeout_ms;	/* in: 1..max_timeout_ms */
	__u32 pad;		/* in: 0 */
	struct mmb_helper_cpus cpus;	/* in: 1..max_kthreads online CPUs */
	__u64 reserved[4];	/* 0 */
};

/*
 * MMB_HELPER_PARTNER_START: a kthread on cpu that answers each
 * MMB_HELPER_PARTNER_PING: user task -> kernel thread -> user task, the
 * lazy-mm context switch.
 */
struct mmb_helper_partner {
	__u32 abi;		/* in: MMB_HELPER_ABI */
	__u32 flags;		/* in: 0 */
	__u32 cpu;		/* in: an online CPU */
	__u32 timeout_ms;	/* in: per ping, 1..max_timeout_ms */
	__u64 reserved[4];	/* 0 */
};

#define MMB_HELPER_MAGIC		0xb7
#define MMB_HELPER_INFO			_IOR(MMB_HELPER_MAGIC, 0, struct mmb_helper_info)
#define MMB_HELPER_USE_UNUSE		_IOWR(MMB_HELPER_MAGIC, 1, struct mmb_helper_use_unuse)
#define MMB_HELPER_EXIT_RACE		_IOW(MMB_HELPER_MAGIC, 2, struct mmb_helper_exit_race)
#define MMB_HELPER_EXIT_RACE_DONE	_IO(MMB_HELPER_MAGIC, 3)
#define MMB_HELPER_PARTNER_START	_IOW(MMB_HELPER_MAGIC, 4, struct mmb_helper_partner)
#define MMB_HELPER_PARTNER_PING		_IO(MMB_HELPER_MAGIC, 5)
#define MMB_HELPER_PARTNER_STOP		_IO(MMB_HELPER_MAGIC, 6)

#endif /* MMB_HELPER_H */
