/*
 * timeline.c - the data of the timeline page (timeline.h), written into
 * the embedded page by page.c.
 *
 * The page gets the model, not the trace's JSON again: per thread (sorted
 * by tid) flat arrays of numbers, a fixed count per event (the stride),
 * each time a delta from the previous event of its kind on the thread, so
 * that a trace of 600 000 events is mostly short runs of digits (about a
 * fifth of the trace file: PERFORMANCE.md). Names and texts are indexes
 * into one string table; a stack is its leaf's index into the frame tree
 * (the trace's stackFrames), plus one, 0 for none. The page's header
 * comment documents the layout; this file and the page change together.
 */
#include "cli/timeline.h"

#include <stdlib.h>
#include <string.h>

#include "cli/page.h"
#include "cli/timeline_html.h"

/* Events of one kind grouped by thread: idx[off[t] .. off[t + 1]) are the
 * events of thread t, in their order in the model. */
struct tl_group {
	size_t *off;
	size_t *idx;
};

struct tl_data {
	const struct cprof__tm *tm;
	const char *title;
	size_t *order;            /* thread indexes by tid */
	struct tl_group stacked, regions, marks;
};

static const struct cprof__tm *tl_sort_tm;

static int tl_tid_cmp(const void *a, const void *b)
{
	int64_t x = tl_sort_tm->threads[*(const size_t *)a].tid;
	int64_t y = tl_sort_tm->threads[*(const size_t *)b].tid;

	return x < y ? -1 : x > y;
}

static int tl_region_cmp(const void *a, const void *b)
{
	const struct cprof__tm_region *x =
		&tl_sort_tm->region_list[*(const size_t *)a];
	const struct cprof__tm_region *y =
		&tl_sort_tm->region_list[*(const size_t *)b];

	if (x->begin_ns != y->begin_ns)
		return x->begin_ns < y->begin_ns ? -1 : 1;
	return x->depth < y->depth ? -1 : x->depth > y->depth;
}

/* Groups n events by thread (a counting sort, stable). thread_of(i) is
 * event i's thread; events of no thread are left out. */
static int tl_group(struct tl_group *g, size_t n_threads, size_t n,
		    uint32_t (*thread_of)(const struct cprof__tm *, size_t),
		    const struct cprof__tm *tm)
{
	size_t *fill;

	g->off = calloc(n_threads + 2, sizeof(*g->off));
	g->idx = malloc((n + 1) * sizeof(*g->idx));
	fill = calloc(n_threads + 1, sizeof(*fill));
	if (!g->off || !g->idx || !fill) {
		free(fill);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t t = thread_of(tm, i);

		if (t < n_threads)
			g->off[t + 1]++;
	}
	for (size_t t = 0; t < n_threads; t++)
		g->off[t + 1] += g->off[t];
	for (size_t i = 0; i < n; i++) {
		uint32_t t = thread_of(tm, i);

		if (t < n_threads)
			g->idx[g->off[t] + fill[t]++] = i;
	}
	free(fill);
	return 0;
}

static uint32_t tl_stacked_thread(const struct cprof__tm *tm, size_t i)
{
	return tm->stacked[i].thread;
}

static uint32_t tl_region_thread(const struct cprof__tm *tm, size_t i)
{
	return tm->region_list[i].thread;
}

static uint32_t tl_mark_thread(const struct cprof__tm *tm, size_t i)
{
	return tm->marks[i].thread;
}

static int64_t tl_stack(const struct cprof__tm_stacked *s)
{
	return s->depth > 0 ? (int64_t)s->frames[0] + 1 : 0;
}

