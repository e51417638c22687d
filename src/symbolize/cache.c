/*
 * cache.c - what each address resolved to, so that it is resolved once.
 *
 * Owns three open-addressing tables over one arena: addresses to their
 * frames, interned functions (so a profile fill maps each function to its
 * id once), and interned strings. Strings are copied out of libdw because a
 * refresh may unload the module they came from.
 *
 * Bounded: past CPROF_SYM_CACHE_MAX_ADDRS addresses or
 * CPROF_SYM_CACHE_MAX_BYTES of arena, everything is dropped and refilled
 * (a profile rarely has more distinct pcs than the bound; when a host does,
 * it pays libdw lookups again rather than unbounded memory).
 */
#include <string.h>

#include "base/alloc.h"
#include "symbolize/symbolize_int.h"

#define CACHE_MIN_CAP 256

static uint64_t cache_mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return x;
}

static uint64_t cache_str_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return h;
}

static uint64_t cache_func_hash(const char *name, const char *system_name,
				const char *file, int64_t start_line)
{
	/* Strings are interned: their addresses are their identity. */
	uint64_t h = cache_mix((uintptr_t)name);

	h = cache_mix(h ^ (uintptr_t)system_name);
	h = cache_mix(h ^ (uintptr_t)file);
	return cache_mix(h ^ (uint64_t)start_line);
}

void cprof__sym_cache_init(struct cprof__sym_cache *c)
{
	memset(c, 0, sizeof(*c));
	cprof__arena_init(&c->arena, CPROF_SYM_CACHE_MAX_BYTES);
}

void cprof__sym_cache_fini(struct cprof__sym_cache *c)
{
	cprof__arena_fini(&c->arena);
	cprof__free(c->addrs);
	cprof__free(c->funcs);
	cprof__free(c->strs);
	memset(c, 0, sizeof(*c));
}

size_t cprof__sym_cache_size(const struct cprof__sym_cache *c)
{
	return c->addrs_len;
}

/* Makes room for one more slot in a table of pointers kept at most half
 * full; rehash() re-inserts an old item into the new array. */
static int cache_grow(void ***slots, size_t *cap, size_t len,
		      uint64_t (*hash)(const void *item))
{
	void **old = *slots, **nslots;
	size_t ocap = *cap, ncap;

	if ((len + 1) * 2 <= ocap)
		return 0;
	ncap = ocap ? ocap * 2 : CACHE_MIN_CAP;
	nslots = cprof__calloc(ncap, sizeof(*nslots));
	if (nslots == NULL)
		return -1;
	for (size_t i = 0; i < ocap; i++) {
		size_t j;

		if (old[i] == NULL)
			continue;
		j = hash(old[i]) & (ncap - 1);
		while (nslots[j] != NULL)
			j = (j + 1) & (ncap - 1);
		nslots[j] = old[i];
	}
	cprof__free(old);
	*slots = nslots;
	*cap = ncap;
	return 0;
}

static uint64_t cache_entry_hash(const void *item)
{
	return cache_mix(((const struct cprof__sym_entry *)item)->addr);
}

static uint64_t cache_strs_hash(const void *item)
{
	return cache_str_hash(item);
}

static uint64_t cache_funcs_hash(const void *item)
{
	const struct cprof__sym_func *f = item;

	return cache_func_hash(f->name, f->system_name, f->file,
			       f->start_line);
}

struct cprof__sym_entry *cprof__sym_cache_get(struct cprof__sym_cache *c,
					      uint64_t addr)
{
	size_t mask = c->addrs_cap - 1;

	if (c->addrs_cap == 0)
		return NULL;
	for (size_t i = cache_mix(addr) & mask;; i = (i + 1) & mask) {
		struct cprof__sym_entry *e = c->addrs[i];

		if (e == NULL || e->addr == addr)
			return e;
	}
}

