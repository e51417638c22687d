/*
 * busy.c - the demo's stand-in for a service: a few worker threads that do
 * different kinds of work in known proportions until they are stopped.
 *
 *   checksum workers (2)  crc-like loop over a buffer        ~ 50 %
 *   sort worker (1)       sorts fresh arrays with qsort       ~ 25 %
 *   math worker (1)       a numeric series with sqrt/sin      ~ 25 %
 *
 * It knows nothing of cprof: the demo preloads libcprof.so and reads its
 * profile over HTTP. Runs until SIGINT/SIGTERM or for argv[1] seconds.
 */
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static volatile uint64_t sink;

static void on_stop(int signo) { stop = 1; }

__attribute__((noinline)) static uint32_t checksum_block(const uint8_t *p,
							 size_t n)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return ~c;
}

static void *checksum_worker(void *arg)
{
	static uint8_t block[64 << 10];

	memset(block, 0x5a, sizeof(block));
	while (!stop)
		sink += checksum_block(block, sizeof(block));
	return NULL;
}

static int compare_ints(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

__attribute__((noinline)) static void sort_batch(int *v, size_t n,
						 unsigned *seed)
{
	for (size_t i = 0; i < n; i++)
		v[i] = rand_r(seed);
	qsort(v, n, sizeof(*v), compare_ints);
}

static void *sort_worker(void *arg)
{
	static int v[20000];
	unsigned seed = 42;

	while (!stop)
		sort_batch(v, sizeof(v) / sizeof(v[0]), &seed);
	return NULL;
}

__attribute__((noinline)) static double math_series(int n)
{
	double s = 0;

	for (int i = 1; i <= n; i++)
		s += sqrt((double)i) * sin((double)i);
	return s;
}

static void *math_worker(void *arg)
{
	while (!stop)
		sink += (uint64_t)math_series(100000);
	return NULL;
}

int main(int argc, char **argv)
{
	void *(*workers[])(void *) = {checksum_worker, checksum_worker,
				      sort_worker, math_worker};
	pthread_t threads[4];
	int seconds = argc > 1 ? atoi(argv[1]) : 0;

	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	for (int i = 0; i < 4; i++)
		pthread_create(&threads[i], NULL, workers[i], NULL);
	for (int t = 0; !stop && (seconds == 0 || t < seconds * 10); t++)
		usleep(100000);
	stop = 1;
	for (int i = 0; i < 4; i++)
		pthread_join(threads[i], NULL);
	printf("busy: stopped\n");
	return 0;
}
