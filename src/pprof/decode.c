/*
 * decode.c - profile.proto bytes (plain or gzip) to a profile model.
 *
 * This is the code that reads untrusted files. Every byte is read through
 * the bounds-checked pb_reader; a nested message narrows the reader's end,
 * so nothing inside a message can read past it. Known fields with the wrong
 * wire type, groups, over-long varints and lengths past the end are errors
 * with the byte offset (into the decompressed stream); unknown fields are
 * skipped, as proto3 requires.
 *
 * Decoding makes two passes. The census walks the bytes once to count
 * every repeated thing (samples, location ids, values, labels, lines,
 * string bytes), so the second pass fills arrays allocated exactly, in
 * a handful of arena blocks: no per-element allocation, no regrowth, linear
 * time. Ids and string indices are kept as in the file; profile.c indexes
 * sparse ids and validates what CheckValid validates.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "cprof.h"
#include "pprof/pprof.h"
#include "pprof/wire.h"

/* Counts must fit profile.c's 32-bit table indices. */
#define DEC_MAX_COUNT ((size_t)UINT32_MAX - 1)

struct pb_reader {
	const unsigned char *buf; /* the whole stream: offsets are into it */
	size_t pos;
	size_t end; /* end of the message being read */
	char *err;
	size_t err_size;
};

