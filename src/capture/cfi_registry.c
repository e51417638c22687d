/*
 * cfi_registry.c - builds, publishes and retires the snapshots of unwind
 * tables (see cfi_registry.h).
 *
 * Ordinary threads only; one mutex serialises refreshes. A refresh lists the
 * loaded objects with dl_iterate_phdr (copying only their headers, so the
 * loader lock is held for microseconds), pins each library with
 * dlopen(RTLD_NOLOAD) so a concurrent dlclose cannot unmap it while we parse
 * it, builds tables for the objects it has not seen, and publishes a new
 * snapshot with one atomic store. The superseded snapshot, and the tables
 * of objects that went away, are freed after a grace period: each walker
 * counts itself in one of two reader counters chosen by the epoch, and the
 * writer flips the epoch and waits for each counter to drain once.
 */
#include "capture/cfi_registry.h"

#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <time.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/log.h"
#include "capture/cfi_walk.h"
#include "cprof.h"

/* Longest a refresh waits for walkers to leave an old snapshot before it
 * leaves the snapshot for a later refresh to free (a walk takes ~1 us). */
#define CFI_REGISTRY_GRACE_POLLS 2000
#define CFI_REGISTRY_GRACE_POLL_NS 50000
/* Superseded snapshots kept while walkers linger; beyond it they leak
 * (counted), which is safe: it only costs memory. */
#define CFI_REGISTRY_MAX_RETIRED 64
/* Refresh requests a lock holder serves before it lets go. */
#define CFI_REGISTRY_MAX_ROUNDS 8

struct cprof__cfi_shared cprof__cfi_shared;

/* One loaded object as dl_iterate_phdr showed it, with its table once
 * built. The key is (name, bias, text range, header address). */
struct cfi_registry_obj {
	char *name;
	uintptr_t bias, lo, hi;
	struct cprof__cfi_image img; /* img.eh_frame_hdr 0: none */
	struct cprof__cfi_table *table;
};

struct cfi_registry_list {
	struct cfi_registry_obj *v;
	uint32_t n, cap;
	uint32_t dropped;
};

/* A superseded snapshot and the tables only it used. */
struct cfi_registry_retired {
	const struct cprof__cfi_snapshot *snap;
	struct cprof__cfi_table **tables;
	uint32_t ntables;
};

/* cfi_registry_lock protects everything below it. */
static pthread_mutex_t cfi_registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cfi_registry_list cfi_registry_live;
static struct cfi_registry_retired cfi_registry_retired[CFI_REGISTRY_MAX_RETIRED];
static uint32_t cfi_registry_nretired;
static uint64_t cfi_registry_gen;
static unsigned long long cfi_registry_adds, cfi_registry_subs;
static bool cfi_registry_ready;
static struct cprof__cfi_registry_stats cfi_registry_st;
static void *(*cfi_registry_dlopen)(const char *, int);
/* Set by every refresh request; served by whoever holds the lock. */
static _Atomic int cfi_registry_pending;
/* True while a thread holds cfi_registry_lock (for the fork child). */
static _Atomic bool cfi_registry_busy;
static int (*cfi_registry_dlclose)(void *);

/* ---- listing the loaded objects ------------------------------------------ */

static void cfi_registry_obj_clear(struct cfi_registry_obj *o)
{
	cprof__free(o->name);
	o->name = NULL;
	cprof__cfi_table_free(o->table);
	o->table = NULL;
}

static void cfi_registry_list_free(struct cfi_registry_list *l)
{
	for (uint32_t i = 0; i < l->n; i++)
		cfi_registry_obj_clear(&l->v[i]);
	cprof__unmap(l->v, l->cap * sizeof(l->v[0]));
	memset(l, 0, sizeof(*l));
}

static struct cfi_registry_obj *
cfi_registry_list_add(struct cfi_registry_list *l)
{
	if (l->n == l->cap) {
		uint32_t cap = l->cap ? l->cap * 2 : 64;
		struct cfi_registry_obj *v;

		if (l->cap >= CPROF_CFI_MAX_OBJECTS)
			return NULL;
		/* mapped, not malloc'd: see cfi_table.c on glibc's threshold */
		v = cprof__map(cap * sizeof(*v));
		if (v == NULL)
			return NULL;
		if (l->n > 0)
			memcpy(v, l->v, l->n * sizeof(*v));
		cprof__unmap(l->v, l->cap * sizeof(*v));
		l->v = v;
		l->cap = cap;
	}
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	return &l->v[l->n++];
}

