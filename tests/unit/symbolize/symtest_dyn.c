/*
 * symtest_dyn.c - a shared library as a stripped distribution binary looks
 * to the symbolizer: built without -g and stripped of .symtab (see
 * CMakeLists.txt), so symtest_dyn_func is known only through .dynsym.
 * The test dlopens it after the symbolizer's first use.
 */
int symtest_dyn_func(int x);

int symtest_dyn_func(int x)
{
	/* Keeps a body the optimiser cannot reduce to nothing. */
	__asm__ volatile("nop" : "+r"(x));
	return x * 11 + 3;
}
