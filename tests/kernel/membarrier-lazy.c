// SPDX-License-Identifier: GPL-2.0
/*
 * mmb-membarrier-lazy: does MEMBARRIER_CMD_GLOBAL_EXPEDITED reach a
 * registered thread that switched in from its own lazily loaded mm?
 *
 * The kernel IPIs only CPUs whose rq->membarrier_state says the running
 * mm is registered, and refreshes that copy in context_switch() only when
 * prev->active_mm differs from next->mm.  Each route below leaves the
 * process's mm lazily loaded on CPU 1 with a copy that lacks the
 * registration, then runs a spinning thread there and calls
 * GLOBAL_EXPEDITED 1000 times from CPU 0, counting the call-function
 * IPIs CPU 1 receives (/proc/interrupts, CAL):
 *
 *   visit    the process runs on CPU 1 before it registers (as when it was
 *            exec'd there): registering a single-threaded process updates
 *            the caller's runqueue only
 *   exit     a thread of the registered process exits on CPU 1: exit_mm()
 *            clears the copy and leaves the mm loaded
 *   control  registration with the spinner already running, which updates
 *            every runqueue that runs the mm: the IPIs must arrive
 *
 * Every round is a fresh process.  A route is stale when most of its
 * rounds delivered under half of the IPIs.  Exit 0: no route stale;
 * 1: a route stale (the kernel bug patches/membarrier fixes); 2: bad
 * argument; 3: the control failed, so the count means nothing here;
 * 4: skipped (one CPU, no membarrier, no x86 CAL row to count).
 *
 * Run it in a quiet guest: anything with another mm that runs on CPU 1
 * between the setup and the calls refreshes the copy and hides the bug.
 */
#include <errno.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define CALLS	1000

enum route { VISIT, EXIT, CONTROL, NROUTES };
static const char *const names[] = { "visit", "exit", "control" };

static atomic_int stop, spinning;

static int membarrier(int cmd)
{
	return (int)syscall(__NR_membarrier, cmd, 0, 0);
}

static int pin(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	return sched_setaffinity(0, sizeof(s), &s);
}

/* CAL interrupts CPU 1 has received: the row's second column */
static long cal_cpu1(void)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char line[4096];
	long c0, c1 = -1;

	while (f && fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "CAL:");

		if (p && sscanf(p + 4, "%ld %ld", &c0, &c1) == 2)
			break;
	}
	if (f)
		fclose(f);
	return c1;
}

static void *spin(void *arg)
{
	if (pin(1))
		return NULL;
	atomic_store(&spinning, 1);
	while (!atomic_load(&stop))
		;
	return NULL;
}

static void *leave(void *arg)
{
	pin(1);
	return NULL;
}

/* one round in a fresh process: IPIs CPU 1 got, or -1 */
static long round_child(enum route r)
{
	pthread_t t;
	long before, after;

	if (pin(0))
		return -1;
	if (r == VISIT) {
		/* leave the mm lazily loaded on CPU 1 */
		if (pin(1) || pin(0))
			return -1;
		usleep(1000);
	}
	if (r != CONTROL && membarrier(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED))
		return -1;
	if (r == EXIT) {
		if (pthread_create(&t, NULL, leave, NULL))
			return -1;
		pthread_join(t, NULL);
	}
	if (pthread_create(&t, NULL, spin, NULL))
		return -1;
	while (!atomic_load(&spinning))
		usleep(100);
	usleep(10000);
	if (r == CONTROL && membarrier(MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED))
		return -1;
	before = cal_cpu1();
	for (int i = 0; i < CALLS; i++)
		if (membarrier(MEMBARRIER_CMD_GLOBAL_EXPEDITED))
			return -1;
	after = cal_cpu1();
	atomic_store(&stop, 1);
	pthread_join(t, NULL);
	return before < 0 || after < 0 ? -1 : after - before;
}

static long round_of(enum route r)
{
	int fd[2], status;
	long got = -1;
	pid_t pid;

	if (pipe(fd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		got = round_child(r);
		if (write(fd[1], &got, sizeof(got)) != sizeof(got))
			_exit(1);
		_exit(0);
	}
	close(fd[1]);
	if (read(fd[0], &got, sizeof(got)) != sizeof(got))
		got = -1;
	close(fd[0]);
	waitpid(pid, &status, 0);
	return got;
}

int main(int argc, char **argv)
{
	long rounds = 5, stale_routes = 0;
	char *end;
	int q;

	if (argc > 1) {
		errno = 0;
		rounds = strtol(argv[1], &end, 10);
		if (errno || *end || rounds < 1 || rounds > 1000) {
			fprintf(stderr, "mmb-membarrier-lazy: ROUNDS: '%s' is not a count from 1 to 1000\n",
				argv[1]);
			return 2;
		}
	}
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		fprintf(stderr, "mmb-membarrier-lazy: skip: needs 2 CPUs\n");
		return 4;
	}
	if (cal_cpu1() < 0) {
		fprintf(stderr, "mmb-membarrier-lazy: skip: no CAL row for CPU 1 in /proc/interrupts (x86 counts call-function IPIs there)\n");
		return 4;
	}
	q = membarrier(MEMBARRIER_CMD_QUERY);
	if (q < 0 || !(q & MEMBARRIER_CMD_GLOBAL_EXPEDITED)) {
		fprintf(stderr, "mmb-membarrier-lazy: skip: no MEMBARRIER_CMD_GLOBAL_EXPEDITED\n");
		return 4;
	}
	for (int r = 0; r < NROUTES; r++) {
		long low = 0;

		printf("%-8s", names[r]);
		for (long i = 0; i < rounds; i++) {
			long got = round_of(r);

			if (got < 0) {
				printf(" failed\n");
				return 1;
			}
			low += got < CALLS / 2;
			printf(" %ld", got);
		}
		printf("  (IPIs to CPU 1 per %d calls, per round)\n", CALLS);
		if (2 * low > rounds) {
			if (r == CONTROL) {
				printf("control: registered with the thread running, the IPIs still did not arrive: no verdict\n");
				return 3;
			}
			printf("%s: stale: GLOBAL_EXPEDITED skipped a running registered thread in %ld of %ld rounds\n",
			       names[r], low, rounds);
			stale_routes++;
		}
	}
	printf("verdict: %s\n", stale_routes ?
	       "rq->membarrier_state went stale under a lazy mm" :
	       "every route reached the running thread");
	return stale_routes ? 1 : 0;
}
