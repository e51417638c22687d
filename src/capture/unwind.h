/*
 * unwind.h - stack walking from a signal handler or a hook.
 *
 * Async-signal-safe; never allocates, never takes a lock, never calls the
 * loader: every memory read is bounded by the thread's stack range, so a
 * corrupt frame ends the walk instead of faulting.
 *
 * The walker in use is chosen by CPROF_UNWIND (fp today; the CFI-table walker
 * becomes the default with its issue). Both share this interface.
 */
#ifndef CPROF_SRC_CAPTURE_UNWIND_H
#define CPROF_SRC_CAPTURE_UNWIND_H

#include <stdbool.h>
#include <stdint.h>

/* Deepest stack captured; deeper stacks are cut at the root end and marked
 * truncated (Go's maxCPUProfStack is 64 too). */
#define CPROF_MAX_FRAMES 64

/* x86-64 registers in DWARF numbering, as CFI rules name them. */
enum cprof__dwarf_reg {
	CPROF_REG_RAX = 0, CPROF_REG_RDX, CPROF_REG_RCX, CPROF_REG_RBX,
	CPROF_REG_RSI, CPROF_REG_RDI, CPROF_REG_RBP, CPROF_REG_RSP,
	CPROF_REG_R8, CPROF_REG_R9, CPROF_REG_R10, CPROF_REG_R11,
	CPROF_REG_R12, CPROF_REG_R13, CPROF_REG_R14, CPROF_REG_R15,
	CPROF_REG_RIP,
	CPROF_REG_COUNT
};

/* Register state the walk starts from: all registers from a signal's
 * ucontext, or only rip/rsp/rbp from a hook's own frame (valid says which). */
struct cprof__regs {
	uintptr_t r[CPROF_REG_COUNT];
	uint32_t valid; /* bit i set: r[i] is known */
};

/* Readable stack memory of the walking thread: [lo, hi). */
struct cprof__stack_bounds {
	uintptr_t lo;
	uintptr_t hi;
};

/* A pc value no code has: marks, at the root end of a captured stack, a
 * walk that could not reach the outermost frame (the profile shows it as a
 * "[cprof] truncated" frame). */
#define CPROF_PC_TRUNCATED ((uintptr_t)1)

/* Appends the truncation mark to a walk that did not end cleanly (over
 * its last frame when the stack is full). Returns the new depth.
 * Async-signal-safe. */
static inline int cprof__unwind_mark_as(uintptr_t *pcs, int depth, int max,
					int end)
{
	if (end == 0 || depth == 0)
		return depth;
	if (depth == max)
		depth--;
	pcs[depth] = CPROF_PC_TRUNCATED;
	return depth + 1;
}

enum cprof__unwind_end {
	CPROF_UNWIND_COMPLETE = 0, /* reached the outermost frame */
	CPROF_UNWIND_TRUNCATED,    /* depth limit or no way to go on */
};

/* Walks from regs. pcs[0] is the pc in regs; pcs[1..] are return
 * addresses. Returns the number of pcs written (at most max) and sets *end.
 * Async-signal-safe. */
int cprof__unwind_as(const struct cprof__regs *regs,
		     struct cprof__stack_bounds bounds, uintptr_t *pcs,
		     int max, enum cprof__unwind_end *end);

/* Fills regs from a signal handler's ucontext. Async-signal-safe. */
void cprof__regs_from_ucontext_as(struct cprof__regs *regs, const void *uc);

#endif
