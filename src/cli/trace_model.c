/*
 * trace_model.c - reading a cprof trace into the model (trace_model.h).
 *
 * JSON parsing is json-c's (Debian's libjson-c-dev); gzip is the pprof
 * module's. json-c's objects for a whole document take about 18 bytes per
 * byte of text, so the events are parsed one at a time: a first pass over
 * the top level parses everything but traceEvents (stackFrames and
 * otherData, which cprof writes after the events) and skips the events'
 * array; the second parses each event, uses it and frees it. The model is
 * built in that pass: thread names and lifetimes, CPU samples and waits
 * per thread, region and task durations
 * (B/E pairs per thread, b/e pairs per id), and the stack of every sample
 * and wait, resolved through "stackFrames" into frame ids. For the
 * timeline it keeps every region, task, log and drop with its time, their
 * names interned once (strs), so a trace of a million events holds each
 * distinct name once.
 */
#include "cli/trace_model.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "base/buf.h"
#include "cli/options.h"
#include "pprof/pprof.h"

/* The largest trace read, after gunzip. */
#define TM_MAX_BYTES (2u << 30)
/* Numbers the model holds: a bigger one in a file is refused or cut to
 * these, so that sums and differences of times never overflow. */
#define TM_MAX_NUM 9007199254740992.0 /* 2^53: ids, counts, ns (104 days) */
#define TM_MAX_PERIOD_NS (1ll << 40)  /* one CPU timer period */
#define TM_MAX_PERIODS (1ll << 20)    /* periods one sample stands for */
#define TM_MAX_SUM (1ll << 60)        /* a thread's time in one state */
/* Regions open at once on one thread that the analysis follows. */
#define TM_MAX_DEPTH 256

/* Names are interned (strs): an event's own strings die with it. */
struct tm_open_region {
	uint32_t name;
	int64_t ts;
	int64_t task;
};

struct tm_thread_state {
	int64_t tid;
	struct tm_open_region open[TM_MAX_DEPTH];
	int depth;
};

struct tm_task {
	int64_t id;
	uint32_t name;
	bool open;
	int64_t ts;
	size_t run;          /* its entry in task_list */
};

struct tm_loader {
	struct cprof__tm *tm;
	const char *path;
	char **frame_keys;   /* sorted stackFrames keys, by frame id order */
	int32_t *key_order;  /* frame ids sorted by key */
	struct tm_thread_state *states;
	size_t n_states;
	struct tm_task *tasks;
	size_t n_tasks, cap_tasks;
	size_t cap_threads, cap_stacked, cap_pool;
	size_t cap_region_list, cap_task_list, cap_marks, cap_strs;
	uint32_t *str_slots; /* open addressing: strs index + 1, 0 empty */
	size_t n_str_slots;  /* a power of two, over twice n_strs */
};

static void *tm_grow(void *p, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return p;
	while (c < need)
		c *= 2;
	q = realloc(p, c * size);
	if (q == NULL) {
		cprof__cli_error("out of memory");
		exit(2);
	}
	*cap = c;
	return q;
}

static uint64_t tm_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static void tm_rehash(struct tm_loader *l)
{
	size_t n = l->n_str_slots ? l->n_str_slots * 2 : 1024;
	uint32_t *slots = calloc(n, sizeof(*slots));

	if (slots == NULL) {
		cprof__cli_error("out of memory");
		exit(2);
	}
	for (size_t i = 0; i < l->tm->n_strs; i++) {
		size_t h = (size_t)tm_hash(l->tm->strs[i]) & (n - 1);

		while (slots[h] != 0)
			h = (h + 1) & (n - 1);
		slots[h] = (uint32_t)i + 1;
	}
	free(l->str_slots);
	l->str_slots = slots;
	l->n_str_slots = n;
}

