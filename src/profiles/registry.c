/*
 * registry.c - the table of named profiles (see registry.h).
 *
 * Profile kinds add their static entry once, at start; the HTTP threads
 * read the table at any time. Adds are serialised by a lock; readers take
 * none: an entry's slot is written before the count that publishes it
 * (release), and readers load the count first (acquire). Entries are
 * never removed, so a reader's pointers stay valid. A name added twice
 * keeps its first entry.
 */
#include "profiles/registry.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "base/log.h"

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
/* Slots below registry_count are immutable; written under registry_lock. */
static const struct cprof__named_profile *registry_table[CPROF_MAX_NAMED_PROFILES];
static atomic_int registry_count;

const struct cprof__named_profile *cprof__registry_find(const char *name)
{
	int n = atomic_load_explicit(&registry_count, memory_order_acquire);
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(registry_table[i]->name, name) == 0)
			return registry_table[i];
	return NULL;
}

void cprof__registry_add(const struct cprof__named_profile *profile)
{
	int n;

	if (profile == NULL || profile->name == NULL)
		return;
	pthread_mutex_lock(&registry_lock);
	n = atomic_load_explicit(&registry_count, memory_order_relaxed);
	if (cprof__registry_find(profile->name) != NULL) {
		cprof__debug("registry: profile %s already registered",
			     profile->name);
	} else if (n == CPROF_MAX_NAMED_PROFILES) {
		cprof__debug("registry: table full, %s ignored", profile->name);
	} else {
		registry_table[n] = profile;
		atomic_store_explicit(&registry_count, n + 1,
				      memory_order_release);
	}
	pthread_mutex_unlock(&registry_lock);
}

const struct cprof__named_profile *const *cprof__registry_list(int *n)
{
	*n = atomic_load_explicit(&registry_count, memory_order_acquire);
	return registry_table;
}
