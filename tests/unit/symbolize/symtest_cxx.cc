/*
 * symtest_cxx.cc - a C++ shared library (-O2 -g) for the demangling test:
 * symtest::twice(int) must come back as that, with _ZN7symtest5twiceEi as
 * its system name. symtest_cxx_new makes the library need libstdc++, so
 * the demangler is in the process once the test has dlopen'ed it.
 */
namespace symtest {

__attribute__((noinline)) int twice(int x)
{
	__asm__ volatile("nop" : "+r"(x));
	return 2 * x;
}

} // namespace symtest

extern "C" int *symtest_cxx_new(int x)
{
	return new int(symtest::twice(x));
}
