/*
 * json.c - the Chrome Trace Event JSON of a snapshot (see json.h).
 *
 * The writer sorts the events by time (stable, so each thread's events keep
 * their order), symbolizes every stack once through a stack set (as the
 * profile builders do) and stores the frames as the format's "stackFrames"
 * tree, which events point into with "sf". It keeps the output valid
 * whatever the window cut: a region end whose begin fell before the window
 * is left out, and regions still open at the end are closed there, so B/E
 * pairs are balanced and nested on every thread.
 *
 * What it does not do: read the stores (trace.c snapshots them) or write
 * files.
 */
#include "trace/json.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/hindex.h"
#include "cprof.h"
#include "profiles/collector.h"
#include "profiles/stackset.h"
#include "profiles/stacktab.h"
#include "trace/trace.h"

/* Regions open at once on one thread that the JSON shows; deeper ones are
 * left out (and their ends with them). */
#define JSON_MAX_REGION_DEPTH 64

void cprof__trace_snapshot_add(struct cprof__trace_snapshot *snap,
			       const struct cprof__trace_store *s,
			       int64_t from_ns, int64_t to_ns)
{
	struct cprof__trace_store_iter it;
	const struct cprof__trace_event *ev;

	cprof__trace_store_iter_init(s, &it);
	while ((ev = cprof__trace_store_next(&it)) != NULL) {
		bool meta = ev->kind == CPROF_TRACE_THREAD_NAME ||
			    ev->kind == CPROF_TRACE_DROPPED;

		if (!meta && (ev->ts < from_ns || ev->ts > to_ns))
			continue;
		if (snap->len + ev->nslots > snap->cap) {
			size_t cap = snap->cap ? snap->cap * 2 : 4096;
			void *p;

			while (cap < snap->len + ev->nslots)
				cap *= 2;
			p = cprof__realloc(snap->slots, cap * sizeof(*ev));
			if (p == NULL) {
				snap->error = CPROF_ENOMEM;
				return;
			}
			snap->slots = p;
			snap->cap = cap;
		}
		memcpy(&snap->slots[snap->len], ev, ev->nslots * sizeof(*ev));
		snap->len += ev->nslots;
	}
}

void cprof__trace_snapshot_fini(struct cprof__trace_snapshot *snap)
{
	cprof__free(snap->slots);
	memset(snap, 0, sizeof(*snap));
}

/* One event of the snapshot, in output order. */
struct json_ref {
	const struct cprof__trace_event *ev;
	size_t seq;   /* snapshot order: ties keep it */
	long stack;   /* stack set index, or -1 */
};

/* A node of the stackFrames tree. */
struct json_frame {
	uint32_t parent; /* 0: a root */
	const char *name;
};

/* A thread seen in the window. */
struct json_thread {
	uint32_t tid;
	int64_t pthread;         /* from its start event, 0 if unseen */
	const char *name;        /* from a name event, or NULL */
	size_t name_len;
	int depth;               /* open regions shown */
	int hidden;              /* open regions past the depth limit */
	const char *open[JSON_MAX_REGION_DEPTH];
	size_t open_len[JSON_MAX_REGION_DEPTH];
};

struct json_writer {
	const struct cprof__trace_meta *meta;
	struct cprof__buf *out;
	struct json_ref *refs;
	size_t n;
	struct cprof__stackset *set;
	struct cprof__profile *p;     /* symbols of the stack set */
	uint32_t *leaf;               /* per stack: its leaf frame id */
	struct json_frame *frames;    /* [1..nframes] */
	size_t nframes, frames_cap;
	struct cprof__hindex frame_index;
	struct json_thread *threads;
	size_t nthreads, threads_cap;
	struct cprof__hindex thread_index;
	struct cprof__hindex task_index; /* task id -> its begin's ref */
	int pid;
	uint64_t dropped;
	int error;
};

