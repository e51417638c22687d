/*
 * encode.c - profile model to profile.proto bytes, as Go's runtime writes
 * them.
 *
 * A hand-written encoder in the manner of runtime/pprof/protobuf.go: zero
 * scalars are omitted, repeated numbers are packed (always; readers accept
 * both forms), the string table is written whole with "" at index 0, and
 * time_nanos appears at most once so no reader mistakes the output for
 * concatenated profiles. A nested message is written in place and its
 * length prefix inserted afterwards by moving the body, which costs one
 * extra copy of each nested byte but keeps a single code path per message.
 *
 * Gzip framing is gzip.c's; the model and its invariants are profile.c's.
 * The encoder trusts the model (it does not validate it) except for its
 * sticky error.
 */
#include <string.h>

#include "cprof.h"
#include "pprof/pprof.h"
#include "pprof/wire.h"

static void pb_varint(struct cprof__buf *b, uint64_t v)
{
	unsigned char *d;

	if (!cprof__buf_reserve(b, PB_MAX_VARINT))
		return;
	d = (unsigned char *)b->data + b->len;
	while (v >= 0x80) {
		*d++ = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	*d++ = (unsigned char)v;
	b->len = (size_t)(d - (unsigned char *)b->data);
	b->data[b->len] = '\0';
}

static void pb_key(struct cprof__buf *b, unsigned field, unsigned wire_type)
{
	pb_varint(b, (uint64_t)field << 3 | wire_type);
}

/* Scalars: omitted when zero, as proto3 and Go's encoder do. */
static void pb_uint64(struct cprof__buf *b, unsigned field, uint64_t v)
{
	if (v == 0)
		return;
	pb_key(b, field, PB_WT_VARINT);
	pb_varint(b, v);
}

static void pb_int64(struct cprof__buf *b, unsigned field, int64_t v)
{
	pb_uint64(b, field, (uint64_t)v);
}

static void pb_bool(struct cprof__buf *b, unsigned field, bool v)
{
	pb_uint64(b, field, v ? 1 : 0);
}

static void pb_packed(struct cprof__buf *b, unsigned field,
		      const uint64_t *v, size_t n)
{
	size_t size = 0;

	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++)
		size += pb_varint_size(v[i]);
	pb_key(b, field, PB_WT_LEN);
	pb_varint(b, size);
	for (size_t i = 0; i < n; i++)
		pb_varint(b, v[i]);
}

/* int64 has the same two's complement bits as uint64; no zigzag. */
static void pb_packed_int64(struct cprof__buf *b, unsigned field,
			    const int64_t *v, size_t n)
{
	size_t size = 0;

	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++)
		size += pb_varint_size((uint64_t)v[i]);
	pb_key(b, field, PB_WT_LEN);
	pb_varint(b, size);
	for (size_t i = 0; i < n; i++)
		pb_varint(b, (uint64_t)v[i]);
}

static void pb_bytes(struct cprof__buf *b, unsigned field, const char *s,
		     size_t n)
{
	pb_key(b, field, PB_WT_LEN);
	pb_varint(b, n);
	cprof__buf_append(b, s, n);
}

/* A nested message starts here; pb_end prefixes it with key and length. */
static size_t pb_start(const struct cprof__buf *b)
{
	return b->len;
}

static void pb_end(struct cprof__buf *b, unsigned field, size_t start)
{
	size_t body = b->len - start;
	uint64_t key = (uint64_t)field << 3 | PB_WT_LEN;
	size_t hdr = pb_varint_size(key) + pb_varint_size(body);
	unsigned char tmp[2 * PB_MAX_VARINT], *d = tmp;

	if (cprof__buf_failed(b) || !cprof__buf_reserve(b, hdr))
		return;
	for (uint64_t v = key, i = 0; i < 2; i++, v = body) {
		while (v >= 0x80) {
			*d++ = (unsigned char)(v | 0x80);
			v >>= 7;
		}
		*d++ = (unsigned char)v;
	}
	memmove(b->data + start + hdr, b->data + start, body);
	memcpy(b->data + start, tmp, hdr);
	b->len += hdr;
	b->data[b->len] = '\0';
}

static void enc_value_type(struct cprof__buf *b, unsigned field,
			   const struct cprof__value_type *vt)
{
	size_t start = pb_start(b);

	pb_int64(b, PB_VALUETYPE_TYPE, vt->type);
	pb_int64(b, PB_VALUETYPE_UNIT, vt->unit);
	pb_end(b, field, start);
}

static void enc_sample(struct cprof__buf *b, const struct cprof__sample *s)
{
	size_t start = pb_start(b);

	pb_packed(b, PB_SAMPLE_LOCATION_ID, s->location_ids, s->n_locations);
	pb_packed_int64(b, PB_SAMPLE_VALUE, s->values, s->n_values);
	for (size_t i = 0; i < s->n_labels; i++) {
		const struct cprof__label *l = &s->labels[i];
		size_t lstart = pb_start(b);

		pb_int64(b, PB_LABEL_KEY, l->key);
		pb_int64(b, PB_LABEL_STR, l->str);
		pb_int64(b, PB_LABEL_NUM, l->num);
		pb_int64(b, PB_LABEL_NUM_UNIT, l->num_unit);
		pb_end(b, PB_SAMPLE_LABEL, lstart);
	}
	pb_end(b, PB_PROFILE_SAMPLE, start);
}

