/*
 * goroutine.c - the threads profile, served under Go's name for it:
 * /debug/pprof/goroutine (and /debug/pprof/threads).
 *
 * Where Go lists goroutines, cprof lists the host's live threads (cprof's
 * own excluded): a count profile (goroutine/count, period 1) with one
 * sample per distinct (stack, label set); ?debug=1 Go's aggregated text;
 * ?debug=2 a per-thread dump in the spirit of Go's panic-style one, with
 * each thread's state, name, stack and creating site. The dump itself
 * (how each stack is taken without disturbing the thread) is
 * thread_dump_linux.c's; this file turns a dump into the three forms.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "capture/labels.h"
#include "cprof.h"
#include "profiles/goroutine.h"
#include "profiles/legacy_text.h"
#include "profiles/registry.h"
#include "profiles/stackset.h"
#include "profiles/thread_dump.h"
#include "symbolize/symbolize.h"

#define GOROUTINE_NO_SAMPLE_FRAME "[cprof] runnable, no sample"

/* A dump with its stacks symbolized into a profile. Stack i of the set is
 * entry i's; creators[i] is the set index of entry i's creating stack, or
 * -1. order[] lists entries grouped by (labels, stack), groups by count
 * descending; group[k] is the size of the group that starts at k (0
 * inside a group). */
struct goroutine_view {
	struct cprof__thread_dump dump;
	struct cprof__profile *p;
	struct cprof__stackset *stacks;
	long *creators;
	size_t *order;
	size_t *group;
	uint64_t no_sample; /* location of GOROUTINE_NO_SAMPLE_FRAME */
	/* Per location id, the offset from its symbol's start + 1 (0: not
	 * looked up yet): the symbolizer's lookup is slow, and a dump repeats
	 * the same frames in many threads. */
	uint64_t *offsets;
};

static int goroutine_key_cmp(const struct cprof__thread_dump_entry *a,
			     const struct cprof__thread_dump_entry *b)
{
	if (a->labels != b->labels)
		return (uintptr_t)a->labels < (uintptr_t)b->labels ? -1 : 1;
	if (a->leaf_is_return != b->leaf_is_return)
		return a->leaf_is_return ? 1 : -1;
	if (a->depth != b->depth)
		return a->depth < b->depth ? -1 : 1;
	return memcmp(a->pcs, b->pcs, (size_t)a->depth * sizeof(uintptr_t));
}

static int goroutine_by_key(const void *x, const void *y, void *arg)
{
	const struct cprof__thread_dump_entry *e = arg;
	size_t i = *(const size_t *)x, j = *(const size_t *)y;
	int c = goroutine_key_cmp(&e[i], &e[j]);

	return c != 0 ? c : (i > j) - (i < j);
}

static int goroutine_by_count(const void *x, const void *y, void *arg)
{
	const size_t *group = arg;
	size_t a = *(const size_t *)x, b = *(const size_t *)y;

	if (group[a] != group[b])
		return group[a] > group[b] ? -1 : 1;
	return (a > b) - (a < b);
}

/* Sorts entries into groups of equal (labels, stack), biggest first. */
static int goroutine_group(struct goroutine_view *v)
{
	size_t n = v->dump.n, k = 0, at = 0;
	const struct cprof__thread_dump_entry *e = v->dump.e;
	size_t *sorted = cprof__calloc(n + 1, sizeof(size_t));
	size_t *starts = cprof__calloc(n + 1, sizeof(size_t));
	size_t *size = cprof__calloc(n + 1, sizeof(size_t));
	int rc = CPROF_ENOMEM;

	v->order = cprof__calloc(n + 1, sizeof(*v->order));
	v->group = cprof__calloc(n + 1, sizeof(*v->group));
	if (!sorted || !starts || !size || !v->order || !v->group)
		goto out;
	for (size_t i = 0; i < n; i++)
		sorted[i] = i;
	qsort_r(sorted, n, sizeof(*sorted), goroutine_by_key, (void *)e);
	/* size[] of each group, at the group's first position in sorted */
	for (size_t i = 0, first = 0; i < n; i++) {
		if (i > 0 &&
		    goroutine_key_cmp(&e[sorted[i]], &e[sorted[i - 1]]) == 0) {
			size[first]++;
			continue;
		}
		first = i;
		size[first] = 1;
		starts[k++] = first;
	}
	qsort_r(starts, k, sizeof(*starts), goroutine_by_count, size);
	for (size_t g = 0; g < k; g++) {
		size_t s = starts[g];

		for (size_t m = 0; m < size[s]; m++)
			v->order[at + m] = sorted[s + m];
		v->group[at] = size[s];
		at += size[s];
	}
	rc = 0;
out:
	cprof__free(sorted);
	cprof__free(starts);
	cprof__free(size);
	return rc;
}


