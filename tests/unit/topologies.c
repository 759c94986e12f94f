// SPDX-License-Identifier: GPL-2.0
/*
 * The placement policies on the machines the postings came from, as sysfs
 * trees written here and read through MMB_SYSFS_ROOT by topo_init():
 *  - epyc: 2x EPYC 9654, 384 CPUs, 24 nodes (L3 as NUMA), SMT2, numbered
 *    as Linux numbers x86 (thread 0 of every core, then thread 1);
 *  - n32: 512 CPUs over 32 nodes, 4 sockets, SMT2;
 *  - power: 192 CPUs, 4 nodes of 6 cores, SMT8, a core's threads in a row
 *    (POWER numbering);
 * and the strings a placement makes there, which fixed buffers cut.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "tap.h"

static char nbuf[256];
#define NAME(...) (snprintf(nbuf, sizeof(nbuf), __VA_ARGS__), nbuf)

struct shape {
	const char *name;
	int sockets, nodes_per_socket, cores_per_node, smt;
	bool smt_adjacent;	/* POWER: cpu = core * smt + thread */
	int d_socket, d_remote;	/* distance within a socket, across */
};

static const struct shape shapes[] = {
	{ "epyc", 2, 12, 8, 2, false, 11, 32 },
	{ "n32", 4, 8, 8, 2, false, 12, 32 },
	{ "power", 2, 2, 24, 8, true, 20, 40 },
};

static void put(const char *root, const char *rel, const char *text)
{
	char path[PATH_MAX], dir[PATH_MAX];
	FILE *f;

	mkdir(root, 0755);
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(p - path), path);
		mkdir(dir, 0755);
	}
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

static int ncpus(const struct shape *s)
{
	return s->sockets * s->nodes_per_socket * s->cores_per_node * s->smt;
}

/* the CPU number of a thread of a global core */
static int cpu_of(const struct shape *s, int core, int thread)
{
	int ncores = ncpus(s) / s->smt;

	return s->smt_adjacent ? core * s->smt + thread : thread * ncores + core;
}

static void write_tree(const struct shape *s, const char *root)
{
	int n = ncpus(s), ncores = n / s->smt;
	int nnodes = s->sockets * s->nodes_per_socket;
	char rel[128], text[8192];

	snprintf(text, sizeof(text), "0-%d\n", n - 1);
	put(root, "sys/devices/system/cpu/online", text);
	for (int core = 0; core < ncores; core++) {
		int node = core / s->cores_per_node;
		int pkg = node / s->nodes_per_socket;
		int sib[8];

		for (int th = 0; th < s->smt; th++)
			sib[th] = cpu_of(s, core, th);
		for (int th = 0; th < s->smt; th++) {
			int c = sib[th];
			char *sl = cpulist_str(sib, s->smt);

			/* cpulist_str wants a sorted list: it is */
			snprintf(rel, sizeof(rel),
				 "sys/devices/system/cpu/cpu%d/topology/core_id", c);
			snprintf(text, sizeof(text), "%d\n",
				 core % (ncores / s->sockets));
			put(root, rel, text);
			snprintf(rel, sizeof(rel),
				 "sys/devices/system/cpu/cpu%d/topology/physical_package_id", c);
			snprintf(text, sizeof(text), "%d\n", pkg);
			put(root, rel, text);
			snprintf(rel, sizeof(rel),
				 "sys/devices/system/cpu/cpu%d/topology/thread_siblings_list", c);
			snprintf(text, sizeof(text), "%s\n", sl);
			put(root, rel, text);
			free(sl);
		}
	}
	for (int node = 0; node < nnodes; node++) {
		int *c = malloc(n * sizeof(int)), k = 0;
		size_t off = 0;
		char *l;

		for (int core = node * s->cores_per_node;
		     core < (node + 1) * s->cores_per_node; core++)
			for (int th = 0; th < s->smt; th++)
				c[k++] = cpu_of(s, core, th);
		/* sorted, as the kernel prints it */
		for (int i = 0; i < k; i++)
			for (int j = i + 1; j < k; j++)
				if (c[j] < c[i]) {
					int x = c[i];

					c[i] = c[j];
					c[j] = x;
				}
		l = cpulist_str(c, k);
		snprintf(rel, sizeof(rel), "sys/devices/system/node/node%d/cpulist",
			 node);
		snprintf(text, sizeof(text), "%s\n", l);
		put(root, rel, text);
		free(l);
		free(c);
		for (int m = 0; m < nnodes; m++)
			off += snprintf(text + off, sizeof(text) - off, "%s%d",
					m ? " " : "", m == node ? 10 :
					m / s->nodes_per_socket ==
					node / s->nodes_per_socket ?
					s->d_socket : s->d_remote);
		snprintf(text + off, sizeof(text) - off, "\n");
		snprintf(rel, sizeof(rel), "sys/devices/system/node/node%d/distance",
			 node);
		put(root, rel, text);
	}
}

