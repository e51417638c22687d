/*
 * input.c - reading a profile from a file or over HTTP(S).
 *
 * URLs go through libcurl: http and https (certificates checked against
 * the system roots, or SSL_CERT_FILE as Go reads it; https+insecure://
 * skips the check as in go tool pprof), redirects followed as Go follows
 * them (at most 10, to http or https only). Every transfer is bounded by
 * go tool pprof's timeout; bodies are capped like any other cprof buffer.
 * Errors keep Go's wording (dial tcp, lookup, server response with the
 * X-Go-Pprof text). Decoding is the pprof codec's (src/pprof), which
 * validates everything.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>

#include "base/log.h"
#include "cli/input.h"
#include "cprof.h"
#include "pprof/pprof.h"

#define INPUT_MAX_BYTES (1ull << 31)
#define INPUT_MAX_REDIRECTS 10 /* Go's http.Client stops after 10 */

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

struct input_http {
	struct cprof__buf *body; /* the response body is appended here */
	size_t body_start;       /* body->len before the transfer */
	char status[128];        /* "404 Not Found", of the last response */
	char go_pprof[512];      /* its X-Go-Pprof header, "" if none */
	bool text_plain;         /* its Content-Type is text/plain */
};

static size_t input_http_body(char *data, size_t size, size_t n, void *arg)
{
	struct input_http *h = arg;

	cprof__buf_append(h->body, data, n);
	return cprof__buf_failed(h->body) ? 0 : n;
}

/* Copies header line [v, end) to dst without its trailing CR/LF/blanks. */
static void input_http_copy(char *dst, size_t size, const char *v,
			    const char *end)
{
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' ||
			   end[-1] == ' '))
		end--;
	snprintf(dst, size, "%.*s", (int)(end - v), v);
}

/* One header line. A status line starts a new response (a redirect's
 * target): what the previous one said, body included, is forgotten. */
static size_t input_http_header(char *line, size_t size, size_t n, void *arg)
{
	struct input_http *h = arg;
	const char *end = line + n, *colon = memchr(line, ':', n);

	if (n > 5 && strncmp(line, "HTTP/", 5) == 0) {
		const char *sp = memchr(line, ' ', n);

		input_http_copy(h->status, sizeof(h->status),
				sp != NULL ? sp + 1 : end, end);
		h->go_pprof[0] = '\0';
		h->text_plain = false;
		h->body->len = h->body_start;
	} else if (colon != NULL && colon - line == 10 &&
		   strncasecmp(line, "X-Go-Pprof", 10) == 0) {
		input_http_copy(h->go_pprof, sizeof(h->go_pprof), colon + 1,
				end);
	} else if (colon != NULL && colon - line == 12 &&
		   strncasecmp(line, "Content-Type", 12) == 0) {
		h->text_plain = memmem(colon, (size_t)(end - colon),
				       "text/plain", 10) != NULL;
	}
	return n;
}

/* The URL libcurl gets: host:port/path gets http://, https+insecure://
 * (go tool pprof's scheme for servers whose certificate is not checked)
 * becomes https://. */
static char *input_http_url(const char *source, bool *insecure)
{
	const char *rest = source;
	const char *scheme = "http://";
	char *url;

	*insecure = strncmp(source, "https+insecure://", 17) == 0;
	if (*insecure) {
		rest = source + 17;
		scheme = "https://";
	} else if (strstr(source, "://") != NULL) {
		scheme = "";
	}
	url = malloc(strlen(scheme) + strlen(rest) + 1);
	if (url != NULL)
		sprintf(url, "%s%s", scheme, rest);
	return url;
}

/* go tool pprof's wait: the URL's seconds= plus half (else 60 s), plus
 * 5 s for the transfer. */
static long input_http_timeout_ms(const char *url)
{
	const char *q = strchr(url, '?'), *sec;
	double timeout = 60;

	sec = q != NULL ? strstr(q, "seconds=") : NULL;
	if (sec != NULL && (sec[-1] == '?' || sec[-1] == '&')) {
		long s = strtol(sec + 8, NULL, 10);

		if (s > 0 && s < 1000000)
			timeout = (double)s * 1.5;
	}
	return (long)((timeout + 5) * 1000);
}

/* Localhost is never proxied (as in Go's ProxyFromEnvironment); other
 * hosts follow http_proxy, https_proxy and no_proxy as usual. */
static void input_http_noproxy(char *dst, size_t size)
{
	const char *env = getenv("no_proxy");

	if (env == NULL)
		env = getenv("NO_PROXY");
	snprintf(dst, size, "localhost,127.0.0.1,::1%s%s",
		 env != NULL && *env ? "," : "", env != NULL ? env : "");
}

