/*
 * input.h - where the CLI's profiles come from: a file, or an http URL.
 *
 * A source is a path, or an http://, https:// or https+insecure:// URL
 * (also host:port/path when no such file exists, as go tool pprof reads
 * it), fetched with libcurl: redirects followed, go tool pprof's timeout
 * (the URL's seconds= plus half, else 60 s) so that nothing hangs; a
 * non-200 answer is "server response: 404 Not Found", followed, when a
 * Go-style pprof endpoint sent its X-Go-Pprof error text, by " - " and
 * that text.
 *
 * Errors are one line in err (without the "cprof: " prefix).
 */
#ifndef CPROF_SRC_CLI_INPUT_H
#define CPROF_SRC_CLI_INPUT_H

#include <stddef.h>

#include "base/buf.h"
#include "pprof/profile.h"

/* Appends the source's bytes to out. Returns 0 or a CPROF_E* code. */
int cprof__cli_read_source(const char *source, struct cprof__buf *out,
			   char *err, size_t err_size);

/* Reads and decodes a profile. Returns 0 (then *out is the profile), or
 * a CPROF_E* code with "SOURCE: reason" in err. */
int cprof__cli_load(const char *source, struct cprof__profile **out,
		    char *err, size_t err_size);

#endif