static int rd_fail(struct pb_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int rd_fail(struct pb_reader *r, const char *fmt, ...)
{
	va_list ap;

	if (r->err != NULL && r->err_size != 0) {
		va_start(ap, fmt);
		vsnprintf(r->err, r->err_size, fmt, ap);
		va_end(ap);
	}
	return CPROF_EINVAL;
}

static int rd_varint(struct pb_reader *r, uint64_t *out)
{
	size_t p = r->pos;
	uint64_t v = 0;

	/* Most varints in a profile (keys, ids, small values) are one byte. */
	if (p < r->end && r->buf[p] < 0x80) {
		*out = r->buf[p];
		r->pos = p + 1;
		return 0;
	}
	for (unsigned i = 0; i < PB_MAX_VARINT; i++) {
		unsigned b;

		if (p >= r->end)
			return rd_fail(r, "truncated varint at byte %zu", r->pos);
		b = r->buf[p++];
		if (i == PB_MAX_VARINT - 1 && b > 1)
			return rd_fail(r, "varint overflows 64 bits at byte %zu",
				       r->pos);
		v |= (uint64_t)(b & 0x7f) << (7 * i);
		if (b < 0x80) {
			r->pos = p;
			*out = v;
			return 0;
		}
	}
	return rd_fail(r, "varint longer than 10 bytes at byte %zu", r->pos);
}

/* Reads a field key; only the wire types profile.proto can use pass. */
static int rd_key(struct pb_reader *r, uint32_t *field, unsigned *wt)
{
	size_t at = r->pos;
	uint64_t key;

	if (rd_varint(r, &key) != 0)
		return CPROF_EINVAL;
	*wt = (unsigned)(key & 7);
	if (key >> 3 == 0 || key >> 3 > PB_MAX_FIELD)
		return rd_fail(r, "invalid field number %" PRIu64 " at byte %zu",
			       key >> 3, at);
	*field = (uint32_t)(key >> 3);
	if (*wt == PB_WT_SGROUP || *wt == PB_WT_EGROUP)
		return rd_fail(r, "group wire type %u (field %" PRIu32
			       ") not supported at byte %zu", *wt, *field, at);
	if (*wt > PB_WT_I32)
		return rd_fail(r, "invalid wire type %u at byte %zu", *wt, at);
	return 0;
}

/* Reads a length prefix; *sub_end is where the delimited bytes stop. */
static int rd_len(struct pb_reader *r, size_t *sub_end)
{
	size_t at = r->pos;
	uint64_t n;

	if (rd_varint(r, &n) != 0)
		return CPROF_EINVAL;
	if (n > r->end - r->pos)
		return rd_fail(r, "truncated field at byte %zu: length %" PRIu64
			       " but %zu bytes left", at, n, r->end - r->pos);
	*sub_end = r->pos + (size_t)n;
	return 0;
}

static int rd_skip(struct pb_reader *r, unsigned wt)
{
	size_t at = r->pos, n, sub_end;
	uint64_t v;

	switch (wt) {
	case PB_WT_VARINT:
		return rd_varint(r, &v);
	case PB_WT_LEN:
		if (rd_len(r, &sub_end) != 0)
			return CPROF_EINVAL;
		r->pos = sub_end;
		return 0;
	default:
		n = wt == PB_WT_I64 ? 8 : 4;
		if (n > r->end - r->pos)
			return rd_fail(r, "truncated fixed%zu at byte %zu",
				       n * 8, at);
		r->pos += n;
		return 0;
	}
}

static int rd_want(struct pb_reader *r, unsigned wt, unsigned want,
		   const char *msg, uint32_t field)
{
	if (wt == want)
		return 0;
	return rd_fail(r, "wrong wire type %u for %s field %" PRIu32
		       " near byte %zu", wt, msg, field, r->pos);
}

/* A singular varint field of a known message. */
static int rd_u64(struct pb_reader *r, unsigned wt, const char *msg,
		  uint32_t field, uint64_t *v)
{
	if (rd_want(r, wt, PB_WT_VARINT, msg, field) != 0)
		return CPROF_EINVAL;
	return rd_varint(r, v);
}

static int rd_i64(struct pb_reader *r, unsigned wt, const char *msg,
		  uint32_t field, int64_t *v)
{
	uint64_t u;

	if (rd_u64(r, wt, msg, field, &u) != 0)
		return CPROF_EINVAL;
	*v = (int64_t)u;
	return 0;
}

static int rd_bool(struct pb_reader *r, unsigned wt, const char *msg,
		   uint32_t field, bool *v)
{
	uint64_t u;

	if (rd_u64(r, wt, msg, field, &u) != 0)
		return CPROF_EINVAL;
	*v = u != 0;
	return 0;
}

/* A repeated varint field, packed (wire type 2) or one element (0), into
 * out[*n...cap); the census sized cap, so overflow means it lied. */
static int rd_repeated(struct pb_reader *r, unsigned wt, const char *msg,
		       uint32_t field, uint64_t *out, size_t *n, size_t cap)
{
	size_t end = r->end, sub_end = r->end;
	int rc = 0;

	if (wt != PB_WT_VARINT &&
	    (rd_want(r, wt, PB_WT_LEN, msg, field) != 0 ||
	     rd_len(r, &sub_end) != 0))
		return CPROF_EINVAL;
	r->end = sub_end;
	do {
		uint64_t v;

		rc = rd_varint(r, &v);
		if (rc == 0 && *n >= cap)
			rc = rd_fail(r, "census mismatch at byte %zu", r->pos);
		if (rc == 0)
			out[(*n)++] = v;
	} while (rc == 0 && wt == PB_WT_LEN && r->pos < sub_end);
	r->end = end;
	return rc;
}

/* ---- pass 1: the census ---- */

struct dec_census {
	size_t sample_types;
	size_t samples;
	size_t mappings;
	size_t locations;
	size_t functions;
	size_t strings;
	size_t string_bytes; /* with a NUL after each */
	size_t comments;
	size_t location_ids;
	size_t values;
	size_t labels;
	size_t lines;
};

/* Counts the elements of a repeated varint field. Wrong wire types are
 * skipped here and reported by pass 2. */
static int census_repeated(struct pb_reader *r, unsigned wt, size_t *count)
{
	size_t sub_end, n = 0;

	if (wt == PB_WT_VARINT) {
		(*count)++;
		return rd_skip(r, wt);
	}
	if (wt != PB_WT_LEN)
		return rd_skip(r, wt);
	if (rd_len(r, &sub_end) != 0)
		return CPROF_EINVAL;
	/* One terminating byte (high bit clear) per varint. */
	for (const unsigned char *b = r->buf + r->pos; b < r->buf + sub_end; b++)
		n += *b < 0x80;
	*count += n;
	r->pos = sub_end;
	return 0;
}

/* Counts the fields of the message [r->pos, end) that land in `counts`:
 * counts[f] for field f < 5 counts repeated varints (packed aware) when
 * packed[f], else messages. */
static int census_message(struct pb_reader *r, size_t end,
			  size_t *const counts[5], const bool packed[5])
{
	size_t saved = r->end;
	uint32_t field;
	unsigned wt;
	int rc = 0;

	r->end = end;
	while (rc == 0 && r->pos < end) {
		rc = rd_key(r, &field, &wt);
		if (rc != 0)
			break;
		if (field < 5 && counts[field] != NULL && packed[field])
			rc = census_repeated(r, wt, counts[field]);
		else if (field < 5 && counts[field] != NULL &&
			 wt == PB_WT_LEN) {
			(*counts[field])++;
			rc = rd_skip(r, wt);
		} else {
			rc = rd_skip(r, wt);
		}
	}
	r->end = saved;
	return rc;
}

static int census_field(struct pb_reader *r, struct dec_census *c,
			uint32_t field, unsigned wt)
{
	static const bool sample_packed[5] = { false, true, true, false };
	static const bool location_packed[5] = { false };
	size_t *const sample_counts[5] = { NULL, &c->location_ids,
					   &c->values, &c->labels };
	size_t *const location_counts[5] = { NULL, NULL, NULL, NULL,
					     &c->lines };
	size_t sub_end;

	if (field == PB_PROFILE_COMMENT)
		return census_repeated(r, wt, &c->comments);
	if (wt != PB_WT_LEN || field > PB_PROFILE_STRING_TABLE)
		return rd_skip(r, wt);
	if (rd_len(r, &sub_end) != 0)
		return CPROF_EINVAL;
	switch (field) {
	case PB_PROFILE_SAMPLE_TYPE:
		c->sample_types++;
		break;
	case PB_PROFILE_SAMPLE:
		c->samples++;
		return census_message(r, sub_end, sample_counts, sample_packed);
	case PB_PROFILE_MAPPING:
		c->mappings++;
		break;
	case PB_PROFILE_LOCATION:
		c->locations++;
		return census_message(r, sub_end, location_counts,
				      location_packed);
	case PB_PROFILE_FUNCTION:
		c->functions++;
		break;
	case PB_PROFILE_STRING_TABLE:
		c->strings++;
		c->string_bytes += sub_end - r->pos + 1;
		break;
	}
	r->pos = sub_end;
	return 0;
}

static int census_profile(struct pb_reader *r, struct dec_census *c)
{
	uint32_t field;
	unsigned wt;

	memset(c, 0, sizeof(*c));
	while (r->pos < r->end) {
		if (rd_key(r, &field, &wt) != 0 ||
		    census_field(r, c, field, wt) != 0)
			return CPROF_EINVAL;
	}
	return 0;
}

/* ---- pass 2: filling the model ---- */

/* Pools the census sized; each sample or location takes a contiguous run
 * of the next elements (messages are decoded one after another). */
struct dec {
	struct pb_reader r;
	struct cprof__profile *p;
	uint64_t *location_ids;
	size_t n_location_ids, cap_location_ids;
	uint64_t *values; /* int64 bits */
	size_t n_values, cap_values;
	struct cprof__label *labels;
	size_t n_labels, cap_labels;
	struct cprof__line *lines;
	size_t n_lines, cap_lines;
	char *string_bytes;
	size_t n_string_bytes, cap_string_bytes;
};

/* Enters the length-delimited message of a known field: checks the wire
 * type, narrows the reader, returns the enclosing end in *saved. */
static int dec_enter(struct dec *d, unsigned wt, const char *msg,
		     uint32_t field, size_t *saved)
{
	size_t sub_end;

	if (rd_want(&d->r, wt, PB_WT_LEN, msg, field) != 0 ||
	    rd_len(&d->r, &sub_end) != 0)
		return CPROF_EINVAL;
	*saved = d->r.end;
	d->r.end = sub_end;
	return 0;
}

static int dec_value_type(struct dec *d, struct cprof__value_type *vt)
{
	struct pb_reader *r = &d->r;
	uint32_t field;
	unsigned wt;
	int rc = 0;

	while (rc == 0 && r->pos < r->end) {
		if (rd_key(r, &field, &wt) != 0)
			return CPROF_EINVAL;
		if (field == PB_VALUETYPE_TYPE)
			rc = rd_i64(r, wt, "ValueType", field, &vt->type);
		else if (field == PB_VALUETYPE_UNIT)
			rc = rd_i64(r, wt, "ValueType", field, &vt->unit);
		else
			rc = rd_skip(r, wt);
	}
	return rc;
}

static int dec_label(struct dec *d, struct cprof__label *l)
{
	struct pb_reader *r = &d->r;
	uint32_t field;
	unsigned wt;
	int rc = 0;

	memset(l, 0, sizeof(*l));
	while (rc == 0 && r->pos < r->end) {
		if (rd_key(r, &field, &wt) != 0)
			return CPROF_EINVAL;
		switch (field) {
		case PB_LABEL_KEY:
			rc = rd_i64(r, wt, "Label", field, &l->key);
			break;
		case PB_LABEL_STR:
			rc = rd_i64(r, wt, "Label", field, &l->str);
			break;
		case PB_LABEL_NUM:
			rc = rd_i64(r, wt, "Label", field, &l->num);
			break;
		case PB_LABEL_NUM_UNIT:
			rc = rd_i64(r, wt, "Label", field, &l->num_unit);
			break;
		default:
			rc = rd_skip(r, wt);
		}
	}
	return rc;
}

static int dec_sample_label(struct dec *d, unsigned wt, uint32_t field)
{
	size_t saved;
	int rc;

	if (dec_enter(d, wt, "Sample", field, &saved) != 0)
		return CPROF_EINVAL;
	if (d->n_labels >= d->cap_labels)
		return rd_fail(&d->r, "census mismatch at byte %zu", d->r.pos);
	rc = dec_label(d, &d->labels[d->n_labels++]);
	d->r.end = saved;
	return rc;
}

static int dec_sample(struct dec *d, struct cprof__sample *s)
{
	struct pb_reader *r = &d->r;
	size_t ids0 = d->n_location_ids, values0 = d->n_values;
	size_t labels0 = d->n_labels;
	uint32_t field;
	unsigned wt;
	int rc = 0;

	while (rc == 0 && r->pos < r->end) {
		if (rd_key(r, &field, &wt) != 0)
			return CPROF_EINVAL;
		if (field == PB_SAMPLE_LOCATION_ID)
			rc = rd_repeated(r, wt, "Sample", field,
					 d->location_ids, &d->n_location_ids,
					 d->cap_location_ids);
		else if (field == PB_SAMPLE_VALUE)
			rc = rd_repeated(r, wt, "Sample", field, d->values,
					 &d->n_values, d->cap_values);
		else if (field == PB_SAMPLE_LABEL)
			rc = dec_sample_label(d, wt, field);
		else
			rc = rd_skip(r, wt);
	}
	s->location_ids = d->location_ids + ids0;
	s->n_locations = d->n_location_ids - ids0;
	/* int64 and uint64 share size and representation. */
	s->values = (int64_t *)(void *)(d->values + values0);
	s->n_values = d->n_values - values0;
	s->labels = d->labels + labels0;
	s->n_labels = d->n_labels - labels0;
	return rc;
}

static int dec_mapping_field(struct pb_reader *r, struct cprof__mapping *m,
			     uint32_t field, unsigned wt)
{
	static const char msg[] = "Mapping";

	switch (field) {
	case PB_MAPPING_ID:
		return rd_u64(r, wt, msg, field, &m->id);
	case PB_MAPPING_MEMORY_START:
		return rd_u64(r, wt, msg, field, &m->memory_start);
	case PB_MAPPING_MEMORY_LIMIT:
		return rd_u64(r, wt, msg, field, &m->memory_limit);
	case PB_MAPPING_FILE_OFFSET:
		return rd_u64(r, wt, msg, field, &m->file_offset);
	case PB_MAPPING_FILENAME:
		return rd_i64(r, wt, msg, field, &m->filename);
	case PB_MAPPING_BUILD_ID:
		return rd_i64(r, wt, msg, field, &m->build_id);
	case PB_MAPPING_HAS_FUNCTIONS:
		return rd_bool(r, wt, msg, field, &m->has_functions);
	case PB_MAPPING_HAS_FILENAMES:
		return rd_bool(r, wt, msg, field, &m->has_filenames);
	case PB_MAPPING_HAS_LINE_NUMBERS:
		return rd_bool(r, wt, msg, field, &m->has_line_numbers);
	case PB_MAPPING_HAS_INLINE_FRAMES:
		return rd_bool(r, wt, msg, field, &m->has_inline_frames);
	default:
		return rd_skip(r, wt);
	}
}

static int dec_mapping(struct dec *d, struct cprof__mapping *m)
{
	uint32_t field;
	unsigned wt;
	int rc = 0;

	while (rc == 0 && d->r.pos < d->r.end) {
		if (rd_key(&d->r, &field, &wt) != 0)
			return CPROF_EINVAL;
		rc = dec_mapping_field(&d->r, m, field, wt);
	}
	return rc;
}

static int dec_line(struct dec *d, unsigned wt, uint32_t field)
{
	struct pb_reader *r = &d->r;
	struct cprof__line *l;
	size_t saved;
	int rc = 0;

	if (dec_enter(d, wt, "Location", field, &saved) != 0)
		return CPROF_EINVAL;
	if (d->n_lines >= d->cap_lines)
		return rd_fail(r, "census mismatch at byte %zu", r->pos);
	l = &d->lines[d->n_lines++];
	memset(l, 0, sizeof(*l));
	while (rc == 0 && r->pos < r->end) {
		if (rd_key(r, &field, &wt) != 0)
			return CPROF_EINVAL;
		if (field == PB_LINE_FUNCTION_ID)
			rc = rd_u64(r, wt, "Line", field, &l->function_id);
		else if (field == PB_LINE_LINE)
			rc = rd_i64(r, wt, "Line", field, &l->line);
		else if (field == PB_LINE_COLUMN)
			rc = rd_i64(r, wt, "Line", field, &l->column);
		else
			rc = rd_skip(r, wt);
	}
	r->end = saved;
	return rc;
}

static int dec_location(struct dec *d, struct cprof__location *l)
{
	struct pb_reader *r = &d->r;
	size_t lines0 = d->n_lines;
	uint32_t field;
	unsigned wt;
	int rc = 0;

	while (rc == 0 && r->pos < r->end) {
		if (rd_key(r, &field, &wt) != 0)
			return CPROF_EINVAL;
		if (field == PB_LOCATION_ID)
			rc = rd_u64(r, wt, "Location", field, &l->id);
		else if (field == PB_LOCATION_MAPPING_ID)
			rc = rd_u64(r, wt, "Location", field, &l->mapping_id);
		else if (field == PB_LOCATION_ADDRESS)
			rc = rd_u64(r, wt, "Location", field, &l->address);
		else if (field == PB_LOCATION_LINE)
			rc = dec_line(d, wt, field);
		else if (field == PB_LOCATION_IS_FOLDED)
			rc = rd_bool(r, wt, "Location", field, &l->is_folded);
		else
			rc = rd_skip(r, wt);
	}
	l->lines = d->lines + lines0;
	l->n_lines = d->n_lines - lines0;
	return rc;
}

static int dec_function(struct dec *d, struct cprof__function *f)
{
	static const char msg[] = "Function";
	struct pb_reader *r = &d->r;
	uint32_t field;
	unsigned wt;
	int rc = 0;

	while (rc == 0 && r->pos < r->end) {
		if (rd_key(r, &field, &wt) != 0)
			return CPROF_EINVAL;
		if (field == PB_FUNCTION_ID)
			rc = rd_u64(r, wt, msg, field, &f->id);
		else if (field == PB_FUNCTION_NAME)
			rc = rd_i64(r, wt, msg, field, &f->name);
		else if (field == PB_FUNCTION_SYSTEM_NAME)
			rc = rd_i64(r, wt, msg, field, &f->system_name);
		else if (field == PB_FUNCTION_FILENAME)
			rc = rd_i64(r, wt, msg, field, &f->filename);
		else if (field == PB_FUNCTION_START_LINE)
			rc = rd_i64(r, wt, msg, field, &f->start_line);
		else
			rc = rd_skip(r, wt);
	}
	return rc;
}

/* Copies a string into the pool, NUL-terminated (strings may hold NULs;
 * the length is kept beside it). */
static int dec_string(struct dec *d)
{
	struct cprof__profile *p = d->p;
	size_t n = d->r.end - d->r.pos;
	char *s = d->string_bytes + d->n_string_bytes;

	if (p->strings.len >= p->strings.cap ||
	    n + 1 > d->cap_string_bytes - d->n_string_bytes)
		return rd_fail(&d->r, "census mismatch at byte %zu", d->r.pos);
	memcpy(s, d->r.buf + d->r.pos, n);
	s[n] = '\0';
	d->n_string_bytes += n + 1;
	d->r.pos = d->r.end;
	p->strings.items[p->strings.len] = s;
	p->string_lengths.items[p->strings.len] = n;
	p->strings.len++;
	p->string_lengths.len++;
	return 0;
}

/* The next element of a vector the census sized exactly, zeroed. */
#define DEC_NEXT(vec)                                                         \
	((vec).len < (vec).cap ? memset(&(vec).items[(vec).len++], 0,          \
					sizeof(*(vec).items))                 \
			       : NULL)

/* The census counted fewer items than pass 2 found: cannot happen unless
 * the two passes disagree on the grammar; fail rather than overrun. */
static int dec_mismatch(struct dec *d)
{
	return rd_fail(&d->r, "census mismatch at byte %zu", d->r.pos);
}

static int dec_nested_item(struct dec *d, uint32_t field)
{
	struct cprof__profile *p = d->p;
	void *item;

	switch (field) {
	case PB_PROFILE_SAMPLE_TYPE:
		item = DEC_NEXT(p->sample_types);
		return item ? dec_value_type(d, item) : dec_mismatch(d);
	case PB_PROFILE_SAMPLE:
		item = DEC_NEXT(p->samples);
		return item ? dec_sample(d, item) : dec_mismatch(d);
	case PB_PROFILE_MAPPING:
		item = DEC_NEXT(p->mappings);
		return item ? dec_mapping(d, item) : dec_mismatch(d);
	case PB_PROFILE_LOCATION:
		item = DEC_NEXT(p->locations);
		return item ? dec_location(d, item) : dec_mismatch(d);
	case PB_PROFILE_FUNCTION:
		item = DEC_NEXT(p->functions);
		return item ? dec_function(d, item) : dec_mismatch(d);
	case PB_PROFILE_STRING_TABLE:
		return dec_string(d);
	default: /* PB_PROFILE_PERIOD_TYPE: a repeat merges, as in proto */
		return dec_value_type(d, &p->period_type);
	}
}

static int dec_nested(struct dec *d, uint32_t field, unsigned wt)
{
	size_t saved;
	int rc;

	if (dec_enter(d, wt, "Profile", field, &saved) != 0)
		return CPROF_EINVAL;
	rc = dec_nested_item(d, field);
	d->r.end = saved;
	return rc;
}

static int dec_profile_field(struct dec *d, uint32_t field, unsigned wt)
{
	static const char msg[] = "Profile";
	struct cprof__profile *p = d->p;
	struct pb_reader *r = &d->r;

	switch (field) {
	case PB_PROFILE_DROP_FRAMES:
		return rd_i64(r, wt, msg, field, &p->drop_frames);
	case PB_PROFILE_KEEP_FRAMES:
		return rd_i64(r, wt, msg, field, &p->keep_frames);
	case PB_PROFILE_TIME_NANOS:
		/* google/pprof's test for `cat a.pb b.pb`. */
		if (p->time_nanos != 0)
			return rd_fail(r, "concatenated profiles detected "
				       "(second time_nanos at byte %zu)", r->pos);
		return rd_i64(r, wt, msg, field, &p->time_nanos);
	case PB_PROFILE_DURATION_NANOS:
		return rd_i64(r, wt, msg, field, &p->duration_nanos);
	case PB_PROFILE_PERIOD:
		return rd_i64(r, wt, msg, field, &p->period);
	case PB_PROFILE_COMMENT:
		return rd_repeated(r, wt, msg, field,
				   (uint64_t *)(void *)p->comments.items,
				   &p->comments.len, p->comments.cap);
	case PB_PROFILE_DEFAULT_SAMPLE_TYPE:
		return rd_i64(r, wt, msg, field, &p->default_sample_type);
	case PB_PROFILE_DOC_URL:
		return rd_i64(r, wt, msg, field, &p->doc_url);
	default:
		if (field <= PB_PROFILE_STRING_TABLE ||
		    field == PB_PROFILE_PERIOD_TYPE)
			return dec_nested(d, field, wt);
		return rd_skip(r, wt);
	}
}

/* n elements of size bytes from the arena; never NULL on success, so
 * pointer arithmetic on empty pools stays defined. */
static void *dec_alloc(struct dec *d, size_t n, size_t size, size_t *cap)
{
	size_t want = n ? n : 1;

	if (n > DEC_MAX_COUNT || want > SIZE_MAX / size) {
		d->p->error = CPROF_EINVAL;
		return NULL;
	}
	*cap = n;
	return cprof__arena_alloc(&d->p->arena, want * size);
}

#define DEC_VEC(d, vec, n) ((vec).items = dec_alloc((d), (n),                 \
				sizeof(*(vec).items), &(vec).cap))

