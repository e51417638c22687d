/*
 * contention_prog.c - waits with a known ground truth, for the mutex and
 * block profiles (linked with libcprof for the labels; run with
 * CPROF_HTTP, the test fetches the profiles while it waits).
 *
 *   hot_section     3 threads x 12 rounds: lock `hot`, hold 20 ms, unlock;
 *                   labels lock=hot around each round
 *   cold_section    2 threads x 1000 rounds: lock `cold`, hold it ~2 us,
 *                   then 10 times as long without it (a thread preempted
 *                   while holding it, on a loaded machine, makes the other
 *                   wait a time slice: the holds must be a small share)
 *   cond_waiter     waits on a condition variable until main signals it,
 *                   300 ms after it began (its measured wait is printed)
 *   sem_waiter      sem_wait, posted 200 ms later
 *   join_waiter     joins a thread that sleeps 200 ms
 *   barrier_waiter  a 2-thread barrier the other side reaches 200 ms later
 *   rw_reader       rdlock while a writer holds the lock 200 ms
 *
 * contention_prog GO DONE: starts when the file GO exists, prints
 * "cond_wait_ms=N", the other waits (ms) by waiter, and "done" when every wait is over, then waits until
 * the file DONE exists.
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cprof.h"

#define HOT_THREADS 3
#define HOT_ROUNDS 12
#define HOT_HOLD_MS 20
#define COLD_THREADS 2
#define COLD_ROUNDS 1000

static pthread_mutex_t hot = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t cold = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t cond_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int cond_ready;
static int64_t cond_wait_ms;
/* The other single waits, measured by their threads: sem, join, barrier,
 * rdlock. */
static int64_t wait_ms[4];
static sem_t sem;
static pthread_barrier_t barrier;
static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static volatile uint64_t sink;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

__attribute__((noinline)) static void hot_section(void)
{
	cprof_labels_push("lock", "hot");
	pthread_mutex_lock(&hot);
	sleep_ms(HOT_HOLD_MS);
	pthread_mutex_unlock(&hot);
	cprof_labels_pop();
}

__attribute__((noinline)) static void cold_section(void)
{
	pthread_mutex_lock(&cold);
	for (int i = 0; i < 1000; i++)
		sink += (uint64_t)i * 7;
	pthread_mutex_unlock(&cold);
}

static void *hot_thread(void *arg)
{
	for (int i = 0; i < HOT_ROUNDS; i++)
		hot_section();
	return arg;
}

static void *cold_thread(void *arg)
{
	for (int i = 0; i < COLD_ROUNDS; i++) {
		cold_section();
		for (int k = 0; k < 10000; k++) /* ten times as long unlocked */
			sink += (uint64_t)k * 3;
	}
	return arg;
}

__attribute__((noinline)) static void cond_waiter_wait(void)
{
	int64_t t0 = now_ms();

	pthread_mutex_lock(&cond_mutex);
	while (!cond_ready)
		pthread_cond_wait(&cond, &cond_mutex);
	pthread_mutex_unlock(&cond_mutex);
	cond_wait_ms = now_ms() - t0;
}

static void *cond_waiter(void *arg)
{
	cond_waiter_wait();
	return arg;
}

__attribute__((noinline)) static void sem_waiter_wait(void)
{
	sem_wait(&sem);
}

static void *sem_waiter(void *arg)
{
	int64_t t0 = now_ms();

	sem_waiter_wait();
	wait_ms[0] = now_ms() - t0;
	return arg;
}

static void *sleeper(void *arg)
{
	sleep_ms(200);
	return arg;
}

__attribute__((noinline)) static void join_waiter_wait(pthread_t t)
{
	pthread_join(t, NULL);
}

static void *join_waiter(void *arg)
{
	pthread_t t;
	int64_t t0;

	pthread_create(&t, NULL, sleeper, NULL);
	t0 = now_ms();
	join_waiter_wait(t);
	wait_ms[1] = now_ms() - t0;
	return arg;
}

__attribute__((noinline)) static void barrier_waiter_wait(void)
{
	pthread_barrier_wait(&barrier);
}

static void *barrier_waiter(void *arg)
{
	int64_t t0 = now_ms();

	barrier_waiter_wait();
	wait_ms[2] = now_ms() - t0;
	return arg;
}

__attribute__((noinline)) static void rw_reader_wait(void)
{
	pthread_rwlock_rdlock(&rw);
	pthread_rwlock_unlock(&rw);
}

static void *rw_reader(void *arg)
{
	int64_t t0 = now_ms();

	rw_reader_wait();
	wait_ms[3] = now_ms() - t0;
	return arg;
}

/* The side of each single wait that ends it, 200 ms (cond: 300 ms) after
 * the waiters started; main holds `rw` for writing from the start. */
static void release_waiters(void)
{
	sleep_ms(200);
	pthread_rwlock_unlock(&rw);
	sem_post(&sem);
	pthread_barrier_wait(&barrier);
	sleep_ms(100);
	pthread_mutex_lock(&cond_mutex);
	cond_ready = 1;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&cond_mutex);
}

int main(int argc, char **argv)
{
	pthread_t hot_t[HOT_THREADS], cold_t[COLD_THREADS], single[5];
	void *(*singles[5])(void *) = {cond_waiter, sem_waiter, join_waiter,
				       barrier_waiter, rw_reader};

	if (argc != 3)
		return 2;
	while (access(argv[1], F_OK) != 0)
		sleep_ms(20);
	sem_init(&sem, 0, 0);
	pthread_barrier_init(&barrier, NULL, 2);
	pthread_rwlock_wrlock(&rw); /* released by release_waiters */
	for (int i = 0; i < 5; i++)
		pthread_create(&single[i], NULL, singles[i], NULL);
	for (int i = 0; i < HOT_THREADS; i++)
		pthread_create(&hot_t[i], NULL, hot_thread, NULL);
	for (int i = 0; i < COLD_THREADS; i++)
		pthread_create(&cold_t[i], NULL, cold_thread, NULL);
	release_waiters();
	for (int i = 0; i < 5; i++)
		pthread_join(single[i], NULL);
	for (int i = 0; i < HOT_THREADS; i++)
		pthread_join(hot_t[i], NULL);
	for (int i = 0; i < COLD_THREADS; i++)
		pthread_join(cold_t[i], NULL);
	printf("cond_wait_ms=%lld\nsem_waiter=%lld\njoin_waiter=%lld\n"
	       "barrier_waiter=%lld\nrw_reader=%lld\ndone\n",
	       (long long)cond_wait_ms, (long long)wait_ms[0],
	       (long long)wait_ms[1], (long long)wait_ms[2],
	       (long long)wait_ms[3]);
	fflush(stdout);
	while (access(argv[2], F_OK) != 0)
		sleep_ms(50);
	return 0;
}
