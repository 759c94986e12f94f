// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: a result or bundle file of any content through the
 * loader every tool uses (mmb_results_load), and what loads through the
 * labels the tools print.  The bytes go to a memfd, read by its path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static int fd = -1;
	struct mmb_results rs = { 0 };
	char path[64], err[512], label[256];
	json_t **docs;

	if (fd < 0)
		fd = memfd_create("mmb-fuzz-result", 0);
	if (fd < 0 || ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (!mmb_results_load(&rs, path, err, sizeof(err))) {
		docs = calloc(rs.n + 1, sizeof(*docs));
		for (int i = 0; docs && i < rs.n; i++)
			docs[i] = rs.r[i].doc;
		for (int i = 0; docs && i < rs.n; i++)
			mmb_params_label(docs, rs.n, i, label, sizeof(label));
		free(docs);
	}
	mmb_results_free(&rs);
	return 0;
}
