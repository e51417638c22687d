/*
 * workloads.h - code that spends its time inside Debian's libraries built
 * without frame pointers, called from our frame-pointer code, for the
 * unwinder tests and the benchmark. Each wl_* runs for about `cpu_s`
 * seconds of the calling thread's CPU time.
 */
#ifndef CPROF_TESTS_UNIT_UNWIND_WORKLOADS_H
#define CPROF_TESTS_UNIT_UNWIND_WORKLOADS_H

enum wl_kind {
	WL_QSORT, WL_SNPRINTF, WL_REGEXEC, WL_ZLIB, WL_CXX, WL_BN, WL_MEMCPY,
	WL_VDSO, WL_SIGHANDLER, WL_ALTSTACK, WL_COUNT
};

extern const char *const wl_names[WL_COUNT]; /* the wl_* function names */

/* Runs workload k for cpu_s seconds of thread CPU time. */
void wl_run(enum wl_kind k, double cpu_s);

/* The workload functions themselves (exported: tests look for them in
 * sampled stacks by name). */
int wl_cmp_int(const void *a, const void *b);
void wl_qsort(double cpu_s);
void wl_snprintf(double cpu_s);
void wl_regexec(double cpu_s);
void wl_zlib(double cpu_s);
void wl_cxx(double cpu_s);
void wl_bn(double cpu_s);
void wl_memcpy(double cpu_s);
void wl_vdso(double cpu_s);
void wl_in_handler(int sig);
void wl_sighandler(double cpu_s);
void wl_altstack(double cpu_s);

/* The C++ stream workload lives in workloads_cxx.cpp. */
#ifdef __cplusplus
extern "C" void wl_cxx_step(void);
#else
void wl_cxx_step(void);
#endif

#endif
