/*
 * ftree.c - folding a profile's samples into a call tree of frame names.
 *
 * Three passes. Reading lists each sample the report kept as frame names,
 * root first (a location's frames are the report's nodes for its lines,
 * outermost caller first, each node's name interned once). Building grows
 * the tree a level at a time (see ftree_levels for why not a hash lookup
 * per frame) and adds each sample's values to the node its stack ends at.
 * Finishing sums totals bottom-up (a child is always created after its parent, so one backwards
 * sweep does it), sorts siblings by name and lays the nodes out in
 * pre-order with subtree ends, which is all the printers need.
 *
 * Renderers live in folded.c and flame.c; this file prints nothing.
 */
#include "base/i64.h"
#include "cli/ftree.h"

#include <stdlib.h>
#include <string.h>

#include "cprof.h"

#define FTREE_NONE UINT32_MAX

struct ftree_build {
	const struct cprof__cli_report *r;
	struct cprof__ftree *t;
	/* names: open addressing over name ids + 1 */
	uint32_t *name_slots;
	size_t name_mask;
	size_t names_cap;
	/* nodes under construction, in creation order */
	uint32_t *parent;
	uint32_t *name;
	int64_t *self;
	size_t n_nodes;
	size_t nodes_cap;
	uint32_t *node_name;  /* per report node: name id + 1, 0 unknown */
};

static uint64_t ftree_hash_bytes(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h ^ (h >> 29);
}

static int ftree_grow(void **items, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 64;
	void *p;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	p = realloc(*items, n * size);
	if (p == NULL)
		return CPROF_ENOMEM;
	*items = p;
	*cap = n;
	return 0;
}

/* ---- names ---- */

static int ftree_names_rehash(struct ftree_build *b, size_t size)
{
	struct cprof__ftree *t = b->t;
	uint32_t *slots = calloc(size, sizeof(*slots));

	if (slots == NULL)
		return CPROF_ENOMEM;
	for (size_t i = 0; i < t->n_names; i++) {
		size_t s = ftree_hash_bytes(t->names[i], t->name_lens[i]) &
			   (size - 1);

		while (slots[s] != 0)
			s = (s + 1) & (size - 1);
		slots[s] = (uint32_t)i + 1;
	}
	free(b->name_slots);
	b->name_slots = slots;
	b->name_mask = size - 1;
	return 0;
}

/* Interns the n bytes at s (sanitized as the header says); returns the
 * name id, or FTREE_NONE when out of memory. */
static uint32_t ftree_intern(struct ftree_build *b, const char *s, size_t n)
{
	struct cprof__ftree *t = b->t;
	uint64_t h;
	size_t slot;
	char *copy;
	bool clean = true;

	for (size_t i = 0; i < n && clean; i++)
		clean = (unsigned char)s[i] >= 0x20 && s[i] != 0x7f &&
			s[i] != ';';
	if (!clean) {
		char *tmp = malloc(n + 1);
		uint32_t id;

		if (tmp == NULL)
			return FTREE_NONE;
		for (size_t i = 0; i < n; i++)
			tmp[i] = ((unsigned char)s[i] < 0x20 ||
				  s[i] == 0x7f || s[i] == ';') ? '?' : s[i];
		id = ftree_intern(b, tmp, n);
		free(tmp);
		return id;
	}
	if ((t->n_names + 1) * 2 > b->name_mask + 1 &&
	    ftree_names_rehash(b, (b->name_mask + 1) * 2) != 0)
		return FTREE_NONE;
	h = ftree_hash_bytes(s, n);
	for (slot = h & b->name_mask; b->name_slots[slot] != 0;
	     slot = (slot + 1) & b->name_mask) {
		uint32_t id = b->name_slots[slot] - 1;

		if (t->name_lens[id] == n && memcmp(t->names[id], s, n) == 0)
			return id;
	}
	if (ftree_grow((void **)&t->names, &b->names_cap, t->n_names + 1,
		       sizeof(*t->names)) != 0)
		return FTREE_NONE;
	/* name_lens grows in step with names; its capacity is names_cap */
	{
		size_t *lens = realloc(t->name_lens,
				       b->names_cap * sizeof(*lens));

		if (lens == NULL)
			return FTREE_NONE;
		t->name_lens = lens;
	}
	copy = malloc(n + 1);
	if (copy == NULL)
		return FTREE_NONE;
	memcpy(copy, s, n);
	copy[n] = '\0';
	t->names[t->n_names] = copy;
	t->name_lens[t->n_names] = n;
	b->name_slots[slot] = (uint32_t)++t->n_names;
	return (uint32_t)(t->n_names - 1);
}