/* The index of s in strs, added if new. */
static uint32_t tm_intern(struct tm_loader *l, const char *s)
{
	struct cprof__tm *tm = l->tm;
	size_t h;

	if (s == NULL)
		s = "";
	if (2 * (tm->n_strs + 1) > l->n_str_slots)
		tm_rehash(l);
	h = (size_t)tm_hash(s) & (l->n_str_slots - 1);
	for (; l->str_slots[h] != 0; h = (h + 1) & (l->n_str_slots - 1))
		if (strcmp(tm->strs[l->str_slots[h] - 1], s) == 0)
			return l->str_slots[h] - 1;
	tm->strs = tm_grow(tm->strs, &l->cap_strs, tm->n_strs + 1,
			   sizeof(*tm->strs));
	tm->strs[tm->n_strs] = strdup(s);
	if (tm->strs[tm->n_strs] == NULL) {
		cprof__cli_error("out of memory");
		exit(2);
	}
	l->str_slots[h] = (uint32_t)++tm->n_strs;
	return (uint32_t)tm->n_strs - 1;
}

static int tm_read(const char *path, struct cprof__buf *out)
{
	FILE *f = fopen(path, "rb");
	struct cprof__buf raw;
	char chunk[65536], err[256];
	size_t n;
	int rc = 0;

	if (f == NULL) {
		cprof__cli_error("%s: %s", path, strerror(errno));
		return -1;
	}
	cprof__buf_init(&raw, TM_MAX_BYTES);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		cprof__buf_append(&raw, chunk, n);
	if (ferror(f) || cprof__buf_failed(&raw)) {
		cprof__cli_error("%s: cannot read it (larger than %u bytes?)",
				 path, TM_MAX_BYTES);
		rc = -1;
	} else if (raw.len >= 2 && (unsigned char)raw.data[0] == 0x1f &&
		   (unsigned char)raw.data[1] == 0x8b) {
		if (cprof__gunzip(raw.data, raw.len, TM_MAX_BYTES, out, err,
				  sizeof(err)) != 0) {
			cprof__cli_error("%s: %s", path, err);
			rc = -1;
		}
	} else if (raw.len > 0) {
		cprof__buf_append(out, raw.data, raw.len);
	}
	fclose(f);
	cprof__buf_fini(&raw);
	return rc;
}

static const char *tm_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* A number that may be written as a JSON number or a decimal string, at
 * most TM_MAX_NUM in magnitude (else it counts as absent). */
static bool tm_num(struct json_object *o, const char *key, double *out)
{
	struct json_object *v;
	char *end;

	if (!json_object_object_get_ex(o, key, &v))
		return false;
	if (json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double)) {
		*out = json_object_get_double(v);
	} else if (json_object_is_type(v, json_type_string)) {
		*out = strtod(json_object_get_string(v), &end);
		if (end == json_object_get_string(v) || *end != '\0')
			return false;
	} else {
		return false;
	}
	return *out >= -TM_MAX_NUM && *out <= TM_MAX_NUM;
}

/* Microseconds to ns, cut to +-TM_MAX_NUM ns. */
static int64_t tm_ns(double us)
{
	double ns = us * 1000.0;

	if (ns > TM_MAX_NUM)
		ns = TM_MAX_NUM;
	if (ns < -TM_MAX_NUM)
		ns = -TM_MAX_NUM;
	return (int64_t)llround(ns);
}

/* a + b for times that are never negative, cut at TM_MAX_SUM. */
static int64_t tm_sum(int64_t a, int64_t b)
{
	return b > TM_MAX_SUM - a ? TM_MAX_SUM : a + b;
}

static const char **tm_sort_keys;

static int tm_key_cmp(const void *a, const void *b)
{
	return strcmp(tm_sort_keys[*(const int32_t *)a],
		      tm_sort_keys[*(const int32_t *)b]);
}

