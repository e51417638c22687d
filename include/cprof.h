/*
 * cprof.h - the public API of libcprof.
 *
 * libcprof profiles the process it is loaded into and serves the profiles
 * over HTTP with the contract of Go's net/http/pprof, or writes them to files
 * at exit. It starts either from the program (cprof_start) or, with no code
 * change, from the environment when preloaded (LD_PRELOAD=libcprof.so and
 * CPROF_* variables; see README.md for every variable).
 *
 * Thread-safety: every function here may be called from any thread, but not
 * from a signal handler. Errors are negative CPROF_E* codes; 0 is success.
 */
#ifndef CPROF_H
#define CPROF_H

#ifdef __cplusplus
extern "C" {
#endif

#define CPROF_VERSION_MAJOR 0
#define CPROF_VERSION_MINOR 1
#define CPROF_VERSION_PATCH 0

#if defined(__GNUC__)
#define CPROF_API __attribute__((visibility("default")))
#else
#define CPROF_API
#endif

/* Error codes: negated errno values where one fits. */
#define CPROF_EINVAL (-22)   /* an option or argument is invalid */
#define CPROF_ENOMEM (-12)   /* out of memory */
#define CPROF_EBUSY (-16)    /* the resource is in use (a CPU profile runs) */
#define CPROF_EALREADY (-114) /* cprof is already started */
#define CPROF_ENOTSUP (-95)  /* not possible in this process */
#define CPROF_EIO (-5)       /* a file or socket operation failed */
#define CPROF_ESTATE (-77)   /* cprof is not started */

/*
 * Options for cprof_start. A zeroed struct means "the defaults": each field
 * left zero takes its CPROF_* environment variable when that is set, and the
 * documented default otherwise. Members are only ever appended, and the
 * reserved tail keeps the size stable when they are.
 */
struct cprof_options {
	/* "host:port" to serve /debug/pprof/ on; NULL: CPROF_HTTP, else no
	 * server. "1" or "" in CPROF_HTTP means 127.0.0.1:6060. */
	const char *http_addr;
	/* Profile CPU for the whole run and write the profile here at exit
	 * (cprof_stop or process exit). "%p" is replaced by the pid. */
	const char *cpu_profile_path;
	/* CPU sampling rate in Hz, 1..1000000; 0: CPROF_CPU_HZ, else 100. */
	int cpu_hz;
	/* Profiling signal; 0: CPROF_SIGNAL, else SIGPROF. */
	int signal;
	/* 1: diagnostics on stderr; 0: CPROF_DEBUG, else silent. */
	int debug;
	/* Mean bytes between sampled allocations for the heap and allocs
	 * profiles; 1 samples every allocation; -1 turns them off; 0:
	 * CPROF_MEM_RATE, else 524288 (Go's MemProfileRate). */
	long mem_rate;
	/* Write the heap profile here at exit; "%p" is replaced by the pid. */
	const char *heap_profile_path;
	/* 1: threads start with their creator's labels; -1: without;
	 * 0: CPROF_LABELS_INHERIT, else 1 (as Go's goroutines). */
	int labels_inherit;
	/* Mutex profile: 1 in this many contention events is recorded (Go's
	 * SetMutexProfileFraction); -1 turns it off; 0: CPROF_MUTEX_FRACTION,
	 * else 10. */
	long mutex_fraction;
	/* Block profile: waits of at least this many ns are all recorded,
	 * shorter ones with probability ns/rate (Go's SetBlockProfileRate);
	 * -1 turns it off; 0: CPROF_BLOCK_RATE, else 100000 (100 us). */
	long block_rate;
	/* Trace the whole run and write the trace here at exit (Chrome Trace
	 * Event JSON, gzip'd when the path ends in ".gz"); "%p" is the pid.
	 * NULL: CPROF_TRACE, else no whole-run trace. */
	const char *trace_path;
	/* Run the flight recorder, keeping the last N seconds (1..3600);
	 * 0: CPROF_TRACE_FLIGHT, else off. */
	int trace_flight_seconds;
	/* Bytes of each thread's trace buffer (1024..67108864); 0:
	 * CPROF_TRACE_BUFFER, else 262144. */
	int trace_buffer_bytes;
	/* Wall-clock profile rate in Hz (1..1000); 0: CPROF_WALL_HZ, else
	 * 100. */
	int wall_hz;
	void *reserved[8];
};

/* Starts profiling as the options say. CPROF_EALREADY if already started
 * (for instance from the environment when preloaded). */
CPROF_API int cprof_start(const struct cprof_options *options);

/* Stops everything cprof started, writes the at-exit profiles, and joins
 * cprof's threads. cprof_start may be called again afterwards. */
CPROF_API int cprof_stop(void);

/*
 * Profiler labels, as Go's pprof.Do: until the matching cprof_labels_pop,
 * every sample taken on the calling thread (CPU, heap and allocs,
 * threadcreate; mutex samples of its unlocks, block samples of its waits)
 * carries key=value, so that `go tool pprof -tagfocus` and
 * `-tags` can select and group by them. Pushes nest; a push of a key the
 * thread already has replaces its value until the pop. Strings are copied.
 * Errors: CPROF_EINVAL (empty key, a string over 256 bytes, nesting deeper
 * than 32), CPROF_ENOMEM (more than 65536 distinct label sets in the
 * process), CPROF_ESTATE (pop without push). Cheap: no system call; a
 * label set seen before costs a hash lookup. Works before cprof_start too.
 */
CPROF_API int cprof_labels_push(const char *key, const char *value);
CPROF_API int cprof_labels_pop(void);

/*
 * The execution trace (README.md, "The execution trace"): while a trace
 * runs (/debug/pprof/trace, CPROF_TRACE or the flight recorder
 * CPROF_TRACE_FLIGHT), these annotations appear on its timeline, as Go's
 * runtime/trace ones do. When no trace runs each costs one load and does
 * nothing. Strings are copied, cut at 255 bytes. Not for signal handlers.
 *
 * A task is a logical operation that may span threads: begin returns its
 * id (0 when no trace runs; 0 is also "no task" and "no parent"), end ends
 * it on any thread. A region is an interval on one thread, inside a task or
 * not: end it on the thread that began it, innermost first. A log is a
 * timestamped message with a category.
 */
CPROF_API int cprof_trace_enabled(void);
CPROF_API unsigned long long cprof_trace_task_begin(unsigned long long parent,
						    const char *name);
CPROF_API void cprof_trace_task_end(unsigned long long task);
CPROF_API void cprof_trace_region_begin(unsigned long long task,
					const char *name);
CPROF_API void cprof_trace_region_end(unsigned long long task,
				      const char *name);
CPROF_API void cprof_trace_log(unsigned long long task, const char *category,
			       const char *message);

/*
 * A wait interval on the calling thread, for blocking code cprof does not
 * interpose (its own hooks record their waits): begin before blocking, end
 * after. kind says what it waited on (the time split of `cprof trace`);
 * what names it (it must stay valid until the end; 31 bytes are kept).
 * Waits of 20 us or more carry the caller's stack. Nested begins are
 * ignored.
 */
#define CPROF_TRACE_WAIT_LOCK 1  /* a lock, condition, semaphore, join */
#define CPROF_TRACE_WAIT_CALL 2  /* a blocking call (read, poll, accept...) */
#define CPROF_TRACE_WAIT_SLEEP 3 /* a sleep */
CPROF_API void cprof_trace_wait_begin(int kind, const char *what);
CPROF_API void cprof_trace_wait_end(void);
/* A wait the caller timed itself (CLOCK_MONOTONIC, in ns), recorded as if
 * begin and end had been called at those times: no clock read here. */
CPROF_API void cprof_trace_wait(int kind, const char *what,
				long long begin_ns, long long end_ns);

/* Writes what the flight recorder holds (the last CPROF_TRACE_FLIGHT
 * seconds) to path as a trace, gzip'd when path ends in ".gz".
 * CPROF_ESTATE when no flight recorder runs, CPROF_EIO when the file cannot
 * be written. */
CPROF_API int cprof_trace_flight_write(const char *path);

/* A static, human-readable message for a CPROF_E* code. */
CPROF_API const char *cprof_strerror(int error);

#ifdef __cplusplus
}
#endif
#endif /* CPROF_H */
