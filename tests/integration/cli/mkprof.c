/*
 * mkprof.c - writes the hand-made profiles of the cli tests, the cases
 * Go's and cprof's runtimes do not produce on their own:
 *
 *   cli_mkprof OUT_DIR
 *
 *   mangled.pb.gz  C++ functions whose name is their mangled system name
 *                  (namespaces, a const method, a template function with
 *                  a return type, an anonymous namespace, a clone), which
 *                  pprof shows demangled and simplified
 *   raw.pb.gz      locations without lines in two mappings, one without
 *                  a file name (pprof's "[binary]" and "<unknown>"
 *                  nodes), a sparse location id, numeric labels with and
 *                  without units, a negative sample, inlined frames
 */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "pprof/pprof.h"

static int write_profile(struct cprof__profile *p, const char *dir,
			 const char *name)
{
	struct cprof__buf out = CPROF_BUF_INIT;
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (cprof__profile_error(p) != 0 || cprof__pprof_encode(p, &out, true) != 0)
		return 1;
	f = fopen(path, "wb");
	if (f == NULL || fwrite(out.data, 1, out.len, f) != out.len || fclose(f) != 0)
		return 1;
	cprof__buf_fini(&out);
	cprof__profile_free(p);
	return 0;
}

static uint64_t fn_loc(struct cprof__profile *p, uint64_t map, uint64_t addr,
		       const char *name, const char *file, int64_t line)
{
	struct cprof__line l = {
		cprof__profile_add_function(p, name, name, file, line - 3), line, 0};

	return cprof__profile_add_location(p, map, addr, &l, 1);
}

static int mangled(const char *dir)
{
	static const char *const names[] = {
		"_ZN6server7Handler5serveEv",         /* server::Handler::serve() */
		"_ZNK6server5Cache6lookupERKSs",       /* const method */
		"_Z7computeIiET_S0_S0_",               /* int compute<int>(int, int) */
		"_ZN12_GLOBAL__N_16workerEv",          /* (anonymous namespace)::worker() */
		"_ZN6server7Handler5serveEv.cold",     /* a clone */
		"main",
	};
	struct cprof__profile *p = cprof__profile_new();
	struct cprof__mapping m;
	uint64_t locs[6], map, stack[4];
	size_t i;

	cprof__profile_add_sample_type(p, "samples", "count");
	cprof__profile_add_sample_type(p, "cpu", "nanoseconds");
	cprof__profile_set_period(p, "cpu", "nanoseconds", 10000000);
	memset(&m, 0, sizeof(m));
	m.memory_start = 0x400000;
	m.memory_limit = 0x500000;
	m.filename = cprof__profile_string(p, "/usr/bin/cxxserver");
	m.has_functions = m.has_filenames = m.has_line_numbers = true;
	map = cprof__profile_add_mapping(p, &m);
	for (i = 0; i < 6; i++)
		locs[i] = fn_loc(p, map, 0x401000 + 0x40 * i, names[i],
				 "/src/server.cc", 10 + (int64_t)i * 10);
	for (i = 0; i < 5; i++) {
		int64_t v[2] = {(int64_t)i + 1, ((int64_t)i + 1) * 10000000};

		stack[0] = locs[i];
		stack[1] = locs[(i + 1) % 5];
		stack[2] = locs[5];
		cprof__profile_add_sample(p, stack, 3, v, 2, NULL, 0);
	}
	return write_profile(p, dir, "mangled.pb.gz");
}

static int raw(const char *dir)
{
	struct cprof__profile *p = cprof__profile_new();
	struct cprof__mapping m;
	struct cprof__label lab[3];
	struct cprof__line inl[2];
	uint64_t map1, map2, a, b, c, d, e, stack[4];
	int64_t v[2];

	cprof__profile_add_sample_type(p, "alloc_objects", "count");
	cprof__profile_add_sample_type(p, "alloc_space", "bytes");
	cprof__profile_add_comment(p, "a comment line");
	cprof__profile_add_comment(p, "#hidden comment");
	memset(&m, 0, sizeof(m));
	m.memory_start = 0x400000;
	m.memory_limit = 0x500000;
	m.filename = cprof__profile_string(p, "/opt/app/bin/rawserver");
	/* symbolized as far as it goes: pprof must not try the binary */
	m.has_functions = m.has_filenames = m.has_line_numbers = true;
	map1 = cprof__profile_add_mapping(p, &m);
	m.memory_start = 0x7f0000000000;
	m.memory_limit = 0x7f0000100000;
	m.filename = 0;
	map2 = cprof__profile_add_mapping(p, &m);
	a = cprof__profile_add_location(p, map1, 0x401234, NULL, 0);
	b = cprof__profile_add_location(p, map2, 0x7f0000001000, NULL, 0);
	c = fn_loc(p, map1, 0x402000, "main", "/src/main.c", 40);
	inl[0].function_id = cprof__profile_add_function(p, "inner", "inner",
							 "/src/util.h", 5);
	inl[0].line = 7;
	inl[1].function_id = cprof__profile_add_function(p, "outer", "outer",
							 "/src/util.c", 20);
	inl[1].line = 25;
	inl[0].column = inl[1].column = 0;
	d = cprof__profile_add_location(p, map1, 0x403000, inl, 2);
	e = fn_loc(p, map1, 0x404000, "work", "./src/../src/work.c", 60);
	memset(lab, 0, sizeof(lab));
	lab[0].key = cprof__profile_string(p, "bytes");
	lab[0].num = 4096;
	lab[1].key = cprof__profile_string(p, "request");
	lab[1].num = 512;
	lab[2].key = cprof__profile_string(p, "shard");
	lab[2].str = cprof__profile_string(p, "eu-1");

	stack[0] = a; stack[1] = e; stack[2] = c;
	v[0] = 10; v[1] = 40960;
	cprof__profile_add_sample(p, stack, 3, v, 2, lab, 3);
	stack[0] = b; stack[1] = d; stack[2] = c;
	v[0] = 3; v[1] = 1536;
	cprof__profile_add_sample(p, stack, 3, v, 2, lab + 1, 2);
	stack[0] = d; stack[1] = e; stack[2] = c;
	v[0] = 5; v[1] = 5 << 20;
	cprof__profile_add_sample(p, stack, 3, v, 2, lab, 1);
	stack[0] = e; stack[1] = c;
	v[0] = -2; v[1] = -2048;
	cprof__profile_add_sample(p, stack, 2, v, 2, lab + 2, 1);
	return write_profile(p, dir, "raw.pb.gz");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: cli_mkprof OUT_DIR\n");
		return 2;
	}
	if (mangled(argv[1]) != 0 || raw(argv[1]) != 0) {
		fprintf(stderr, "cli_mkprof: cannot write the profiles\n");
		return 1;
	}
	return 0;
}
