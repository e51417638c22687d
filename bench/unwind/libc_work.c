/*
 * libc_work.c - a fixed amount of libc-heavy work for the overhead
 * benchmark: ROUNDS (6000) x (qsort of 4096 ints through a comparator, 400
 * snprintf calls, 100 regexec calls). Built with frame pointers, as users
 * build; libc is Debian's, without them. About 2.5 s of CPU by default.
 *
 *   bench_unwind_libcwork [ROUNDS]
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>

static volatile unsigned long work_sink;

static int work_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static void work_round(regex_t *re, int *v)
{
	static const char text[] =
		"the quick brown fox jumps over the lazy dog 1234 foo@bar.com";
	char buf[128];

	for (int i = 0; i < 4096; i++)
		v[i] = (int)((i * 2654435761u) >> 7);
	qsort(v, 4096, sizeof(v[0]), work_cmp);
	for (int i = 0; i < 400; i++)
		work_sink += (unsigned long)snprintf(buf, sizeof(buf),
						     "%d %s %.6f %x", i, "abc",
						     i * 1.37, i);
	for (int i = 0; i < 100; i++)
		work_sink += (unsigned long)regexec(re, text, 0, NULL, 0);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 6000;
	static int v[4096];
	regex_t re;

	if (regcomp(&re, "([a-z]+)@([a-z]+)\\.(com|org)|[0-9]{5}",
		    REG_EXTENDED) != 0)
		return 1;
	for (int r = 0; r < rounds; r++)
		work_round(&re, v);
	regfree(&re);
	printf("%lu\n", work_sink);
	return 0;
}
