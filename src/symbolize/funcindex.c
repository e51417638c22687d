/*
 * funcindex.c - which function's code holds an address, per compile unit.
 *
 * dwarf_getscopes answers this by walking the CU from its root for every
 * lookup, reading every sibling at every level: about 100 us an address
 * in glibc's big CUs, far too slow for a profile of thousands of pcs. So
 * the first lookup in a CU walks it once and keeps the code ranges of its
 * subprograms (including those nested in namespaces and classes, and the
 * cold parts of split functions), sorted; later lookups binary-search them
 * and only descend into the one function's blocks and inlined instances.
 *
 * The saved DIEs point into libdw's data of their module: the index is
 * dropped whenever the modules are re-reported. Bounded by
 * CPROF_SYM_INDEX_MAX_RANGES; past it the index starts afresh.
 */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "symbolize/symbolize_int.h"

struct funcindex_range {
	Dwarf_Addr lo, hi; /* [lo, hi) */
	size_t order;      /* position in the CU, for a stable sort */
	Dwarf_Die die;     /* the DW_TAG_subprogram */
};

struct funcindex_cu {
	Dwarf_CU *key;
	struct funcindex_range *ranges; /* sorted by lo */
	size_t n, cap;
};

static uint64_t funcindex_hash(const Dwarf_CU *key)
{
	uint64_t x = (uintptr_t)key;

	x ^= x >> 31;
	x *= 0x9e3779b97f4a7c15ull;
	return x ^ (x >> 29);
}

void cprof__sym_funcs_init(struct cprof__sym_funcs *f)
{
	memset(f, 0, sizeof(*f));
}

void cprof__sym_funcs_fini(struct cprof__sym_funcs *f)
{
	for (size_t i = 0; i < f->cap; i++) {
		if (f->slots[i] != NULL) {
			cprof__free(f->slots[i]->ranges);
			cprof__free(f->slots[i]);
		}
	}
	cprof__free(f->slots);
	memset(f, 0, sizeof(*f));
}

static int funcindex_push(struct funcindex_cu *cu, Dwarf_Addr lo,
			  Dwarf_Addr hi, const Dwarf_Die *die)
{
	if (cu->n == cu->cap) {
		size_t ncap = cu->cap ? cu->cap * 2 : 16;
		void *n = cprof__realloc(cu->ranges, ncap * sizeof(*cu->ranges));

		if (n == NULL)
			return -1;
		cu->ranges = n;
		cu->cap = ncap;
	}
	cu->ranges[cu->n].lo = lo;
	cu->ranges[cu->n].hi = hi;
	cu->ranges[cu->n].order = cu->n;
	cu->ranges[cu->n].die = *die;
	cu->n++;
	return 0;
}

static int funcindex_add_subprogram(struct funcindex_cu *cu, Dwarf_Die *die)
{
	Dwarf_Addr base, lo, hi;
	ptrdiff_t off = 0;

	while ((off = dwarf_ranges(die, off, &base, &lo, &hi)) > 0) {
		if (lo < hi && funcindex_push(cu, lo, hi, die))
			return -1;
	}
	return 0;
}

/* Whether code of a tag's children may be found inside it: scopes that
 * hold definitions (C++ namespaces, classes with in-class members). */
static bool funcindex_holds_functions(int tag)
{
	return tag == DW_TAG_namespace || tag == DW_TAG_class_type ||
	       tag == DW_TAG_structure_type || tag == DW_TAG_union_type ||
	       tag == DW_TAG_module;
}

static int funcindex_collect(struct funcindex_cu *cu, Dwarf_Die *parent,
			     int depth)
{
	Dwarf_Die child;

	/* Namespaces nest a few levels; anything deeper is not code. */
	if (depth > 16 || dwarf_child(parent, &child) != 0)
		return 0;
	do {
		int tag = dwarf_tag(&child);

		if (tag == DW_TAG_subprogram) {
			if (funcindex_add_subprogram(cu, &child))
				return -1;
		} else if (funcindex_holds_functions(tag)) {
			if (funcindex_collect(cu, &child, depth + 1))
				return -1;
		}
	} while (dwarf_siblingof(&child, &child) == 0);
	return 0;
}

