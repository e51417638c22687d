/*
 * profile.c - the profile model: building, interning, lookups, validation.
 *
 * Owns the private index behind struct cprof__strtab: the string-interning
 * table, the function dedup table and the id tables that make lookups O(1)
 * for profiles whose ids are sparse (decoded ones). The tables are open
 * addressing over 64-bit slots (hash in the high half, item index + 1 in the
 * low half) so they grow without re-reading the items. They live on the
 * heap, not in the arena, because they are rebuilt as they grow; the items
 * they point at live in the arena. Indexing is lazy: a decoded profile
 * pays for interning only if someone adds strings to it afterwards.
 *
 * The wire format is encode.c's and decode.c's business, not this file's.
 */
#include "pprof/profile.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/log.h"
#include "cprof.h"

/* Item counts must fit the 32-bit index half of a slot. */
#define PROFILE_MAX_ITEMS ((size_t)UINT32_MAX - 1)

struct profile_table {
	uint64_t *slots; /* 0: empty; else hash << 32 | (index + 1) */
	size_t mask;     /* slots - 1; slots is a power of two */
	size_t count;
};

enum { PROFILE_MAPPINGS, PROFILE_LOCATIONS, PROFILE_FUNCTIONS, PROFILE_KINDS };

struct profile_ids {
	struct profile_table table;
	bool built;      /* table covers every item; else ids are dense */
	uint64_t max_id;
};

/* The private index (the name is the header's; it indexes more than
 * strings). Owned by the profile, freed by cprof__profile_free. */
struct cprof__strtab {
	struct profile_table strings;
	size_t strings_indexed; /* strings.items[0..n) are in the table */
	struct profile_table functions;
	size_t functions_indexed;
	struct profile_ids ids[PROFILE_KINDS];
};

static const char *const profile_kind_names[PROFILE_KINDS] = {
	"mapping", "location", "function",
};

static void profile_fail(struct cprof__profile *p, int error)
{
	if (p->error == 0)
		p->error = error;
}

static uint32_t profile_hash_bytes(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return (uint32_t)(h ^ (h >> 32));
}

static uint32_t profile_hash_u64(uint64_t v)
{
	v ^= v >> 33;
	v *= 0xff51afd7ed558ccdull;
	v ^= v >> 33;
	return (uint32_t)v;
}

/* ---- open-addressing tables ---- */

static void table_fini(struct profile_table *t)
{
	cprof__free(t->slots);
	memset(t, 0, sizeof(*t));
}

static void table_put(struct profile_table *t, uint32_t hash, size_t idx)
{
	size_t i = hash & t->mask;

	while (t->slots[i] != 0)
		i = (i + 1) & t->mask;
	t->slots[i] = (uint64_t)hash << 32 | (uint64_t)(idx + 1);
	t->count++;
}

/* Makes room for one more entry at a load factor of at most 1/2. */
static int table_reserve(struct profile_table *t, size_t extra)
{
	struct profile_table grown = { 0 };
	size_t want = t->count + extra, n = 16;

	if (t->slots != NULL && want <= (t->mask + 1) / 2)
		return 0;
	while (n / 2 < want) {
		if (n > SIZE_MAX / 2 / sizeof(uint64_t))
			return CPROF_ENOMEM;
		n *= 2;
	}
	grown.slots = cprof__calloc(n, sizeof(uint64_t));
	if (grown.slots == NULL)
		return CPROF_ENOMEM;
	grown.mask = n - 1;
	for (size_t i = 0; t->slots != NULL && i <= t->mask; i++) {
		uint64_t s = t->slots[i];

		if (s != 0)
			table_put(&grown, (uint32_t)(s >> 32), (uint32_t)s - 1);
	}
	cprof__free(t->slots);
	*t = grown;
	return 0;
}

/* Iterates the entries whose hash matches: returns index + 1, 0 at the end.
 * *pos starts at SIZE_MAX. */
static size_t table_next(const struct profile_table *t, uint32_t hash,
			 size_t *pos)
{
	size_t i;

	if (t->slots == NULL)
		return 0;
	i = *pos == SIZE_MAX ? hash & t->mask : (*pos + 1) & t->mask;
	for (; t->slots[i] != 0; i = (i + 1) & t->mask) {
		if ((uint32_t)(t->slots[i] >> 32) == hash) {
			*pos = i;
			return (uint32_t)t->slots[i];
		}
	}
	return 0;
}

