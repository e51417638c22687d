/*
 * elfsym.c - names from ELF symbol tables, for code DWARF does not cover.
 *
 * Owns the fallback when an address has no DWARF function: a stripped
 * binary (Debian's redis-server keeps only .dynsym), hand-written assembly,
 * a library built without -g. libdwfl picks the best table a module has
 * (the file's .symtab, else the debug file's, else .dynsym, plus a
 * MiniDebugInfo table); but its address lookup scans the whole table each
 * time, so each module's function symbols are read once into a sorted
 * array here and searched by address.
 *
 * Only a symbol that contains the address names it: a nearest-below guess
 * would name a stripped binary's static functions after whatever exported
 * function precedes them, and a wrong name misleads more than none.
 * Names are borrowed from libdwfl: the index is dropped whenever modules
 * are re-reported. Bounded by CPROF_SYM_ELF_MAX_SYMS.
 */
#include <elfutils/libdwfl.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "symbolize/symbolize_int.h"

/* Symbols at one address are aliases; the search takes the last, so the
 * best-ranked sorts last. */
enum elfsym_rank {
	ELFSYM_LOCAL,
	ELFSYM_WEAK,
	ELFSYM_GLOBAL,
};

/* How far back from the nearest symbol below an address the search looks
 * for one containing it (aliases and nested symbols). */
#define ELFSYM_BACKTRACK 8

struct elfsym_sym {
	uint64_t addr, size;
	const char *name;
	int rank;
};

struct elfsym_mod {
	Dwfl_Module *key;
	struct elfsym_sym *syms; /* sorted by addr, then rank */
	size_t n;
};

static uint64_t elfsym_hash(const Dwfl_Module *key)
{
	uint64_t x = (uintptr_t)key;

	x ^= x >> 31;
	x *= 0x9e3779b97f4a7c15ull;
	return x ^ (x >> 29);
}

void cprof__sym_elfsyms_init(struct cprof__sym_elfsyms *t)
{
	memset(t, 0, sizeof(*t));
}

void cprof__sym_elfsyms_fini(struct cprof__sym_elfsyms *t)
{
	for (size_t i = 0; i < t->cap; i++) {
		if (t->slots[i] != NULL) {
			cprof__free(t->slots[i]->syms);
			cprof__free(t->slots[i]);
		}
	}
	cprof__free(t->slots);
	memset(t, 0, sizeof(*t));
}

static int elfsym_rank_of(const GElf_Sym *sym)
{
	switch (GELF_ST_BIND(sym->st_info)) {
	case STB_GLOBAL:
		return ELFSYM_GLOBAL;
	case STB_WEAK:
		return ELFSYM_WEAK;
	default:
		return ELFSYM_LOCAL;
	}
}

/* Code symbols only: functions, and sized untyped ones (assembly). */
static bool elfsym_is_code(const GElf_Sym *sym)
{
	int type = GELF_ST_TYPE(sym->st_info);

	if (sym->st_shndx == SHN_UNDEF || sym->st_size == 0)
		return false;
	return type == STT_FUNC || type == STT_GNU_IFUNC ||
	       type == STT_NOTYPE;
}

static int elfsym_cmp(const void *a, const void *b)
{
	const struct elfsym_sym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return (x->rank > y->rank) - (x->rank < y->rank);
}

static struct elfsym_mod *elfsym_build(Dwfl_Module *mod)
{
	struct elfsym_mod *m = cprof__calloc(1, sizeof(*m));
	int n = dwfl_module_getsymtab(mod);

	if (m == NULL)
		return NULL;
	m->key = mod;
	if (n <= 1)
		return m;
	m->syms = cprof__calloc((size_t)n, sizeof(*m->syms));
	if (m->syms == NULL) {
		cprof__free(m);
		return NULL;
	}
	for (int i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		const char *name = dwfl_module_getsym_info(mod, i, &sym, &addr,
							   NULL, NULL, NULL);

		if (name == NULL || name[0] == '\0' || !elfsym_is_code(&sym))
			continue;
		m->syms[m->n].addr = addr;
		m->syms[m->n].size = sym.st_size;
		m->syms[m->n].name = name;
		m->syms[m->n].rank = elfsym_rank_of(&sym);
		m->n++;
	}
	qsort(m->syms, m->n, sizeof(*m->syms), elfsym_cmp);
	return m;
}

static int elfsym_insert(struct cprof__sym_elfsyms *t, struct elfsym_mod *m)
{
	size_t i;

	if ((t->len + 1) * 2 > t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 32;
		struct elfsym_mod **n = cprof__calloc(ncap, sizeof(*n));

		if (n == NULL)
			return -1;
		for (size_t j = 0; j < t->cap; j++) {
			if (t->slots[j] == NULL)
				continue;
			i = elfsym_hash(t->slots[j]->key) & (ncap - 1);
			while (n[i] != NULL)
				i = (i + 1) & (ncap - 1);
			n[i] = t->slots[j];
		}
		cprof__free(t->slots);
		t->slots = n;
		t->cap = ncap;
	}
	i = elfsym_hash(m->key) & (t->cap - 1);
	while (t->slots[i] != NULL)
		i = (i + 1) & (t->cap - 1);
	t->slots[i] = m;
	t->len++;
	t->syms += m->n;
	return 0;
}

static struct elfsym_mod *elfsym_get(struct cprof__sym_elfsyms *t,
				     Dwfl_Module *mod)
{
	struct elfsym_mod *m;

	for (size_t i = t->cap ? elfsym_hash(mod) & (t->cap - 1) : 0;
	     t->cap && (m = t->slots[i]) != NULL; i = (i + 1) & (t->cap - 1)) {
		if (m->key == mod)
			return m;
	}
	m = elfsym_build(mod);
	if (m == NULL)
		return NULL;
	if (t->syms + m->n > CPROF_SYM_ELF_MAX_SYMS)
		cprof__sym_elfsyms_fini(t);
	if (elfsym_insert(t, m)) {
		cprof__free(m->syms);
		cprof__free(m);
		return NULL;
	}
	return m;
}

const char *cprof__sym_elf_lookup(struct cprof__sym_elfsyms *t,
				  Dwfl_Module *mod, uint64_t addr)
{
	struct elfsym_mod *m = elfsym_get(t, mod);
	size_t lo = 0, hi;

	if (m == NULL)
		return NULL;
	hi = m->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i-- > 0 && lo - i <= ELFSYM_BACKTRACK;) {
		if (addr - m->syms[i].addr < m->syms[i].size)
			return m->syms[i].name;
	}
	return NULL;
}
