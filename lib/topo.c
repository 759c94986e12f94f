// SPDX-License-Identifier: GPL-2.0
/*
 * Topology and placement.  Nodes come from libnuma; cores, SMT siblings and
 * packages from likwid when it is built in and works, else from sysfs.  The
 * result records which source was used.
 */
#include <errno.h>
#include <limits.h>
#include <numa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

const char *const mmb_spread_names[] = { "compact", "nodes", "smt", NULL };

/*
 * Where sysfs is: "" for the machine's, or MMB_SYSFS_ROOT, a made-up tree
 * (tests/unit/topologies.c writes the posting machines': 2x EPYC 9654, 32
 * nodes, POWER SMT8).  A made-up tree is the whole truth: nodes and their
 * distances come from its node<n>/ files, not from libnuma or likwid,
 * which see the real machine.
 */
static const char *sysfs_root(void)
{
	const char *r = getenv("MMB_SYSFS_ROOT");

	return r ? r : "";
}

static int sysfs_int(int cpu, const char *what)
{
	char path[PATH_MAX], buf[32];
	FILE *f;
	int v = -1;

	snprintf(path, sizeof(path),
		 "%s/sys/devices/system/cpu/cpu%d/topology/%s", sysfs_root(),
		 cpu, what);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f))
		v = atoi(buf);
	fclose(f);
	return v;
}

static void topo_sysfs(struct topology *t)
{
	for (int i = 0; i < t->online.n; i++) {
		int c = t->online.cpu[i];
		struct cpu_topo *ct = &t->cpu[c];
		char path[PATH_MAX];
		struct cpuset_list sib;

		ct->core = sysfs_int(c, "core_id");
		ct->package = sysfs_int(c, "physical_package_id");
		snprintf(path, sizeof(path),
			 "%s/sys/devices/system/cpu/cpu%d/topology/thread_siblings_list",
			 sysfs_root(), c);
		ct->smt_index = 0;
		if (!cpulist_read_file(path, &sib)) {
			for (int j = 0; j < sib.n && sib.cpu[j] != c; j++)
				ct->smt_index++;
			cpulist_free(&sib);
		}
	}
	t->source = "sysfs";
}


/* A made-up tree's nodes: node<n>/cpulist and node<n>/distance. */
static int topo_nodes_sysfs(struct topology *t)
{
	char path[PATH_MAX];
	int max = -1;

	for (int n = 0; n < 1024; n++) {
		snprintf(path, sizeof(path), "%s/sys/devices/system/node/node%d",
			 sysfs_root(), n);
		if (!access(path, F_OK))
			max = n;
	}
	t->max_node = max < 0 ? 0 : max;
	t->dist = calloc((size_t)(t->max_node + 1) * (t->max_node + 1),
			 sizeof(int));
	if (!t->dist)
		return -1;
	for (int n = 0; n <= max; n++) {
		struct cpuset_list l;
		FILE *f;

		snprintf(path, sizeof(path),
			 "%s/sys/devices/system/node/node%d/cpulist",
			 sysfs_root(), n);
		if (cpulist_read_file(path, &l))
			continue;
		t->nr_nodes++;
		for (int i = 0; i < l.n; i++)
			if (l.cpu[i] < t->max_cpu)
				t->cpu[l.cpu[i]].node = n;
		cpulist_free(&l);
		snprintf(path, sizeof(path),
			 "%s/sys/devices/system/node/node%d/distance",
			 sysfs_root(), n);
		f = fopen(path, "r");
		for (int m = 0; f && m <= t->max_node; m++)
			if (fscanf(f, "%d", &t->dist[n * (t->max_node + 1) + m]) != 1)
				break;
		if (f)
			fclose(f);
	}
	if (!t->nr_nodes)
		t->nr_nodes = 1;
	for (int c = 0; c < t->max_cpu; c++)
		if (t->cpu[c].online && t->cpu[c].node < 0)
			t->cpu[c].node = 0;
	return 0;
}

