/*
 * heap_late.c - cprof_start in a running program (linked with libcprof):
 * a thread that already allocated before the start must be profiled from
 * the start, like the thread that calls cprof_start.
 *
 *   heap_late PROFILE    starts cprof (every allocation sampled, heap
 *                        profile to PROFILE) after its worker thread has
 *                        allocated; then the worker (late_thread_site) and
 *                        main (late_main_site) each allocate LATE_BLOCKS
 *                        blocks, far below 1 MiB, kept live; cprof_stop
 *                        writes the profile. Prints "started" and exits 0.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "cprof.h"

#define LATE_BLOCKS 200
#define LATE_SIZE 2000

static void *volatile thread_blocks[LATE_BLOCKS];
static void *volatile main_blocks[LATE_BLOCKS];
static void *volatile sink;
static pthread_barrier_t before, after;

__attribute__((noinline)) void late_thread_site(void);
__attribute__((noinline)) void late_main_site(void);

__attribute__((noinline)) void late_thread_site(void)
{
	for (int i = 0; i < LATE_BLOCKS; i++)
		if ((thread_blocks[i] = malloc(LATE_SIZE)) == NULL)
			abort();
}

__attribute__((noinline)) void late_main_site(void)
{
	for (int i = 0; i < LATE_BLOCKS; i++)
		if ((main_blocks[i] = malloc(LATE_SIZE)) == NULL)
			abort();
}

static void *late_worker(void *arg)
{
	(void)arg;
	sink = malloc(100); /* an allocation while cprof is not started */
	free(sink);
	pthread_barrier_wait(&before);
	pthread_barrier_wait(&after);
	late_thread_site();
	return NULL;
}

int main(int argc, char **argv)
{
	struct cprof_options o = {0};
	pthread_t t;
	int rc;

	if (argc != 2)
		return 2;
	pthread_barrier_init(&before, NULL, 2);
	pthread_barrier_init(&after, NULL, 2);
	sink = malloc(100);
	free(sink);
	if (pthread_create(&t, NULL, late_worker, NULL) != 0)
		return 1;
	pthread_barrier_wait(&before);
	o.mem_rate = 1;
	o.heap_profile_path = argv[1];
	rc = cprof_start(&o);
	if (rc != 0) {
		fprintf(stderr, "cprof_start: %s\n", cprof_strerror(rc));
		return 1;
	}
	printf("started\n");
	pthread_barrier_wait(&after);
	late_main_site();
	pthread_join(t, NULL);
	return cprof_stop() == 0 ? 0 : 1;
}