static void enc_mapping(struct cprof__buf *b, const struct cprof__mapping *m)
{
	size_t start = pb_start(b);

	pb_uint64(b, PB_MAPPING_ID, m->id);
	pb_uint64(b, PB_MAPPING_MEMORY_START, m->memory_start);
	pb_uint64(b, PB_MAPPING_MEMORY_LIMIT, m->memory_limit);
	pb_uint64(b, PB_MAPPING_FILE_OFFSET, m->file_offset);
	pb_int64(b, PB_MAPPING_FILENAME, m->filename);
	pb_int64(b, PB_MAPPING_BUILD_ID, m->build_id);
	pb_bool(b, PB_MAPPING_HAS_FUNCTIONS, m->has_functions);
	pb_bool(b, PB_MAPPING_HAS_FILENAMES, m->has_filenames);
	pb_bool(b, PB_MAPPING_HAS_LINE_NUMBERS, m->has_line_numbers);
	pb_bool(b, PB_MAPPING_HAS_INLINE_FRAMES, m->has_inline_frames);
	pb_end(b, PB_PROFILE_MAPPING, start);
}

static void enc_location(struct cprof__buf *b, const struct cprof__location *l)
{
	size_t start = pb_start(b);

	pb_uint64(b, PB_LOCATION_ID, l->id);
	pb_uint64(b, PB_LOCATION_MAPPING_ID, l->mapping_id);
	pb_uint64(b, PB_LOCATION_ADDRESS, l->address);
	for (size_t i = 0; i < l->n_lines; i++) {
		size_t lstart = pb_start(b);

		pb_uint64(b, PB_LINE_FUNCTION_ID, l->lines[i].function_id);
		pb_int64(b, PB_LINE_LINE, l->lines[i].line);
		pb_int64(b, PB_LINE_COLUMN, l->lines[i].column);
		pb_end(b, PB_LOCATION_LINE, lstart);
	}
	pb_bool(b, PB_LOCATION_IS_FOLDED, l->is_folded);
	pb_end(b, PB_PROFILE_LOCATION, start);
}

static void enc_function(struct cprof__buf *b, const struct cprof__function *f)
{
	size_t start = pb_start(b);

	pb_uint64(b, PB_FUNCTION_ID, f->id);
	pb_int64(b, PB_FUNCTION_NAME, f->name);
	pb_int64(b, PB_FUNCTION_SYSTEM_NAME, f->system_name);
	pb_int64(b, PB_FUNCTION_FILENAME, f->filename);
	pb_int64(b, PB_FUNCTION_START_LINE, f->start_line);
	pb_end(b, PB_PROFILE_FUNCTION, start);
}

static void enc_profile(struct cprof__buf *b, const struct cprof__profile *p)
{
	for (size_t i = 0; i < p->sample_types.len; i++)
		enc_value_type(b, PB_PROFILE_SAMPLE_TYPE,
			       &p->sample_types.items[i]);
	for (size_t i = 0; i < p->samples.len; i++)
		enc_sample(b, &p->samples.items[i]);
	for (size_t i = 0; i < p->mappings.len; i++)
		enc_mapping(b, &p->mappings.items[i]);
	for (size_t i = 0; i < p->locations.len; i++)
		enc_location(b, &p->locations.items[i]);
	for (size_t i = 0; i < p->functions.len; i++)
		enc_function(b, &p->functions.items[i]);
	for (size_t i = 0; i < p->strings.len; i++)
		pb_bytes(b, PB_PROFILE_STRING_TABLE, p->strings.items[i],
			 p->string_lengths.items[i]);
	pb_int64(b, PB_PROFILE_DROP_FRAMES, p->drop_frames);
	pb_int64(b, PB_PROFILE_KEEP_FRAMES, p->keep_frames);
	pb_int64(b, PB_PROFILE_TIME_NANOS, p->time_nanos);
	pb_int64(b, PB_PROFILE_DURATION_NANOS, p->duration_nanos);
	enc_value_type(b, PB_PROFILE_PERIOD_TYPE, &p->period_type);
	pb_int64(b, PB_PROFILE_PERIOD, p->period);
	pb_packed_int64(b, PB_PROFILE_COMMENT, p->comments.items,
			p->comments.len);
	pb_int64(b, PB_PROFILE_DEFAULT_SAMPLE_TYPE, p->default_sample_type);
	pb_int64(b, PB_PROFILE_DOC_URL, p->doc_url);
}

int cprof__pprof_encode(const struct cprof__profile *p, struct cprof__buf *out,
			bool gzip)
{
	struct cprof__buf raw;
	int rc;

	if (p->error)
		return p->error;
	if (p->strings.len == 0)
		return CPROF_EINVAL; /* no "" at index 0: not a profile */
	if (!gzip) {
		enc_profile(out, p);
		return out->error;
	}
	cprof__buf_init(&raw, out->limit);
	enc_profile(&raw, p);
	rc = raw.error ? raw.error : cprof__gzip(raw.data, raw.len, 1, out);
	cprof__buf_fini(&raw);
	return rc;
}
