/*
 * heap_host.c - prints everything the malloc family shows its caller, so
 * that heap_host.sh can diff a run under cprof (every allocation sampled)
 * with a run without it: return values (as NULL / non-NULL and alignment,
 * never raw addresses), errno, malloc_usable_size, the contents of blocks
 * that must survive a failed call; then threads that allocate and exit,
 * and fork in a loop while another thread allocates.
 *
 *   heap_host            all of it, exit 0 (exit 1 on a broken invariant
 *                        that is not a matter of comparison, e.g. a lost
 *                        byte in a block)
 *   heap_host threads    only the threads that allocate and exit
 *
 * Known counts for the profile check (heap_host.sh): host_thread_alloc
 * runs in HOST_THREADS threads and allocates HOST_PER_THREAD blocks in
 * each, leaving HOST_KEPT of them live at exit.
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define HOST_THREADS 50
#define HOST_PER_THREAD 1000
#define HOST_KEPT 10
#define HOST_FORKS 100

static void *volatile kept[HOST_THREADS][HOST_KEPT];
static void *volatile sink;
/* Sizes the compiler must not see (it warns about constant huge ones). */
static volatile size_t size_max = SIZE_MAX;
static volatile size_t huge = SIZE_MAX - 4096;

/* "name: NULL|ptr errno=E" for a call that returned p. */
static void host_show(const char *name, const void *p, int err)
{
	printf("%s: %s errno=%d\n", name, p ? "ptr" : "NULL", err);
}

static void host_fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed + i * 7);
}

static int host_intact(const unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)(seed + i * 7))
			return 0;
	return 1;
}

/* Blocks that must survive a failed realloc are reached through this
 * volatile: GCC's use-after-free warning cannot know the call failed. */
static unsigned char *volatile held;

static void host_failures(void)
{
	unsigned char *b;
	void *untouched = &b;
	void *p;
	int rc;

	errno = 0;
	p = malloc(size_max);
	host_show("malloc(SIZE_MAX)", p, errno);

	errno = 0;
	p = calloc(size_max / 2, 3);
	host_show("calloc(SIZE_MAX/2, 3) overflow", p, errno);
	errno = 0;
	p = calloc(1, size_max);
	host_show("calloc(1, SIZE_MAX)", p, errno);

	held = malloc(1000);
	host_fill(held, 1000, 11);
	errno = 0;
	p = realloc(held, huge);
	host_show("realloc(p, huge)", p, errno);
	printf("realloc(p, huge) kept the block intact: %d\n",
	       p == NULL && host_intact(held, 1000, 11));
	free(p != NULL ? p : held);

	b = malloc(1000);
	errno = 0;
	p = realloc(b, 0);
	host_show("realloc(p, 0)", p, errno);
	free(p);

	errno = 0;
	p = reallocarray(NULL, size_max / 2, 3);
	host_show("reallocarray(NULL, SIZE_MAX/2, 3) overflow", p, errno);
	held = malloc(100);
	host_fill(held, 100, 5);
	errno = 0;
	p = reallocarray(held, size_max / 4, 8);
	host_show("reallocarray(p, SIZE_MAX/4, 8) overflow", p, errno);
	printf("reallocarray overflow kept the block intact: %d\n",
	       p == NULL && host_intact(held, 100, 5));
	errno = 0;
	p = reallocarray(held, 100, 10);
	host_show("reallocarray(p, 100, 10)", p, errno);
	printf("reallocarray kept the contents: %d\n",
	       p != NULL && host_intact(p, 100, 5));
	free(p);

	p = untouched; /* must be left alone on failure */
	errno = 1234;
	rc = posix_memalign(&p, 3, 16);
	printf("posix_memalign(align 3): rc=%d errno=%d out untouched=%d\n",
	       rc, errno, p == untouched);
	errno = 1234;
	rc = posix_memalign(&p, sizeof(void *) / 2, 16);
	printf("posix_memalign(align sizeof(void*)/2): rc=%d errno=%d\n", rc,
	       errno);
	errno = 1234;
	rc = posix_memalign(&p, 64, huge);
	printf("posix_memalign(64, huge): rc=%d errno=%d out untouched=%d\n",
	       rc, errno, p == untouched);

	errno = 0;
	p = memalign(4096, huge);
	host_show("memalign(4096, huge)", p, errno);
	errno = 0;
	p = aligned_alloc(64, huge);
	host_show("aligned_alloc(64, huge)", p, errno);
	errno = 0;
	p = valloc(huge);
	host_show("valloc(huge)", p, errno);
	errno = 0;
	p = pvalloc(huge);
	host_show("pvalloc(huge)", p, errno);
}

/* "name(align, size): ptr aligned=1 usable>=size=1". Not the usable size
 * itself: for an aligned request glibc's answer depends on where the
 * aligned chunk falls in the heap (the padding it splits off), so it
 * differs between any two heap histories, with or without cprof. */
static void host_show_aligned(const char *name, size_t align, size_t size,
			      void *p)
{
	printf("%s(%zu, %zu): %s aligned=%d usable>=size=%d\n", name, align,
	       size, p ? "ptr" : "NULL",
	       p != NULL && (uintptr_t)p % align == 0,
	       p != NULL && malloc_usable_size(p) >= size);
	free(p);
}

