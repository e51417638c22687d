/*
 * capture_cost.c - what one CPU sample costs with a 64-frame stack
 * (issue #2: target at most 1.5 us per sample).
 *
 * Every measurement runs at the bottom of a frame-pointer recursion
 * CC_DEPTH (> CPROF_MAX_FRAMES) frames deep, so each walk records the full
 * 64 frames. Measured:
 *
 *   (a) the handler called directly on a getcontext() ucontext (no kernel),
 *       two of its parts alone (the 64-frame walk, the clock read) and,
 *       separately, the collector's cost to take a record off the ring;
 *   (b) the round trip with a real signal: rt_tgsigqueueinfo() to the
 *       calling thread with si_code SI_TIMER and cprof's cookie (what a CPU
 *       timer delivers; tgkill's SI_TKILL is ignored by the handler), the
 *       real handler installed as cprof installs it; with the handler on,
 *       with it off (the kernel's delivery and sigreturn alone), and, when
 *       libprofiler.so can be loaded, with gperftools' handler instead (the
 *       peer, in the same run, interleaved batch by batch).
 *
 * Each batch times CC_BATCH samples (CC_GPERF_BATCH for gperftools) on the
 * thread's CPU clock; a repetition's figure is the median of its batches
 * (a batch disturbed by other work on the host is an outlier, not a cost),
 * and the report gives the median, min and max over repetitions. The ring is
 * drained between batches so it never fills (a full ring drops samples,
 * which would make the handler look cheaper than it is).
 *
 * Usage: capture_cost [REPS [BATCHES]]; CPROF_BENCH_LIBPROFILER names the
 * gperftools library ("" skips it).
 */
#include <dlfcn.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "base/clock.h"
#include "capture/cpu_signal.h"
#include "capture/cpu_timer.h"
#include "capture/ring.h"
#include "capture/threads.h"
#include "capture/unwind.h"

/* The handler and its switch are not in a header (cpu_signal.c declares
 * them for itself); the benchmark calls them the same way. */

#define CC_DEPTH 100       /* frames below main when measuring */
#define CC_BATCH 512       /* samples per timed batch: under a quarter of
			   * CPROF_RING_SLOTS, so the ring never nears the
			   * half-full mark where it wakes the consumer */
#define CC_GPERF_BATCH 64  /* gperftools: its samples cost ~100x more */
#define CC_REPS 7          /* default repetitions */
#define CC_BATCHES 48      /* default batches per repetition */
#define CC_MAX_REPS 101
#define CC_MAX_BATCHES 1024

enum cc_measure {
	CC_HANDLER,       /* (a) handler called directly */
	CC_UNWIND,        /* (a) part: the 64-frame walk alone */
	CC_CLOCK,         /* (a) part: cprof__now_ns alone */
	CC_DRAIN,         /* collector: peek + release of one record */
	CC_SIGNAL_ON,     /* (b) real signal, cprof handler on */
	CC_SIGNAL_OFF,    /* (b) real signal, cprof handler off */
	CC_SIGNAL_GPERF,  /* (b) real signal, gperftools' handler */
	CC_SYSCALL,       /* context: one getppid() system call */
	CC_COUNT
};

static const char *const cc_names[CC_COUNT] = {
	"(a) cprof handler, called directly (no kernel)",
	"(a) part: frame-pointer walk of 64 frames",
	"(a) part: clock read (CLOCK_MONOTONIC, vDSO)",
	"collector: take one record off the ring (not in the handler)",
	"(b) real signal round trip, cprof handler",
	"(b) real signal round trip, handler off (kernel delivery only)",
	"(b) real signal round trip, gperftools libprofiler handler",
	"context: one getppid() system call",
};

static int cc_reps = CC_REPS;
static int cc_batches = CC_BATCHES;
static double cc_batch_ns[CC_COUNT][CC_MAX_BATCHES]; /* this rep's batches */
static double cc_ns[CC_COUNT][CC_MAX_REPS];          /* per rep: median */
static int cc_depth_min = CPROF_MAX_FRAMES + 1;
static int cc_depth_max;
static long cc_recorded;
static volatile int cc_sink;

/* gperftools, loaded at run time so the benchmark builds without it. */
static bool cc_gperf;
static void (*cc_gperf_stop)(void);
static char cc_gperf_path[64];
static struct sigaction cc_sa_cprof;
static struct sigaction cc_sa_gperf;

/* Batches are timed on the thread's CPU clock: it counts the kernel's work
 * for the thread (syscall, signal delivery, sigreturn) and not the time the
 * host gave to other processes, which on a shared 2-vCPU machine would
 * otherwise dominate a batch. */
