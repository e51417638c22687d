/*
 * cmdline.c - /debug/pprof/cmdline: the process's arguments joined by NUL.
 *
 * Go answers strings.Join(os.Args, "\x00"). /proc/self/cmdline holds the
 * same arguments, each NUL-terminated, so it is served as read minus the
 * final NUL. (A host that rewrote its argv, setproctitle-style, shows the
 * rewritten form, as ps does.)
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "http/http_internal.h"

static int cmdline_read(struct cprof__buf *out)
{
	char chunk[4096];
	ssize_t n;
	int fd;

	fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do {
		n = read(fd, chunk, sizeof(chunk));
		if (n > 0)
			cprof__buf_append(out, chunk, (size_t)n);
	} while (n > 0 || (n < 0 && errno == EINTR));
	close(fd);
	return n < 0 ? -errno : 0;
}

void cprof__http_serve_cmdline(const struct cprof__http_request *req,
			       struct cprof__http_reply *reply)
{
	int error = cmdline_read(&reply->body);

	if (error != 0) {
		cprof__http_reply_error(reply, MHD_HTTP_INTERNAL_SERVER_ERROR,
					"cannot read /proc/self/cmdline: %s",
					strerror(-error));
		return;
	}
	if (reply->body.len > 0 && reply->body.data[reply->body.len - 1] == '\0')
		reply->body.len--;
	cprof__http_reply_text(reply);
}
