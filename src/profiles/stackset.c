/*
 * stackset.c - stacks to location ids (see stackset.h).
 *
 * Addresses of all stacks go into one array (`addrs`), stacks keep offsets
 * into it, and the whole array goes to the symbolizer in one call (which
 * resolves each distinct address once and gives equal addresses one id).
 */
#include "profiles/stackset.h"

#include <string.h>

#include "base/alloc.h"
#include "capture/labels.h"
#include "capture/unwind.h"
#include "cprof.h"
#include "symbolize/symbolize.h"

#define STACKSET_TRUNCATED_FRAME "[cprof] truncated"

struct stackset_stack {
	size_t offset; /* into addrs / ids */
	size_t depth;
};

struct cprof__stackset {
	uint64_t *addrs;     /* every frame of every stack, as looked up */
	uint64_t *ids;       /* location id of each frame, after resolve */
	size_t len, cap;
	struct stackset_stack *stacks;
	size_t nstacks, stacks_cap;
};

struct cprof__stackset *cprof__stackset_new(void)
{
	return cprof__calloc(1, sizeof(struct cprof__stackset));
}

void cprof__stackset_free(struct cprof__stackset *set)
{
	if (set == NULL)
		return;
	cprof__free(set->addrs);
	cprof__free(set->ids);
	cprof__free(set->stacks);
	cprof__free(set);
}

static int stackset_grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 256;
	void *q;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	q = cprof__realloc(*p, n * elem);
	if (q == NULL)
		return CPROF_ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

long cprof__stackset_add(struct cprof__stackset *set, const uintptr_t *pcs,
			 int depth, bool leaf_is_return)
{
	size_t cap = set->cap;

	if (stackset_grow((void **)&set->addrs, &cap, set->len + (size_t)depth,
			  sizeof(uint64_t)) != 0 ||
	    stackset_grow((void **)&set->stacks, &set->stacks_cap,
			  set->nstacks + 1, sizeof(*set->stacks)) != 0)
		return -1;
	set->cap = cap;
	for (int i = 0; i < depth; i++)
		set->addrs[set->len + (size_t)i] =
			(i == 0 && !leaf_is_return) || pcs[i] == CPROF_PC_TRUNCATED
				? pcs[i]
				: pcs[i] - 1;
	set->stacks[set->nstacks].offset = set->len;
	set->stacks[set->nstacks].depth = (size_t)depth;
	set->len += (size_t)depth;
	return (long)set->nstacks++;
}

int cprof__stackset_resolve(struct cprof__stackset *set,
			    struct cprof__profile *p)
{
	uint64_t truncated = 0, *addrs, *ids;
	size_t n = 0;
	int rc;

	set->ids = cprof__calloc(set->len ? set->len : 1, sizeof(uint64_t));
	addrs = cprof__calloc(set->len ? set->len : 1, sizeof(uint64_t));
	ids = cprof__calloc(set->len ? set->len : 1, sizeof(uint64_t));
	rc = set->ids && addrs && ids ? 0 : CPROF_ENOMEM;
	/* The truncation mark is no address: it becomes a pseudo-frame, and
	 * only real addresses go to the symbolizer (which dedupes them). */
	for (size_t i = 0; rc == 0 && i < set->len; i++)
		if (set->addrs[i] != CPROF_PC_TRUNCATED)
			addrs[n++] = set->addrs[i];
	if (rc == 0)
		rc = cprof__symbolize_locations(p, addrs, n, ids);
	n = 0;
	for (size_t i = 0; rc == 0 && i < set->len; i++) {
		if (set->addrs[i] != CPROF_PC_TRUNCATED) {
			set->ids[i] = ids[n++];
			continue;
		}
		if (truncated == 0)
			truncated = cprof__profile_pseudo_location(
				p, STACKSET_TRUNCATED_FRAME);
		if (truncated == 0)
			rc = CPROF_ENOMEM;
		set->ids[i] = truncated;
	}
	cprof__free(addrs);
	cprof__free(ids);
	return rc;
}

const uint64_t *cprof__stackset_locations(const struct cprof__stackset *set,
					  long i, size_t *n)
{
	*n = set->stacks[i].depth;
	return set->ids + set->stacks[i].offset;
}

uint64_t cprof__profile_pseudo_location(struct cprof__profile *p,
					const char *name)
{
	struct cprof__line line = {0, 0, 0};

	line.function_id = cprof__profile_add_function(p, name, name, "", 0);
	if (line.function_id == 0)
		return 0;
	return cprof__profile_add_location(p, 0, 0, &line, 1);
}

size_t cprof__profile_labels(struct cprof__profile *p, const void *set,
			     struct cprof__label *out)
{
	const struct cprof__label_set *ls = set;

	if (ls == NULL)
		return 0;
	for (uint32_t i = 0; i < ls->n; i++) {
		out[i].key = cprof__profile_string(p, ls->pairs[i].key);
		out[i].str = cprof__profile_string(p, ls->pairs[i].value);
		out[i].num = 0;
		out[i].num_unit = 0;
	}
	return ls->n;
}
