/*
 * plugin.c - a shared library a test program dlopens while it is profiled:
 * its function must be found by name in the profile.
 */
#include <stdint.h>
#include <time.h>

static volatile uint64_t plugin_sink;

__attribute__((noinline)) int64_t plugin_burn(long ms);

__attribute__((noinline)) int64_t plugin_burn(long ms)
{
	struct timespec a, b;
	uint64_t x = 2463534242u;
	int64_t used;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
	do {
		for (int i = 0; i < 200000; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
		}
		plugin_sink += x;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
		used = (b.tv_sec - a.tv_sec) * 1000000000ll +
		       (b.tv_nsec - a.tv_nsec);
	} while (used < ms * 1000000);
	return used;
}
