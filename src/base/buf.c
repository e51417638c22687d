/*
 * buf.c - growable byte buffer with a hard cap (see buf.h).
 */
#include "base/buf.h"

#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "cprof.h"

void cprof__buf_init(struct cprof__buf *b, size_t limit)
{
	memset(b, 0, sizeof(*b));
	b->limit = limit;
}

void cprof__buf_fini(struct cprof__buf *b)
{
	cprof__free(b->data);
	memset(b, 0, sizeof(*b));
}

void cprof__buf_reset(struct cprof__buf *b)
{
	b->len = 0;
	b->error = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

bool cprof__buf_reserve(struct cprof__buf *b, size_t n)
{
	size_t limit = b->limit ? b->limit : CPROF_BUF_DEFAULT_LIMIT;
	size_t want, cap;
	char *data;

	if (b->error)
		return false;
	if (n > limit || b->len > limit - n) {
		b->error = CPROF_ENOMEM;
		return false;
	}
	want = b->len + n + 1; /* room for a terminating NUL */
	if (want <= b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap < want)
		cap *= 2;
	data = cprof__realloc(b->data, cap);
	if (data == NULL) {
		b->error = CPROF_ENOMEM;
		return false;
	}
	b->data = data;
	b->cap = cap;
	return true;
}

void cprof__buf_append(struct cprof__buf *b, const void *data, size_t n)
{
	if (!cprof__buf_reserve(b, n))
		return;
	memcpy(b->data + b->len, data, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void cprof__buf_puts(struct cprof__buf *b, const char *s)
{
	cprof__buf_append(b, s, strlen(s));
}

void cprof__buf_putc(struct cprof__buf *b, char c)
{
	cprof__buf_append(b, &c, 1);
}

void cprof__buf_vprintf(struct cprof__buf *b, const char *fmt, va_list ap)
{
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	if (n >= 0 && cprof__buf_reserve(b, (size_t)n)) {
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, again);
		b->len += (size_t)n;
	}
	va_end(again);
}

void cprof__buf_printf(struct cprof__buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cprof__buf_vprintf(b, fmt, ap);
	va_end(ap);
}
