/*
 * stack_here.h - the stack of the code that called into a hook.
 */
#ifndef CPROF_SRC_CAPTURE_STACK_HERE_H
#define CPROF_SRC_CAPTURE_STACK_HERE_H

#include <stdint.h>

#include "capture/unwind.h"

/*
 * Walks the calling thread's stack from the caller of this function,
 * dropping the first `skip` frames (the hook's own), into pcs. Every pc
 * written is a return address. Returns the number written and sets *end.
 * Async-signal-safe; no allocation; bounded by the thread's stack.
 */
int cprof__stack_here(uintptr_t *pcs, int max, int skip,
		      enum cprof__unwind_end *end);

/*
 * The same walk from a hook's frame (its __builtin_frame_address(0), taken
 * by the hook itself, with frame pointers kept as in every cprof function):
 * the stack starts at the hook's caller, whatever helpers the hook calls
 * before walking. skip drops that many frames more. Async-signal-safe.
 */
int cprof__stack_from_frame(uintptr_t *pcs, int max, const void *hook_frame,
			    int skip, enum cprof__unwind_end *end);

struct cprof__cfi_read_log;
/* The same walk, logging what it read into log (cfi_walk.h) when the CFI
 * walker is in use; with the frame-pointer walker, or when the thread's
 * stack is not known, log->full is set (nothing to replay). */
int cprof__stack_from_frame_logged(uintptr_t *pcs, int max,
				   const void *hook_frame, int skip,
				   enum cprof__unwind_end *end,
				   struct cprof__cfi_read_log *log);

#endif