static void input_http_setup(CURL *c, const char *url, bool insecure,
			     struct input_http *h, char *curl_err,
			     char *noproxy, size_t noproxy_size)
{
	const char *ca = getenv("SSL_CERT_FILE");

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, (long)INPUT_MAX_REDIRECTS);
	/* HTTP/1.1 keeps the status line's reason phrase for errors. */
	curl_easy_setopt(c, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, input_http_timeout_ms(url));
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "cprof");
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, input_http_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, input_http_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
	input_http_noproxy(noproxy, noproxy_size);
	curl_easy_setopt(c, CURLOPT_NOPROXY, noproxy);
	/* Go reads SSL_CERT_FILE for its roots; so do we. */
	if (ca != NULL && *ca != '\0')
		curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	if (insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
}

/* One line for a transfer that failed before a response was complete. */
static void input_http_failure(CURL *c, CURLcode cc, const char *curl_err,
			       const struct input_http *h, char *err,
			       size_t err_size)
{
	const char *why = *curl_err ? curl_err : curl_easy_strerror(cc);
	char *host = NULL, *port = NULL, *eff = NULL;
	long os_errno = 0;
	CURLU *u = curl_url();

	curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &eff);
	curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);
	if (u != NULL && eff != NULL &&
	    curl_url_set(u, CURLUPART_URL, eff, 0) == CURLUE_OK) {
		curl_url_get(u, CURLUPART_HOST, &host, 0);
		curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
	}
	if (cc == CURLE_COULDNT_CONNECT && host != NULL && port != NULL)
		cprof__errf(err, err_size, "http fetch: dial tcp %s:%s: %s",
			    host, port,
			    os_errno != 0 ? strerror((int)os_errno) : why);
	else if (cc == CURLE_COULDNT_RESOLVE_HOST && host != NULL)
		cprof__errf(err, err_size, "http fetch: lookup %s: %s", host,
			    why);
	else if (cc == CURLE_OPERATION_TIMEDOUT)
		cprof__errf(err, err_size, "http fetch: timeout awaiting response");
	else if (cc == CURLE_TOO_MANY_REDIRECTS)
		cprof__errf(err, err_size, "http fetch: stopped after %d redirects",
			    INPUT_MAX_REDIRECTS);
	else if (cc == CURLE_WRITE_ERROR && cprof__buf_failed(h->body))
		cprof__errf(err, err_size, "http fetch: response too large or out of memory");
	else
		cprof__errf(err, err_size, "http fetch: %s", why);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
}

/* A response other than 200: "server response: STATUS", and, when a Go
 * pprof endpoint explained itself (X-Go-Pprof and a one-line text/plain
 * body), " - " and that text, as go tool pprof prints it. */
static void input_http_refused(const struct input_http *h, char *err,
			       size_t err_size)
{
	const char *body = h->body->data + h->body_start;
	size_t blen = h->body->len - h->body_start;

	while (blen > 0 && (body[blen - 1] == '\n' || body[blen - 1] == '\r'))
		blen--;
	if (h->go_pprof[0] != '\0' && h->text_plain && blen > 0 &&
	    memchr(body, '\n', blen) == NULL)
		cprof__errf(err, err_size, "server response: %s - %.*s",
			    h->status, (int)blen, body);
	else
		cprof__errf(err, err_size, "server response: %s", h->status);
}

static int input_http(const char *source, struct cprof__buf *out, char *err,
		      size_t err_size)
{
	struct input_http h = {out, out->len, "", "", false};
	char curl_err[CURL_ERROR_SIZE] = "", noproxy[1024];
	bool insecure;
	char *url = input_http_url(source, &insecure);
	long code = 0;
	CURLcode cc;
	CURL *c;
	int rc = CPROF_EIO;

	c = url != NULL ? curl_easy_init() : NULL;
	if (c == NULL) {
		free(url);
		cprof__errf(err, err_size, "out of memory");
		return CPROF_ENOMEM;
	}
	input_http_setup(c, url, insecure, &h, curl_err, noproxy,
			 sizeof(noproxy));
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (cc != CURLE_OK)
		input_http_failure(c, cc, curl_err, &h, err, err_size);
	else if (code != 200)
		input_http_refused(&h, err, err_size);
	else
		rc = 0;
	if (rc != 0)
		out->len = h.body_start;
	curl_easy_cleanup(c);
	free(url);
	return rc;
}

/* go tool pprof's rule: a URL has a scheme, or is host:port/path when no
 * such file exists. */
static bool input_is_url(const char *source)
{
	const char *colon;
	struct stat st;

	if (strncmp(source, "http://", 7) == 0 ||
	    strncmp(source, "https://", 8) == 0 ||
	    strncmp(source, "https+insecure://", 17) == 0)
		return true;
	colon = strchr(source, ':');
	return colon != NULL && colon > source && colon[1] >= '0' &&
	       colon[1] <= '9' && stat(source, &st) != 0;
}

int cprof__cli_read_source(const char *source, struct cprof__buf *out,
			   char *err, size_t err_size)
{
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
