/*
 * test_symbolize.c - the symbolizer against code of a known shape in this
 * very process: an inlined function and a gcc clone (symtest_target.c,
 * -O2 -g), a function whose DWARF has no name (symtest_noname.c), a PLT
 * stub, libc, a stripped library and a C++ library dlopen'ed after first
 * use, the vDSO, anonymous memory, several threads at once. Checks the
 * profile's mappings, locations, lines and functions as pprof will read
 * them, and that a few thousand fresh addresses resolve well within a
 * second once libdw is warm.
 *
 * The tests share the one per-process symbolizer and run in order.
 */
#include <dlfcn.h>
#include <limits.h>
#include <link.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/buf.h"
#include "pprof/profile.h"
#include "symbolize/symbolize.h"
#include "symtest_target.h"

/* One address symbolized into a fresh profile. */
struct one {
	struct cprof__profile *p;
	const struct cprof__location *loc;
	const struct cprof__mapping *map; /* NULL for mapping_id 0 */
};

static void one_symbolize(struct one *o, uint64_t addr)
{
	uint64_t id = 0;

	o->p = cprof__profile_new();
	assert_non_null(o->p);
	assert_int_equal(cprof__symbolize_locations(o->p, &addr, 1, &id), 0);
	o->loc = cprof__profile_location(o->p, id);
	assert_non_null(o->loc);
	assert_true(o->loc->address == addr);
	o->map = o->loc->mapping_id
			 ? cprof__profile_mapping(o->p, o->loc->mapping_id)
			 : NULL;
}

static const struct cprof__function *one_func(const struct one *o, size_t i)
{
	const struct cprof__function *f;

	assert_true(i < o->loc->n_lines);
	f = cprof__profile_function(o->p, o->loc->lines[i].function_id);
	assert_non_null(f);
	return f;
}

static const char *str(const struct one *o, int64_t i)
{
	return cprof__profile_str(o->p, i);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* `readelf -n FILE`'s build id, into out. */
static void readelf_build_id(const char *file, char *out, size_t size)
{
	char cmd[PATH_MAX + 64], line[512];
	FILE *f;

	out[0] = '\0';
	snprintf(cmd, sizeof(cmd), "readelf -n '%s' 2>/dev/null", file);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		char *b = strstr(line, "Build ID: ");

		if (b != NULL) {
			b += strlen("Build ID: ");
			b[strcspn(b, " \n")] = '\0';
			snprintf(out, size, "%s", b);
		}
	}
	pclose(f);
}

static void test_inline_frames(void **state)
{
	struct one o;
	const struct cprof__function *inl, *outer;

	one_symbolize(&o, (uintptr_t)symtest_inl_pc);
	assert_int_equal(o.loc->n_lines, 2);
	inl = one_func(&o, 0);
	outer = one_func(&o, 1);
	assert_string_equal(str(&o, inl->name), "symtest_inl");
	assert_string_equal(str(&o, inl->system_name), "symtest_inl");
	assert_true(ends_with(str(&o, inl->filename), "/symtest_target.c"));
	assert_int_equal(inl->start_line, SYMTEST_INL_DECL_LINE);
	assert_int_equal(o.loc->lines[0].line, SYMTEST_INL_LINE);
	assert_string_equal(str(&o, outer->name), "symtest_outer");
	assert_true(ends_with(str(&o, outer->filename), "/symtest_target.c"));
	assert_int_equal(outer->start_line, SYMTEST_OUTER_DECL_LINE);
	assert_int_equal(o.loc->lines[1].line, SYMTEST_CALL_LINE);
	assert_non_null(o.map);
	assert_true(o.map->has_functions && o.map->has_filenames &&
		    o.map->has_line_numbers && o.map->has_inline_frames);
	cprof__profile_free(o.p);
}

static void test_plain_function(void **state)
{
	struct one o;
	const struct cprof__function *f;

	one_symbolize(&o, (uintptr_t)symtest_leaf_pc);
	assert_int_equal(o.loc->n_lines, 1);
	f = one_func(&o, 0);
	assert_string_equal(str(&o, f->name), "symtest_leaf");
	assert_string_equal(str(&o, f->system_name), "symtest_leaf");
	assert_true(ends_with(str(&o, f->filename), "/symtest_target.c"));
	assert_int_equal(f->start_line, SYMTEST_LEAF_DECL_LINE);
	assert_int_equal(o.loc->lines[0].line, SYMTEST_LEAF_LINE);
	cprof__profile_free(o.p);
}