/* The frame name of report node n, interned once. */
static uint32_t ftree_node_name(struct ftree_build *b, uint32_t n)
{
	const char *s;

	if (b->node_name[n] != 0)
		return b->node_name[n] - 1;
	s = b->r->nodes[n].printable;
	if (s == NULL || *s == '\0')
		s = "?";
	b->node_name[n] = ftree_intern(b, s, strlen(s)) + 1;
	return b->node_name[n] - 1; /* FTREE_NONE when interning failed */
}

/* ---- nodes ---- */

static int ftree_node_add(struct ftree_build *b, uint32_t parent,
			  uint32_t name)
{
	size_t cap = b->nodes_cap;
	size_t nt = b->t->n_types;

	if (b->n_nodes >= FTREE_NONE - 1)
		return CPROF_ENOMEM;
	if (ftree_grow((void **)&b->parent, &cap, b->n_nodes + 1,
		       sizeof(*b->parent)) != 0)
		return CPROF_ENOMEM;
	if (cap != b->nodes_cap) {
		uint32_t *nm = realloc(b->name, cap * sizeof(*nm));
		int64_t *self;

		if (nm == NULL)
			return CPROF_ENOMEM;
		b->name = nm;
		self = realloc(b->self, cap * (nt ? nt : 1) * sizeof(*self));
		if (self == NULL)
			return CPROF_ENOMEM;
		b->self = self;
		b->nodes_cap = cap;
	}
	b->parent[b->n_nodes] = parent;
	b->name[b->n_nodes] = name;
	memset(b->self + b->n_nodes * nt, 0, nt * sizeof(*b->self));
	b->n_nodes++;
	return 0;
}

/* ---- building, level by level ---- */

/*
 * Looking each frame up in a (parent, name) hash table costs a cache miss
 * per frame, each depending on the one before (the parent), and a large
 * profile has tens of millions of frames. Instead the tree grows one level
 * at a time: the samples still deeper than the level, kept grouped by the
 * node they reached, are sorted by their next frame's name within each
 * group, and each run of equal names becomes one child. Every memory
 * access is sequential or independent of the one before, so the loads
 * overlap. Nodes come out breadth first, parents before children, which is
 * all ftree_finish needs.
 */

struct ftree_paths {
	uint32_t *frames;  /* every kept sample's frame names, root first */
	size_t n_frames;
	size_t cap_frames;
	size_t *off;       /* per kept sample: its first frame */
	uint32_t *len;     /* per kept sample: its depth */
};

static int ftree_u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Reads the frame names of every sample r kept into pa. */
static int ftree_paths_read(struct ftree_build *b, struct ftree_paths *pa)
{
	const struct cprof__cli_report *r = b->r;
	const struct cprof__profile *p = r->p;

	pa->off = malloc((r->n_samples + 1) * sizeof(*pa->off));
	pa->len = malloc((r->n_samples + 1) * sizeof(*pa->len));
	if (pa->off == NULL || pa->len == NULL)
		return CPROF_ENOMEM;
	for (size_t i = 0; i < r->n_samples; i++) {
		const struct cprof__sample *s = &p->samples.items[r->samples[i]];

		pa->off[i] = pa->n_frames;
		for (size_t k = s->n_locations; k-- > 0;) {
			uint32_t li = cprof__cli_loc_index(r, s->location_ids[k]);
			uint32_t lo = r->loc_off[li], hi = r->loc_off[li + 1];

			if (r->loc_lines[li].hidden)
				continue;
			if (ftree_grow((void **)&pa->frames, &pa->cap_frames,
				       pa->n_frames + (hi - lo),
				       sizeof(*pa->frames)) != 0)
				return CPROF_ENOMEM;
			/* the location's nodes are innermost first */
			for (uint32_t j = hi; j-- > lo;) {
				uint32_t name = ftree_node_name(b, r->loc_nodes[j]);

				if (name == FTREE_NONE)
					return CPROF_ENOMEM;
				pa->frames[pa->n_frames++] = name;
			}
		}
		if (pa->n_frames - pa->off[i] >= FTREE_NONE)
			return CPROF_ENOMEM;
		pa->len[i] = (uint32_t)(pa->n_frames - pa->off[i]);
	}
	return 0;
}

static void ftree_add_values(struct ftree_build *b, uint32_t node,
			     size_t kept)
{
	const struct cprof__sample *s =
		&b->r->p->samples.items[b->r->samples[kept]];
	size_t nt = b->t->n_types;

	for (size_t v = 0; v < nt && v < s->n_values; v++)
		b->self[node * nt + v] =
			cprof__i64_add(b->self[node * nt + v], s->values[v]);
}

