/*
 * workloads.c - the C workloads for the unwinder tests (see workloads.h).
 *
 * Each wl_* is a separate, exported, never-inlined function so that a test
 * can check that a sampled stack holds it: the caller chain through the
 * library is right, not only "reaches main".
 */
#include "workloads.h"

#include <openssl/bn.h>
#include <regex.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#define WL_NOINLINE __attribute__((noinline, visibility("default")))

const char *const wl_names[WL_COUNT] = {
	"wl_qsort", "wl_snprintf", "wl_regexec", "wl_zlib", "wl_cxx",
	"wl_bn", "wl_memcpy", "wl_vdso", "wl_sighandler", "wl_altstack",
};

static volatile unsigned long wl_sink;

static double wl_cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

WL_NOINLINE int wl_cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

WL_NOINLINE void wl_qsort(double cpu_s)
{
	static int v[4096];
	double end = wl_cpu_now() + cpu_s;

	while (wl_cpu_now() < end) {
		for (int i = 0; i < 4096; i++)
			v[i] = (int)((i * 2654435761u) >> 7);
		qsort(v, 4096, sizeof(v[0]), wl_cmp_int);
	}
}

WL_NOINLINE void wl_snprintf(double cpu_s)
{
	char buf[256];
	double end = wl_cpu_now() + cpu_s;

	while (wl_cpu_now() < end)
		for (int i = 0; i < 200; i++)
			wl_sink += (unsigned long)snprintf(
				buf, sizeof(buf), "%d %s %.6f %x", i, "abc",
				i * 1.37, i);
}

WL_NOINLINE void wl_regexec(double cpu_s)
{
	static const char text[] =
		"the quick brown fox jumps over the lazy dog 1234 foo@bar.com "
		"and more text follows here to make the matcher work harder";
	regex_t re;
	double end = wl_cpu_now() + cpu_s;

	if (regcomp(&re, "([a-z]+)@([a-z]+)\\.(com|org)|[0-9]{5}", REG_EXTENDED))
		return;
	while (wl_cpu_now() < end)
		for (int i = 0; i < 50; i++)
			wl_sink += (unsigned long)regexec(&re, text, 0, NULL, 0);
	regfree(&re);
}

WL_NOINLINE void wl_zlib(double cpu_s)
{
	static unsigned char in[65536], out[70000];
	double end = wl_cpu_now() + cpu_s;

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)((i * 7 + (i >> 5)) % 61 + 'A');
	while (wl_cpu_now() < end) {
		uLongf n = sizeof(out);

		compress2(out, &n, in, sizeof(in), 6);
		wl_sink += n;
	}
}

WL_NOINLINE void wl_cxx(double cpu_s)
{
	double end = wl_cpu_now() + cpu_s;

	while (wl_cpu_now() < end)
		wl_cxx_step();
}

WL_NOINLINE void wl_bn(double cpu_s)
{
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *a = BN_new(), *p = BN_new(), *m = BN_new(), *r = BN_new();
	double end = wl_cpu_now() + cpu_s;

	BN_set_bit(a, 2040);
	BN_add_word(a, 12345);
	BN_set_bit(p, 2047);
	BN_add_word(p, 65537);
	BN_set_bit(m, 2047);
	BN_add_word(m, 1234567); /* odd: Montgomery */
	while (wl_cpu_now() < end)
		BN_mod_exp(r, a, p, m, ctx);
	BN_free(a);
	BN_free(p);
	BN_free(m);
	BN_free(r);
	BN_CTX_free(ctx);
}

WL_NOINLINE void wl_memcpy(double cpu_s)
{
	static char a[1 << 20], b[1 << 20];
	double end = wl_cpu_now() + cpu_s;

	while (wl_cpu_now() < end) {
		memcpy(b, a, sizeof(a));
		memset(a, (int)wl_sink, sizeof(a));
		wl_sink += (unsigned char)b[100];
	}
}

WL_NOINLINE void wl_vdso(double cpu_s)
{
	struct timespec ts;
	double end = wl_cpu_now() + cpu_s;

	while (wl_cpu_now() < end)
		for (int i = 0; i < 1000; i++) {
			clock_gettime(CLOCK_MONOTONIC, &ts);
			wl_sink += (unsigned long)ts.tv_nsec;
		}
}

/* CPU spent inside a host's signal handler: samples must cross
 * __restore_rt back into the code the signal interrupted. */
WL_NOINLINE void wl_in_handler(int sig)
{
	char buf[128];

	for (int i = 0; i < 2000; i++)
		wl_sink += (unsigned long)snprintf(buf, sizeof(buf), "%d %f",
						   i, i * 0.5);
}

static void wl_signal_loop(int sig, double cpu_s, bool onstack)
{
	struct sigaction sa, old;
	stack_t ss = { 0 }, old_ss;
	double end = wl_cpu_now() + cpu_s;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = wl_in_handler;
	sa.sa_flags = SA_RESTART | (onstack ? SA_ONSTACK : 0);
	sigemptyset(&sa.sa_mask);
	if (onstack) {
		ss.ss_size = 64 * 1024;
		ss.ss_sp = malloc(ss.ss_size);
		sigaltstack(&ss, &old_ss);
	}
	sigaction(sig, &sa, &old);
	while (wl_cpu_now() < end)
		raise(sig);
	sigaction(sig, &old, NULL);
	if (onstack) {
		sigaltstack(&old_ss, NULL);
		free(ss.ss_sp);
	}
}

WL_NOINLINE void wl_sighandler(double cpu_s)
{
	wl_signal_loop(SIGUSR1, cpu_s, false);
	wl_sink++; /* not a tail call: this frame must stay on the stack */
}

WL_NOINLINE void wl_altstack(double cpu_s)
{
	wl_signal_loop(SIGUSR2, cpu_s, true);
	wl_sink++;
}

void wl_run(enum wl_kind k, double cpu_s)
{
	static void (*const fn[WL_COUNT])(double) = {
		wl_qsort, wl_snprintf, wl_regexec, wl_zlib, wl_cxx,
		wl_bn, wl_memcpy, wl_vdso, wl_sighandler, wl_altstack,
	};

	fn[k](cpu_s);
	wl_sink++; /* keeps the call from being a tail call */
}
