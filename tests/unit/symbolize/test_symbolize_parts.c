/*
 * test_symbolize_parts.c - the symbolizer's parts on fixtures: the
 * /proc/PID/maps parser (input -> expected, with deleted files, paths with
 * spaces, pseudo mappings, anonymous and malformed lines), the ELF note
 * parser that finds build ids, and the bound of the address cache.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <elf.h>

#include "symbolize/symbolize_int.h"

static const char maps_fixture[] =
	/* main executable: r-- is skipped, r-x kept */
	"55d0c0a00000-55d0c0a01000 r--p 00000000 fd:01 1234   /usr/bin/app\n"
	"55d0c0a01000-55d0c0a05000 r-xp 00001000 fd:01 1234   /usr/bin/app\n"
	/* anonymous executable memory with no name: skipped, like Go */
	"7f0000000000-7f0000001000 rwxp 00000000 00:00 0 \n"
	/* a replaced library: " (deleted)" goes */
	"7f1000001000-7f1000002000 r-xp 00001000 fd:01 77 /lib/old.so (deleted)\n"
	/* a path with spaces */
	"7f2000000000-7f2000010000 r-xp 00002000 fd:01 78 /opt/my app/lib x.so\n"
	/* malformed lines: skipped */
	"garbage\n"
	"7f3000000000 r-xp 00000000 fd:01 79 /no/dash\n"
	"7f4000000000-7f4000001000 r-xp\n"
	/* pseudo mappings, inode 0 but named: kept; no newline at the end */
	"7ffd1c3f0000-7ffd1c3f2000 r-xp 00000000 00:00 0      [vdso]\n"
	"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]";

static const struct {
	uint64_t start, limit, offset;
	const char *path;
} maps_expected[] = {
	{0x55d0c0a01000, 0x55d0c0a05000, 0x1000, "/usr/bin/app"},
	{0x7f1000001000, 0x7f1000002000, 0x1000, "/lib/old.so"},
	{0x7f2000000000, 0x7f2000010000, 0x2000, "/opt/my app/lib x.so"},
	{0x7ffd1c3f0000, 0x7ffd1c3f2000, 0, "[vdso]"},
	{0xffffffffff600000, 0xffffffffff601000, 0, "[vsyscall]"},
};

static void test_maps_parse(void **state)
{
	struct cprof__sym_maps m;
	size_t n = sizeof(maps_expected) / sizeof(maps_expected[0]);

	assert_int_equal(cprof__sym_maps_parse(maps_fixture,
					       sizeof(maps_fixture) - 1, &m),
			 0);
	assert_int_equal(m.len, n);
	for (size_t i = 0; i < n; i++) {
		assert_true(m.items[i].start == maps_expected[i].start);
		assert_true(m.items[i].limit == maps_expected[i].limit);
		assert_true(m.items[i].offset == maps_expected[i].offset);
		assert_string_equal(m.items[i].path, maps_expected[i].path);
	}
	assert_true(m.signature != 0);
	assert_ptr_equal(cprof__sym_maps_find(&m, 0x55d0c0a01000),
			 &m.items[0]);
	assert_ptr_equal(cprof__sym_maps_find(&m, 0x7f200000ffff),
			 &m.items[2]);
	assert_null(cprof__sym_maps_find(&m, 0x55d0c0a05000));
	assert_null(cprof__sym_maps_find(&m, 0x7f0000000010));
	cprof__sym_maps_fini(&m);
}

static void test_maps_signature_follows_files(void **state)
{
	static const char a[] =
		"1000-2000 r-xp 00000000 fd:01 5 /a.so\n"
		"7ffd0000-7ffd2000 r-xp 00000000 00:00 0 [vdso]\n";
	static const char b[] =
		"1000-2000 r-xp 00000000 fd:01 6 /a.so\n"
		"7ffd0000-7ffd2000 r-xp 00000000 00:00 0 [vdso]\n";
	static const char c[] =
		"1000-2000 r-xp 00000000 fd:01 5 /a.so\n"
		"7ffe0000-7ffe2000 r-xp 00000000 00:00 0 [vdso]\n";
	struct cprof__sym_maps ma, mb, mc;

	assert_int_equal(cprof__sym_maps_parse(a, sizeof(a) - 1, &ma), 0);
	assert_int_equal(cprof__sym_maps_parse(b, sizeof(b) - 1, &mb), 0);
	assert_int_equal(cprof__sym_maps_parse(c, sizeof(c) - 1, &mc), 0);
	/* Another file (inode) at the same place is a change; pseudo
	 * mappings are not files and do not count. */
	assert_true(ma.signature != mb.signature);
	assert_true(ma.signature == mc.signature);
	cprof__sym_maps_fini(&ma);
	cprof__sym_maps_fini(&mb);
	cprof__sym_maps_fini(&mc);
}