int topo_init(struct topology *t)
{
	char path[PATH_MAX];

	memset(t, 0, sizeof(*t));
	snprintf(path, sizeof(path), "%s/sys/devices/system/cpu/online",
		 sysfs_root());
	if (cpulist_read_file(path, &t->online)) {
		/* No sysfs (odd containers): trust sysconf. */
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		t->online.cpu = calloc(n, sizeof(int));
		if (!t->online.cpu)
			return -1;
		for (long i = 0; i < n; i++)
			t->online.cpu[i] = (int)i;
		t->online.n = (int)n;
	}
	t->max_cpu = t->online.cpu[t->online.n - 1] + 1;
	t->cpu = calloc(t->max_cpu, sizeof(*t->cpu));
	if (!t->cpu)
		return -1;
	for (int c = 0; c < t->max_cpu; c++) {
		t->cpu[c].cpu = c;
		t->cpu[c].node = -1;
		t->cpu[c].core = -1;
		t->cpu[c].package = -1;
	}
	if (*sysfs_root()) {
		for (int i = 0; i < t->online.n; i++)
			t->cpu[t->online.cpu[i]].online = true;
		if (topo_nodes_sysfs(t))
			return -1;
		topo_sysfs(t);
		t->source = "sysfs (MMB_SYSFS_ROOT)";
		return 0;
	}
	t->numa = numa_available() >= 0;
	t->max_node = t->numa ? numa_max_node() : 0;
	for (int i = 0; i < t->online.n; i++) {
		int c = t->online.cpu[i];

		t->cpu[c].online = true;
		t->cpu[c].node = t->numa ? numa_node_of_cpu(c) : 0;
		if (t->cpu[c].node < 0)
			t->cpu[c].node = 0;
	}
	t->nr_nodes = 0;
	for (int n = 0; n <= t->max_node; n++)
		if (!t->numa || numa_bitmask_isbitset(numa_all_nodes_ptr, n))
			t->nr_nodes++;
	if (!getenv("MMB_NO_LIKWID") && !likwid_topology(t))
		t->source = "likwid";
	else
		topo_sysfs(t);
	return 0;
}

void topo_free(struct topology *t)
{
	free(t->dist);
	free(t->cpu);
	cpulist_free(&t->online);
}

static bool node_exists(const struct topology *t, int node)
{
	if (node < 0 || node > t->max_node)
		return false;
	return !t->numa || numa_bitmask_isbitset(numa_all_nodes_ptr, node);
}

int topo_distance(const struct topology *t, int a, int b)
{
	if (t->dist && a >= 0 && b >= 0 && a <= t->max_node && b <= t->max_node)
		return t->dist[a * (t->max_node + 1) + b];
	if (!t->numa)
		return a == b ? 10 : 20;
	return numa_distance(a, b);
}

/*
 * Order candidate victims.  compact: the initiator's node first, one thread
 * per core before any sibling, then nearer nodes; nodes: round-robin over
 * nodes by distance; smt: the initiator's siblings first, then whole cores.
 */
static const struct topology *sort_topo;
static const struct cpu_topo *sort_init;
static enum mmb_spread sort_spread;
static int *sort_rank;	/* per CPU: index within its node, for "nodes" */

static int spread_key(const struct cpu_topo *c, int *k)
{
	int dist = topo_distance(sort_topo, sort_init->node, c->node);
	bool sibling = c->package == sort_init->package &&
		       c->core == sort_init->core && c->core >= 0;

	switch (sort_spread) {
	case SPREAD_COMPACT:
		k[0] = dist;
		k[1] = c->smt_index;
		k[2] = c->cpu;
		break;
	case SPREAD_NODES:
		k[0] = sort_rank[c->cpu];
		k[1] = dist;
		k[2] = c->cpu;
		break;
	case SPREAD_SMT:
		k[0] = !sibling;
		k[1] = dist;
		k[2] = c->package * 100000 + c->core * 16 + c->smt_index;
		break;
	}
	return 3;
}

static int spread_cmp(const void *a, const void *b)
{
	int ka[3], kb[3];

	spread_key(&sort_topo->cpu[*(const int *)a], ka);
	spread_key(&sort_topo->cpu[*(const int *)b], kb);
	for (int i = 0; i < 3; i++)
		if (ka[i] != kb[i])
			return ka[i] < kb[i] ? -1 : 1;
	return 0;
}

/* threads by their index in the core, then by CPU number */
static int smt_cmp(const void *a, const void *b)
{
	const struct cpu_topo *x = &sort_topo->cpu[*(const int *)a];
	const struct cpu_topo *y = &sort_topo->cpu[*(const int *)b];

	if (x->smt_index != y->smt_index)
		return x->smt_index < y->smt_index ? -1 : 1;
	return x->cpu - y->cpu;
}

static int check_cpus(const struct topology *t, const struct cpuset_list *l,
		      const char *arg, char *err, size_t errlen)
{
	for (int i = 0; i < l->n; i++) {
		if (l->cpu[i] >= t->max_cpu || !t->cpu[l->cpu[i]].online) {
			char *online = cpulist_str(t->online.cpu, t->online.n);

			snprintf(err, errlen,
				 "%s: CPU %d does not exist or is offline (online: %s)",
				 arg, l->cpu[i], online ? online : "?");
			free(online);
			return -1;
		}
	}
	return 0;
}

bool cpu_arg_is_list(const char *s)
{
	return strchr(s, ',') || (*s && strchr(s + 1, '-'));
}

