/*
 * crumb_cost.c - what a breadcrumb adds to a wrapped call, alone: a
 * function that enters and leaves a crumb around nothing, against the
 * same function without it, and with crumbs off (cprof stopped: the one
 * flag load). Linked against the capture objects, on a registered thread,
 * as the wrappers run. CPU time of this thread, so scheduling noise on a
 * loaded machine mostly drops out.
 *
 *   bench_threads_crumb_cost CALLS   prints "plain NS", "crumb NS",
 *                                    "off NS" (ns per call)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "capture/crumb.h"
#include "capture/threads.h"

static __attribute__((noinline)) int crumb_cost_plain(int x)
{
	__asm__ volatile("" : "+r"(x));
	return x;
}

static __attribute__((noinline)) int crumb_cost_crumb(int x)
{
	struct cprof__thread *t = CPROF_CRUMB_ENTER("bench");

	__asm__ volatile("" : "+r"(x));
	cprof__crumb_leave_as(t);
	return x;
}

static double crumb_cost_run(int (*fn)(int), long calls)
{
	struct timespec a, b;
	int x = 0;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
	for (long i = 0; i < calls; i++)
		x = fn(x);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
	return ((double)(b.tv_sec - a.tv_sec) * 1e9 +
		(double)(b.tv_nsec - a.tv_nsec)) / (double)calls;
}

int main(int argc, char **argv)
{
	long calls = argc == 2 ? atol(argv[1]) : 0;

	if (calls <= 0) {
		fprintf(stderr, "usage: %s CALLS\n", argv[0]);
		return 2;
	}
	if (cprof__threads_init() != 0 ||
	    cprof__thread_register_self(false) == NULL)
		return 1;
	cprof__crumbs_enable(true);
	crumb_cost_run(crumb_cost_crumb, calls / 10);
	printf("plain %.3f\n", crumb_cost_run(crumb_cost_plain, calls));
	printf("crumb %.3f\n", crumb_cost_run(crumb_cost_crumb, calls));
	cprof__crumbs_enable(false);
	printf("off %.3f\n", crumb_cost_run(crumb_cost_crumb, calls));
	return 0;
}
