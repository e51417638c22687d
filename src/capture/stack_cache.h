/*
 * stack_cache.h - a thread's recent hook stacks, reused when the stack has
 * not changed.
 *
 * A thread that blocks again and again at the same place (a loop around
 * read, a worker taking the same lock) has the same stack every time. The
 * CFI walk that finds it costs about a microsecond; the check that it is
 * still the same costs a few nanoseconds a frame: an entry keeps the walk's
 * starting registers (the hook's caller's pc, sp and rbp), the tables it
 * walked with, and every stack word it read with its value
 * (cprof__cfi_read_log). A walk from the same registers over the same words
 * with the same tables takes the same steps, so when all of them still hold
 * their values the entry's pcs are the walk's result, exactly: nothing is
 * approximated. Anything else walks and refills the oldest entry.
 *
 * Owned by one thread (its trace ring holds it); async-signal-safe but not
 * re-entrant; no allocation.
 */
#ifndef CPROF_SRC_CAPTURE_STACK_CACHE_H
#define CPROF_SRC_CAPTURE_STACK_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "capture/cfi_walk.h"
#include "capture/unwind.h"

#define CPROF_STACK_CACHE_WAYS 4

struct cprof__stack_cache_entry {
	bool valid;
	uintptr_t pc, sp, fp; /* the hook's caller's, where the walk starts */
	int skip;
	int max;
	int depth;
	enum cprof__unwind_end end;
	uintptr_t pcs[CPROF_MAX_FRAMES];
	struct cprof__cfi_read_log log;
};

struct cprof__stack_cache {
	unsigned next; /* the entry to refill on a miss */
	uint64_t hits, misses;
	struct cprof__stack_cache_entry e[CPROF_STACK_CACHE_WAYS];
};

/* Forgets every entry (a ring passed to a new thread). */
void cprof__stack_cache_reset(struct cprof__stack_cache *c);

/*
 * cprof__stack_from_frame (stack_here.h) through the cache: the same pcs,
 * depth and *end. Async-signal-safe; not re-entrant; the calling thread's
 * own cache only.
 */
int cprof__stack_cache_from_frame(struct cprof__stack_cache *c,
				  uintptr_t *pcs, int max,
				  const void *hook_frame, int skip,
				  enum cprof__unwind_end *end);

#endif
