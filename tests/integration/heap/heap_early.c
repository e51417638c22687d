/*
 * heap_early.c - allocation before main. Its constructor allocates at
 * early_ctor_site (under LD_PRELOAD, libcprof's constructor has run by
 * then, so these are profiled), then main allocates at early_main_site:
 * both small totals, far below 1 MiB, from the main thread.
 *
 *   heap_early    prints "ctor N live M" and "main N live M" (the truth)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CTOR_BLOCKS 100
#define CTOR_SIZE 1000
#define MAIN_BLOCKS 200
#define MAIN_SIZE 2000

static void *volatile ctor_blocks[CTOR_BLOCKS];
static void *volatile main_blocks[MAIN_BLOCKS];

__attribute__((noinline)) void early_ctor_site(void);
__attribute__((noinline)) void early_main_site(void);

__attribute__((noinline)) void early_ctor_site(void)
{
	for (int i = 0; i < CTOR_BLOCKS; i++) {
		ctor_blocks[i] = malloc(CTOR_SIZE);
		if (ctor_blocks[i] == NULL)
			abort();
	}
}

__attribute__((constructor)) static void early_init(void)
{
	early_ctor_site();
}

__attribute__((noinline)) void early_main_site(void)
{
	for (int i = 0; i < MAIN_BLOCKS; i++) {
		main_blocks[i] = malloc(MAIN_SIZE);
		if (main_blocks[i] == NULL)
			abort();
		memset(main_blocks[i], i, MAIN_SIZE);
	}
}

int main(void)
{
	early_main_site();
	/* Half of the constructor's blocks die in main. */
	for (int i = 0; i < CTOR_BLOCKS; i += 2)
		free(ctor_blocks[i]);
	printf("ctor %d live %d\n", CTOR_BLOCKS, CTOR_BLOCKS / 2);
	printf("main %d live %d\n", MAIN_BLOCKS, MAIN_BLOCKS);
	fflush(stdout);
	return 0;
}