static int ftree_levels(struct ftree_build *b, const struct ftree_paths *pa)
{
	size_t n = b->r->n_samples, active = 0, next;
	uint32_t *order = malloc((n + 1) * sizeof(*order));
	uint32_t *at = malloc((n + 1) * sizeof(*at)); /* node reached */
	uint64_t *pairs = malloc((n + 1) * sizeof(*pairs));
	int rc = CPROF_ENOMEM;

	if (order == NULL || at == NULL || pairs == NULL)
		goto out_free;
	for (size_t i = 0; i < n; i++) {
		if (pa->len[i] == 0) {
			ftree_add_values(b, 0, i);
		} else {
			order[active] = (uint32_t)i;
			at[active++] = 0;
		}
	}
	for (uint32_t d = 0; active > 0; d++) {
		for (size_t k = 0; k < active; k++)
			pairs[k] = (uint64_t)pa->frames[pa->off[order[k]] + d]
					   << 32 |
				   order[k];
		next = 0;
		for (size_t g = 0; g < active;) {
			size_t end = g + 1;
			uint32_t parent = at[g];

			while (end < active && at[end] == parent)
				end++;
			if (end - g > 1)
				qsort(pairs + g, end - g, sizeof(*pairs),
				      ftree_u64_cmp);
			for (size_t k = g; k < end; k++) {
				uint32_t name = (uint32_t)(pairs[k] >> 32);
				uint32_t s = (uint32_t)pairs[k];

				if (k == g || name != (uint32_t)(pairs[k - 1] >> 32)) {
					if (ftree_node_add(b, parent, name) != 0)
						goto out_free;
				}
				if (pa->len[s] == d + 1) {
					ftree_add_values(b, (uint32_t)(b->n_nodes - 1), s);
				} else {
					order[next] = s;
					at[next++] = (uint32_t)(b->n_nodes - 1);
				}
			}
			g = end;
		}
		active = next;
	}
	rc = 0;
out_free:
	free(order);
	free(at);
	free(pairs);
	return rc;
}

/* ---- finishing: totals, sibling order, pre-order layout ---- */

static int ftree_rank_cmp(const void *a, const void *b, void *ctx)
{
	const struct cprof__ftree *t = ctx;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return strcmp(t->names[x], t->names[y]);
}

static int ftree_child_cmp(const void *a, const void *b, void *ctx)
{
	const uint32_t *key = ctx;
	uint32_t x = key[*(const uint32_t *)a], y = key[*(const uint32_t *)b];

	return x < y ? -1 : x > y;
}

