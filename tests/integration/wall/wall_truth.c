/*
 * wall_truth.c - a program whose wall-clock split is known, for the wall
 * profile test (wall.sh). Five threads exist for the whole run, each doing
 * one thing all the time, so each holds a fifth of the wall time:
 *
 *   main     holds the mutex and sleeps in nanosleep (main_hold);
 *   sleeper  nanosleep loop of 20 ms (sleep_loop);
 *   locker   blocked in pthread_mutex_lock on that mutex (lock_wait);
 *   burner   burns CPU (burn), under the label role=burner;
 *   poller   poll loop with a 30 ms timeout on no descriptors (poll_loop).
 *
 *   wall_truth DONE_FILE   runs until DONE_FILE exists, then prints
 *                          "done locker_rc=RC" and exits.
 *
 * stdout: "ready" once every thread has started. The label is pushed
 * through cprof_labels_push found with dlsym (the program runs without
 * cprof too).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool stop;
static atomic_int started;
static volatile uint64_t sink;
static int locker_rc = -1;

static void nap_ms(long ms)
{
	struct timespec ts = {0, ms * 1000000L};

	nanosleep(&ts, NULL);
}

static NOINLINE void sleep_loop(void)
{
	while (!stop)
		nap_ms(20);
	__asm__ volatile("" ::: "memory");
}

static NOINLINE void lock_wait(void)
{
	locker_rc = pthread_mutex_lock(&mu);
	if (locker_rc == 0)
		pthread_mutex_unlock(&mu);
	__asm__ volatile("" ::: "memory");
}

static NOINLINE void burn(void)
{
	while (!stop)
		for (int i = 0; i < 100000; i++)
			sink = sink * 6364136223846793005ull + 1;
	__asm__ volatile("" ::: "memory");
}

static NOINLINE void poll_loop(void)
{
	while (!stop)
		poll(NULL, 0, 30);
	__asm__ volatile("" ::: "memory");
}

static void *sleeper(void *arg)
{
	pthread_setname_np(pthread_self(), "sleeper");
	started++;
	sleep_loop();
	return arg;
}

static void *locker(void *arg)
{
	pthread_setname_np(pthread_self(), "locker");
	started++;
	lock_wait();
	return arg;
}

static void *burner(void *arg)
{
	int (*push)(const char *, const char *) =
		(int (*)(const char *, const char *))dlsym(
			RTLD_DEFAULT, "cprof_labels_push");

	pthread_setname_np(pthread_self(), "burner");
	if (push != NULL)
		push("role", "burner");
	started++;
	burn();
	return arg;
}

static void *poller(void *arg)
{
	pthread_setname_np(pthread_self(), "poller");
	started++;
	poll_loop();
	return arg;
}

static NOINLINE void main_hold(const char *done)
{
	while (access(done, F_OK) != 0)
		nap_ms(20);
	__asm__ volatile("" ::: "memory");
}

int main(int argc, char **argv)
{
	void *(*runs[])(void *) = {sleeper, locker, burner, poller};
	pthread_t th[4];

	if (argc != 2)
		return 2;
	pthread_mutex_lock(&mu);
	for (int i = 0; i < 4; i++)
		if (pthread_create(&th[i], NULL, runs[i], NULL) != 0)
			return 2;
	while (started < 4)
		nap_ms(1);
	printf("ready\n");
	fflush(stdout);
	main_hold(argv[1]);
	stop = true;
	pthread_mutex_unlock(&mu);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	printf("done locker_rc=%d\n", locker_rc);
	return 0;
}