/* ---- lifecycle and growth ---- */

static struct cprof__strtab *profile_priv(struct cprof__profile *p)
{
	if (p->strtab == NULL) {
		p->strtab = cprof__calloc(1, sizeof(*p->strtab));
		if (p->strtab == NULL)
			profile_fail(p, CPROF_ENOMEM);
	}
	return p->strtab;
}

/* Doubles a vector's storage in the arena; the old block stays behind (an
 * arena never frees), which bounds the waste at the final size. */
static void *profile_grow(struct cprof__profile *p, void *itemsp, size_t *cap,
			  size_t len, size_t size)
{
	size_t ncap = *cap ? *cap * 2 : 8;
	void *old, *grown;

	if (ncap > PROFILE_MAX_ITEMS || ncap > SIZE_MAX / size) {
		profile_fail(p, CPROF_ENOMEM);
		return NULL;
	}
	grown = cprof__arena_alloc(&p->arena, ncap * size);
	if (grown == NULL) {
		profile_fail(p, CPROF_ENOMEM);
		return NULL;
	}
	memcpy(&old, itemsp, sizeof(old));
	if (len != 0)
		memcpy(grown, old, len * size);
	memcpy(itemsp, &grown, sizeof(grown));
	*cap = ncap;
	return grown;
}

/* Appends one zeroed element to vec; NULL (profile marked failed) if not. */
#define PROFILE_PUSH(p, vec)                                                  \
	(((vec).len < (vec).cap ||                                            \
	  profile_grow((p), &(vec).items, &(vec).cap, (vec).len,              \
		       sizeof(*(vec).items)))                                 \
		 ? memset(&(vec).items[(vec).len++], 0, sizeof(*(vec).items)) \
		 : NULL)

struct cprof__profile *cprof__profile_new(void)
{
	struct cprof__profile *p = cprof__calloc(1, sizeof(*p));
	const char **s;
	size_t *n;

	if (p == NULL)
		return NULL;
	cprof__arena_init(&p->arena, 0);
	s = PROFILE_PUSH(p, p->strings);
	n = PROFILE_PUSH(p, p->string_lengths);
	if (s == NULL || n == NULL) {
		cprof__profile_free(p);
		return NULL;
	}
	*s = "";
	return p;
}

void cprof__profile_free(struct cprof__profile *p)
{
	if (p == NULL)
		return;
	if (p->strtab != NULL) {
		table_fini(&p->strtab->strings);
		table_fini(&p->strtab->functions);
		for (int k = 0; k < PROFILE_KINDS; k++)
			table_fini(&p->strtab->ids[k].table);
		cprof__free(p->strtab);
	}
	cprof__arena_fini(&p->arena);
	cprof__free(p);
}

int cprof__profile_error(const struct cprof__profile *p)
{
	return p->error;
}

/* ---- strings ---- */

static bool profile_str_eq(const struct cprof__profile *p, size_t i,
			   const char *s, size_t n)
{
	return p->string_lengths.items[i] == n &&
	       memcmp(p->strings.items[i], s, n) == 0;
}

static int64_t profile_str_find(const struct cprof__profile *p,
				const struct profile_table *t, uint32_t hash,
				const char *s, size_t n)
{
	size_t pos = SIZE_MAX, idx;

	while ((idx = table_next(t, hash, &pos)) != 0) {
		if (profile_str_eq(p, idx - 1, s, n))
			return (int64_t)(idx - 1);
	}
	return -1;
}

/* Brings the interning table up to date with strings appended without it
 * (by the decoder); the first of equal strings wins. */
static int profile_str_catch_up(struct cprof__profile *p,
				struct cprof__strtab *x)
{
	size_t todo = p->strings.len - x->strings_indexed;

	if (table_reserve(&x->strings, todo + 1) != 0)
		return CPROF_ENOMEM;
	for (size_t i = x->strings_indexed; i < p->strings.len; i++) {
		const char *s = p->strings.items[i];
		size_t n = p->string_lengths.items[i];
		uint32_t h = profile_hash_bytes(s, n);

		if (profile_str_find(p, &x->strings, h, s, n) < 0)
			table_put(&x->strings, h, i);
	}
	x->strings_indexed = p->strings.len;
	return 0;
}

