/*
 * exp_draw.h - the allocation sampler's exponential draws: a xorshift
 * generator, a uniform in (0, 1) from it, and -ln of that uniform times
 * the mean.
 *
 * The logarithm is computed here rather than by libm's log, whose table
 * lookups cost about 60 instructions and several cache misses per sample
 * on a path that runs once per sampled allocation. The double's exponent
 * gives log2 to within a factor in [sqrt(1/2), sqrt(2)), and the atanh
 * series ln(m) = 2 (s + s^3/3 + s^5/5 + ...), s = (m - 1) / (m + 1),
 * |s| <= 0.172, does the rest: stopping after s^9 leaves an error below
 * 2 |s|^11 / 11 < 1e-9, far below what the sampling maths can notice (the
 * countdown's mean is off by less than 1e-8 of the rate; the unit test
 * checks it against libm over a million draws).
 */
#ifndef CPROF_SRC_CAPTURE_EXP_DRAW_H
#define CPROF_SRC_CAPTURE_EXP_DRAW_H

#include <stdint.h>
#include <string.h>

/* Bits of sqrt(1/2): subtracting them before reading the exponent puts
 * the remaining factor in [sqrt(1/2), sqrt(2)). */
#define CPROF_EXP_SQRT_HALF_BITS 0x3fe6a09e667f3bcdull
#define CPROF_EXP_MANTISSA_MASK 0x000fffffffffffffull
#define CPROF_EXP_LN2 0.693147180559945309417

/* Next value of a xorshift64 generator; *state must not be 0. */
static inline uint64_t cprof__exp_next(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

/* Uniform in (0, 1): the top 53 bits, centred in their interval. */
static inline double cprof__exp_uniform(uint64_t bits)
{
	return ((double)(bits >> 11) + 0.5) * 0x1p-53;
}

/* ln(x) for a positive normal double x (all the uniform above yields). */
static inline double cprof__exp_log(double x)
{
	uint64_t b, ib;
	int64_t e;
	double m, s, z;

	memcpy(&b, &x, sizeof(b));
	ib = b - CPROF_EXP_SQRT_HALF_BITS;
	e = (int64_t)ib >> 52; /* x = 2^e * m, m in [sqrt(1/2), sqrt(2)) */
	b = (ib & CPROF_EXP_MANTISSA_MASK) + CPROF_EXP_SQRT_HALF_BITS;
	memcpy(&m, &b, sizeof(m));
	s = (m - 1.0) / (m + 1.0);
	z = s * s;
	return (double)e * CPROF_EXP_LN2 +
	       2.0 * s *
		       (1.0 + z * (1.0 / 3 +
				   z * (1.0 / 5 + z * (1.0 / 7 + z * (1.0 / 9)))));
}

/* An exponential draw with mean `mean` from the generator's next value. */
static inline double cprof__exp_draw(uint64_t *state, double mean)
{
	return -cprof__exp_log(cprof__exp_uniform(cprof__exp_next(state))) *
	       mean;
}

#endif
