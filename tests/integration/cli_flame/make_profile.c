/*
 * make_profile.c - writes the profiles the cli_flame tests know by heart.
 *
 *   make_profile new FILE    the profile below
 *   make_profile base FILE   the same stacks with other values (for diff)
 *   make_profile big N FILE  N samples over a generated call tree, for
 *                            the benchmark (deterministic)
 *
 * "new" has two sample types, samples/count and cpu/nanoseconds (10 ms a
 * sample), and these stacks, written leaf first as in the format:
 *
 *   memcpy <- parse_request <- serve <- main            3   (twice: +2)
 *   compress <- serve <- main                           5
 *   [hash_inline inlined into lookup] <- main           4   (one location)
 *   0x4000 (no symbol) <- main                          1
 *   "weird;name" <- main                                1
 *   std::vector<int>::push_back <- main                 2
 *   never <- main                                       0   (dropped)
 *
 * so folded must print, siblings sorted by name:
 *
 *   main;0x4000 1
 *   main;lookup;hash_inline 4
 *   main;serve;compress 5
 *   main;serve;parse_request;memcpy 5
 *   main;std::vector<int>::push_back 2
 *   main;weird?name 1
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "pprof/pprof.h"

static uint64_t fn_loc(struct cprof__profile *p, const char *name,
		       uint64_t addr)
{
	struct cprof__line line = {0};

	line.function_id = cprof__profile_add_function(p, name, name, "x.c", 1);
	line.line = 10;
	return cprof__profile_add_location(p, 1, addr, &line, 1);
}

static void sample(struct cprof__profile *p, const uint64_t *locs, size_t n,
		   int64_t count)
{
	int64_t v[2] = {count, count * 10000000};

	cprof__profile_add_sample(p, locs, n, v, 2, NULL, 0);
}

static void make_known(struct cprof__profile *p, int scale)
{
	struct cprof__mapping m = {0};
	uint64_t main_, serve, parse, memcpy_, compress, lookup, addr, weird,
		push, never;
	struct cprof__line inl[2] = {{0}, {0}};

	m.memory_start = 0x1000;
	m.memory_limit = 0x100000;
	m.filename = cprof__profile_string(p, "/usr/bin/known");
	m.has_functions = true;
	cprof__profile_add_mapping(p, &m);
	main_ = fn_loc(p, "main", 0x1100);
	serve = fn_loc(p, "serve", 0x1200);
	parse = fn_loc(p, "parse_request", 0x1300);
	memcpy_ = fn_loc(p, "memcpy", 0x1400);
	compress = fn_loc(p, "compress", 0x1500);
	inl[0].function_id = cprof__profile_add_function(p, "hash_inline",
							 "hash_inline", "x.c", 1);
	inl[1].function_id = cprof__profile_add_function(p, "lookup", "lookup",
							 "x.c", 1);
	lookup = cprof__profile_add_location(p, 1, 0x1600, inl, 2);
	addr = cprof__profile_add_location(p, 1, 0x4000, NULL, 0);
	weird = fn_loc(p, "weird;name", 0x1700);
	push = fn_loc(p, "std::vector<int>::push_back", 0x1800);
	never = fn_loc(p, "never", 0x1900);

	sample(p, (uint64_t[]){memcpy_, parse, serve, main_}, 4, 3 * scale);
	sample(p, (uint64_t[]){compress, serve, main_}, 3, 5);
	sample(p, (uint64_t[]){memcpy_, parse, serve, main_}, 4, 2);
	sample(p, (uint64_t[]){lookup, main_}, 2, 4 * scale);
	sample(p, (uint64_t[]){addr, main_}, 2, 1);
	sample(p, (uint64_t[]){weird, main_}, 2, 1);
	sample(p, (uint64_t[]){push, main_}, 2, 2 * scale);
	sample(p, (uint64_t[]){never, main_}, 2, 0);
}

/* A tree of fan-out 4 and depth 12 over 400 names; each sample walks a
 * pseudo-random path, so a few hundred thousand samples give a profile
 * the size of a busy service's. */
static void make_big(struct cprof__profile *p, long n)
{
	struct cprof__mapping m = {0};
	uint64_t locs[400], path[16];
	uint64_t x = 88172645463325252ull;
	char name[64];

	m.memory_start = 0x1000;
	m.memory_limit = 0x1000000;
	m.filename = cprof__profile_string(p, "/usr/bin/big");
	m.has_functions = true;
	cprof__profile_add_mapping(p, &m);
	for (int i = 0; i < 400; i++) {
		snprintf(name, sizeof(name), "ns%d::Class%d::method_%d", i % 7,
			 i % 31, i);
		locs[i] = fn_loc(p, name, 0x1000 + 16 * (uint64_t)i);
	}
	for (long s = 0; s < n; s++) {
		size_t depth = 4 + (size_t)(s % 12);
		uint64_t node = 0;

		for (size_t d = 0; d < depth; d++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			node = node * 4 + x % 4;
			path[depth - 1 - d] = locs[node % 400];
		}
		sample(p, path, depth, 1 + (int64_t)(x % 5));
	}
}

int main(int argc, char **argv)
{
	struct cprof__profile *p = cprof__profile_new();
	struct cprof__buf out;
	const char *file = argv[argc - 1];
	FILE *f;

	if (p == NULL || argc < 3)
		return 1;
	cprof__profile_add_sample_type(p, "samples", "count");
	cprof__profile_add_sample_type(p, "cpu", "nanoseconds");
	cprof__profile_set_period(p, "cpu", "nanoseconds", 10000000);
	p->duration_nanos = 1000000000;
	if (strcmp(argv[1], "new") == 0)
		make_known(p, 1);
	else if (strcmp(argv[1], "base") == 0)
		make_known(p, 2);
	else if (strcmp(argv[1], "big") == 0 && argc == 4)
		make_big(p, atol(argv[2]));
	else
		return 1;
	cprof__buf_init(&out, 0);
	if (cprof__profile_error(p) != 0 ||
	    cprof__pprof_encode(p, &out, true) != 0 ||
	    cprof__buf_failed(&out))
		return 1;
	f = fopen(file, "wb");
	if (f == NULL || fwrite(out.data, 1, out.len, f) != out.len ||
	    fclose(f) != 0)
		return 1;
	cprof__buf_fini(&out);
	cprof__profile_free(p);
	return 0;
}