int64_t cprof__profile_string_n(struct cprof__profile *p, const char *s,
				size_t n)
{
	struct cprof__strtab *x = profile_priv(p);
	const char **slot;
	size_t *len;
	char *copy;
	uint32_t h = profile_hash_bytes(s, n);
	int64_t found;

	if (n == 0)
		return 0;
	if (x == NULL || profile_str_catch_up(p, x) != 0 ||
	    table_reserve(&x->strings, 1) != 0)
		goto fail;
	found = profile_str_find(p, &x->strings, h, s, n);
	if (found >= 0)
		return found;
	copy = cprof__arena_strndup(&p->arena, s, n);
	if (copy == NULL || (slot = PROFILE_PUSH(p, p->strings)) == NULL)
		goto fail;
	if ((len = PROFILE_PUSH(p, p->string_lengths)) == NULL) {
		p->strings.len--;
		goto fail;
	}
	*slot = copy;
	*len = n;
	table_put(&x->strings, h, p->strings.len - 1);
	x->strings_indexed = p->strings.len;
	return (int64_t)(p->strings.len - 1);
fail:
	profile_fail(p, CPROF_ENOMEM);
	return 0;
}

int64_t cprof__profile_string(struct cprof__profile *p, const char *s)
{
	return cprof__profile_string_n(p, s ? s : "", s ? strlen(s) : 0);
}

const char *cprof__profile_str(const struct cprof__profile *p, int64_t i)
{
	if (i < 0 || (uint64_t)i >= p->strings.len)
		return "";
	return p->strings.items[i];
}

/* ---- header fields ---- */

int cprof__profile_add_sample_type(struct cprof__profile *p,
				   const char *type, const char *unit)
{
	int64_t t = cprof__profile_string(p, type);
	int64_t u = cprof__profile_string(p, unit);
	struct cprof__value_type *vt;

	if (p->error)
		return p->error;
	vt = PROFILE_PUSH(p, p->sample_types);
	if (vt == NULL)
		return p->error;
	vt->type = t;
	vt->unit = u;
	return 0;
}

void cprof__profile_set_period(struct cprof__profile *p, const char *type,
			       const char *unit, int64_t period)
{
	p->period_type.type = cprof__profile_string(p, type);
	p->period_type.unit = cprof__profile_string(p, unit);
	p->period = period;
}

void cprof__profile_add_comment(struct cprof__profile *p, const char *text)
{
	int64_t s = cprof__profile_string(p, text);
	int64_t *c;

	if (p->error)
		return;
	c = PROFILE_PUSH(p, p->comments);
	if (c != NULL)
		*c = s;
}

/* ---- ids ---- */

static const void *profile_items(const struct cprof__profile *p, int kind,
				 size_t *n, size_t *stride)
{
	switch (kind) {
	case PROFILE_MAPPINGS:
		*n = p->mappings.len;
		*stride = sizeof(*p->mappings.items);
		return p->mappings.items;
	case PROFILE_LOCATIONS:
		*n = p->locations.len;
		*stride = sizeof(*p->locations.items);
		return p->locations.items;
	default:
		*n = p->functions.len;
		*stride = sizeof(*p->functions.items);
		return p->functions.items;
	}
}

/* Every item struct starts with its uint64_t id. */
static uint64_t profile_item_id(const void *items, size_t stride, size_t i)
{
	uint64_t id;

	memcpy(&id, (const char *)items + i * stride, sizeof(id));
	return id;
}

static bool profile_ids_dense(const void *items, size_t n, size_t stride)
{
	for (size_t i = 0; i < n; i++) {
		if (profile_item_id(items, stride, i) != i + 1)
			return false;
	}
	return true;
}

/* Finds the item with this id: the dense fast path, the index, or a scan
 * (a hand-edited profile that was never indexed). */
static const void *profile_find_in(const struct cprof__profile *p, int kind,
				   const struct profile_ids *ids, uint64_t id)
{
	size_t n, stride, pos = SIZE_MAX, idx;
	const char *items = profile_items(p, kind, &n, &stride);
	uint32_t h = profile_hash_u64(id);

	if (id == 0)
		return NULL;
	if (id <= n && profile_item_id(items, stride, id - 1) == id)
		return items + (id - 1) * stride;
	if (ids != NULL && ids->built) {
		while ((idx = table_next(&ids->table, h, &pos)) != 0) {
			if (profile_item_id(items, stride, idx - 1) == id)
				return items + (idx - 1) * stride;
		}
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (profile_item_id(items, stride, i) == id)
			return items + i * stride;
	}
	return NULL;
}

