/*
 * named_target.c - a host with named profiles in the registry.
 *
 * Today no profile kind registers itself, so the paths of /debug/pprof/<name>
 * that need an entry (debug forms, gc, the seconds errors, the index rows)
 * are exercised with fakes: linked against the static library, this program
 * registers "fake" (delta-capable, with a count) and "fakeplain" (not), plus
 * "goroutine" when asked, starts the HTTP server on the port given, and
 * sleeps until killed.
 *
 * With "stop", it instead starts cprof the public way (cprof_start with
 * http_addr), waits, then times cprof_stop, which must end a running
 * /profile promptly rather than wait out its duration.
 *
 * usage: named_target PORT [goroutine]
 *        named_target PORT stop SECONDS
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cprof.h"
#include "http/http.h"
#include "pprof/profile.h"
#include "profiles/registry.h"

static long fake_count(void) { return 7; }

static struct cprof__profile *fake_build(int *error)
{
	struct cprof__profile *p = cprof__profile_new();

	if (p == NULL)
		*error = CPROF_ENOMEM;
	return p;
}

static int fake_text(int debug, struct cprof__buf *out)
{
	cprof__buf_printf(out, "fake profile: total 7\ndebug=%d\n", debug);
	return 0;
}

static const struct cprof__named_profile fake = {
	"fake", "A <fake> profile & its description.", true,
	fake_count, fake_build, fake_text,
};

static const struct cprof__named_profile fake_plain = {
	"fakeplain", NULL, false, NULL, fake_build, fake_text,
};

static const struct cprof__named_profile fake_goroutine = {
	"goroutine", "Stacks of all threads.", true,
	fake_count, fake_build, fake_text,
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int stop_mode(const char *port, int seconds)
{
	struct cprof_options o;
	char addr[64];
	double t0;
	int rc;

	memset(&o, 0, sizeof(o));
	snprintf(addr, sizeof(addr), "127.0.0.1:%s", port);
	o.http_addr = addr;
	rc = cprof_start(&o);
	if (rc != 0) {
		fprintf(stderr, "cprof_start: %s\n", cprof_strerror(rc));
		return 1;
	}
	sleep((unsigned)seconds);
	t0 = now();
	cprof_stop();
	printf("cprof_stop took %.3f s\n", now() - t0);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	if (argc > 3 && strcmp(argv[2], "stop") == 0)
		return stop_mode(argv[1], atoi(argv[3]));
	cprof__registry_add(&fake_plain);
	cprof__registry_add(&fake);
	if (argc > 2 && strcmp(argv[2], "goroutine") == 0)
		cprof__registry_add(&fake_goroutine);
	if (cprof__http_start("127.0.0.1", atoi(argv[1])) != 0)
		return 1;
	for (;;)
		pause();
}
