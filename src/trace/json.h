/*
 * json.h - turning collected trace events into the Chrome Trace Event
 * Format (the JSON object form), which Perfetto UI and chrome://tracing
 * open. docs/internals/trace.md lists every event and field written.
 *
 * Two steps, so that the trace lock is held only for the first: a snapshot
 * copies the events of a time window out of a store; the writer then sorts
 * them, symbolizes their stacks (taking the collector lock to read the
 * stack table) and prints. Ordinary threads only.
 */
#ifndef CPROF_SRC_TRACE_JSON_H
#define CPROF_SRC_TRACE_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "trace/store.h"

struct cprof__trace_snapshot {
	struct cprof__trace_event *slots; /* events back to back */
	size_t len;                       /* slots used */
	size_t cap;
	int error;                        /* sticky CPROF_E* */
};

struct cprof__trace_meta {
	int64_t start_ns;      /* the window: ts origin of the JSON */
	int64_t end_ns;
	int64_t cpu_period_ns; /* what one CPU timer period is worth */
	uint64_t dropped;      /* events the store itself refused */
	const char *mode;      /* "trace", "flight recorder", "whole run" */
};

/* Copies the events of s with ts in [from_ns, to_ns]. */
void cprof__trace_snapshot_add(struct cprof__trace_snapshot *snap,
			       const struct cprof__trace_store *s,
			       int64_t from_ns, int64_t to_ns);
void cprof__trace_snapshot_fini(struct cprof__trace_snapshot *snap);

/* Appends the JSON document to out. 0 or CPROF_E*. */
int cprof__trace_json_write(const struct cprof__trace_snapshot *snap,
			    const struct cprof__trace_meta *meta,
			    struct cprof__buf *out);

#endif