static const void *profile_find_id(const struct cprof__profile *p, int kind,
				   uint64_t id)
{
	return profile_find_in(p, kind, p->strtab ? &p->strtab->ids[kind] : NULL,
			       id);
}

/* Builds one id table; returns the index of a zero or duplicate id's item
 * in *bad (and CPROF_EINVAL), or CPROF_ENOMEM. */
static int profile_ids_build(struct profile_ids *ids, const char *items,
			     size_t n, size_t stride, size_t *bad)
{
	size_t pos, idx;

	table_fini(&ids->table);
	ids->built = false;
	ids->max_id = 0;
	if (table_reserve(&ids->table, n) != 0)
		return CPROF_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		uint64_t id = profile_item_id(items, stride, i);
		uint32_t h = profile_hash_u64(id);

		pos = SIZE_MAX;
		while ((idx = table_next(&ids->table, h, &pos)) != 0) {
			if (profile_item_id(items, stride, idx - 1) == id)
				break;
		}
		if (id == 0 || idx != 0) {
			*bad = i;
			table_fini(&ids->table);
			return CPROF_EINVAL;
		}
		table_put(&ids->table, h, i);
		if (id > ids->max_id)
			ids->max_id = id;
	}
	ids->built = true;
	return 0;
}

static int profile_ids_error(int kind, const void *items, size_t stride,
			     size_t bad, char *err, size_t err_size)
{
	uint64_t id = profile_item_id(items, stride, bad);

	if (id == 0)
		cprof__errf(err, err_size, "found %s with reserved id=0",
			     profile_kind_names[kind]);
	else
		cprof__errf(err, err_size, "multiple %ss with same id: %" PRIu64,
			     profile_kind_names[kind], id);
	return CPROF_EINVAL;
}

int cprof__profile_index(struct cprof__profile *p, char *err, size_t err_size)
{
	struct cprof__strtab *x = profile_priv(p);

	if (x == NULL) {
		cprof__errf(err, err_size, "out of memory");
		return CPROF_ENOMEM;
	}
	for (int k = 0; k < PROFILE_KINDS; k++) {
		size_t n, stride, bad = 0;
		const void *items = profile_items(p, k, &n, &stride);
		int rc;

		if (profile_ids_dense(items, n, stride)) {
			table_fini(&x->ids[k].table);
			x->ids[k].built = false;
			continue;
		}
		rc = profile_ids_build(&x->ids[k], items, n, stride, &bad);
		if (rc == CPROF_EINVAL)
			return profile_ids_error(k, items, stride, bad, err,
						 err_size);
		if (rc != 0) {
			cprof__errf(err, err_size, "out of memory");
			return rc;
		}
	}
	return 0;
}

/* The id for a new item: len + 1 while ids are dense, past the largest id
 * of an indexed (decoded, sparse) profile otherwise. */
static uint64_t profile_next_id(struct cprof__profile *p, int kind)
{
	size_t n, stride;

	profile_items(p, kind, &n, &stride);
	if (p->strtab != NULL && p->strtab->ids[kind].built)
		return p->strtab->ids[kind].max_id + 1;
	return (uint64_t)n + 1;
}

/* Records the item just appended (index len - 1) in a built id table. */
static void profile_note_id(struct cprof__profile *p, int kind, uint64_t id)
{
	struct profile_ids *ids;
	size_t n, stride;

	if (p->strtab == NULL || !p->strtab->ids[kind].built)
		return;
	ids = &p->strtab->ids[kind];
	profile_items(p, kind, &n, &stride);
	if (table_reserve(&ids->table, 1) != 0) {
		/* Fall back to scans rather than a wrong answer. */
		table_fini(&ids->table);
		ids->built = false;
		profile_fail(p, CPROF_ENOMEM);
		return;
	}
	table_put(&ids->table, profile_hash_u64(id), n - 1);
	ids->max_id = id;
}

/* ---- mappings, functions, locations, samples ---- */

uint64_t cprof__profile_add_mapping(struct cprof__profile *p,
				    const struct cprof__mapping *m)
{
	uint64_t id = profile_next_id(p, PROFILE_MAPPINGS);
	struct cprof__mapping *slot;

	if (p->error || (slot = PROFILE_PUSH(p, p->mappings)) == NULL)
		return 0;
	*slot = *m;
	slot->id = id;
	profile_note_id(p, PROFILE_MAPPINGS, id);
	return p->error ? 0 : id;
}

