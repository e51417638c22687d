/*
 * stack_here.c - the stack of a hook's caller (see stack_here.h).
 *
 * The walk starts from the register state the caller will have when the
 * hook returns: pc = the hook's return address, sp = just above it, rbp =
 * the caller's saved frame pointer. That is what either walker (frame
 * pointers or CFI) needs to continue, so hooks get the same stacks as the
 * handler, without walking the hook's own frames first.
 */
#include "capture/stack_here.h"

#include <stdatomic.h>

#include "capture/cfi_walk.h"
#include "capture/stackmap.h"
#include "capture/unwind_select.h"
#include "capture/threads.h"

static int stack_walk(uintptr_t *pcs, int max, const void *hook_frame,
		      int skip, enum cprof__unwind_end *end,
		      struct cprof__cfi_read_log *log)
{
	const uintptr_t *frame = hook_frame;
	uintptr_t tmp[CPROF_MAX_FRAMES + 8];
	uintptr_t *out = skip == 0 ? pcs : tmp;
	struct cprof__stack_bounds bounds;
	struct cprof__thread *t = cprof__thread_self_as();
	struct cprof__regs regs;
	int n, want = max + skip;

	/* The first pc is a return address: the walkers look a first pc up
	 * as it is (an interrupted pc), so give them the call instruction's
	 * last byte, where its rule is (a call that ends a function would
	 * otherwise find the next function's), and put the return address
	 * back in the stack afterwards. */
	regs.r[CPROF_REG_RBP] = frame[0];
	regs.r[CPROF_REG_RIP] = frame[1] != 0 ? frame[1] - 1 : 0;
	regs.r[CPROF_REG_RSP] = (uintptr_t)(frame + 2);
	regs.valid = 1u << CPROF_REG_RBP | 1u << CPROF_REG_RIP |
		     1u << CPROF_REG_RSP;
	if (want > (int)(sizeof(tmp) / sizeof(tmp[0])))
		want = (int)(sizeof(tmp) / sizeof(tmp[0]));
	if (log != NULL)
		log->full = true; /* until a logged walk says otherwise */
	if (t != NULL ? !cprof__thread_stack_as(t, regs.r[CPROF_REG_RSP],
						&bounds)
		      : !cprof__stackmap_find_as(regs.r[CPROF_REG_RSP],
						 &bounds.lo, &bounds.hi)) {
		*end = CPROF_UNWIND_TRUNCATED;
		return 0;
	}
	if (t == NULL)
		bounds.lo = regs.r[CPROF_REG_RSP];
	/* Replayable only on the thread's own stack, whose range stays
	 * mapped while the thread lives (a stack found through the maps may
	 * be a coroutine's, freed and its addresses reused). */
	if (log != NULL && t != NULL && t->stack_hi != 0 &&
	    regs.r[CPROF_REG_RSP] >= t->stack_lo &&
	    regs.r[CPROF_REG_RSP] < t->stack_hi &&
	    atomic_load_explicit(&cprof__unwinder_in_use,
				 memory_order_relaxed) == CPROF_UNWINDER_CFI) {
		n = cprof__cfi_unwind_logged_as(&regs, bounds, out, want, end,
						log);
	} else {
		n = cprof__unwind_as(&regs, bounds, out, want, end);
	}
	if (n > 0)
		out[0] = frame[1];
	if (n <= skip)
		return 0;
	for (int i = skip; out != pcs && i < n; i++)
		pcs[i - skip] = out[i];
	return cprof__unwind_mark_as(pcs, n - skip, max, *end);
}

int cprof__stack_from_frame(uintptr_t *pcs, int max, const void *hook_frame,
			    int skip, enum cprof__unwind_end *end)
{
	return stack_walk(pcs, max, hook_frame, skip, end, NULL);
}

int cprof__stack_from_frame_logged(uintptr_t *pcs, int max,
				   const void *hook_frame, int skip,
				   enum cprof__unwind_end *end,
				   struct cprof__cfi_read_log *log)
{
	return stack_walk(pcs, max, hook_frame, skip, end, log);
}

__attribute__((noinline)) int cprof__stack_here(uintptr_t *pcs, int max,
						int skip,
						enum cprof__unwind_end *end)
{
	int n = cprof__stack_from_frame(pcs, max, __builtin_frame_address(0),
					skip, end);

	__asm__ volatile("" ::: "memory"); /* keep this frame: not a tail call */
	return n;
}
