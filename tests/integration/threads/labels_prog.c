/*
 * labels_prog.c - labels around a CPU burn, allocations and thread creation
 * (linked with libcprof; profiles written by cprof_stop):
 *
 *   phase=burn        burn_labeled, 300 ms of CPU
 *   (no labels)       burn_plain, 200 ms
 *   phase=alloc,user=alice   alloc_labeled: 100 blocks of 1 KiB, kept
 *   phase=spawn       two threads, each child_burn 150 ms (inherited)
 *
 * labels_prog CPU_PROFILE HEAP_PROFILE
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cprof.h"

static void *volatile keep[100];
static volatile uint64_t sink;

static int64_t cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Each burn function has its own constant: identical bodies would be
 * folded into one function by the compiler (and named after one of them). */
#define DEFINE_BURN(name, k)                                                 \
	__attribute__((noinline)) static void name(int ms)                  \
	{                                                                    \
		int64_t end = cpu_ms() + ms;                                 \
		uint64_t x = 1;                                              \
		while (cpu_ms() < end) {                                     \
			for (int i = 0; i < 200000; i++)                     \
				x = x * 6364136223846793005ull + (k);        \
			sink += x;                                           \
		}                                                            \
	}

DEFINE_BURN(burn_labeled, 1)
DEFINE_BURN(burn_plain, 3)
DEFINE_BURN(child_burn, 5)

__attribute__((noinline)) static void alloc_labeled(void)
{
	for (int i = 0; i < 100; i++)
		keep[i] = malloc(1024);
}

static void *child(void *arg)
{
	child_burn(150);
	return arg;
}

static int check(int rc, const char *what)
{
	if (rc != 0) {
		fprintf(stderr, "%s: %s\n", what, cprof_strerror(rc));
		exit(1);
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct cprof_options o;
	pthread_t t[2];

	if (argc != 3)
		return 2;
	memset(&o, 0, sizeof(o));
	o.cpu_profile_path = argv[1];
	o.heap_profile_path = argv[2];
	o.mem_rate = 1;
	check(cprof_start(&o), "cprof_start");

	check(cprof_labels_push("phase", "burn"), "push");
	burn_labeled(300);
	check(cprof_labels_pop(), "pop");
	burn_plain(200);

	check(cprof_labels_push("phase", "alloc"), "push");
	check(cprof_labels_push("user", "alice"), "push");
	alloc_labeled();
	check(cprof_labels_pop(), "pop");
	check(cprof_labels_pop(), "pop");

	check(cprof_labels_push("phase", "spawn"), "push");
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, child, NULL);
	check(cprof_labels_pop(), "pop");
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);

	if (cprof_labels_pop() != CPROF_ESTATE ||
	    cprof_labels_push("", "x") != CPROF_EINVAL)
		return 3;
	check(cprof_stop(), "cprof_stop");
	printf("done\n");
	return 0;
}
