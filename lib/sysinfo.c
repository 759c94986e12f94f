// SPDX-License-Identifier: GPL-2.0
/*
 * The result's "system" block: what kernel, which lazy-TLB strategy, which
 * machine.  Everything here is read, nothing is changed.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>

#include "internal.h"

const char *mmb_arch(void)
{
#if defined(__x86_64__)
	return "x86_64";
#elif defined(__aarch64__)
	return "arm64";
#else
	return "unknown";
#endif
}

static const char *const lazy_keys[] = {
	"CONFIG_MMU_LAZY_TLB_REFCOUNT",
	"CONFIG_MMU_LAZY_TLB_SHOOTDOWN",
	"CONFIG_DEBUG_VM_SHOOT_LAZIES",
	"CONFIG_MMU_LAZY_TLB_HAZPTR",	/* our series: patches/hazptr */
	"CONFIG_MMU_LAZY_TLB_MMGEN",	/* patches/mmgen */
};

/*
 * Keeps the lines that decide the strategy, set or "is not set", plus any
 * other LAZY_TLB option a patched kernel may add (hazard pointers, an arch
 * knob...), so that kernels of one strategy can still be told apart.
 */
/* "# Linux/arm64 6.1.192 Kernel Configuration" */
static void config_version(struct lazy_tlb *lt, const char *line)
{
	int a, b;
	const char *p = strstr(line, "# Linux/");

	if (p && (p = strchr(p + 8, ' ')) && sscanf(p, " %d.%d", &a, &b) == 2)
		lt->version = a * 100 + b;
}

static void lazy_line(struct lazy_tlb *lt, const char *line, bool *on)
{
	if (!lt->version)
		config_version(lt, line);
	/* LAZY_TLB: arch knobs too (X86_LAZY_TLB_KEEP_MASK of our patches) */
	bool relevant = strstr(line, "LAZY_TLB") ||
			strstr(line, "DEBUG_VM_SHOOT_LAZIES");

	if (!relevant || lt->nlines == (int)ARRAY_SIZE(lt->lines))
		return;
	snprintf(lt->lines[lt->nlines++], sizeof(lt->lines[0]), "%s", line);
	for (size_t i = 0; i < ARRAY_SIZE(lazy_keys); i++) {
		size_t n = strlen(lazy_keys[i]);

		if (!strncmp(line, lazy_keys[i], n) && line[n] == '=' &&
		    line[n + 1] == 'y')
			on[i] = true;
	}
}

static void lazy_finish(struct lazy_tlb *lt, const bool *on)
{
	const char *s = "unknown";

	lt->note[0] = '\0';
	if (on[1] && on[2])
		s = "shootdown-debug";
	else if (on[1])
		s = "shootdown";
	else if (on[3])
		s = on[2] ? "hazptr-debug" : "hazptr";
	else if (on[4])
		s = on[2] ? "mmgen-debug" : "mmgen";
	else if (on[0])
		s = "refcount";
	else if (!lt->nlines && lt->version && lt->version < 604) {
		/* 6.4 added the options; before, refcounting was all there was */
		s = "refcount";
		snprintf(lt->note, sizeof(lt->note),
			 "implicit: kernel %d.%d predates CONFIG_MMU_LAZY_TLB_*",
			 lt->version / 100, lt->version % 100);
	}
	snprintf(lt->strategy, sizeof(lt->strategy), "%s", s);
}

void lazy_tlb_from_text(const char *config, struct lazy_tlb *lt)
{
	bool on[ARRAY_SIZE(lazy_keys)] = { false };
	const char *p = config;

	lt->nlines = 0;
	lt->version = 0;
	while (*p) {
		const char *eol = strchr(p, '\n');
		char line[256];
		size_t len = eol ? (size_t)(eol - p) : strlen(p);

		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		memcpy(line, p, len);
		line[len] = '\0';
		lazy_line(lt, line, on);
		p += eol ? (size_t)(eol - p) + 1 : strlen(p);
	}
	lazy_finish(lt, on);
}

/* zlib's gz* functions read plain files too, so one path serves both. */
int lazy_tlb_detect_file(const char *path, struct lazy_tlb *lt)
{
	bool on[ARRAY_SIZE(lazy_keys)] = { false };
	char line[256];
	gzFile f = gzopen(path, "rb");

	if (!f)
		return -1;
	lt->nlines = 0;
	lt->version = 0;
	while (gzgets(f, line, sizeof(line))) {
		line[strcspn(line, "\n")] = '\0';
		lazy_line(lt, line, on);
	}
	gzclose(f);
	lazy_finish(lt, on);
	snprintf(lt->source, sizeof(lt->source), "%s", path);
	return 0;
}