/* A bare count ("3", or "all": -1); a list has a comma or a range. */
bool cpu_arg_count(const char *s, long *n)
{
	char *end;

	if (!strcmp(s, "all")) {
		*n = -1;
		return true;
	}
	if (*s == '-' || !*s)
		return false;
	errno = 0;
	*n = strtol(s, &end, 10);
	return !errno && !*end;
}

static int resolve(const struct topology *t, const char *cpus,
		   int initiator, const char *victims, int default_victims,
		   int max_victims, enum mmb_spread spread, int mem_node,
		   struct placement *p, char *err, size_t errlen);

/* On an error nothing is left allocated in p. */
int placement_resolve(const struct topology *t, const char *cpus,
		      int initiator, const char *victims, int default_victims,
		      int max_victims, enum mmb_spread spread, int mem_node,
		      struct placement *p, char *err, size_t errlen)
{
	int r = resolve(t, cpus, initiator, victims, default_victims,
			max_victims, spread, mem_node, p, err, errlen);

	if (r)
		cpulist_free(&p->cpus);
	return r;
}

static int resolve(const struct topology *t, const char *cpus,
		   int initiator, const char *victims, int default_victims,
		   int max_victims, enum mmb_spread spread, int mem_node,
		   struct placement *p, char *err, size_t errlen)
{
	struct cpuset_list vl = { 0 };
	int *cand = NULL, ncand = 0;
	long want;

	memset(p, 0, sizeof(*p));
	p->mem_node = mem_node;
	if (cpus) {
		if (cpulist_parse(cpus, -1, &p->cpus)) {
			snprintf(err, errlen, "--cpus: '%s' is not a CPU list", cpus);
			return -1;
		}
		if (check_cpus(t, &p->cpus, "--cpus", err, errlen))
			return -1;
	} else {
		p->cpus.n = t->online.n;
		p->cpus.cpu = malloc(t->online.n * sizeof(int));
		if (!p->cpus.cpu)
			return -1;
		memcpy(p->cpus.cpu, t->online.cpu, t->online.n * sizeof(int));
	}
	if (initiator < 0) {
		initiator = p->cpus.cpu[0];
	} else if (initiator >= t->max_cpu || !t->cpu[initiator].online) {
		snprintf(err, errlen,
			 "--initiator: CPU %d does not exist or is offline",
			 initiator);
		return -1;
	} else if (!cpulist_has(&p->cpus, initiator)) {
		snprintf(err, errlen, "--initiator: CPU %d is not in --cpus",
			 initiator);
		return -1;
	}
	p->initiator = initiator;
	if (mem_node >= 0 && !node_exists(t, mem_node)) {
		snprintf(err, errlen, "--node: node %d does not exist (max node %d)",
			 mem_node, t->max_node);
		return -1;
	}

	/* An explicit list: a comma or a range, e.g. "1," or "2-5". */
	if (victims && cpu_arg_is_list(victims)) {
		if (cpulist_parse(victims, -1, &vl)) {
			snprintf(err, errlen,
				 "--victims: '%s' is neither a count nor a CPU list",
				 victims);
			return -1;
		}
		if (check_cpus(t, &vl, "--victims", err, errlen))
			goto fail;
		for (int i = 0; i < vl.n; i++) {
			if (!cpulist_has(&p->cpus, vl.cpu[i])) {
				snprintf(err, errlen,
					 "--victims: CPU %d is not in --cpus",
					 vl.cpu[i]);
				goto fail;
			}
		}
		if (max_victims && vl.n > max_victims) {
			snprintf(err, errlen,
				 "--victims: at most %d victim(s) for this bench",
				 max_victims);
			goto fail;
		}
		p->victim = vl.cpu;
		p->nvictims = vl.n;
		return 0;
	}
	if (victims) {
		if (!cpu_arg_count(victims, &want)) {
			snprintf(err, errlen,
				 "--victims: '%s' is neither a count nor a CPU list (write a single CPU as '3,')",
				 victims);
			return -1;
		}
	} else {
		want = default_victims;
	}