static void goroutine_view_fini(struct goroutine_view *v)
{
	cprof__thread_dump_fini(&v->dump);
	cprof__profile_free(v->p);
	cprof__stackset_free(v->stacks);
	cprof__free(v->creators);
	cprof__free(v->order);
	cprof__free(v->offsets);
	cprof__free(v->group);
	memset(v, 0, sizeof(*v));
}

/* Adds every entry's stack, then every creating stack, to the set. */
static int goroutine_add_stacks(struct goroutine_view *v)
{
	const struct cprof__thread_dump_entry *e = v->dump.e;

	for (size_t i = 0; i < v->dump.n; i++)
		if (cprof__stackset_add(v->stacks, e[i].pcs, e[i].depth,
					e[i].leaf_is_return) < 0)
			return CPROF_ENOMEM;
	for (size_t i = 0; i < v->dump.n; i++) {
		v->creators[i] = -1;
		if (e[i].created_depth > 0 &&
		    (v->creators[i] = cprof__stackset_add(
			     v->stacks, e[i].created_by, e[i].created_depth,
			     true)) < 0)
			return CPROF_ENOMEM;
	}
	return 0;
}

/* What the dump cost and found, as profile comments (the benchmark reads
 * them): "cprof threads dump: N threads, X ms CPU, Y ms wall" and the
 * number of threads taken by each method. */
static void goroutine_comment(struct goroutine_view *v, int64_t cpu_ns,
			      int64_t wall_ns)
{
	size_t by_state[CPROF_TD_RUNNABLE + 1] = {0};
	char text[160];

	for (size_t i = 0; i < v->dump.n; i++)
		by_state[v->dump.e[i].state]++;
	snprintf(text, sizeof(text),
		 "cprof threads dump: %zu threads, %.3f ms CPU, %.3f ms wall",
		 v->dump.n, (double)cpu_ns / 1e6, (double)wall_ns / 1e6);
	cprof__profile_add_comment(v->p, text);
	snprintf(text, sizeof(text),
		 "cprof threads: %zu in wrapped calls, %zu in unwrapped "
		 "syscalls, %zu running, %zu runnable with no sample",
		 by_state[CPROF_TD_WRAPPED], by_state[CPROF_TD_SYSCALL],
		 by_state[CPROF_TD_RUNNING], by_state[CPROF_TD_RUNNABLE]);
	cprof__profile_add_comment(v->p, text);
}

/* Takes a dump and symbolizes it into a new goroutine/count profile. */
static int goroutine_view_take(struct goroutine_view *v)
{
	int rc;
	int64_t cpu0 = cprof__clock_ns(CLOCK_THREAD_CPUTIME_ID);
	int64_t wall0 = cprof__now_ns();

	memset(v, 0, sizeof(*v));
	rc = cprof__thread_dump_take(&v->dump);
	if (rc != 0)
		return rc;
	v->p = cprof__profile_new();
	if (v->p != NULL)
		goroutine_comment(
			v, cprof__clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0,
			cprof__now_ns() - wall0);
	v->stacks = cprof__stackset_new();
	v->creators = cprof__calloc(v->dump.n + 1, sizeof(*v->creators));
	if (v->p == NULL || v->stacks == NULL || v->creators == NULL)
		rc = CPROF_ENOMEM;
	if (rc == 0)
		rc = goroutine_add_stacks(v);
	if (rc == 0)
		rc = goroutine_group(v);
	if (rc == 0) {
		cprof__profile_add_sample_type(v->p, "goroutine", "count");
		cprof__profile_set_period(v->p, "goroutine", "count", 1);
		v->p->time_nanos = cprof__wall_ns();
		rc = cprof__stackset_resolve(v->stacks, v->p);
	}
	if (rc == 0)
		v->no_sample = cprof__profile_pseudo_location(
			v->p, GOROUTINE_NO_SAMPLE_FRAME);
	if (rc == 0)
		rc = cprof__profile_error(v->p);
	if (rc != 0)
		goroutine_view_fini(v);
	return rc;
}

