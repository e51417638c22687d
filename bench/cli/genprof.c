/*
 * genprof.c - writes the large synthetic CPU profile of the CLI benchmark.
 *
 *   cli_genprof OUT.pb.gz [SAMPLES [LOCATIONS]]
 *
 * Defaults: 1,000,000 samples over 200,000 locations (one line each, in
 * 50,000 functions across 500 files), stacks 5 to 25 frames deep (about
 * 50 MB of protobuf before gzip). Stacks are drawn level by level from
 * pools that widen with depth, so roots are shared and leaves diverse as
 * in a real service; a fixed seed makes the file the same every time.
 * Values are samples/count and cpu/nanoseconds at 100 Hz, as Go writes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "pprof/pprof.h"

static uint64_t gen_state = 0x9e3779b97f4a7c15ull;

static uint64_t gen_rand(void)
{
	gen_state ^= gen_state << 13;
	gen_state ^= gen_state >> 7;
	gen_state ^= gen_state << 17;
	return gen_state;
}

int main(int argc, char **argv)
{
	size_t n_samples = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000000;
	size_t n_locs = argc > 3 ? strtoul(argv[3], NULL, 10) : 200000;
	size_t n_funcs = n_locs / 4 > 0 ? n_locs / 4 : 1, i;
	struct cprof__profile *p = cprof__profile_new();
	struct cprof__buf out = CPROF_BUF_INIT;
	struct cprof__mapping m;
	uint64_t *fids, stack[32], mid;
	FILE *f;

	if (argc < 2 || p == NULL) {
		fprintf(stderr, "usage: cli_genprof OUT.pb.gz [SAMPLES [LOCATIONS]]\n");
		return 2;
	}
	cprof__profile_add_sample_type(p, "samples", "count");
	cprof__profile_add_sample_type(p, "cpu", "nanoseconds");
	cprof__profile_set_period(p, "cpu", "nanoseconds", 10000000);
	p->time_nanos = 1700000000000000000ll;
	p->duration_nanos = 60000000000ll;
	memset(&m, 0, sizeof(m));
	m.memory_start = 0x400000;
	m.memory_limit = 0x4000000;
	m.filename = cprof__profile_string(p, "/usr/local/bin/bigservice");
	m.build_id = cprof__profile_string(p, "0123456789abcdef");
	m.has_functions = m.has_filenames = m.has_line_numbers = true;
	mid = cprof__profile_add_mapping(p, &m);
	fids = calloc(n_funcs, sizeof(*fids));
	for (i = 0; i < n_funcs; i++) {
		char name[96], file[64];

		snprintf(name, sizeof(name), "example.com/svc/pkg%zu.(*Type%zu).Method%zu",
			 i % 500, i % 37, i);
		snprintf(file, sizeof(file), "/src/svc/pkg%zu/file%zu.go", i % 500,
			 i % 7);
		fids[i] = cprof__profile_add_function(p, name, name, file,
						      (int64_t)(10 + i % 900));
	}
	for (i = 0; i < n_locs; i++) {
		struct cprof__line line = {fids[i % n_funcs],
					   (int64_t)(20 + (i / n_funcs) * 3 + i % 50), 0};

		cprof__profile_add_location(p, mid, 0x401000 + 16 * i, &line, 1);
	}
	for (i = 0; i < n_samples; i++) {
		size_t depth = 5 + gen_rand() % 21, d;
		int64_t v[2];

		/* stack[depth-1] is the root; level k draws from the first
		 * min(n_locs, 8 << 2k) locations. */
		for (d = 0; d < depth; d++) {
			size_t level = depth - 1 - d;
			size_t width = level < 8 ? (size_t)8 << (2 * level) : n_locs;

			if (width > n_locs)
				width = n_locs;
			stack[d] = 1 + gen_rand() % width;
		}
		v[0] = 1 + (int64_t)(gen_rand() % 4);
		v[1] = v[0] * 10000000;
		cprof__profile_add_sample(p, stack, depth, v, 2, NULL, 0);
	}
	if (cprof__profile_error(p) != 0 || cprof__pprof_encode(p, &out, true) != 0) {
		fprintf(stderr, "cli_genprof: cannot build the profile\n");
		return 1;
	}
	f = fopen(argv[1], "wb");
	if (f == NULL || fwrite(out.data, 1, out.len, f) != out.len || fclose(f) != 0) {
		perror(argv[1]);
		return 1;
	}
	cprof__buf_fini(&out);
	cprof__profile_free(p);
	free(fids);
	return 0;
}