	cand = malloc(p->cpus.n * sizeof(int));
	sort_rank = calloc(t->max_cpu, sizeof(int));
	if (!cand || !sort_rank)
		goto fail;
	for (int i = 0; i < p->cpus.n; i++)
		if (p->cpus.cpu[i] != initiator)
			cand[ncand++] = p->cpus.cpu[i];
	if (want < 0)
		want = ncand;
	if (max_victims && want > max_victims) {
		snprintf(err, errlen, "--victims: at most %d victim(s) for this bench",
			 max_victims);
		goto fail;
	}
	if (want > ncand) {
		snprintf(err, errlen,
			 "--victims: %ld victim(s) asked, only %d CPU(s) besides the initiator in --cpus",
			 want, ncand);
		goto fail;
	}
	{
		int *seen = calloc(t->max_node + 1, sizeof(int));

		if (!seen)
			goto fail;
		/*
		 * Within a node: one thread per core before any sibling, as
		 * compact does.  By CPU number alone, x86 numbering gives
		 * that by luck and POWER's (a core's 8 threads in a row)
		 * gave the initiator's own siblings first.
		 */
		sort_topo = t;
		qsort(cand, ncand, sizeof(int), smt_cmp);
		for (int i = 0; i < ncand; i++)
			sort_rank[cand[i]] = seen[t->cpu[cand[i]].node]++;
		free(seen);
	}
	sort_topo = t;
	sort_init = &t->cpu[initiator];
	sort_spread = spread;
	qsort(cand, ncand, sizeof(int), spread_cmp);
	free(sort_rank);
	sort_rank = NULL;
	p->nvictims = (int)want;
	p->victim = cand;
	return 0;
fail:
	free(sort_rank);
	sort_rank = NULL;
	free(cand);
	cpulist_free(&vl);
	return -1;
}

static json_t *cpu_json(const struct topology *t, int cpu)
{
	const struct cpu_topo *c = &t->cpu[cpu];

	return json_pack("{s:i, s:i, s:i, s:i, s:i}", "cpu", cpu,
			 "node", c->node, "package", c->package, "core", c->core,
			 "smt_index", c->smt_index);
}

json_t *placement_json(const struct topology *t, const struct placement *p)
{
	json_t *o = json_object(), *v = json_array(), *nodes = json_array();
	bool used[1024] = { false };	/* MAX_NUMNODES is 1024 */
	char *buf;

	json_object_set_new(o, "initiator", cpu_json(t, p->initiator));
	used[t->cpu[p->initiator].node & 1023] = true;
	for (int i = 0; i < p->nvictims; i++) {
		json_array_append_new(v, cpu_json(t, p->victim[i]));
		used[t->cpu[p->victim[i]].node & 1023] = true;
	}
	json_object_set_new(o, "victims", v);
	if (p->ninit) {
		json_t *in = json_array();

		/* each initiator with its own victims */
		for (int i = 0; i < p->ninit; i++) {
			json_t *c = cpu_json(t, p->per[i].initiator);
			json_t *pv = json_array();

			for (int j = 0; j < p->per[i].nvictims; j++)
				json_array_append_new(pv,
					json_integer(p->per[i].victim[j]));
			json_object_set_new(c, "victims", pv);
			json_array_append_new(in, c);
			used[t->cpu[p->per[i].initiator].node & 1023] = true;
		}
		json_object_set_new(o, "initiators", in);
	}
	for (int n = 0; n < 1024; n++)
		if (used[n])
			json_array_append_new(nodes, json_integer(n));
	json_object_set_new(o, "nodes", nodes);
	/* the whole pool, however long: a truncated list names other CPUs */
	buf = cpulist_str(p->cpus.cpu, p->cpus.n);
	json_object_set_new(o, "cpus", json_string(buf ? buf : "?"));
	free(buf);
	json_object_set_new(o, "mem_node", p->mem_node >= 0 ?
			    json_integer(p->mem_node) : json_string("local"));
	json_object_set_new(o, "topology_source", json_string(t->source));
	json_object_set_new(o, "nr_nodes", json_integer(t->nr_nodes));
	return o;
}

/*
 * The machine at a glance, for a patch posting: sockets, nodes, cores and
 * threads per core of the online CPUs.  Counted from the same topology the
 * placement used, so the two never disagree.
 */
json_t *topo_summary_json(const struct topology *t)
{
	int sockets = 0, cores = 0, smt = 1;
	int seen_pkg[1024] = { 0 };

	for (int i = 0; i < t->online.n; i++) {
		const struct cpu_topo *c = &t->cpu[t->online.cpu[i]];

		if (c->package >= 0 && c->package < 1024 &&
		    !seen_pkg[c->package]++)
			sockets++;
		/* a core is counted once, at its first thread */
		if (c->smt_index == 0)
			cores++;
		if (c->smt_index + 1 > smt)
			smt = c->smt_index + 1;
	}
	return json_pack("{s:i, s:i, s:i, s:i, s:i, s:s}",
			 "sockets", sockets ? sockets : 1, "nodes", t->nr_nodes,
			 "cores", cores ? cores : t->online.n,
			 "threads_per_core", smt, "cpus_online", t->online.n,
			 "source", t->source);
}

void placement_free(struct placement *p)
{
	for (int i = 0; p->per && i < p->ninit; i++)
		free(p->per[i].victim);
	free(p->per);
	p->per = NULL;
	p->ninit = 0;
	free(p->victim);
	cpulist_free(&p->cpus);
	p->victim = NULL;
}
