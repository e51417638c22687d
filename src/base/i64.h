/*
 * i64.h - int64 arithmetic on sample values as Go does it.
 *
 * Sample values come from files. go tool pprof adds, negates and scales
 * them as Go int64s: sums wrap on overflow, and a float64 out of range
 * converts to INT64_MIN (amd64's cvttsd2sq). The CLI and the merge use
 * these helpers wherever values from a profile meet arithmetic, so that a
 * huge or hostile profile gives Go's numbers instead of undefined
 * behaviour (the fuzz target runs with UBSan to keep it so).
 */
#ifndef CPROF_SRC_BASE_I64_H
#define CPROF_SRC_BASE_I64_H

#include <stdint.h>

static inline int64_t cprof__i64_add(int64_t a, int64_t b)
{
	return (int64_t)((uint64_t)a + (uint64_t)b);
}

static inline int64_t cprof__i64_neg(int64_t a)
{
	return (int64_t)(0 - (uint64_t)a);
}

static inline int64_t cprof__i64_abs(int64_t a)
{
	return a < 0 ? cprof__i64_neg(a) : a;
}

static inline int64_t cprof__i64_from_double(double d)
{
	if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
		return INT64_MIN;
	return (int64_t)d;
}

#endif
