/*
 * cfi_walk.h - the CFI-table stack walker (cfi_walk_as.c).
 *
 * Same contract as cprof__unwind_as (unwind.h): async-signal-safe, no
 * allocation, no lock, no loader; every stack read bounded by the thread's
 * stack range (or the alternate signal stack the walk starts on).
 */
#ifndef CPROF_SRC_CAPTURE_CFI_WALK_H
#define CPROF_SRC_CAPTURE_CFI_WALK_H

#include <stdbool.h>
#include <stdint.h>

#include "capture/unwind.h"

/* Walks from regs with the current snapshot of unwind tables. Without one
 * (before cprof__cfi_init) every frame takes the frame-pointer step. */
int cprof__cfi_unwind_as(const struct cprof__regs *regs,
			 struct cprof__stack_bounds bounds, uintptr_t *pcs,
			 int max, enum cprof__unwind_end *end);

/* The same walk over a copy of another thread's stack: the bytes of
 * [bounds.lo, bounds.hi) sit at bounds.lo + shift in our memory (taken with
 * process_vm_readv, so a thread that exits meanwhile costs an EFAULT, not a
 * SIGSEGV). Addresses in regs and the pcs written are the original's. No
 * alternate signal stack is looked for (sigaltstack would be ours). */
int cprof__cfi_unwind_copy_as(const struct cprof__regs *regs,
			      struct cprof__stack_bounds bounds,
			      uintptr_t shift, uintptr_t *pcs, int max,
			      enum cprof__unwind_end *end);

/*
 * Every stack word a walk read, with its value, and the tables it walked
 * with: a later walk from the same registers that would read the same
 * values with the same tables takes the same steps, so its result can be
 * reused after checking the log (capture/stack_cache.h). full: the walk read
 * more than fits, or depended on something else (an alternate signal
 * stack): it cannot be replayed.
 */
#define CPROF_CFI_READ_LOG_MAX 160
struct cprof__cfi_read_log {
	uintptr_t tables; /* cprof__cfi_shared.current of the walk */
	int n;
	bool full;
	uintptr_t addr[CPROF_CFI_READ_LOG_MAX];
	uintptr_t val[CPROF_CFI_READ_LOG_MAX];
};

/* cprof__cfi_unwind_as, logging its reads into log (reset here). */
int cprof__cfi_unwind_logged_as(const struct cprof__regs *regs,
				struct cprof__stack_bounds bounds,
				uintptr_t *pcs, int max,
				enum cprof__unwind_end *end,
				struct cprof__cfi_read_log *log);

/* Fills regs with the calling function's own rip, rsp and rbp, for a hook
 * that walks its own stack (other registers unknown). Always inlined, so
 * the pc and sp are the caller's, where its CFI describes them exactly. */
static inline __attribute__((always_inline)) void
cprof__cfi_regs_here_as(struct cprof__regs *regs)
{
	uintptr_t ip, sp, fp;

	__asm__ volatile("lea 0(%%rip), %0\n\tmov %%rsp, %1\n\tmov %%rbp, %2"
			 : "=r"(ip), "=r"(sp), "=r"(fp));
	regs->r[CPROF_REG_RIP] = ip;
	regs->r[CPROF_REG_RSP] = sp;
	regs->r[CPROF_REG_RBP] = fp;
	regs->valid = 1u << CPROF_REG_RIP | 1u << CPROF_REG_RSP |
		      1u << CPROF_REG_RBP;
}

/* Why walks ended, summed over all threads (for /metrics and the bench). */
struct cprof__cfi_walk_stats {
	uint64_t walks;
	uint64_t frames;
	uint64_t complete;        /* ended at a stop rule or a zero RA */
	uint64_t trunc_depth;     /* ran out of room in pcs */
	uint64_t trunc_stack;     /* a read fell outside the stack, or the
				   * CFA did not move up */
	uint64_t trunc_fp;        /* the frame-pointer fallback failed */
	uint64_t fp_steps;        /* frames taken by the fallback */
	uint64_t signal_frames;   /* signal trampolines crossed */
	uint64_t unknown_pcs;     /* pcs outside every object */
	uint64_t cache_hits, cache_misses;
};

/* Sums the per-slot counters; racy by nature (relaxed reads). */
void cprof__cfi_walk_stats(struct cprof__cfi_walk_stats *out);
/* Forgets every cached pc -> rule (the benchmark's cold runs). Not
 * async-signal-safe with respect to concurrent walkers' correctness only in
 * that they may miss. */
void cprof__cfi_cache_clear(void);
/* Turns the pc cache off or on (benchmark: CFI with and without it). */
void cprof__cfi_cache_enable(bool on);

#endif