/* Copies what the builder needs from the program headers. */
static void cfi_registry_describe(const struct dl_phdr_info *info,
				  struct cfi_registry_obj *o)
{
	o->bias = info->dlpi_addr;
	o->lo = UINTPTR_MAX;
	o->img.bias = info->dlpi_addr;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t a = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_GNU_EH_FRAME) {
			o->img.eh_frame_hdr = a;
		} else if (ph->p_type == PT_LOAD) {
			if (ph->p_flags & PF_X) {
				if (a < o->lo)
					o->lo = a;
				if (a + ph->p_memsz > o->hi)
					o->hi = a + ph->p_memsz;
			}
			if ((ph->p_flags & PF_R) &&
			    o->img.nseg < CPROF_CFI_MAX_SEGMENTS) {
				o->img.seg[o->img.nseg].lo = a;
				o->img.seg[o->img.nseg].hi = a + ph->p_filesz;
				o->img.nseg++;
			}
		}
	}
	o->img.text_lo = o->lo;
	o->img.text_hi = o->hi;
}

struct cfi_registry_scan {
	struct cfi_registry_list *list;
	bool check_only; /* stop at the first object if nothing changed */
	bool changed;
	int err;
};

static int cfi_registry_scan_one(struct dl_phdr_info *info, size_t size,
				 void *arg)
{
	struct cfi_registry_scan *sc = arg;
	struct cfi_registry_obj *o;

	if (sc->check_only) {
		sc->changed = info->dlpi_adds != cfi_registry_adds ||
			      info->dlpi_subs != cfi_registry_subs;
		cfi_registry_adds = info->dlpi_adds;
		cfi_registry_subs = info->dlpi_subs;
		return 1;
	}
	o = cfi_registry_list_add(sc->list);
	if (o == NULL) {
		sc->list->dropped++;
		return 0;
	}
	o->name = cprof__strdup(info->dlpi_name ? info->dlpi_name : "");
	if (o->name == NULL) {
		sc->list->n--;
		sc->err = CPROF_ENOMEM;
		return 1;
	}
	cfi_registry_describe(info, o);
	if (o->lo >= o->hi) { /* nothing executable */
		cfi_registry_obj_clear(o);
		sc->list->n--;
	}
	return 0;
}

/* ---- building --------------------------------------------------------------- */

static bool cfi_registry_same(const struct cfi_registry_obj *a,
			      const struct cfi_registry_obj *b)
{
	return a->bias == b->bias && a->lo == b->lo && a->hi == b->hi &&
	       a->img.eh_frame_hdr == b->img.eh_frame_hdr &&
	       strcmp(a->name, b->name) == 0;
}

/* The main program, the vDSO and the dynamic linker are never unloaded;
 * any other object is pinned while we read it. Returns the handle to
 * release, NULL when none is needed, or (void *)-1 when the object is
 * gone (or another object now sits at its address). */
static void *cfi_registry_pin(const struct cfi_registry_obj *o)
{
	struct link_map *lm = NULL;
	void *h;

	if (o->name[0] == '\0' || o->bias == getauxval(AT_SYSINFO_EHDR) ||
	    cfi_registry_dlopen == NULL)
		return NULL;
	h = cfi_registry_dlopen(o->name, RTLD_LAZY | RTLD_NOLOAD);
	if (h == NULL) {
		(void)dlerror(); /* leave the host's dlerror state as it was */
		return (void *)-1;
	}
	if (dlinfo(h, RTLD_DI_LINKMAP, &lm) != 0 || lm == NULL ||
	    lm->l_addr != o->bias) {
		(void)dlerror();
		cfi_registry_dlclose(h);
		return (void *)-1;
	}
	return h;
}

