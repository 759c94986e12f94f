// SPDX-License-Identifier: GPL-2.0
/*
 * likwid, loaded on demand.
 *
 * liblikwid carries about 14 MB of written .data/.bss: linked in, every
 * fork() of a bench would copy its page tables and fork-exit would measure
 * likwid rather than the kernel (we measured 710 us instead of 140 us per
 * fork on the development VM).  So it is dlopen()ed for the topology and
 * closed again, and kept only when likwid-perfctr -m runs us and wants the
 * Marker API; the result says which.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#ifdef MMB_HAVE_LIKWID
#include <likwid.h>

static void *handle;
static bool markers_on;
static int (*marker_start)(const char *);
static int (*marker_stop)(const char *);
static void (*marker_close)(void);

static void *lw_open(void)
{
	void *h = dlopen("liblikwid.so.5", RTLD_NOW | RTLD_LOCAL);

	return h ? h : dlopen("liblikwid.so", RTLD_NOW | RTLD_LOCAL);
}

int likwid_topology(struct topology *t)
{
	int (*init)(void);
	CpuTopology_t (*get)(void);
	void (*fini)(void);
	CpuTopology_t lt;
	void *h = lw_open();

	if (!h)
		return -1;
	init = (int (*)(void))dlsym(h, "topology_init");
	get = (CpuTopology_t (*)(void))dlsym(h, "get_cpuTopology");
	fini = (void (*)(void))dlsym(h, "topology_finalize");
	if (!init || !get || !fini || init()) {
		dlclose(h);
		return -1;
	}
	lt = get();
	for (unsigned int i = 0; lt && lt->threadPool && i < lt->numHWThreads;
	     i++) {
		/* likwid's apicId is the OS processor number */
		int c = (int)lt->threadPool[i].apicId;

		if (c < 0 || c >= t->max_cpu || !t->cpu[c].online)
			continue;
		t->cpu[c].core = (int)lt->threadPool[i].coreId;
		t->cpu[c].package = (int)lt->threadPool[i].packageId;
		t->cpu[c].smt_index = (int)lt->threadPool[i].threadId;
	}
	fini();
	/*
	 * Under ASan the library stays loaded: its own leaks must keep its
	 * name for tests/lsan.supp, which an unloaded module's frames lose.
	 */
#ifndef __SANITIZE_ADDRESS__
	if (h != handle)
		dlclose(h);
#endif
	return lt ? 0 : -1;
}

const char *likwid_markers_init(void)
{
	void (*init)(void);

	/* likwid-perfctr -m exports these for the Marker API to find */
	if (!getenv("LIKWID_FILEPATH") && !getenv("LIKWID_EVENTS"))
		return "inactive (not run under likwid-perfctr -m)";
	handle = lw_open();
	if (!handle)
		return "unavailable: liblikwid could not be loaded";
	init = (void (*)(void))dlsym(handle, "likwid_markerInit");
	marker_start = (int (*)(const char *))dlsym(handle,
						   "likwid_markerStartRegion");
	marker_stop = (int (*)(const char *))dlsym(handle,
						  "likwid_markerStopRegion");
	marker_close = (void (*)(void))dlsym(handle, "likwid_markerClose");
	if (!init || !marker_start || !marker_stop || !marker_close)
		return "unavailable: liblikwid lacks the Marker API";
	init();
	markers_on = true;
	return "active: one region per bench-variant around each sample "
	       "(liblikwid stays loaded: forks copy its memory)";
}

void likwid_region(const char *name, bool start)
{
	if (markers_on)
		(start ? marker_start : marker_stop)(name);
}

void likwid_markers_close(void)
{
	if (markers_on)
		marker_close();
	markers_on = false;
}
#else
int likwid_topology(struct topology *t)
{
	return -1;
}

const char *likwid_markers_init(void)
{
	return "unavailable: built without likwid";
}

void likwid_region(const char *name, bool start)
{
}

void likwid_markers_close(void)
{
}
#endif