/* The first symbol `nm FILE` lists whose name starts with prefix, into
 * out ("" if none). */
static void nm_prefixed(const char *file, const char *prefix, char *out,
			size_t size)
{
	char cmd[PATH_MAX + 64], line[512], name[256];
	FILE *f;

	out[0] = '\0';
	snprintf(cmd, sizeof(cmd), "nm '%s' 2>/dev/null", file);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (out[0] == '\0' &&
		    sscanf(line, "%*s %*s %255s", name) == 1 &&
		    strncmp(name, prefix, strlen(prefix)) == 0)
			snprintf(out, size, "%s", name);
	}
	pclose(f);
}

/*
 * A gcc clone (symtest_clone.constprop.0): its DWARF is a concrete DIE
 * whose name, file and line live on the abstract origin. The function is
 * named as in the source, as addr2line does, not after the clone's symbol.
 */
static void test_clone_named_by_origin(void **state)
{
	char exe[PATH_MAX], sym[256];
	struct cprof__buf name = CPROF_BUF_INIT;
	const struct cprof__function *f;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct one o;

	assert_true(n > 0);
	exe[n] = '\0';
	assert_int_equal(symtest_clone_caller(), 0);
	/* What this test is about; a compiler that does not clone
	 * (clang) still has to name the function right. */
	nm_prefixed(exe, "symtest_clone.", sym, sizeof(sym));
	if (sym[0] == '\0')
		print_message("note: symtest_clone was not cloned\n");
	one_symbolize(&o, (uintptr_t)symtest_clone_pc);
	assert_int_equal(o.loc->n_lines, 1);
	f = one_func(&o, 0);
	assert_string_equal(str(&o, f->name), "symtest_clone");
	assert_string_equal(str(&o, f->system_name), "symtest_clone");
	assert_true(ends_with(str(&o, f->filename), "/symtest_target.c"));
	assert_int_equal(f->start_line, SYMTEST_CLONE_DECL_LINE);
	assert_int_equal(o.loc->lines[0].line, SYMTEST_CLONE_LINE);
	cprof__profile_free(o.p);
	assert_int_equal(cprof__symbolize_name((uintptr_t)symtest_clone_pc,
					       &name), 0);
	assert_string_equal(name.data, "symtest_clone");
	cprof__buf_fini(&name);
}

/* DWARF has a function at the address but no name for it (a hand-written
 * unit, symtest_noname.c): the symbol table's name stands in. */
static void test_nameless_dwarf_named_by_symbol(void **state)
{
#if defined(__x86_64__) && defined(__ELF__)
	struct cprof__buf name = CPROF_BUF_INIT;
	const struct cprof__function *f;
	struct one o;

	one_symbolize(&o, (uintptr_t)symtest_noname_pc);
	assert_int_equal(o.loc->n_lines, 1);
	f = one_func(&o, 0);
	assert_string_equal(str(&o, f->name), "symtest_noname.part.0");
	assert_string_equal(str(&o, f->system_name), "symtest_noname.part.0");
	assert_non_null(o.map);
	assert_true(o.map->has_functions && o.map->has_inline_frames);
	cprof__profile_free(o.p);
	assert_int_equal(cprof__symbolize_name((uintptr_t)symtest_noname_pc,
					       &name), 0);
	assert_string_equal(name.data, "symtest_noname.part.0");
	cprof__buf_fini(&name);
#else
	skip();
#endif
}

static void test_main_mapping_first(void **state)
{
	char exe[PATH_MAX], want[200];
	struct one o;
	const struct cprof__mapping *m1;
	bool vdso = false;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	assert_true(n > 0);
	exe[n] = '\0';
	one_symbolize(&o, (uintptr_t)symtest_leaf_pc);
	assert_int_equal(o.loc->mapping_id, 1);
	m1 = cprof__profile_mapping(o.p, 1);
	assert_non_null(m1);
	assert_string_equal(str(&o, m1->filename), exe);
	assert_true(m1->memory_start <= (uintptr_t)symtest_leaf_pc &&
		    (uintptr_t)symtest_leaf_pc < m1->memory_limit);
	readelf_build_id(exe, want, sizeof(want));
	assert_true(strlen(want) >= 16);
	assert_string_equal(str(&o, m1->build_id), want);
	for (size_t i = 0; i < o.p->mappings.len; i++) {
		const struct cprof__mapping *m = &o.p->mappings.items[i];

		assert_int_equal(m->id, i + 1);
		vdso |= strcmp(str(&o, m->filename), "[vdso]") == 0;
		/* Only mapping 1 has a location: the others claim nothing. */
		if (m->id != 1)
			assert_false(m->has_functions);
	}
	/* Valgrind, for one, gives its guest no vDSO. */
	assert_true(vdso == (getauxval(AT_SYSINFO_EHDR) != 0));
	cprof__profile_free(o.p);
}

