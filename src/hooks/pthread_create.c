/*
 * pthread_create.c - the interposed pthread_create.
 *
 * Each thread the host creates is recorded with the creator's stack (the
 * threadcreate profile) and starts in our trampoline, which registers it
 * (exact stack range, a CPU timer if a CPU profile runs) before the host's
 * start routine runs, and arranges through a TLS key destructor that it is
 * unregistered when it exits, however it exits. Threads cprof creates for
 * itself are registered as internal and never profiled, and keep the name
 * cprof gave them: a library we run (libmicrohttpd) that renames its
 * threads through pthread_setname_np renames them to that name.
 *
 * The host sees what it would see without us: the same return value, errno
 * untouched, the same attributes. If we cannot allocate the trampoline's
 * argument, the thread is created directly (the collector's scan finds it).
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/reentry.h"
#include "base/clock.h"
#include "capture/crumb.h"
#include "capture/labels.h"
#include "capture/ring.h"
#include "capture/stack_here.h"
#include "capture/threads.h"
#include "cprof.h"
#include "hooks/hooks.h"
#include "trace/tbuf.h"
#include "trace/trace.h"

typedef int (*hooks_pthread_create_fn)(pthread_t *, const pthread_attr_t *,
				       void *(*)(void *), void *);

struct hooks_thread_start {
	void *(*routine)(void *);
	void *arg;
	const char *internal_name; /* NULL: a host thread */
	const struct cprof__label_set *labels; /* inherited from the creator */
	int creator_depth;                      /* creator_pcs used */
	pid_t creator_tid;
	uintptr_t creator_pcs[CPROF_THREAD_CREATOR_FRAMES];
};

static hooks_pthread_create_fn hooks_real_pthread_create;
static pthread_key_t hooks_exit_key;
static atomic_bool hooks_exit_key_ready;
static atomic_int hooks_enabled;
static atomic_bool hooks_labels_inherit = true;

/* The registry's lock is cprof's: the guard keeps it out of the host's
 * contention profiles, here and in the trampoline. */
static void hooks_thread_exit(void *unused)
{
	cprof__trace_thread_exit(); /* before the guard, which silences it */
	cprof__reentry_enter();
	cprof__thread_unregister_self();
	cprof__reentry_leave();
}

static void *hooks_thread_trampoline(void *p)
{
	struct hooks_thread_start start = *(struct hooks_thread_start *)p;
	struct cprof__thread *self;

	cprof__free(p);
	if (start.internal_name != NULL) {
		cprof__reentry_enter(); /* for the thread's whole life */
		cprof__thread_become_internal(start.internal_name);
	}
	cprof__labels_adopt(start.labels);
	if (start.internal_name == NULL)
		cprof__trace_thread_start(start.creator_tid);
	cprof__reentry_enter();
	self = cprof__thread_register_self(start.internal_name != NULL);
	if (self != NULL) {
		cprof__thread_set_creator(self, start.creator_pcs,
					  start.creator_depth,
					  start.creator_tid);
		if (atomic_load(&hooks_exit_key_ready))
			pthread_setspecific(hooks_exit_key, (void *)1);
	}
	cprof__reentry_leave();
	return start.routine(start.arg);
}

/* The creating thread's stack, for the threadcreate profile. Called by
 * pthread_create itself (cprof__stack_here drops exactly these frames). */
