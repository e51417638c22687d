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

/* Bytes the calling thread may still allocate before its next sample. */
extern __thread int64_t cprof__alloc_countdown;

/* Starts sampling at `rate` mean bytes (1: every allocation; 0: off). */
int cprof__alloc_sampler_start(int64_t rate);
void cprof__alloc_sampler_stop(void);
int64_t cprof__alloc_sampler_rate(void);

/* Slow path of an allocation whose countdown crossed zero: records it if
 * sampling is on. Must be called directly by the interposed function (the
 * stack drops exactly these two frames). */
void cprof__alloc_sample(void *p, size_t size);

/*
 * Releasing a pointer that may have been sampled. begin takes p out of the
 * sampled set and reserves the free's place in the ring *before* the real
 * allocator may hand p to another thread (whose new sample of p must come
 * after our free); end publishes the free, or, if the release failed (a
 * realloc that returned NULL), puts p back and publishes nothing.
 */
struct cprof__alloc_release {
	bool sampled;  /* p was in the set */
	bool reserved; /* a ring slot is held at pos */
	uint64_t pos;
	void *p;
};
void cprof__alloc_release_begin(struct cprof__alloc_release *r, void *p);
void cprof__alloc_release_end(struct cprof__alloc_release *r, bool released);

/* Fast path for the hooks: true when this allocation must go to
 * cprof__alloc_sample. */
static inline bool cprof__alloc_countdown_crossed(size_t size)
{
	cprof__alloc_countdown -= (int64_t)size;
	return cprof__alloc_countdown < 0;
}

/* Fast path for the hooks: true when p may have been sampled. */
static inline bool cprof__alloc_maybe_sampled(const void *p)
{
	return cprof__sampled_set_maybe((uintptr_t)p);
}

/* Samples that could not be recorded (ring or set full). */
extern _Atomic uint64_t cprof__alloc_lost;

#endif
