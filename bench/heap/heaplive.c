/*
 * heaplive.c - a process with a large live heap, for the part of the
 * memory-profile benchmark (bench/heap/run.sh, issue #4) that measures
 * cprof's own resident memory.
 *
 *   heaplive MIB
 *   -> "heaplive heap_kib=H blocks=B rss_kib=R anon_kib=A file_kib=F"
 *
 * Allocates MIB MiB in blocks of 1..64 KiB (sizes from a fixed-seed
 * generator, so every run allocates the same blocks), writes every page of
 * every block so the heap is resident, then reads its resident set
 * (VmRSS, and its anonymous and file-backed parts, from /proc/self/status)
 * while everything is still live, and only then frees it all. Run with and
 * without cprof: the difference in anon_kib is the private memory cprof
 * holds (sampled set, ring, aggregated stacks, tables); file_kib grows by
 * the pages of cprof's code and the libraries it loads.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HEAPLIVE_MIN_BLOCK 1024u
#define HEAPLIVE_MAX_BLOCK 65536u

/* Two noinline frames so sampled stacks look like a program's, and so
 * there are a few distinct stacks rather than one. */
static __attribute__((noinline)) void *heaplive_small(size_t size)
{
	return malloc(size);
}

static __attribute__((noinline)) void *heaplive_large(size_t size)
{
	return malloc(size);
}

/* VmRSS, RssAnon and RssFile of /proc/self/status, in KiB (-1: unknown). */
static void heaplive_rss(long *rss, long *anon, long *file)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	*rss = *anon = *file = -1;
	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		sscanf(line, "VmRSS: %ld", rss);
		sscanf(line, "RssAnon: %ld", anon);
		sscanf(line, "RssFile: %ld", file);
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	uint64_t x = 0x2545f4914f6cdd1dull;
	size_t target, used = 0, nblocks = 0, cap;
	long page = sysconf(_SC_PAGESIZE);
	char **blocks;
	long rss, anon, file;

	if (argc != 2 || strtol(argv[1], NULL, 10) < 1) {
		fprintf(stderr, "usage: heaplive MIB\n");
		return 2;
	}
	target = (size_t)strtol(argv[1], NULL, 10) << 20;
	cap = target / HEAPLIVE_MIN_BLOCK + 1;
	blocks = malloc(cap * sizeof(*blocks));
	if (blocks == NULL) {
		perror("heaplive: malloc");
		return 1;
	}
	while (used < target && nblocks < cap) {
		size_t size;
		char *p;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		size = HEAPLIVE_MIN_BLOCK +
		       (size_t)(x >> 32) %
			       (HEAPLIVE_MAX_BLOCK - HEAPLIVE_MIN_BLOCK + 1);
		p = size < 16384 ? heaplive_small(size) : heaplive_large(size);
		if (p == NULL) {
			perror("heaplive: malloc");
			return 1;
		}
		for (size_t off = 0; off < size; off += (size_t)page)
			p[off] = 1;
		p[size - 1] = 1;
		blocks[nblocks++] = p;
		used += size;
	}
	heaplive_rss(&rss, &anon, &file);
	printf("heaplive heap_kib=%zu blocks=%zu rss_kib=%ld anon_kib=%ld "
	       "file_kib=%ld\n",
	       used >> 10, nblocks, rss, anon, file);
	fflush(stdout);
	for (size_t i = 0; i < nblocks; i++)
		free(blocks[i]);
	free(blocks);
	return 0;
}
