/*
 * lockbench.c - the cost of the synchronisation hooks (bench/contention).
 *
 *   lockbench pair N      N lock+unlock pairs of an uncontended mutex, with
 *                         one idle thread; prints "cpu_ns_per_pair X" (the
 *                         thread's CPU time per pair)
 *   lockbench pair1 N     the same in a single-threaded process
 *   lockbench timeout N   N timedlocks, deadline passed, of a mutex another
 *                         thread holds: the hook's contended path with a
 *                         wait of a few us; prints "ns_per_call X
 *                         cpu_ns_per_call Y"
 *
 * Why the idle thread: glibc (2.35+) takes non-atomic shortcuts for the
 * locks of a single-threaded process, which no service is and which any
 * profiler's own thread ends; "pair" compares like with like, "pair1"
 * shows what loading cprof costs a single-threaded program.
 *
 * A plain program: cprof is LD_PRELOADed by run.sh.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>


static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The loop thread's own CPU time: on a shared machine, time spent waiting
 * for a CPU is not the hooks' cost. */
static int64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
	       ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

static void *idle_thread(void *arg)
{
	pause();
	return arg;
}

static void bench_pair(long n, bool single)
{
	pthread_t t;
	int64_t t0;

	if (!single)
		pthread_create(&t, NULL, idle_thread, NULL);
	t0 = thread_cpu_ns();
	for (long i = 0; i < n; i++) {
		pthread_mutex_lock(&lock);
		pthread_mutex_unlock(&lock);
	}
	printf("cpu_ns_per_pair %.3f\n",
	       (double)(thread_cpu_ns() - t0) / (double)n);
	fflush(stdout);
	_exit(0); /* the idle thread never returns */
}

static void *holder_thread(void *arg)
{
	pthread_mutex_lock(&lock);
	pause();
	return arg;
}

/* Another thread holds the lock for ever; each timedlock with a deadline
 * in the past finds it taken (the hook's slow path) and times out at once
 * in the kernel: a wait of a few microseconds, which the block profile
 * records at rate 1. */
static void bench_timeout(long n)
{
	struct timespec past = {0, 0};
	pthread_t t;
	int64_t t0, c0;

	pthread_create(&t, NULL, holder_thread, NULL);
	while (pthread_mutex_trylock(&lock) == 0)
		pthread_mutex_unlock(&lock);
	t0 = now_ns();
	c0 = cpu_ns();
	for (long i = 0; i < n; i++)
		pthread_mutex_timedlock(&lock, &past);
	printf("ns_per_call %.1f cpu_ns_per_call %.1f\n",
	       (double)(now_ns() - t0) / (double)n,
	       (double)(cpu_ns() - c0) / (double)n);
	fflush(stdout);
	_exit(0);
}

int main(int argc, char **argv)
{
	long n = argc == 3 ? atol(argv[2]) : 0;

	if (n <= 0) {
		fprintf(stderr, "usage: lockbench pair|pair1|timeout N\n");
		return 2;
	}
	if (strcmp(argv[1], "pair") == 0 || strcmp(argv[1], "pair1") == 0)
		bench_pair(n, argv[1][4] == '1');
	else if (strcmp(argv[1], "timeout") == 0)
		bench_timeout(n);
	else
		return 2;
	return 0;
}