static void host_alignment(void)
{
	static const size_t aligns[] = {16, 32, 64, 256, 4096, 65536};
	static const size_t sizes[] = {1, 100, 4096, 100000};
	long page = sysconf(_SC_PAGESIZE);

	for (size_t a = 0; a < sizeof(aligns) / sizeof(aligns[0]); a++) {
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			void *p = NULL;
			int rc = posix_memalign(&p, aligns[a], sizes[s]);

			printf("posix_memalign rc=%d ", rc);
			host_show_aligned("posix_memalign", aligns[a],
					  sizes[s], p);
			host_show_aligned("aligned_alloc", aligns[a], sizes[s],
					  aligned_alloc(aligns[a], sizes[s]));
			host_show_aligned("memalign", aligns[a], sizes[s],
					  memalign(aligns[a], sizes[s]));
		}
	}
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		host_show_aligned("valloc", (size_t)page, sizes[s],
				  valloc(sizes[s]));
		host_show_aligned("pvalloc", (size_t)page, sizes[s],
				  pvalloc(sizes[s]));
	}
}

static void host_usable_sizes(void)
{
	static const size_t sizes[] = {0,    1,     8,      24,     25,
				       100,  1000,  1024,   4000,   65536,
				       131072, 1 << 20, 3 << 20};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		void *p = malloc(sizes[i]);
		void *q = calloc(1, sizes[i]);
		void *r = realloc(NULL, sizes[i]);

		printf("usable(%zu): malloc %zu calloc %zu realloc %zu\n",
		       sizes[i], malloc_usable_size(p), malloc_usable_size(q),
		       malloc_usable_size(r));
		free(p);
		free(q);
		free(r);
	}
	printf("usable(NULL): %zu\n", malloc_usable_size(NULL));
}

/* errno must survive successful calls: set it, call, print it. */
static void host_errno(void)
{
	void *p, *q;

	errno = 1234;
	p = malloc(100);
	printf("errno after malloc: %d\n", errno);
	errno = 1234;
	q = calloc(10, 10);
	printf("errno after calloc: %d\n", errno);
	errno = 1234;
	p = realloc(p, 100000);
	printf("errno after realloc: %d\n", errno);
	errno = 1234;
	free(p);
	printf("errno after free: %d\n", errno);
	errno = 1234;
	free(q);
	printf("errno after free (calloc'ed): %d\n", errno);
	errno = 1234;
	free(NULL);
	printf("errno after free(NULL): %d\n", errno);
	errno = 1234;
	if (posix_memalign(&p, 64, 100) == 0)
		free(p);
	printf("errno after posix_memalign + free: %d\n", errno);
	errno = 1234;
	free(aligned_alloc(64, 128));
	free(memalign(64, 100));
	free(valloc(100));
	free(pvalloc(100));
	printf("errno after aligned_alloc/memalign/valloc/pvalloc + free: "
	       "%d\n", errno);
	errno = 1234;
	free(reallocarray(NULL, 10, 10));
	printf("errno after reallocarray + free: %d\n", errno);
}

__attribute__((noinline)) void *host_thread_alloc(void *arg);

/* Allocates HOST_PER_THREAD blocks of assorted sizes, checks each one's
 * contents, frees all but HOST_KEPT, and exits. */
__attribute__((noinline)) void *host_thread_alloc(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	unsigned char *blocks[HOST_PER_THREAD];
	uintptr_t bad = 0;

	for (unsigned i = 0; i < HOST_PER_THREAD; i++) {
		size_t n = 16 + (i * 37 + id) % 3000;

		blocks[i] = malloc(n);
		if (blocks[i] == NULL)
			return (void *)1;
		host_fill(blocks[i], n, id + i);
	}
	for (unsigned i = 0; i < HOST_PER_THREAD; i++) {
		size_t n = 16 + (i * 37 + id) % 3000;

		if (!host_intact(blocks[i], n, id + i))
			bad = 1;
		if (i < HOST_KEPT)
			kept[id][i] = blocks[i];
		else
			free(blocks[i]);
	}
	return (void *)bad;
}

static void host_threads(void)
{
	pthread_t t[HOST_THREADS];
	int ok = 0;

	for (unsigned i = 0; i < HOST_THREADS; i++)
		if (pthread_create(&t[i], NULL, host_thread_alloc,
				   (void *)(uintptr_t)i) != 0) {
			printf("pthread_create failed\n");
			exit(1);
		}
	for (unsigned i = 0; i < HOST_THREADS; i++) {
		void *r;

		pthread_join(t[i], &r);
		ok += r == NULL;
	}
	printf("threads: %d of %d allocated, checked and exited\n", ok,
	       HOST_THREADS);
}

static atomic_bool churn_stop;

static void *host_churn(void *arg)
{
	(void)arg;
	while (!atomic_load(&churn_stop)) {
		for (size_t n = 8; n < 70000; n = n * 3 + 1) {
			sink = malloc(n);
			free(sink);
		}
	}
	return NULL;
}

/* fork while another thread allocates; each child allocates too, then
 * exits (one in ten with exit(), which runs atexit handlers). */
static void host_forks(void)
{
	pthread_t churn;
	int ok = 0;

	if (pthread_create(&churn, NULL, host_churn, NULL) != 0)
		exit(1);
	for (int i = 0; i < HOST_FORKS; i++) {
		int status;
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			exit(1);
		}
		if (pid == 0) {
			for (size_t n = 8; n < 70000; n = n * 3 + 1) {
				sink = malloc(n);
				if (sink == NULL)
					_exit(2);
				host_fill(sink, n, 3);
				free(sink);
			}
			if (i % 10 == 0)
				exit(0);
			_exit(0);
		}
		if (waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0)
			ok++;
		else
			printf("child %d: status %#x\n", i, status);
	}
	atomic_store(&churn_stop, true);
	pthread_join(churn, NULL);
	printf("forks: %d of %d children exited 0\n", ok, HOST_FORKS);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && strcmp(argv[1], "threads") == 0) {
		host_threads();
		return 0;
	}
	host_usable_sizes(); /* first: on a heap with few holes to reuse */
	host_failures();
	host_alignment();
	host_errno();
	host_threads();
	host_forks();
	printf("done\n");
	return 0;
}