static int json_ref_cmp(const void *a, const void *b)
{
	const struct json_ref *x = a, *y = b;

	if (x->ev->ts != y->ev->ts)
		return x->ev->ts < y->ev->ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int json_collect_refs(struct json_writer *w,
			     const struct cprof__trace_snapshot *snap)
{
	size_t n = 0;

	for (size_t i = 0; i < snap->len; i += snap->slots[i].nslots)
		n++;
	w->refs = cprof__calloc(n ? n : 1, sizeof(*w->refs));
	if (w->refs == NULL)
		return CPROF_ENOMEM;
	for (size_t i = 0; i < snap->len; i += snap->slots[i].nslots) {
		w->refs[w->n].ev = &snap->slots[i];
		w->refs[w->n].seq = w->n;
		w->refs[w->n].stack = -1;
		w->n++;
	}
	qsort(w->refs, w->n, sizeof(*w->refs), json_ref_cmp);
	return 0;
}

/* The pcs of a wait event (after its call name, when it has one). */
static const uintptr_t *json_wait_pcs(const struct cprof__trace_event *ev,
				      int *depth)
{
	*depth = CPROF_TRACE_WAIT_B_DEPTH(ev->b);
	return (const uintptr_t *)(cprof__trace_payload(ev) + ev->len);
}

/* Adds every stack to the set: table stacks under the collector lock. */
static int json_add_stacks(struct json_writer *w)
{
	w->set = cprof__stackset_new();
	if (w->set == NULL)
		return CPROF_ENOMEM;
	cprof__collector_lock();
	for (size_t i = 0; i < w->n; i++) {
		const struct cprof__trace_event *ev = w->refs[i].ev;
		const uintptr_t *pcs;
		int depth;

		if (ev->kind != CPROF_TRACE_CPU && ev->kind != CPROF_TRACE_ALLOC)
			continue;
		if (ev->a == 0)
			continue;
		pcs = cprof__stacktab_get_locked((uint32_t)ev->a, &depth);
		w->refs[i].stack =
			cprof__stackset_add(w->set, pcs, depth, ev->len != 0);
	}
	cprof__collector_unlock();
	for (size_t i = 0; i < w->n; i++) {
		const struct cprof__trace_event *ev = w->refs[i].ev;
		const uintptr_t *pcs;
		int depth;

		if (ev->kind != CPROF_TRACE_WAIT)
			continue;
		pcs = json_wait_pcs(ev, &depth);
		if (depth > 0)
			w->refs[i].stack =
				cprof__stackset_add(w->set, pcs, depth, true);
	}
	return 0;
}

static bool json_frame_eq(const void *ctx, uint32_t value, const void *key)
{
	const struct json_writer *w = ctx;
	const struct json_frame *k = key;

	return w->frames[value].parent == k->parent &&
	       strcmp(w->frames[value].name, k->name) == 0;
}

static uint32_t json_hash_str(uint32_t h, const char *s)
{
	while (*s != '\0')
		h = cprof__hash_mix(h, (unsigned char)*s++);
	return h;
}

/* The id of frame `name` under `parent`, added if new; 0 on failure. */
static uint32_t json_frame(struct json_writer *w, uint32_t parent,
			   const char *name)
{
	struct json_frame k = {parent, name};
	uint32_t hash = json_hash_str(cprof__hash_mix(0, parent), name);
	uint32_t id;
	size_t slot;
	int rc;

	rc = cprof__hindex_find(&w->frame_index, hash, json_frame_eq, w, &k,
				&id, &slot);
	if (rc == 1)
		return id;
	if (rc < 0)
		return 0;
	if (w->nframes + 2 > w->frames_cap) {
		size_t cap = w->frames_cap ? w->frames_cap * 2 : 256;
		void *p = cprof__realloc(w->frames, cap * sizeof(*w->frames));

		if (p == NULL)
			return 0;
		w->frames = p;
		w->frames_cap = cap;
	}
	id = (uint32_t)++w->nframes;
	w->frames[id] = k;
	cprof__hindex_add(&w->frame_index, slot, hash, id);
	return id;
}

/* The function names of location id, innermost first, into names. */
static size_t json_location_names(struct json_writer *w, uint64_t id,
				  const char **names, size_t max)
{
	const struct cprof__location *loc = cprof__profile_location(w->p, id);
	size_t n = 0;

	if (loc == NULL)
		return 0;
	for (size_t i = 0; i < loc->n_lines && n < max; i++) {
		const struct cprof__function *f =
			cprof__profile_function(w->p, loc->lines[i].function_id);

		if (f != NULL)
			names[n++] = cprof__profile_str(w->p, f->name);
	}
	if (n == 0 && max > 0) {
		char hex[24];

		snprintf(hex, sizeof(hex), "0x%" PRIx64, loc->address);
		names[n++] = cprof__profile_str(
			w->p, cprof__profile_string(w->p, hex));
	}
	return n;
}

/* Symbolizes the set and threads every stack into the frame tree. */
static int json_build_frames(struct json_writer *w)
{
	const char *names[4 * CPROF_MAX_FRAMES];
	size_t nstacks = 0;
	int rc;

	for (size_t i = 0; i < w->n; i++)
		if (w->refs[i].stack >= 0 &&
		    (size_t)w->refs[i].stack + 1 > nstacks)
			nstacks = (size_t)w->refs[i].stack + 1;
	if (nstacks == 0)
		return 0;
	w->p = cprof__profile_new();
	w->leaf = cprof__calloc(nstacks, sizeof(*w->leaf));
	if (w->p == NULL || w->leaf == NULL)
		return CPROF_ENOMEM;
	rc = cprof__stackset_resolve(w->set, w->p);
	if (rc != 0)
		return rc;
	for (size_t s = 0; s < nstacks; s++) {
		size_t nlocs, nnames = 0;
		const uint64_t *locs =
			cprof__stackset_locations(w->set, (long)s, &nlocs);
		uint32_t node = 0;

		for (size_t l = 0; l < nlocs; l++)
			nnames += json_location_names(
				w, locs[l], names + nnames,
				sizeof(names) / sizeof(names[0]) - nnames);
		while (nnames > 0) {
			node = json_frame(w, node, names[--nnames]);
			if (node == 0)
				return CPROF_ENOMEM;
		}
		w->leaf[s] = node;
	}
	return 0;
}

static bool json_thread_eq(const void *ctx, uint32_t value, const void *key)
{
	const struct json_writer *w = ctx;

	return w->threads[value].tid == *(const uint32_t *)key;
}

static struct json_thread *json_thread(struct json_writer *w, uint32_t tid)
{
	uint32_t hash = cprof__hash_mix(0, tid), id;
	size_t slot;
	int rc = cprof__hindex_find(&w->thread_index, hash, json_thread_eq, w,
				    &tid, &id, &slot);

	if (rc == 1)
		return &w->threads[id];
	if (rc < 0)
		return NULL;
	if (w->nthreads == w->threads_cap) {
		size_t cap = w->threads_cap ? w->threads_cap * 2 : 64;
		void *p = cprof__realloc(w->threads, cap * sizeof(*w->threads));

		if (p == NULL)
			return NULL;
		w->threads = p;
		w->threads_cap = cap;
	}
	memset(&w->threads[w->nthreads], 0, sizeof(*w->threads));
	w->threads[w->nthreads].tid = tid;
	cprof__hindex_add(&w->thread_index, slot, hash, (uint32_t)w->nthreads);
	return &w->threads[w->nthreads++];
}

static void json_string(struct cprof__buf *b, const char *s, size_t n)
{
	cprof__buf_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			cprof__buf_putc(b, '\\');
			cprof__buf_putc(b, (char)c);
		} else if (c < 0x20 || c == 0x7f) {
			cprof__buf_printf(b, "\\u%04x", c);
		} else {
			cprof__buf_putc(b, (char)c);
		}
	}
	cprof__buf_putc(b, '"');
}

