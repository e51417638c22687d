/*
 * idle.c - a host with N mostly idle threads for the wall-profile
 * benchmark (run.sh): each thread waits WAIT_MS at a time in a wrapped
 * call (nanosleep, poll or pthread_cond_timedwait in turn by thread), does
 * a few microseconds of work, and waits again, as the idle workers of a
 * service do.
 *
 *   bench_wall_idle N WAIT_MS DONE_FILE   prints "ready" once the N
 *                                         threads run, exits when
 *                                         DONE_FILE exists.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static atomic_int started;
static long wait_ms;
static volatile uint64_t sink;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;

static __attribute__((noinline)) void work(void)
{
	for (int i = 0; i < 2000; i++)
		sink = sink * 6364136223846793005ull + 1;
}

static __attribute__((noinline)) void idle_wait(long kind, long ms)
{
	struct timespec ts = {ms / 1000, ms % 1000 * 1000000L};

	if (kind == 0) {
		nanosleep(&ts, NULL);
	} else if (kind == 1) {
		poll(NULL, 0, (int)ms);
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += ms / 1000;
		ts.tv_nsec += ms % 1000 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&mu);
		pthread_cond_timedwait(&cond, &mu, &ts);
		pthread_mutex_unlock(&mu);
	}
}

static void *worker(void *arg)
{
	long kind = (long)(intptr_t)arg % 3;
	long ms = wait_ms;

	started++;
	for (;;) {
		idle_wait(kind, ms);
		work();
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 3 ? atoi(argv[1]) : 0;
	pthread_t t;

	wait_ms = argc > 3 ? atol(argv[2]) : 0;
	if (n <= 0 || wait_ms <= 0)
		return 2;
	for (long i = 0; i < n; i++)
		if (pthread_create(&t, NULL, worker, (void *)(intptr_t)i) != 0)
			return 2;
	while (started < n)
		usleep(1000);
	printf("ready\n");
	fflush(stdout);
	while (access(argv[3], F_OK) != 0)
		usleep(50000);
	return 0;
}
