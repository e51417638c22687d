/*
 * chain.c - the stack a walk benchmark climbs: four functions calling each
 * other round-robin, each with a small frame of its own. Compiled twice
 * (bench/unwind/CMakeLists.txt): CHAIN(x) names them fp_x, with frame
 * pointers, and nofp_x, without (then only CFI and libunwind get through).
 */
#include "bench_walk.h"

#define CHAIN_JOIN2(a, b) a##b
#define CHAIN_JOIN(a, b) CHAIN_JOIN2(a, b)
#define CHAIN(x) CHAIN_JOIN(CHAIN_PREFIX, x)

static volatile int chain_sink;

void CHAIN(a)(int n, struct bench_ctx *c);
void CHAIN(b)(int n, struct bench_ctx *c);
void CHAIN(c)(int n, struct bench_ctx *c);
void CHAIN(d)(int n, struct bench_ctx *c);

/* Each level keeps a few locals live across the call (so it has a real
 * frame) and does work after it (so the call is not a tail call). */
#define CHAIN_LEVEL(self, next)                                           \
	__attribute__((noinline)) void CHAIN(self)(int n, struct bench_ctx *c) \
	{                                                                 \
		volatile int local[4] = { n, n + 1, n + 2, n + 3 };       \
		if (n <= 0)                                               \
			bench_measure(c);                                 \
		else                                                      \
			CHAIN(next)(n - 1, c);                            \
		chain_sink += local[0] + local[3];                        \
	}

CHAIN_LEVEL(a, b)
CHAIN_LEVEL(b, c)
CHAIN_LEVEL(c, d)
CHAIN_LEVEL(d, a)
