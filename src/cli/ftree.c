/*
 * ftree.c - folding a profile's samples into a call tree of frame names.
 *
 * Two passes. Building grows the tree a level at a time (see "building,
 * level by level" for why not a hash lookup per frame), reading each
 * sample the report kept one frame per level, root first (a location's
 * frames are the report's nodes for its lines, outermost caller first,
 * each node's name interned once), pruning what a flame graph cannot
 * show, and adds each sample's values to the node its stack ends at.
 * Finishing sums totals bottom-up (a child is always created after its
 * parent, so one backwards sweep does it), sorts siblings by name and
 * lays the nodes out in pre-order with subtree ends, which is all the
 * printers need.
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
	/* pruning (min_fraction > 0): a frame under min_fraction of the
	 * total in every sample type is not built, nor its callees */
	int64_t *vals;        /* per kept sample: its n_types values */
	int64_t *cut;         /* per type: |total| * min_fraction, rounded up */
	int64_t *run;         /* per type: the values of one run of frames */
	bool prune;
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
 *
 * A sample's frames are read one per level through a cursor, never all at
 * once: a sample whose frame is pruned leaves the build, and its deeper
 * frames are never looked at (with flame's default cut, most samples of a
 * large profile leave within a few levels).
 */

#define FTREE_END (UINT32_MAX - 1) /* no frame left: the stack ends here */

/* Where each kept sample's stack has been read to, root first. */
struct ftree_cursors {
	uint32_t *loc;  /* locations not read yet: location_ids[0..loc) */
	uint32_t *node; /* the current location's nodes not read yet ... */
	uint32_t *stop; /* ... are loc_nodes[stop..node), read downwards */
};

/* The name of sample i's next frame, or FTREE_END; FTREE_NONE when out of
 * memory. A location's nodes are innermost first, so they are read from
 * the end: its outermost caller is the frame nearest the root. */
static uint32_t ftree_next(struct ftree_build *b, struct ftree_cursors *c,
			   size_t i)
{
	const struct cprof__cli_report *r = b->r;

	while (c->node[i] == c->stop[i]) {
		const struct cprof__sample *s =
			&r->p->samples.items[r->samples[i]];
		uint64_t id;
		uint32_t li;

		if (c->loc[i] == 0)
			return FTREE_END;
		id = s->location_ids[--c->loc[i]];
		li = r->dense_locs ? (uint32_t)(id - 1)
				   : cprof__cli_loc_index(r, id);
		if (r->loc_lines[li].hidden)
			continue;
		c->stop[i] = r->loc_off[li];
		c->node[i] = r->loc_off[li + 1];
	}
	return ftree_node_name(b, r->loc_nodes[--c->node[i]]);
}

static int ftree_cursors_init(struct ftree_build *b, struct ftree_cursors *c)
{
	const struct cprof__cli_report *r = b->r;
	size_t n = r->n_samples;

	c->loc = malloc((n + 1) * sizeof(*c->loc));
	c->node = calloc(n + 1, sizeof(*c->node));
	c->stop = calloc(n + 1, sizeof(*c->stop));
	if (c->loc == NULL || c->node == NULL || c->stop == NULL)
		return CPROF_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		size_t depth = r->p->samples.items[r->samples[i]].n_locations;

		if (depth >= FTREE_NONE)
			return CPROF_ENOMEM;
		c->loc[i] = (uint32_t)depth;
	}
	return 0;
}

static void ftree_cursors_fini(struct ftree_cursors *c)
{
	free(c->loc);
	free(c->node);
	free(c->stop);
}

/*
 * Sorts pairs[0..n) (name << 32 | sample) by name: a byte-wise LSD radix
 * sort over the bytes names use, through tmp (n slots). The order of a
 * name's samples does not matter (the next level sorts them again, and
 * sums commute), so sorting by name alone is enough; radix because the
 * root level sorts every sample at once, where qsort's calls dominated.
 */