static void load(const struct shape *s, const char *root, struct topology *t)
{
	write_tree(s, root);
	setenv("MMB_SYSFS_ROOT", root, 1);
	if (topo_init(t)) {
		printf("Bail out! topo_init on %s\n", s->name);
		exit(1);
	}
}

static bool resolve(struct topology *t, int init, const char *victims,
		    enum mmb_spread sp, struct placement *p)
{
	char err[256];

	if (placement_resolve(t, NULL, init, victims, 1, 0, sp, -1, p, err,
			      sizeof(err))) {
		printf("#   %s\n", err);
		return false;
	}
	return true;
}

static bool same_core(const struct topology *t, int a, int b)
{
	return t->cpu[a].package == t->cpu[b].package &&
	       t->cpu[a].core == t->cpu[b].core;
}

/* how many distinct nodes, and whether a core was taken twice */
static void spread_of(const struct topology *t, const struct placement *p,
		      int *nodes, bool *core_twice)
{
	bool seen[1024] = { false };

	*nodes = 0;
	*core_twice = false;
	for (int i = 0; i < p->nvictims; i++) {
		int v = p->victim[i];

		if (!seen[t->cpu[v].node]) {
			seen[t->cpu[v].node] = true;
			(*nodes)++;
		}
		if (same_core(t, v, p->initiator))
			*core_twice = true;
		for (int j = 0; j < i; j++)
			if (same_core(t, v, p->victim[j]))
				*core_twice = true;
	}
}

