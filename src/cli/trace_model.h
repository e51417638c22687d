/*
 * trace_model.h - a cprof trace (Chrome Trace Event JSON, plain or gzip'd)
 * read back for `cprof trace`: per thread, what it did when; the regions
 * and tasks with their durations; the stacks of samples and waits.
 *
 * Loading checks what the analysis relies on (each event's phase, thread
 * and time; stack frame references) and refuses a file that breaks it with
 * one line saying where. Fields cprof does not write are ignored, so a
 * trace edited by another tool still loads if it keeps the format.
 */
#ifndef CPROF_SRC_CLI_TRACE_MODEL_H
#define CPROF_SRC_CLI_TRACE_MODEL_H

#include <stddef.h>
#include <stdint.h>

/* What a wait interval waited on (the event's "cat"). */
enum cprof__tm_wait {
	CPROF_TM_LOCK,
	CPROF_TM_CALL,
	CPROF_TM_SLEEP,
	CPROF_TM_WAIT_KINDS,
};

struct cprof__tm_thread {
	int64_t tid;
	char *name;
	int64_t begin_ns;   /* thread start event, else the trace's start */
	int64_t end_ns;     /* thread exit event, else the trace's end */
	int64_t cpu_ns;     /* CPU samples x their periods x the period */
	int64_t wait_ns[CPROF_TM_WAIT_KINDS];
};

/* A sample or a wait with its stack: frames leaf first (frame ids). */
struct cprof__tm_stacked {
	int kind;           /* CPROF_TM_LOCK.., or -1 for a CPU sample */
	int64_t value;      /* ns */
	const int32_t *frames;
	size_t depth;
};

/* Durations of one region or task name. */
struct cprof__tm_span {
	char *name;
	int64_t *ns;
	size_t n, cap;
};

struct cprof__tm {
	int64_t duration_ns;
	int64_t cpu_period_ns;
	uint64_t dropped;
	char *mode;
	struct cprof__tm_thread *threads;
	size_t n_threads;
	struct cprof__tm_span *regions, *tasks;
	size_t n_regions, n_tasks;
	struct cprof__tm_stacked *stacked;
	size_t n_stacked;
	char **frame_names;  /* by frame id */
	int32_t *frame_parent; /* -1 for a root */
	size_t n_frames;
	int32_t *stack_pool; /* frames of every stacked event */
	size_t pool_len;
};

/* Loads path. Returns 0, or -1 after printing one line. */
int cprof__tm_load(struct cprof__tm *tm, const char *path);
void cprof__tm_fini(struct cprof__tm *tm);

#endif