/* Gives o a table: reused from the live list, else built. */
static int cfi_registry_table_for(struct cfi_registry_obj *o)
{
	void *pin;
	int err;

	for (uint32_t i = 0; i < cfi_registry_live.n; i++) {
		struct cfi_registry_obj *old = &cfi_registry_live.v[i];

		if (old->table != NULL && cfi_registry_same(old, o)) {
			o->table = old->table;
			old->table = NULL; /* moved */
			return 0;
		}
	}
	if (o->img.eh_frame_hdr == 0)
		return cprof__cfi_table_empty(&o->table);
	pin = cfi_registry_pin(o);
	if (pin == (void *)-1)
		return CPROF_EINVAL;
	err = cprof__cfi_table_build(&o->img, &o->table);
	if (pin != NULL)
		cfi_registry_dlclose(pin);
	if (err == CPROF_EINVAL) /* unusable header: FP steps only */
		err = cprof__cfi_table_empty(&o->table);
	if (err != 0)
		cprof__debug("cfi: no unwind table for %s (%d)",
			     o->name[0] ? o->name : "(main)", err);
	return err;
}

static int cfi_registry_cmp(const void *a, const void *b)
{
	const struct cprof__cfi_object *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

static const struct cprof__cfi_snapshot *
cfi_registry_snapshot(const struct cfi_registry_list *l)
{
	size_t size = sizeof(struct cprof__cfi_snapshot) +
		      (size_t)l->n * sizeof(struct cprof__cfi_object);
	struct cprof__cfi_snapshot *s = cprof__map(size);
	uint32_t n = 0;

	if (s == NULL)
		return NULL;
	for (uint32_t i = 0; i < l->n; i++) {
		if (l->v[i].table == NULL)
			continue;
		s->objects[n].lo = l->v[i].lo;
		s->objects[n].hi = l->v[i].hi;
		s->objects[n].bias = l->v[i].bias;
		s->objects[n].table = l->v[i].table;
		n++;
	}
	qsort(s->objects, n, sizeof(s->objects[0]), cfi_registry_cmp);
	/* Overlaps would break the binary search; they do not happen with
	 * the loader, but clip them rather than trust it. */
	for (uint32_t i = 1; i < n; i++)
		if (s->objects[i].lo < s->objects[i - 1].hi)
			s->objects[i - 1].hi = s->objects[i].lo;
	s->nobjects = n;
	s->gen = ++cfi_registry_gen;
	s->map_size = size;
	return s;
}

/* ---- retiring ------------------------------------------------------------ */

static bool cfi_registry_drain(unsigned parity)
{
	struct timespec ts = { 0, CFI_REGISTRY_GRACE_POLL_NS };

	for (int i = 0; i < CFI_REGISTRY_GRACE_POLLS; i++) {
		if (atomic_load_explicit(&cprof__cfi_shared.readers[parity],
					 memory_order_seq_cst) == 0)
			return true;
		nanosleep(&ts, NULL);
	}
	return false;
}

/* Waits until no walker can still hold a snapshot unpublished before this
 * call: each reader counter must be seen at zero once. The epoch flips
 * send new walkers to the other counter, so each drains even under load. */
static bool cfi_registry_grace(void)
{
	for (int i = 0; i < 2; i++) {
		unsigned e = atomic_fetch_add_explicit(&cprof__cfi_shared.epoch, 1,
						       memory_order_seq_cst);

		if (!cfi_registry_drain(e & 1))
			return false;
	}
	return true;
}

static void cfi_registry_free_retired(struct cfi_registry_retired *r)
{
	for (uint32_t i = 0; i < r->ntables; i++)
		cprof__cfi_table_free(r->tables[i]);
	cprof__free(r->tables);
	if (r->snap != NULL)
		cprof__unmap((void *)r->snap, r->snap->map_size);
	memset(r, 0, sizeof(*r));
}

static void cfi_registry_reclaim(void)
{
	if (cfi_registry_nretired == 0 || !cfi_registry_grace())
		return;
	for (uint32_t i = 0; i < cfi_registry_nretired; i++)
		cfi_registry_free_retired(&cfi_registry_retired[i]);
	cfi_registry_nretired = 0;
	/* No walker holds a freed snapshot any more; forget the cache
	 * entries keyed with their generations, so that the generation
	 * counter (CPROF_CFI_GEN_MASK + 1 values) can wrap safely. */
	cprof__cfi_cache_clear();
}

/* Queues old and the tables left in the old live list for freeing. */
static void cfi_registry_retire(const struct cprof__cfi_snapshot *old,
				struct cfi_registry_list *dead)
{
	struct cfi_registry_retired *r;
	uint32_t n = 0;

	if (cfi_registry_nretired == CFI_REGISTRY_MAX_RETIRED) {
		/* walkers never left: leak rather than free under them */
		cprof__debug("cfi: retired snapshots full, leaking one");
		for (uint32_t i = 0; i < dead->n; i++)
			dead->v[i].table = NULL;
		return;
	}
	r = &cfi_registry_retired[cfi_registry_nretired++];
	r->snap = old;
	r->tables = cprof__calloc(dead->n + 1, sizeof(*r->tables));
	for (uint32_t i = 0; i < dead->n; i++) {
		if (dead->v[i].table == NULL)
			continue;
		if (r->tables != NULL)
			r->tables[n++] = dead->v[i].table;
		dead->v[i].table = NULL; /* leaked if tables failed */
	}
	r->ntables = n;
}

/* ---- refresh ------------------------------------------------------------ */

static void cfi_registry_count(const struct cfi_registry_list *l,
			       int64_t t0, int64_t c0)
{
	struct cprof__cfi_registry_stats *st = &cfi_registry_st;

	st->objects = 0;
	st->rows = 0;
	st->table_bytes = 0;
	for (uint32_t i = 0; i < l->n; i++) {
		if (l->v[i].table == NULL)
			continue;
		st->objects++;
		st->rows += l->v[i].table->nrows;
		st->table_bytes += l->v[i].table->map_size;
	}
	st->objects_dropped = l->dropped;
	st->build_ns = (uint64_t)(cprof__now_ns() - t0);
	st->build_cpu_ns =
		(uint64_t)(cprof__clock_ns(CLOCK_THREAD_CPUTIME_ID) - c0);
	st->refreshes++;
}

/* Rebuilds and publishes; the caller holds the lock. */
static int cfi_registry_rebuild(bool force)
{
	struct cfi_registry_scan sc = { 0 };
	struct cfi_registry_list next = { 0 };
	const struct cprof__cfi_snapshot *snap, *old;
	int64_t t0 = cprof__now_ns();
	int64_t c0 = cprof__clock_ns(CLOCK_THREAD_CPUTIME_ID);

	sc.check_only = true;
	dl_iterate_phdr(cfi_registry_scan_one, &sc);
	if (!sc.changed && !force)
		return 0;
	sc.check_only = false;
	sc.list = &next;
	dl_iterate_phdr(cfi_registry_scan_one, &sc);
	if (sc.err != 0) {
		cfi_registry_list_free(&next);
		return sc.err;
	}
	for (uint32_t i = 0; i < next.n; i++)
		(void)cfi_registry_table_for(&next.v[i]);
	snap = cfi_registry_snapshot(&next);
	if (snap == NULL) {
		/* give the reused tables back to the live list's owners */
		for (uint32_t i = 0; i < next.n; i++)
			for (uint32_t k = 0; k < cfi_registry_live.n; k++)
				if (cfi_registry_live.v[k].table == NULL &&
				    cfi_registry_same(&cfi_registry_live.v[k],
						      &next.v[i])) {
					cfi_registry_live.v[k].table =
						next.v[i].table;
					next.v[i].table = NULL;
				}
		cfi_registry_list_free(&next);
		cfi_registry_adds = 0; /* retry next time */
		return CPROF_ENOMEM;
	}
	old = cprof__cfi_snapshot_of(atomic_exchange_explicit(
		&cprof__cfi_shared.current,
		(uintptr_t)snap | (snap->gen & CPROF_CFI_GEN_MASK),
		memory_order_seq_cst));
	cfi_registry_retire(old, &cfi_registry_live);
	cfi_registry_list_free(&cfi_registry_live);
	cfi_registry_live = next;
	cfi_registry_count(&next, t0, c0);
	cfi_registry_reclaim();
	return 0;
}

int cprof__cfi_init(void)
{
	int err;

	pthread_mutex_lock(&cfi_registry_lock);
	atomic_store(&cfi_registry_busy, true);
	if (cfi_registry_dlopen == NULL) {
		/* the real loader calls: when libcprof interposes dlopen,
		 * plain calls from here would come back to our hook */
		cfi_registry_dlopen = (void *(*)(const char *, int))
			dlsym(RTLD_NEXT, "dlopen");
		cfi_registry_dlclose = (int (*)(void *))
			dlsym(RTLD_NEXT, "dlclose");
		if (cfi_registry_dlopen == NULL ||
		    cfi_registry_dlclose == NULL) {
			cfi_registry_dlopen = dlopen;
			cfi_registry_dlclose = dlclose;
		}
		(void)dlerror();
	}
	err = cfi_registry_rebuild(true);
	cfi_registry_ready = err == 0;
	atomic_store(&cfi_registry_busy, false);
	pthread_mutex_unlock(&cfi_registry_lock);
	return err;
}

/*
 * Never blocks on the registry lock: a dlopen hook may run while its thread
 * holds the loader's lock (a constructor calling dlopen), and a refresh in
 * another thread may be waiting for that lock in dlopen(RTLD_NOLOAD) while
 * holding ours. So a request raises a flag and leaves; the lock holder
 * serves every request raised before it lets go.
 */
void cprof__cfi_refresh(void)
{
	int saved = errno;

	atomic_store(&cfi_registry_pending, 1);
	for (int round = 0; round < CFI_REGISTRY_MAX_ROUNDS; round++) {
		if (pthread_mutex_trylock(&cfi_registry_lock) != 0)
			break; /* the holder will see our flag */
		atomic_store(&cfi_registry_busy, true);
		for (int i = 0; i < CFI_REGISTRY_MAX_ROUNDS &&
				atomic_exchange(&cfi_registry_pending, 0); i++) {
			if (cfi_registry_ready)
				(void)cfi_registry_rebuild(false);
			else
				cfi_registry_reclaim();
		}
		atomic_store(&cfi_registry_busy, false);
		pthread_mutex_unlock(&cfi_registry_lock);
		/* a request raised between our last look and the unlock */
		if (!atomic_load(&cfi_registry_pending))
			break;
	}
	errno = saved;
}

void cprof__cfi_fini(void)
{
	const struct cprof__cfi_snapshot *old;

	pthread_mutex_lock(&cfi_registry_lock);
	atomic_store(&cfi_registry_busy, true);
	cfi_registry_ready = false;
	old = cprof__cfi_snapshot_of(atomic_exchange_explicit(
		&cprof__cfi_shared.current, 0, memory_order_seq_cst));
	if (old != NULL)
		cfi_registry_retire(old, &cfi_registry_live);
	cfi_registry_list_free(&cfi_registry_live);
	cfi_registry_adds = cfi_registry_subs = 0;
	cfi_registry_reclaim();
	memset(&cfi_registry_st, 0, sizeof(cfi_registry_st));
	atomic_store(&cfi_registry_busy, false);
	pthread_mutex_unlock(&cfi_registry_lock);
}

/*
 * In the child only the forking thread lives. Walkers that were in flight
 * in other threads never leave, so the reader counts restart at zero; and
 * if another thread held the registry lock at fork, its half-done refresh
 * is abandoned: the lists are forgotten (their memory leaks, the published
 * snapshot stays valid) and the next refresh rebuilds from scratch.
 */
void cprof__cfi_atfork_child(void)
{
	pthread_mutex_init(&cfi_registry_lock, NULL);
	atomic_store(&cprof__cfi_shared.readers[0], 0);
	atomic_store(&cprof__cfi_shared.readers[1], 0);
	atomic_store(&cfi_registry_pending, 0);
	if (atomic_load(&cfi_registry_busy)) {
		memset(&cfi_registry_live, 0, sizeof(cfi_registry_live));
		cfi_registry_nretired = 0;
		cfi_registry_adds = cfi_registry_subs = 0;
		atomic_store(&cfi_registry_busy, false);
	}
}

void cprof__cfi_registry_stats(struct cprof__cfi_registry_stats *out)
{
	pthread_mutex_lock(&cfi_registry_lock);
	*out = cfi_registry_st;
	out->retired_pending = cfi_registry_nretired;
	pthread_mutex_unlock(&cfi_registry_lock);
}

void cprof__cfi_registry_each(void (*fn)(const char *name,
					 const struct cprof__cfi_object *obj,
					 void *arg),
			      void *arg)
{
	pthread_mutex_lock(&cfi_registry_lock);
	for (uint32_t i = 0; i < cfi_registry_live.n; i++) {
		const struct cfi_registry_obj *o = &cfi_registry_live.v[i];
		struct cprof__cfi_object obj = { o->lo, o->hi, o->bias,
						 o->table };

		if (o->table != NULL)
			fn(o->name, &obj, arg);
	}
	pthread_mutex_unlock(&cfi_registry_lock);
}
