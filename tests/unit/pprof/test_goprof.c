/*
 * test_goprof.c - decodes profiles that Go's runtime/pprof wrote (see
 * goprof/main.go and goprof_test.sh, which runs this with the two files
 * as arguments and go tool pprof's totals in the environment).
 *
 *   test_pprof_goprof_check CPU_PROFILE HEAP_PROFILE OUT_DIR
 *
 * Checks the sample and period types Go's contract promises, that the
 * named Go functions and the pprof label arrived, and that our totals
 * equal those `go tool pprof -raw` computed from the same files. Then it
 * writes, for the script to feed back to `go tool pprof`, both profiles
 * re-encoded by our encoder (OUT_DIR/cpu.cprof.pb.gz, heap.cprof.pb.gz)
 * and the every-field test profile (OUT_DIR/full.pb.gz).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/buf.h"
#include "full_profile.h"
#include "pprof/pprof.h"

static const char *cpu_path, *heap_path, *out_dir;

static struct cprof__profile *load(const char *path)
{
	struct cprof__buf in = CPROF_BUF_INIT;
	struct cprof__profile *p = NULL;
	char chunk[65536], err[256] = "";
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		fail_msg("cannot open %s", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) != 0)
		cprof__buf_append(&in, chunk, n);
	fclose(f);
	assert_false(cprof__buf_failed(&in));
	/* Go writes gzip; we must have sniffed it. */
	assert_true(in.len > 2 && (unsigned char)in.data[0] == 0x1f);
	if (cprof__pprof_decode(in.data, in.len, &p, err, sizeof(err)) != 0)
		fail_msg("%s: %s", path, err);
	cprof__buf_fini(&in);
	return p;
}

static void assert_vt(const struct cprof__profile *p,
		      const struct cprof__value_type *vt, const char *type,
		      const char *unit)
{
	assert_string_equal(cprof__profile_str(p, vt->type), type);
	assert_string_equal(cprof__profile_str(p, vt->unit), unit);
}

/* Does the sample's stack contain a function with this name? */
static bool has_function(const struct cprof__profile *p,
			 const struct cprof__sample *s, const char *name)
{
	for (size_t i = 0; i < s->n_locations; i++) {
		const struct cprof__location *l =
			cprof__profile_location(p, s->location_ids[i]);

		assert_non_null(l);
		for (size_t j = 0; j < l->n_lines; j++) {
			const struct cprof__function *f =
				cprof__profile_function(p, l->lines[j].function_id);

			if (f && !strcmp(cprof__profile_str(p, f->name), name))
				return true;
		}
	}
	return false;
}

static bool has_label(const struct cprof__profile *p,
		      const struct cprof__sample *s, const char *key,
		      const char *value)
{
	for (size_t i = 0; i < s->n_labels; i++) {
		if (!strcmp(cprof__profile_str(p, s->labels[i].key), key) &&
		    !strcmp(cprof__profile_str(p, s->labels[i].str), value))
			return true;
	}
	return false;
}

static int64_t env_total(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL || *v == '\0')
		fail_msg("%s is not set (run through goprof_test.sh)", name);
	return strtoll(v, NULL, 10);
}

static void test_cpu(void **state)
{
	struct cprof__profile *p = load(cpu_path);
	int64_t total = 0, burn = 0;

	assert_int_equal(p->sample_types.len, 2);
	assert_vt(p, &p->sample_types.items[0], "samples", "count");
	assert_vt(p, &p->sample_types.items[1], "cpu", "nanoseconds");
	assert_vt(p, &p->period_type, "cpu", "nanoseconds");
	assert_true(p->period == 10000000);
	assert_true(p->time_nanos > 0 && p->duration_nanos > 0);
	for (size_t i = 0; i < p->samples.len; i++) {
		const struct cprof__sample *s = &p->samples.items[i];

		total += s->values[0];
		assert_true(s->values[1] == s->values[0] * p->period);
		if (has_function(p, s, "main.burn")) {
			assert_true(has_label(p, s, "worker", "burner"));
			burn += s->values[0];
		}
	}
	/* main.burn spins for 1 s of CPU time: about 100 samples at 100 Hz
	 * (half of that leaves room for samples Go attributes elsewhere). */
	if (burn < 50)
		fail_msg("only %lld samples in main.burn", (long long)burn);
	assert_true(total == env_total("GOPROF_CPU_SAMPLES"));
	cprof__profile_free(p);
}

static void test_heap(void **state)
{
	static const char *const types[4][2] = {
		{ "alloc_objects", "count" }, { "alloc_space", "bytes" },
		{ "inuse_objects", "count" }, { "inuse_space", "bytes" },
	};
	struct cprof__profile *p = load(heap_path);
	int64_t alloc_space = 0, in_alloc = 0;

	assert_int_equal(p->sample_types.len, 4);
	for (int i = 0; i < 4; i++)
		assert_vt(p, &p->sample_types.items[i], types[i][0], types[i][1]);
	assert_vt(p, &p->period_type, "space", "bytes");
	assert_true(p->period == 1); /* MemProfileRate = 1 */
	for (size_t i = 0; i < p->samples.len; i++) {
		const struct cprof__sample *s = &p->samples.items[i];

		alloc_space += s->values[1];
		if (has_function(p, s, "main.alloc"))
			in_alloc += s->values[3];
	}
	/* main.alloc keeps 1000 blocks of 4096 bytes live. */
	assert_true(in_alloc >= 1000 * 4096);
	assert_true(alloc_space == env_total("GOPROF_HEAP_ALLOC_SPACE"));
	cprof__profile_free(p);
}

static void write_encoded(const struct cprof__profile *p, const char *name)
{
	struct cprof__buf out = CPROF_BUF_INIT;
	char path[4096];
	FILE *f;

	assert_int_equal(cprof__pprof_encode(p, &out, true), 0);
	snprintf(path, sizeof(path), "%s/%s", out_dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(out.data, 1, out.len, f), out.len);
	assert_int_equal(fclose(f), 0);
	cprof__buf_fini(&out);
}

static void test_write_for_go(void **state)
{
	struct cprof__profile *p = load(cpu_path);

	write_encoded(p, "cpu.cprof.pb.gz");
	cprof__profile_free(p);
	p = load(heap_path);
	write_encoded(p, "heap.cprof.pb.gz");
	cprof__profile_free(p);
	p = build_full();
	write_encoded(p, "full.pb.gz");
	cprof__profile_free(p);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpu),
		cmocka_unit_test(test_heap),
		cmocka_unit_test(test_write_for_go),
	};

	if (argc != 4) {
		fprintf(stderr, "usage: %s CPU_PROFILE HEAP_PROFILE OUT_DIR\n",
			argv[0]);
		return 2;
	}
	cpu_path = argv[1];
	heap_path = argv[2];
	out_dir = argv[3];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
