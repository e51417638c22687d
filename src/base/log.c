/*
 * log.c - diagnostics on stderr (see log.h).
 */
#include "base/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#define LOG_LINE_MAX 512

static atomic_bool log_debug_on;

void cprof__log_set_debug(bool on) { atomic_store(&log_debug_on, on); }

bool cprof__log_debug_enabled(void) { return atomic_load(&log_debug_on); }

static void log_write(const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	int saved_errno = errno;
	int n = snprintf(line, sizeof(line), "cprof: ");

	n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, (size_t)n);
	errno = saved_errno;
}

void cprof__warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_write(fmt, ap);
	va_end(ap);
}

void cprof__debug(const char *fmt, ...)
{
	va_list ap;

	if (!cprof__log_debug_enabled())
		return;
	va_start(ap, fmt);
	log_write(fmt, ap);
	va_end(ap);
}

void cprof__errf(char *err, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || size == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
}