static void ftree_sort_pairs(uint64_t *pairs, size_t n, uint64_t *tmp)
{
	uint64_t max = 0, *src = pairs, *dst = tmp;

	if (n < 2)
		return;
	for (size_t i = 0; i < n; i++)
		if (pairs[i] > max)
			max = pairs[i];
	for (unsigned shift = 32; shift < 64 && (max >> shift) != 0;
	     shift += 8) {
		size_t count[257] = {0};

		for (size_t i = 0; i < n; i++)
			count[((src[i] >> shift) & 0xff) + 1]++;
		for (size_t b = 1; b < 257; b++)
			count[b] += count[b - 1];
		for (size_t i = 0; i < n; i++)
			dst[count[(src[i] >> shift) & 0xff]++] = src[i];
		src = dst;
		dst = src == pairs ? tmp : pairs;
	}
	if (src != pairs)
		memcpy(pairs, src, n * sizeof(*pairs));
}

static void ftree_add_values(struct ftree_build *b, uint32_t node,
			     size_t kept)
{
	size_t nt = b->t->n_types;

	for (size_t v = 0; v < nt; v++)
		b->self[node * nt + v] = cprof__i64_add(b->self[node * nt + v],
							b->vals[kept * nt + v]);
}

/* Copies each kept sample's values into one compact array (the level
 * passes read them in sample order and by run), and, when pruning, sets
 * the cut per type from the profile's total. */
static int ftree_values_read(struct ftree_build *b, double min_fraction)
{
	const struct cprof__cli_report *r = b->r;
	size_t nt = b->t->n_types, n = r->n_samples;

	b->vals = calloc(n * nt + 1, sizeof(*b->vals));
	b->cut = calloc(nt + 1, sizeof(*b->cut));
	b->run = calloc(nt + 1, sizeof(*b->run));
	if (b->vals == NULL || b->cut == NULL || b->run == NULL)
		return CPROF_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct cprof__sample *s = &r->p->samples.items[r->samples[i]];

		for (size_t v = 0; v < nt && v < s->n_values; v++) {
			b->vals[i * nt + v] = s->values[v];
			b->run[v] = cprof__i64_add(b->run[v], s->values[v]);
		}
	}
	b->prune = min_fraction > 0;
	for (size_t v = 0; v < nt; v++) {
		double c = (double)cprof__i64_abs(b->run[v]) * min_fraction;

		b->cut[v] = cprof__i64_from_double(c);
		if ((double)b->cut[v] < c)
			b->cut[v]++;
		b->run[v] = 0;
	}
	return 0;
}

/* Whether the run of samples pairs[k0..k1) (one frame under one parent)
 * is kept. A pruned run's values go to the parent's self, so that totals
 * stay whole. */
static bool ftree_run_kept(struct ftree_build *b, const uint64_t *pairs,
			   size_t k0, size_t k1, uint32_t parent)
{
	size_t nt = b->t->n_types;
	bool keep = false;

	if (!b->prune)
		return true;
	for (size_t v = 0; v < nt; v++)
		b->run[v] = 0;
	for (size_t k = k0; k < k1; k++) {
		const int64_t *x = b->vals + (size_t)(uint32_t)pairs[k] * nt;

		for (size_t v = 0; v < nt; v++)
			b->run[v] = cprof__i64_add(b->run[v], x[v]);
	}
	for (size_t v = 0; v < nt && !keep; v++)
		keep = b->run[v] != 0 && cprof__i64_abs(b->run[v]) >= b->cut[v];
	if (!keep)
		for (size_t v = 0; v < nt; v++)
			b->self[parent * nt + v] = cprof__i64_add(
				b->self[parent * nt + v], b->run[v]);
	return keep;
}

/* The samples still going deeper, between level passes. */
struct ftree_active {
	uint32_t *node;   /* per sample: the node reached, FTREE_NONE: done */
	uint32_t *name;   /* per sample: its frame at the current level */
	uint32_t *order;  /* the active samples, grouped by node reached */
	uint32_t *at;     /* aligned with order: the node reached */
	uint64_t *pairs;  /* aligned with order: name << 32 | sample */
	uint64_t *tmp;    /* for sorting pairs */
	size_t n;
};

/* Reads the next frame of every active sample, in sample order so that
 * the reads through the profile are sequential; a stack that ends adds
 * its values to the node it reached and leaves. Then drops the samples
 * that left from order, keeping its grouping. */
