/*
 * short_threads.c - a CPU ground truth with many short-lived threads.
 *
 * A long-lived thread burns in burn_long while the main thread creates, one
 * after another, short threads that each burn a fixed amount of their own
 * CPU time and exit: per round, 10 threads of 200 us in burn_short200 and
 * one of 2 ms in burn_short2ms. Each thread measures the CPU it used
 * (CLOCK_THREAD_CPUTIME_ID) and adds it to its function's total. At the end
 * it prints those totals and the CPU time of the whole process since main
 * started (CLOCK_PROCESS_CPUTIME_ID):
 *
 *   cpu_ns long=N short200=N short2ms=N process=N
 *
 * Options: --rounds N (default 300).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static _Atomic int64_t used_long, used_short200, used_short2ms;
static _Atomic bool stop;
static volatile uint64_t sink;

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Burns ~20 us of work between clock reads: short enough to stop near a
 * 200 us budget, long enough that time in clock_gettime (where a
 * frame-pointer walk loses the burn function's frame) stays negligible. */
static uint64_t burn_chunk(uint64_t x)
{
	for (int i = 0; i < 20000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	return x;
}

#define DEFINE_BURN(name, total)                                            \
	__attribute__((noinline)) void *name(void *arg)                     \
	{                                                                    \
		int64_t budget = (int64_t)(intptr_t)arg;                     \
		int64_t start = clock_ns(CLOCK_THREAD_CPUTIME_ID), now;      \
		uint64_t x = 88172645463325252ull;                           \
		do {                                                         \
			x = burn_chunk(x);                                   \
			sink += x;                                           \
			now = clock_ns(CLOCK_THREAD_CPUTIME_ID);             \
		} while (now - start < budget && !atomic_load(&stop));       \
		atomic_fetch_add(&total, now - start);                       \
		return NULL;                                                 \
	}

DEFINE_BURN(burn_short200, used_short200)
DEFINE_BURN(burn_short2ms, used_short2ms)
DEFINE_BURN(burn_long, used_long)

static void run_short(void *(*fn)(void *), int64_t budget_ns)
{
	pthread_t t;

	if (pthread_create(&t, NULL, fn, (void *)(intptr_t)budget_ns) != 0) {
		perror("pthread_create");
		exit(1);
	}
	pthread_join(t, NULL);
}

int main(int argc, char **argv)
{
	int rounds = 300;
	int64_t proc_start = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	pthread_t long_thread;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
			rounds = atoi(argv[++i]);
	if (pthread_create(&long_thread, NULL, burn_long,
			   (void *)(intptr_t)INT64_MAX) != 0)
		return 1;
	for (int r = 0; r < rounds; r++) {
		for (int i = 0; i < 10; i++)
			run_short(burn_short200, 200000);
		run_short(burn_short2ms, 2000000);
	}
	atomic_store(&stop, true);
	pthread_join(long_thread, NULL);
	printf("cpu_ns long=%lld short200=%lld short2ms=%lld process=%lld\n",
	       (long long)atomic_load(&used_long),
	       (long long)atomic_load(&used_short200),
	       (long long)atomic_load(&used_short2ms),
	       (long long)(clock_ns(CLOCK_PROCESS_CPUTIME_ID) - proc_start));
	return 0;
}
