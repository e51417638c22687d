/*
 * merge.c - merging profiles: out = sum of scale_i * profile_i.
 *
 * The semantics of google/pprof's Merge (on which Go's delta profiles and
 * `pprof -diff_base` rest): the inputs must have the same sample types;
 * mappings, functions and locations are matched by what they are, not by
 * their ids (a location is its mapping, address and lines); samples with the
 * same locations and labels are summed; samples whose values are all zero
 * are dropped. The result is a new profile with its own dense ids; period,
 * period type, default sample type and comments come from the last input,
 * time_nanos is the earliest, duration_nanos the sum (as google/pprof).
 *
 * Pure model code: no I/O, no process state.
 */
#include <string.h>

#include "base/alloc.h"
#include "base/i64.h"
#include "base/hindex.h"
#include "cprof.h"
#include "pprof/merge.h"

static uint64_t merge_mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

static uint64_t merge_hash_str(uint64_t h, const char *s)
{
	while (*s != '\0')
		h = merge_mix(h, (unsigned char)*s++);
	return merge_mix(h, 0xff);
}

struct merge_state {
	struct cprof__profile *out;
	const struct cprof__profile *in; /* the input being merged */
	struct cprof__hindex mappings;   /* -> out mapping id */
	struct cprof__hindex locations;  /* -> out location id */
	struct cprof__hindex samples;    /* -> out sample index */
	uint64_t *map_ids;               /* in mapping index -> out id */
	uint64_t *loc_ids;               /* in location index -> out id */
};

static const char *merge_in_str(const struct merge_state *st, int64_t i)
{
	return cprof__profile_str(st->in, i);
}

/* --- mappings: same file, build id, range and offset --- */

static bool merge_mapping_equal(const void *ctx, uint32_t value,
				const void *key)
{
	const struct merge_state *st = ctx;
	const struct cprof__mapping *a =
		cprof__profile_mapping(st->out, (uint64_t)value);
	const struct cprof__mapping *b = key;

	return a->memory_start == b->memory_start &&
	       a->memory_limit == b->memory_limit &&
	       a->file_offset == b->file_offset &&
	       strcmp(cprof__profile_str(st->out, a->filename),
		      merge_in_str(st, b->filename)) == 0 &&
	       strcmp(cprof__profile_str(st->out, a->build_id),
		      merge_in_str(st, b->build_id)) == 0;
}

static uint64_t merge_mapping(struct merge_state *st,
			      const struct cprof__mapping *m)
{
	uint64_t h = merge_mix(merge_mix(m->memory_start, m->memory_limit),
			       m->file_offset);
	struct cprof__mapping copy = *m;
	uint32_t id;
	size_t slot;
	int found;

	h = merge_hash_str(merge_hash_str(h, merge_in_str(st, m->filename)),
			   merge_in_str(st, m->build_id));
	found = cprof__hindex_find(&st->mappings, (uint32_t)h,
				   merge_mapping_equal, st, m, &id, &slot);
	if (found != 0)
		return found > 0 ? id : 0;
	copy.filename = cprof__profile_string(st->out,
					      merge_in_str(st, m->filename));
	copy.build_id = cprof__profile_string(st->out,
					      merge_in_str(st, m->build_id));
	id = (uint32_t)cprof__profile_add_mapping(st->out, &copy);
	if (id != 0)
		cprof__hindex_add(&st->mappings, slot, (uint32_t)h, id);
	return id;
}

/* --- locations: same mapping, address and lines --- */

struct merge_loc_key {
	uint64_t mapping_id; /* out id */
	uint64_t address;
	const struct cprof__line *lines; /* out function ids */
	size_t n_lines;
};

static bool merge_location_equal(const void *ctx, uint32_t value,
				 const void *key)
{
	const struct merge_state *st = ctx;
	const struct cprof__location *a =
		cprof__profile_location(st->out, (uint64_t)value);
	const struct merge_loc_key *b = key;

	if (a->mapping_id != b->mapping_id || a->address != b->address ||
	    a->n_lines != b->n_lines)
		return false;
	for (size_t i = 0; i < a->n_lines; i++)
		if (a->lines[i].function_id != b->lines[i].function_id ||
		    a->lines[i].line != b->lines[i].line)
			return false;
	return true;
}

static uint64_t merge_function(struct merge_state *st, uint64_t id)
{
	const struct cprof__function *f = cprof__profile_function(st->in, id);

	if (f == NULL)
		return 0;
	return cprof__profile_add_function(
		st->out, merge_in_str(st, f->name),
		merge_in_str(st, f->system_name), merge_in_str(st, f->filename),
		f->start_line);
}

static uint64_t merge_location(struct merge_state *st,
			       const struct cprof__location *l,
			       struct cprof__line *lines)
{
	struct merge_loc_key key = {0, l->address, lines, l->n_lines};
	const struct cprof__mapping *m =
		l->mapping_id ? cprof__profile_mapping(st->in, l->mapping_id)
			      : NULL;
	uint64_t h;
	uint32_t id;
	size_t slot;
	int found;