static void json_cstring(struct cprof__buf *b, const char *s)
{
	json_string(b, s, strlen(s));
}

/* ts in microseconds with nanosecond digits, relative to the window. */
static void json_us(struct cprof__buf *b, int64_t ns)
{
	if (ns < 0) {
		cprof__buf_putc(b, '-');
		ns = -ns;
	}
	cprof__buf_printf(b, "%" PRId64 ".%03" PRId64, ns / 1000, ns % 1000);
}

/* The common head of an event: {"ph":..,"pid":..,"tid":..,"ts":.. */
static void json_head(struct json_writer *w, const char *ph, uint32_t tid,
		      int64_t ts)
{
	cprof__buf_printf(w->out, ",\n{\"ph\":\"%s\",\"pid\":%d,\"tid\":%u,"
			  "\"ts\":", ph, w->pid, tid);
	json_us(w->out, ts - w->meta->start_ns);
}

static void json_name(struct json_writer *w, const char *cat,
		      const char *name, size_t n)
{
	cprof__buf_printf(w->out, ",\"cat\":\"%s\",\"name\":", cat);
	json_string(w->out, name, n);
}

static void json_sf(struct json_writer *w, const struct json_ref *r)
{
	if (r->stack >= 0 && w->leaf != NULL && w->leaf[r->stack] != 0)
		cprof__buf_printf(w->out, ",\"sf\":\"%u\"", w->leaf[r->stack]);
}