/* The frame id of key, or -1. */
static int32_t tm_frame_id(const struct tm_loader *l, const char *key)
{
	size_t lo = 0, hi = l->tm->n_frames;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(l->frame_keys[l->key_order[mid]], key);

		if (c == 0)
			return l->key_order[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int tm_frames(struct tm_loader *l, struct json_object *root)
{
	struct cprof__tm *tm = l->tm;
	struct json_object *sf;
	size_t n = 0;

	if (!json_object_object_get_ex(root, "stackFrames", &sf))
		return 0;
	if (!json_object_is_type(sf, json_type_object)) {
		cprof__cli_error("%s: stackFrames is not an object", l->path);
		return -1;
	}
	n = (size_t)json_object_object_length(sf);
	l->frame_keys = calloc(n + 1, sizeof(char *));
	l->key_order = calloc(n + 1, sizeof(int32_t));
	tm->frame_names = calloc(n + 1, sizeof(char *));
	tm->frame_parent = calloc(n + 1, sizeof(int32_t));
	if (!l->frame_keys || !l->key_order || !tm->frame_names ||
	    !tm->frame_parent) {
		cprof__cli_error("out of memory");
		return -1;
	}
	n = 0;
	json_object_object_foreach(sf, key, val) {
		const char *name = tm_str(val, "name");

		l->frame_keys[n] = key;
		l->key_order[n] = (int32_t)n;
		tm->frame_names[n] = strdup(name ? name : "?");
		n++;
	}
	tm->n_frames = n;
	tm_sort_keys = (const char **)l->frame_keys;
	qsort(l->key_order, n, sizeof(int32_t), tm_key_cmp);
	for (size_t i = 0; i < n; i++) {
		struct json_object *frame = json_object_object_get(
			sf, l->frame_keys[i]);
		const char *parent = tm_str(frame, "parent");

		tm->frame_parent[i] = parent ? tm_frame_id(l, parent) : -1;
		if (parent != NULL && tm->frame_parent[i] < 0) {
			cprof__cli_error("%s: stack frame %s has an unknown "
					 "parent %s", l->path,
					 l->frame_keys[i], parent);
			return -1;
		}
	}
	return 0;
}

static struct cprof__tm_thread *tm_thread(struct tm_loader *l, int64_t tid)
{
	struct cprof__tm *tm = l->tm;
	struct cprof__tm_thread *t;

	for (size_t i = 0; i < tm->n_threads; i++)
		if (tm->threads[i].tid == tid)
			return &tm->threads[i];
	tm->threads = tm_grow(tm->threads, &l->cap_threads,
			      tm->n_threads + 1, sizeof(*tm->threads));
	l->states = realloc(l->states,
			    l->cap_threads * sizeof(*l->states));
	if (l->states == NULL) {
		cprof__cli_error("out of memory");
		exit(2);
	}
	t = &tm->threads[tm->n_threads];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	t->begin_ns = INT64_MIN;
	t->end_ns = INT64_MAX;
	memset(&l->states[tm->n_threads], 0, sizeof(*l->states));
	l->states[tm->n_threads].tid = tid;
	tm->n_threads++;
	return t;
}

static struct tm_thread_state *tm_state(struct tm_loader *l,
					const struct cprof__tm_thread *t)
{
	return &l->states[t - l->tm->threads];
}

static void tm_span_add(struct cprof__tm_span **spans, size_t *n,
			const char *name, int64_t ns)
{
	struct cprof__tm_span *s = NULL;

	for (size_t i = 0; i < *n; i++)
		if (strcmp((*spans)[i].name, name) == 0)
			s = &(*spans)[i];
	if (s == NULL) {
		size_t cap = *n;

		*spans = tm_grow(*spans, &cap, *n + 1, sizeof(**spans));
		s = &(*spans)[(*n)++];
		memset(s, 0, sizeof(*s));
		s->name = strdup(name);
	}
	s->ns = tm_grow(s->ns, &s->cap, s->n + 1, sizeof(*s->ns));
	s->ns[s->n++] = ns;
}

/* The stack an event points to with "sf", as frame ids leaf first. */
static int tm_stacked(struct tm_loader *l, struct json_object *ev, int kind,
		      int64_t value, const struct cprof__tm_thread *t,
		      int64_t ts)
{
	struct cprof__tm *tm = l->tm;
	const char *sf = tm_str(ev, "sf");
	int32_t id = sf ? tm_frame_id(l, sf) : -1;
	size_t depth = 0;
	struct cprof__tm_stacked *s;

	if (sf != NULL && id < 0) {
		cprof__cli_error("%s: an event refers to stack frame %s, "
				 "which stackFrames lacks", l->path, sf);
		return -1;
	}
	for (int32_t f = id; f >= 0 && depth <= tm->n_frames;
	     f = tm->frame_parent[f]) {
		tm->stack_pool = tm_grow(tm->stack_pool, &l->cap_pool,
					 tm->pool_len + depth + 1,
					 sizeof(int32_t));
		tm->stack_pool[tm->pool_len + depth++] = f;
	}
	tm->stacked = tm_grow(tm->stacked, &l->cap_stacked,
			      tm->n_stacked + 1, sizeof(*tm->stacked));
	s = &tm->stacked[tm->n_stacked++];
	s->kind = kind;
	s->value = value;
	/* the pool may move: frames are an offset until loading ends */
	s->frames = (const int32_t *)(uintptr_t)tm->pool_len;
	s->depth = depth;
	s->ts_ns = ts;
	s->thread = (uint32_t)(t - tm->threads);
	s->name = kind < 0 ? 0 : tm_intern(l, tm_str(ev, "name"));
	tm->pool_len += depth;
	return 0;
}

static int tm_wait_kind(const char *cat)
{
	if (cat == NULL)
		return -1;
	if (strcmp(cat, "lock") == 0)
		return CPROF_TM_LOCK;
	if (strcmp(cat, "syscall") == 0)
		return CPROF_TM_CALL;
	if (strcmp(cat, "sleep") == 0)
		return CPROF_TM_SLEEP;
	return -1;
}

/* A task's begin (b) or end (e); parent: args.parent of a begin. */
static void tm_task(struct tm_loader *l, const struct cprof__tm_thread *t,
		    const char *ph, const char *id, const char *name,
		    int64_t parent, int64_t ts)
{
	struct cprof__tm *tm = l->tm;
	int64_t n = id ? strtoll(id, NULL, 0) : 0;

	if (strcmp(ph, "b") == 0) {
		uint32_t id_name = tm_intern(l, name);

		tm->task_list = tm_grow(tm->task_list, &l->cap_task_list,
					tm->n_task_list + 1,
					sizeof(*tm->task_list));
		tm->task_list[tm->n_task_list] = (struct cprof__tm_task){
			n, parent, id_name, (uint32_t)(t - tm->threads), ts,
			INT64_MIN};
		l->tasks = tm_grow(l->tasks, &l->cap_tasks, l->n_tasks + 1,
				   sizeof(*l->tasks));
		l->tasks[l->n_tasks++] = (struct tm_task){
			n, tm->task_list[tm->n_task_list].name, true, ts,
			tm->n_task_list};
		tm->n_task_list++;
		return;
	}
	for (size_t i = l->n_tasks; i-- > 0;) {
		if (l->tasks[i].id == n && l->tasks[i].open) {
			tm_span_add(&tm->tasks, &tm->n_tasks,
				    tm->strs[l->tasks[i].name],
				    ts - l->tasks[i].ts);
			tm->task_list[l->tasks[i].run].end_ns = ts;
			l->tasks[i].open = false;
			return;
		}
	}
}

static void tm_mark(struct tm_loader *l, const struct cprof__tm_thread *t,
		    enum cprof__tm_mark_kind kind, int64_t ts,
		    const char *text, const char *detail, int64_t value)
{
	struct cprof__tm *tm = l->tm;

	tm->marks = tm_grow(tm->marks, &l->cap_marks, tm->n_marks + 1,
			    sizeof(*tm->marks));
	tm->marks[tm->n_marks++] = (struct cprof__tm_mark){
		kind, t ? (uint32_t)(t - tm->threads) : CPROF_TM_NO_THREAD,
		ts, tm_intern(l, text), tm_intern(l, detail), value};
}

static void tm_region_end(struct tm_loader *l, struct cprof__tm_thread *t,
			  int64_t ts)
{
	struct cprof__tm *tm = l->tm;
	struct tm_thread_state *st = tm_state(l, t);
	const struct tm_open_region *o;

	if (st->depth == 0 || --st->depth >= TM_MAX_DEPTH)
		return;
	o = &st->open[st->depth];
	tm_span_add(&tm->regions, &tm->n_regions, tm->strs[o->name],
		    ts - o->ts);
	tm->region_list = tm_grow(tm->region_list, &l->cap_region_list,
				  tm->n_region_list + 1,
				  sizeof(*tm->region_list));
	tm->region_list[tm->n_region_list++] = (struct cprof__tm_region){
		(uint32_t)(t - tm->threads), o->name, (uint32_t)st->depth,
		o->task, o->ts, ts};
}

static void tm_region(struct tm_loader *l, struct cprof__tm_thread *t,
		      bool begin, const char *name, int64_t task, int64_t ts)
{
	struct tm_thread_state *st = tm_state(l, t);

	if (!begin) {
		tm_region_end(l, t, ts);
		return;
	}
	if (st->depth < TM_MAX_DEPTH)
		st->open[st->depth] = (struct tm_open_region){
			tm_intern(l, name), ts, task};
	st->depth++;
}

/* An args number, 0 when absent. */
static int64_t tm_arg(struct json_object *args, const char *key)
{
	double v;

	return args != NULL && tm_num(args, key, &v) ? (int64_t)v : 0;
}

static bool tm_is(const char *s, const char *want)
{
	return s != NULL && strcmp(s, want) == 0;
}

/* An instant: a CPU sample, a thread's start or exit, a log, a drop. */
static int tm_instant(struct tm_loader *l, struct cprof__tm_thread *t,
		      struct json_object *ev, struct json_object *args,
		      int64_t ts)
{
	const char *name = tm_str(ev, "name"), *cat = tm_str(ev, "cat");

	if (tm_is(cat, "cpu")) {
		int64_t periods = tm_arg(args, "periods");
		int64_t ns = (periods <= 0 ? 1 : periods > TM_MAX_PERIODS
			      ? TM_MAX_PERIODS : periods) * l->tm->cpu_period_ns;

		t->cpu_ns = tm_sum(t->cpu_ns, ns);
		return tm_stacked(l, ev, -1, ns, t, ts);
	}
	if (tm_is(cat, "thread") && tm_is(name, "thread start")) {
		t->begin_ns = ts;
		t->started = true;
	} else if (tm_is(cat, "thread") && tm_is(name, "thread exit")) {
		t->end_ns = ts;
		t->exited = true;
	} else if (tm_is(cat, "log")) {
		tm_mark(l, t, CPROF_TM_MARK_LOG, ts, name,
			args ? tm_str(args, "message") : NULL,
			tm_arg(args, "task"));
	} else if (tm_is(cat, "cprof")) {
		tm_mark(l, t, CPROF_TM_MARK_DROP, ts, name, NULL,
			tm_arg(args, "count"));
	}
	return 0;
}

static int tm_event(struct tm_loader *l, struct json_object *ev, size_t i)
{
	const char *ph = tm_str(ev, "ph"), *name = tm_str(ev, "name");
	const char *cat = tm_str(ev, "cat");
	struct cprof__tm_thread *t;
	double tid, ts = 0, v;
	struct json_object *args = NULL;

	if (ph == NULL || !tm_num(ev, "tid", &tid) ||
	    (strcmp(ph, "M") != 0 && !tm_num(ev, "ts", &ts))) {
		cprof__cli_error("%s: event %zu lacks ph, tid or ts (numbers "
				 "up to 2^53)", l->path, i);
		return -1;
	}
	json_object_object_get_ex(ev, "args", &args);
	if (tid == 0) { /* process-wide: metadata, the store's drops */
		if (tm_is(ph, "i") && tm_is(cat, "cprof"))
			tm_mark(l, NULL, CPROF_TM_MARK_DROP, tm_ns(ts), name,
				NULL, tm_arg(args, "count"));
		return 0;
	}
	t = tm_thread(l, (int64_t)tid);
	if (strcmp(ph, "M") == 0) {
		const char *n = args ? tm_str(args, "name") : NULL;

		if (tm_is(name, "thread_name") && n != NULL) {
			free(t->name);
			t->name = strdup(n);
		}
	} else if (strcmp(ph, "X") == 0 && tm_wait_kind(cat) >= 0) {
		int k = tm_wait_kind(cat);
		int64_t dur = tm_num(ev, "dur", &v) && v > 0 ? tm_ns(v) : 0;

		t->wait_ns[k] = tm_sum(t->wait_ns[k], dur);
		return tm_stacked(l, ev, k, dur, t, tm_ns(ts));
	} else if (strcmp(ph, "i") == 0) {
		return tm_instant(l, t, ev, args, tm_ns(ts));
	} else if ((strcmp(ph, "B") == 0 || strcmp(ph, "E") == 0) &&
		   tm_is(cat, "region")) {
		tm_region(l, t, ph[0] == 'B', name ? name : "",
			  tm_arg(args, "task"), tm_ns(ts));
	} else if ((strcmp(ph, "b") == 0 || strcmp(ph, "e") == 0) &&
		   tm_is(cat, "task")) {
		tm_task(l, t, ph, tm_str(ev, "id"), name ? name : "task",
			tm_arg(args, "parent"), tm_ns(ts));
	}
	return 0;
}

static void tm_other_data(struct cprof__tm *tm, struct json_object *root)
{
	struct json_object *od;
	const char *mode;
	double v;

	tm->cpu_period_ns = 10000000;
	if (!json_object_object_get_ex(root, "otherData", &od))
		return;
	if (tm_num(od, "duration_ns", &v) && v > 0)
		tm->duration_ns = (int64_t)v;
	if (tm_num(od, "cpu_period_ns", &v) && v >= 1)
		tm->cpu_period_ns = v > (double)TM_MAX_PERIOD_NS
					    ? TM_MAX_PERIOD_NS : (int64_t)v;
	if (tm_num(od, "dropped_events", &v) && v > 0)
		tm->dropped = (uint64_t)v;
	mode = tm_str(od, "mode");
	if (mode != NULL)
		tm->mode = strdup(mode);
}

/* Threads alive for the whole trace get its bounds; pointers into the pool
 * are fixed now that it no longer moves. */
static void tm_finish(struct cprof__tm *tm)
{
	for (size_t i = 0; i < tm->n_threads; i++) {
		struct cprof__tm_thread *t = &tm->threads[i];

		if (t->begin_ns == INT64_MIN)
			t->begin_ns = 0;
		if (t->end_ns == INT64_MAX)
			t->end_ns = tm->duration_ns;
		if (t->name == NULL) {
			char n[32];

			snprintf(n, sizeof(n), "thread %lld", (long long)t->tid);
			t->name = strdup(n);
		}
	}
	for (size_t i = 0; i < tm->n_stacked && tm->stack_pool != NULL; i++)
		tm->stacked[i].frames =
			tm->stack_pool + (uintptr_t)tm->stacked[i].frames;
	for (size_t i = 0; i < tm->n_task_list; i++)
		if (tm->task_list[i].end_ns == INT64_MIN)
			tm->task_list[i].end_ns = tm->duration_ns;
	if (tm->mode == NULL)
		tm->mode = strdup("?");
}

/* The text, its length, a tokener, and where the events' array starts. */
struct tm_text {
	const char *s;
	size_t len;
	struct json_tokener *tok;
	size_t events;       /* offset of traceEvents' '[', or SIZE_MAX */
};

static size_t tm_ws(const struct tm_text *x, size_t p)
{
	while (p < x->len && (x->s[p] == ' ' || x->s[p] == '\n' ||
			      x->s[p] == '\r' || x->s[p] == '\t'))
		p++;
	return p;
}

static int tm_bad(const struct tm_loader *l, const char *why, size_t at)
{
	cprof__cli_error("%s: not JSON: %s at byte %zu", l->path, why, at);
	return -1;
}

/* Parses the JSON value at *p into *out (NULL for null) and moves *p past
 * it. Returns 0, or -1 after printing one line. */
static int tm_value(const struct tm_loader *l, struct tm_text *x, size_t *p,
		    struct json_object **out)
{
	size_t left = x->len - *p;
	enum json_tokener_error e;

	json_tokener_reset(x->tok);
	*out = json_tokener_parse_ex(x->tok, x->s + *p,
				     (int)(left > INT32_MAX ? INT32_MAX : left));
	e = json_tokener_get_error(x->tok);
	if (e != json_tokener_success)
		return tm_bad(l, e == json_tokener_continue
				 ? "the text ends too early"
				 : json_tokener_error_desc(e),
			      *p + json_tokener_get_parse_end(x->tok));
	*p += json_tokener_get_parse_end(x->tok);
	return 0;
}

/* Moves *p past the array or object at *p without parsing it (the events
 * are parsed later, one at a time). */
static int tm_skip(const struct tm_loader *l, const struct tm_text *x,
		   size_t *p)
{
	size_t depth = 0;
	bool in_str = false;

	for (size_t i = *p; i < x->len; i++) {
		char c = x->s[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '[' || c == '{') {
			depth++;
		} else if ((c == ']' || c == '}') && --depth == 0) {
			*p = i + 1;
			return 0;
		}
	}
	return tm_bad(l, "the text ends too early", x->len);
}

/* The top level: an object whose members but traceEvents go into meta, or
 * a bare array of events (the format allows both). */
static int tm_top(const struct tm_loader *l, struct tm_text *x,
		  struct json_object *meta)
{
	size_t p = tm_ws(x, 0);

	if (p < x->len && x->s[p] == '[') {
		x->events = p;
		return tm_skip(l, x, &p) != 0 ? -1 :
		       tm_ws(x, p) < x->len ? tm_bad(l, "text after the end",
						     tm_ws(x, p)) : 0;
	}
	if (p >= x->len || x->s[p] != '{')
		return tm_bad(l, p >= x->len ? "the text ends too early"
					     : "not an object or array", p);
	for (p = tm_ws(x, p + 1); p < x->len && x->s[p] != '}';) {
		struct json_object *key = NULL, *val = NULL;
		const char *k;

		if (x->s[p] != '"')
			return tm_bad(l, "a member without a name", p);
		if (tm_value(l, x, &p, &key) != 0)
			return -1;
		k = json_object_get_string(key);
		p = tm_ws(x, p);
		if (p >= x->len || x->s[p] != ':') {
			json_object_put(key);
			return tm_bad(l, "':' expected", p);
		}
		p = tm_ws(x, p + 1);
		if (strcmp(k, "traceEvents") == 0 && p < x->len &&
		    x->s[p] == '[' && x->events == SIZE_MAX) {
			x->events = p;
			if (tm_skip(l, x, &p) != 0) {
				json_object_put(key);
				return -1;
			}
		} else if (tm_value(l, x, &p, &val) != 0) {
			json_object_put(key);
			return -1;
		} else {
			json_object_object_add(meta, k, val);
		}
		json_object_put(key);
		p = tm_ws(x, p);
		if (p < x->len && x->s[p] == ',')
			p = tm_ws(x, p + 1);
		else if (p < x->len && x->s[p] != '}')
			return tm_bad(l, "',' or '}' expected", p);
	}
	if (p >= x->len)
		return tm_bad(l, "the text ends too early", p);
	p = tm_ws(x, p + 1);
	return p < x->len ? tm_bad(l, "text after the end", p) : 0;
}

/* The events, parsed and used one at a time. */
static int tm_events(struct tm_loader *l, struct tm_text *x)
{
	size_t p = tm_ws(x, x->events + 1);

	for (size_t i = 0; p < x->len && x->s[p] != ']'; i++) {
		struct json_object *ev;
		double ts;
		int rc;

		if (tm_value(l, x, &p, &ev) != 0)
			return -1;
		if (!json_object_is_type(ev, json_type_object)) {
			json_object_put(ev);
			cprof__cli_error("%s: event %zu is not an object",
					 l->path, i);
			return -1;
		}
		rc = tm_event(l, ev, i);
		if (rc == 0 && tm_num(ev, "ts", &ts) &&
		    tm_ns(ts) > l->tm->duration_ns)
			l->tm->duration_ns = tm_ns(ts);
		json_object_put(ev);
		if (rc != 0)
			return -1;
		p = tm_ws(x, p);
		if (p < x->len && x->s[p] == ',')
			p = tm_ws(x, p + 1);
		else if (p < x->len && x->s[p] != ']')
			return tm_bad(l, "',' or ']' expected", p);
	}
	return 0;
}

static int tm_walk(struct tm_loader *l, struct tm_text *x)
{
	struct json_object *meta = json_object_new_object();
	int rc = -1;

	if (meta == NULL) {
		cprof__cli_error("out of memory");
		return -1;
	}
	if (tm_top(l, x, meta) != 0)
		goto out;
	tm_other_data(l->tm, meta);
	if (x->events == SIZE_MAX) {
		cprof__cli_error("%s: %s", l->path,
				 json_object_object_get_ex(meta, "traceEvents",
							   NULL)
					 ? "traceEvents is not an array"
					 : "no traceEvents");
		goto out;
	}
	if (tm_frames(l, meta) != 0 || tm_events(l, x) != 0)
		goto out;
	/* regions still open (another tool's file: cprof closes them) end
	 * with the trace */
	for (size_t i = 0; i < l->tm->n_threads; i++)
		while (l->states[i].depth > 0)
			tm_region_end(l, &l->tm->threads[i],
				      l->tm->duration_ns);
	tm_finish(l->tm);
	rc = 0;
out:
	/* frame keys point into meta's keys: done with them now */
	json_object_put(meta);
	return rc;
}

int cprof__tm_load(struct cprof__tm *tm, const char *path)
{
	struct tm_loader l;
	struct cprof__buf text;
	struct tm_text x = {NULL, 0, NULL, SIZE_MAX};
	int rc = -1;

	memset(tm, 0, sizeof(*tm));
	memset(&l, 0, sizeof(l));
	l.tm = tm;
	l.path = path;
	tm_intern(&l, ""); /* strs[0] */
	cprof__buf_init(&text, TM_MAX_BYTES);
	if (tm_read(path, &text) != 0)
		goto out;
	x.s = text.data ? text.data : "";
	x.len = text.len;
	x.tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH);
	if (x.tok == NULL)
		cprof__cli_error("out of memory");
	else
		rc = tm_walk(&l, &x);
	if (x.tok != NULL)
		json_tokener_free(x.tok);
out:
	free(l.frame_keys);
	free(l.key_order);
	free(l.states);
	free(l.tasks);
	free(l.str_slots);
	cprof__buf_fini(&text);
	if (rc != 0)
		cprof__tm_fini(tm); /* what a refused file left */
	return rc;
}

void cprof__tm_fini(struct cprof__tm *tm)
{
	for (size_t i = 0; i < tm->n_threads; i++)
		free(tm->threads[i].name);
	for (size_t i = 0; i < tm->n_regions; i++) {
		free(tm->regions[i].name);
		free(tm->regions[i].ns);
	}
	for (size_t i = 0; i < tm->n_tasks; i++) {
		free(tm->tasks[i].name);
		free(tm->tasks[i].ns);
	}
	for (size_t i = 0; i < tm->n_frames; i++)
		free(tm->frame_names[i]);
	free(tm->threads);
	free(tm->regions);
	free(tm->tasks);
	free(tm->stacked);
	free(tm->frame_names);
	free(tm->frame_parent);
	free(tm->stack_pool);
	for (size_t i = 0; i < tm->n_strs; i++)
		free(tm->strs[i]);
	free(tm->strs);
	free(tm->region_list);
	free(tm->task_list);
	free(tm->marks);
	free(tm->mode);
	memset(tm, 0, sizeof(*tm));
}