void lazy_tlb_detect(struct lazy_tlb *lt)
{
	struct utsname u;
	char path[128];
	const char *env = getenv("MMB_KCONFIG");

	memset(lt, 0, sizeof(*lt));
	if (env && !lazy_tlb_detect_file(env, lt))
		return;
	if (!lazy_tlb_detect_file("/proc/config.gz", lt))
		return;
	uname(&u);
	snprintf(path, sizeof(path), "/boot/config-%s", u.release);
	if (!lazy_tlb_detect_file(path, lt))
		return;
	snprintf(lt->strategy, sizeof(lt->strategy), "unknown");
	snprintf(lt->source, sizeof(lt->source),
		 "none (no /proc/config.gz, no %s)", path);
}

/* The first line of a small file, without its newline; NULL if none. */
char *mmb_read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return NULL;
	if (!fgets(buf, len, f)) {
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static void set_file_str(json_t *o, const char *key, const char *path)
{
	char buf[512];

	if (mmb_read_line(path, buf, sizeof(buf)))
		json_object_set_new(o, key, json_string(buf));
}

static void set_file_int(json_t *o, const char *key, const char *path)
{
	char buf[64];

	if (mmb_read_line(path, buf, sizeof(buf)))
		json_object_set_new(o, key, json_integer(atoll(buf)));
}

static bool has_flag(const char *flags, const char *flag)
{
	size_t n = strlen(flag);

	for (const char *p = flags; (p = strstr(p, flag)); p += n)
		if ((p == flags || p[-1] == ' ') && (!p[n] || p[n] == ' '))
			return true;
	return false;
}

static void cpu_info(json_t *sys)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char *line = NULL;
	size_t cap = 0;
	json_t *flags = json_object();
	bool model = false, got_flags = false;

	while (f && getline(&line, &cap, f) > 0) {
		char *v = strchr(line, ':');

		if (!v)
			continue;
		v++;
		while (*v == ' ')
			v++;
		v[strcspn(v, "\n")] = '\0';
		if (!model && (!strncmp(line, "model name", 10) ||
			       !strncmp(line, "CPU part", 8))) {
			json_object_set_new(sys, "cpu_model", json_string(v));
			model = true;
		} else if (!got_flags && (!strncmp(line, "flags", 5) ||
					  !strncmp(line, "Features", 8))) {
			static const char *const want[] = {
				"pcid", "invpcid", "invlpgb", "pti", "tlbi", "ht",
				"constant_tsc", "nonstop_tsc", "hypervisor",
			};
			for (size_t i = 0; i < ARRAY_SIZE(want); i++)
				json_object_set_new(flags, want[i],
					json_boolean(has_flag(v, want[i])));
			got_flags = true;
		}
	}
	free(line);
	if (f)
		fclose(f);
	if (!model)
		json_object_set_new(sys, "cpu_model", json_string("unknown"));
	json_object_set_new(sys, "cpu_flags", flags);
}

static void mitigations(json_t *sys)
{
	const char *dir = "/sys/devices/system/cpu/vulnerabilities";
	DIR *d = opendir(dir);
	json_t *o = json_object();
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char path[512];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		set_file_str(o, e->d_name, path);
	}
	if (d)
		closedir(d);
	json_object_set_new(sys, "mitigations", o);
}

/*
 * The boot parameters that choose the flush or switch path (Documentation/
 * admin-guide/kernel-parameters.txt): PCID and INVLPGB change how a flush
 * reaches other CPUs, PTI doubles the CR3 writes of a switch, and the
 * Spectre settings put an IBPB or RSB fill into it.  A word is recorded
 * when it is one of these or starts with one followed by '='.
 */
static const char *const flush_words[] = {
	"nopcid", "noinvlpgb", "pti", "nopti", "kpti", "mitigations",
	"spectre_v2", "spectre_v2_user", "nospectre_v2", "spectre_bhi",
	"retbleed", "spec_rstack_overflow", "nosmt", "nospec_store_bypass_disable",
	"spec_store_bypass_disable", "mds", "tsx", "its", "indirect_target_selection",
};

