/*
 * trace_truth.c - a program with a known ground truth for the trace.
 *
 * Threads, each named with pthread_setname_np:
 *   burner   burns CPU for --burn-ms of its own CPU time;
 *   regions  runs --regions regions "work" of --region-ms each (sleeping
 *            inside them), inside a task "job" whose parent is the task
 *            "request" begun by main, logging once per region;
 *   waiter   waits --waits times --wait-ms each inside the public wait API
 *            (kind lock, "fake_lock"), then sleeps --wait-ms once more
 *            in a raw system call (unseen by the hooks),
 *            timed by itself and reported with cprof_trace_wait (kind
 *            sleep, "timed_sleep");
 *   sleeper  sleeps --sleeps times --sleep-ms each (nanosleep);
 *   locker   waits --locks times in pthread_mutex_lock (in lock_wait) for
 *            a mutex that holder holds --lock-ms each time (the two hand
 *            over through pipes, so the locker's only lock waits are
 *            those).
 * Then it prints what it measured:
 *
 *   truth burner_cpu_ns=N region_p50_ns=N region_max_ns=N regions=N
 *         waits=N wait_total_ns=N timed_ns=N sleep_total_ns=N lock_wait_ns=N
 *
 * region_p50_ns and region_max_ns are the median (nearest rank) and
 * longest measured region (CLOCK_MONOTONIC); wait_total_ns the measured
 * time inside the fake_lock waits, timed_ns that of the timed sleep,
 * sleep_total_ns the sleeper's in nanosleep and
 * lock_wait_ns the locker's in pthread_mutex_lock.
 * --burst N logs N messages from main as fast as it can (to overflow a
 * small trace buffer).
 * --loop repeats the threads' work until killed (for the HTTP tests), and
 * --flight PATH writes the flight recorder to PATH before exiting.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cprof.h"

static int burn_ms = 300, regions = 10, region_ms = 30, waits = 5;
static int wait_ms = 40, loop, burst;
static int sleeps = 5, sleep_each_ms = 40, locks = 5, lock_ms = 40;
static int64_t sleep_total_ns, lock_wait_ns;
static pthread_mutex_t held_lock = PTHREAD_MUTEX_INITIALIZER;
static int to_locker[2], to_holder[2];
static unsigned long long request_task;
static int64_t region_ns[4096], burner_cpu_ns, wait_total_ns, timed_ns;
static int n_region_ns;

static int64_t now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) != 0)
		;
}

/* A sleep cprof's hooks do not see (a raw system call, as a runtime with its
 * own syscalls or io_uring makes): the kind of wait cprof_trace_wait is for. */
static void raw_sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	while (syscall(SYS_nanosleep, &ts, &ts) != 0)
		;
}

static volatile uint64_t sink;

static __attribute__((noinline)) void burn_cpu(int ms)
{
	int64_t end = now_ns(CLOCK_THREAD_CPUTIME_ID) + (int64_t)ms * 1000000;

	while (now_ns(CLOCK_THREAD_CPUTIME_ID) < end)
		for (int i = 0; i < 10000; i++)
			sink = sink * 6364136223846793005ull + 1;
}

static void *burner(void *arg)
{
	pthread_setname_np(pthread_self(), "burner");
	do {
		int64_t t0 = now_ns(CLOCK_THREAD_CPUTIME_ID);

		burn_cpu(burn_ms);
		burner_cpu_ns += now_ns(CLOCK_THREAD_CPUTIME_ID) - t0;
	} while (loop);
	return NULL;
}

static void *region_worker(void *arg)
{
	pthread_setname_np(pthread_self(), "regions");
	do {
		unsigned long long job = cprof_trace_task_begin(request_task,
								"job");

		for (int i = 0; i < regions; i++) {
			int64_t t0 = now_ns(CLOCK_MONOTONIC);

			cprof_trace_region_begin(job, "work");
			sleep_ms(region_ms);
			cprof_trace_region_end(job, "work");
			if (n_region_ns < 4096)
				region_ns[n_region_ns++] =
					now_ns(CLOCK_MONOTONIC) - t0;
			cprof_trace_log(job, "progress", "one region done");
		}
		cprof_trace_task_end(job);
	} while (loop);
	return NULL;
}

static __attribute__((noinline)) void fake_lock_wait(void)
{
	int64_t t0 = now_ns(CLOCK_MONOTONIC);

	cprof_trace_wait_begin(CPROF_TRACE_WAIT_LOCK, "fake_lock");
	sleep_ms(wait_ms);
	cprof_trace_wait_end();
	/* not a tail call: this frame shows in the wait's stack */
	wait_total_ns += now_ns(CLOCK_MONOTONIC) - t0;
}

/* A wait timed by the program itself, reported with cprof_trace_wait. */
static __attribute__((noinline)) void timed_sleep_wait(void)
{
	int64_t t0 = now_ns(CLOCK_MONOTONIC), t1;

	raw_sleep_ms(wait_ms);
	t1 = now_ns(CLOCK_MONOTONIC);
	cprof_trace_wait(CPROF_TRACE_WAIT_SLEEP, "timed_sleep", t0, t1);
	timed_ns += t1 - t0; /* not a tail call */
}

