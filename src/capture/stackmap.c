/*
 * stackmap.c - snapshots of the writable memory regions (see stackmap.h).
 *
 * Readers are counted: a handler raises `stackmap_readers` around its search,
 * and the refresher frees a retired snapshot only after seeing the count at
 * zero once the new pointer is published (a reader that starts later sees the
 * new snapshot). If readers never drain within STACKMAP_RETIRE_WAIT_MS the
 * old snapshot is leaked rather than freed under a reader.
 */
#include "capture/stackmap.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/alloc.h"
#include "cprof.h"

#define STACKMAP_RETIRE_WAIT_MS 1000

struct stackmap_region {
	uintptr_t lo;
	uintptr_t hi;
};

struct stackmap {
	size_t n;
	struct stackmap_region regions[]; /* sorted by lo, disjoint */
};

static _Atomic(struct stackmap *) stackmap_current;
static _Atomic int stackmap_readers;

static struct stackmap *stackmap_read(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	struct stackmap *m;
	size_t cap = 256;
	char line[512];

	if (f == NULL)
		return NULL;
	m = cprof__alloc(sizeof(*m) + cap * sizeof(m->regions[0]));
	if (m == NULL)
		goto out_close;
	m->n = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long lo, hi;
		char perms[8];

		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3 ||
		    perms[0] != 'r' || perms[1] != 'w')
			continue;
		if (m->n == cap) {
			struct stackmap *bigger;

			if (cap >= CPROF_STACKMAP_MAX_REGIONS)
				break;
			cap *= 2;
			bigger = cprof__realloc(m, sizeof(*m) +
						cap * sizeof(m->regions[0]));
			if (bigger == NULL)
				break;
			m = bigger;
		}
		/* Adjacent writable mappings (a stack and the TLS block above
		 * it) merge into one readable range. */
		if (m->n > 0 && m->regions[m->n - 1].hi == lo) {
			m->regions[m->n - 1].hi = hi;
			continue;
		}
		m->regions[m->n].lo = lo;
		m->regions[m->n].hi = hi;
		m->n++;
	}
out_close:
	fclose(f);
	return m;
}

static void stackmap_retire(struct stackmap *old)
{
	struct timespec pause = {0, 1000000};

	if (old == NULL)
		return;
	for (int waited = 0; waited < STACKMAP_RETIRE_WAIT_MS; waited++) {
		if (atomic_load(&stackmap_readers) == 0) {
			cprof__free(old);
			return;
		}
		nanosleep(&pause, NULL);
	}
	/* A reader was preempted for a second: leak rather than risk it. */
}

int cprof__stackmap_refresh(void)
{
	struct stackmap *m = stackmap_read();

	if (m == NULL)
		return CPROF_EIO;
	stackmap_retire(atomic_exchange(&stackmap_current, m));
	return 0;
}

void cprof__stackmap_fini(void)
{
	stackmap_retire(atomic_exchange(&stackmap_current, NULL));
}

bool cprof__stackmap_find_as(uintptr_t sp, uintptr_t *lo, uintptr_t *hi)
{
	const struct stackmap *m;
	bool found = false;
	size_t a = 0, b;

	atomic_fetch_add(&stackmap_readers, 1);
	m = atomic_load(&stackmap_current);
	b = m ? m->n : 0;
	while (a < b) { /* first region with hi > sp */
		size_t mid = a + (b - a) / 2;

		if (m->regions[mid].hi <= sp)
			a = mid + 1;
		else
			b = mid;
	}
	if (m != NULL && a < m->n && m->regions[a].lo <= sp) {
		*lo = m->regions[a].lo;
		*hi = m->regions[a].hi;
		found = true;
	}
	atomic_fetch_sub(&stackmap_readers, 1);
	return found;
}
