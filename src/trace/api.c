/*
 * api.c - the public trace API of cprof.h: tasks, regions and logs in the
 * spirit of Go's runtime/trace, wait intervals for blocking code cprof does
 * not interpose, and the flight recorder's dump.
 *
 * Every annotation is one relaxed load when no trace runs. Strings are
 * copied (cut at CPROF_TRACE_MAX_TEXT bytes). Not for signal handlers.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/reentry.h"
#include "cprof.h"
#include "trace/trace.h"

static size_t api_len(const char *s)
{
	return s == NULL ? 0 : strnlen(s, CPROF_TRACE_MAX_TEXT);
}

CPROF_API int cprof_trace_enabled(void) { return cprof__trace_on(); }

CPROF_API unsigned long long cprof_trace_task_begin(unsigned long long parent,
						    const char *name)
{
	uint64_t id;

	if (!cprof__trace_on())
		return 0;
	id = cprof__trace_next_task_id();
	cprof__trace_emit_annotation(CPROF_TRACE_TASK_BEGIN, id, parent, name,
				     api_len(name));
	return id;
}

CPROF_API void cprof_trace_task_end(unsigned long long task)
{
	if (task != 0 && cprof__trace_on())
		cprof__trace_emit_annotation(CPROF_TRACE_TASK_END, task, 0,
					     NULL, 0);
}

CPROF_API void cprof_trace_region_begin(unsigned long long task,
					const char *name)
{
	if (cprof__trace_on())
		cprof__trace_emit_annotation(CPROF_TRACE_REGION_BEGIN, task, 0,
					     name, api_len(name));
}

CPROF_API void cprof_trace_region_end(unsigned long long task,
				      const char *name)
{
	if (cprof__trace_on())
		cprof__trace_emit_annotation(CPROF_TRACE_REGION_END, task, 0,
					     name, api_len(name));
}

CPROF_API void cprof_trace_log(unsigned long long task, const char *category,
			       const char *message)
{
	char text[CPROF_TRACE_MAX_TEXT];
	size_t c, m;

	if (!cprof__trace_on())
		return;
	c = api_len(category);
	if (c > sizeof(text) - 1)
		c = sizeof(text) - 1;
	m = api_len(message);
	if (m > sizeof(text) - 1 - c)
		m = sizeof(text) - 1 - c;
	memcpy(text, category ? category : "", c);
	text[c] = '\0';
	memcpy(text + c + 1, message ? message : "", m);
	cprof__trace_emit_annotation(CPROF_TRACE_LOG, task, 0, text, c + 1 + m);
}

CPROF_API void cprof_trace_wait_begin(int kind, const char *what)
{
	if (kind < CPROF_TRACE_WAIT_LOCK || kind > CPROF_TRACE_WAIT_SLEEP)
		kind = CPROF_TRACE_WAIT_CALL;
	cprof__trace_wait_begin(kind, what);
}

/* The "hook" of the public wait API: not a tail call, so that the stack
 * cprof__trace_wait_end records starts at our caller. */
CPROF_API __attribute__((noinline)) void cprof_trace_wait_end(void)
{
	cprof__trace_wait_end_skip(2);
	__asm__ volatile("" ::: "memory");
}

CPROF_API void cprof_trace_wait(int kind, const char *what,
				long long begin_ns, long long end_ns)
{
	if (kind < CPROF_TRACE_WAIT_LOCK || kind > CPROF_TRACE_WAIT_SLEEP)
		kind = CPROF_TRACE_WAIT_CALL;
	if (end_ns >= begin_ns && begin_ns > 0)
		cprof__trace_wait_interval(kind, what, begin_ns, end_ns,
					   __builtin_frame_address(0));
}

static int api_write_all(int fd, const struct cprof__buf *b)
{
	size_t done = 0;

	while (done < b->len) {
		ssize_t n = write(fd, b->data + done, b->len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return CPROF_EIO;
		done += (size_t)n;
	}
	return 0;
}

CPROF_API int cprof_trace_flight_write(const char *path)
{
	struct cprof__buf out = CPROF_BUF_INIT;
	size_t n = path ? strlen(path) : 0;
	int saved_errno = errno;
	int rc, fd;

	if (n == 0)
		return CPROF_EINVAL;
	cprof__reentry_enter();
	rc = cprof__trace_flight_dump(&out, n > 3 && strcmp(path + n - 3,
							    ".gz") == 0);
	if (rc == 0) {
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		rc = fd < 0 ? CPROF_EIO : api_write_all(fd, &out);
		if (fd >= 0 && close(fd) != 0)
			rc = CPROF_EIO;
	}
	cprof__buf_fini(&out);
	cprof__reentry_leave();
	errno = saved_errno;
	return rc;
}
