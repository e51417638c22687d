/*
 * crumb_as.c - breadcrumbs, the reader's side and the slow path of the
 * writer's (see crumb.h for the protocol). Async-signal-safe throughout:
 * atomic loads and stores, clock_gettime, no locks.
 */
#include "capture/crumb.h"

#include <time.h>

struct cprof__crumb_shared cprof__crumbs;

static int64_t crumb_coarse_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void cprof__crumbs_tick(void)
{
	atomic_store_explicit(&cprof__crumbs.clock_ns, crumb_coarse_now_ns(),
			      memory_order_relaxed);
}

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
	int64_t now = crumb_coarse_now_ns();

	return now > v->start_ns ? now - v->start_ns : 0;
}

void cprof__crumbs_enable(bool on)
{
	cprof__crumbs_tick();
	atomic_store_explicit(&cprof__crumbs.on, on, memory_order_relaxed);
}

void cprof__crumb_reset(struct cprof__crumb *c)
{
	atomic_store_explicit(&c->seq, 0, memory_order_relaxed);
	c->depth = 0;
	atomic_store_explicit(&c->call, NULL, memory_order_relaxed);
}