static int funcindex_cmp(const void *a, const void *b)
{
	const struct funcindex_range *x = a, *y = b;

	/* The search ends at the last range starting at or below the
	 * address, so the best answer among ranges starting together sorts
	 * last: the narrower, and of equal ones (assembler-made DWARF gives
	 * each alias of a function its own DIE) the first in the CU. */
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	if (x->hi != y->hi)
		return x->hi > y->hi ? -1 : 1;
	return (x->order < y->order) - (x->order > y->order);
}

static struct funcindex_cu *funcindex_build(Dwarf_Die *cudie)
{
	struct funcindex_cu *cu = cprof__calloc(1, sizeof(*cu));

	if (cu == NULL)
		return NULL;
	cu->key = cudie->cu;
	if (funcindex_collect(cu, cudie, 0)) {
		cprof__free(cu->ranges);
		cprof__free(cu);
		return NULL;
	}
	qsort(cu->ranges, cu->n, sizeof(*cu->ranges), funcindex_cmp);
	return cu;
}

static int funcindex_insert(struct cprof__sym_funcs *f,
			    struct funcindex_cu *cu)
{
	size_t i;

	if ((f->len + 1) * 2 > f->cap) {
		size_t ncap = f->cap ? f->cap * 2 : 64;
		struct funcindex_cu **n = cprof__calloc(ncap, sizeof(*n));

		if (n == NULL)
			return -1;
		for (size_t j = 0; j < f->cap; j++) {
			if (f->slots[j] == NULL)
				continue;
			i = funcindex_hash(f->slots[j]->key) & (ncap - 1);
			while (n[i] != NULL)
				i = (i + 1) & (ncap - 1);
			n[i] = f->slots[j];
		}
		cprof__free(f->slots);
		f->slots = n;
		f->cap = ncap;
	}
	i = funcindex_hash(cu->key) & (f->cap - 1);
	while (f->slots[i] != NULL)
		i = (i + 1) & (f->cap - 1);
	f->slots[i] = cu;
	f->len++;
	f->ranges += cu->n;
	return 0;
}

static struct funcindex_cu *funcindex_get(struct cprof__sym_funcs *f,
					  Dwarf_Die *cudie)
{
	struct funcindex_cu *cu;

	for (size_t i = f->cap ? funcindex_hash(cudie->cu) & (f->cap - 1) : 0;
	     f->cap && (cu = f->slots[i]) != NULL; i = (i + 1) & (f->cap - 1)) {
		if (cu->key == cudie->cu)
			return cu;
	}
	cu = funcindex_build(cudie);
	if (cu == NULL)
		return NULL;
	if (f->ranges + cu->n > CPROF_SYM_INDEX_MAX_RANGES)
		cprof__sym_funcs_fini(f);
	if (funcindex_insert(f, cu)) {
		cprof__free(cu->ranges);
		cprof__free(cu);
		return NULL;
	}
	return cu;
}

bool cprof__sym_funcs_find(struct cprof__sym_funcs *f, Dwarf_Die *cudie,
			   Dwarf_Addr pc, Dwarf_Die *out)
{
	struct funcindex_cu *cu = funcindex_get(f, cudie);
	size_t lo = 0, hi;

	if (cu == NULL)
		return false;
	hi = cu->n;
	/* The last range starting at or below pc, then back while ranges
	 * still start below it (nested or overlapping ranges are rare). */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cu->ranges[mid].lo <= pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i-- > 0 && lo - i <= 8;) {
		if (pc < cu->ranges[i].hi) {
			*out = cu->ranges[i].die;
			return true;
		}
	}
	return false;
}