static uint32_t profile_hash_function(const struct cprof__function *f)
{
	return profile_hash_u64((uint64_t)f->name * 31 ^
				(uint64_t)f->system_name * 961 ^
				(uint64_t)f->filename * 29791 ^
				(uint64_t)f->start_line);
}

static bool profile_function_eq(const struct cprof__function *a,
				const struct cprof__function *b)
{
	return a->name == b->name && a->system_name == b->system_name &&
	       a->filename == b->filename && a->start_line == b->start_line;
}

/* Finds an equal function, indexing any added without the table first. */
static const struct cprof__function *
profile_function_find(struct cprof__profile *p, struct cprof__strtab *x,
		      const struct cprof__function *f, uint32_t h)
{
	size_t todo = p->functions.len - x->functions_indexed, pos, idx;

	if (table_reserve(&x->functions, todo + 1) != 0) {
		profile_fail(p, CPROF_ENOMEM);
		return NULL;
	}
	for (; x->functions_indexed < p->functions.len; x->functions_indexed++) {
		const struct cprof__function *g =
			&p->functions.items[x->functions_indexed];

		table_put(&x->functions, profile_hash_function(g),
			  x->functions_indexed);
	}
	pos = SIZE_MAX;
	while ((idx = table_next(&x->functions, h, &pos)) != 0) {
		if (profile_function_eq(&p->functions.items[idx - 1], f))
			return &p->functions.items[idx - 1];
	}
	return NULL;
}

uint64_t cprof__profile_add_function(struct cprof__profile *p,
				     const char *name, const char *system_name,
				     const char *filename, int64_t start_line)
{
	struct cprof__function f = {
		.name = cprof__profile_string(p, name),
		.system_name = cprof__profile_string(p, system_name),
		.filename = cprof__profile_string(p, filename),
		.start_line = start_line,
	};
	struct cprof__strtab *x = profile_priv(p);
	const struct cprof__function *old;
	struct cprof__function *slot;
	uint32_t h = profile_hash_function(&f);

	if (p->error || x == NULL)
		return 0;
	old = profile_function_find(p, x, &f, h);
	if (old != NULL || p->error)
		return old ? old->id : 0;
	f.id = profile_next_id(p, PROFILE_FUNCTIONS);
	if ((slot = PROFILE_PUSH(p, p->functions)) == NULL)
		return 0;
	*slot = f;
	table_put(&x->functions, h, p->functions.len - 1);
	x->functions_indexed = p->functions.len;
	profile_note_id(p, PROFILE_FUNCTIONS, f.id);
	return p->error ? 0 : f.id;
}

/* Copies n elements of size bytes into the arena (NULL for n == 0). */
static void *profile_dup(struct cprof__profile *p, const void *src, size_t n,
			 size_t size, bool *ok)
{
	void *copy;

	*ok = true;
	if (n == 0)
		return NULL;
	if (n > SIZE_MAX / size ||
	    (copy = cprof__arena_alloc(&p->arena, n * size)) == NULL) {
		profile_fail(p, CPROF_ENOMEM);
		*ok = false;
		return NULL;
	}
	memcpy(copy, src, n * size);
	return copy;
}

uint64_t cprof__profile_add_location(struct cprof__profile *p,
				     uint64_t mapping_id, uint64_t address,
				     const struct cprof__line *lines,
				     size_t n_lines)
{
	uint64_t id = profile_next_id(p, PROFILE_LOCATIONS);
	struct cprof__location *slot;
	struct cprof__line *copy;
	bool ok;

	if (p->error)
		return 0;
	copy = profile_dup(p, lines, n_lines, sizeof(*lines), &ok);
	if (!ok || (slot = PROFILE_PUSH(p, p->locations)) == NULL)
		return 0;
	slot->id = id;
	slot->mapping_id = mapping_id;
	slot->address = address;
	slot->lines = copy;
	slot->n_lines = n_lines;
	profile_note_id(p, PROFILE_LOCATIONS, id);
	return p->error ? 0 : id;
}