static void test_libc_function(void **state)
{
	void *addr = dlsym(RTLD_DEFAULT, "getpid");
	char want[200];
	struct one o;
	const struct cprof__function *f;

	assert_non_null(addr);
	one_symbolize(&o, (uintptr_t)addr);
	assert_true(o.loc->n_lines >= 1);
	f = one_func(&o, o.loc->n_lines - 1);
	assert_non_null(strstr(str(&o, f->name), "getpid"));
	assert_non_null(o.map);
	assert_non_null(strstr(str(&o, o.map->filename), "libc.so"));
	assert_true(o.map->has_functions);
	readelf_build_id(str(&o, o.map->filename), want, sizeof(want));
	assert_true(strlen(want) >= 16);
	assert_string_equal(str(&o, o.map->build_id), want);
	cprof__profile_free(o.p);
}

/* Symbolizes addr (named) with the start of its code mapping (_init, which
 * stripping removed: no name): the mapping no longer claims functions,
 * else pprof would skip symbolizing it. */
static void check_unnamed_clears_has_functions(uint64_t addr)
{
	struct cprof__profile *p = cprof__profile_new();
	uint64_t two[2], ids[2];
	const struct cprof__location *named, *unnamed;
	const struct cprof__mapping *m;
	struct one o;

	one_symbolize(&o, addr);
	two[0] = addr;
	two[1] = o.map->memory_start;
	cprof__profile_free(o.p);
	assert_int_equal(cprof__symbolize_locations(p, two, 2, ids), 0);
	named = cprof__profile_location(p, ids[0]);
	unnamed = cprof__profile_location(p, ids[1]);
	assert_int_equal(named->n_lines, 1);
	assert_int_equal(unnamed->n_lines, 0);
	assert_true(named->mapping_id == unnamed->mapping_id);
	m = cprof__profile_mapping(p, named->mapping_id);
	assert_non_null(m);
	assert_false(m->has_functions);
	cprof__profile_free(p);
}

/* The load address of the main executable (dl_iterate_phdr's first). */
static int main_bias_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	*(uint64_t *)arg = info->dlpi_addr;
	return 1;
}

/* `readelf -SW FILE`'s address and size of section name, else false. */
static bool readelf_section(const char *file, const char *name,
			    uint64_t *addr, uint64_t *size)
{
	char cmd[PATH_MAX + 64], line[512], sec[64];
	bool found = false;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "readelf -SW '%s' 2>/dev/null", file);
	f = popen(cmd, "r");
	assert_non_null(f);
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		char *b = strchr(line, ']');
		unsigned long long a, off, sz;

		if (b != NULL &&
		    sscanf(b + 1, "%63s %*s %llx %llx %llx", sec, &a, &off,
			   &sz) == 4 &&
		    strcmp(sec, name) == 0) {
			*addr = a;
			*size = sz;
			found = true;
		}
	}
	pclose(f);
	return found;
}

/*
 * A sample in a PLT stub (the leaf pc of a thread calling a libc function
 * through the PLT) resolves to nothing: no DWARF covers the PLT and no
 * symbol-table entry either. In a module with DWARF that is all there is to
 * know, so it must not take has_functions (and the other two) from the
 * whole mapping: pprof would then re-symbolize every location of the
 * executable itself and throw our names away (seen with busy's
 * checksum_block.constprop.0, which came out nameless about every other
 * run, whenever a sample landed in rand_r@plt).
 */