static int ftree_read_level(struct ftree_build *b, struct ftree_cursors *c,
			    struct ftree_active *a)
{
	size_t m = 0;

	for (size_t i = 0; i < b->r->n_samples; i++) {
		uint32_t name;

		if (a->node[i] == FTREE_NONE)
			continue;
		name = ftree_next(b, c, i);
		if (name == FTREE_NONE)
			return CPROF_ENOMEM;
		if (name == FTREE_END) {
			ftree_add_values(b, a->node[i], i);
			a->node[i] = FTREE_NONE;
		} else {
			a->name[i] = name;
		}
	}
	for (size_t k = 0; k < a->n; k++) {
		uint32_t s = a->order[k];

		if (a->node[s] == FTREE_NONE)
			continue;
		a->order[m] = s;
		a->at[m] = a->node[s];
		a->pairs[m++] = (uint64_t)a->name[s] << 32 | s;
	}
	a->n = m;
	return 0;
}

/* One level: each group of samples at one node, sorted by their frame;
 * each run of one name becomes a child, or is pruned (its samples leave). */
static int ftree_level(struct ftree_build *b, struct ftree_active *a)
{
	uint64_t *pairs = a->pairs;
	size_t active = a->n;

	a->n = 0; /* order is rewritten behind the reads of pairs */
	for (size_t g = 0, end; g < active; g = end) {
		uint32_t parent = a->at[g];

		for (end = g + 1; end < active && a->at[end] == parent; end++)
			;
		ftree_sort_pairs(pairs + g, end - g, a->tmp);
		for (size_t k0 = g, k1; k0 < end; k0 = k1) {
			uint32_t name = (uint32_t)(pairs[k0] >> 32), node;
			bool kept;

			for (k1 = k0 + 1;
			     k1 < end && (uint32_t)(pairs[k1] >> 32) == name; k1++)
				;
			kept = ftree_run_kept(b, pairs, k0, k1, parent);
			if (kept && ftree_node_add(b, parent, name) != 0)
				return CPROF_ENOMEM;
			node = kept ? (uint32_t)(b->n_nodes - 1) : FTREE_NONE;
			for (size_t k = k0; k < k1; k++) {
				uint32_t s = (uint32_t)pairs[k];

				a->node[s] = node;
				if (kept)
					a->order[a->n++] = s;
			}
		}
	}
	return 0;
}

static int ftree_levels(struct ftree_build *b)
{
	size_t n = b->r->n_samples;
	struct ftree_cursors c = {0};
	struct ftree_active a = {0};
	int rc = CPROF_ENOMEM;

	a.node = calloc(n + 1, sizeof(*a.node)); /* all at the root */
	a.name = malloc((n + 1) * sizeof(*a.name));
	a.order = malloc((n + 1) * sizeof(*a.order));
	a.at = malloc((n + 1) * sizeof(*a.at));
	a.pairs = malloc((n + 1) * sizeof(*a.pairs));
	a.tmp = malloc((n + 1) * sizeof(*a.tmp));
	if (a.node == NULL || a.name == NULL || a.order == NULL ||
	    a.at == NULL || a.pairs == NULL || a.tmp == NULL ||
	    ftree_cursors_init(b, &c) != 0)
		goto out_free;
	for (size_t i = 0; i < n; i++)
		a.order[i] = (uint32_t)i;
	a.n = n;
	for (;;) {
		if (ftree_read_level(b, &c, &a) != 0)
			goto out_free;
		if (a.n == 0)
			break;
		if (ftree_level(b, &a) != 0)
			goto out_free;
	}
	rc = 0;
out_free:
	ftree_cursors_fini(&c);
	free(a.node);
	free(a.name);
	free(a.order);
	free(a.at);
	free(a.pairs);
	free(a.tmp);
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
		       double min_fraction, struct cprof__ftree **out)
{
	const struct cprof__profile *p = r->p;
	struct ftree_build b = {0};
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
	    ftree_values_read(&b, min_fraction) != 0 ||
	    ftree_levels(&b) != 0)
		goto out_free;
	free(b.vals); /* before finishing, the other memory peak */
	b.vals = NULL;
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
	free(b.vals);
	free(b.cut);
	free(b.run);
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
