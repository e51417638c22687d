/*
 * symtest_target.c - code of a known shape for the symbolizer's tests,
 * always built -O2 -g (see CMakeLists.txt): symtest_inl is forced inline
 * into symtest_outer, symtest_leaf is ordinary, symtest_clone gcc clones.
 * Each carries a global label on a nop (inline asm) so a test knows an
 * address inside the body, and its line, without disassembling anything.
 *
 * The line numbers are part of the test: see symtest_target.h.
 */
#include "symtest_target.h"

#define SYMTEST_AT(line) _Static_assert(__LINE__ == (line), #line)

/* A .globl label defined twice fails the build: that would mean the
 * compiler duplicated the body, and the test would no longer say what it
 * says. noipa keeps gcc from cloning the functions. */
#define SYMTEST_MARK(label, x)                                                \
	__asm__ volatile(".globl " label "\n" label ":\n\tnop" : "+r"(x))

static inline __attribute__((always_inline)) int
symtest_inl(int x) { SYMTEST_AT(SYMTEST_INL_DECL_LINE);
	x = x * 3 + 1;
	SYMTEST_MARK("symtest_inl_pc", x); SYMTEST_AT(SYMTEST_INL_LINE);
	return x ^ 0x55;
}

__attribute__((noinline, noipa))
int
symtest_outer(int x) { SYMTEST_AT(SYMTEST_OUTER_DECL_LINE);
	x += 2;
	x = symtest_inl(x); SYMTEST_AT(SYMTEST_CALL_LINE);
	return x - 9;
}

__attribute__((noinline, noipa)) int
symtest_leaf(int x) { SYMTEST_AT(SYMTEST_LEAF_DECL_LINE);
	x += 7;
	SYMTEST_MARK("symtest_leaf_pc", x); SYMTEST_AT(SYMTEST_LEAF_LINE);
	return x * 5;
}

/* gcc -O2 turns this into symtest_clone.constprop.0 (n is always
 * SYMTEST_CLONE_N): a concrete out-of-line DIE whose name is on its
 * abstract origin, and a .symtab name with the clone suffix. noinline, not
 * noipa: the clone is the point. */
int symtest_clone_data[SYMTEST_CLONE_N];

static __attribute__((noinline)) int
symtest_clone(const int *v, int n) { SYMTEST_AT(SYMTEST_CLONE_DECL_LINE);
	int s = 0;

	for (int i = 0; i < n; i++)
		s += v[i] * (i + 1);
	SYMTEST_MARK("symtest_clone_pc", s); SYMTEST_AT(SYMTEST_CLONE_LINE);
	return s;
}

int symtest_clone_caller(void)
{
	return symtest_clone(symtest_clone_data, SYMTEST_CLONE_N);
}