/* Entry i's location ids: its stack, or the "no sample" pseudo-frame. */
static const uint64_t *goroutine_locations(const struct goroutine_view *v,
					   size_t i, size_t *n)
{
	if (v->dump.e[i].depth == 0) {
		*n = 1;
		return &v->no_sample;
	}
	return cprof__stackset_locations(v->stacks, (long)i, n);
}

static struct cprof__profile *goroutine_build(int *error)
{
	struct cprof__label tags[CPROF_LABELS_MAX_DEPTH + 1];
	struct goroutine_view v;
	struct cprof__profile *p;

	*error = goroutine_view_take(&v);
	if (*error != 0)
		return NULL;
	for (size_t k = 0; k < v.dump.n && *error == 0; k++) {
		size_t i = v.order[k], nlocs, ntags;
		const uint64_t *locs;
		int64_t count = (int64_t)v.group[k];

		if (count == 0)
			continue;
		locs = goroutine_locations(&v, i, &nlocs);
		ntags = cprof__profile_labels(v.p, v.dump.e[i].labels, tags);
		if (cprof__profile_add_sample(v.p, locs, nlocs, &count, 1,
					      tags, ntags) != 0)
			*error = CPROF_ENOMEM;
	}
	p = *error == 0 ? v.p : NULL;
	if (p != NULL)
		v.p = NULL;
	goroutine_view_fini(&v);
	return p;
}

/* s as Go's %q prints it (printable ASCII as is, the rest escaped). */
static void goroutine_write_quoted(struct cprof__buf *out, const char *s)
{
	cprof__buf_putc(out, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			cprof__buf_printf(out, "\\%c", c);
		else if (c == '\n')
			cprof__buf_puts(out, "\\n");
		else if (c == '\t')
			cprof__buf_puts(out, "\\t");
		else if (c < 0x20 || c == 0x7f)
			cprof__buf_printf(out, "\\x%02x", c);
		else
			cprof__buf_putc(out, (char)c);
	}
	cprof__buf_putc(out, '"');
}

/* "# labels: {"k1":"v1", "k2":"v2"}" (keys sorted, as the set is). */
static void goroutine_write_labels(struct cprof__buf *out, const void *set)
{
	const struct cprof__label_set *s = set;

	if (s == NULL || s->n == 0)
		return;
	cprof__buf_puts(out, "# labels: {");
	for (uint32_t i = 0; i < s->n; i++) {
		if (i > 0)
			cprof__buf_puts(out, ", ");
		goroutine_write_quoted(out, s->pairs[i].key);
		cprof__buf_putc(out, ':');
		goroutine_write_quoted(out, s->pairs[i].value);
	}
	cprof__buf_puts(out, "}\n");
}

static int goroutine_write_counts(struct goroutine_view *v,
				  struct cprof__buf *out)
{
	cprof__buf_printf(out, "goroutine profile: total %zu\n", v->dump.n);
	for (size_t k = 0; k < v->dump.n; k++) {
		size_t i = v->order[k], nlocs;
		const uint64_t *locs;

		if (v->group[k] == 0)
			continue;
		locs = goroutine_locations(v, i, &nlocs);
		cprof__buf_printf(out, "%zu", v->group[k]);
		cprof__legacy_write_pcs(out, v->p, locs, nlocs,
					v->dump.e[i].leaf_is_return);
		goroutine_write_labels(out, v->dump.e[i].labels);
		cprof__legacy_write_frames(out, v->p, locs, nlocs);
	}
	return 0;
}

/* One frame as Go's traceback prints it: "func(...)" and
 * "\tfile:line +0xoff", one pair per inlined function. */
static uint64_t goroutine_offset(struct goroutine_view *v,
				 const struct cprof__location *l)
{
	uint64_t off = 0;

	if (v->offsets == NULL || l->id > v->p->locations.len)
		return 0;
	if (v->offsets[l->id] == 0) {
		cprof__symbolize_offset(l->address, &off);
		v->offsets[l->id] = off + 1;
	}
	return v->offsets[l->id] - 1;
}