static const char *json_wait_cat(int64_t b)
{
	switch (CPROF_TRACE_WAIT_B_KIND(b)) {
	case CPROF_TRACE_WAIT_LOCK: return "lock";
	case CPROF_TRACE_WAIT_SLEEP: return "sleep";
	default: return "syscall";
	}
}

static void json_region(struct json_writer *w, const struct json_ref *r)
{
	const struct cprof__trace_event *ev = r->ev;
	struct json_thread *t = json_thread(w, ev->tid);
	const char *name = cprof__trace_payload(ev);

	if (t == NULL)
		return;
	if (ev->kind == CPROF_TRACE_REGION_BEGIN) {
		if (t->depth == JSON_MAX_REGION_DEPTH || t->hidden > 0) {
			t->hidden++;
			return;
		}
		t->open[t->depth] = name;
		t->open_len[t->depth++] = ev->len;
		json_head(w, "B", ev->tid, ev->ts);
		json_name(w, "region", name, ev->len);
		cprof__buf_printf(w->out, ",\"args\":{\"task\":%" PRId64 "}}",
				  ev->a);
		return;
	}
	if (t->hidden > 0) {
		t->hidden--;
		return;
	}
	if (t->depth == 0)
		return; /* began before the window */
	t->depth--;
	json_head(w, "E", ev->tid, ev->ts);
	json_name(w, "region", t->open[t->depth], t->open_len[t->depth]);
	cprof__buf_puts(w->out, "}");
}

static bool json_task_eq(const void *ctx, uint32_t value, const void *key)
{
	const struct json_writer *w = ctx;

	return w->refs[value].ev->a == *(const int64_t *)key;
}

static void json_task(struct json_writer *w, const struct json_ref *r)
{
	const struct cprof__trace_event *ev = r->ev;
	uint32_t hash = cprof__hash_mix(0, (uint64_t)ev->a), begin;
	const char *name = "task";
	size_t len = 4, slot;
	int rc = cprof__hindex_find(&w->task_index, hash, json_task_eq, w,
				    &ev->a, &begin, &slot);

	if (ev->kind == CPROF_TRACE_TASK_BEGIN) {
		if (rc == 0)
			cprof__hindex_add(&w->task_index, slot, hash,
					  (uint32_t)(r - w->refs));
		name = cprof__trace_payload(ev);
		len = ev->len;
	} else if (rc == 1) {
		name = cprof__trace_payload(w->refs[begin].ev);
		len = w->refs[begin].ev->len;
	} else {
		return; /* began before the window: nothing to end */
	}
	json_head(w, ev->kind == CPROF_TRACE_TASK_BEGIN ? "b" : "e", ev->tid,
		  ev->ts);
	json_name(w, "task", name, len);
	cprof__buf_printf(w->out, ",\"id\":\"%" PRId64 "\"", ev->a);
	if (ev->kind == CPROF_TRACE_TASK_BEGIN)
		cprof__buf_printf(w->out, ",\"args\":{\"parent\":%" PRId64 "}",
				  ev->b);
	cprof__buf_puts(w->out, "}");
}

static void json_log(struct json_writer *w, const struct json_ref *r)
{
	const struct cprof__trace_event *ev = r->ev;
	const char *text = cprof__trace_payload(ev);
	size_t c = strnlen(text, ev->len);
	size_t m = c < ev->len ? ev->len - c - 1 : 0;

	json_head(w, "i", ev->tid, ev->ts);
	json_name(w, "log", text, c);
	cprof__buf_printf(w->out, ",\"s\":\"t\",\"args\":{\"task\":%" PRId64
			  ",\"message\":", ev->a);
	json_string(w->out, text + c + 1, m);
	cprof__buf_puts(w->out, "}}");
}

static void json_instant(struct json_writer *w, const struct json_ref *r,
			 const char *cat, const char *name,
			 const char *arg_name, int64_t arg)
{
	json_head(w, "i", r->ev->tid, r->ev->ts);
	json_name(w, cat, name, strlen(name));
	cprof__buf_puts(w->out, ",\"s\":\"t\"");
	json_sf(w, r);
	if (arg_name != NULL)
		cprof__buf_printf(w->out, ",\"args\":{\"%s\":%" PRId64 "}",
				  arg_name, arg);
	cprof__buf_puts(w->out, "}");
}

