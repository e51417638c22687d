/*
 * test_cfi_walk.c - the CFI walker against libunwind on the same contexts.
 *
 * A CPU timer samples workloads that spend their time inside Debian's
 * libraries (built without frame pointers) called from this program (built
 * with them): qsort with a comparator, snprintf, regexec, zlib, a C++
 * stream, a libcrypto big-number operation, memcpy, the vDSO, and CPU spent
 * in a signal handler (on the thread's stack and on an alternate one). In
 * the handler both the CFI walker and libunwind (test-only ground truth)
 * walk the same ucontext. Checked per workload, on the main thread and on
 * a pthread: walks end cleanly, are identical to libunwind's, and hold the
 * workload's function (the caller chain through the library is right).
 * Also: tiny thread stacks, deep recursion (truncation at the depth limit),
 * a hook-style walk from the caller's own frame, a library dlopened and
 * dlclosed during the test, and garbage registers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture/cfi_registry.h"
#include "capture/cfi_walk.h"
#include "sampler.h"
#include "workloads.h"

/* Exported (the test links with -rdynamic) so stacks can be checked by
 * name. */
void run_all_workloads(void);
void *unwind_test_thread(void *arg);
void *unwind_tiny_thread(void *arg);
void unwind_deep(int depth);
void unwind_hook_like(void);
int unwind_hook_cmp(const void *a, const void *b);
void unwind_hook_caller(void);
void unwind_copy_like(void);

#define WORKLOAD_CPU_S 0.25
#define SAMPLE_HZ 1000
/* Share of samples that must agree; a few samples per thousand can land
 * where libunwind itself fails (the study saw 99.9 % on SHA-256). */
#define MIN_AGREE 0.99
#define MIN_PER_WORKLOAD 0.95

struct wl_result {
	int samples, complete, agree, has_fn;
};

static bool same_stack(const struct sampler_sample *s)
{
	if (s->n != s->nlu)
		return false;
	return memcmp(s->pcs, s->lu, (size_t)s->n * sizeof(uintptr_t)) == 0;
}

/* Tallies samples per tag; prints the first few disagreements. */
static void tally(struct wl_result *res, const char *root)
{
	int printed = 0;

	memset(res, 0, WL_COUNT * sizeof(*res));
	for (int i = 0; i < sampler_count(); i++) {
		struct sampler_sample *s = sampler_get(i);
		struct wl_result *r = &res[s->tag];

		r->samples++;
		if (s->end == CPROF_UNWIND_COMPLETE &&
		    sampler_has(s->pcs, s->n, root))
			r->complete++;
		if (same_stack(s))
			r->agree++;
		if (sampler_has(s->pcs, s->n, wl_names[s->tag]))
			r->has_fn++;
		if (!same_stack(s) && printed++ < 3) {
			fprintf(stderr, "mismatch in %s:\n", wl_names[s->tag]);
			sampler_print("cfi", s->pcs, s->n);
			sampler_print("libunwind", s->lu, s->nlu);
		}
	}
}

static void check(const struct wl_result *res, const char *where)
{
	int total = 0, complete = 0, agree = 0;

	for (int k = 0; k < WL_COUNT; k++) {
		const struct wl_result *r = &res[k];

		fprintf(stderr, "%-8s %-14s samples %4d complete %5.1f%% "
			"libunwind-identical %5.1f%% caller-ok %5.1f%%\n",
			where, wl_names[k], r->samples,
			100.0 * r->complete / (r->samples ? r->samples : 1),
			100.0 * r->agree / (r->samples ? r->samples : 1),
			100.0 * r->has_fn / (r->samples ? r->samples : 1));
		assert_true(r->samples >= 10);
		assert_true(r->complete >= MIN_PER_WORKLOAD * r->samples);
		assert_true(r->agree >= MIN_PER_WORKLOAD * r->samples);
		assert_true(r->has_fn >= MIN_PER_WORKLOAD * r->samples);
		total += r->samples;
		complete += r->complete;
		agree += r->agree;
	}
	assert_true(complete >= MIN_AGREE * total);
	assert_true(agree >= MIN_AGREE * total);
}

__attribute__((noinline, visibility("default"))) void
run_all_workloads(void)
{
	sampler_thread_on(SAMPLE_HZ);
	for (int k = 0; k < WL_COUNT; k++) {
		sampler_set_tag(k);
		wl_run(k, WORKLOAD_CPU_S);
	}
	sampler_thread_off();
}

