/*
 * gzip.c - gzip framing of encoded profiles, over zlib.
 *
 * Compression writes one gzip member in a single deflate call sized by
 * deflateBound (Go writes level 1, BestSpeed, and so do we by default).
 * Decompression reads untrusted input: it accepts concatenated members as
 * Go's gzip reader does, caps the output at the caller's limit before any
 * byte past it is stored, and turns every zlib complaint into CPROF_EINVAL
 * with a one-line reason. The protobuf layer is encode.c's and decode.c's.
 */
#include <string.h>
#include <zlib.h>

#include "base/log.h"
#include "cprof.h"
#include "pprof/pprof.h"

/* zlib counts in uInt; feed and drain it in chunks no larger than this. */
#define GZIP_STEP ((size_t)1 << 30)
/* deflate cannot expand more than about 1032:1; an ISIZE trailer claiming
 * more than that is a lie and not worth pre-sizing for. */
#define GZIP_MAX_RATIO 1032
/* The least output room offered to one inflate call. */
#define GUNZIP_CHUNK ((size_t)64 << 10)

int cprof__gzip(const void *data, size_t len, int level,
		struct cprof__buf *out)
{
	z_stream z;
	uLong bound;
	int rc;

	if (len > GZIP_STEP)
		return CPROF_ENOMEM; /* larger than any buffer cap we use */
	memset(&z, 0, sizeof(z));
	/* 15 + 16: a gzip header and trailer rather than zlib's. */
	if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return CPROF_ENOMEM;
	bound = deflateBound(&z, (uLong)len);
	if (!cprof__buf_reserve(out, bound)) {
		deflateEnd(&z);
		return out->error;
	}
	z.next_in = (Bytef *)(uintptr_t)data;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out->data + out->len;
	z.avail_out = (uInt)bound;
	rc = deflate(&z, Z_FINISH);
	if (rc == Z_STREAM_END) {
		out->len += z.total_out;
		out->data[out->len] = '\0';
	}
	deflateEnd(&z);
	return rc == Z_STREAM_END ? 0 : CPROF_ENOMEM;
}

/* Pre-sizes the output from the last member's ISIZE (length mod 2^32),
 * when it is plausible; a wrong hint only costs a realloc. */
static void gunzip_presize(const unsigned char *in, size_t len, size_t limit,
			   struct cprof__buf *out)
{
	size_t hint;

	if (len < 18)
		return;
	hint = (size_t)in[len - 4] | (size_t)in[len - 3] << 8 |
	       (size_t)in[len - 2] << 16 | (size_t)in[len - 1] << 24;
	if (hint > limit || hint / GZIP_MAX_RATIO > len)
		return;
	cprof__buf_reserve(out, hint);
	out->error = 0; /* a hint we could not honour is not an error */
}

/* Output room for the next inflate call: the buffer's spare capacity (it
 * grows by doubling), at least GUNZIP_CHUNK, never past the limit. */
static size_t gunzip_room(const struct cprof__buf *out, size_t produced,
			  size_t limit)
{
	size_t room = out->cap > out->len + 1 ? out->cap - out->len - 1 : 0;

	if (room < GUNZIP_CHUNK)
		room = GUNZIP_CHUNK;
	if (room > limit - produced)
		room = limit - produced;
	return room < GZIP_STEP ? room : GZIP_STEP;
}

/* At the end of a member: *more if another member follows (as in `cat
 * a.gz b.gz`, which Go's reader accepts); otherwise the input must end. */
static int gunzip_member_end(z_stream *z, const unsigned char *in,
			     size_t len, bool *more, char *err,
			     size_t err_size)
{
	size_t used = (size_t)(z->next_in - in);

	*more = used + 2 <= len && in[used] == 0x1f && in[used + 1] == 0x8b;
	if (*more) {
		inflateReset(z);
		return 0;
	}
	if (used != len) {
		cprof__errf(err, err_size,
			  "trailing garbage after gzip stream at byte %zu", used);
		return CPROF_EINVAL;
	}
	return 0;
}

/* Runs inflate over one member or more until the input ends. */
static int gunzip_run(z_stream *z, const unsigned char *in, size_t len,
		      size_t limit, struct cprof__buf *out, char *err,
		      size_t err_size)
{
	size_t start = out->len, room;
	bool more;
	int rc;

	for (;;) {
		if (z->avail_in == 0 && z->next_in < in + len) {
			size_t left = (size_t)(in + len - z->next_in);

			z->avail_in = (uInt)(left < GZIP_STEP ? left : GZIP_STEP);
		}
		if (out->len - start >= limit)
			return cprof__errf(err, err_size, "decompressed profile "
					 "exceeds %zu bytes", limit),
			       CPROF_EINVAL;
		room = gunzip_room(out, out->len - start, limit);
		if (!cprof__buf_reserve(out, room))
			return cprof__errf(err, err_size, "out of memory"),
			       CPROF_ENOMEM;
		z->next_out = (Bytef *)out->data + out->len;
		z->avail_out = (uInt)room;
		rc = inflate(z, Z_NO_FLUSH);
		out->len = (size_t)((char *)z->next_out - out->data);
		if (rc == Z_STREAM_END) {
			rc = gunzip_member_end(z, in, len, &more, err, err_size);
			if (rc != 0 || !more)
				return rc;
		} else if (rc == Z_BUF_ERROR && z->next_in == in + len) {
			cprof__errf(err, err_size, "truncated gzip stream");
			return CPROF_EINVAL;
		} else if (rc != Z_OK && rc != Z_BUF_ERROR) {
			cprof__errf(err, err_size, "gzip: %s",
				  z->msg ? z->msg : "corrupt stream");
			return rc == Z_MEM_ERROR ? CPROF_ENOMEM : CPROF_EINVAL;
		}
	}
}

int cprof__gunzip(const void *data, size_t len, size_t limit,
		  struct cprof__buf *out, char *err, size_t err_size)
{
	z_stream z;
	int rc;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 16) != Z_OK) {
		cprof__errf(err, err_size, "out of memory");
		return CPROF_ENOMEM;
	}
	gunzip_presize(data, len, limit, out);
	z.next_in = (Bytef *)(uintptr_t)data;
	z.avail_in = 0;
	rc = gunzip_run(&z, data, len, limit, out, err, err_size);
	inflateEnd(&z);
	if (rc == 0 && out->len < out->cap)
		out->data[out->len] = '\0';
	return rc;
}