	if (m != NULL && (key.mapping_id = merge_mapping(st, m)) == 0)
		return 0;
	h = merge_mix(key.mapping_id, key.address);
	for (size_t i = 0; i < l->n_lines; i++) {
		lines[i] = l->lines[i];
		lines[i].function_id = merge_function(st,
						      l->lines[i].function_id);
		if (lines[i].function_id == 0)
			return 0;
		h = merge_mix(merge_mix(h, lines[i].function_id),
			      (uint64_t)lines[i].line);
	}
	found = cprof__hindex_find(&st->locations, (uint32_t)h,
				   merge_location_equal, st, &key, &id, &slot);
	if (found != 0)
		return found > 0 ? id : 0;
	id = (uint32_t)cprof__profile_add_location(st->out, key.mapping_id,
						   key.address, lines,
						   l->n_lines);
	if (id != 0)
		cprof__hindex_add(&st->locations, slot, (uint32_t)h, id);
	return id;
}

/* --- samples: same locations and labels --- */

struct merge_sample_key {
	const uint64_t *locs;
	size_t n_locs;
	const struct cprof__label *labels; /* out string indices */
	size_t n_labels;
};

static bool merge_sample_equal(const void *ctx, uint32_t value,
			       const void *key)
{
	const struct merge_state *st = ctx;
	const struct cprof__sample *a = &st->out->samples.items[value];
	const struct merge_sample_key *b = key;

	return a->n_locations == b->n_locs && a->n_labels == b->n_labels &&
	       (b->n_locs == 0 ||
		memcmp(a->location_ids, b->locs,
		       b->n_locs * sizeof(*b->locs)) == 0) &&
	       (b->n_labels == 0 ||
		memcmp(a->labels, b->labels,
		       b->n_labels * sizeof(*b->labels)) == 0);
}

static int merge_sample(struct merge_state *st, const struct cprof__sample *s,
			double scale, uint64_t *locs,
			struct cprof__label *labels, int64_t *values)
{
	struct merge_sample_key key = {locs, s->n_locations, labels,
				       s->n_labels};
	uint64_t h = 0;
	uint32_t index;
	size_t slot;
	int found;

	for (size_t i = 0; i < s->n_locations; i++) {
		const struct cprof__location *l =
			cprof__profile_location(st->in, s->location_ids[i]);

		locs[i] = l ? st->loc_ids[l - st->in->locations.items] : 0;
		if (locs[i] == 0)
			return CPROF_ENOMEM;
		h = merge_mix(h, locs[i]);
	}
	for (size_t i = 0; i < s->n_labels; i++) {
		const struct cprof__label *in = &s->labels[i];

		labels[i].key = cprof__profile_string(st->out,
						      merge_in_str(st, in->key));
		labels[i].str = in->str ? cprof__profile_string(
						  st->out,
						  merge_in_str(st, in->str))
					: 0;
		labels[i].num = in->num;
		labels[i].num_unit =
			in->num_unit ? cprof__profile_string(
					       st->out,
					       merge_in_str(st, in->num_unit))
				     : 0;
		h = merge_mix(merge_mix(merge_mix(h, (uint64_t)labels[i].key),
					(uint64_t)labels[i].str),
			      (uint64_t)labels[i].num);
	}
	for (size_t i = 0; i < s->n_values; i++)
		values[i] = cprof__i64_from_double((double)s->values[i] * scale);
	found = cprof__hindex_find(&st->samples, (uint32_t)h,
				   merge_sample_equal, st, &key, &index, &slot);
	if (found < 0)
		return CPROF_ENOMEM;
	if (found > 0) {
		struct cprof__sample *o = &st->out->samples.items[index];

		for (size_t i = 0; i < o->n_values; i++)
			o->values[i] = cprof__i64_add(o->values[i], values[i]);
		return 0;
	}
	cprof__hindex_add(&st->samples, slot, (uint32_t)h,
			  (uint32_t)st->out->samples.len);
	return cprof__profile_add_sample(st->out, locs, s->n_locations,
					 values, s->n_values, labels,
					 s->n_labels);
}

/* Adds every mapping and location of st->in to the output (location ids
 * in st->loc_ids). Mappings go first, in their order, so that the main
 * executable stays mapping 1 as pprof expects. */
static int merge_locations_of(struct merge_state *st)
{
	size_t n = st->in->locations.len, max_lines = 1;

	for (size_t i = 0; i < st->in->mappings.len; i++)
		if (merge_mapping(st, &st->in->mappings.items[i]) == 0)
			return CPROF_ENOMEM;

	for (size_t i = 0; i < n; i++)
		if (st->in->locations.items[i].n_lines > max_lines)
			max_lines = st->in->locations.items[i].n_lines;
	struct cprof__line *lines = cprof__calloc(max_lines, sizeof(*lines));

	cprof__free(st->loc_ids);
	st->loc_ids = cprof__calloc(n ? n : 1, sizeof(*st->loc_ids));
	if (lines == NULL || st->loc_ids == NULL) {
		cprof__free(lines);
		return CPROF_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		st->loc_ids[i] = merge_location(st, &st->in->locations.items[i],
						lines);
		if (st->loc_ids[i] == 0) {
			cprof__free(lines);
			return CPROF_ENOMEM;
		}
	}
	cprof__free(lines);
	return 0;
}

