/*
 * log.h - cprof's diagnostics.
 *
 * cprof never writes to the host's stdout. Two levels only:
 *  - cprof__warn: a problem the user must know about (an invalid CPROF_*
 *    value, a feature that could not start). Always one line on stderr.
 *  - cprof__debug: everything else, only when CPROF_DEBUG=1.
 * Both format into a stack buffer and write(2) it in one call, so lines from
 * several threads do not interleave. Not async-signal-safe (vsnprintf).
 */
#ifndef CPROF_SRC_BASE_LOG_H
#define CPROF_SRC_BASE_LOG_H

#include <stdbool.h>
#include <stddef.h>

void cprof__log_set_debug(bool on);
bool cprof__log_debug_enabled(void);
void cprof__warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cprof__debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Formats an error message into a caller's buffer (err may be NULL or
 * size 0: nothing is written). For functions that report why they failed. */
void cprof__errf(char *err, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
