/*
 * emit.c - the events threads write about themselves: thread start, name
 * and exit (from the pthread hooks), wait intervals (from the blocking-call
 * and lock hooks), and the user annotations (api.c).
 *
 * Each emitter costs one relaxed load when no trace runs. When one runs it
 * writes into the calling thread's ring (tbuf.h) without a lock; the ring
 * is created on the thread's first event, so these run in ordinary context
 * (a hook or an API call), never in a signal handler. cprof's own threads,
 * and host threads inside cprof (re-entry guard raised), emit nothing.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "base/clock.h"
#include "base/reentry.h"
#include "capture/stack_cache.h"
#include "trace/tbuf.h"
#include "trace/tclock.h"
#include "trace/trace.h"

/* The open wait interval of this thread. */
struct emit_wait {
	int64_t begin_ticks; /* trace clock (tclock.h); 0: none open */
	int kind;
	int depth;        /* nested begins, ignored */
	const char *call; /* valid until the end, by contract */
};

static __thread struct emit_wait emit_open_wait;
static _Atomic uint64_t emit_task_ids;

static struct cprof__trace_tbuf *emit_buf(void)
{
	if (!cprof__trace_on() || cprof__reentry_active())
		return NULL;
	return cprof__trace_tbuf_self();
}

static void emit_text(int kind, int64_t a, int64_t b, const char *text,
		      size_t n)
{
	struct cprof__trace_tbuf *tb = emit_buf();
	struct cprof__trace_event ev;

	if (tb == NULL)
		return;
	if (n > CPROF_TRACE_MAX_TEXT)
		n = CPROF_TRACE_MAX_TEXT;
	memset(&ev, 0, sizeof(ev));
	ev.kind = (uint8_t)kind;
	ev.len = (uint16_t)n;
	ev.tid = cprof__trace_tid_as();
	ev.ts = cprof__now_ns();
	ev.a = a;
	ev.b = b;
	cprof__trace_tbuf_put_as(tb, &ev, text, n);
}

static size_t emit_strlen(const char *s)
{
	return s == NULL ? 0 : strnlen(s, CPROF_TRACE_MAX_TEXT);
}

void cprof__trace_thread_start(uint32_t creator_tid)
{
	emit_text(CPROF_TRACE_THREAD_START, (int64_t)(uintptr_t)pthread_self(),
		  creator_tid, NULL, 0);
}

void cprof__trace_thread_name(uintptr_t target, const char *name)
{
	emit_text(CPROF_TRACE_THREAD_NAME, (int64_t)target, 0, name,
		  emit_strlen(name));
}

void cprof__trace_thread_exit(void)
{
	emit_text(CPROF_TRACE_THREAD_EXIT, 0, 0, NULL, 0);
	cprof__trace_tbuf_exit();
}

uint64_t cprof__trace_next_task_id(void)
{
	return atomic_fetch_add_explicit(&emit_task_ids, 1,
					 memory_order_relaxed) + 1;
}

void cprof__trace_emit_annotation(int kind, uint64_t task, uint64_t other,
				  const char *text, size_t n)
{
	emit_text(kind, (int64_t)task, (int64_t)other, text, n);
}

void cprof__trace_wait_begin(int kind, const char *call)
{
	struct emit_wait *w = &emit_open_wait;

	if (!cprof__trace_on() || cprof__reentry_active())
		return;
	if (w->depth++ != 0)
		return;
	w->kind = kind;
	w->call = call;
	w->begin_ticks = cprof__trace_clock_ticks();
}

/* Writes one wait event. A wait of CPROF_TRACE_WAIT_STACK_NS or more
 * carries the stack walked from `frame` (a frame of cprof's: the walk
 * starts at its caller), less `skip` frames more. A name cprof's hooks
 * give (CPROF_TRACE_WAIT_STATIC_NAME) is kept by address: no text, so a
 * hook's wait without a stack is one slot of the ring and of the store. */
static void emit_wait(int kind, const char *call, int64_t begin_ns,
		      int64_t end_ns, const void *frame, int skip)
{
	/* The payload: the copied name, when there is one, then pcs. */
	uintptr_t payload[CPROF_TRACE_WAIT_TEXT / sizeof(uintptr_t) +
			  CPROF_MAX_FRAMES];
	const char *name = NULL;
	struct cprof__trace_tbuf *tb = emit_buf();
	struct cprof__trace_event ev;
	enum cprof__unwind_end end;
	int depth = 0;

	if (tb == NULL)
		return;
	memset(&ev, 0, sizeof(ev));
	if ((kind & CPROF_TRACE_WAIT_STATIC_NAME) && call != NULL &&
	    CPROF_TRACE_WAIT_NAME_FITS(call)) {
		name = call;
	} else {
		char *text = (char *)payload;

		strncpy(text, call ? call : "", CPROF_TRACE_WAIT_TEXT - 1);
		text[CPROF_TRACE_WAIT_TEXT - 1] = '\0';
		ev.len = CPROF_TRACE_WAIT_TEXT;
	}
	if (end_ns - begin_ns >= CPROF_TRACE_WAIT_STACK_NS)
		depth = cprof__stack_cache_from_frame(
			&tb->stack_cache, payload + ev.len / sizeof(uintptr_t),
			CPROF_MAX_FRAMES, frame, skip, &end);
	ev.kind = CPROF_TRACE_WAIT;
	ev.tid = cprof__trace_tid_as();
	ev.ts = begin_ns;
	ev.a = end_ns - begin_ns;
	ev.b = CPROF_TRACE_WAIT_B(kind & ~CPROF_TRACE_WAIT_STATIC_NAME, depth,
				  name);
	cprof__trace_tbuf_put_as(tb, &ev, payload,
				 ev.len + (size_t)depth * sizeof(uintptr_t));
}

/* Ends the open wait; its stack drops `skip` frames, this one's included. */
__attribute__((noinline)) void cprof__trace_wait_end_skip(int skip)
{
	struct emit_wait *w = &emit_open_wait;
	int64_t end = cprof__trace_clock_ticks(), begin_ns, end_ns;

	if (w->depth == 0 || --w->depth != 0)
		return;
	if (w->begin_ticks != 0) {
		cprof__trace_clock_interval(w->begin_ticks, end, &begin_ns,
					    &end_ns);
		emit_wait(w->kind, w->call, begin_ns, end_ns,
			  __builtin_frame_address(0), skip - 1);
	}
	w->begin_ticks = 0;
	__asm__ volatile("" ::: "memory"); /* not a tail call */
}

/* Frames dropped: cprof__trace_wait_end_skip, this function, the hook. */
__attribute__((noinline)) void cprof__trace_wait_end(void)
{
	cprof__trace_wait_end_skip(3);
	__asm__ volatile("" ::: "memory"); /* not a tail call */
}

/* Inside an open wait (the host's cprof_trace_wait_begin around a lock) it is
 * a nested wait, ignored like a nested begin. */
void cprof__trace_wait_interval(int kind, const char *call, int64_t begin_ns,
				int64_t end_ns, const void *hook_frame)
{
	if (cprof__trace_on() && emit_open_wait.depth == 0)
		emit_wait(kind, call, begin_ns, end_ns, hook_frame, 0);
}
