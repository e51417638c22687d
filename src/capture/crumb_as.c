/*
 * crumb_as.c - breadcrumbs, the reader's side and the slow path of the
 * writer's (see crumb.h for the protocol). Async-signal-safe throughout:
 * atomic loads and stores, clock_gettime, no locks.
 */
#include "capture/crumb.h"

#include <string.h>

_Atomic bool cprof__crumbs_on;

struct cprof__thread *cprof__crumb_slot_as(void)
{
	return cprof__thread_self_as();
}

bool cprof__crumb_read(const struct cprof__thread *t,
		       struct cprof__crumb_view *out)
{
	const struct cprof__crumb *c = &t->crumb;

	out->seq = atomic_load_explicit(&c->seq, memory_order_acquire);
	if ((out->seq & 1) == 0)
		return false;
	out->call = atomic_load_explicit(&c->call, memory_order_relaxed);
	out->pc = atomic_load_explicit(&c->pc, memory_order_relaxed);
	out->sp = atomic_load_explicit(&c->sp, memory_order_relaxed);
	out->fp = atomic_load_explicit(&c->fp, memory_order_relaxed);
	out->start_ns =
		atomic_load_explicit(&c->start_ns, memory_order_relaxed);
	return cprof__crumb_still(t, out);
}

bool cprof__crumb_still(const struct cprof__thread *t,
			const struct cprof__crumb_view *v)
{
	atomic_thread_fence(memory_order_acquire);
	return atomic_load_explicit(&t->crumb.seq, memory_order_relaxed) ==
	       v->seq;
}

int64_t cprof__crumb_age_ns(const struct cprof__crumb_view *v)
{
	struct timespec ts;
	int64_t now;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	return now > v->start_ns ? now - v->start_ns : 0;
}

void cprof__crumbs_enable(bool on)
{
	atomic_store_explicit(&cprof__crumbs_on, on, memory_order_relaxed);
}

void cprof__crumb_reset(struct cprof__crumb *c)
{
	atomic_store_explicit(&c->seq, 0, memory_order_relaxed);
	c->depth = 0;
	atomic_store_explicit(&c->call, NULL, memory_order_relaxed);
}
