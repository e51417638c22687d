/*
 * fetch.c - `cprof fetch URL [-seconds N] [-o FILE]`: downloads a profile,
 * checks that it is one, saves it and says where.
 *
 * The HTTP client, its timeouts and its error messages (Go's X-Go-Pprof
 * text included) are input.c's. This file adds -seconds to the URL, shows
 * a countdown on stderr while a long profile is being collected (only when
 * stderr is a terminal; nothing when piped or redirected), validates the
 * bytes with the decoder so that an error page is never saved as a
 * profile, and writes the file gzip'd as Go does.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "cli/commands.h"
#include "cli/input.h"
#include "cli/options.h"
#include "cli/subcmd.h"
#include "pprof/pprof.h"

#define FETCH_USAGE "cprof fetch [-seconds N] [-o FILE] URL"
#define FETCH_ABOUT                                                           \
	"Downloads a profile from a /debug/pprof/ endpoint (Go's or cprof's),\n" \
	"checks it, saves it and prints where. -seconds sets the duration of\n"  \
	"CPU and delta profiles (the URL's seconds= parameter); a countdown\n"   \
	"shows on a terminal. Without -o, the file is NAME-TIME.pb.gz in the\n"  \
	"current directory, NAME being the URL's last path element."

int cprof__cli_fetch(int argc, char **argv);

struct fetch_progress {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;          /* protected by lock */
	int seconds;        /* expected duration, 0: unknown */
	const char *what;
};

/* The countdown thread: one line on stderr, rewritten each second. */
static void *fetch_countdown(void *arg)
{
	struct fetch_progress *pr = arg;
	struct timespec start, until;
	int shown = 0;

	clock_gettime(CLOCK_REALTIME, &start);
	pthread_mutex_lock(&pr->lock);
	for (int t = 1; !pr->done; t++) {
		until = start;
		until.tv_sec += t;
		while (!pr->done &&
		       pthread_cond_timedwait(&pr->cond, &pr->lock, &until) == 0)
			;
		if (pr->done)
			break;
		if (pr->seconds > t)
			fprintf(stderr, "\r\033[Kfetching %s: %d s left",
				pr->what, pr->seconds - t);
		else
			fprintf(stderr, "\r\033[Kfetching %s: %d s", pr->what,
				t);
		shown = 1;
	}
	pthread_mutex_unlock(&pr->lock);
	if (shown)
		fputs("\r\033[K", stderr);
	return NULL;
}

/* The URL's last path element without its query ("profile", "heap"). */
static void fetch_name(const char *url, char *name, size_t size)
{
	const char *p = strstr(url, "://");
	const char *end, *last;
	size_t n;

	p = p ? p + 3 : url;
	end = p + strcspn(p, "?#");
	while (end > p && end[-1] == '/')
		end--;
	last = end;
	while (last > p && last[-1] != '/')
		last--;
	n = (size_t)(end - last);
	if (last == p || n == 0)
		snprintf(name, size, "profile");
	else
		snprintf(name, size, "%.*s", (int)(n < size ? n : size - 1),
			 last);
	for (char *c = name; *c; c++)
		if (*c == '/' || *c == ':')
			*c = '_';
}

/* The URL with seconds=N set (replacing one already there). */
static char *fetch_url(const char *url, int seconds)
{
	size_t len = strlen(url) + 32;
	char *out = malloc(len);
	const char *q = strchr(url, '?');

	if (out == NULL)
		return NULL;
	if (seconds < 0) {
		snprintf(out, len, "%s", url);
	} else if (q == NULL) {
		snprintf(out, len, "%s?seconds=%d", url, seconds);
	} else {
		/* drop an existing seconds=, keep the other parameters */
		const char *s = strstr(q, "seconds=");

		if (s != NULL && (s[-1] == '?' || s[-1] == '&')) {
			const char *rest = s + strcspn(s, "&");

			snprintf(out, len, "%.*s%s%sseconds=%d",
				 (int)(s - url), url, *rest ? rest + 1 : "",
				 *rest ? "&" : "", seconds);
		} else {
			snprintf(out, len, "%s&seconds=%d", url, seconds);
		}
	}
	return out;
}

/* The seconds= of a URL, or 0. */
static int fetch_url_seconds(const char *url)
{
	const char *q = strchr(url, '?'), *s;

	if (q == NULL)
		return 0;
	s = strstr(q, "seconds=");
	return s != NULL && (s[-1] == '?' || s[-1] == '&') ? atoi(s + 8) : 0;
}