static void goroutine_write_frame(struct cprof__buf *out,
				  struct goroutine_view *v, uint64_t id)
{
	const struct cprof__profile *p = v->p;
	const struct cprof__location *l = cprof__profile_location(p, id);
	uint64_t offset;

	if (l == NULL)
		return;
	if (l->n_lines == 0) {
		cprof__buf_printf(out, "%#" PRIx64 "(...)\n\t?\n", l->address);
		return;
	}
	offset = goroutine_offset(v, l);
	for (size_t k = 0; k < l->n_lines; k++) {
		const struct cprof__function *f =
			cprof__profile_function(p, l->lines[k].function_id);

		cprof__buf_printf(out,
				  "%s(...)\n\t%s:%" PRId64 " +%#" PRIx64 "\n",
				  f ? cprof__profile_str(p, f->name) : "?",
				  f ? cprof__profile_str(p, f->filename) : "?",
				  l->lines[k].line, offset);
	}
}

/* "created by func in thread TID" and "\tfile:line +0xoff", as Go's
 * "created by f in goroutine N": the innermost function at the creating
 * call. */
static void goroutine_write_creator(struct cprof__buf *out,
				    struct goroutine_view *v, uint64_t id,
				    pid_t tid)
{
	const struct cprof__location *l = cprof__profile_location(v->p, id);
	const struct cprof__function *f;

	if (l == NULL)
		return;
	f = l->n_lines > 0 ? cprof__profile_function(v->p,
						     l->lines[0].function_id)
			   : NULL;
	if (f == NULL) {
		cprof__buf_printf(out, "created by %#" PRIx64
				  " in thread %d\n\t?\n", l->address, (int)tid);
		return;
	}
	cprof__buf_printf(out, "created by %s in thread %d\n\t%s:%" PRId64
			  " +%#" PRIx64 "\n", cprof__profile_str(v->p, f->name),
			  (int)tid, cprof__profile_str(v->p, f->filename),
			  l->lines[0].line, goroutine_offset(v, l));
}

/* "sleeping in" for the sleep family, "blocked in" for the rest. */
static const char *goroutine_wait_verb(const char *call)
{
	static const char *const sleeps[] = {"sleep", "usleep", "nanosleep",
					     "clock_nanosleep"};

	for (size_t i = 0; i < sizeof(sleeps) / sizeof(sleeps[0]); i++)
		if (strcmp(call, sleeps[i]) == 0)
			return "sleeping in";
	return "blocked in";
}

/* The names of the syscalls a thread is commonly found blocked in outside
 * every wrapper, for the debug=2 state; NULL for the others. */
static const char *goroutine_syscall_name(long nr)
{
	static const struct {
		long nr;
		const char *name;
	} names[] = {
		{SYS_read, "read"},         {SYS_write, "write"},
		{SYS_futex, "futex"},       {SYS_poll, "poll"},
		{SYS_ppoll, "ppoll"},       {SYS_select, "select"},
		{SYS_pselect6, "pselect6"}, {SYS_epoll_wait, "epoll_wait"},
		{SYS_epoll_pwait, "epoll_pwait"},
		{SYS_nanosleep, "nanosleep"},
		{SYS_clock_nanosleep, "clock_nanosleep"},
		{SYS_accept, "accept"},     {SYS_accept4, "accept4"},
		{SYS_connect, "connect"},   {SYS_recvfrom, "recvfrom"},
		{SYS_recvmsg, "recvmsg"},   {SYS_sendto, "sendto"},
		{SYS_sendmsg, "sendmsg"},   {SYS_wait4, "wait4"},
		{SYS_waitid, "waitid"},     {SYS_pause, "pause"},
		{SYS_rt_sigsuspend, "rt_sigsuspend"},
		{SYS_rt_sigtimedwait, "rt_sigtimedwait"},
		{SYS_ioctl, "ioctl"},       {SYS_fcntl, "fcntl"},
		{SYS_flock, "flock"},
		{SYS_io_uring_enter, "io_uring_enter"},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].nr == nr)
			return names[i].name;
	return NULL;
}

/* "running", "sleeping in nanosleep for 1.503s", "blocked in epoll_wait
 * for 0.2s", "blocked in unwrapped syscall 202 (futex)", "runnable, no
 * sample". */
