/*
 * heap_early_preload.c - a library preloaded next to libcprof (before it
 * or after it in LD_PRELOAD) whose constructor allocates: depending on the
 * order, before cprof has resolved the real allocator or before it has
 * started. Its destructor checks that every block kept its contents and
 * frees them (blocks allocated before cprof started, freed after), and
 * prints one line saying so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PRELOAD_BLOCKS 64

static char *volatile blocks[PRELOAD_BLOCKS];

__attribute__((constructor)) static void preload_init(void)
{
	for (int i = 0; i < PRELOAD_BLOCKS; i++) {
		size_t n = 100 + (size_t)i * 40;
		char *p = i % 3 == 0 ? calloc(1, n) : malloc(n);

		if (p == NULL)
			abort();
		if (i % 3 == 0 && p[n - 1] != 0)
			abort();
		memset(p, 'a' + i % 26, n);
		if (i % 4 == 1) {
			p = realloc(p, n * 2);
			if (p == NULL)
				abort();
		}
		blocks[i] = p;
	}
}

__attribute__((destructor)) static void preload_fini(void)
{
	int ok = 0;

	for (int i = 0; i < PRELOAD_BLOCKS; i++) {
		size_t n = 100 + (size_t)i * 40;
		size_t j;

		for (j = 0; j < n && blocks[i][j] == 'a' + i % 26; j++)
			;
		ok += j == n;
		free(blocks[i]);
	}
	printf("preload: %d of %d blocks intact\n", ok, PRELOAD_BLOCKS);
	fflush(stdout);
}