/* "key":[ ... ] of one thread's waits (wait = true) or samples. */
static void tl_stacked(struct cprof__page_out *o, const struct tl_data *d,
		       size_t t, bool wait)
{
	const struct tl_group *g = &d->stacked;
	int64_t prev = 0;
	bool first = true;

	cprof__page_puts(o, wait ? ",\n\"w\":[" : ",\n\"s\":[");
	for (size_t j = g->off[t]; j < g->off[t + 1]; j++) {
		const struct cprof__tm_stacked *s = &d->tm->stacked[g->idx[j]];

		if ((s->kind >= 0) != wait)
			continue;
		if (!first)
			cprof__page_write(o, ",", 1);
		first = false;
		cprof__page_int(o, s->ts_ns - prev, ',');
		prev = s->ts_ns;
		if (wait) {
			cprof__page_int(o, s->value, ',');
			cprof__page_int(o, s->kind, ',');
			cprof__page_int(o, s->name, ',');
			cprof__page_int(o, tl_stack(s), 0);
		} else {
			cprof__page_int(o, tl_stack(s), ',');
			cprof__page_int(o, s->value / d->tm->cpu_period_ns, 0);
		}
	}
	cprof__page_write(o, "]", 1);
}

static void tl_regions(struct cprof__page_out *o, const struct tl_data *d,
		       size_t t)
{
	const struct tl_group *g = &d->regions;
	int64_t prev = 0;

	cprof__page_puts(o, ",\n\"r\":[");
	for (size_t j = g->off[t]; j < g->off[t + 1]; j++) {
		const struct cprof__tm_region *r =
			&d->tm->region_list[g->idx[j]];

		if (j > g->off[t])
			cprof__page_write(o, ",", 1);
		cprof__page_int(o, r->begin_ns - prev, ',');
		prev = r->begin_ns;
		cprof__page_int(o, r->end_ns - r->begin_ns, ',');
		cprof__page_int(o, r->depth, ',');
		cprof__page_int(o, r->name, ',');
		cprof__page_int(o, r->task, 0);
	}
	cprof__page_write(o, "]", 1);
}

/* Marks of thread t ([ts delta, kind, text, detail, value]...), or the
 * process-wide ones (t = n_threads: every mark of no thread). */
static void tl_marks(struct cprof__page_out *o, const struct tl_data *d,
		     size_t t)
{
	const struct cprof__tm *tm = d->tm;
	int64_t prev = 0;
	bool first = true;
	size_t lo = 0, hi = tm->n_marks;

	if (t < tm->n_threads) {
		lo = d->marks.off[t];
		hi = d->marks.off[t + 1];
	}
	for (size_t j = lo; j < hi; j++) {
		const struct cprof__tm_mark *m =
			&tm->marks[t < tm->n_threads ? d->marks.idx[j] : j];

		if (t == tm->n_threads && m->thread != CPROF_TM_NO_THREAD)
			continue;
		if (!first)
			cprof__page_write(o, ",", 1);
		first = false;
		cprof__page_int(o, m->ts_ns - prev, ',');
		prev = m->ts_ns;
		cprof__page_int(o, (int64_t)m->kind, ',');
		cprof__page_int(o, m->text, ',');
		cprof__page_int(o, m->detail, ',');
		cprof__page_int(o, m->value, 0);
	}
}

static void tl_thread(struct cprof__page_out *o, const struct tl_data *d,
		      size_t t)
{
	const struct cprof__tm_thread *th = &d->tm->threads[t];

	cprof__page_puts(o, "{\"tid\":");
	cprof__page_int(o, th->tid, ',');
	cprof__page_puts(o, "\"name\":");
	cprof__page_str(o, th->name, strlen(th->name));
	cprof__page_puts(o, ",\"begin\":");
	cprof__page_int(o, th->begin_ns, ',');
	cprof__page_puts(o, "\"end\":");
	cprof__page_int(o, th->end_ns, ',');
	cprof__page_puts(o, "\"started\":");
	cprof__page_int(o, th->started, ',');
	cprof__page_puts(o, "\"exited\":");
	cprof__page_int(o, th->exited, 0);
	tl_stacked(o, d, t, true);
	tl_stacked(o, d, t, false);
	tl_regions(o, d, t);
	cprof__page_puts(o, ",\n\"m\":[");
	tl_marks(o, d, t);
	cprof__page_puts(o, "]}");
}

