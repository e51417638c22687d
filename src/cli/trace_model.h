/*
 * trace_model.h - a cprof trace (Chrome Trace Event JSON, plain or gzip'd)
 * read back for `cprof trace`: per thread, what it did when; the regions
 * and tasks with their durations; the stacks of samples and waits; and,
 * for the timeline page, every wait, sample, region, task, log and drop
 * with its time.
 *
 * Loading checks what the analysis relies on (each event's phase, thread
 * and time; stack frame references) and refuses a file that breaks it with
 * one line saying where. Fields cprof does not write are ignored, so a
 * trace edited by another tool still loads if it keeps the format.
 * Times are ns since the trace's start.
 */
#ifndef CPROF_SRC_CLI_TRACE_MODEL_H
#define CPROF_SRC_CLI_TRACE_MODEL_H

#include <stdbool.h>
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
	bool started;       /* begin_ns is a thread start event's */
	bool exited;        /* end_ns is a thread exit event's */
	int64_t cpu_ns;     /* CPU samples x their periods x the period */
	int64_t wait_ns[CPROF_TM_WAIT_KINDS];
};

/* A sample or a wait with its stack: frames leaf first (frame ids). In
 * the order of the file, which is by time. */
struct cprof__tm_stacked {
	int kind;           /* CPROF_TM_LOCK.., or -1 for a CPU sample */
	int64_t value;      /* ns: the wait's length, the sample's CPU time */
	const int32_t *frames;
	size_t depth;
	int64_t ts_ns;      /* the wait's start, the sample's time */
	uint32_t thread;    /* index into threads */
	uint32_t name;      /* the wait's call (strs); 0, "", for a sample */
};

/* Durations of one region or task name. */
struct cprof__tm_span {
	char *name;
	int64_t *ns;
	size_t n, cap;
};

/* One region, from its begin to its end (B/E) on one thread, in the order
 * of the ends. */
struct cprof__tm_region {
	uint32_t thread;    /* index into threads */
	uint32_t name;      /* strs */
	uint32_t depth;     /* 0 outermost */
	int64_t task;       /* its task id, 0 for none */
	int64_t begin_ns, end_ns;
};

/* One task, in the order of the begins; a task not ended in the trace
 * ends at its end. */
struct cprof__tm_task {
	int64_t id, parent; /* parent 0: none */
	uint32_t name;      /* strs */
	uint32_t thread;    /* the thread that began it */
	int64_t begin_ns, end_ns;
};

/* A log or a count of dropped events, in time order. */
enum cprof__tm_mark_kind {
	CPROF_TM_MARK_LOG,
	CPROF_TM_MARK_DROP,
};
#define CPROF_TM_NO_THREAD UINT32_MAX /* a process-wide mark */

struct cprof__tm_mark {
	enum cprof__tm_mark_kind kind;
	uint32_t thread;    /* index into threads, or CPROF_TM_NO_THREAD */
	int64_t ts_ns;
	uint32_t text;      /* a log's category (strs) */
	uint32_t detail;    /* a log's message (strs) */
	int64_t value;      /* a log's task id; the number dropped */
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
	/* the timeline */
	struct cprof__tm_region *region_list;
	size_t n_region_list;
	struct cprof__tm_task *task_list;
	size_t n_task_list;
	struct cprof__tm_mark *marks;
	size_t n_marks;
	char **strs;         /* distinct names and texts; strs[0] is "" */
	size_t n_strs;
};

/* Loads path. Returns 0, or -1 after printing one line (tm is then
 * empty: no cprof__tm_fini needed). */
int cprof__tm_load(struct cprof__tm *tm, const char *path);
void cprof__tm_fini(struct cprof__tm *tm);

#endif
