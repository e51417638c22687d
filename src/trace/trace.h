/*
 * trace.h - the execution trace: what the rest of cprof calls.
 *
 * Producers (hooks, the public annotation API, the collector for CPU and
 * allocation samples) emit events only while a trace runs; the check is
 * one relaxed load of cprof__trace_active. Consumers are the timed trace
 * (/debug/pprof/trace, or CPROF_TRACE for the whole run: one at a time, as
 * Go allows one trace.Start) and the flight recorder (CPROF_TRACE_FLIGHT),
 * which may run together. The collector moves events from the per-thread
 * rings into each consumer's store on every round; a dump writes the Chrome
 * Trace Event JSON (json.c). docs/internals/trace.md has the details.
 */
#ifndef CPROF_SRC_TRACE_TRACE_H
#define CPROF_SRC_TRACE_TRACE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "capture/record.h"
#include "trace/event.h"

/* Go's error for a second trace.Start. */
#define CPROF_TRACE_BUSY_MESSAGE "tracing is already enabled"
/* A wait shorter than this carries no stack (a stack walk costs about a
 * microsecond; a wait this long makes it at most 5 % of the wait). */
#define CPROF_TRACE_WAIT_STACK_NS 20000
/* Longest flight-recorder window, in seconds. */
#define CPROF_TRACE_MAX_FLIGHT_SECONDS 3600

/* Non-zero while any consumer runs. Relaxed reads only. */
extern _Atomic int cprof__trace_active;

static inline bool cprof__trace_on(void)
{
	return atomic_load_explicit(&cprof__trace_active,
				    memory_order_relaxed) != 0;
}

/* Settings, before any trace starts: per-thread ring size in bytes
 * (rounded down to a power of two of slots) and the CPU sampling rate. */
void cprof__trace_configure(uint32_t buffer_bytes, int cpu_hz);

/* The timed trace. begin: CPROF_EBUSY when one runs. end: stops it and
 * appends the JSON to out (gzip'd when gz). */
int cprof__trace_begin(void);
int cprof__trace_end(struct cprof__buf *out, bool gz);
/* The flight recorder: keep the last `seconds`; dump appends the JSON of
 * that window to out. CPROF_ESTATE when no flight recorder runs. */
int cprof__trace_flight_start(int seconds);
int cprof__trace_flight_dump(struct cprof__buf *out, bool gz);
/* Stops every consumer and frees their stores (cprof_stop). */
void cprof__trace_stop_all(void);

/* Collector: moves what the threads wrote into the stores. */
void cprof__trace_collect(void);
/* Collector, collector lock held: a CPU or ALLOC record as an event. */
void cprof__trace_record_locked(const struct cprof__record *rec);

/* Hooks (ordinary context, not a signal handler). */
void cprof__trace_thread_start(uint32_t creator_tid);
void cprof__trace_thread_name(uintptr_t target, const char *name);
void cprof__trace_thread_exit(void);
/* Task ids for the annotation API (api.c). */
uint64_t cprof__trace_next_task_id(void);
/* An annotation event (api.c): kind, task id, another id or 0, text. */
void cprof__trace_emit_annotation(int kind, uint64_t task, uint64_t other,
				  const char *text, size_t n);

/*
 * A wait interval on the calling thread: begin before the blocking call,
 * end after it. `call` names it ("pthread_mutex_lock", "read"; it must stay
 * valid until the end; the first 31 bytes are kept); kind is one of
 * CPROF_TRACE_WAIT_* (cprof.h). end MUST be called directly from the hook
 * function (not as a tail call): the stack it records (waits of at least
 * CPROF_TRACE_WAIT_STACK_NS) starts at the hook's caller. Nested begins are
 * ignored. Cheap when no trace runs: one load. Nothing is recorded while
 * the thread's re-entry guard is raised (cprof's own work): call begin
 * before raising it.
 */
void cprof__trace_wait_begin(int kind, const char *call);
/* Or'ed into kind by cprof's own hooks: call is a string literal of
 * libcprof, kept by address instead of copied (event.h). */
#define CPROF_TRACE_WAIT_STATIC_NAME 0x80
void cprof__trace_wait_end(void);
/* The same for the public API, whose function is the "hook" (api.c). */
void cprof__trace_wait_end_skip(int skip);
/*
 * The same interval for a hook that times the call itself anyway (the
 * contention profile does): no clock read here; begin/end from
 * cprof__now_ns(). hook_frame is the hook's __builtin_frame_address(0)
 * (as CPROF_CRUMB_ENTER takes it): the stack starts at the hook's caller,
 * from wherever this is called.
 */
void cprof__trace_wait_interval(int kind, const char *call, int64_t begin_ns,
				int64_t end_ns, const void *hook_frame);

/* fork: the child runs no trace. */
void cprof__trace_atfork_prepare(void);
void cprof__trace_atfork_parent(void);
void cprof__trace_atfork_child(void);

#endif
