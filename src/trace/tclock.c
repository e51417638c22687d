/*
 * tclock.c - the time-stamp counter as the waits' clock, calibrated against
 * CLOCK_MONOTONIC (see tclock.h).
 *
 * The calibration is one record under a sequence count. Its writer holds
 * the trace lock (trace_collect_locked: the collector's rounds and the
 * dumps), or is the first trace start, before any trace runs; it makes the
 * count odd, writes, makes it even; a hook reads the count, the
 * fields, the count again, and retries while they differ or the count is
 * odd. No lock, no syscall on the hook's side.
 */
#include "trace/tclock.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

/* Rounds shorter than this do not measure a new rate (the last one is
 * kept): a pair's read spread would weigh too much. */
#define TCLOCK_MIN_SPAN_NS 10000000
/* The first calibration spans this. */
#define TCLOCK_FIRST_SPAN_NS 2000000

bool cprof__trace_clock_tsc;

/* The calibration in use: seq odd while the writer changes it. */
static struct {
	_Atomic uint32_t seq;
	_Atomic int64_t ticks;  /* the point: counter */
	_Atomic int64_t ns;     /* the point: CLOCK_MONOTONIC */
	_Atomic uint64_t mult;  /* ns per tick << 32 */
} tclock_cal __attribute__((aligned(64)));

/* The writer's last point (the trace lock, or the first start). */
static int64_t tclock_last_ticks, tclock_last_ns;
static pthread_once_t tclock_once = PTHREAD_ONCE_INIT;

static inline int64_t tclock_rdtsc(void)
{
#if defined(__x86_64__)
	return (int64_t)__rdtsc();
#else
	return cprof__now_ns();
#endif
}

int64_t cprof__trace_clock_ticks(void)
{
	return cprof__trace_clock_tsc ? tclock_rdtsc() : cprof__now_ns();
}

/* True when the file's first line holds every word of words (a
 * NULL-terminated list): small files of /proc and /sys only. */
static bool tclock_file_has(const char *path, const char *const *words,
			    bool whole_file)
{
	char buf[8192];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	if (!whole_file)
		buf[strcspn(buf, "\n")] = '\0';
	for (; *words != NULL; words++)
		if (strstr(buf, *words) == NULL)
			return false;
	return true;
}

void cprof__trace_clock_init(void)
{
#if defined(__x86_64__)
	static const char *const flags[] = {" constant_tsc", " nonstop_tsc",
					    NULL};
	static const char *const tsc[] = {"tsc", NULL};

	/* The first CPU's flags (cpuinfo repeats them for each) and the
	 * kernel's own choice of clock. */
	cprof__trace_clock_tsc =
		tclock_file_has("/proc/cpuinfo", flags, true) &&
		tclock_file_has("/sys/devices/system/clocksource/clocksource0/"
				"current_clocksource",
				tsc, false);
#else
	cprof__trace_clock_tsc = false;
#endif
}

/* A (counter, CLOCK_MONOTONIC) pair read back to back: the tightest of
 * three tries, the counter taken as the middle of its two reads. */
static void tclock_pair(int64_t *ticks, int64_t *ns)
{
	int64_t best = INT64_MAX;

	for (int i = 0; i < 3; i++) {
		int64_t t0 = tclock_rdtsc();
		int64_t n = cprof__now_ns();
		int64_t t1 = tclock_rdtsc();

		if (t1 - t0 < best) {
			best = t1 - t0;
			*ticks = t0 + (t1 - t0) / 2;
			*ns = n;
		}
	}
}