static void print_object(const char *name, const struct cprof__cfi_object *o,
			 void *arg)
{
	fprintf(stderr, "  %-48s %7u rows %8zu bytes %6.2f ms\n",
		name[0] ? name : "(main)", o->table->nrows, o->table->map_size,
		o->table->stats.build_ns / 1e6);
}

static void test_tables(void **state)
{
	struct cprof__cfi_registry_stats st;

	cprof__cfi_registry_each(print_object, NULL);
	cprof__cfi_registry_stats(&st);
	fprintf(stderr, "tables: %u objects, %llu rows, %llu bytes, %.2f ms\n",
		st.objects, (unsigned long long)st.rows,
		(unsigned long long)st.table_bytes, st.build_ns / 1e6);
	assert_true(st.objects >= 5);
	assert_true(st.rows > 10000);
}

static void test_workloads_main(void **state)
{
	struct wl_result res[WL_COUNT];

	sampler_reset();
	run_all_workloads();
	tally(res, "main");
	check(res, "main");
}

__attribute__((noinline, visibility("default"))) void *
unwind_test_thread(void *arg)
{
	run_all_workloads();
	return NULL;
}

static void test_workloads_thread(void **state)
{
	struct wl_result res[WL_COUNT];
	pthread_t t;

	sampler_reset();
	assert_int_equal(pthread_create(&t, NULL, unwind_test_thread, NULL), 0);
	pthread_join(t, NULL);
	tally(res, "unwind_test_thread");
	check(res, "thread");
}

__attribute__((noinline, visibility("default"))) void *
unwind_tiny_thread(void *arg)
{
	sampler_thread_on(SAMPLE_HZ);
	sampler_set_tag(WL_QSORT);
	wl_run(WL_QSORT, 0.1);
	sampler_set_tag(WL_SNPRINTF);
	wl_run(WL_SNPRINTF, 0.1);
	sampler_thread_off();
	return NULL;
}

/* A thread whose whole stack is PTHREAD_STACK_MIN: every bound is tight. */
static void test_tiny_stack(void **state)
{
	pthread_attr_t attr;
	pthread_t t;
	int n = 0, ok = 0;

	sampler_reset();
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, PTHREAD_STACK_MIN + 16384);
	assert_int_equal(pthread_create(&t, &attr, unwind_tiny_thread, NULL), 0);
	pthread_join(t, NULL);
	pthread_attr_destroy(&attr);
	for (int i = 0; i < sampler_count(); i++) {
		struct sampler_sample *s = sampler_get(i);

		n++;
		ok += s->end == CPROF_UNWIND_COMPLETE && same_stack(s) &&
		      sampler_has(s->pcs, s->n, "unwind_tiny_thread");
	}
	fprintf(stderr, "tiny stack: %d samples, %d whole\n", n, ok);
	assert_true(n >= 10);
	assert_true(ok >= MIN_PER_WORKLOAD * n);
}

static volatile int deep_sink;

__attribute__((noinline, visibility("default"))) void unwind_deep(int depth)
{
	if (depth > 0) {
		unwind_deep(depth - 1);
		deep_sink++;
		return;
	}
	wl_run(WL_QSORT, 0.15);
}

/* 300 frames deep: walks stop at the depth limit, marked truncated, with
 * the leaf end kept. */
static void test_deep_recursion(void **state)
{
	struct cprof__cfi_walk_stats before, after;
	int n = 0, ok = 0;

	cprof__cfi_walk_stats(&before);
	sampler_init(CPROF_MAX_FRAMES, true);
	sampler_reset();
	sampler_thread_on(SAMPLE_HZ);
	unwind_deep(300);
	sampler_thread_off();
	sampler_init(SAMPLER_MAX_FRAMES, true);
	cprof__cfi_walk_stats(&after);
	for (int i = 0; i < sampler_count(); i++) {
		struct sampler_sample *s = sampler_get(i);

		n++;
		ok += s->end == CPROF_UNWIND_TRUNCATED &&
		      s->n == CPROF_MAX_FRAMES &&
		      memcmp(s->pcs, s->lu, CPROF_MAX_FRAMES * sizeof(uintptr_t)) == 0;
	}
	fprintf(stderr, "deep: %d samples, %d cut at %d frames\n", n, ok,
		CPROF_MAX_FRAMES);
	assert_true(n >= 5);
	assert_int_equal(ok, n);
	assert_true(after.trunc_depth - before.trunc_depth >= (uint64_t)n);
}

