/*
 * test_crumb.c - breadcrumbs (capture/crumb.h): what a reader on another
 * thread sees while a thread is inside a call and after it left, nesting,
 * the idle path, fork, and that enter and leave leave errno alone.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "capture/crumb.h"
#include "capture/threads.h"

struct crumb_probe {
	struct cprof__thread *t;
	uintptr_t caller_pc;        /* where enter was called from */
	pthread_barrier_t inside;   /* the owner is inside its call */
	pthread_barrier_t checked;  /* the reader has looked */
};

/* A "hook" that blocks until the reader has looked. */
static __attribute__((noinline)) void crumb_hook(struct crumb_probe *p)
{
	struct cprof__thread *t = CPROF_CRUMB_ENTER("probe_wait");

	p->caller_pc = (uintptr_t)__builtin_return_address(0);
	pthread_barrier_wait(&p->inside);
	pthread_barrier_wait(&p->checked);
	cprof__crumb_leave_as(t);
}

static void *crumb_owner(void *arg)
{
	struct crumb_probe *p = arg;

	p->t = cprof__thread_register_self(false);
	crumb_hook(p);
	pthread_barrier_wait(&p->inside); /* left the call */
	pthread_barrier_wait(&p->checked);
	cprof__thread_unregister_self();
	return NULL;
}

static void test_reader_sees_call(void **state)
{
	struct crumb_probe p;
	struct cprof__crumb_view v;
	pthread_t th;
	uintptr_t here;

	memset(&p, 0, sizeof(p));
	pthread_barrier_init(&p.inside, NULL, 2);
	pthread_barrier_init(&p.checked, NULL, 2);
	cprof__crumbs_enable(true);
	assert_int_equal(pthread_create(&th, NULL, crumb_owner, &p), 0);
	pthread_barrier_wait(&p.inside);
	assert_non_null(p.t);
	assert_true(cprof__crumb_read(p.t, &v));
	assert_string_equal(v.call, "probe_wait");
	assert_int_equal(v.pc, p.caller_pc);
	here = (uintptr_t)&v;
	/* sp is the caller's: on the owner's stack, not ours */
	assert_true(v.sp < here - 65536 || v.sp > here + 65536);
	assert_true(v.fp >= v.sp);
	assert_true(cprof__crumb_age_ns(&v) >= 0);
	assert_true(cprof__crumb_still(p.t, &v));
	pthread_barrier_wait(&p.checked);
	pthread_barrier_wait(&p.inside);
	assert_false(cprof__crumb_still(p.t, &v));
	assert_false(cprof__crumb_read(p.t, &v));
	pthread_barrier_wait(&p.checked);
	pthread_join(th, NULL);
	pthread_barrier_destroy(&p.inside);
	pthread_barrier_destroy(&p.checked);
}

static __attribute__((noinline)) struct cprof__thread *crumb_enter_named(
	const char *name)
{
	return CPROF_CRUMB_ENTER(name);
}

static void test_nesting_and_idle(void **state)
{
	struct cprof__thread *self = cprof__thread_register_self(false);
	struct cprof__thread *outer, *inner;
	struct cprof__crumb_view v;

	assert_non_null(self);
	cprof__crumbs_enable(true);
	outer = crumb_enter_named("outer");
	inner = crumb_enter_named("inner");
	assert_ptr_equal(outer, self);
	assert_true(cprof__crumb_read(self, &v));
	assert_string_equal(v.call, "outer"); /* the outermost call stays */
	cprof__crumb_leave_as(inner);
	assert_true(cprof__crumb_still(self, &v));
	cprof__crumb_leave_as(outer);
	assert_false(cprof__crumb_read(self, &v));
	cprof__crumb_leave_as(self); /* an extra leave (after fork) is harmless */
	assert_false(cprof__crumb_read(self, &v));
	assert_int_equal(self->crumb.depth, 0);

	cprof__crumbs_enable(false);
	assert_null(crumb_enter_named("idle"));
	assert_false(cprof__crumb_read(self, &v));
	cprof__crumb_leave_as(NULL);
	cprof__thread_unregister_self();
}

static void test_errno_untouched(void **state)
{
	struct cprof__thread *t;

	cprof__thread_register_self(false);
	cprof__crumbs_enable(true);
	errno = 1234;
	t = crumb_enter_named("errno");
	assert_int_equal(errno, 1234);
	cprof__crumb_leave_as(t);
	assert_int_equal(errno, 1234);
	cprof__thread_unregister_self();
}

/* In the child after fork: 0 when the other thread's slot is free with no
 * crumb and ours still says "forking", else which check failed. */
static int crumb_child_state(struct crumb_probe *p, struct cprof__thread *self)
{
	struct cprof__crumb_view v;

	if (atomic_load(&p->t->state) != CPROF_THREAD_FREE)
		return 1;
	if (cprof__crumb_read(p->t, &v))
		return 2;
	if (!cprof__crumb_read(self, &v))
		return 3;
	return strcmp(v.call, "forking") == 0 ? 0 : 4;
}

/* fork: the child keeps only the forking thread. Another thread's slot,
 * inside a call at the fork, is released with its crumb cleared; the
 * forking thread's own crumb stays (the child is inside the same calls). */
static void test_fork_resets_other_slots(void **state)
{
	struct crumb_probe p;
	struct cprof__crumb_view v;
	struct cprof__thread *self, *outer;
	pthread_t th;
	pid_t pid;
	int status;

	memset(&p, 0, sizeof(p));
	pthread_barrier_init(&p.inside, NULL, 2);
	pthread_barrier_init(&p.checked, NULL, 2);
	cprof__crumbs_enable(true);
	self = cprof__thread_register_self(false);
	assert_int_equal(pthread_create(&th, NULL, crumb_owner, &p), 0);
	pthread_barrier_wait(&p.inside);
	outer = crumb_enter_named("forking");
	assert_true(cprof__crumb_read(p.t, &v));
	cprof__threads_atfork_prepare();
	pid = fork();
	if (pid == 0) {
		cprof__threads_atfork_child();
		_exit(crumb_child_state(&p, self));
	}
	cprof__threads_atfork_parent();
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	cprof__crumb_leave_as(outer);
	pthread_barrier_wait(&p.checked);
	pthread_barrier_wait(&p.inside);
	pthread_barrier_wait(&p.checked);
	pthread_join(th, NULL);
	cprof__thread_unregister_self();
	pthread_barrier_destroy(&p.inside);
	pthread_barrier_destroy(&p.checked);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader_sees_call),
		cmocka_unit_test(test_nesting_and_idle),
		cmocka_unit_test(test_errno_untouched),
		cmocka_unit_test(test_fork_resets_other_slots),
	};

	if (cprof__threads_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
