/*
 * buf.h - a growable byte buffer with a hard cap.
 *
 * Used for everything cprof assembles before sending or writing: encoded
 * profiles, text forms, HTTP bodies. Appending past the cap (or failing to
 * grow) sets a sticky error and drops the bytes; callers check it once at the
 * end with cprof__buf_failed. Not async-signal-safe.
 */
#ifndef CPROF_SRC_BASE_BUF_H
#define CPROF_SRC_BASE_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Default cap for one buffer: a profile or response larger than this is an
 * error, not an out-of-memory host. */
#define CPROF_BUF_DEFAULT_LIMIT (256u << 20)

struct cprof__buf {
	char *data;   /* NUL-terminated when len < cap */
	size_t len;
	size_t cap;
	size_t limit; /* hard cap on len; 0 means CPROF_BUF_DEFAULT_LIMIT */
	int error;    /* 0, or the first CPROF_E* hit (sticky) */
};

#define CPROF_BUF_INIT {NULL, 0, 0, 0, 0}

void cprof__buf_init(struct cprof__buf *b, size_t limit);
void cprof__buf_fini(struct cprof__buf *b);
void cprof__buf_reset(struct cprof__buf *b);
/* Makes room for n more bytes; false (and the sticky error) if it can't. */
bool cprof__buf_reserve(struct cprof__buf *b, size_t n);
void cprof__buf_append(struct cprof__buf *b, const void *data, size_t n);
void cprof__buf_puts(struct cprof__buf *b, const char *s);
void cprof__buf_putc(struct cprof__buf *b, char c);
void cprof__buf_printf(struct cprof__buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void cprof__buf_vprintf(struct cprof__buf *b, const char *fmt, va_list ap);
static inline bool cprof__buf_failed(const struct cprof__buf *b)
{
	return b->error != 0;
}

#endif
