/*
 * symtest_target.h - the lines the symbolizer's tests expect in
 * symtest_target.c. Each is checked there by a _Static_assert on the line
 * itself, so editing that file cannot silently break the tests.
 */
#ifndef CPROF_TESTS_UNIT_SYMBOLIZE_SYMTEST_TARGET_H
#define CPROF_TESTS_UNIT_SYMBOLIZE_SYMTEST_TARGET_H

#define SYMTEST_INL_DECL_LINE 21 /* symtest_inl's declarator */
#define SYMTEST_INL_LINE 23      /* the marker inside symtest_inl */
#define SYMTEST_OUTER_DECL_LINE 29
#define SYMTEST_CALL_LINE 31     /* symtest_outer's call of symtest_inl */
#define SYMTEST_LEAF_DECL_LINE 36
#define SYMTEST_LEAF_LINE 38     /* the marker inside symtest_leaf */
#define SYMTEST_CLONE_DECL_LINE 49 /* symtest_clone, cloned by gcc */
#define SYMTEST_CLONE_LINE 54    /* the marker inside symtest_clone */
#define SYMTEST_CLONE_N 16

int symtest_outer(int x);
int symtest_leaf(int x);
int symtest_clone_caller(void);
extern int symtest_clone_data[SYMTEST_CLONE_N];

/* Addresses of the markers: a nop inside each function body. */
extern const char symtest_inl_pc[];
extern const char symtest_leaf_pc[];
extern const char symtest_clone_pc[];
/* Inside symtest_noname.part.0, whose DWARF has no name (x86-64 only). */
extern const char symtest_noname_pc[];

#endif