static __attribute__((noinline)) void
hooks_record_creation(struct hooks_thread_start *start)
{
	struct cprof__record *rec;
	enum cprof__unwind_end end;
	uint64_t pos;

	rec = cprof__ring_claim_as(&cprof__capture_ring, &pos);
	if (rec == NULL) {
		cprof__ring_drop_as(&cprof__capture_ring, 1);
		return;
	}
	rec->depth = (uint16_t)cprof__stack_here(rec->pc, CPROF_MAX_FRAMES, 2,
						 &end);
	rec->kind = CPROF_RECORD_THREAD_CREATE;
	rec->flags = CPROF_RECORD_RETURN_ADDRESSES |
		     (end == CPROF_UNWIND_COMPLETE ? 0 : CPROF_RECORD_TRUNCATED);
	rec->tid = 0;
	rec->time_ns = cprof__now_ns();
	rec->value[0] = 1;
	rec->value[1] = 0;
	rec->labels = cprof__labels_current;
	start->creator_depth = rec->depth < CPROF_THREAD_CREATOR_FRAMES
				       ? rec->depth
				       : CPROF_THREAD_CREATOR_FRAMES;
	memcpy(start->creator_pcs, rec->pc,
	       (size_t)start->creator_depth * sizeof(uintptr_t));
	cprof__ring_publish_as(&cprof__capture_ring, pos);
}

static hooks_pthread_create_fn hooks_resolve_pthread_create(void)
{
	hooks_pthread_create_fn fn = hooks_real_pthread_create;

	if (fn == NULL) {
		fn = (hooks_pthread_create_fn)dlsym(RTLD_NEXT,
						    "pthread_create");
		hooks_real_pthread_create = fn;
	}
	return fn;
}

CPROF_API int pthread_create(pthread_t *thread, const pthread_attr_t *attr,
			     void *(*routine)(void *), void *arg)
{
	hooks_pthread_create_fn real = hooks_resolve_pthread_create();
	struct hooks_thread_start *start;
	int saved_errno = errno;
	int rc;

	if (real == NULL)
		return EAGAIN;
	if (!atomic_load_explicit(&hooks_enabled, memory_order_relaxed))
		return real(thread, attr, routine, arg);
	start = cprof__alloc(sizeof(*start));
	errno = saved_errno;
	if (start == NULL)
		return real(thread, attr, routine, arg);
	start->routine = routine;
	start->arg = arg;
	start->internal_name = cprof__thread_creating_internal();
	start->creator_depth = 0;
	start->creator_tid = (pid_t)syscall(SYS_gettid);
	start->labels = atomic_load_explicit(&hooks_labels_inherit,
					     memory_order_relaxed)
				? cprof__labels_current
				: NULL;
	if (start->internal_name == NULL)
		hooks_record_creation(start);
	rc = real(thread, attr, hooks_thread_trampoline, start);
	if (rc != 0)
		cprof__free(start);
	errno = saved_errno;
	return rc;
}

int cprof__hooks_init(void)
{
	if (hooks_resolve_pthread_create() == NULL)
		return CPROF_ENOTSUP;
	if (cprof__blocking_init() != 0)
		return CPROF_ENOTSUP;
	if (!atomic_load(&hooks_exit_key_ready)) {
		if (pthread_key_create(&hooks_exit_key, hooks_thread_exit) != 0)
			return CPROF_ENOMEM;
		atomic_store(&hooks_exit_key_ready, true);
	}
	return 0;
}

void cprof__hooks_enable(int on)
{
	atomic_store(&hooks_enabled, on);
	cprof__crumbs_enable(on != 0);
}

void cprof__hooks_inherit_labels(bool on)
{
	atomic_store(&hooks_labels_inherit, on);
}

typedef int (*hooks_setname_fn)(pthread_t, const char *);

/* cprof's own threads keep their cprof name whatever the library running
 * on them asks; every other call passes through. */
CPROF_API int pthread_setname_np(pthread_t thread, const char *name)
{
	static hooks_setname_fn real;
	const char *own = cprof__thread_internal_name();

	if (real == NULL)
		real = (hooks_setname_fn)dlsym(RTLD_NEXT,
					       "pthread_setname_np");
	if (real == NULL)
		return ENOSYS;
	if (own != NULL && pthread_equal(thread, pthread_self()))
		name = own;
	else if (own == NULL)
		cprof__trace_thread_name(pthread_equal(thread, pthread_self())
						 ? 0
						 : (uintptr_t)thread,
					 name);
	return real(thread, name);
}
