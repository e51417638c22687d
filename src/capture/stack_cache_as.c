/*
 * stack_cache_as.c - reusing a thread's hook stacks (see stack_cache.h).
 * Runs in hooks: no lock, no allocation, errno untouched.
 */
#include "capture/stack_cache.h"

#include <stdatomic.h>
#include <string.h>

#include "capture/cfi_registry.h"
#include "capture/stack_here.h"

void cprof__stack_cache_reset(struct cprof__stack_cache *c)
{
	for (int i = 0; i < CPROF_STACK_CACHE_WAYS; i++)
		c->e[i].valid = false;
	c->next = 0;
}

/* True when a walk from these registers would read what e's walk read,
 * with the same tables. The words lie in this thread's stack (the walk
 * checked them against its bounds), which stays mapped while it runs. */
static bool stack_cache_still(const struct cprof__stack_cache_entry *e,
			      uintptr_t pc, uintptr_t sp, uintptr_t fp,
			      int skip, int max)
{
	const struct cprof__cfi_read_log *log = &e->log;

	if (!e->valid || e->pc != pc || e->sp != sp || e->fp != fp ||
	    e->skip != skip || e->max != max ||
	    log->tables != atomic_load_explicit(&cprof__cfi_shared.current,
						memory_order_relaxed))
		return false;
	for (int i = 0; i < log->n; i++)
		if (*(const volatile uintptr_t *)log->addr[i] != log->val[i])
			return false;
	return true;
}

int cprof__stack_cache_from_frame(struct cprof__stack_cache *c,
				  uintptr_t *pcs, int max,
				  const void *hook_frame, int skip,
				  enum cprof__unwind_end *end)
{
	const uintptr_t *frame = hook_frame;
	uintptr_t fp = frame[0], pc = frame[1], sp = (uintptr_t)(frame + 2);
	struct cprof__stack_cache_entry *e;

	if (max > CPROF_MAX_FRAMES)
		max = CPROF_MAX_FRAMES;
	for (int i = 0; i < CPROF_STACK_CACHE_WAYS; i++) {
		e = &c->e[i];
		if (stack_cache_still(e, pc, sp, fp, skip, max)) {
			memcpy(pcs, e->pcs, (size_t)e->depth * sizeof(*pcs));
			*end = e->end;
			c->hits++;
			return e->depth;
		}
	}
	c->misses++;
	e = &c->e[c->next++ % CPROF_STACK_CACHE_WAYS];
	e->depth = cprof__stack_from_frame_logged(e->pcs, max, hook_frame,
						  skip, &e->end, &e->log);
	e->valid = !e->log.full && e->log.tables != 0;
	e->pc = pc;
	e->sp = sp;
	e->fp = fp;
	e->skip = skip;
	e->max = max;
	memcpy(pcs, e->pcs, (size_t)e->depth * sizeof(*pcs));
	*end = e->end;
	return e->depth;
}