int cprof__cli_fetch(int argc, char **argv)
{
	const char *out = NULL;
	int seconds = -1;
	const struct cprof__cli_opt opts[] = {
		{"seconds", CPROF_CLI_OPT_INT, &seconds, NULL,
		 "the profile's duration in seconds (CPU, delta profiles)"},
		{"o", CPROF_CLI_OPT_STRING, &out, NULL,
		 "where to save the profile (default: NAME-TIME.pb.gz)"},
		{"output", CPROF_CLI_OPT_STRING, &out, NULL, "same as -o"},
		{NULL, 0, NULL, NULL, NULL},
	};
	struct fetch_progress pr = {PTHREAD_MUTEX_INITIALIZER,
				    PTHREAD_COND_INITIALIZER, false, 0, ""};
	struct cprof__buf data = CPROF_BUF_INIT, gz = CPROF_BUF_INIT;
	struct cprof__profile *p = NULL;
	char *pos[1], err[1024], name[128], deflt[256], *url = NULL;
	const void *bytes;
	size_t n_bytes;
	pthread_t thread;
	bool counting = false;
	int n_pos, rc;
	FILE *f;

	rc = cprof__cli_parse(argc, argv, opts, FETCH_USAGE, FETCH_ABOUT, pos,
			      1, &n_pos);
	if (rc != 0)
		return rc == CPROF_CLI_HELP ? CPROF_CLI_OK : CPROF_CLI_BAD;
	if (n_pos != 1) {
		cprof__cli_error("fetch: no URL (see cprof fetch --help)");
		return CPROF_CLI_BAD;
	}
	if (seconds < -1 || seconds == 0) {
		cprof__cli_error("fetch: -seconds wants a positive number");
		return CPROF_CLI_BAD;
	}
	rc = CPROF_CLI_BAD;
	url = fetch_url(pos[0], seconds);
	if (url == NULL) {
		cprof__cli_error("out of memory");
		goto out_free;
	}
	fetch_name(url, name, sizeof(name));
	pr.what = name;
	pr.seconds = fetch_url_seconds(url);
	if (pr.seconds == 0 && strcmp(name, "profile") == 0 &&
	    strstr(url, "/debug/pprof/profile") != NULL)
		pr.seconds = 30; /* Go's default for the CPU profile */
	if (isatty(STDERR_FILENO))
		counting = pthread_create(&thread, NULL, fetch_countdown,
					  &pr) == 0;
	cprof__buf_init(&data, CPROF_PPROF_MAX_DECODED);
	rc = cprof__cli_read_source(url, &data, err, sizeof(err));
	if (counting) {
		pthread_mutex_lock(&pr.lock);
		pr.done = true;
		pthread_cond_signal(&pr.cond);
		pthread_mutex_unlock(&pr.lock);
		pthread_join(thread, NULL);
	}
	if (rc != 0) {
		cprof__cli_error("%s: %s", pos[0], err);
		rc = CPROF_CLI_BAD;
		goto out_free;
	}
	rc = CPROF_CLI_BAD;
	if (data.len == 0 ||
	    cprof__pprof_decode(data.data, data.len, &p, err, sizeof(err)) !=
		    0) {
		cprof__cli_error("%s: not a profile: %s", pos[0],
				 data.len ? err : "empty response");
		goto out_free;
	}
	bytes = data.data;
	n_bytes = data.len;
	if (data.len < 2 || (unsigned char)data.data[0] != 0x1f ||
	    (unsigned char)data.data[1] != 0x8b) {
		cprof__buf_init(&gz, 0);
		if (cprof__gzip(data.data, data.len, 1, &gz) != 0) {
			cprof__cli_error("out of memory");
			goto out_free;
		}
		bytes = gz.data;
		n_bytes = gz.len;
	}
	if (out == NULL) {
		time_t now = time(NULL);
		struct tm tm;
		char stamp[32];

		strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S",
			 localtime_r(&now, &tm));
		snprintf(deflt, sizeof(deflt), "%s-%s.pb.gz", name, stamp);
		out = deflt;
	}
	f = cprof__cli_open_out(out);
	if (f == NULL)
		goto out_free;
	fwrite(bytes, 1, n_bytes, f);
	rc = cprof__cli_close_out(f, out);
	if (rc == CPROF_CLI_OK && strcmp(out, "-") != 0)
		fprintf(stderr, "cprof: saved %s\n", out);
out_free:
	cprof__profile_free(p);
	cprof__buf_fini(&data);
	cprof__buf_fini(&gz);
	free(url);
	return rc;
}
