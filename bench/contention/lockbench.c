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
#define _GNU_SOURCE /* RTLD_DEFAULT */
#include <dlfcn.h>
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

#include "../bench_clock.h"


#define INPROC_BLOCKS 101

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* The loop thread's own CPU time: on a shared machine, time spent waiting
 * for a CPU is not the hooks' cost. */
static int64_t thread_cpu_ns(void)
{
	return bench_clock_ns(CLOCK_THREAD_CPUTIME_ID);
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
	t0 = bench_mono_ns();
	c0 = bench_cpu_ns();
	for (long i = 0; i < n; i++)
		pthread_mutex_timedlock(&lock, &past);
	printf("ns_per_call %.1f cpu_ns_per_call %.1f\n",
	       (double)(bench_mono_ns() - t0) / (double)n,
	       (double)(bench_cpu_ns() - c0) / (double)n);
	fflush(stdout);
	_exit(0);
}

typedef int (*lockbench_fn)(pthread_mutex_t *);

static int lockbench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* CPU ns per pair of n pairs through lock/unlock. One copy of the loop
 * for both sides (inlined copies differ in alignment, and so in speed). */
static __attribute__((noinline)) double pairs_through(lockbench_fn lk,
						     lockbench_fn unlk, long n)
{
	int64_t t0 = thread_cpu_ns();

	for (long i = 0; i < n; i++) {
		lk(&lock);
		unlk(&lock);
	}
	return (double)(thread_cpu_ns() - t0) / (double)n;
}

/*
 * In one process (run it with cprof preloaded): blocks of n pairs through
 * the interposed functions (what the program's calls reach: cprof's hooks)
 * alternate with blocks through libc's own, both called through a pointer,
 * so the only difference is the hooks. Prints the medians and the median of
 * the paired differences.
 */
static void bench_inproc(long n)
{
	void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	lockbench_fn hooked_lock = (lockbench_fn)dlsym(RTLD_DEFAULT, "pthread_mutex_lock");
	lockbench_fn hooked_unlock = (lockbench_fn)dlsym(RTLD_DEFAULT, "pthread_mutex_unlock");
	lockbench_fn libc_lock, libc_unlock;
	double hooked[INPROC_BLOCKS], direct[INPROC_BLOCKS], diff[INPROC_BLOCKS];
	pthread_t t;

	if (libc == NULL || hooked_lock == NULL || hooked_unlock == NULL)
		exit(1);
	libc_lock = (lockbench_fn)dlsym(libc, "pthread_mutex_lock");
	libc_unlock = (lockbench_fn)dlsym(libc, "pthread_mutex_unlock");
	if (libc_lock == NULL || libc_unlock == NULL)
		exit(1);
	pthread_create(&t, NULL, idle_thread, NULL);
	for (int b = 0; b < INPROC_BLOCKS; b++) {
		hooked[b] = pairs_through(hooked_lock, hooked_unlock, n);
		direct[b] = pairs_through(libc_lock, libc_unlock, n);
		diff[b] = hooked[b] - direct[b];
	}
	qsort(hooked, INPROC_BLOCKS, sizeof(double), lockbench_cmp);
	qsort(direct, INPROC_BLOCKS, sizeof(double), lockbench_cmp);
	qsort(diff, INPROC_BLOCKS, sizeof(double), lockbench_cmp);
	printf("hooked_cpu_ns_per_pair %.3f libc_cpu_ns_per_pair %.3f "
	       "added_cpu_ns_per_pair %.3f\n",
	       hooked[INPROC_BLOCKS / 2], direct[INPROC_BLOCKS / 2],
	       diff[INPROC_BLOCKS / 2]);
	fflush(stdout);
	_exit(0);
}

int main(int argc, char **argv)
{
	long n = argc == 3 ? atol(argv[2]) : 0;

	if (n <= 0) {
		fprintf(stderr, "usage: lockbench pair|pair1|inproc|timeout N\n");
		return 2;
	}
	if (strcmp(argv[1], "pair") == 0 || strcmp(argv[1], "pair1") == 0)
		bench_pair(n, argv[1][4] == '1');
	else if (strcmp(argv[1], "inproc") == 0)
		bench_inproc(n);
	else if (strcmp(argv[1], "timeout") == 0)
		bench_timeout(n);
	else
		return 2;
	return 0;
}