static int ftree_finish(struct ftree_build *b)
{
	struct cprof__ftree *t = b->t;
	size_t n = b->n_nodes, nt = t->n_types;
	uint32_t *rank = NULL, *key = NULL, *first = NULL, *kids = NULL;
	uint32_t *stack = NULL, *old = NULL;
	int rc = CPROF_ENOMEM;
	size_t top = 0, out = 0;

	rank = malloc(t->n_names * sizeof(*rank));
	key = malloc((n > t->n_names ? n : t->n_names) * sizeof(*key));
	first = calloc(n + 1, sizeof(*first));
	kids = malloc(n * sizeof(*kids));
	stack = malloc((n + 1) * sizeof(*stack));
	old = malloc(n * sizeof(*old));
	t->name = malloc(n * sizeof(*t->name));
	t->depth = malloc(n * sizeof(*t->depth));
	t->end = malloc(n * sizeof(*t->end));
	t->total = malloc(n * (nt ? nt : 1) * sizeof(*t->total));
	t->self = malloc(n * (nt ? nt : 1) * sizeof(*t->self));
	if (!rank || !key || !first || !kids || !stack || !old || !t->name ||
	    !t->depth || !t->end || !t->total || !t->self)
		goto out_free;

	/* sibling order: by name, through each name's rank */
	for (size_t i = 0; i < t->n_names; i++)
		rank[i] = (uint32_t)i;
	qsort_r(rank, t->n_names, sizeof(*rank), ftree_rank_cmp, t);
	for (size_t i = 0; i < t->n_names; i++)
		key[rank[i]] = (uint32_t)i; /* key doubles as name -> rank */
	for (size_t i = 0; i < t->n_names; i++)
		rank[i] = key[i];
	for (size_t i = 0; i < n; i++)
		key[i] = rank[b->name[i]];

	/* children lists (CSR by parent), each sorted */
	for (size_t i = 1; i < n; i++)
		first[b->parent[i] + 1]++;
	for (size_t i = 0; i < n; i++)
		first[i + 1] += first[i];
	for (size_t i = 1; i < n; i++)
		kids[first[b->parent[i]]++] = (uint32_t)i;
	for (size_t i = n; i > 0; i--)
		first[i] = first[i - 1];
	first[0] = 0;
	for (size_t i = 0; i < n; i++)
		if (first[i + 1] - first[i] > 1)
			qsort_r(kids + first[i], first[i + 1] - first[i],
				sizeof(*kids), ftree_child_cmp, key);

	/* totals: children come after their parents in creation order */
	{
		int64_t *tot = malloc(n * (nt ? nt : 1) * sizeof(*tot));

		if (tot == NULL)
			goto out_free;
		memcpy(tot, b->self, n * nt * sizeof(*tot));
		for (size_t i = n; i-- > 1;)
			for (size_t v = 0; v < nt; v++)
				tot[b->parent[i] * nt + v] = cprof__i64_add(
					tot[b->parent[i] * nt + v], tot[i * nt + v]);
		/* pre-order: an explicit stack, children pushed in reverse */
		stack[top++] = 0;
		while (top > 0) {
			uint32_t id = stack[--top];

			old[out] = id;
			t->name[out] = b->name[id];
			memcpy(t->self + out * nt, b->self + id * nt,
			       nt * sizeof(*t->self));
			memcpy(t->total + out * nt, tot + id * nt,
			       nt * sizeof(*t->total));
			out++;
			for (uint32_t k = first[id + 1]; k > first[id]; k--)
				stack[top++] = kids[k - 1];
		}
		free(tot);
	}
	/* depths and subtree ends, from the pre-order: key maps old -> new */
	for (size_t i = 0; i < n; i++)
		key[old[i]] = (uint32_t)i;
	t->max_depth = 0;
	t->depth[0] = 0;
	for (size_t i = 1; i < n; i++) {
		t->depth[i] = t->depth[key[b->parent[old[i]]]] + 1;
		if (t->depth[i] > t->max_depth)
			t->max_depth = t->depth[i];
	}
	for (size_t i = 0; i < n; i++)
		t->end[i] = (uint32_t)i + 1;
	for (size_t i = n; i-- > 1;) {
		uint32_t par = key[b->parent[old[i]]];

		if (t->end[i] > t->end[par])
			t->end[par] = t->end[i];
	}
	t->n_nodes = n;
	rc = 0;
out_free:
	free(rank);
	free(key);
	free(first);
	free(kids);
	free(stack);
	free(old);
	return rc;
}

int cprof__ftree_build(const struct cprof__cli_report *r,
		       struct cprof__ftree **out)
{
	const struct cprof__profile *p = r->p;
	struct ftree_build b = {0};
	struct ftree_paths pa = {0};
	struct cprof__ftree *t = calloc(1, sizeof(*t));
	int rc = CPROF_ENOMEM;

	*out = NULL;
	if (t == NULL)
		return CPROF_ENOMEM;
	b.r = r;
	b.t = t;
	t->n_types = p->sample_types.len;
	b.node_name = calloc(r->n_nodes + 1, sizeof(*b.node_name));
	if (b.node_name == NULL)
		goto out_free;
	if (ftree_names_rehash(&b, 1024) != 0 ||
	    ftree_intern(&b, "root", 4) != 0 || ftree_node_add(&b, 0, 0) != 0 ||
	    ftree_paths_read(&b, &pa) != 0)
		goto out_free;
	free(b.node_name); /* names are all interned now */
	b.node_name = NULL;
	if (ftree_levels(&b, &pa) != 0)
		goto out_free;
	free(pa.frames); /* before finishing, the other memory peak */
	pa.frames = NULL;
	if (ftree_finish(&b) != 0)
		goto out_free;
	*out = t;
	t = NULL;
	rc = 0;
out_free:
	cprof__ftree_free(t);
	free(b.name_slots);
	free(b.parent);
	free(b.name);
	free(b.self);
	free(b.node_name);
	free(pa.frames);
	free(pa.off);
	free(pa.len);
	return rc;
}

void cprof__ftree_free(struct cprof__ftree *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->n_names; i++)
		free(t->names[i]);
	free(t->names);
	free(t->name_lens);
	free(t->name);
	free(t->depth);
	free(t->end);
	free(t->self);
	free(t->total);
	free(t);
}