static void tl_tasks(struct cprof__page_out *o, const struct cprof__tm *tm)
{
	int64_t prev = 0;

	cprof__page_puts(o, ",\n\"tasks\":[");
	for (size_t i = 0; i < tm->n_task_list; i++) {
		const struct cprof__tm_task *k = &tm->task_list[i];

		if (i)
			cprof__page_write(o, ",", 1);
		cprof__page_int(o, k->begin_ns - prev, ',');
		prev = k->begin_ns;
		cprof__page_int(o, k->end_ns - k->begin_ns, ',');
		cprof__page_int(o, k->id, ',');
		cprof__page_int(o, k->parent, ',');
		cprof__page_int(o, k->name, ',');
		cprof__page_int(o, tm->threads[k->thread].tid, 0);
	}
	cprof__page_write(o, "]", 1);
}

static void tl_fill(struct cprof__page_out *o, void *arg)
{
	const struct tl_data *d = arg;
	const struct cprof__tm *tm = d->tm;

	cprof__page_puts(o, "{\"title\":");
	cprof__page_str(o, d->title, strlen(d->title));
	cprof__page_puts(o, ",\"mode\":");
	cprof__page_str(o, tm->mode, strlen(tm->mode));
	cprof__page_puts(o, ",\"duration\":");
	cprof__page_int(o, tm->duration_ns, ',');
	cprof__page_puts(o, "\"cpuPeriod\":");
	cprof__page_int(o, tm->cpu_period_ns, ',');
	cprof__page_puts(o, "\"dropped\":");
	cprof__page_int(o, (int64_t)tm->dropped, ',');
	cprof__page_puts(o, "\n\"strs\":[");
	for (size_t i = 0; i < tm->n_strs; i++) {
		if (i)
			cprof__page_write(o, ",", 1);
		cprof__page_str(o, tm->strs[i], strlen(tm->strs[i]));
	}
	cprof__page_puts(o, "],\n\"frames\":[");
	for (size_t i = 0; i < tm->n_frames; i++) {
		if (i)
			cprof__page_write(o, ",", 1);
		cprof__page_str(o, tm->frame_names[i],
				strlen(tm->frame_names[i]));
	}
	cprof__page_puts(o, "],\n\"parents\":[");
	for (size_t i = 0; i < tm->n_frames; i++)
		cprof__page_int(o, tm->frame_parent[i],
				i + 1 < tm->n_frames ? ',' : 0);
	cprof__page_puts(o, "],\n\"threads\":[");
	for (size_t i = 0; i < tm->n_threads; i++) {
		if (i)
			cprof__page_write(o, ",", 1);
		tl_thread(o, d, d->order[i]);
	}
	cprof__page_write(o, "]", 1);
	tl_tasks(o, tm);
	cprof__page_puts(o, ",\n\"marks\":[");
	tl_marks(o, d, tm->n_threads);
	cprof__page_puts(o, "]}");
}

static void tl_group_free(struct tl_group *g)
{
	free(g->off);
	free(g->idx);
}

int cprof__timeline_write(const struct cprof__tm *tm, const char *title,
			  FILE *f)
{
	struct tl_data d = {tm, title, NULL, {0}, {0}, {0}};
	int rc = -1;

	d.order = malloc((tm->n_threads + 1) * sizeof(*d.order));
	if (d.order == NULL ||
	    tl_group(&d.stacked, tm->n_threads, tm->n_stacked,
		     tl_stacked_thread, tm) != 0 ||
	    tl_group(&d.regions, tm->n_threads, tm->n_region_list,
		     tl_region_thread, tm) != 0 ||
	    tl_group(&d.marks, tm->n_threads, tm->n_marks, tl_mark_thread,
		     tm) != 0)
		goto out_free;
	for (size_t i = 0; i < tm->n_threads; i++)
		d.order[i] = i;
	tl_sort_tm = tm;
	qsort(d.order, tm->n_threads, sizeof(*d.order), tl_tid_cmp);
	for (size_t t = 0; t < tm->n_threads; t++)
		qsort(d.regions.idx + d.regions.off[t],
		      d.regions.off[t + 1] - d.regions.off[t],
		      sizeof(size_t), tl_region_cmp);
	rc = cprof__page_emit(cprof__timeline_html, cprof__timeline_html_len,
			      f, tl_fill, &d);
out_free:
	free(d.order);
	tl_group_free(&d.stacked);
	tl_group_free(&d.regions);
	tl_group_free(&d.marks);
	return rc;
}
