/*
 * bench_walk.c - nanoseconds per stack walk: frame pointers, the CFI
 * tables (with and without the pc cache) and libunwind's unw_backtrace,
 * side by side, on 16-, 36- and 64-frame stacks, hot and cold; and the
 * tables' memory and build time for the objects of this process.
 *
 * "Hot": walks back to back, median of BENCH_HOT_ITERS. "Cold": a
 * BENCH_THRASH_BYTES buffer is written before each walk, evicting the CPU
 * caches (and the TLB) but not the pc cache's content, as between two
 * samples of a real profile; median of BENCH_COLD_ITERS.
 *
 * Usage: bench_unwind_walk [hot_iters cold_iters [walkers [warm]]]
 * walkers: a bit mask of fp=1, cfi+cache=2, cfi=4, libunwind=8 (default all)
 * warm: what to bring back between the buffer write and a cold walk, to
 * find what a cold walk pays for: a bit mask of the walker's shared page=1
 * (every line), its code=2 (a 2-frame CFI walk, which also reads line 0 of
 * the shared page), the stack=4 (every line from here to its top); 0 by
 * default
 */
#define UNW_LOCAL_ONLY
#include "bench_walk.h"

#include <dlfcn.h>
#include <libunwind.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture/cfi_registry.h"
#include "capture/cfi_walk.h"
#include "capture/unwind_select.h"

#define BENCH_HOT_ITERS 200000
#define BENCH_COLD_ITERS 2000
#define BENCH_THRASH_BYTES (32u << 20)
#define BENCH_MAX_FRAMES 128

static const int bench_depths[] = { 16, 36, 64 };
static const char *const bench_walker_names[BW_COUNT] = {
	"fp", "cfi+cache", "cfi", "libunwind",
};

static struct cprof__stack_bounds bench_bounds;
static unsigned char *bench_thrash_buf;
static double *bench_samples;
static double bench_clock_ns; /* cost of one timing pair */
static int bench_warm_mask;

static double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void bench_thrash(void)
{
	static unsigned round;

	round++;
	for (size_t i = 0; i < BENCH_THRASH_BYTES; i += 64)
		bench_thrash_buf[i] = (unsigned char)(round + i);
}

static int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(v[0]), bench_cmp);
	return v[n / 2];
}

__attribute__((noinline)) static int bench_walk_once(enum bench_walker w)
{
	struct cprof__regs regs;
	uintptr_t pcs[BENCH_MAX_FRAMES];
	enum cprof__unwind_end end;

	switch (w) {
	case BW_FP:
		cprof__cfi_regs_here_as(&regs);
		return cprof__unwind_fp_as(&regs, bench_bounds, pcs,
					   BENCH_MAX_FRAMES, &end);
	case BW_CFI:
	case BW_CFI_NOCACHE:
		cprof__cfi_regs_here_as(&regs);
		return cprof__cfi_unwind_as(&regs, bench_bounds, pcs,
					    BENCH_MAX_FRAMES, &end);
	default:
		return unw_backtrace((void **)pcs, BENCH_MAX_FRAMES);
	}
}

static __attribute__((noinline)) void bench_warm(void)
{
	volatile uintptr_t sink = 0;

	if (bench_warm_mask & 1)
		for (size_t i = 0; i < sizeof(cprof__cfi_shared); i += 64)
			sink += *((volatile const char *)&cprof__cfi_shared + i);
	if (bench_warm_mask & 2) {
		struct cprof__regs regs;
		uintptr_t pcs[2];
		enum cprof__unwind_end end;

		cprof__cfi_regs_here_as(&regs);
		cprof__cfi_unwind_as(&regs, bench_bounds, pcs, 2, &end);
	}
	if (bench_warm_mask & 4)
		for (uintptr_t a = (uintptr_t)__builtin_frame_address(0) & ~63ul;
		     a < bench_bounds.hi; a += 64)
			sink += *(volatile const uintptr_t *)a;
}

void bench_measure(struct bench_ctx *c)
{
	cprof__cfi_cache_enable(c->walker != BW_CFI_NOCACHE);
	c->frames = bench_walk_once(c->walker);
	for (int i = 0; i < c->iters; i++) {
		double t0, t1;

		if (c->cold) {
			bench_thrash();
			bench_warm();
		}
		t0 = bench_now();
		bench_walk_once(c->walker);
		t1 = bench_now();
		bench_samples[i] = t1 - t0 - bench_clock_ns;
	}
	c->median_ns = bench_median(bench_samples, c->iters);
	cprof__cfi_cache_enable(true);
}

static void bench_calibrate(void)
{
	for (int i = 0; i < 10001; i++) {
		double t0 = bench_now();

		bench_samples[i] = bench_now() - t0;
	}
	bench_clock_ns = bench_median(bench_samples, 10001);
}

