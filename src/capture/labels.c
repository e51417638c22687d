/*
 * labels.c - interned label sets and the per-thread label stack (see
 * labels.h).
 *
 * A push builds the new set (the current one with key=value added or
 * replaced, pairs sorted by key), looks it up in the intern table under
 * `labels_lock` (never taken in a handler) and makes it current; the set
 * it replaced goes on the thread's stack for the matching pop. The current
 * pointer is written with a release store after the set is complete, so a
 * signal handler on the same thread sees either the old set or the new one.
 */
#include "capture/labels.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#include "base/alloc.h"
#include "base/hindex.h"
#include "capture/threads.h"
#include "cprof.h"

__thread const struct cprof__label_set *cprof__labels_current;
static __thread const struct cprof__label_set
	*labels_stack[CPROF_LABELS_MAX_DEPTH];
static __thread int labels_depth;

/* Makes set the calling thread's labels, and publishes it in the thread's
 * registry slot for readers on other threads (the threads profile). The
 * TLS pointer is written after the set is complete (release), so a signal
 * handler on this thread sees the old set or the new one. */
static void labels_set_current(const struct cprof__label_set *set)
{
	struct cprof__thread *t;

	atomic_signal_fence(memory_order_release);
	cprof__labels_current = set;
	t = cprof__thread_self_as();
	if (t != NULL)
		atomic_store_explicit(&t->labels, set, memory_order_release);
}

static pthread_mutex_t labels_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cprof__hindex labels_index = CPROF_HINDEX_INIT;
static const struct cprof__label_set **labels_sets; /* labels_lock */
static size_t labels_nsets, labels_cap;

static uint32_t labels_hash(const struct cprof__label_pair *pairs, size_t n)
{
	uint32_t h = (uint32_t)n;

	for (size_t i = 0; i < n; i++) {
		for (const char *s = pairs[i].key; *s; s++)
			h = cprof__hash_mix(h, (unsigned char)*s);
		h = cprof__hash_mix(h, 0x100);
		for (const char *s = pairs[i].value; *s; s++)
			h = cprof__hash_mix(h, (unsigned char)*s);
		h = cprof__hash_mix(h, 0x101);
	}
	return h;
}

struct labels_key {
	const struct cprof__label_pair *pairs;
	size_t n;
};

static bool labels_equal(const void *ctx, uint32_t i, const void *key)
{
	const struct labels_key *k = key;
	const struct cprof__label_set *s = labels_sets[i];

	if (s->n != k->n)
		return false;
	for (size_t j = 0; j < k->n; j++)
		if (strcmp(s->pairs[j].key, k->pairs[j].key) != 0 ||
		    strcmp(s->pairs[j].value, k->pairs[j].value) != 0)
			return false;
	return true;
}

/* A new set with copies of the pairs' strings, in one allocation. */
static struct cprof__label_set *labels_new(const struct cprof__label_pair *p,
					   size_t n)
{
	size_t bytes = sizeof(struct cprof__label_set) + n * sizeof(*p);
	struct cprof__label_set *s;
	char *text;

	for (size_t i = 0; i < n; i++)
		bytes += strlen(p[i].key) + strlen(p[i].value) + 2;
	s = cprof__alloc(bytes);
	if (s == NULL)
		return NULL;
	s->n = (uint32_t)n;
	text = (char *)&s->pairs[n];
	for (size_t i = 0; i < n; i++) {
		size_t kl = strlen(p[i].key) + 1, vl = strlen(p[i].value) + 1;

		s->pairs[i].key = memcpy(text, p[i].key, kl);
		s->pairs[i].value = memcpy(text + kl, p[i].value, vl);
		text += kl + vl;
	}
	return s;
}

/* The interned set with these pairs; NULL when out of room. */
static const struct cprof__label_set *
labels_intern(const struct cprof__label_pair *pairs, size_t n)
{
	struct labels_key key = {pairs, n};
	uint32_t h = labels_hash(pairs, n), i;
	const struct cprof__label_set *set = NULL;
	size_t slot;
	int found;

	pthread_mutex_lock(&labels_lock);
	found = cprof__hindex_find(&labels_index, h, labels_equal, NULL, &key,
				   &i, &slot);
	if (found > 0) {
		set = labels_sets[i];
	} else if (found == 0 && labels_nsets < CPROF_LABELS_MAX_SETS) {
		if (labels_nsets == labels_cap) {
			size_t cap = labels_cap ? labels_cap * 2 : 64;
			const struct cprof__label_set **a = cprof__realloc(
				labels_sets, cap * sizeof(*a));

			if (a == NULL)
				goto out;
			labels_sets = a;
			labels_cap = cap;
		}
		set = labels_new(pairs, n);
		if (set != NULL) {
			labels_sets[labels_nsets] = set;
			cprof__hindex_add(&labels_index, slot, h,
					  (uint32_t)labels_nsets++);
		}
	}
out:
	pthread_mutex_unlock(&labels_lock);
	return set;
}

int cprof__labels_push(const char *key, const char *value)
{
	const struct cprof__label_set *cur = cprof__labels_current, *set;
	struct cprof__label_pair pairs[CPROF_LABELS_MAX_DEPTH + 1];
	size_t n = 0, i = 0;

	if (key == NULL || value == NULL || *key == '\0' ||
	    strlen(key) > CPROF_LABELS_MAX_STRING ||
	    strlen(value) > CPROF_LABELS_MAX_STRING ||
	    labels_depth == CPROF_LABELS_MAX_DEPTH)
		return CPROF_EINVAL;
	/* Merge key=value into the sorted pairs of the current set. */
	for (; cur != NULL && i < cur->n &&
	       strcmp(cur->pairs[i].key, key) < 0;
	     i++)
		pairs[n++] = cur->pairs[i];
	pairs[n++] = (struct cprof__label_pair){key, value};
	if (cur != NULL && i < cur->n && strcmp(cur->pairs[i].key, key) == 0)
		i++; /* replaced */
	for (; cur != NULL && i < cur->n && n <= CPROF_LABELS_MAX_DEPTH; i++)
		pairs[n++] = cur->pairs[i];
	set = labels_intern(pairs, n);
	if (set == NULL)
		return CPROF_ENOMEM;
	labels_stack[labels_depth++] = cur;
	labels_set_current(set);
	return 0;
}

int cprof__labels_pop(void)
{
	if (labels_depth == 0)
		return CPROF_ESTATE;
	labels_set_current(labels_stack[--labels_depth]);
	return 0;
}

void cprof__labels_adopt(const struct cprof__label_set *set)
{
	labels_set_current(set);
}
