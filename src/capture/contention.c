/*
 * contention.c - switching the mutex and block recording on and off (see
 * contention.h); what runs in the hooks is in contention_as.c.
 */
#include "capture/contention.h"

#include <string.h>

#include "capture/contention_slots.h"

_Atomic int cprof__contention_on;
_Atomic int cprof__contention_pending;
_Atomic long cprof__contention_fraction;
_Atomic long cprof__contention_rate;
_Atomic int64_t cprof__contention_lost_events[2];

void cprof__contention_start(long mutex_fraction, long block_rate)
{
	int on = CPROF_CONTENTION_WAITS |
		 (mutex_fraction > 0 ? CPROF_CONTENTION_MUTEX : 0) |
		 (block_rate > 0 ? CPROF_CONTENTION_BLOCK : 0);

	atomic_store(&cprof__contention_fraction,
		     mutex_fraction > 0 ? mutex_fraction : 0);
	atomic_store(&cprof__contention_rate, block_rate > 0 ? block_rate : 0);
	atomic_store(&cprof__contention_on, on);
}

/* Slots still held drain at the next unlock of their lock. */
void cprof__contention_stop(void)
{
	atomic_store(&cprof__contention_on, 0);
}

long cprof__contention_mutex_fraction(void)
{
	return atomic_load(&cprof__contention_fraction);
}

long cprof__contention_block_rate(void)
{
	return atomic_load(&cprof__contention_rate);
}

int64_t cprof__contention_lost(int which)
{
	return atomic_load(&cprof__contention_lost_events[
		which == CPROF_CONTENTION_MUTEX ? 0 : 1]);
}

void cprof__contention_atfork_child(void)
{
	memset(cprof__contention_slots, 0, sizeof(cprof__contention_slots));
	atomic_store(&cprof__contention_pending, 0);
}