static void machine_checks(const struct shape *s, struct topology *t)
{
	int nnodes = s->sockets * s->nodes_per_socket, per_node;
	int nodes, cores = ncpus(s) / s->smt;
	struct placement p;
	bool twice;
	char want[16];
	json_t *sum = topo_summary_json(t), *pl;

	is_int(t->online.n, ncpus(s), NAME("%s: %d CPUs online", s->name, ncpus(s)));
	is_int(t->nr_nodes, nnodes, NAME("%s: %d nodes", s->name, nnodes));
	is_int(json_integer_value(json_object_get(sum, "sockets")), s->sockets, NAME("%s: %d sockets", s->name, s->sockets));
	is_int(json_integer_value(json_object_get(sum, "cores")), cores, NAME("%s: %d cores", s->name, cores));
	is_int(json_integer_value(json_object_get(sum, "threads_per_core")),
	       s->smt, NAME("%s: SMT%d", s->name, s->smt));
	json_decref(sum);

	/* nodes: the initiator's own first, then by distance, each once */
	snprintf(want, sizeof(want), "%d", nnodes);
	if (resolve(t, 0, want, SPREAD_NODES, &p)) {
		spread_of(t, &p, &nodes, &twice);
		is_int(nodes, nnodes, NAME("%s: --spread nodes, %d victims: every node once",
		       s->name, nnodes));
		ok(t->cpu[p.victim[0]].node == t->cpu[0].node &&
		   topo_distance(t, 0, t->cpu[p.victim[1]].node) == s->d_socket &&
		   topo_distance(t, 0, t->cpu[p.victim[nnodes - 1]].node) == s->d_remote,
		   "%s: --spread nodes: own node, then the socket's, the other sockets' last",
		   s->name);
		ok(!twice, "%s: --spread nodes: no core twice", s->name);
		placement_free(&p);
	}
	/* nodes, twice round: still whole cores before any sibling */
	snprintf(want, sizeof(want), "%d", 2 * nnodes - 1);
	if (resolve(t, 0, want, SPREAD_NODES, &p)) {
		spread_of(t, &p, &nodes, &twice);
		ok(!twice, "%s: --spread nodes, %d victims: no SMT sibling before the node's cores run out",
		   s->name, 2 * nnodes - 1);
		placement_free(&p);
	}
	/* compact: the initiator's node, one thread per core first */
	per_node = s->cores_per_node * s->smt;
	snprintf(want, sizeof(want), "%d", s->cores_per_node - 1);
	if (resolve(t, 0, want, SPREAD_COMPACT, &p)) {
		spread_of(t, &p, &nodes, &twice);
		ok(nodes == 1 && t->cpu[p.victim[0]].node == 0 && !twice,
		   "%s: compact, %d victims: node 0, a core each", s->name,
		   s->cores_per_node - 1);
		placement_free(&p);
	}
	snprintf(want, sizeof(want), "%d", per_node);
	if (resolve(t, 0, want, SPREAD_COMPACT, &p)) {
		int last = p.victim[p.nvictims - 1];

		ok(t->cpu[last].node != 0 &&
		   topo_distance(t, 0, t->cpu[last].node) == s->d_socket,
		   "%s: compact, %d victims: node 0 filled, then a node of the same socket",
		   s->name, per_node);
		placement_free(&p);
	}
	/* smt: the initiator's siblings first */
	snprintf(want, sizeof(want), "%d", s->smt - 1);
	if (resolve(t, 0, want, SPREAD_SMT, &p)) {
		bool all = true;

		for (int i = 0; i < p.nvictims; i++)
			all &= same_core(t, p.victim[i], 0);
		ok(all, "%s: --spread smt, %d victims: the initiator's siblings",
		   s->name, s->smt - 1);
		placement_free(&p);
	}
	/* every other CPU as the pool: a list of kilobytes at 512 CPUs */
	{
		char pool[32], err[256], *list;
		struct cpuset_list l;

		snprintf(pool, sizeof(pool), "0-%d:2", ncpus(s) - 1);
		cpulist_parse(pool, -1, &l);
		list = cpulist_str(l.cpu, l.n);
		if (ok(!placement_resolve(t, pool, 0, "all", 1, 0, SPREAD_NODES,
					  -1, &p, err, sizeof(err)),
		       "%s: --cpus %s resolves", s->name, pool)) {
			pl = placement_json(t, &p);
			is_str(json_string_value(json_object_get(pl, "cpus")),
			       list, NAME("%s: placement.cpus, %zu characters, whole",
					  s->name, strlen(list)));
			json_decref(pl);
			placement_free(&p);
		}
		free(list);
		cpulist_free(&l);
	}
	/* every CPU: the placement's strings whole, however long */
	if (resolve(t, 0, "all", SPREAD_NODES, &p)) {
		char *list;
		json_t *v;
		size_t i;
		int n = 0;

		pl = placement_json(t, &p);
		list = cpulist_str(t->online.cpu, t->online.n);
		is_str(json_string_value(json_object_get(pl, "cpus")), list, NAME("%s: placement.cpus is the whole pool", s->name));
		json_array_foreach(json_object_get(pl, "victims"), i, v)
			n++;
		is_int(n, ncpus(s) - 1, NAME("%s: every victim in placement.victims",
		       s->name));
		is_int((int)json_array_size(json_object_get(pl, "nodes")),
		       nnodes, NAME("%s: every node in placement.nodes", s->name));
		free(list);
		json_decref(pl);
		placement_free(&p);
	}
}

int main(void)
{
	char tmpl[] = "/tmp/mmb-topo-XXXXXX", root[PATH_MAX];
	const char *dir = mkdtemp(tmpl);
	int v[1024];
	char *s;

	if (!dir) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(shapes); i++) {
		struct topology t;

		snprintf(root, sizeof(root), "%s/%s", dir, shapes[i].name);
		load(&shapes[i], root, &t);
		machine_checks(&shapes[i], &t);
		topo_free(&t);
	}
	unsetenv("MMB_SYSFS_ROOT");

	/* a spread list of 512 CPUs: 2.4 kB, whole */
	for (int i = 0; i < 512; i++)
		v[i] = i * 2;
	s = cpulist_str(v, 512);
	ok(s && strlen(s) > 2000 && !strncmp(s, "0,2,4,", 6) &&
	   !strcmp(s + strlen(s) - 5, ",1022"),
	   "cpulist_str: 512 spread CPUs whole (%zu characters)",
	   s ? strlen(s) : 0);
	free(s);
	{
		char small[8];

		ok(cpulist_format(v, 512, small, sizeof(small)) == -1,
		   "cpulist_format says when the buffer is short");
	}
	if (fork() == 0) {
		execlp("rm", "rm", "-rf", dir, (char *)NULL);
		_exit(1);
	}
	return done_testing();
}