int cprof__profile_add_sample(struct cprof__profile *p,
			      const uint64_t *location_ids, size_t n_locations,
			      const int64_t *values, size_t n_values,
			      const struct cprof__label *labels,
			      size_t n_labels)
{
	struct cprof__sample s = { .n_locations = n_locations,
				   .n_values = n_values,
				   .n_labels = n_labels };
	struct cprof__sample *slot;
	bool ok1, ok2, ok3;

	if (p->error)
		return p->error;
	if (n_values != p->sample_types.len) {
		profile_fail(p, CPROF_EINVAL);
		return CPROF_EINVAL;
	}
	s.location_ids = profile_dup(p, location_ids, n_locations,
				     sizeof(*location_ids), &ok1);
	s.values = profile_dup(p, values, n_values, sizeof(*values), &ok2);
	s.labels = profile_dup(p, labels, n_labels, sizeof(*labels), &ok3);
	if (!ok1 || !ok2 || !ok3 || (slot = PROFILE_PUSH(p, p->samples)) == NULL)
		return p->error;
	*slot = s;
	return 0;
}

/* ---- lookups ---- */

const struct cprof__location *
cprof__profile_location(const struct cprof__profile *p, uint64_t id)
{
	return profile_find_id(p, PROFILE_LOCATIONS, id);
}

const struct cprof__function *
cprof__profile_function(const struct cprof__profile *p, uint64_t id)
{
	return profile_find_id(p, PROFILE_FUNCTIONS, id);
}

const struct cprof__mapping *
cprof__profile_mapping(const struct cprof__profile *p, uint64_t id)
{
	return profile_find_id(p, PROFILE_MAPPINGS, id);
}

/* ---- validation ---- */

static bool profile_str_ok(const struct cprof__profile *p, int64_t i)
{
	return i >= 0 && (uint64_t)i < p->strings.len;
}