static void *waiter(void *arg)
{
	pthread_setname_np(pthread_self(), "waiter");
	do {
		for (int i = 0; i < waits; i++)
			fake_lock_wait();
		if (waits > 0)
			timed_sleep_wait();
	} while (loop);
	return NULL;
}

static __attribute__((noinline)) void sleep_once(void)
{
	int64_t t0 = now_ns(CLOCK_MONOTONIC);

	sleep_ms(sleep_each_ms);
	sleep_total_ns += now_ns(CLOCK_MONOTONIC) - t0;
}

static void *sleeper(void *arg)
{
	pthread_setname_np(pthread_self(), "sleeper");
	do {
		for (int i = 0; i < sleeps; i++)
			sleep_once();
	} while (loop);
	return NULL;
}

static void pass_token(int fd)
{
	char c = 1;

	if (write(fd, &c, 1) != 1)
		abort();
}

static void take_token(int fd)
{
	char c;

	if (read(fd, &c, 1) != 1)
		abort();
}

/* Holds the mutex lock_ms while the locker waits for it, each round. */
static void *holder(void *arg)
{
	pthread_setname_np(pthread_self(), "holder");
	do {
		for (int i = 0; i < locks; i++) {
			pthread_mutex_lock(&held_lock);
			pass_token(to_locker[1]);
			sleep_ms(lock_ms);
			pthread_mutex_unlock(&held_lock);
			take_token(to_holder[0]);
		}
	} while (loop);
	return NULL;
}

static __attribute__((noinline)) void lock_wait(void)
{
	int64_t t0 = now_ns(CLOCK_MONOTONIC);

	pthread_mutex_lock(&held_lock);
	lock_wait_ns += now_ns(CLOCK_MONOTONIC) - t0;
	pthread_mutex_unlock(&held_lock);
}

static void *locker(void *arg)
{
	pthread_setname_np(pthread_self(), "locker");
	do {
		for (int i = 0; i < locks; i++) {
			take_token(to_locker[0]);
			lock_wait();
			pass_token(to_holder[1]);
		}
	} while (loop);
	return NULL;
}

static int cmp_ns(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	const char *flight = NULL;
	pthread_t t[6];
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--loop") == 0)
			loop = 1;
		else if (i + 1 < argc && strcmp(argv[i], "--burn-ms") == 0)
			burn_ms = atoi(argv[++i]);
		else if (i + 1 < argc && strcmp(argv[i], "--regions") == 0)
			regions = atoi(argv[++i]);
		else if (i + 1 < argc && strcmp(argv[i], "--region-ms") == 0)
			region_ms = atoi(argv[++i]);
		else if (i + 1 < argc && strcmp(argv[i], "--waits") == 0)
			waits = atoi(argv[++i]);
		else if (i + 1 < argc && strcmp(argv[i], "--wait-ms") == 0)
			wait_ms = atoi(argv[++i]);
		else if (i + 1 < argc && strcmp(argv[i], "--flight") == 0)
			flight = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--burst") == 0)
			burst = atoi(argv[++i]);
		else if (i + 1 < argc && strcmp(argv[i], "--sleeps") == 0)
			sleeps = atoi(argv[++i]);
		else if (i + 1 < argc && strcmp(argv[i], "--sleep-ms") == 0)
			sleep_each_ms = atoi(argv[++i]);
		else if (i + 1 < argc && strcmp(argv[i], "--locks") == 0)
			locks = atoi(argv[++i]);
		else if (i + 1 < argc && strcmp(argv[i], "--lock-ms") == 0)
			lock_ms = atoi(argv[++i]);
	}
	request_task = cprof_trace_task_begin(0, "request");
	cprof_trace_log(request_task, "start", "threads starting");
	pthread_create(&t[0], NULL, burner, NULL);
	pthread_create(&t[1], NULL, region_worker, NULL);
	if (pipe(to_locker) != 0 || pipe(to_holder) != 0)
		return 1;
	pthread_create(&t[2], NULL, waiter, NULL);
	pthread_create(&t[3], NULL, sleeper, NULL);
	pthread_create(&t[4], NULL, holder, NULL);
	pthread_create(&t[5], NULL, locker, NULL);
	for (int i = 0; i < burst; i++)
		cprof_trace_log(request_task, "burst", "as fast as it can");
	for (int i = 0; i < 6; i++)
		pthread_join(t[i], NULL);
	cprof_trace_task_end(request_task);
	if (flight != NULL && (rc = cprof_trace_flight_write(flight)) != 0)
		fprintf(stderr, "cprof_trace_flight_write: %s\n",
			cprof_strerror(rc));
	qsort(region_ns, (size_t)n_region_ns, sizeof(region_ns[0]), cmp_ns);
	printf("truth burner_cpu_ns=%lld region_p50_ns=%lld region_max_ns=%lld "
	       "regions=%d waits=%d wait_total_ns=%lld timed_ns=%lld "
	       "sleep_total_ns=%lld lock_wait_ns=%lld\n",
	       (long long)burner_cpu_ns,
	       (long long)(n_region_ns ? region_ns[(n_region_ns + 1) / 2 - 1] : 0),
	       (long long)(n_region_ns ? region_ns[n_region_ns - 1] : 0),
	       n_region_ns, waits, (long long)wait_total_ns,
	       (long long)timed_ns, (long long)sleep_total_ns,
	       (long long)lock_wait_ns);
	return rc != 0;
}