static double cc_now(void)
{
	return (double)cprof__clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

static int cc_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double cc_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cc_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void cc_drain(void)
{
	const struct cprof__record *rec;

	while ((rec = cprof__ring_peek(&cprof__capture_ring)) != NULL) {
		if (rec->depth < cc_depth_min)
			cc_depth_min = rec->depth;
		if (rec->depth > cc_depth_max)
			cc_depth_max = rec->depth;
		cprof__ring_release(&cprof__capture_ring);
		cc_recorded++;
	}
}

static void cc_siginfo(siginfo_t *si)
{
	memset(si, 0, sizeof(*si));
	si->si_signo = SIGPROF;
	si->si_code = SI_TIMER;
	si->si_value.sival_int = CPROF_TIMER_COOKIE;
}

/* (a): the handler on a getcontext() ucontext, then the collector's drain;
 * batch k of each measure goes to cc_batch_ns[m][k]. */
static void cc_direct(int k, ucontext_t *uc, const siginfo_t *si_in)
{
	siginfo_t si = *si_in;
	long before = cc_recorded;
	double t0;

	atomic_store(&cprof__cpu_signal_enabled, true);
	t0 = cc_now();
	for (int i = 0; i < CC_BATCH; i++)
		cprof__cpu_signal_handler_as(SIGPROF, &si, uc);
	cc_batch_ns[CC_HANDLER][k] = (cc_now() - t0) / CC_BATCH;
	t0 = cc_now();
	cc_drain();
	cc_batch_ns[CC_DRAIN][k] = (cc_now() - t0) / CC_BATCH;
	if (cc_recorded - before != CC_BATCH) {
		fprintf(stderr, "capture_cost: %ld of %d samples recorded\n",
			cc_recorded - before, CC_BATCH);
		exit(1);
	}
}

/* (a)'s parts alone on the same ucontext: the walk (with the register copy
 * the handler makes first), the clock read; and a system call for
 * context. */
static void cc_parts(int k, ucontext_t *uc)
{
	struct cprof__thread *t = cprof__thread_self_as();
	struct cprof__regs regs;
	struct cprof__stack_bounds b;
	enum cprof__unwind_end end;
	uintptr_t pcs[CPROF_MAX_FRAMES];
	int64_t sum = 0;
	double t0;

	cprof__regs_from_ucontext_as(&regs, uc);
	if (t == NULL || !cprof__thread_stack_as(t, regs.r[CPROF_REG_RSP], &b)) {
		fprintf(stderr, "capture_cost: no stack bounds for this thread\n");
		exit(1);
	}
	t0 = cc_now();
	for (int i = 0; i < CC_BATCH; i++) {
		cprof__regs_from_ucontext_as(&regs, uc);
		sum += cprof__unwind_as(&regs, b, pcs, CPROF_MAX_FRAMES, &end);
	}
	cc_batch_ns[CC_UNWIND][k] = (cc_now() - t0) / CC_BATCH;
	t0 = cc_now();
	for (int i = 0; i < CC_BATCH; i++)
		sum += cprof__now_ns() & 1;
	cc_batch_ns[CC_CLOCK][k] = (cc_now() - t0) / CC_BATCH;
	t0 = cc_now();
	for (int i = 0; i < CC_BATCH; i++)
		sum += syscall(SYS_getppid) & 1;
	cc_batch_ns[CC_SYSCALL][k] = (cc_now() - t0) / CC_BATCH;
	cc_sink += (int)sum;
}


/* n signals to this thread, as a CPU timer would send them; ns per signal. */
static double cc_signals(const siginfo_t *si, int n)
{
	pid_t pid = getpid();
	pid_t tid = (pid_t)syscall(SYS_gettid);
	double t0 = cc_now();

	for (int i = 0; i < n; i++) {
		siginfo_t copy = *si;

		if (syscall(SYS_rt_tgsigqueueinfo, pid, tid, SIGPROF, &copy) !=
		    0) {
			perror("capture_cost: rt_tgsigqueueinfo");
			exit(1);
		}
	}
	return (cc_now() - t0) / n;
}

/* (b): one batch of each handler, interleaved. */
static void cc_roundtrip(int k, const siginfo_t *si)
{
	long before = cc_recorded;

	atomic_store(&cprof__cpu_signal_enabled, true);
	cc_batch_ns[CC_SIGNAL_ON][k] = cc_signals(si, CC_BATCH);
	cc_drain();
	if (cc_recorded - before != CC_BATCH) {
		fprintf(stderr, "capture_cost: %ld of %d signals recorded\n",
			cc_recorded - before, CC_BATCH);
		exit(1);
	}
	atomic_store(&cprof__cpu_signal_enabled, false);
	cc_batch_ns[CC_SIGNAL_OFF][k] = cc_signals(si, CC_BATCH);
	if (cc_gperf) {
		sigaction(SIGPROF, &cc_sa_gperf, NULL);
		cc_batch_ns[CC_SIGNAL_GPERF][k] = cc_signals(si, CC_GPERF_BATCH);
		sigaction(SIGPROF, &cc_sa_cprof, NULL);
	}
}

/* Runs at the bottom of the recursion: every repetition, (a) then (b). */
static __attribute__((noinline)) void cc_bottom(void)
{
	ucontext_t uc;
	siginfo_t si;

	cc_siginfo(&si);
	if (getcontext(&uc) != 0) {
		perror("capture_cost: getcontext");
		exit(1);
	}
	for (int rep = 0; rep < cc_reps; rep++) {
		for (int k = 0; k < cc_batches; k++) {
			cc_direct(k, &uc, &si);
			cc_parts(k, &uc);
			cc_roundtrip(k, &si);
		}
		for (int m = 0; m < CC_COUNT; m++)
			cc_ns[m][rep] = cc_median(cc_batch_ns[m], cc_batches);
	}
}

static __attribute__((noinline)) int cc_recurse(int depth)
{
	if (depth == 0) {
		cc_bottom();
		return 0;
	}
	/* The volatile read after the call keeps the frame (no tail call). */
	return cc_recurse(depth - 1) + cc_sink;
}

/* Starts gperftools' profiler (it refuses a signal that has a handler, so
 * it goes first), keeps its handler aside and resets the signal for
 * cprof. SIGPROF stays blocked meanwhile: gperftools' own ITIMER_PROF
 * (100 Hz) must not hit SIG_DFL. Once cprof's handler is in, those
 * signals carry SI_KERNEL and cprof ignores them. */
static void cc_gperf_load(void)
{
	const char *lib = getenv("CPROF_BENCH_LIBPROFILER");
	int (*start)(const char *fname);
	struct sigaction dfl;
	void *h;

	if (lib != NULL && lib[0] == '\0')
		return;
	h = dlopen(lib != NULL ? lib : "libprofiler.so.0", RTLD_NOW);
	if (h == NULL) {
		fprintf(stderr, "capture_cost: no gperftools (%s); its row is "
			"skipped\n", dlerror());
		return;
	}
	start = (int (*)(const char *))dlsym(h, "ProfilerStart");
	cc_gperf_stop = (void (*)(void))dlsym(h, "ProfilerStop");
	snprintf(cc_gperf_path, sizeof(cc_gperf_path),
		 "/tmp/capture_cost.%d.prof", (int)getpid());
	if (start == NULL || cc_gperf_stop == NULL || !start(cc_gperf_path))
		return;
	sigaction(SIGPROF, NULL, &cc_sa_gperf);
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigaction(SIGPROF, &dfl, NULL);
	cc_gperf = true;
}

static void cc_report(void)
{
	double med[CC_COUNT];

	printf("| measure (64-frame stack) | median ns/sample | min | max |\n");
	printf("|---|---:|---:|---:|\n");
	for (int m = 0; m < CC_COUNT; m++) {
		double *v = cc_ns[m];

		med[m] = cc_median(v, cc_reps);
		if (m == CC_SIGNAL_GPERF && !cc_gperf)
			continue;
		printf("| %s | %.0f | %.0f | %.0f |\n", cc_names[m], med[m],
		       v[0], v[cc_reps - 1]);
		if (m == CC_SIGNAL_GPERF || (m == CC_SIGNAL_OFF && !cc_gperf)) {
			printf("| (b) cprof handler minus handler off | %.0f "
			       "| | |\n", med[CC_SIGNAL_ON] - med[CC_SIGNAL_OFF]);
			if (cc_gperf)
				printf("| (b) gperftools handler minus handler "
				       "off | %.0f | | |\n",
				       med[CC_SIGNAL_GPERF] -
					       med[CC_SIGNAL_OFF]);
		}
	}
	printf("\n%d repetitions x %d batches x %d samples (gperftools: %d), "
	       "thread CPU time; a repetition's figure is the median of its "
	       "batches; %ld cprof records, depth %d..%d frames.\n", cc_reps,
	       cc_batches, CC_BATCH, CC_GPERF_BATCH, cc_recorded,
	       cc_depth_min, cc_depth_max);
}

int main(int argc, char **argv)
{
	sigset_t prof, saved;

	if (argc > 1)
		cc_reps = atoi(argv[1]);
	if (argc > 2)
		cc_batches = atoi(argv[2]);
	if (cc_reps < 1 || cc_reps > CC_MAX_REPS || cc_batches < 1 ||
	    cc_batches > CC_MAX_BATCHES) {
		fprintf(stderr, "usage: capture_cost [REPS (1..%d) [BATCHES "
			"(1..%d)]]\n", CC_MAX_REPS, CC_MAX_BATCHES);
		return 2;
	}
	sigemptyset(&prof);
	sigaddset(&prof, SIGPROF);
	sigprocmask(SIG_BLOCK, &prof, &saved);
	cc_gperf_load();
	if (cprof__threads_init() != 0 ||
	    cprof__thread_register_self(false) == NULL ||
	    cprof__ring_init(&cprof__capture_ring) != 0 ||
	    cprof__cpu_signal_install(SIGPROF) != 0) {
		fprintf(stderr, "capture_cost: cannot set up capture\n");
		return 1;
	}
	sigaction(SIGPROF, NULL, &cc_sa_cprof);
	sigprocmask(SIG_SETMASK, &saved, NULL);
	cc_recurse(CC_DEPTH);
	if (cc_gperf) {
		sigaction(SIGPROF, &cc_sa_gperf, NULL);
		cc_gperf_stop();
		unlink(cc_gperf_path);
	}
	cc_report();
	return 0;
}