static void json_wait(struct json_writer *w, const struct json_ref *r)
{
	const struct cprof__trace_event *ev = r->ev;
	const char *call = CPROF_TRACE_WAIT_B_NAME(ev->b);
	size_t n = call != NULL ? strlen(call) : 0;

	if (call == NULL) {
		call = cprof__trace_payload(ev);
		n = strnlen(call, ev->len);
	}
	json_head(w, "X", ev->tid, ev->ts);
	json_name(w, json_wait_cat(ev->b), call, n);
	cprof__buf_puts(w->out, ",\"dur\":");
	json_us(w->out, ev->a);
	json_sf(w, r);
	cprof__buf_puts(w->out, "}");
}

static void json_event(struct json_writer *w, const struct json_ref *r)
{
	const struct cprof__trace_event *ev = r->ev;

	switch (ev->kind) {
	case CPROF_TRACE_THREAD_START:
		json_instant(w, r, "thread", "thread start", "creator", ev->b);
		break;
	case CPROF_TRACE_THREAD_EXIT:
		json_instant(w, r, "thread", "thread exit", NULL, 0);
		break;
	case CPROF_TRACE_CPU:
		json_instant(w, r, "cpu", "cpu sample", "periods", ev->b);
		break;
	case CPROF_TRACE_ALLOC:
		json_instant(w, r, "alloc", "alloc", "bytes", ev->b);
		break;
	case CPROF_TRACE_WAIT:
		json_wait(w, r);
		break;
	case CPROF_TRACE_REGION_BEGIN:
	case CPROF_TRACE_REGION_END:
		json_region(w, r);
		break;
	case CPROF_TRACE_TASK_BEGIN:
	case CPROF_TRACE_TASK_END:
		json_task(w, r);
		break;
	case CPROF_TRACE_LOG:
		json_log(w, r);
		break;
	case CPROF_TRACE_DROPPED:
		w->dropped += (uint64_t)ev->a;
		json_instant(w, r, "cprof", "[cprof] dropped events", "count",
			     ev->a);
		break;
	default:
		break;
	}
}

/* Names: the events first (a thread naming another by pthread_t is
 * matched through the other's start event), then /proc for the rest. */
static void json_thread_names(struct json_writer *w)
{
	for (size_t i = 0; i < w->n; i++) {
		const struct cprof__trace_event *ev = w->refs[i].ev;
		struct json_thread *t = json_thread(w, ev->tid);

		if (t != NULL && ev->kind == CPROF_TRACE_THREAD_START)
			t->pthread = ev->a;
	}
	for (size_t i = 0; i < w->n; i++) {
		const struct cprof__trace_event *ev = w->refs[i].ev;
		struct json_thread *t = NULL;

		if (ev->kind != CPROF_TRACE_THREAD_NAME)
			continue;
		if (ev->a == 0)
			t = json_thread(w, ev->tid);
		for (size_t j = 0; t == NULL && j < w->nthreads; j++)
			if (w->threads[j].pthread == ev->a)
				t = &w->threads[j];
		if (t != NULL) {
			t->name = cprof__trace_payload(ev);
			t->name_len = ev->len;
		}
	}
}

static void json_proc_name(const char *path, char *out, size_t size)
{
	FILE *f = fopen(path, "re");
	size_t n = 0;

	out[0] = '\0';
	if (f == NULL)
		return;
	if (fgets(out, (int)size, f) != NULL)
		n = strcspn(out, "\n");
	out[n] = '\0';
	fclose(f);
}

static void json_metadata(struct json_writer *w)
{
	char name[64], path[64];

	json_proc_name("/proc/self/comm", name, sizeof(name));
	cprof__buf_printf(w->out, "{\"ph\":\"M\",\"pid\":%d,\"tid\":0,"
			  "\"name\":\"process_name\",\"args\":{\"name\":",
			  w->pid);
	json_cstring(w->out, name);
	cprof__buf_puts(w->out, "}}");
	for (size_t i = 0; i < w->nthreads; i++) {
		const struct json_thread *t = &w->threads[i];

		cprof__buf_printf(w->out, ",\n{\"ph\":\"M\",\"pid\":%d,"
				  "\"tid\":%u,\"name\":\"thread_name\","
				  "\"args\":{\"name\":", w->pid, t->tid);
		if (t->name != NULL) {
			json_string(w->out, t->name, t->name_len);
		} else {
			snprintf(path, sizeof(path), "/proc/self/task/%u/comm",
				 t->tid);
			json_proc_name(path, name, sizeof(name));
			if (name[0] == '\0')
				snprintf(name, sizeof(name), "thread %u",
					 t->tid);
			json_cstring(w->out, name);
		}
		cprof__buf_puts(w->out, "}}");
	}
}