static void tclock_publish(int64_t ticks, int64_t ns, uint64_t mult)
{
	uint32_t seq = atomic_load_explicit(&tclock_cal.seq,
					    memory_order_relaxed);

	atomic_store_explicit(&tclock_cal.seq, seq + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	atomic_store_explicit(&tclock_cal.ticks, ticks, memory_order_relaxed);
	atomic_store_explicit(&tclock_cal.ns, ns, memory_order_relaxed);
	atomic_store_explicit(&tclock_cal.mult, mult, memory_order_relaxed);
	atomic_store_explicit(&tclock_cal.seq, seq + 2, memory_order_release);
}

/* Takes a point; a new rate when the last point is at least min_span_ns
 * old. */
static void tclock_point(int64_t min_span_ns)
{
	int64_t ticks, ns;

	tclock_pair(&ticks, &ns);
	if (ns - tclock_last_ns < min_span_ns || ticks <= tclock_last_ticks)
		return;
	tclock_publish(ticks, ns,
		       (uint64_t)(((unsigned __int128)(ns - tclock_last_ns)
				   << 32) /
				  (uint64_t)(ticks - tclock_last_ticks)));
	tclock_last_ticks = ticks;
	tclock_last_ns = ns;
}

/* Two points TCLOCK_FIRST_SPAN_NS apart, sleeping between them (the raw
 * syscall: our own nanosleep hook would enter a breadcrumb). */
static void tclock_first(void)
{
	int64_t t0;

	tclock_pair(&tclock_last_ticks, &tclock_last_ns);
	t0 = tclock_last_ns;
	while (cprof__now_ns() - t0 < TCLOCK_FIRST_SPAN_NS) {
		struct timespec ts = {0, TCLOCK_FIRST_SPAN_NS / 4};

		syscall(SYS_nanosleep, &ts, NULL);
	}
	tclock_point(TCLOCK_FIRST_SPAN_NS);
	/* No rate (a counter that did not move forward): no trace runs
	 * yet, so nobody holds a reading in its units; use the clock. */
	if (atomic_load_explicit(&tclock_cal.mult, memory_order_relaxed) == 0)
		cprof__trace_clock_tsc = false;
}

void cprof__trace_clock_start(void)
{
	if (cprof__trace_clock_tsc)
		pthread_once(&tclock_once, tclock_first);
}

void cprof__trace_clock_tick(void)
{
	if (cprof__trace_clock_tsc)
		tclock_point(TCLOCK_MIN_SPAN_NS);
}

/* ticks as ns on the calibration (t0, n0, mult); ticks may precede t0
 * (a wait that began before the point). */
static inline int64_t tclock_convert(int64_t ticks, int64_t t0, int64_t n0,
				     uint64_t mult)
{
	if (ticks >= t0)
		return n0 + (int64_t)(((unsigned __int128)(uint64_t)(ticks - t0) *
				       mult) >> 32);
	return n0 - (int64_t)(((unsigned __int128)(uint64_t)(t0 - ticks) *
			       mult) >> 32);
}

void cprof__trace_clock_interval(int64_t begin_ticks, int64_t end_ticks,
				 int64_t *begin_ns, int64_t *end_ns)
{
	uint32_t seq;
	int64_t t0, n0;
	uint64_t mult;

	if (!cprof__trace_clock_tsc) {
		*begin_ns = begin_ticks;
		*end_ns = end_ticks > begin_ticks ? end_ticks : begin_ticks;
		return;
	}
	do {
		seq = atomic_load_explicit(&tclock_cal.seq,
					   memory_order_acquire);
		t0 = atomic_load_explicit(&tclock_cal.ticks,
					  memory_order_relaxed);
		n0 = atomic_load_explicit(&tclock_cal.ns, memory_order_relaxed);
		mult = atomic_load_explicit(&tclock_cal.mult,
					    memory_order_relaxed);
		atomic_thread_fence(memory_order_acquire);
	} while ((seq & 1) != 0 ||
		 atomic_load_explicit(&tclock_cal.seq,
				      memory_order_relaxed) != seq);
	*begin_ns = tclock_convert(begin_ticks, t0, n0, mult);
	*end_ns = end_ticks > begin_ticks
			  ? tclock_convert(end_ticks, t0, n0, mult)
			  : *begin_ns;
}
