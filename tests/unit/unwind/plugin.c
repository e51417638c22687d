/*
 * plugin.c - a library the unwinder tests dlopen after start. Built without
 * frame pointers, so only its unwind table gets a walk through it.
 */
#include <time.h>

#define PLUGIN_API __attribute__((noinline, visibility("default")))

static volatile unsigned long plugin_sink;

PLUGIN_API unsigned long cfi_plugin_leaf(unsigned long x)
{
	unsigned long a[32];

	for (int i = 0; i < 32; i++)
		a[i] = x * (unsigned long)i + plugin_sink;
	for (int k = 0; k < 200; k++)
		for (int i = 1; i < 32; i++)
			a[i] ^= a[i - 1] * 31 + (unsigned long)k;
	return a[31];
}

PLUGIN_API void cfi_plugin_spin(double cpu_s)
{
	struct timespec ts;
	double end;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	end = ts.tv_sec + ts.tv_nsec * 1e-9 + cpu_s;
	do {
		plugin_sink += cfi_plugin_leaf(plugin_sink);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	} while (ts.tv_sec + ts.tv_nsec * 1e-9 < end);
}
