/*
 * labels.h - a thread's profiler labels: an immutable set of key=value
 * pairs that every sample taken on the thread carries (CPU, heap, allocs,
 * threadcreate, mutex, block), as Go's pprof.Do labels goroutines.
 *
 * Sets are interned: equal sets are one object, so aggregates can key on the
 * pointer, and a set is never freed (records and aggregates keep pointers to
 * it). The calling thread's current set is one TLS pointer, which a signal
 * handler reads without a lock.
 */
#ifndef CPROF_SRC_CAPTURE_LABELS_H
#define CPROF_SRC_CAPTURE_LABELS_H

#include <stddef.h>
#include <stdint.h>

/* Pushes nested deeper than this fail (CPROF_EINVAL). */
#define CPROF_LABELS_MAX_DEPTH 32
/* Distinct label sets kept for the life of the process; pushes that would
 * make a new one past this fail (CPROF_ENOMEM). */
#define CPROF_LABELS_MAX_SETS 65536
/* Longest key or value, in bytes. */
#define CPROF_LABELS_MAX_STRING 256

struct cprof__label_pair {
	const char *key;
	const char *value;
};

struct cprof__label_set {
	uint32_t n;                         /* pairs, sorted by key */
	struct cprof__label_pair pairs[];
};

/* The calling thread's labels, or NULL. Async-signal-safe. */
extern __thread const struct cprof__label_set *cprof__labels_current;

/* The thread's labels plus key=value (replacing key's value). */
int cprof__labels_push(const char *key, const char *value);
int cprof__labels_pop(void);
/* Sets the calling thread's labels (a thread born with its creator's). */
void cprof__labels_adopt(const struct cprof__label_set *set);

#endif