static void test_plt_keeps_mapping_flags(void **state)
{
	char exe[PATH_MAX];
	struct cprof__profile *p = cprof__profile_new();
	uint64_t addrs[3], ids[3], bias = 0, plt = 0, size = 0;
	const struct cprof__location *leaf, *clone, *stub;
	const struct cprof__function *f;
	const struct cprof__mapping *m;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	assert_true(n > 0);
	exe[n] = '\0';
	if (!readelf_section(exe, ".plt", &plt, &size) || size < 32) {
		cprof__profile_free(p);
		skip();
	}
	dl_iterate_phdr(main_bias_cb, &bias);
	addrs[0] = (uintptr_t)symtest_leaf_pc;
	addrs[1] = (uintptr_t)symtest_clone_pc;
	/* Inside the second PLT entry (the first is PLT0). */
	addrs[2] = bias + plt + 16 + 4;
	assert_int_equal(cprof__symbolize_locations(p, addrs, 3, ids), 0);
	leaf = cprof__profile_location(p, ids[0]);
	clone = cprof__profile_location(p, ids[1]);
	stub = cprof__profile_location(p, ids[2]);
	assert_int_equal(stub->n_lines, 0);
	assert_int_equal(stub->mapping_id, leaf->mapping_id);
	assert_int_equal(leaf->n_lines, 1);
	assert_int_equal(clone->n_lines, 1);
	f = cprof__profile_function(p, clone->lines[0].function_id);
	assert_non_null(f);
	assert_string_equal(cprof__profile_str(p, f->name), "symtest_clone");
	assert_int_equal(f->start_line, SYMTEST_CLONE_DECL_LINE);
	assert_int_equal(clone->lines[0].line, SYMTEST_CLONE_LINE);
	m = cprof__profile_mapping(p, leaf->mapping_id);
	assert_non_null(m);
	assert_true(m->has_functions);
	assert_true(m->has_filenames);
	assert_true(m->has_line_numbers);
	assert_true(m->has_inline_frames);
	cprof__profile_free(p);
}

static void test_stripped_library_dlopened_later(void **state)
{
	char path[PATH_MAX];
	struct cprof__buf name = CPROF_BUF_INIT;
	struct one o;
	const struct cprof__function *f;
	void *handle, *fn;
	uint64_t addr;

	/* First use before the library exists in the process. */
	one_symbolize(&o, (uintptr_t)symtest_leaf_pc);
	cprof__profile_free(o.p);

	handle = dlopen(SYMTEST_DYN_PATH, RTLD_NOW | RTLD_LOCAL);
	assert_non_null(handle);
	fn = dlsym(handle, "symtest_dyn_func");
	assert_non_null(fn);
	addr = (uintptr_t)fn + 1;
	one_symbolize(&o, addr);
	assert_int_equal(o.loc->n_lines, 1);
	f = one_func(&o, 0);
	assert_string_equal(str(&o, f->name), "symtest_dyn_func");
	assert_string_equal(str(&o, f->filename), "");
	assert_int_equal(o.loc->lines[0].line, 0);
	assert_non_null(o.map);
	assert_non_null(realpath(SYMTEST_DYN_PATH, path));
	assert_string_equal(str(&o, o.map->filename), path);
	assert_true(o.map->has_functions);
	assert_false(o.map->has_filenames);
	assert_false(o.map->has_line_numbers);
	assert_false(o.map->has_inline_frames);
	cprof__profile_free(o.p);

	assert_int_equal(cprof__symbolize_name(addr, &name), 0);
	assert_string_equal(name.data, "symtest_dyn_func");
	cprof__buf_fini(&name);

	check_unnamed_clears_has_functions(addr);

	/* Unloaded: the address means nothing any more, and nothing
	 * cached from before may say otherwise. */
	assert_int_equal(dlclose(handle), 0);
	one_symbolize(&o, addr);
	assert_int_equal(o.loc->n_lines, 0);
	cprof__profile_free(o.p);
}

