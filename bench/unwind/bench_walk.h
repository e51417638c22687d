/*
 * bench_walk.h - shared between the walk benchmark and its stack chains.
 */
#ifndef CPROF_BENCH_UNWIND_BENCH_WALK_H
#define CPROF_BENCH_UNWIND_BENCH_WALK_H

#include <stdbool.h>

enum bench_walker { BW_FP, BW_CFI, BW_CFI_NOCACHE, BW_LIBUNWIND, BW_COUNT };

struct bench_ctx {
	enum bench_walker walker;
	bool cold;
	int iters;
	double median_ns;
	int frames; /* frames the walker reported */
};

/* Runs the measurement from the bottom of a chain. */
void bench_measure(struct bench_ctx *c);

void fp_a(int n, struct bench_ctx *c);
void nofp_a(int n, struct bench_ctx *c);

#endif
