/*
 * event.h - the binary form of a trace event, as threads write it into
 * their buffers and as the trace store keeps it until a dump turns it into
 * JSON (json.c). docs/internals/trace.md describes every kind.
 *
 * An event is one or more 32-byte slots. The first slot is the header:
 *
 *   offset size  field
 *   0      1     kind     enum cprof__trace_kind
 *   1      1     nslots   slots of the whole event, header included (1..18)
 *   2      2     len      bytes of text, or pcs of the stack, that follow
 *   4      4     tid      kernel thread id of the thread the event is about
 *   8      8     ts       cprof__now_ns() (CLOCK_MONOTONIC)
 *   16     8     a        kind-specific (see the enum)
 *   24     8     b        kind-specific
 *   32     ...   payload  (nslots - 1) * 32 bytes: text or pcs
 *
 * Fixed-size slots let a writer fill its ring without locks or allocation
 * and let the reader copy events without parsing them.
 */
#ifndef CPROF_SRC_TRACE_EVENT_H
#define CPROF_SRC_TRACE_EVENT_H

#include <stdint.h>

#include "capture/unwind.h"
#include "cprof.h" /* CPROF_TRACE_WAIT_*: what a wait waited on */

#define CPROF_TRACE_SLOT_BYTES 32
/* Longest text an event carries (names, "category\0message" of a log);
 * longer text is cut at this many bytes. */
#define CPROF_TRACE_MAX_TEXT 255
/* Bytes of a wait's name when it is copied (the host's: its first 31). */
#define CPROF_TRACE_WAIT_TEXT 32
/* Most slots one event takes: a host's wait, its name and a whole stack. */
#define CPROF_TRACE_MAX_SLOTS                                                 \
	(1 + (CPROF_TRACE_WAIT_TEXT + CPROF_MAX_FRAMES * 8 +                  \
	      CPROF_TRACE_SLOT_BYTES - 1) /                                   \
		     CPROF_TRACE_SLOT_BYTES)

enum cprof__trace_kind {
	CPROF_TRACE_NONE = 0,
	CPROF_TRACE_THREAD_START,  /* a: pthread_self(), b: creator's tid */
	CPROF_TRACE_THREAD_NAME,   /* a: target pthread_t (0: tid itself);
				    * text: the name */
	CPROF_TRACE_THREAD_EXIT,   /* - */
	CPROF_TRACE_CPU,           /* a: stack table id, b: timer periods;
				    * len: 1 if pc[0] is a return address */
	CPROF_TRACE_ALLOC,         /* a: stack table id, b: bytes; len as CPU */
	CPROF_TRACE_WAIT,          /* ts: begin, a: duration ns, b: see
				    * below; text (len) then pcs (depth) */
	CPROF_TRACE_REGION_BEGIN,  /* a: task id; text: region name */
	CPROF_TRACE_REGION_END,    /* a: task id; text: region name */
	CPROF_TRACE_TASK_BEGIN,    /* a: task id, b: parent id; text: name */
	CPROF_TRACE_TASK_END,      /* a: task id */
	CPROF_TRACE_LOG,           /* a: task id; text: category NUL message */
	CPROF_TRACE_DROPPED,       /* a: events the thread's buffer dropped */
	CPROF_TRACE_KIND_COUNT,
};

/*
 * b of a CPROF_TRACE_WAIT:
 *
 *   bits   field
 *   0..7   kind   CPROF_TRACE_WAIT_*
 *   8..15  depth  pcs of the stack (0..CPROF_MAX_FRAMES)
 *   16..63 name   address of the call's name when it is a string literal of
 *                 libcprof (the hooks' "read", "pthread_mutex_lock"): it
 *                 lives as long as the process, so the event carries no text
 *                 (len 0) and a wait without a stack is one slot; 0 when the
 *                 name is the text that follows (the host's, copied).
 */
#define CPROF_TRACE_WAIT_B(kind, depth, name)                                 \
	((int64_t)(kind) | (int64_t)(depth) << 8 |                            \
	 (int64_t)(uintptr_t)(name) << 16)
#define CPROF_TRACE_WAIT_B_KIND(b) ((int)((b) & 0xff))
#define CPROF_TRACE_WAIT_B_DEPTH(b) ((int)(((b) >> 8) & 0xff))
#define CPROF_TRACE_WAIT_B_NAME(b) ((const char *)(uintptr_t)((uint64_t)(b) >> 16))
/* A static name must fit bits 16..62 (x86-64 user addresses do). */
#define CPROF_TRACE_WAIT_NAME_FITS(name) (((uintptr_t)(name) >> 47) == 0)
_Static_assert(CPROF_MAX_FRAMES < 256, "a wait's depth fits 8 bits");

struct cprof__trace_event {
	uint8_t kind;
	uint8_t nslots;
	uint16_t len;
	uint32_t tid;
	int64_t ts;
	int64_t a;
	int64_t b;
};

_Static_assert(sizeof(struct cprof__trace_event) == CPROF_TRACE_SLOT_BYTES,
	       "a trace event header is one slot");

/* The payload bytes that follow the header slot. */
static inline const char *
cprof__trace_payload(const struct cprof__trace_event *ev)
{
	return (const char *)(ev + 1);
}

#endif
