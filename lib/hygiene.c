// SPDX-License-Identifier: GPL-2.0
/*
 * Measurement hygiene.  Each setting is recorded in the result; anything
 * changed system-wide is put back when the bench exits (normally or by
 * Ctrl-C, which the runner turns into a normal exit).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <unistd.h>

#include "internal.h"

#define NUMA_BALANCING "/proc/sys/kernel/numa_balancing"

static int dma_fd = -1;
static char numa_saved[16];
static bool numa_changed;

/*
 * ASLR off for this process only, by personality(): changing the global
 * randomize_va_space would touch every other process on the box.  Needs a
 * re-exec, since the layout is chosen at exec.
 */
int hygiene_aslr_reexec(char **argv)
{
	int pers = personality(0xffffffff);
	char self[4096];
	ssize_t n;

	if (pers == -1 || (pers & ADDR_NO_RANDOMIZE) || getenv("MMB_ASLR_KEEP"))
		return 0;
	/* The real path, not /proc/self/exe: ps and pgrep show its name. */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return -1;
	self[n] = '\0';
	if (personality(pers | ADDR_NO_RANDOMIZE) == -1)
		return -1;
	execv(self, argv);
	/* Could not re-exec: run with ASLR on and say so in the result. */
	personality(pers);
	return -1;
}

static const char *aslr_state(void)
{
	int pers = personality(0xffffffff);

	if (pers != -1 && (pers & ADDR_NO_RANDOMIZE))
		return "off for this process (personality ADDR_NO_RANDOMIZE)";
	return "on (could not disable)";
}

static int read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int write_small(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

void hygiene_apply(const struct hygiene_opts *o, json_t *sys)
{
	json_t *h = json_object();
	char buf[128];

	json_object_set_new(h, "aslr", json_string(aslr_state()));

	/*
	 * Deep C-states make IPI delivery slower and noisier; hold them off
	 * the way cyclictest does, for as long as the fd is open.
	 */
	if (o->dma_latency) {
		int32_t zero = 0;

		dma_fd = open("/dev/cpu_dma_latency", O_WRONLY | O_CLOEXEC);
		if (dma_fd >= 0 && write(dma_fd, &zero, sizeof(zero)) ==
				   sizeof(zero)) {
			json_object_set_new(h, "cpu_dma_latency",
					    json_string("held at 0 us"));
		} else {
			snprintf(buf, sizeof(buf), "not held: %s", strerror(errno));
			json_object_set_new(h, "cpu_dma_latency", json_string(buf));
			if (dma_fd >= 0)
				close(dma_fd);
			dma_fd = -1;
		}
	} else {
		json_object_set_new(h, "cpu_dma_latency",
				    json_string("not held (--cpu-dma-latency off)"));
	}

	/* Automatic NUMA balancing unmaps pages: it would add shootdowns. */
	if (read_small(NUMA_BALANCING, numa_saved, sizeof(numa_saved))) {
		json_object_set_new(h, "numa_balancing",
				    json_string("absent (no CONFIG_NUMA_BALANCING)"));
	} else if (!o->numa_balancing_off || !strcmp(numa_saved, "0")) {
		snprintf(buf, sizeof(buf), "%s (unchanged)", numa_saved);
		json_object_set_new(h, "numa_balancing", json_string(buf));
	} else if (write_small(NUMA_BALANCING, "0")) {
		snprintf(buf, sizeof(buf), "%s (could not turn off: %s)",
			 numa_saved, strerror(errno));
		json_object_set_new(h, "numa_balancing", json_string(buf));
	} else {
		numa_changed = true;
		snprintf(buf, sizeof(buf), "0 during the run (was %s, restored)",
			 numa_saved);
		json_object_set_new(h, "numa_balancing", json_string(buf));
	}
	json_object_set_new(h, "thp_buffers", json_string("MADV_NOHUGEPAGE"));
	json_object_set_new(sys, "hygiene", h);
}

void hygiene_restore(void)
{
	if (dma_fd >= 0) {
		close(dma_fd);
		dma_fd = -1;
	}
	if (numa_changed) {
		write_small(NUMA_BALANCING, numa_saved);
		numa_changed = false;
	}
}