/* DWARF split off into a file named by .gnu_debuglink is found. */
static void test_debuglink(void **state)
{
	void *handle = dlopen(SYMTEST_LINK_PATH, RTLD_NOW | RTLD_LOCAL);
	int (*decl_line)(void);
	const struct cprof__function *f;
	struct one o;
	void *fn;

	assert_non_null(handle);
	fn = dlsym(handle, "symtest_link_func");
	decl_line = (int (*)(void))dlsym(handle, "symtest_link_decl_line");
	assert_non_null(fn);
	assert_non_null(decl_line);
	one_symbolize(&o, (uintptr_t)fn + 1);
	assert_int_equal(o.loc->n_lines, 1);
	f = one_func(&o, 0);
	/* The name comes from the debug file's symbol table; its DWARF is not
	 * read (see symbolize_own_dwarf), so no file, line or inline frames. */
	assert_string_equal(str(&o, f->name), "symtest_link_func");
	assert_string_equal(str(&o, f->filename), "");
	assert_int_equal(o.loc->lines[0].line, 0);
	assert_true(decl_line() > 0);
	assert_true(o.map->has_functions);
	assert_false(o.map->has_line_numbers || o.map->has_inline_frames);
	cprof__profile_free(o.p);
	dlclose(handle);
}

/*
 * libdwfl's standard debug-file search loads libdebuginfod (and libcurl)
 * the first time it finds nothing locally, and asks the network when
 * DEBUGINFOD_URLS is set; cprof never uses it. By now modules without
 * local debug info (the stripped library) have been looked up, once with
 * a server configured.
 */
static void test_no_debuginfod(void **state)
{
	void *handle, *fn;
	struct one o;

	assert_int_equal(setenv("DEBUGINFOD_URLS", "http://127.0.0.1:9/", 1),
			 0);
	cprof__symbolize_reset();
	handle = dlopen(SYMTEST_DYN_PATH, RTLD_NOW | RTLD_LOCAL);
	assert_non_null(handle);
	fn = dlsym(handle, "symtest_dyn_func");
	assert_non_null(fn);
	one_symbolize(&o, (uintptr_t)fn);
	assert_int_equal(o.loc->n_lines, 1);
	cprof__profile_free(o.p);
	assert_null(dlopen("libdebuginfod.so.1", RTLD_LAZY | RTLD_NOLOAD));
	unsetenv("DEBUGINFOD_URLS");
	dlclose(handle);
}

static void test_cxx_demangled(void **state)
{
	struct cprof__buf name = CPROF_BUF_INIT;
	void *handle = dlopen(SYMTEST_CXX_PATH, RTLD_NOW | RTLD_LOCAL);
	struct one o;
	const struct cprof__function *f;
	void *fn;

	assert_non_null(handle);
	fn = dlsym(handle, "_ZN7symtest5twiceEi");
	assert_non_null(fn);
	one_symbolize(&o, (uintptr_t)fn);
	assert_int_equal(o.loc->n_lines, 1);
	f = one_func(&o, 0);
	assert_string_equal(str(&o, f->name), "symtest::twice(int)");
	assert_string_equal(str(&o, f->system_name), "_ZN7symtest5twiceEi");
	assert_true(ends_with(str(&o, f->filename), "/symtest_cxx.cc"));
	assert_true(o.loc->lines[0].line > 0);
	cprof__profile_free(o.p);

	assert_int_equal(cprof__symbolize_name((uintptr_t)fn, &name), 0);
	assert_string_equal(name.data, "symtest::twice(int)");
	cprof__buf_fini(&name);
	/* Kept loaded: libstdc++ came with it and stays either way. */
}

static void test_anonymous_memory(void **state)
{
	struct cprof__buf name = CPROF_BUF_INIT;
	size_t size = (size_t)sysconf(_SC_PAGESIZE);
	char *mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct one o;

	assert_true(mem != MAP_FAILED);
	one_symbolize(&o, (uintptr_t)mem + 16);
	assert_int_equal(o.loc->mapping_id, 0);
	assert_int_equal(o.loc->n_lines, 0);
	assert_int_equal(cprof__symbolize_name((uintptr_t)mem + 16, &name),
			 -1);
	cprof__buf_fini(&name);
	cprof__profile_free(o.p);
	munmap(mem, size);
}

