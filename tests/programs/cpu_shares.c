/*
 * cpu_shares.c - a program with a known CPU ground truth.
 *
 * Three functions burn CPU on three threads for fixed amounts of their own
 * CPU time (CLOCK_THREAD_CPUTIME_ID): alpha 3 units on a worker, beta 1 unit
 * on a second worker created later, gamma 2 units on the main thread. At the
 * end it prints the CPU time each burn function used and the threads' total
 * CPU time, so a test can compare the profile's shares and totals with the
 * truth:
 *
 *   thread_cpu_ns alpha=N beta=N gamma=N plugin=N total=N
 *
 * Options: --unit-ms N (default 400), --plugin PATH (dlopen PATH after the
 * start and burn one unit in its plugin_burn), --linked (built with
 * -DCPROF_TEST_LINKED: start cprof from main with the profile path given as
 * the next argument, after the alpha thread already runs, to cover threads
 * that exist before cprof starts).
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef CPROF_TEST_LINKED
#include "cprof.h"
#endif

static long unit_ms = 400;
static volatile uint64_t sink;

static int64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Burns until this thread has used `ms` more milliseconds of CPU. The
 * clock is read rarely (every ~0.2 ms of work): time inside clock_gettime
 * is not the burn function's own, and a frame-pointer walk from there loses
 * the burn function's frame. */
#define DEFINE_BURN(name)                                                    \
	__attribute__((noinline)) int64_t name(long ms)                     \
	{                                                                    \
		int64_t start = thread_cpu_ns(), now;                        \
		uint64_t x = 88172645463325252ull;                           \
		do {                                                         \
			for (int i = 0; i < 200000; i++) {                   \
				x ^= x << 13;                                \
				x ^= x >> 7;                                 \
				x ^= x << 17;                                \
			}                                                    \
			sink += x;                                           \
			now = thread_cpu_ns();                               \
		} while (now - start < ms * 1000000);                        \
		return now - start;                                          \
	}

DEFINE_BURN(burn_alpha)
DEFINE_BURN(burn_beta)
DEFINE_BURN(burn_gamma)

struct worker {
	int64_t (*burn)(long);
	long units;
	int64_t burn_ns;   /* CPU time inside the burn function */
	int64_t thread_ns; /* the thread's whole CPU time */
	pthread_t thread;
};

static void *worker_main(void *p)
{
	struct worker *w = p;

	w->burn_ns = w->burn(w->units * unit_ms);
	w->thread_ns = thread_cpu_ns();
	return NULL;
}

static int64_t run_plugin(const char *path)
{
	void *h = dlopen(path, RTLD_NOW);
	int64_t (*burn)(long);

	if (h == NULL) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		exit(1);
	}
	burn = (int64_t (*)(long))dlsym(h, "plugin_burn");
	if (burn == NULL) {
		fprintf(stderr, "dlsym: %s\n", dlerror());
		exit(1);
	}
	return burn(unit_ms);
}

int main(int argc, char **argv)
{
	struct worker alpha = {burn_alpha, 3, 0, 0, 0};
	struct worker beta = {burn_beta, 1, 0, 0, 0};
	const char *plugin = NULL;
	const char *linked_path = NULL;
	int64_t gamma_ns, plugin_ns = 0, main_ns;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--unit-ms") == 0 && i + 1 < argc)
			unit_ms = atol(argv[++i]);
		else if (strcmp(argv[i], "--plugin") == 0 && i + 1 < argc)
			plugin = argv[++i];
		else if (strcmp(argv[i], "--linked") == 0 && i + 1 < argc)
			linked_path = argv[++i];
	}
	pthread_create(&alpha.thread, NULL, worker_main, &alpha);
#ifdef CPROF_TEST_LINKED
	if (linked_path != NULL) {
		struct cprof_options o;
		int rc;

		memset(&o, 0, sizeof(o));
		o.cpu_profile_path = linked_path;
		rc = cprof_start(&o);
		if (rc != 0) {
			fprintf(stderr, "cprof_start: %s\n",
				cprof_strerror(rc));
			return 1;
		}
	}
#else
	(void)linked_path;
#endif
	pthread_create(&beta.thread, NULL, worker_main, &beta);
	gamma_ns = burn_gamma(2 * unit_ms);
	if (plugin != NULL)
		plugin_ns = run_plugin(plugin);
	pthread_join(alpha.thread, NULL);
	pthread_join(beta.thread, NULL);
	main_ns = thread_cpu_ns();
#ifdef CPROF_TEST_LINKED
	if (linked_path != NULL && cprof_stop() != 0)
		return 1;
#endif
	printf("thread_cpu_ns alpha=%lld beta=%lld gamma=%lld plugin=%lld "
	       "total=%lld\n",
	       (long long)alpha.burn_ns, (long long)beta.burn_ns,
	       (long long)gamma_ns, (long long)plugin_ns,
	       (long long)(alpha.thread_ns + beta.thread_ns + main_ns));
	return 0;
}