static int dec_setup(struct dec *d, const struct dec_census *c)
{
	struct cprof__profile *p = d->p;
	size_t scap;

	p->strings.len = p->string_lengths.len = 0;
	if (!DEC_VEC(d, p->sample_types, c->sample_types) ||
	    !DEC_VEC(d, p->samples, c->samples) ||
	    !DEC_VEC(d, p->mappings, c->mappings) ||
	    !DEC_VEC(d, p->locations, c->locations) ||
	    !DEC_VEC(d, p->functions, c->functions) ||
	    !DEC_VEC(d, p->strings, c->strings) ||
	    !DEC_VEC(d, p->string_lengths, c->strings) ||
	    !DEC_VEC(d, p->comments, c->comments) ||
	    !(d->location_ids = dec_alloc(d, c->location_ids, sizeof(uint64_t),
					  &d->cap_location_ids)) ||
	    !(d->values = dec_alloc(d, c->values, sizeof(uint64_t),
				    &d->cap_values)) ||
	    !(d->labels = dec_alloc(d, c->labels, sizeof(*d->labels),
				    &d->cap_labels)) ||
	    !(d->lines = dec_alloc(d, c->lines, sizeof(*d->lines),
				   &d->cap_lines)) ||
	    !(d->string_bytes = dec_alloc(d, c->string_bytes, 1, &scap)))
		return p->error ? rd_fail(&d->r, "profile too large")
				: (rd_fail(&d->r, "out of memory"), CPROF_ENOMEM);
	d->cap_string_bytes = scap;
	return 0;
}

