// SPDX-License-Identifier: GPL-2.0
/* Opening /dev/mmb_helper, with a skip that says what to do. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "internal.h"
#include "mmb_helper.h"

int mmb_helper_open(struct mmb_run *r)
{
	struct mmb_helper_info info;
	int fd = open(MMB_HELPER_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT || errno == ENXIO || errno == ENODEV)
			mmb_error(r, "skip: %s missing: load the helper module "
				  "(make kmod && insmod kmod-helper/mmb_helper.ko)",
				  MMB_HELPER_DEVICE);
		else if (errno == EACCES || errno == EPERM)
			mmb_error(r, "skip: %s: %s (the helper is root-only)",
				  MMB_HELPER_DEVICE, strerror(errno));
		else
			mmb_error(r, "skip: %s: %s", MMB_HELPER_DEVICE,
				  strerror(errno));
		return -MMB_EXIT_SKIP;
	}
	memset(&info, 0, sizeof(info));
	if (ioctl(fd, MMB_HELPER_INFO, &info) || info.abi != MMB_HELPER_ABI) {
		mmb_error(r, "skip: helper module ABI %u, this bench speaks %u: rebuild one of them",
			  info.abi, MMB_HELPER_ABI);
		close(fd);
		return -MMB_EXIT_SKIP;
	}
	return fd;
}
