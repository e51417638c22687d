/*
 * sampling_prog.c - waits shorter than the block rate, for the test of Go's
 * sampling rules (sampling.sh):
 *
 *   short_waits   4 threads x 250 condition-variable waits that time out
 *                 after 1 ms (nobody signals); each thread measures its
 *                 waits, and the total is printed as "short_wait_ns=N"
 *   held_section  2 threads x 60 rounds: lock, hold 1 ms, unlock
 *
 * sampling_prog DONE: prints "done" when all threads finished, then waits
 * until the file DONE exists.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define WAITERS 4
#define WAITS 250
#define HOLDERS 2
#define HOLDS 60

static pthread_cond_t never = PTHREAD_COND_INITIALIZER;
static pthread_mutex_t held = PTHREAD_MUTEX_INITIALIZER;
static atomic_llong waited_ns;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Each waiter has its own mutex: its waits are the condition variable's only. */
__attribute__((noinline)) static void short_waits(pthread_mutex_t *m)
{
	for (int i = 0; i < WAITS; i++) {
		struct timespec until;
		int64_t t0;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 1000000;
		until.tv_sec += until.tv_nsec / 1000000000;
		until.tv_nsec %= 1000000000;
		pthread_mutex_lock(m);
		t0 = now_ns();
		pthread_cond_timedwait(&never, m, &until);
		atomic_fetch_add(&waited_ns, now_ns() - t0);
		pthread_mutex_unlock(m);
	}
}

static void *waiter(void *arg)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;

	short_waits(&m);
	return arg;
}

__attribute__((noinline)) static void held_section(void)
{
	struct timespec ms = {0, 1000000};

	pthread_mutex_lock(&held);
	nanosleep(&ms, NULL);
	pthread_mutex_unlock(&held);
}

static void *holder(void *arg)
{
	for (int i = 0; i < HOLDS; i++)
		held_section();
	return arg;
}

int main(int argc, char **argv)
{
	pthread_t w[WAITERS], h[HOLDERS];

	if (argc != 2)
		return 2;
	for (int i = 0; i < WAITERS; i++)
		pthread_create(&w[i], NULL, waiter, NULL);
	for (int i = 0; i < HOLDERS; i++)
		pthread_create(&h[i], NULL, holder, NULL);
	for (int i = 0; i < WAITERS; i++)
		pthread_join(w[i], NULL);
	for (int i = 0; i < HOLDERS; i++)
		pthread_join(h[i], NULL);
	printf("short_wait_ns=%lld\ndone\n", (long long)atomic_load(&waited_ns));
	fflush(stdout);
	while (access(argv[1], F_OK) != 0)
		usleep(50000);
	return 0;
}