static bool is_flush_word(const char *w, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(flush_words); i++) {
		size_t n = strlen(flush_words[i]);

		if (len >= n && !strncmp(w, flush_words[i], n) &&
		    (len == n || w[n] == '='))
			return true;
	}
	return false;
}

/*
 * What the kernel booted with, as it reads back, not as asked: the words of
 * /proc/cmdline that touch the flush or switch path, and what is in force
 * (PTI, PCID and INVLPGB as the kernel left them in the CPU flags - nopcid
 * and noinvlpgb clear them - and the Spectre v2 mitigation it reports).
 * mmb compare never pools runs whose settings differ, the matrix shows them.
 */
static json_t *boot_json(json_t *sys)
{
	json_t *boot = json_object(), *set = json_object(), *words = json_array();
	json_t *flags = json_object_get(sys, "cpu_flags");
	json_t *vul = json_object_get(sys, "mitigations");
	const char *melt = json_string_value(json_object_get(vul, "meltdown"));
	const char *v2 = json_string_value(json_object_get(vul, "spectre_v2"));
	FILE *f = fopen("/proc/cmdline", "r");
	char *line = NULL;
	size_t cap = 0;

	if (f && getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = '\0';
		json_object_set_new(boot, "cmdline", json_string(line));
		for (char *w = line; *w; ) {
			size_t len = strcspn(w, " ");

			/* after "--" the words are init's, not the kernel's */
			if (len == 2 && !strncmp(w, "--", 2))
				break;
			if (len && is_flush_word(w, len))
				json_array_append_new(words, json_stringn(w, len));
			w += len;
			w += strspn(w, " ");
		}
	} else {
		json_object_set_new(boot, "cmdline", json_null());
		json_object_set_new(boot, "cmdline_error",
				    json_string(strerror(errno)));
	}
	free(line);
	if (f)
		fclose(f);
	json_object_set_new(set, "cmdline", words);
	/* x86 shows PTI as a CPU flag; arm64's kpti says so in meltdown */
	json_object_set_new(set, "pti", json_boolean(
		json_is_true(json_object_get(flags, "pti")) ||
		(melt && strstr(melt, "PTI"))));
	if (!strcmp(mmb_arch(), "x86_64")) {
		json_object_set(set, "pcid", json_object_get(flags, "pcid"));
		json_object_set(set, "invlpgb", json_object_get(flags, "invlpgb"));
	}
	json_object_set_new(set, "spectre_v2", v2 ? json_string(v2) : json_null());
	json_object_set_new(boot, "settings", set);
	return boot;
}

json_t *sysinfo_json(void)
{
	json_t *sys = json_object(), *lt = json_object(), *lines = json_array();
	struct lazy_tlb l;
	struct utsname u;
	char host[256] = "";

	uname(&u);
	gethostname(host, sizeof(host) - 1);
	json_object_set_new(sys, "hostname", json_string(host));
	json_object_set_new(sys, "kernel", json_pack("{s:s, s:s}",
			    "release", u.release, "version", u.version));
	json_object_set_new(sys, "arch", json_string(mmb_arch()));

	lazy_tlb_detect(&l);
	json_object_set_new(lt, "strategy", json_string(l.strategy));
	json_object_set_new(lt, "source", json_string(l.source));
	for (int i = 0; i < l.nlines; i++)
		json_array_append_new(lines, json_string(l.lines[i]));
	json_object_set_new(lt, "config", lines);
	if (l.note[0])
		json_object_set_new(lt, "note", json_string(l.note));
	json_object_set_new(sys, "lazy_tlb", lt);

	cpu_info(sys);
	json_object_set_new(sys, "nr_cpus_configured",
			    json_integer(sysconf(_SC_NPROCESSORS_CONF)));
	json_object_set_new(sys, "nr_cpus_online",
			    json_integer(sysconf(_SC_NPROCESSORS_ONLN)));
	mitigations(sys);
	json_object_set_new(sys, "boot", boot_json(sys));
	set_file_str(sys, "smt_control", "/sys/devices/system/cpu/smt/control");
	set_file_str(sys, "thp_enabled",
		     "/sys/kernel/mm/transparent_hugepage/enabled");
	set_file_str(sys, "cpufreq_governor",
		     "/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
	json_object_set_new(sys, "remote_flush", remote_flush_json(sys));
	/* x86's flush-all ceiling: past it a range flush becomes a full one */
	set_file_int(sys, "tlb_single_page_flush_ceiling",
		     "/sys/kernel/debug/x86/tlb_single_page_flush_ceiling");
	return sys;
}
