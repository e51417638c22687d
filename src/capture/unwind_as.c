/*
 * unwind_as.c - the walker dispatch and the frame-pointer walker.
 *
 * Everything here is async-signal-safe: no allocation, no locks, no loader.
 * The frame-pointer walk trusts nothing it reads: each frame must lie inside
 * the thread's stack bounds, above the previous one, and 8-byte aligned, or
 * the walk stops (truncated). Where code was built without frame pointers
 * (most of Debian's libraries) the walk loses the frames between the leaf and
 * the first function that keeps one; the CFI walker closes that gap.
 */
#include "capture/unwind.h"

#include <stddef.h>
#include <ucontext.h>

#include "capture/cfi_walk.h"
#include "capture/unwind_select.h"

_Atomic int cprof__unwinder_in_use = CPROF_UNWINDER_FP;

/* A frame (saved fp, return address) must lie wholly in [max(lo, b.lo),
 * b.hi) and be aligned. */
static bool unwind_fp_frame_ok(uintptr_t fp, uintptr_t lo,
			       struct cprof__stack_bounds b)
{
	return fp >= lo && fp >= b.lo && (fp & 7) == 0 &&
	       b.hi >= 2 * sizeof(uintptr_t) &&
	       fp <= b.hi - 2 * sizeof(uintptr_t);
}

int cprof__unwind_fp_as(const struct cprof__regs *regs,
			struct cprof__stack_bounds b, uintptr_t *pcs, int max,
			enum cprof__unwind_end *end)
{
	uintptr_t fp = regs->r[CPROF_REG_RBP];
	uintptr_t lo = regs->r[CPROF_REG_RSP];
	int n = 0;

	*end = CPROF_UNWIND_TRUNCATED;
	if (max <= 0)
		return 0;
	pcs[n++] = regs->r[CPROF_REG_RIP];
	while (n < max) {
		const uintptr_t *frame = (const uintptr_t *)fp;
		uintptr_t next, ret;

		if (fp == 0) {
			*end = CPROF_UNWIND_COMPLETE;
			break;
		}
		if (!unwind_fp_frame_ok(fp, lo, b))
			break;
		next = frame[0];
		ret = frame[1];
		if (ret == 0) {
			*end = CPROF_UNWIND_COMPLETE;
			break;
		}
		pcs[n++] = ret;
		if (next == 0) {
			*end = CPROF_UNWIND_COMPLETE;
			break;
		}
		if (next <= fp)
			break; /* frames must move towards the stack's root */
		lo = fp + 2 * sizeof(uintptr_t);
		fp = next;
	}
	return n;
}

int cprof__unwind_as(const struct cprof__regs *regs,
		     struct cprof__stack_bounds bounds, uintptr_t *pcs,
		     int max, enum cprof__unwind_end *end)
{
	if (atomic_load_explicit(&cprof__unwinder_in_use,
				 memory_order_relaxed) == CPROF_UNWINDER_CFI)
		return cprof__cfi_unwind_as(regs, bounds, pcs, max, end);
	return cprof__unwind_fp_as(regs, bounds, pcs, max, end);
}

void cprof__regs_from_ucontext_as(struct cprof__regs *regs, const void *uc)
{
	const greg_t *g = ((const ucontext_t *)uc)->uc_mcontext.gregs;

	regs->r[CPROF_REG_RAX] = (uintptr_t)g[REG_RAX];
	regs->r[CPROF_REG_RDX] = (uintptr_t)g[REG_RDX];
	regs->r[CPROF_REG_RCX] = (uintptr_t)g[REG_RCX];
	regs->r[CPROF_REG_RBX] = (uintptr_t)g[REG_RBX];
	regs->r[CPROF_REG_RSI] = (uintptr_t)g[REG_RSI];
	regs->r[CPROF_REG_RDI] = (uintptr_t)g[REG_RDI];
	regs->r[CPROF_REG_RBP] = (uintptr_t)g[REG_RBP];
	regs->r[CPROF_REG_RSP] = (uintptr_t)g[REG_RSP];
	regs->r[CPROF_REG_R8] = (uintptr_t)g[REG_R8];
	regs->r[CPROF_REG_R9] = (uintptr_t)g[REG_R9];
	regs->r[CPROF_REG_R10] = (uintptr_t)g[REG_R10];
	regs->r[CPROF_REG_R11] = (uintptr_t)g[REG_R11];
	regs->r[CPROF_REG_R12] = (uintptr_t)g[REG_R12];
	regs->r[CPROF_REG_R13] = (uintptr_t)g[REG_R13];
	regs->r[CPROF_REG_R14] = (uintptr_t)g[REG_R14];
	regs->r[CPROF_REG_R15] = (uintptr_t)g[REG_R15];
	regs->r[CPROF_REG_RIP] = (uintptr_t)g[REG_RIP];
	regs->valid = (1u << CPROF_REG_COUNT) - 1;
}