static void bench_table_row(const char *name,
			    const struct cprof__cfi_object *o, void *arg)
{
	const char *base = strrchr(name, '/');

	printf("| %s | %u | %u | %.0f KB | %.2f ms | %.2f ms |\n",
	       name[0] ? (base ? base + 1 : name) : "(bench_unwind_walk)",
	       o->table->stats.fdes, o->table->nrows,
	       o->table->map_size / 1024.0, o->table->stats.build_ns / 1e6,
	       o->table->stats.build_cpu_ns / 1e6);
}

static void bench_tables(void)
{
	struct cprof__cfi_registry_stats st;

	printf("\n## Unwind tables of this process\n\n");
	printf("| object | FDEs | rows | bytes | build (wall) | build (CPU) |\n"
	       "|---|---|---|---|---|---|\n");
	cprof__cfi_registry_each(bench_table_row, NULL);
	cprof__cfi_registry_stats(&st);
	printf("| **all %u objects (first build)** | | %llu | %.0f KB | %.2f ms | "
	       "%.2f ms |\n", st.objects, (unsigned long long)st.rows,
	       st.table_bytes / 1024.0, st.build_ns / 1e6,
	       st.build_cpu_ns / 1e6);
	cprof__cfi_fini();
	cprof__cfi_init();
	cprof__cfi_registry_stats(&st);
	printf("| **all %u objects (rebuilt, pages warm)** | | %llu | %.0f KB | "
	       "%.2f ms | %.2f ms |\n", st.objects, (unsigned long long)st.rows,
	       st.table_bytes / 1024.0, st.build_ns / 1e6,
	       st.build_cpu_ns / 1e6);
}

int main(int argc, char **argv)
{
	int hot = argc > 2 ? atoi(argv[1]) : BENCH_HOT_ITERS;
	int cold = argc > 2 ? atoi(argv[2]) : BENCH_COLD_ITERS;
	int mask = argc > 3 ? atoi(argv[3]) : (1 << BW_COUNT) - 1;
	int max_iters = hot > cold ? hot : cold;
	struct bench_ctx c = { 0 };
	pthread_attr_t attr;
	void *addr;
	size_t size;
	int base;

	/* the libraries whose tables the issue asks about */
	bench_warm_mask = argc > 4 ? atoi(argv[4]) : 0;
	dlopen("libstdc++.so.6", RTLD_NOW);
	dlopen("libcrypto.so.3", RTLD_NOW);
	if (cprof__cfi_init() != 0)
		return 1;
	pthread_getattr_np(pthread_self(), &attr);
	pthread_attr_getstack(&attr, &addr, &size);
	bench_bounds.lo = (uintptr_t)addr;
	bench_bounds.hi = (uintptr_t)addr + size;
	bench_thrash_buf = malloc(BENCH_THRASH_BYTES);
	bench_samples = malloc(sizeof(double) * (size_t)(max_iters + 10001));
	if (bench_thrash_buf == NULL || bench_samples == NULL)
		return 1;
	memset(bench_thrash_buf, 1, BENCH_THRASH_BYTES);
	bench_calibrate();

	/* frames below the chain: a walk from the chain's first level */
	c.walker = BW_CFI;
	c.iters = 1;
	fp_a(0, &c);
	base = c.frames - 1;

	printf("# Stack walk cost (median ns per walk; frames reported in "
	       "parentheses)\n\n");
	printf("hot: %d walks, cold: %d walks each after writing %u MiB; "
	       "timer overhead %.0f ns subtracted\n\n",
	       hot, cold, BENCH_THRASH_BYTES >> 20, bench_clock_ns);
	printf("| stack | cache |");
	for (int w = 0; w < BW_COUNT; w++)
		printf(" %s |", bench_walker_names[w]);
	printf("\n|---|---|---|---|---|---|\n");
	for (int chain = 0; chain < 2; chain++) {
		for (size_t d = 0; d < sizeof(bench_depths) / sizeof(int); d++) {
			for (int k = 0; k < 2; k++) {
				printf("| %d frames, %s | %s |", bench_depths[d],
				       chain == 0 ? "frame pointers" :
						    "no frame pointers",
				       k ? "cold" : "hot");
				for (int w = 0; w < BW_COUNT; w++) {
					if (!(mask & 1 << w)) {
						printf(" - |");
						continue;
					}
					c.walker = (enum bench_walker)w;
					c.cold = k == 1;
					c.iters = k ? cold : hot;
					if (chain == 0)
						fp_a(bench_depths[d] - base - 1, &c);
					else
						nofp_a(bench_depths[d] - base - 1, &c);
					printf(" %.0f (%d) |", c.median_ns,
					       c.frames);
				}
				printf("\n");
				fflush(stdout);
			}
		}
	}
	bench_tables();
	cprof__cfi_fini();
	return 0;
}