static int merge_samples_of(struct merge_state *st, double scale)
{
	size_t max_locs = 1, max_labels = 1;
	const struct cprof__profile *in = st->in;
	int rc = 0;

	for (size_t i = 0; i < in->samples.len; i++) {
		if (in->samples.items[i].n_locations > max_locs)
			max_locs = in->samples.items[i].n_locations;
		if (in->samples.items[i].n_labels > max_labels)
			max_labels = in->samples.items[i].n_labels;
	}
	uint64_t *locs = cprof__calloc(max_locs, sizeof(*locs));
	struct cprof__label *labels = cprof__calloc(max_labels,
						    sizeof(*labels));
	int64_t *values = cprof__calloc(in->sample_types.len + 1,
					sizeof(*values));

	if (locs == NULL || labels == NULL || values == NULL)
		rc = CPROF_ENOMEM;
	for (size_t i = 0; rc == 0 && i < in->samples.len; i++)
		rc = merge_sample(st, &in->samples.items[i], scale, locs,
				  labels, values);
	cprof__free(locs);
	cprof__free(labels);
	cprof__free(values);
	return rc;
}

static bool merge_compatible(const struct cprof__profile *a,
			     const struct cprof__profile *b)
{
	if (a->sample_types.len != b->sample_types.len)
		return false;
	for (size_t i = 0; i < a->sample_types.len; i++) {
		const struct cprof__value_type *x = &a->sample_types.items[i];
		const struct cprof__value_type *y = &b->sample_types.items[i];

		if (strcmp(cprof__profile_str(a, x->type),
			   cprof__profile_str(b, y->type)) != 0 ||
		    strcmp(cprof__profile_str(a, x->unit),
			   cprof__profile_str(b, y->unit)) != 0)
			return false;
	}
	return true;
}

/* Header fields of the result, from the inputs. */
static void merge_header(struct cprof__profile *out,
			 const struct cprof__profile *const *in, size_t n)
{
	const struct cprof__profile *last = in[n - 1];

	for (size_t i = 0; i < last->sample_types.len; i++)
		cprof__profile_add_sample_type(
			out,
			cprof__profile_str(last, last->sample_types.items[i].type),
			cprof__profile_str(last, last->sample_types.items[i].unit));
	cprof__profile_set_period(out,
				  cprof__profile_str(last, last->period_type.type),
				  cprof__profile_str(last, last->period_type.unit),
				  last->period);
	out->default_sample_type = cprof__profile_string(
		out, cprof__profile_str(last, last->default_sample_type));
	for (size_t i = 0; i < last->comments.len; i++)
		cprof__profile_add_comment(
			out, cprof__profile_str(last, last->comments.items[i]));
	for (size_t i = 0; i < n; i++) {
		if (in[i]->time_nanos != 0 &&
		    (out->time_nanos == 0 || in[i]->time_nanos < out->time_nanos))
			out->time_nanos = in[i]->time_nanos;
		out->duration_nanos =
			cprof__i64_add(out->duration_nanos, in[i]->duration_nanos);
	}
}

/* Drops the samples whose values are all zero, keeping the order. */
static void merge_drop_zero(struct cprof__profile *out)
{
	size_t kept = 0;

	for (size_t i = 0; i < out->samples.len; i++) {
		const struct cprof__sample *s = &out->samples.items[i];
		bool zero = true;

		for (size_t v = 0; v < s->n_values && zero; v++)
			zero = s->values[v] == 0;
		if (!zero)
			out->samples.items[kept++] = *s;
	}
	out->samples.len = kept;
}

int cprof__profile_merge(const struct cprof__profile *const *in,
			 const double *scales, size_t n,
			 struct cprof__profile **result)
{
	struct merge_state st;
	int rc = 0;

	*result = NULL;
	if (n == 0)
		return CPROF_EINVAL;
	for (size_t i = 1; i < n; i++)
		if (!merge_compatible(in[0], in[i]))
			return CPROF_EINVAL;
	memset(&st, 0, sizeof(st));
	st.out = cprof__profile_new();
	if (st.out == NULL)
		return CPROF_ENOMEM;
	merge_header(st.out, in, n);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		st.in = in[i];
		rc = merge_locations_of(&st);
		if (rc == 0)
			rc = merge_samples_of(&st, scales ? scales[i] : 1.0);
	}
	if (rc == 0)
		rc = cprof__profile_error(st.out);
	cprof__hindex_fini(&st.mappings);
	cprof__hindex_fini(&st.locations);
	cprof__hindex_fini(&st.samples);
	cprof__free(st.loc_ids);
	if (rc != 0) {
		cprof__profile_free(st.out);
		return rc;
	}
	merge_drop_zero(st.out);
	*result = st.out;
	return 0;
}
