/*
 * pprof.h - the pprof wire format: profile.proto encoding and decoding,
 * gzip framing. Shared by the library (encode) and the CLI (decode).
 *
 * The decoder is the code that reads untrusted files: every read is bounds
 * checked, every index validated, sizes capped; malformed input gives
 * CPROF_EINVAL and a one-line reason, never a crash or an out-of-bounds read.
 */
#ifndef CPROF_SRC_PPROF_PPROF_H
#define CPROF_SRC_PPROF_PPROF_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "pprof/profile.h"

/* Largest input the decoder accepts after gunzip (a bound, not a target). */
#define CPROF_PPROF_MAX_DECODED (1ull << 31)

/* Appends the protobuf encoding of p to out, gzip-compressed (level 1, as Go
 * writes it) when gzip is true. Returns 0 or a CPROF_E* code. */
int cprof__pprof_encode(const struct cprof__profile *p, struct cprof__buf *out,
			bool gzip);

/* Decodes a profile from data (gzip or plain protobuf, sniffed by the gzip
 * magic). On success *out is a new profile (free with cprof__profile_free).
 * On failure returns CPROF_EINVAL (or CPROF_ENOMEM) and writes a reason to
 * err, e.g. "truncated varint at byte 1234". */
int cprof__pprof_decode(const void *data, size_t len,
			struct cprof__profile **out, char *err,
			size_t err_size);

/* gzip helpers (zlib); gunzip output is capped at limit bytes. */
int cprof__gzip(const void *data, size_t len, int level,
		struct cprof__buf *out);
int cprof__gunzip(const void *data, size_t len, size_t limit,
		  struct cprof__buf *out, char *err, size_t err_size);

#endif
