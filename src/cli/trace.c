/*
 * trace.c - `cprof trace FILE`: what a cprof trace says, as text, or a
 * pprof profile derived from it (go tool trace -pprof).
 *
 * The report: per thread, how its time in the trace splits into running
 * (its CPU samples), waiting on locks, in blocking calls, sleeping and
 * unknown (the rest: running between samples, or blocked where cprof has
 * no hook); how many threads were alive over time; the latency percentiles
 * of each region and task name. -pprof sync|syscall|sleep|cpu writes the
 * stacks of lock waits, blocking calls, sleeps or CPU samples as a profile
 * (contentions/count and delay/nanoseconds for waits, as go tool trace
 * writes them; samples/count and cpu/nanoseconds for CPU), which cprof top
 * and go tool pprof read. -html writes the timeline page instead
 * (timeline.c). Reading the file is trace_model.c's.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "cli/subcmd.h"
#include "cli/timeline.h"
#include "cli/trace_model.h"
#include "pprof/profile.h"

#define TRACE_USAGE "cprof trace [options] TRACE"
#define TRACE_ABOUT                                                           \
	"Analyses a cprof trace (from /debug/pprof/trace, CPROF_TRACE or the\n" \
	"flight recorder; JSON, plain or gzip'd): per-thread time split,\n"    \
	"threads alive over time, latency percentiles of regions and tasks.\n" \
	"With -pprof KIND -o FILE it writes a profile instead: sync (lock\n"   \
	"waits), syscall (blocking calls), sleep, or cpu (CPU samples).\n"    \
	"With -html -o FILE it writes an interactive timeline: one HTML file\n" \
	"that works offline, a lane per thread (waits by kind, CPU samples,\n" \
	"regions, logs, drops) and the tasks; wheel or +/- to zoom, drag to\n" \
	"pan, click for details and stacks, search to highlight names."
/* Slices of the trace for the thread count over time. */
#define TRACE_SLICES 10
/* The frame of waits too short to carry a stack. */
#define TRACE_NO_STACK "[cprof] no stack (wait shorter than 20us)"

int cprof__cli_trace(int argc, char **argv);

static double trace_ms(int64_t ns) { return (double)ns / 1e6; }

static void trace_threads(const struct cprof__tm *tm)
{
	printf("\nTime per thread (ms)             total  running    locks"
	       "    calls sleeping  unknown\n");
	for (size_t i = 0; i < tm->n_threads; i++) {
		const struct cprof__tm_thread *t = &tm->threads[i];
		int64_t total = t->end_ns - t->begin_ns, known = t->cpu_ns;
		int64_t unknown;

		for (int k = 0; k < CPROF_TM_WAIT_KINDS; k++)
			known += t->wait_ns[k];
		unknown = total > known ? total - known : 0;
		printf("  %-8" PRId64 " %-16.16s %8.1f %8.1f %8.1f %8.1f %8.1f"
		       " %8.1f\n", t->tid, t->name, trace_ms(total),
		       trace_ms(t->cpu_ns), trace_ms(t->wait_ns[CPROF_TM_LOCK]),
		       trace_ms(t->wait_ns[CPROF_TM_CALL]),
		       trace_ms(t->wait_ns[CPROF_TM_SLEEP]),
		       trace_ms(unknown));
	}
}

/* The most threads alive at once in each slice of the trace. */
static void trace_thread_count(const struct cprof__tm *tm)
{
	int64_t slice = tm->duration_ns / TRACE_SLICES;

	if (slice <= 0)
		return;
	printf("\nThreads alive (most in each %.1f ms slice):", trace_ms(slice));
	for (int s = 0; s < TRACE_SLICES; s++) {
		int64_t lo = s * slice, hi = lo + slice;
		size_t n = 0;

		for (size_t i = 0; i < tm->n_threads; i++)
			if (tm->threads[i].begin_ns < hi &&
			    tm->threads[i].end_ns >= lo)
				n++;
		printf(" %zu", n);
	}
	printf("\n");
}

