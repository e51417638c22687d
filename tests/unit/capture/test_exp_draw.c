/*
 * test_exp_draw.c - the sampler's exponential draws without libm's log:
 * the logarithm agrees with libm's across the uniform's whole range, and a
 * million draws have the exponential's mean and variance, both compared
 * with libm's log on the very same uniforms (the approximation's bias,
 * which must stay far under 0.1 % of the rate) and with the exact
 * exponential's moments (within 5 standard deviations of the estimate).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "capture/exp_draw.h"

#define DRAWS 1000000
#define MEAN 524288.0

/* Powers of two and the points between them where the series is widest
 * (the reduction's edges at sqrt(1/2) and sqrt(2)), down to the smallest
 * uniform, and random points. */
static void test_log_matches_libm(void **state)
{
	uint64_t rng = 0x243f6a8885a308d3ull;
	double worst = 0;

	for (int e = 0; e <= 53; e++) {
		double p = ldexp(1.0, -e);
		double xs[] = { p, p * 0.70710678118654746, p * 0.70710678118654757,
				p * 0.99999999999, p * 0.5000000001 };

		for (size_t i = 0; i < sizeof(xs) / sizeof(xs[0]); i++) {
			double d = fabs(cprof__exp_log(xs[i]) - log(xs[i]));

			worst = d > worst ? d : worst;
		}
	}
	for (int i = 0; i < DRAWS; i++) {
		double u = cprof__exp_uniform(cprof__exp_next(&rng));
		double d = fabs(cprof__exp_log(u) - log(u));

		worst = d > worst ? d : worst;
	}
	print_message("largest |ln error|: %.3g\n", worst);
	assert_true(worst < 1e-9);
}

static void test_moments(void **state)
{
	uint64_t fast_rng = 0x13198a2e03707344ull, exact_rng = fast_rng;
	double sum = 0, sum2 = 0, exact_sum = 0, exact_sum2 = 0;
	double mean, var, exact_mean, exact_var;

	for (int i = 0; i < DRAWS; i++) {
		double d = cprof__exp_draw(&fast_rng, MEAN);
		double x = -log(cprof__exp_uniform(cprof__exp_next(&exact_rng))) *
			   MEAN;

		sum += d;
		sum2 += d * d;
		exact_sum += x;
		exact_sum2 += x * x;
	}
	mean = sum / DRAWS;
	var = sum2 / DRAWS - mean * mean;
	exact_mean = exact_sum / DRAWS;
	exact_var = exact_sum2 / DRAWS - exact_mean * exact_mean;
	print_message("mean %.6g (libm %.6g), variance / mean^2 %.6f (libm "
		      "%.6f)\n",
		      mean / MEAN, exact_mean / MEAN, var / (MEAN * MEAN),
		      exact_var / (MEAN * MEAN));
	/* The approximation's own bias on the same uniforms. */
	assert_true(fabs(mean - exact_mean) < 1e-6 * MEAN);
	assert_true(fabs(var - exact_var) < 1e-6 * MEAN * MEAN);
	/* Against the exponential: the sample mean's sd is MEAN/1000, the
	 * sample variance's is sqrt(8/n) = 0.28 % of MEAN^2. */
	assert_true(fabs(mean - MEAN) < 5 * MEAN / 1000);
	assert_true(fabs(var - MEAN * MEAN) < 5 * 0.0028 * MEAN * MEAN);
}

/* The uniform never reaches 0 (the draw is finite); at the top it rounds
 * to 1 (the draw is 0: the next allocation is sampled), never above. */
static void test_uniform_ends(void **state)
{
	assert_true(cprof__exp_uniform(0) > 0);
	assert_true(isfinite(cprof__exp_log(cprof__exp_uniform(0))));
	assert_true(cprof__exp_uniform(UINT64_MAX) <= 1);
	assert_true(cprof__exp_log(cprof__exp_uniform(UINT64_MAX)) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_matches_libm),
		cmocka_unit_test(test_moments),
		cmocka_unit_test(test_uniform_ends),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
