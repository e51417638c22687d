/*
 * allocbench.c - the allocation loop of the memory-profile overhead
 * benchmark (bench/heap/run.sh, issue #4).
 *
 *   allocbench THREADS OPS_PER_THREAD
 *   -> "allocbench threads=T ops/thread=N secs=S ns/op=X cpu_ns/op=Y
 *       minflt=F nivcsw=C"
 *
 * Each thread owns 4096 slots. One op frees the block in a random slot and
 * puts a new block of 16..4095 bytes there, allocated through a chain of six
 * noinline functions, so a sampled stack has the depth of a small service
 * call path; the first byte is written so the block is really used. The
 * shape is the one of the allocation loop the peers were measured with
 * (docs/PERFORMANCE.md), so the figures compare. It is almost nothing but
 * malloc and free: the worst case for a heap profiler.
 *
 * ns/op is wall time of the loop only (threads started to threads joined)
 * over all ops, so a profiler's start-up and its profile written at exit
 * are left out. cpu_ns/op is the process's CPU time over the same span
 * (it includes a profiler's own threads, not the helper processes of
 * heaptrack). minflt and nivcsw are the page faults and the involuntary
 * context switches of the process over the same span: what a noisy run
 * may have suffered (bench/heap/run.sh relates them to its time). Built
 * -O2 -g -fno-omit-frame-pointer, as services are.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#define ALLOCBENCH_SLOTS 4096
#define ALLOCBENCH_MIN_SIZE 16
#define ALLOCBENCH_SIZE_SPAN 4080
#define ALLOCBENCH_MAX_THREADS 64

/* One per thread, each on its own cache lines. */
struct allocbench_thread {
	pthread_t id;
	uint64_t rng; /* xorshift64 state; owner thread only */
	long ops;
	void *slots[ALLOCBENCH_SLOTS];
} __attribute__((aligned(64)));

static __attribute__((noinline)) void *allocbench_call6(size_t size)
{
	char *p = malloc(size);

	if (p != NULL)
		p[0] = 1;
	return p;
}

static __attribute__((noinline)) void *allocbench_call5(size_t size)
{
	return allocbench_call6(size);
}

static __attribute__((noinline)) void *allocbench_call4(size_t size)
{
	return allocbench_call5(size);
}

static __attribute__((noinline)) void *allocbench_call3(size_t size)
{
	return allocbench_call4(size);
}

static __attribute__((noinline)) void *allocbench_call2(size_t size)
{
	return allocbench_call3(size);
}

static __attribute__((noinline)) void *allocbench_call1(size_t size)
{
	return allocbench_call2(size);
}

static uint64_t allocbench_next(struct allocbench_thread *t)
{
	uint64_t x = t->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	t->rng = x;
	return x;
}

static void *allocbench_run(void *arg)
{
	struct allocbench_thread *t = arg;

	for (long i = 0; i < t->ops; i++) {
		uint64_t x = allocbench_next(t);
		unsigned k = (unsigned)(x % ALLOCBENCH_SLOTS);

		free(t->slots[k]);
		t->slots[k] = allocbench_call1(ALLOCBENCH_MIN_SIZE +
					       (x >> 32) % ALLOCBENCH_SIZE_SPAN);
	}
	for (unsigned k = 0; k < ALLOCBENCH_SLOTS; k++)
		free(t->slots[k]);
	return NULL;
}

static double allocbench_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double allocbench_cpu(const struct rusage *ru)
{
	return (double)(ru->ru_utime.tv_sec + ru->ru_stime.tv_sec) +
	       (double)(ru->ru_utime.tv_usec + ru->ru_stime.tv_usec) / 1e6;
}

int main(int argc, char **argv)
{
	struct allocbench_thread *threads;
	struct rusage r0, r1;
	double w0, w1, total;
	long nthreads, ops;

	if (argc != 3) {
		fprintf(stderr, "usage: allocbench THREADS OPS_PER_THREAD\n");
		return 2;
	}
	nthreads = strtol(argv[1], NULL, 10);
	ops = strtol(argv[2], NULL, 10);
	if (nthreads < 1 || nthreads > ALLOCBENCH_MAX_THREADS || ops < 1) {
		fprintf(stderr, "allocbench: 1..%d threads, at least 1 op\n",
			ALLOCBENCH_MAX_THREADS);
		return 2;
	}
	threads = aligned_alloc(64, (size_t)nthreads * sizeof(*threads));
	if (threads == NULL) {
		perror("allocbench: aligned_alloc");
		return 1;
	}
	for (long i = 0; i < nthreads; i++) {
		threads[i].rng = 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1);
		threads[i].ops = ops;
		for (unsigned k = 0; k < ALLOCBENCH_SLOTS; k++)
			threads[i].slots[k] = NULL;
	}
	w0 = allocbench_wall();
	getrusage(RUSAGE_SELF, &r0);
	for (long i = 0; i < nthreads; i++) {
		if (pthread_create(&threads[i].id, NULL, allocbench_run,
				   &threads[i]) != 0) {
			perror("allocbench: pthread_create");
			return 1;
		}
	}
	for (long i = 0; i < nthreads; i++)
		pthread_join(threads[i].id, NULL);
	w1 = allocbench_wall();
	getrusage(RUSAGE_SELF, &r1);
	total = (double)ops * (double)nthreads;
	printf("allocbench threads=%ld ops/thread=%ld secs=%.3f ns/op=%.2f "
	       "cpu_ns/op=%.2f minflt=%ld nivcsw=%ld\n",
	       nthreads, ops, w1 - w0, (w1 - w0) * 1e9 / total,
	       (allocbench_cpu(&r1) - allocbench_cpu(&r0)) * 1e9 / total,
	       r1.ru_minflt - r0.ru_minflt, r1.ru_nivcsw - r0.ru_nivcsw);
	free(threads);
	return 0;
}
