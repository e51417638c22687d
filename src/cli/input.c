/*
 * input.c - reading a profile from a file or over HTTP.
 *
 * The HTTP client is deliberately small: one GET, Connection: close,
 * the body read to EOF, de-chunked when the server chunks it. Every wait
 * is bounded by poll() against one deadline, so a silent server costs at
 * most the timeout. Responses are capped like any other cprof buffer.
 * Decoding is the pprof codec's (src/pprof), which validates everything.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "cli/input.h"
#include "cprof.h"
#include "pprof/pprof.h"

#define INPUT_MAX_BYTES (1ull << 31)

static int input_file(const char *path, struct cprof__buf *out, char *err,
		      size_t err_size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0) {
		cprof__errf(err, err_size, "%s", strerror(errno));
		return CPROF_EIO;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		cprof__errf(err, err_size, "is a directory");
		return CPROF_EIO;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
		cprof__buf_reserve(out, (size_t)st.st_size + 1);
	for (;;) {
		ssize_t n;

		if (!cprof__buf_reserve(out, 1 << 16))
			break;
		n = read(fd, out->data + out->len, out->cap - out->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cprof__errf(err, err_size, "%s", strerror(errno));
			close(fd);
			return CPROF_EIO;
		}
		if (n == 0)
			break;
		out->len += (size_t)n;
	}
	close(fd);
	if (cprof__buf_failed(out)) {
		cprof__errf(err, err_size, "file too large or out of memory");
		return CPROF_ENOMEM;
	}
	return 0;
}

static double input_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Waits for fd to be ready for events; 0, or -1 on timeout. */
static int input_wait(int fd, short events, double deadline)
{
	for (;;) {
		struct pollfd pfd = {fd, events, 0};
		double left = deadline - input_now();
		int r;

		if (left <= 0)
			return -1;
		r = poll(&pfd, 1, (int)(left * 1000) + 1);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

struct input_url {
	char host[256];
	char port[16];
	const char *path; /* "/..." within the source string */
	double timeout;
};

static int input_parse_url(const char *url, struct input_url *u, char *err,
			   size_t err_size)
{
	const char *h = url, *slash, *colon, *sec;
	size_t hlen;

	if (strncmp(h, "http://", 7) == 0)
		h += 7;
	slash = strchr(h, '/');
	if (slash == NULL)
		slash = h + strlen(h);
	colon = memchr(h, ':', (size_t)(slash - h));
	hlen = (size_t)((colon != NULL ? colon : slash) - h);
	if (hlen == 0 || hlen >= sizeof(u->host)) {
		cprof__errf(err, err_size, "invalid URL");
		return CPROF_EINVAL;
	}
	memcpy(u->host, h, hlen);
	u->host[hlen] = '\0';
	if (colon != NULL) {
		size_t plen = (size_t)(slash - colon - 1);

		if (plen == 0 || plen >= sizeof(u->port)) {
			cprof__errf(err, err_size, "invalid port in URL");
			return CPROF_EINVAL;
		}
		memcpy(u->port, colon + 1, plen);
		u->port[plen] = '\0';
	} else {
		strcpy(u->port, "80");
	}
	u->path = *slash != '\0' ? slash : "/";
	u->timeout = 60;
	sec = strstr(u->path, "seconds=");
	if (sec != NULL && (sec[-1] == '?' || sec[-1] == '&')) {
		long s = strtol(sec + 8, NULL, 10);

		if (s > 0 && s < 1000000)
			u->timeout = (double)s * 1.5;
	}
	u->timeout += 5;
	return 0;
}

static int input_connect(const struct input_url *u, double deadline,
			 char *err, size_t err_size)
{
	struct addrinfo hints, *res, *ai;
	int fd = -1, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(u->host, u->port, &hints, &res);
	if (rc != 0) {
		cprof__errf(err, err_size, "http fetch: lookup %s: %s", u->host,
			    gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		int soerr = 0;
		socklen_t len = sizeof(soerr);

		fd = socket(ai->ai_family,
			    ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			    ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS && input_wait(fd, POLLOUT, deadline) == 0 &&
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 &&
		    soerr == 0)
			break;
		errno = soerr != 0 ? soerr : (errno == EINPROGRESS ? ETIMEDOUT : errno);
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		cprof__errf(err, err_size, "http fetch: dial tcp %s:%s: %s",
			    u->host, u->port, strerror(errno));
	return fd;
}

static int input_send(int fd, const char *req, size_t len, double deadline)
{
	while (len > 0) {
		ssize_t n = send(fd, req, len, MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (input_wait(fd, POLLOUT, deadline) != 0)
				return -1;
			continue;
		}
		if (n <= 0)
			return -1;
		req += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads until EOF into resp. 0, or -1 on timeout or error. */
static int input_recv(int fd, struct cprof__buf *resp, double deadline)
{
	for (;;) {
		ssize_t n;

		if (!cprof__buf_reserve(resp, 1 << 16))
			return -1;
		n = recv(fd, resp->data + resp->len, resp->cap - resp->len - 1, 0);
		if (n > 0) {
			resp->len += (size_t)n;
			continue;
		}
		if (n == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN || input_wait(fd, POLLIN, deadline) != 0)
			return -1;
	}
	resp->data[resp->len] = '\0';
	return 0;
}

/* The value of header `name` in the header block [h, end), or NULL. */
static const char *input_header(const char *h, const char *end,
				const char *name, size_t *len)
{
	size_t nlen = strlen(name);

	while (h < end) {
		const char *eol = memchr(h, '\n', (size_t)(end - h));

		if (eol == NULL)
			eol = end;
		if ((size_t)(eol - h) > nlen && h[nlen] == ':' &&
		    strncasecmp(h, name, nlen) == 0) {
			const char *v = h + nlen + 1, *ve = eol;

			while (v < ve && (*v == ' ' || *v == '\t'))
				v++;
			while (ve > v && (ve[-1] == '\r' || ve[-1] == ' '))
				ve--;
			*len = (size_t)(ve - v);
			return v;
		}
		h = eol + 1;
	}
	return NULL;
}

/* Decodes a chunked body in place; -1 if malformed. */
static int input_dechunk(char *body, size_t len, size_t *out_len)
{
	size_t in = 0, out = 0;

	for (;;) {
		char *end;
		unsigned long long n;

		if (in >= len)
			return -1;
		n = strtoull(body + in, &end, 16);
		if (end == body + in)
			return -1;
		end = memchr(end, '\n', len - (size_t)(end - body));
		if (end == NULL)
			return -1;
		in = (size_t)(end - body) + 1;
		if (n == 0)
			break;
		if (n > len - in)
			return -1;
		memmove(body + out, body + in, n);
		out += n;
		in += n;
		if (in < len && body[in] == '\r')
			in++;
		if (in < len && body[in] == '\n')
			in++;
	}
	*out_len = out;
	return 0;
}

static int input_http(const char *url, struct cprof__buf *out, char *err,
		      size_t err_size)
{
	struct cprof__buf resp = CPROF_BUF_INIT;
	struct input_url u;
	char req[4096];
	const char *hend, *v, *status_end;
	size_t vlen, body_len;
	double deadline;
	int fd, rc = CPROF_EIO, n;

	if (input_parse_url(url, &u, err, err_size) != 0)
		return CPROF_EINVAL;
	deadline = input_now() + u.timeout;
	n = snprintf(req, sizeof(req),
		     "GET %s HTTP/1.1\r\nHost: %s:%s\r\nUser-Agent: cprof\r\n"
		     "Connection: close\r\n\r\n",
		     u.path, u.host, u.port);
	if (n < 0 || (size_t)n >= sizeof(req)) {
		cprof__errf(err, err_size, "URL too long");
		return CPROF_EINVAL;
	}
	fd = input_connect(&u, deadline, err, err_size);
	if (fd < 0)
		return CPROF_EIO;
	cprof__buf_init(&resp, INPUT_MAX_BYTES);
	if (input_send(fd, req, (size_t)n, deadline) != 0 ||
	    input_recv(fd, &resp, deadline) != 0) {
		cprof__errf(err, err_size, "http fetch: %s",
			    input_now() >= deadline ? "timeout awaiting response"
						    : "connection failed");
		goto out_close;
	}
	hend = strstr(resp.data, "\r\n\r\n");
	if (strncmp(resp.data, "HTTP/1.", 7) != 0 || hend == NULL ||
	    resp.len < 12) {
		cprof__errf(err, err_size, "http fetch: malformed HTTP response");
		goto out_close;
	}
	body_len = resp.len - (size_t)(hend + 4 - resp.data);
	v = input_header(resp.data, hend + 2, "Transfer-Encoding", &vlen);
	if (v != NULL && vlen == 7 && strncasecmp(v, "chunked", 7) == 0 &&
	    input_dechunk(resp.data + (hend + 4 - resp.data), body_len,
			  &body_len) != 0) {
		cprof__errf(err, err_size, "http fetch: malformed chunked body");
		goto out_close;
	}
	if (strncmp(resp.data + 8, " 200", 4) != 0) {
		const char *body = hend + 4, *ct;
		size_t ctlen, blen = body_len;

		status_end = strpbrk(resp.data + 9, "\r\n");
		v = input_header(resp.data, hend + 2, "X-Go-Pprof", &vlen);
		ct = input_header(resp.data, hend + 2, "Content-Type", &ctlen);
		while (blen > 0 && (body[blen - 1] == '\n' || body[blen - 1] == '\r'))
			blen--;
		if (v != NULL && vlen > 0 && ct != NULL &&
		    memmem(ct, ctlen, "text/plain", 10) != NULL &&
		    memchr(body, '\n', blen) == NULL)
			cprof__errf(err, err_size, "server response: %.*s - %.*s",
				    (int)(status_end - resp.data - 9),
				    resp.data + 9, (int)blen, body);
		else
			cprof__errf(err, err_size, "server response: %.*s",
				    (int)(status_end - resp.data - 9),
				    resp.data + 9);
		goto out_close;
	}
	cprof__buf_append(out, hend + 4, body_len);
	rc = cprof__buf_failed(out) ? CPROF_ENOMEM : 0;
	if (rc != 0)
		cprof__errf(err, err_size, "out of memory");
out_close:
	cprof__buf_fini(&resp);
	close(fd);
	return rc;
}

/* go tool pprof's rule: host:port/path is a URL when it is not a file. */
static bool input_is_url(const char *source)
{
	const char *colon;
	struct stat st;

	if (strncmp(source, "http://", 7) == 0)
		return true;
	colon = strchr(source, ':');
	return colon != NULL && colon > source && colon[1] >= '0' &&
	       colon[1] <= '9' && stat(source, &st) != 0;
}

int cprof__cli_read_source(const char *source, struct cprof__buf *out,
			   char *err, size_t err_size)
{
	if (strncmp(source, "https://", 8) == 0) {
		cprof__errf(err, err_size,
			    "https is not supported (fetch it with curl, then "
			    "give cprof the file)");
		return CPROF_ENOTSUP;
	}
	if (input_is_url(source))
		return input_http(source, out, err, err_size);
	return input_file(source, out, err, err_size);
}

int cprof__cli_load(const char *source, struct cprof__profile **out,
		    char *err, size_t err_size)
{
	struct cprof__buf data = CPROF_BUF_INIT;
	char why[512] = "";
	int rc;

	*out = NULL;
	cprof__buf_init(&data, INPUT_MAX_BYTES);
	rc = cprof__cli_read_source(source, &data, why, sizeof(why));
	if (rc == 0 && data.len == 0) {
		cprof__errf(why, sizeof(why), "empty input");
		rc = CPROF_EINVAL;
	}
	if (rc == 0)
		rc = cprof__pprof_decode(data.data, data.len, out, why,
					 sizeof(why));
	if (rc == 0 && (*out)->sample_types.len == 0) {
		cprof__profile_free(*out);
		*out = NULL;
		cprof__errf(why, sizeof(why), "profile has no sample types");
		rc = CPROF_EINVAL;
	}
	if (rc != 0)
		cprof__errf(err, err_size, "%s: %s", source, why);
	cprof__buf_fini(&data);
	return rc;
}
