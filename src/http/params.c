/*
 * params.c - Go's parsing of what a client puts in a URL.
 *
 * net/http/pprof reads its parameters with r.FormValue and parses numbers
 * with strconv, and clients have learnt its exact leniencies: "seconds=1.5"
 * silently means 30 s, "debug=abc" means 0, "0x" prefixes work in /symbol.
 * This file reproduces net/url.ParseQuery + Values.Get and strconv's
 * ParseInt (base 10), Atoi and ParseUint (base 0) on length-delimited bytes,
 * since a decoded value may hold NULs. It knows nothing of HTTP or MHD.
 *
 * Every function is bounded by its input length and allocates only through
 * the cprof__buf it is given.
 */
#include <stdint.h>
#include <string.h>

#include "cprof.h"
#include "http/http_internal.h"

static int params_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Percent-decodes s[0..n) into out (replacing its content), as Go's
 * QueryUnescape (plus_is_space) or PathUnescape does. A '%' not followed by
 * two hex digits makes the whole escape invalid: false, as Go's error.
 */
bool cprof__http_unescape(const char *s, size_t n, bool plus_is_space,
			  struct cprof__buf *out)
{
	size_t i;

	cprof__buf_reset(out);
	cprof__buf_reserve(out, n);
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '%') {
			int hi, lo;

			if (n - i < 3)
				return false;
			hi = params_hex((unsigned char)s[i + 1]);
			lo = params_hex((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				return false;
			c = (char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+' && plus_is_space) {
			c = ' ';
		}
		cprof__buf_putc(out, c);
	}
	/* An empty result still gets a NUL-terminated buffer. */
	cprof__buf_append(out, "", 0);
	return !cprof__buf_failed(out);
}

/* One "key=value" pair of a query: does its key decode to `key`? */
static bool params_pair_matches(const char *pair, size_t len, const char *key,
				struct cprof__buf *out, const char **value,
				size_t *value_len)
{
	const char *eq = memchr(pair, '=', len);
	size_t klen = eq ? (size_t)(eq - pair) : len;

	/* Go 1.17+ rejects a pair holding ';' (no longer a separator). */
	if (memchr(pair, ';', len) != NULL)
		return false;
	if (!cprof__http_unescape(pair, klen, true, out))
		return false;
	if (out->len != strlen(key) || memcmp(out->data, key, out->len) != 0)
		return false;
	*value = eq ? eq + 1 : pair + len;
	*value_len = eq ? len - klen - 1 : 0;
	return true;
}

/*
 * r.FormValue(key) for a GET request: the first value of key whose pair
 * decodes without error, decoded into out. Pairs that fail to decode are
 * skipped, as ParseQuery skips them (keeping the error FormValue ignores).
 * Returns whether the key was present; out is "" when it was not.
 */
bool cprof__http_query_get(const char *query, size_t len, const char *key,
			   struct cprof__buf *out)
{
	struct cprof__buf scratch = CPROF_BUF_INIT;
	size_t pos = 0;
	bool found = false;

	cprof__buf_init(&scratch, len + 1);
	while (pos < len && !found) {
		const char *pair = query + pos;
		const char *amp = memchr(pair, '&', len - pos);
		size_t plen = amp ? (size_t)(amp - pair) : len - pos;
		const char *value;
		size_t vlen;

		pos += plen + 1;
		if (plen == 0 || !params_pair_matches(pair, plen, key, &scratch,
						      &value, &vlen))
			continue;
		found = cprof__http_unescape(value, vlen, true, out);
	}
	cprof__buf_fini(&scratch);
	if (!found)
		cprof__http_unescape("", 0, true, out);
	return found;
}

/* A base-10 magnitude no larger than limit into *out. False on a
 * non-digit or when the value passes limit (*range), whichever comes first
 * from the left, as strconv scans. */
static bool params_digits10(const char *s, size_t n, uint64_t limit,
			    uint64_t *out, bool *range)
{
	uint64_t v = 0;
	size_t i;

	*range = false;
	*out = 0;
	if (n == 0)
		return false;
	for (i = 0; i < n; i++) {
		unsigned d = (unsigned)((unsigned char)s[i] - '0');

		if (d > 9)
			return false;
		if (v > (limit - d) / 10) {
			*range = true;
			return false;
		}
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/*
 * strconv.ParseInt(s, 10, 64). 0, or CPROF_EINVAL with *out as Go returns
 * it beside the error: 0 for a syntax error, INT64_MAX or INT64_MIN when out
 * of range. Base 10 allows a sign, no prefix, no underscores, no spaces.
 */
int cprof__http_parse_int(const char *s, size_t n, int64_t *out)
{
	bool neg = false, range;
	uint64_t mag, limit;

	*out = 0;
	if (n > 0 && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		s++;
		n--;
	}
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (!params_digits10(s, n, limit, &mag, &range)) {
		if (range)
			*out = neg ? INT64_MIN : INT64_MAX;
		return CPROF_EINVAL;
	}
	*out = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	return 0;
}

/* `v, _ := strconv.Atoi(s)` on a 64-bit Go: the value Go code sees when it
 * ignores the error (0 for junk, clamped when out of range). */
int64_t cprof__http_atoi(const char *s, size_t n)
{
	int64_t v;

	cprof__http_parse_int(s, n, &v);
	return v;
}

/* Go's underscoreOK: with base 0, '_' may only separate digits (or follow
 * the base prefix). */
static bool params_underscores_ok(const char *s, size_t n)
{
	char saw = '^'; /* '^' start, '0' digit or prefix, '_', '!' other */
	bool hex = false;
	size_t i = 0;

	if (n >= 2 && s[0] == '0' &&
	    strchr("bBoOxX", s[1]) != NULL && s[1] != '\0') {
		i = 2;
		saw = '0';
		hex = s[1] == 'x' || s[1] == 'X';
	}
	for (; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= '0' && c <= '9') || (hex && params_hex(c) >= 0)) {
			saw = '0';
		} else if (c == '_') {
			if (saw != '0')
				return false;
			saw = '_';
		} else {
			if (saw == '_')
				return false;
			saw = '!';
		}
	}
	return saw != '_';
}

/* Go's base-0 prefix of s: its base and length ("0x" 16, "0" 8...). */
static unsigned params_base0(const char *s, size_t n, size_t *prefix)
{
	*prefix = 0;
	if (n == 0 || s[0] != '0')
		return 10;
	*prefix = 2;
	if (n >= 3 && (s[1] == 'b' || s[1] == 'B'))
		return 2;
	if (n >= 3 && (s[1] == 'o' || s[1] == 'O'))
		return 8;
	if (n >= 3 && (s[1] == 'x' || s[1] == 'X'))
		return 16;
	*prefix = 1; /* a bare leading 0: octal */
	return 8;
}

/*
 * strconv.ParseUint(s, 0, 64): "0x"/"0o"/"0b" prefixes, a leading "0" for
 * octal, otherwise decimal; '_' between digits. 0 or CPROF_EINVAL (syntax
 * or range; /symbol skips both).
 */
int cprof__http_parse_uint0(const char *s, size_t n, uint64_t *out)
{
	bool underscores = false;
	uint64_t v = 0;
	unsigned base;
	size_t i;

	*out = 0;
	if (n == 0)
		return CPROF_EINVAL;
	base = params_base0(s, n, &i);
	for (; i < n; i++) {
		int d = params_hex((unsigned char)s[i]);

		if (s[i] == '_') {
			underscores = true;
			continue;
		}
		if (d < 0 || (unsigned)d >= base)
			return CPROF_EINVAL;
		if (v > (UINT64_MAX - (unsigned)d) / base)
			return CPROF_EINVAL;
		v = v * base + (unsigned)d;
	}
	if (underscores && !params_underscores_ok(s, n))
		return CPROF_EINVAL;
	*out = v;
	return 0;
}
