/*
 * event.h - the binary form of a trace event, as threads write it into
 * their buffers and as the trace store keeps it until a dump turns it into
 * JSON (json.c). docs/internals/trace.md describes every kind.
 *
 * An event is one or more 32-byte slots. The first slot is the header:
 *
 *   offset size  field
 *   0      1     kind     enum cprof__trace_kind
 *   1      1     nslots   slots of the whole event, header included (1..17)
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
/* Most slots one event takes: a wait with a whole stack. */
#define CPROF_TRACE_MAX_SLOTS                                                 \
	(1 + (CPROF_MAX_FRAMES * 8 + CPROF_TRACE_SLOT_BYTES - 1) /            \
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
	CPROF_TRACE_WAIT,          /* ts: begin, a: duration ns,
				    * b: CPROF_TRACE_WAIT_* | depth
				    * << 8; text (len) then pcs (depth) */
	CPROF_TRACE_REGION_BEGIN,  /* a: task id; text: region name */
	CPROF_TRACE_REGION_END,    /* a: task id; text: region name */
	CPROF_TRACE_TASK_BEGIN,    /* a: task id, b: parent id; text: name */
	CPROF_TRACE_TASK_END,      /* a: task id */
	CPROF_TRACE_LOG,           /* a: task id; text: category NUL message */
	CPROF_TRACE_DROPPED,       /* a: events the thread's buffer dropped */
	CPROF_TRACE_KIND_COUNT,
};

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