static void test_vdso(void **state)
{
	struct cprof__profile *p = cprof__profile_new();
	const struct cprof__mapping *vdso = NULL;
	uint64_t addrs[256], ids[256];
	size_t named = 0, n = 0;

	/* Mappings come with any call; find the vDSO's. */
	if (getauxval(AT_SYSINFO_EHDR) == 0) {
		cprof__profile_free(p);
		skip();
	}
	assert_int_equal(cprof__symbolize_locations(p, NULL, 0, NULL), 0);
	for (size_t i = 0; i < p->mappings.len; i++) {
		if (strcmp(cprof__profile_str(p, p->mappings.items[i].filename),
			   "[vdso]") == 0)
			vdso = &p->mappings.items[i];
	}
	assert_non_null(vdso);
	assert_true(strlen(cprof__profile_str(p, vdso->build_id)) >= 16);
	for (uint64_t a = vdso->memory_start;
	     a < vdso->memory_limit && n < 256; a += 16)
		addrs[n++] = a;
	assert_int_equal(cprof__symbolize_locations(p, addrs, n, ids), 0);
	for (size_t i = 0; i < n; i++) {
		const struct cprof__location *loc =
			cprof__profile_location(p, ids[i]);
		const struct cprof__function *f;

		assert_int_equal(loc->mapping_id, vdso->id);
		if (loc->n_lines == 0)
			continue;
		f = cprof__profile_function(p, loc->lines[0].function_id);
		named += strstr(cprof__profile_str(p, f->name), "vdso") != NULL;
	}
	assert_true(named > 0);
	cprof__profile_free(p);
}

/* Several threads at once: serialised inside, same answers. */
static void *threads_worker(void *arg)
{
	uint64_t addrs[] = {(uintptr_t)symtest_inl_pc,
			    (uintptr_t)symtest_leaf_pc};
	uint64_t ids[2];
	bool *ok = arg;

	for (int round = 0; round < 50; round++) {
		struct cprof__profile *p = cprof__profile_new();
		const struct cprof__location *loc;

		*ok = p != NULL &&
		      cprof__symbolize_locations(p, addrs, 2, ids) == 0;
		loc = *ok ? cprof__profile_location(p, ids[0]) : NULL;
		*ok = *ok && loc != NULL && loc->n_lines == 2;
		if (round % 10 == 0)
			cprof__symbolize_reset();
		cprof__profile_free(p);
		if (!*ok)
			break;
	}
	return NULL;
}

static void test_threads(void **state)
{
	pthread_t t[4];
	bool ok[4] = {false};

	for (int i = 0; i < 4; i++)
		assert_int_equal(
			pthread_create(&t[i], NULL, threads_worker, &ok[i]), 0);
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_true(ok[i]);
	}
}

static void test_equal_addresses_one_location(void **state)
{
	struct cprof__profile *p = cprof__profile_new();
	uint64_t a = (uintptr_t)symtest_leaf_pc, b = (uintptr_t)symtest_inl_pc;
	uint64_t addrs[] = {a, b, a, a, b}, ids[5], again;
	size_t n_mappings;

	assert_int_equal(cprof__symbolize_locations(p, addrs, 5, ids), 0);
	assert_true(ids[0] == ids[2] && ids[0] == ids[3]);
	assert_true(ids[1] == ids[4]);
	assert_true(ids[0] != ids[1]);
	assert_int_equal(p->locations.len, 2);
	/* A second call on the same profile adds nothing it already has. */
	n_mappings = p->mappings.len;
	assert_int_equal(cprof__symbolize_locations(p, &a, 1, &again), 0);
	assert_true(again == ids[0]);
	assert_int_equal(p->locations.len, 2);
	assert_int_equal(p->mappings.len, n_mappings);
	cprof__profile_free(p);
}

/* A pseudo frame the caller added first (address 0, as the profiles'
 * "[cprof] lost samples") is not mistaken for the location of an address. */
static void test_pseudo_location_kept_apart(void **state)
{
	struct cprof__profile *p = cprof__profile_new();
	struct cprof__line line = {0, 0, 0};
	uint64_t pseudo, addrs[] = {(uintptr_t)symtest_leaf_pc, 0}, ids[2];

	line.function_id = cprof__profile_add_function(p, "[lost]", "[lost]",
						       "", 0);
	pseudo = cprof__profile_add_location(p, 0, 0, &line, 1);
	assert_true(pseudo != 0);
	assert_int_equal(cprof__symbolize_locations(p, addrs, 2, ids), 0);
	assert_true(ids[0] != pseudo && ids[1] != pseudo);
	assert_int_equal(cprof__profile_location(p, ids[1])->n_lines, 0);
	cprof__profile_free(p);
}

