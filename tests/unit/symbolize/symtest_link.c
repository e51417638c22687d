/*
 * symtest_link.c - a shared library whose DWARF was moved to a separate
 * file found through .gnu_debuglink (objcopy --only-keep-debug, then
 * --strip-debug --add-gnu-debuglink; see CMakeLists.txt): the symbolizer
 * must find it there without any help from debuginfod.
 */
#define SYMTEST_LINK_DECL_LINE 13 /* symtest_link_func's declarator */

int symtest_link_func(int x);
int symtest_link_decl_line(void);

int
symtest_link_func(int x) { _Static_assert(__LINE__ == SYMTEST_LINK_DECL_LINE, "line");
	x += 3;
	__asm__ volatile("nop" : "+r"(x));
	return x * 13;
}

/* What the test expects as the function's start line. */
int symtest_link_decl_line(void)
{
	return SYMTEST_LINK_DECL_LINE;
}