#define PROFILE_CHECK_STR(p, v, what, ...)                                    \
	do {                                                                  \
		if (!profile_str_ok((p), (v))) {                              \
			cprof__errf(err, err_size,                           \
				     "string index %" PRId64 " out of range " \
				     "(%zu strings) in " what,                \
				     (int64_t)(v), (p)->strings.len,          \
				     ##__VA_ARGS__);                          \
			return CPROF_EINVAL;                                  \
		}                                                             \
	} while (0)

static int profile_validate_header(const struct cprof__profile *p, char *err,
				   size_t err_size)
{
	if (p->strings.len == 0 || p->string_lengths.items[0] != 0) {
		cprof__errf(err, err_size, "string_table[0] must be ''");
		return CPROF_EINVAL;
	}
	for (size_t i = 0; i < p->sample_types.len; i++) {
		PROFILE_CHECK_STR(p, p->sample_types.items[i].type,
				  "sample_type %zu", i);
		PROFILE_CHECK_STR(p, p->sample_types.items[i].unit,
				  "sample_type %zu", i);
	}
	for (size_t i = 0; i < p->comments.len; i++)
		PROFILE_CHECK_STR(p, p->comments.items[i], "comment %zu", i);
	PROFILE_CHECK_STR(p, p->period_type.type, "period_type");
	PROFILE_CHECK_STR(p, p->period_type.unit, "period_type");
	PROFILE_CHECK_STR(p, p->drop_frames, "drop_frames");
	PROFILE_CHECK_STR(p, p->keep_frames, "keep_frames");
	PROFILE_CHECK_STR(p, p->default_sample_type, "default_sample_type");
	PROFILE_CHECK_STR(p, p->doc_url, "doc_url");
	if (p->samples.len != 0 && p->sample_types.len == 0) {
		cprof__errf(err, err_size, "missing sample type information");
		return CPROF_EINVAL;
	}
	return 0;
}

/* Ids must be non-zero and unique; ids[kind] gets what lookups should use
 * (NULL: dense, so the fast path always answers). */
static int profile_validate_ids(const struct cprof__profile *p, int kind,
				struct profile_ids *tmp,
				const struct profile_ids **use, char *err,
				size_t err_size)
{
	size_t n, stride, bad = 0;
	const void *items = profile_items(p, kind, &n, &stride);
	int rc;

	*use = NULL;
	if (profile_ids_dense(items, n, stride))
		return 0;
	if (p->strtab != NULL && p->strtab->ids[kind].built) {
		*use = &p->strtab->ids[kind];
		return 0;
	}
	rc = profile_ids_build(tmp, items, n, stride, &bad);
	if (rc == CPROF_EINVAL)
		return profile_ids_error(kind, items, stride, bad, err,
					 err_size);
	if (rc != 0) {
		cprof__errf(err, err_size, "out of memory");
		return rc;
	}
	*use = tmp;
	return 0;
}

/* Does an item with this id exist? ids is what profile_validate_ids chose:
 * NULL for dense ids, where a range check answers without touching the
 * items (the sample loop makes millions of these calls). */
static bool profile_id_known(const struct cprof__profile *p, int kind,
			     const struct profile_ids *ids, uint64_t id)
{
	size_t n, stride;

	if (ids == NULL) {
		profile_items(p, kind, &n, &stride);
		return id != 0 && id <= n;
	}
	return profile_find_in(p, kind, ids, id) != NULL;
}

static int profile_validate_samples(const struct cprof__profile *p,
				    const struct profile_ids *locs, char *err,
				    size_t err_size)
{
	for (size_t i = 0; i < p->samples.len; i++) {
		const struct cprof__sample *s = &p->samples.items[i];

		if (s->n_values != p->sample_types.len) {
			cprof__errf(err, err_size,
				     "mismatch: sample %zu has %zu values vs. "
				     "%zu types", i, s->n_values,
				     p->sample_types.len);
			return CPROF_EINVAL;
		}
		for (size_t j = 0; j < s->n_locations; j++) {
			uint64_t id = s->location_ids[j];

			if (!profile_id_known(p, PROFILE_LOCATIONS, locs, id)) {
				cprof__errf(err, err_size,
					     "sample %zu has unknown location "
					     "id %" PRIu64, i, id);
				return CPROF_EINVAL;
			}
		}
		for (size_t j = 0; j < s->n_labels; j++) {
			PROFILE_CHECK_STR(p, s->labels[j].key, "sample %zu", i);
			PROFILE_CHECK_STR(p, s->labels[j].str, "sample %zu", i);
			PROFILE_CHECK_STR(p, s->labels[j].num_unit,
					  "sample %zu", i);
		}
	}
	return 0;
}

static int profile_validate_tables(const struct cprof__profile *p,
				   const struct profile_ids *const *ids,
				   char *err, size_t err_size)
{
	for (size_t i = 0; i < p->mappings.len; i++) {
		const struct cprof__mapping *m = &p->mappings.items[i];

		PROFILE_CHECK_STR(p, m->filename, "mapping %" PRIu64, m->id);
		PROFILE_CHECK_STR(p, m->build_id, "mapping %" PRIu64, m->id);
	}
	for (size_t i = 0; i < p->functions.len; i++) {
		const struct cprof__function *f = &p->functions.items[i];

		PROFILE_CHECK_STR(p, f->name, "function %" PRIu64, f->id);
		PROFILE_CHECK_STR(p, f->system_name, "function %" PRIu64, f->id);
		PROFILE_CHECK_STR(p, f->filename, "function %" PRIu64, f->id);
	}
	for (size_t i = 0; i < p->locations.len; i++) {
		const struct cprof__location *l = &p->locations.items[i];

		if (l->mapping_id != 0 &&
		    !profile_id_known(p, PROFILE_MAPPINGS, ids[PROFILE_MAPPINGS],
				      l->mapping_id)) {
			cprof__errf(err, err_size,
				     "location %" PRIu64 " has unknown mapping "
				     "id %" PRIu64, l->id, l->mapping_id);
			return CPROF_EINVAL;
		}
		for (size_t j = 0; j < l->n_lines; j++) {
			uint64_t fid = l->lines[j].function_id;

			if (!profile_id_known(p, PROFILE_FUNCTIONS,
					      ids[PROFILE_FUNCTIONS], fid)) {
				cprof__errf(err, err_size,
					     "location %" PRIu64 " has a line "
					     "with unknown function id %" PRIu64,
					     l->id, fid);
				return CPROF_EINVAL;
			}
		}
	}
	return 0;
}

int cprof__profile_validate(const struct cprof__profile *p, char *err,
			    size_t err_size)
{
	struct profile_ids tmp[PROFILE_KINDS];
	const struct profile_ids *use[PROFILE_KINDS] = { NULL };
	int rc;

	memset(tmp, 0, sizeof(tmp));
	rc = profile_validate_header(p, err, err_size);
	for (int k = 0; rc == 0 && k < PROFILE_KINDS; k++)
		rc = profile_validate_ids(p, k, &tmp[k], &use[k], err, err_size);
	if (rc == 0)
		rc = profile_validate_samples(p, use[PROFILE_LOCATIONS], err,
					      err_size);
	if (rc == 0)
		rc = profile_validate_tables(p, use, err, err_size);
	for (int k = 0; k < PROFILE_KINDS; k++)
		table_fini(&tmp[k].table);
	return rc;
}