static const char *cache_intern(struct cprof__sym_cache *c, const char *s)
{
	size_t mask, i;
	char *copy;

	if (s == NULL)
		s = "";
	if (cache_grow((void ***)&c->strs, &c->strs_cap, c->strs_len,
		       cache_strs_hash))
		return NULL;
	mask = c->strs_cap - 1;
	for (i = cache_str_hash(s) & mask; c->strs[i] != NULL;
	     i = (i + 1) & mask) {
		if (strcmp(c->strs[i], s) == 0)
			return c->strs[i];
	}
	copy = cprof__arena_strndup(&c->arena, s, strlen(s));
	if (copy == NULL)
		return NULL;
	c->strs[i] = copy;
	c->strs_len++;
	return copy;
}

static struct cprof__sym_func *
cache_func(struct cprof__sym_cache *c, const char *name,
	   const char *system_name, const char *file, int64_t start_line)
{
	struct cprof__sym_func *f;
	size_t mask, i;

	if (cache_grow((void ***)&c->funcs, &c->funcs_cap, c->funcs_len,
		       cache_funcs_hash))
		return NULL;
	mask = c->funcs_cap - 1;
	for (i = cache_func_hash(name, system_name, file, start_line) & mask;
	     (f = c->funcs[i]) != NULL; i = (i + 1) & mask) {
		if (f->name == name && f->system_name == system_name &&
		    f->file == file && f->start_line == start_line)
			return f;
	}
	f = cprof__arena_zalloc(&c->arena, sizeof(*f));
	if (f == NULL)
		return NULL;
	f->name = name;
	f->system_name = system_name;
	f->file = file;
	f->start_line = start_line;
	c->funcs[i] = f;
	c->funcs_len++;
	return f;
}

/* The function of one raw frame: system_name is the linkage name (the
 * plain name in C), name its demangled form when there is one. */
static struct cprof__sym_func *
cache_frame_func(struct cprof__sym_cache *c,
		 const struct cprof__sym_raw_frame *rf)
{
	const char *linkage = rf->linkage ? rf->linkage : rf->name;
	char *demangled = cprof__sym_demangle(linkage);
	const char *system_name = cache_intern(c, linkage);
	const char *name = demangled ? cache_intern(c, demangled)
				     : system_name;
	const char *file = cache_intern(c, rf->file);

	cprof__sym_demangle_free(demangled);
	if (system_name == NULL || name == NULL || file == NULL)
		return NULL;
	return cache_func(c, name, system_name, file, rf->start_line);
}

static struct cprof__sym_entry *
cache_build(struct cprof__sym_cache *c, uint64_t addr,
	    const struct cprof__sym_raw *raw)
{
	struct cprof__sym_entry *e;
	size_t i;

	if (cache_grow((void ***)&c->addrs, &c->addrs_cap, c->addrs_len,
		       cache_entry_hash))
		return NULL;
	e = cprof__arena_zalloc(&c->arena, sizeof(*e));
	if (e == NULL)
		return NULL;
	e->addr = addr;
	e->dwarf = raw->dwarf;
	if (raw->n > 0) {
		e->frames = cprof__arena_alloc(&c->arena,
					       raw->n * sizeof(*e->frames));
		if (e->frames == NULL)
			return NULL;
	}
	for (i = 0; i < raw->n; i++) {
		e->frames[i].fn = cache_frame_func(c, &raw->frames[i]);
		if (e->frames[i].fn == NULL)
			return NULL;
		e->frames[i].line = raw->frames[i].line;
	}
	e->n_frames = (uint32_t)raw->n;
	for (i = cache_mix(addr) & (c->addrs_cap - 1); c->addrs[i] != NULL;
	     i = (i + 1) & (c->addrs_cap - 1))
		;
	c->addrs[i] = e;
	c->addrs_len++;
	return e;
}

static void cache_drop(struct cprof__sym_cache *c)
{
	cprof__sym_cache_fini(c);
	cprof__sym_cache_init(c);
}

struct cprof__sym_entry *cprof__sym_cache_put(struct cprof__sym_cache *c,
					      uint64_t addr,
					      const struct cprof__sym_raw *raw)
{
	struct cprof__sym_entry *e;

	if (c->addrs_len >= CPROF_SYM_CACHE_MAX_ADDRS)
		cache_drop(c);
	e = cache_build(c, addr, raw);
	if (e == NULL && c->addrs_len > 0) {
		/* Probably the byte bound: start afresh and try once more. */
		cache_drop(c);
		e = cache_build(c, addr, raw);
	}
	return e;
}
