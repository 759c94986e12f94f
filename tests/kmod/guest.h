/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the guest-side module checks share (mmb-helper-test,
 * mmb-helper-fuzz): TAP output to stdout and an optional --output file,
 * clocks, small file I/O, loading and unloading the module, and counting
 * its kthreads.  Static functions: each program is one file plus this.
 */
#ifndef MMB_KMOD_GUEST_H
#define MMB_KMOD_GUEST_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static const char *module = "/mmb/mmb_helper.ko";
static FILE *tap_file;
static int ntest, nfail;

static inline void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
	if (tap_file) {
		va_start(ap, fmt);
		vfprintf(tap_file, fmt, ap);
		va_end(ap);
		fflush(tap_file);
	}
}

static inline void ok(bool good, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ntest++;
	if (!good)
		nfail++;
	say("%sok %d - %s\n", good ? "" : "not ", ntest, buf);
}

static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static inline int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	n = n < 0 ? -errno : 0;
	close(fd);
	return (int)n;
}

static inline int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/* --- the module */

static inline int load(const char *params)
{
	int fd = open(module, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0) ? -errno : 0;
	close(fd);
	return ret;
}

static inline int unload(void)
{
	return syscall(SYS_delete_module, "mmb_helper", O_NONBLOCK) ? -errno : 0;
}

static inline bool loaded(void)
{
	return access("/sys/module/mmb_helper", F_OK) == 0;
}

/* Retries for up to s seconds: exiting kthreads hold the module a while. */
static inline int unload_within(double s)
{
	double end = now() + s;
	int ret;

	while ((ret = unload()) && now() < end)
		sleep_s(0.01);
	return ret;
}

/* Tasks whose name starts with mmb_: the module's kthreads. */
static inline int count_kthreads(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char path[300], comm[32];

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		if (!read_file(path, comm, sizeof(comm)) &&
		    !strncmp(comm, "mmb_", 4))
			n++;
	}
	closedir(d);
	return n;
}

static inline int kthreads_within(int want, double s)
{
	double end = now() + s;
	int n;

	while ((n = count_kthreads()) != want && now() < end)
		sleep_s(0.01);
	return n;
}

/*
 * --output FILE|DIR: also write the TAP there (DIR/NAME.tap).  Returns
 * false, having said why, when the file cannot be opened.
 */
static inline bool tap_output(const char *arg, const char *name)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s", arg);
	if (!stat(path, &st) && S_ISDIR(st.st_mode))
		snprintf(path, sizeof(path), "%s/%s.tap", arg, name);
	tap_file = fopen(path, "w");
	if (!tap_file)
		fprintf(stderr, "mmb-%s: --output: %s: %s\n", name, path,
			strerror(errno));
	return tap_file != NULL;
}

#endif /* MMB_KMOD_GUEST_H */