static void goroutine_write_state(struct cprof__buf *out,
				  const struct cprof__thread_dump_entry *e)
{
	const char *name;

	switch (e->state) {
	case CPROF_TD_WRAPPED:
		cprof__buf_printf(out, "%s %s", goroutine_wait_verb(e->call),
				  e->call);
		if (e->wait_ns >= 0)
			cprof__buf_printf(out, " for %.3fs",
					  (double)e->wait_ns / 1e9);
		break;
	case CPROF_TD_SYSCALL:
		cprof__buf_printf(out, "blocked in unwrapped syscall %ld",
				  e->syscall_nr);
		name = goroutine_syscall_name(e->syscall_nr);
		if (name != NULL)
			cprof__buf_printf(out, " (%s)", name);
		break;
	case CPROF_TD_RUNNING:
		cprof__buf_puts(out, "running");
		break;
	default:
		cprof__buf_puts(out, "runnable, no sample");
		break;
	}
}

static int goroutine_by_tid(const void *x, const void *y, void *arg)
{
	const struct cprof__thread_dump_entry *e = arg;
	pid_t a = e[*(const size_t *)x].tid, b = e[*(const size_t *)y].tid;

	return (a > b) - (a < b);
}

static void goroutine_write_thread(struct goroutine_view *v, size_t i,
				   struct cprof__buf *out)
{
	const struct cprof__thread_dump_entry *e = &v->dump.e[i];
	size_t nlocs;
	const uint64_t *locs = goroutine_locations(v, i, &nlocs);

	cprof__buf_printf(out, "thread %d [", (int)e->tid);
	goroutine_write_state(out, e);
	cprof__buf_printf(out, ", %s]:\n", e->name);
	goroutine_write_labels(out, e->labels);
	for (size_t k = 0; k < nlocs; k++)
		goroutine_write_frame(out, v, locs[k]);
	if (v->creators[i] >= 0) {
		locs = cprof__stackset_locations(v->stacks, v->creators[i],
						 &nlocs);
		if (nlocs > 0)
			goroutine_write_creator(out, v, locs[0],
						e->created_tid);
	}
	cprof__buf_putc(out, '\n');
}

/* debug>=2: every thread, by tid (the main thread first). */
static int goroutine_write_dump(struct goroutine_view *v,
				struct cprof__buf *out)
{
	size_t *byid = cprof__calloc(v->dump.n + 1, sizeof(*byid));

	v->offsets = cprof__calloc(v->p->locations.len + 1,
				   sizeof(*v->offsets));
	if (byid == NULL)
		return CPROF_ENOMEM;
	for (size_t i = 0; i < v->dump.n; i++)
		byid[i] = i;
	qsort_r(byid, v->dump.n, sizeof(*byid), goroutine_by_tid,
		v->dump.e);
	for (size_t k = 0; k < v->dump.n; k++)
		goroutine_write_thread(v, byid[k], out);
	cprof__free(byid);
	return 0;
}

static int goroutine_write_text(int debug, struct cprof__buf *out)
{
	struct goroutine_view v;
	int rc = goroutine_view_take(&v);

	if (rc != 0)
		return rc;
	rc = debug >= 2 ? goroutine_write_dump(&v, out)
			: goroutine_write_counts(&v, out);
	goroutine_view_fini(&v);
	if (rc == 0 && cprof__buf_failed(out))
		rc = out->error;
	return rc;
}

static long goroutine_count(void) { return cprof__thread_dump_count(); }

static const struct cprof__named_profile goroutine_named = {
	.name = "goroutine",
	.description = "Stack traces of all current threads (cprof's own "
		       "excluded). Use debug=2 as a query parameter to export "
		       "in the same format as an unrecovered panic.",
	.delta = true,
	.count = goroutine_count,
	.build = goroutine_build,
	.write_text = goroutine_write_text,
};

static const struct cprof__named_profile threads_named = {
	.name = "threads",
	.description = "The goroutine profile under its C name: stack traces "
		       "of all current threads.",
	.delta = true,
	.count = goroutine_count,
	.build = goroutine_build,
	.write_text = goroutine_write_text,
};

void cprof__goroutine_init(void)
{
	cprof__registry_add(&goroutine_named);
	cprof__registry_add(&threads_named);
}