/* Regions still open at the end of the window end there. */
static void json_close_regions(struct json_writer *w)
{
	for (size_t i = 0; i < w->nthreads; i++) {
		struct json_thread *t = &w->threads[i];

		while (t->depth > 0) {
			t->depth--;
			json_head(w, "E", t->tid, w->meta->end_ns);
			json_name(w, "region", t->open[t->depth],
				  t->open_len[t->depth]);
			cprof__buf_puts(w->out, "}");
		}
	}
}

static void json_frames(struct json_writer *w)
{
	cprof__buf_puts(w->out, "\n],\n\"stackFrames\":{");
	for (size_t id = 1; id <= w->nframes; id++) {
		cprof__buf_printf(w->out, "%s\n\"%zu\":{\"name\":",
				  id > 1 ? "," : "", id);
		json_cstring(w->out, w->frames[id].name);
		if (w->frames[id].parent != 0)
			cprof__buf_printf(w->out, ",\"parent\":\"%u\"",
					  w->frames[id].parent);
		cprof__buf_puts(w->out, "}");
	}
	cprof__buf_puts(w->out, "},\n");
}

static void json_trailer(struct json_writer *w)
{
	const struct cprof__trace_meta *m = w->meta;

	cprof__buf_printf(w->out,
		"\"displayTimeUnit\":\"ns\",\n\"otherData\":{"
		"\"producer\":\"cprof %d.%d.%d\",\"mode\":\"%s\","
		"\"start_monotonic_ns\":\"%" PRId64 "\","
		"\"duration_ns\":\"%" PRId64 "\",\"cpu_period_ns\":\"%" PRId64
		"\",\"wait_stack_min_ns\":\"%d\",\"dropped_events\":\"%" PRIu64
		"\"}}\n",
		CPROF_VERSION_MAJOR, CPROF_VERSION_MINOR, CPROF_VERSION_PATCH,
		m->mode, m->start_ns, m->end_ns - m->start_ns, m->cpu_period_ns,
		CPROF_TRACE_WAIT_STACK_NS, w->dropped + m->dropped);
}

static void json_writer_fini(struct json_writer *w)
{
	cprof__free(w->refs);
	cprof__stackset_free(w->set);
	cprof__profile_free(w->p);
	cprof__free(w->leaf);
	cprof__free(w->frames);
	cprof__hindex_fini(&w->frame_index);
	cprof__free(w->threads);
	cprof__hindex_fini(&w->thread_index);
	cprof__hindex_fini(&w->task_index);
}

int cprof__trace_json_write(const struct cprof__trace_snapshot *snap,
			    const struct cprof__trace_meta *meta,
			    struct cprof__buf *out)
{
	struct json_writer w;
	int rc;

	memset(&w, 0, sizeof(w));
	w.meta = meta;
	w.out = out;
	w.pid = (int)getpid();
	rc = json_collect_refs(&w, snap);
	if (rc == 0)
		rc = json_add_stacks(&w);
	if (rc == 0)
		rc = json_build_frames(&w);
	if (rc == 0) {
		json_thread_names(&w);
		cprof__buf_puts(out, "{\"traceEvents\":[\n");
		json_metadata(&w);
		for (size_t i = 0; i < w.n; i++)
			json_event(&w, &w.refs[i]);
		json_close_regions(&w);
		if (meta->dropped > 0) {
			json_head(&w, "i", 0, meta->end_ns);
			cprof__buf_printf(out, ",\"cat\":\"cprof\",\"name\":"
					  "\"[cprof] dropped events\",\"s\":"
					  "\"g\",\"args\":{\"count\":%" PRIu64
					  "}}", meta->dropped);
		}
		json_frames(&w);
		json_trailer(&w);
		rc = cprof__buf_failed(out) ? out->error : 0;
	}
	json_writer_fini(&w);
	return rc;
}
