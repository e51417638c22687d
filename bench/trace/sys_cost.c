/*
 * sys_cost.c - what the trace's choices rest on, measured on this machine
 * (bench/trace/run.sh prints it): ns per clock_gettime(CLOCK_MONOTONIC)
 * (the vDSO) and per rdtsc, and the CPU time per 4 KiB of first-touching
 * fresh anonymous memory in 4 KiB pages and in a 2 MiB region advised as a
 * huge page (MADV_HUGEPAGE). Medians of 5 runs:
 *
 *   clock_gettime_ns=N rdtsc_ns=N fault_4k_ns=N fault_huge_per_4k_ns=N
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <x86intrin.h>

#include "../bench_clock.h"

#define CLOCK_LOOPS 2000000
#define REGION (64u << 20)
#define HUGE (2u << 20)

static double median5(double *v)
{
	for (int i = 0; i < 5; i++)
		for (int j = i + 1; j < 5; j++)
			if (v[j] < v[i]) {
				double t = v[i];

				v[i] = v[j];
				v[j] = t;
			}
	return v[2];
}

static volatile int64_t sink;

static double clock_cost(int tsc)
{
	int64_t t0 = bench_mono_ns();

	for (int i = 0; i < CLOCK_LOOPS; i++)
		sink += tsc ? (int64_t)__rdtsc() : bench_mono_ns();
	return (double)(bench_mono_ns() - t0) / CLOCK_LOOPS;
}

/* CPU ns per 4 KiB of touching REGION fresh bytes, huge-page advised or
 * not. */
static double fault_cost(int huge)
{
	char *p = mmap(NULL, REGION + HUGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a;
	int64_t c0;

	if (p == MAP_FAILED)
		return -1;
	a = (char *)(((uintptr_t)p + HUGE - 1) & ~(uintptr_t)(HUGE - 1));
	if (huge)
		madvise(a, REGION, MADV_HUGEPAGE);
	c0 = bench_cpu_ns();
	for (size_t i = 0; i < REGION; i += 4096)
		a[i] = 1;
	c0 = bench_cpu_ns() - c0;
	munmap(p, REGION + HUGE);
	return (double)c0 / (REGION / 4096);
}

int main(void)
{
	double v[4][5];

	for (int k = 0; k < 5; k++) {
		v[0][k] = clock_cost(0);
		v[1][k] = clock_cost(1);
		v[2][k] = fault_cost(0);
		v[3][k] = fault_cost(1);
	}
	printf("clock_gettime_ns=%.1f rdtsc_ns=%.1f fault_4k_ns=%.0f "
	       "fault_huge_per_4k_ns=%.0f\n",
	       median5(v[0]), median5(v[1]), median5(v[2]), median5(v[3]));
	return 0;
}