static void test_name_is_outermost(void **state)
{
	struct cprof__buf name = CPROF_BUF_INIT;

	assert_int_equal(
		cprof__symbolize_name((uintptr_t)symtest_inl_pc, &name), 0);
	assert_string_equal(name.data, "symtest_outer");
	cprof__buf_reset(&name);
	assert_int_equal(
		cprof__symbolize_name((uintptr_t)symtest_leaf_pc, &name), 0);
	assert_string_equal(name.data, "symtest_leaf");
	cprof__buf_fini(&name);
}

static void test_reset(void **state)
{
	struct one o;

	cprof__symbolize_reset();
	cprof__symbolize_reset();
	one_symbolize(&o, (uintptr_t)symtest_inl_pc);
	assert_int_equal(o.loc->n_lines, 2);
	cprof__profile_free(o.p);
}

/* A fork child resets the symbolizer and symbolizes on its own. */
static void test_fork_child(void **state)
{
	int status = -1;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		uint64_t addr = (uintptr_t)symtest_inl_pc, id = 0;
		struct cprof__profile *p;
		const struct cprof__location *loc;

		cprof__symbolize_atfork_child();
		p = cprof__profile_new();
		if (p == NULL || cprof__symbolize_locations(p, &addr, 1, &id))
			_exit(2);
		loc = cprof__profile_location(p, id);
		_exit(loc != NULL && loc->n_lines == 2 ? 0 : 3);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Sanitizers slow libdw's parsing several times over, valgrind more: the
 * bounds are for the code, not the instrumentation. CPROF_TEST_SLOWDOWN
 * (a factor) is the suite's timeout multiplier for such runs. */
static double slowdown(void)
{
	const char *env = getenv("CPROF_TEST_SLOWDOWN");
	double f = env != NULL ? strtod(env, NULL) : 0;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	if (f < 4)
		f = 4;
#endif
	return f >= 1 ? f : 1;
}

/* 4000 distinct addresses across libc's code (DWARF from libc6-dbg when
 * installed, .symtab/.dynsym otherwise), after one warm-up lookup. */
static void test_many_addresses_fast(void **state)
{
	enum { N = 4000 };
	struct one o;
	struct cprof__profile *p;
	uint64_t *addrs = calloc(N, sizeof(*addrs));
	uint64_t *ids = calloc(N, sizeof(*ids));
	uint64_t start, span;
	struct timespec t0;
	double cold, warm;
	size_t named = 0;

	assert_true(addrs && ids);
	one_symbolize(&o, (uintptr_t)dlsym(RTLD_DEFAULT, "getpid"));
	assert_non_null(o.map);
	start = o.map->memory_start;
	span = o.map->memory_limit - start;
	cprof__profile_free(o.p);
	for (size_t i = 0; i < N; i++)
		addrs[i] = start + 1 + i * (span / N);

	p = cprof__profile_new();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(cprof__symbolize_locations(p, addrs, N, ids), 0);
	cold = seconds_since(&t0);
	for (size_t i = 0; i < N; i++)
		named += cprof__profile_location(p, ids[i])->n_lines > 0;
	cprof__profile_free(p);

	p = cprof__profile_new();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(cprof__symbolize_locations(p, addrs, N, ids), 0);
	warm = seconds_since(&t0);
	cprof__profile_free(p);

	print_message("%d libc addresses: %.3f s uncached, %.3f s cached, "
		      "%zu with a function\n", N, cold, warm, named);
	assert_true(named > N / 2);
	assert_true(cold < 1.0 * slowdown());
	assert_true(warm < 0.2 * slowdown());
	free(addrs);
	free(ids);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inline_frames),
		cmocka_unit_test(test_plain_function),
		cmocka_unit_test(test_clone_named_by_origin),
		cmocka_unit_test(test_nameless_dwarf_named_by_symbol),
		cmocka_unit_test(test_main_mapping_first),
		cmocka_unit_test(test_libc_function),
		cmocka_unit_test(test_plt_keeps_mapping_flags),
		cmocka_unit_test(test_stripped_library_dlopened_later),
		cmocka_unit_test(test_debuglink),
		cmocka_unit_test(test_no_debuginfod),
		cmocka_unit_test(test_cxx_demangled),
		cmocka_unit_test(test_anonymous_memory),
		cmocka_unit_test(test_vdso),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_equal_addresses_one_location),
		cmocka_unit_test(test_pseudo_location_kept_apart),
		cmocka_unit_test(test_name_is_outermost),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_fork_child),
		cmocka_unit_test(test_many_addresses_fast),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