static void test_maps_read_self(void **state)
{
	struct cprof__sym_maps m;
	const struct cprof__sym_map *main_map;

	assert_int_equal(cprof__sym_maps_read(&m), 0);
	main_map = cprof__sym_maps_find(&m, (uintptr_t)test_maps_read_self);
	assert_non_null(main_map);
	assert_true(main_map->is_main);
	assert_int_equal(strlen(main_map->build_id) % 2, 0);
	assert_true(strlen(main_map->build_id) >= 16);
	for (size_t i = 0; i < m.len; i++) {
		if (&m.items[i] != main_map && m.items[i].is_main)
			assert_string_equal(m.items[i].path, main_map->path);
	}
	cprof__sym_maps_fini(&m);
}

/* Appends one note (4-byte alignment) to buf at *off. */
static void put_note(unsigned char *buf, size_t *off, uint32_t type,
		     const char *name, const void *desc, uint32_t descsz)
{
	Elf64_Nhdr nh = {(uint32_t)strlen(name) + 1, descsz, type};

	memcpy(buf + *off, &nh, sizeof(nh));
	*off += sizeof(nh);
	memcpy(buf + *off, name, nh.n_namesz);
	*off += (nh.n_namesz + 3) & ~3u;
	memcpy(buf + *off, desc, descsz);
	*off += (descsz + 3) & ~3u;
}

static void test_note_build_id(void **state)
{
	static const unsigned char id[] = {0xde, 0xad, 0xbe, 0xef, 0x01,
					   0x23, 0x45, 0x67, 0x89, 0xab};
	static const unsigned char abi[16] = {0};
	unsigned char buf[256] = {0};
	char out[2 * CPROF_SYM_BUILD_ID_MAX + 1];
	size_t off = 0;

	put_note(buf, &off, NT_GNU_ABI_TAG, "GNU", abi, sizeof(abi));
	/* Right type, wrong owner: not a build id. */
	put_note(buf, &off, NT_GNU_BUILD_ID, "XYZ", id, sizeof(id));
	put_note(buf, &off, NT_GNU_BUILD_ID, "GNU", id, sizeof(id));
	assert_true(cprof__sym_note_build_id(buf, off, 4, out));
	assert_string_equal(out, "deadbeef0123456789ab");
	/* Cut short inside the build id's descriptor: not found. */
	assert_false(cprof__sym_note_build_id(buf, off - 4, 4, out));
	assert_false(cprof__sym_note_build_id(buf, 3, 4, out));
}

/* The cache drops everything when full rather than growing. */
static void test_cache_bound(void **state)
{
	struct cprof__sym_cache c;
	struct cprof__sym_raw raw;
	struct cprof__sym_entry *e;

	memset(&raw, 0, sizeof(raw));
	raw.n = 1;
	raw.frames[0].name = "f";
	raw.frames[0].file = "f.c";
	raw.frames[0].line = 3;
	cprof__sym_cache_init(&c);
	for (uint64_t a = 0; a < CPROF_SYM_CACHE_MAX_ADDRS; a++)
		assert_non_null(cprof__sym_cache_put(&c, 0x1000 + a, &raw));
	assert_int_equal(cprof__sym_cache_size(&c), CPROF_SYM_CACHE_MAX_ADDRS);
	e = cprof__sym_cache_get(&c, 0x1000);
	assert_non_null(e);
	assert_string_equal(e->frames[0].fn->name, "f");
	assert_int_equal(e->frames[0].line, 3);

	assert_non_null(cprof__sym_cache_put(&c, 0x0fff, &raw));
	assert_int_equal(cprof__sym_cache_size(&c), 1);
	assert_null(cprof__sym_cache_get(&c, 0x1000));
	assert_non_null(cprof__sym_cache_get(&c, 0x0fff));
	cprof__sym_cache_fini(&c);
}

/* Functions are interned: equal frames share one function. */
static void test_cache_interns_functions(void **state)
{
	struct cprof__sym_cache c;
	struct cprof__sym_raw raw;
	struct cprof__sym_entry *a, *b;
	char name[] = "g";

	memset(&raw, 0, sizeof(raw));
	raw.n = 1;
	raw.frames[0].name = name;
	cprof__sym_cache_init(&c);
	a = cprof__sym_cache_put(&c, 0x10, &raw);
	b = cprof__sym_cache_put(&c, 0x20, &raw);
	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_equal(a->frames[0].fn, b->frames[0].fn);
	/* Copied, not borrowed: the source may go away. */
	name[0] = 'h';
	assert_string_equal(a->frames[0].fn->name, "g");
	assert_string_equal(a->frames[0].fn->file, "");
	cprof__sym_cache_fini(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_maps_parse),
		cmocka_unit_test(test_maps_signature_follows_files),
		cmocka_unit_test(test_maps_read_self),
		cmocka_unit_test(test_note_build_id),
		cmocka_unit_test(test_cache_bound),
		cmocka_unit_test(test_cache_interns_functions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