static uintptr_t hook_pcs[SAMPLER_MAX_FRAMES];
static int hook_n;
static enum cprof__unwind_end hook_end;

/* What a hook does: walk from its own frame. */
__attribute__((noinline, visibility("default"))) void unwind_hook_like(void)
{
	struct cprof__regs regs;
	struct cprof__stack_bounds b;

	cprof__cfi_regs_here_as(&regs);
	sampler_thread_bounds(&b);
	hook_n = cprof__cfi_unwind_as(&regs, b, hook_pcs, SAMPLER_MAX_FRAMES,
				      &hook_end);
}

__attribute__((noinline, visibility("default"))) int
unwind_hook_cmp(const void *a, const void *b)
{
	if (hook_n == 0)
		unwind_hook_like();
	return *(const int *)a - *(const int *)b;
}

__attribute__((noinline, visibility("default"))) void unwind_hook_caller(void)
{
	int v[64];

	for (int i = 0; i < 64; i++)
		v[i] = 64 - i;
	qsort(v, 64, sizeof(v[0]), unwind_hook_cmp);
}

static void test_hook_style(void **state)
{
	hook_n = 0;
	unwind_hook_caller();
	sampler_print("hook", hook_pcs, hook_n);
	assert_int_equal(hook_end, CPROF_UNWIND_COMPLETE);
	assert_true(sampler_has(hook_pcs, hook_n, "unwind_hook_like"));
	assert_true(sampler_has(hook_pcs, hook_n, "unwind_hook_cmp"));
	assert_true(sampler_has(hook_pcs, hook_n, "qsort_r"));
	assert_true(sampler_has(hook_pcs, hook_n, "unwind_hook_caller"));
	assert_true(sampler_has(hook_pcs, hook_n, "main"));
}

/* A library loaded after start, built without frame pointers: its samples
 * are whole while it is loaded; after dlclose the tables drop it and walks
 * still work. */
static uintptr_t copy_direct[SAMPLER_MAX_FRAMES], copy_copied[SAMPLER_MAX_FRAMES];
static int copy_n1, copy_n2;
static enum cprof__unwind_end copy_end1, copy_end2;

/* Walks its own stack twice: in place, and over a copy of [sp, top) made
 * elsewhere (the threads dump's way of reading another thread's stack).
 * The two walks must agree frame for frame. */
__attribute__((noinline, visibility("default"))) void unwind_copy_like(void)
{
	struct cprof__regs regs;
	struct cprof__stack_bounds b, c;
	unsigned char *copy;
	size_t len;

	cprof__cfi_regs_here_as(&regs);
	sampler_thread_bounds(&b);
	copy_n1 = cprof__cfi_unwind_as(&regs, b, copy_direct,
				       SAMPLER_MAX_FRAMES, &copy_end1);
	c.lo = regs.r[CPROF_REG_RSP];
	c.hi = b.hi;
	len = c.hi - c.lo;
	copy = malloc(len);
	assert_non_null(copy);
	memcpy(copy, (const void *)c.lo, len);
	copy_n2 = cprof__cfi_unwind_copy_as(&regs, c, (uintptr_t)copy - c.lo,
					    copy_copied, SAMPLER_MAX_FRAMES,
					    &copy_end2);
	free(copy);
}

static void test_copy_walk(void **state)
{
	unwind_copy_like();
	sampler_print("copy", copy_copied, copy_n2);
	assert_int_equal(copy_end1, CPROF_UNWIND_COMPLETE);
	assert_int_equal(copy_end2, CPROF_UNWIND_COMPLETE);
	assert_int_equal(copy_n1, copy_n2);
	assert_memory_equal(copy_direct, copy_copied,
			    (size_t)copy_n1 * sizeof(uintptr_t));
	assert_true(sampler_has(copy_copied, copy_n2, "unwind_copy_like"));
	assert_true(sampler_has(copy_copied, copy_n2, "main"));
}