static int trace_cmp_ns(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The nearest-rank percentile of sorted v[0..n). */
static int64_t trace_pct(const int64_t *v, size_t n, double q)
{
	size_t rank = (size_t)(q * (double)n + 0.999999);

	if (rank < 1)
		rank = 1;
	return v[rank > n ? n - 1 : rank - 1];
}

static void trace_spans(const char *title, struct cprof__tm_span *s, size_t n)
{
	if (n == 0)
		return;
	printf("\n%-24s %8s %10s %10s %10s %10s  (ms)\n", title, "count",
	       "p50", "p90", "p99", "max");
	for (size_t i = 0; i < n; i++) {
		qsort(s[i].ns, s[i].n, sizeof(int64_t), trace_cmp_ns);
		printf("  %-22.22s %8zu %10.3f %10.3f %10.3f %10.3f\n",
		       s[i].name, s[i].n, trace_ms(trace_pct(s[i].ns, s[i].n, .5)),
		       trace_ms(trace_pct(s[i].ns, s[i].n, .9)),
		       trace_ms(trace_pct(s[i].ns, s[i].n, .99)),
		       trace_ms(s[i].ns[s[i].n - 1]));
	}
}

static void trace_report(struct cprof__tm *tm, const char *path)
{
	printf("Trace: %s (%s, %.1f ms, %zu threads, %" PRIu64
	       " dropped events)\n", path, tm->mode, trace_ms(tm->duration_ns),
	       tm->n_threads, tm->dropped);
	trace_threads(tm);
	trace_thread_count(tm);
	trace_spans("Regions", tm->regions, tm->n_regions);
	trace_spans("Tasks", tm->tasks, tm->n_tasks);
}

/* Location ids per frame id (one function and location per frame name). */
static uint64_t *trace_locations(struct cprof__profile *p,
				 const struct cprof__tm *tm)
{
	uint64_t *loc = calloc(tm->n_frames + 1, sizeof(*loc));

	for (size_t f = 0; loc != NULL && f < tm->n_frames; f++) {
		struct cprof__line line = {0, 0, 0};

		line.function_id = cprof__profile_add_function(
			p, tm->frame_names[f], tm->frame_names[f], "", 0);
		loc[f] = cprof__profile_add_location(p, 0, 0, &line, 1);
	}
	return loc;
}

static int trace_pprof_kind(const char *kind)
{
	static const char *const names[] = {"sync", "syscall", "sleep"};

	for (int k = 0; k < CPROF_TM_WAIT_KINDS; k++)
		if (strcmp(kind, names[k]) == 0)
			return k;
	return strcmp(kind, "cpu") == 0 ? -1 : -2;
}

static struct cprof__profile *trace_pprof(const struct cprof__tm *tm, int kind)
{
	struct cprof__profile *p = cprof__profile_new();
	uint64_t *loc, *ids, no_stack = 0;

	if (p == NULL)
		return NULL;
	cprof__profile_add_sample_type(p, kind < 0 ? "samples" : "contentions",
				       "count");
	cprof__profile_add_sample_type(p, kind < 0 ? "cpu" : "delay",
				       "nanoseconds");
	if (kind < 0)
		cprof__profile_set_period(p, "cpu", "nanoseconds",
					  tm->cpu_period_ns);
	p->duration_nanos = tm->duration_ns;
	loc = trace_locations(p, tm);
	ids = calloc(tm->n_frames + 1, sizeof(*ids));
	for (size_t i = 0; loc && ids && i < tm->n_stacked; i++) {
		const struct cprof__tm_stacked *s = &tm->stacked[i];
		int64_t v[2] = {1, s->value};
		size_t n = s->depth;

		if (s->kind != kind)
			continue;
		if (kind < 0)
			v[0] = s->value / tm->cpu_period_ns;
		for (size_t d = 0; d < n; d++)
			ids[d] = loc[s->frames[d]];
		if (n == 0) {
			struct cprof__line line = {0, 0, 0};

			if (no_stack == 0) {
				line.function_id = cprof__profile_add_function(
					p, TRACE_NO_STACK, TRACE_NO_STACK, "",
					0);
				no_stack = cprof__profile_add_location(
					p, 0, 0, &line, 1);
			}
			ids[n++] = no_stack;
		}
		cprof__profile_add_sample(p, ids, n, v, 2, NULL, 0);
	}
	free(loc);
	free(ids);
	return p;
}

/* The options that go together; one line and CPROF_CLI_BAD if not. */
static int trace_check(const char *kind, bool html, const char *out,
		       const char *title)
{
	if (kind != NULL && html) {
		cprof__cli_error("trace: -pprof and -html exclude each other");
		return CPROF_CLI_BAD;
	}
	if (kind == NULL && !html && out != NULL) {
		cprof__cli_error("trace: -o needs -pprof or -html");
		return CPROF_CLI_BAD;
	}
	if (!html && title != NULL) {
		cprof__cli_error("trace: -title needs -html");
		return CPROF_CLI_BAD;
	}
	if (html && (out == NULL || strcmp(out, "-") == 0) &&
	    isatty(STDOUT_FILENO)) {
		cprof__cli_error("trace: stdout is a terminal; write the page "
				 "to a file with -o FILE");
		return CPROF_CLI_BAD;
	}
	return CPROF_CLI_OK;
}

/* The timeline page, into out (NULL or "-": stdout). */
static int trace_html(const struct cprof__tm *tm, const char *path,
		      const char *title, const char *out)
{
	const char *base = strrchr(path, '/');
	char deftitle[512];
	FILE *f;
	int rc;

	if (title == NULL) {
		snprintf(deftitle, sizeof(deftitle), "%s - cprof timeline",
			 base && base[1] ? base + 1 : path);
		title = deftitle;
	}
	f = cprof__cli_open_out(out);
	if (f == NULL)
		return CPROF_CLI_BAD;
	rc = cprof__timeline_write(tm, title, f);
	if (rc != 0)
		cprof__cli_error("out of memory");
	if (cprof__cli_close_out(f, out) != 0 || rc != 0)
		return CPROF_CLI_BAD;
	return CPROF_CLI_OK;
}

int cprof__cli_trace(int argc, char **argv)
{
	const char *kind = NULL, *out = NULL, *title = NULL;
	bool html = false;
	struct cprof__cli_opt opts[] = {
		{"pprof", CPROF_CLI_OPT_STRING, &kind, NULL,
		 "write a profile: sync, syscall, sleep or cpu"},
		{"html", CPROF_CLI_OPT_BOOL, &html, NULL,
		 "write the timeline page (HTML)"},
		{"o", CPROF_CLI_OPT_STRING, &out, NULL,
		 "the profile's or page's file (with -pprof or -html; "
		 "default stdout)"},
		{"title", CPROF_CLI_OPT_STRING, &title, NULL,
		 "the page's title (with -html; default: the trace's file "
		 "name)"},
		{NULL, 0, NULL, NULL, NULL},
	};
	struct cprof__profile *p;
	struct cprof__tm tm;
	char *pos[1];
	int n_pos, rc, k = 0;

	rc = cprof__cli_parse(argc, argv, opts, TRACE_USAGE, TRACE_ABOUT, pos,
			      1, &n_pos);
	if (rc != 0)
		return rc == CPROF_CLI_HELP ? CPROF_CLI_OK : CPROF_CLI_BAD;
	if (n_pos != 1) {
		cprof__cli_error("trace: one TRACE file expected (see cprof "
				 "trace -help)");
		return CPROF_CLI_BAD;
	}
	if (kind != NULL && (k = trace_pprof_kind(kind)) == -2) {
		cprof__cli_error("trace: -pprof %s: not sync, syscall, sleep "
				 "or cpu", kind);
		return CPROF_CLI_BAD;
	}
	rc = trace_check(kind, html, out, title);
	if (rc != CPROF_CLI_OK)
		return rc;
	if (cprof__tm_load(&tm, pos[0]) != 0)
		return CPROF_CLI_BAD;
	if (html) {
		rc = trace_html(&tm, pos[0], title, out);
	} else if (kind == NULL) {
		trace_report(&tm, pos[0]);
		rc = CPROF_CLI_OK;
	} else {
		p = trace_pprof(&tm, k);
		if (p == NULL || cprof__profile_error(p) != 0) {
			cprof__cli_error("trace: out of memory");
			rc = CPROF_CLI_BAD;
		} else {
			rc = cprof__cli_write_profile(p, out);
		}
		cprof__profile_free(p);
	}
	cprof__tm_fini(&tm);
	return rc;
}
