/*
 * thread_sample.h - one stack sample of another thread that is running,
 * taken without ever signalling a thread that may be blocked.
 *
 * The sampler arms a one-shot timer on the target thread's own CPU clock
 * (cpu_timer.h), aimed at that thread with the CPU profiling signal and
 * the cookie CPROF_SAMPLE_COOKIE. A CPU-time timer only expires while its
 * thread runs, and on kernels with task-work CPU timers (>= 5.9, x86) the
 * signal is generated on the thread's way back to user mode: it can never
 * be left pending across a blocking call, so it can never cause an EINTR
 * (reference/blocked-threads.md §6). A thread that blocks before its timer
 * fires is simply not sampled, and the sampler looks at it again.
 *
 * Handshake, through the target's registry slot:
 *   sampler: slot->sample_req = req, arm;   handler: req = exchange(NULL),
 *   walk into req, req->done = 1 (release);   sampler after its wait:
 *   exchange(NULL) != NULL means the handler never took it (no sample);
 *   NULL means it did: wait for req->done before reading or freeing req.
 */
#ifndef CPROF_SRC_CAPTURE_THREAD_SAMPLE_H
#define CPROF_SRC_CAPTURE_THREAD_SAMPLE_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "capture/threads.h"
#include "capture/unwind.h"

/* Marks the one-shot sampling timers' signals (si_value), apart from the
 * CPU profile's (CPROF_TIMER_COOKIE). */
#define CPROF_SAMPLE_COOKIE 0x63707273 /* "cprs" */

struct cprof__thread_sample {
	_Atomic int done;  /* set by the handler once pcs are written */
	int depth;         /* pcs written; pcs[0] the interrupted pc */
	bool complete;     /* the walk reached the outermost frame */
	uintptr_t pcs[CPROF_MAX_FRAMES];
};

/* From the CPU signal handler: true when si is a sampling request, which
 * it then serves (walks the interrupted stack into the request of the
 * calling thread's slot, if one is still there). Async-signal-safe. */
bool cprof__thread_sample_handle_as(const siginfo_t *si, void *uc);

/* Arms a sample of t (whose tid is tid): sets the request and a one-shot
 * timer on the thread's CPU clock. 0, or CPROF_E* when the signal is not
 * ours, the thread blocks it (it would stay pending and make a later
 * ppoll/pselect/sigsuspend fail with EINTR), another sampler's request is
 * pending on t (CPROF_EBUSY), or no timer can be made.
 * Ordinary threads only. */
int cprof__thread_sample_arm(struct cprof__thread *t, pid_t tid,
			     struct cprof__thread_sample *req,
			     timer_t *timer);
/* Ends the request armed with timer: 1 when the handler took it and has
 * finished with req, 0 when it never ran, -1 when it took it but has not
 * finished within a second (the thread was descheduled mid-walk): req
 * MUST then never be freed or reused, the handler may still write it. */
int cprof__thread_sample_finish(struct cprof__thread *t,
				struct cprof__thread_sample *req,
				timer_t timer);

#endif