static void test_dlopen(void **state)
{
	struct cprof__cfi_registry_stats st0, st1, st2;
	void (*spin)(double);
	void *h;
	int n = 0, ok = 0;

	cprof__cfi_registry_stats(&st0);
	h = dlopen(CFI_TEST_PLUGIN, RTLD_NOW);
	assert_non_null(h);
	cprof__cfi_refresh(); /* what the dlopen hook does */
	cprof__cfi_registry_stats(&st1);
	assert_int_equal(st1.objects, st0.objects + 1);
	spin = (void (*)(double))dlsym(h, "cfi_plugin_spin");
	assert_non_null(spin);

	sampler_reset();
	sampler_set_tag(WL_QSORT);
	sampler_thread_on(SAMPLE_HZ);
	spin(0.2);
	sampler_thread_off();
	for (int i = 0; i < sampler_count(); i++) {
		struct sampler_sample *s = sampler_get(i);

		n++;
		ok += s->end == CPROF_UNWIND_COMPLETE && same_stack(s) &&
		      sampler_has(s->pcs, s->n, "cfi_plugin_spin") &&
		      sampler_has(s->pcs, s->n, "main");
		if (i == 0)
			sampler_print("plugin", s->pcs, s->n);
	}
	fprintf(stderr, "dlopen: %d samples, %d whole\n", n, ok);
	assert_true(n >= 10);
	assert_true(ok >= MIN_PER_WORKLOAD * n);

	assert_int_equal(dlclose(h), 0);
	cprof__cfi_refresh();
	cprof__cfi_registry_stats(&st2);
	assert_int_equal(st2.objects, st0.objects);
	assert_int_equal(st2.retired_pending, 0);
	hook_n = 0;
	unwind_hook_caller();
	assert_int_equal(hook_end, CPROF_UNWIND_COMPLETE);
}

/* Registers that point nowhere end the walk, never fault. */
static void test_garbage(void **state)
{
	struct cprof__stack_bounds b;
	struct cprof__regs regs;
	uintptr_t pcs[16];
	enum cprof__unwind_end end;
	int n;

	sampler_thread_bounds(&b);
	memset(&regs, 0, sizeof(regs));
	regs.valid = (1u << CPROF_REG_COUNT) - 1;
	regs.r[CPROF_REG_RIP] = 0x1234;
	regs.r[CPROF_REG_RSP] = (uintptr_t)-8;
	regs.r[CPROF_REG_RBP] = (uintptr_t)-8;
	n = cprof__cfi_unwind_as(&regs, b, pcs, 16, &end);
	assert_int_equal(n, 1);
	assert_int_equal(end, CPROF_UNWIND_TRUNCATED);

	/* a real pc, a stack pointer at the very top of the stack */
	regs.r[CPROF_REG_RIP] = (uintptr_t)unwind_hook_caller + 4;
	regs.r[CPROF_REG_RSP] = b.hi - 8;
	regs.r[CPROF_REG_RBP] = b.hi - 8;
	n = cprof__cfi_unwind_as(&regs, b, pcs, 16, &end);
	assert_true(n >= 1 && n <= 2);

	/* bounds that wrap */
	b.lo = (uintptr_t)-16;
	b.hi = 16;
	n = cprof__cfi_unwind_as(&regs, b, pcs, 16, &end);
	assert_int_equal(n, 1);
	assert_int_equal(end, CPROF_UNWIND_TRUNCATED);
}

/* Without tables every frame takes the frame-pointer step: through our own
 * frame-pointer code the walk still gets somewhere. */
static void test_no_tables(void **state)
{
	cprof__cfi_fini();
	hook_n = 0;
	unwind_hook_caller();
	assert_true(hook_n >= 2);
	assert_int_equal(cprof__cfi_init(), 0);
}

/* exported like the workloads, so stacks can be checked for it */
__attribute__((visibility("default"))) int main(void);

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_hook_style),
		cmocka_unit_test(test_copy_walk),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_workloads_main),
		cmocka_unit_test(test_workloads_thread),
		cmocka_unit_test(test_tiny_stack),
		cmocka_unit_test(test_deep_recursion),
		cmocka_unit_test(test_dlopen),
		cmocka_unit_test(test_no_tables),
	};
	int rc;

	if (cprof__cfi_init() != 0)
		return 1;
	sampler_init(SAMPLER_MAX_FRAMES, true);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	cprof__cfi_fini();
	return rc;
}