static int dec_check(struct dec *d)
{
	struct cprof__profile *p = d->p;
	int rc;

	if (p->strings.len == 0)
		return rd_fail(&d->r, "missing string table");
	rc = cprof__profile_index(p, d->r.err, d->r.err_size);
	if (rc == 0)
		rc = cprof__profile_validate(p, d->r.err, d->r.err_size);
	return rc;
}

static int decode_plain(const unsigned char *buf, size_t len,
			struct cprof__profile **out, char *err,
			size_t err_size)
{
	struct dec d = { .r = { buf, 0, len, err, err_size } };
	struct dec_census c;
	uint32_t field;
	unsigned wt;
	int rc;

	if (census_profile(&d.r, &c) != 0)
		return CPROF_EINVAL;
	d.p = cprof__profile_new();
	if (d.p == NULL)
		return rd_fail(&d.r, "out of memory"), CPROF_ENOMEM;
	rc = dec_setup(&d, &c);
	d.r.pos = 0;
	while (rc == 0 && d.r.pos < d.r.end) {
		rc = rd_key(&d.r, &field, &wt);
		if (rc == 0)
			rc = dec_profile_field(&d, field, wt);
	}
	if (rc == 0)
		rc = dec_check(&d);
	if (rc != 0) {
		cprof__profile_free(d.p);
		return rc;
	}
	d.p->error = 0;
	*out = d.p;
	return 0;
}

int cprof__pprof_decode(const void *data, size_t len,
			struct cprof__profile **out, char *err,
			size_t err_size)
{
	const unsigned char *in = data;
	struct cprof__buf plain;
	int rc;

	*out = NULL;
	if (err != NULL && err_size != 0)
		err[0] = '\0';
	if (len < 2 || in[0] != 0x1f || in[1] != 0x8b) {
		if (len > CPROF_PPROF_MAX_DECODED) {
			struct pb_reader r = { .err = err, .err_size = err_size };

			return rd_fail(&r, "profile larger than %llu bytes",
				       CPROF_PPROF_MAX_DECODED);
		}
		return decode_plain(in, len, out, err, err_size);
	}
	cprof__buf_init(&plain, CPROF_PPROF_MAX_DECODED + 1);
	rc = cprof__gunzip(in, len, CPROF_PPROF_MAX_DECODED, &plain, err,
			   err_size);
	if (rc == 0)
		rc = decode_plain((const unsigned char *)plain.data, plain.len,
				  out, err, err_size);
	cprof__buf_fini(&plain);
	return rc;
}
