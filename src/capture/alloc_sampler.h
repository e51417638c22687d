/*
 * alloc_sampler.h - which allocations the memory profile samples, and what
 * it records about them.
 *
 * Sampling is a Poisson process over allocated bytes (as in Go and
 * jemalloc): each thread counts down a random number of bytes drawn from an
 * exponential distribution with mean `rate`; the allocation that crosses
 * zero is sampled and the countdown redrawn. So an allocation of `size`
 * bytes is sampled with probability 1 - exp(-size/rate), which the profile
 * builder undoes. The fast path is one subtraction and a branch on a TLS
 * counter; everything else is out of line.
 *
 * A sampled allocation's stack goes into the capture ring with its size and
 * address, and the address into the sampled set; freeing a sampled address
 * records a free. Called from the malloc hooks (never from a handler), with
 * the thread's re-entry guard down.
 */
#ifndef CPROF_SRC_CAPTURE_ALLOC_SAMPLER_H
#define CPROF_SRC_CAPTURE_ALLOC_SAMPLER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/sampled_set.h"

#define CPROF_DEFAULT_MEM_RATE 524288 /* Go's MemProfileRate */

/* The calling thread's sampling state: the bytes it may still allocate
 * before its next sample, and the sampling generation its countdown was
 * drawn in (a thread drawn before sampling started or changed rate must
 * draw again: it cannot be reset from outside). */
struct cprof__alloc_tls {
	int64_t countdown;
	uint64_t epoch;
};
extern __thread struct cprof__alloc_tls cprof__alloc_tls;
/* The current sampling generation, bumped at every start and stop. */
extern _Atomic uint64_t cprof__alloc_epoch;

/* Starts sampling at `rate` mean bytes (1: every allocation; 0: off). */
int cprof__alloc_sampler_start(int64_t rate);
void cprof__alloc_sampler_stop(void);
int64_t cprof__alloc_sampler_rate(void);
/* Whether allocation records carry the thread and the time: only the trace
 * reads them, so it turns them on while it runs (a clock read and a thread
 * lookup per sample saved otherwise). A record made without them has tid 0,
 * which the trace skips. */
void cprof__alloc_sampler_timed(bool on);

/* Slow path of an allocation whose countdown crossed zero: records it if
 * sampling is on. hook_frame is the __builtin_frame_address(0) of the
 * interposed function, or of a function it tail-called: a frame whose
 * return address is in the allocating code, where the stack starts (the
 * hook's own frames are never walked). */
void cprof__alloc_sample(void *p, size_t size, const void *hook_frame);

/*
 * A pointer that may have been sampled is about to be released: if it was,
 * records its free. Called *before* the real free or realloc, so that the
 * free is in the ring before the allocator can hand the address to another
 * thread (whose new sample of it must come after). A realloc that then
 * fails leaves the block counted as freed; the host is unaffected.
 */
void cprof__alloc_release(void *p);

/* Fast path for the hooks: true when this allocation must go to
 * cprof__alloc_sample (the countdown crossed zero, or the thread's
 * countdown is from another sampling generation). */
static inline bool cprof__alloc_countdown_crossed(size_t size)
{
	cprof__alloc_tls.countdown -= (int64_t)size;
	return cprof__alloc_tls.countdown < 0 ||
	       cprof__alloc_tls.epoch !=
		       atomic_load_explicit(&cprof__alloc_epoch,
					    memory_order_relaxed);
}

/* Fast path for the hooks: true when p may have been sampled. */
static inline bool cprof__alloc_maybe_sampled(const void *p)
{
	return cprof__sampled_set_maybe((uintptr_t)p);
}

/* Samples that could not be recorded (ring or set full), and their bytes. */
extern _Atomic uint64_t cprof__alloc_lost;
extern _Atomic uint64_t cprof__alloc_lost_bytes;

#endif
