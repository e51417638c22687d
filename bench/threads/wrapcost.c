/*
 * wrapcost.c - the cost of a wrapped blocking call that does not block:
 * poll(NULL, 0, 0), a cheap syscall.
 *
 *   bench_threads_wrapcost CALLS
 *
 * Prints "running NS" (CPU ns of this thread per call, so that waiting for
 * a core on a loaded machine drops out; under LD_PRELOAD
 * of libcprof with cprof started, the breadcrumb enter+leave is in it),
 * then, when cprof is loaded, calls cprof_stop (found with dlsym) and
 * prints "stopped NS" (the wrapper's idle path: one flag load).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double wrapcost_ns_per_call(long calls)
{
	struct timespec a, b;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
	for (long i = 0; i < calls; i++)
		poll(NULL, 0, 0);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
	return ((double)(b.tv_sec - a.tv_sec) * 1e9 +
		(double)(b.tv_nsec - a.tv_nsec)) / (double)calls;
}

int main(int argc, char **argv)
{
	long calls = argc == 2 ? atol(argv[1]) : 0;
	int (*stop)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "cprof_stop");

	if (calls <= 0) {
		fprintf(stderr, "usage: %s CALLS\n", argv[0]);
		return 2;
	}
	wrapcost_ns_per_call(calls / 10); /* warm up */
	printf("running %.2f\n", wrapcost_ns_per_call(calls));
	if (stop != NULL) {
		stop();
		printf("stopped %.2f\n", wrapcost_ns_per_call(calls));
	}
	return 0;
}
