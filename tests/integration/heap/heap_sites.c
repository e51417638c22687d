/*
 * heap_sites.c - a program with a known heap: each site_* function keeps a
 * known number of bytes live (or churns them), and the program prints what
 * it did, per site, so that heap_accuracy.sh compares the memory profiles
 * against measured truth rather than against constants.
 *
 *   heap_sites            run the sites, print the truth, exit (the blocks
 *                         stay live, so a profile written at exit sees them)
 *   heap_sites --wait     same, then print "ready" and wait for stdin to
 *                         close (for profiles fetched over HTTP)
 *
 * Output, one line each:
 *   rate R                the sampling rate the sd columns assume
 *   allocator NAME BYTES  glibc, jemalloc or tcmalloc, and the bytes that
 *                         allocator itself says it handed out to the sites
 *   site NAME inuse B SD alloc B SD weight W
 *   total inuse B SD
 *
 * SD is the standard deviation of the profile's estimate of B at rate R,
 * derived in site_var() below. W is the most one sample of the site weighs
 * in the profile (s/p for its largest size s): a record cprof lost (an
 * allocation, or the free of one) moves the site's estimates by at most W. The sites are noinline functions that store
 * every pointer in a volatile global (so GCC can neither elide a
 * malloc/free pair nor turn an allocation into a tail call that would drop
 * the site's frame from the stack).
 */
#include <dlfcn.h>
#include <malloc.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KIB 1024u
#define MIB (1024u * 1024u)

#define SMALL (1 * KIB)         /* small blocks */
#define LARGE (1 * MIB)         /* large blocks */
#define SITE_BYTES (32 * MIB)   /* live at each site */
#define CHURN_BLOCK (16 * KIB)  /* churned, allocated and freed at once */
#define CHURN_BYTES (1024 * MIB)
#define NSMALL (SITE_BYTES / SMALL)
#define NLARGE (SITE_BYTES / LARGE)

struct site {
	const char *name;
	double inuse;     /* bytes live at exit */
	double inuse_var; /* variance of their estimate */
	double alloc;     /* bytes ever allocated */
	double alloc_var;
	double weight;    /* largest s/p of its allocations */
};

enum { S_MALLOC_SMALL, S_MALLOC_LARGE, S_CALLOC_SMALL, S_CALLOC_LARGE,
       S_REALLOC_SMALL, S_REALLOC_LARGE, S_CHURN, NSITES };

static struct site sites[NSITES] = {
	{"site_malloc_small", 0, 0, 0, 0, 0},
	{"site_malloc_large", 0, 0, 0, 0, 0},
	{"site_calloc_small", 0, 0, 0, 0, 0},
	{"site_calloc_large", 0, 0, 0, 0, 0},
	{"site_realloc_small", 0, 0, 0, 0, 0},
	{"site_realloc_large", 0, 0, 0, 0, 0},
	{"site_churn", 0, 0, 0, 0, 0},
};

static double rate = 524288; /* CPROF_MEM_RATE, else cprof's default */

/* Every pointer a site makes ends up here; volatile, so none is elided. */
static void *volatile small_blocks[4][NSMALL];
static void *volatile large_blocks[4][NLARGE];
static void *volatile churn_slot;

/*
 * The variance of the profile's estimate of one allocation of s bytes.
 *
 * At rate R the sampler takes an allocation of s bytes with probability
 * p = 1 - exp(-s/R) (a Poisson process over bytes; memoryless, so each
 * allocation is an independent Bernoulli trial), and the profile counts a
 * sampled allocation as s/p bytes. The estimate X of one allocation is s/p
 * with probability p and 0 otherwise: E[X] = s (unbiased) and
 * Var[X] = p (s/p)^2 - s^2 = s^2 (1 - p) / p.
 * A site's estimate is the sum over its allocations, so its variance is the
 * sum of theirs; for n allocations of equal size that is n s^2 (1-p)/p, and
 * the relative standard deviation is sqrt((1 - p) / (n p)).
 * At R <= 1 every allocation is recorded and unscaled: no variance.
 */
static double site_var(double s)
{
	double p;

	if (rate <= 1)
		return 0;
	p = -expm1(-s / rate);
	return s * s * (1 - p) / p;
}

/*
 * Pacing. Each sampled allocation, and each free of one, is a record in
 * cprof's capture ring (2048 slots), which the collector thread drains;
 * a burst faster than the collector runs loses records (counted as lost
 * samples, and tested elsewhere). This test is about the estimates, so it
 * lets the collector keep up even on a loaded machine: a 2 ms pause after
 * every 256 expected records (an eighth of the ring).
 */
#define PACE_RECORDS 256
#define PACE_US 2000

static double pace_due;

static void site_pace(double s, int records_per_sample)
{
	pace_due += (rate <= 1 ? 1 : -expm1(-s / rate)) * records_per_sample;
	if (pace_due >= PACE_RECORDS) {
		pace_due = 0;
		usleep(PACE_US);
	}
}

static void site_allocated(int site, size_t s)
{
	double w = rate <= 1 ? (double)s : (double)s / -expm1(-(double)s / rate);

	if (w > sites[site].weight)
		sites[site].weight = w;
	sites[site].alloc += (double)s;
	sites[site].alloc_var += site_var((double)s);
	/* Counts the free too (the churn's, or the one a realloc makes). */
	site_pace((double)s, 2);
}

static void site_live(int site, size_t s)
{
	sites[site].inuse += (double)s;
	sites[site].inuse_var += site_var((double)s);
}

static void site_oom(const char *what)
{
	fprintf(stderr, "heap_sites: %s failed\n", what);
	exit(1);
}

__attribute__((noinline)) void site_malloc_small(void);
__attribute__((noinline)) void site_malloc_large(void);
__attribute__((noinline)) void site_calloc_small(void);
__attribute__((noinline)) void site_calloc_large(void);
__attribute__((noinline)) void site_realloc_small(void);
__attribute__((noinline)) void site_realloc_large(void);
__attribute__((noinline)) void site_churn(void);

__attribute__((noinline)) void site_malloc_small(void)
{
	for (unsigned i = 0; i < NSMALL; i++) {
		if ((small_blocks[0][i] = malloc(SMALL)) == NULL)
			site_oom("malloc");
		site_allocated(S_MALLOC_SMALL, SMALL);
		site_live(S_MALLOC_SMALL, SMALL);
	}
}

__attribute__((noinline)) void site_malloc_large(void)
{
	for (unsigned i = 0; i < NLARGE; i++) {
		if ((large_blocks[0][i] = malloc(LARGE)) == NULL)
			site_oom("malloc");
		site_allocated(S_MALLOC_LARGE, LARGE);
		site_live(S_MALLOC_LARGE, LARGE);
	}
}

__attribute__((noinline)) void site_calloc_small(void)
{
	for (unsigned i = 0; i < NSMALL; i++) {
		if ((small_blocks[1][i] = calloc(SMALL / 64, 64)) == NULL)
			site_oom("calloc");
		site_allocated(S_CALLOC_SMALL, SMALL);
		site_live(S_CALLOC_SMALL, SMALL);
	}
}

__attribute__((noinline)) void site_calloc_large(void)
{
	for (unsigned i = 0; i < NLARGE; i++) {
		if ((large_blocks[1][i] = calloc(LARGE / 4096, 4096)) == NULL)
			site_oom("calloc");
		site_allocated(S_CALLOC_LARGE, LARGE);
		site_live(S_CALLOC_LARGE, LARGE);
	}
}

/* Each block grows by realloc from a quarter of its final size, in four
 * calls (the first from NULL); each growth frees the old block. A macro,
 * not a function: an inlined helper would be a frame of its own in the
 * profile's stacks. */
#define SITE_GROW(site, slot, final)                                        \
	do {                                                                \
		for (size_t s_ = (final) / 4; s_ <= (final);                \
		     s_ += (final) / 4) {                                   \
			void *q_ = realloc((slot), s_);                     \
                                                                            \
			if (q_ == NULL)                                     \
				site_oom("realloc");                        \
			(slot) = q_;                                        \
			site_allocated((site), s_);                         \
		}                                                           \
		site_live((site), (final));                                 \
	} while (0)

__attribute__((noinline)) void site_realloc_small(void)
{
	for (unsigned i = 0; i < NSMALL; i++)
		SITE_GROW(S_REALLOC_SMALL, small_blocks[2][i], SMALL);
}

__attribute__((noinline)) void site_realloc_large(void)
{
	for (unsigned i = 0; i < NLARGE; i++)
		SITE_GROW(S_REALLOC_LARGE, large_blocks[2][i], LARGE);
}

__attribute__((noinline)) void site_churn(void)
{
	for (unsigned i = 0; i < CHURN_BYTES / CHURN_BLOCK; i++) {
		if ((churn_slot = malloc(CHURN_BLOCK)) == NULL)
			site_oom("malloc");
		free(churn_slot);
		site_allocated(S_CHURN, CHURN_BLOCK);
	}
}

/*
 * Which allocator the program's malloc reaches, and the bytes it says it
 * holds: jemalloc's per-thread "thread.allocated" counter, tcmalloc's
 * "generic.current_allocated_bytes", glibc's mallinfo2. Looked up with
 * dlsym so the program links against none of them.
 */
static const char *allocator_bytes(double *out)
{
	typedef int (*mallctl_fn)(const char *, void *, size_t *, void *,
				  size_t);
	typedef int (*tc_prop_fn)(const char *, size_t *);
	mallctl_fn mallctl = (mallctl_fn)dlsym(RTLD_DEFAULT, "mallctl");
	tc_prop_fn tc_prop = (tc_prop_fn)dlsym(
		RTLD_DEFAULT, "MallocExtension_GetNumericProperty");

	if (mallctl != NULL) {
		uint64_t v = 0;
		size_t len = sizeof(v);

		if (mallctl("thread.allocated", &v, &len, NULL, 0) != 0)
			return "jemalloc-nostats";
		*out = (double)v;
		return "jemalloc";
	}
	if (tc_prop != NULL) {
		size_t v = 0;

		if (!tc_prop("generic.current_allocated_bytes", &v))
			return "tcmalloc-noprop";
		*out = (double)v;
		return "tcmalloc";
	}
	{
		struct mallinfo2 mi = mallinfo2();

		*out = (double)(mi.uordblks + mi.hblkhd);
	}
	return "glibc";
}

int main(int argc, char **argv)
{
	const char *env = getenv("CPROF_MEM_RATE");
	double before = 0, after = 0, inuse = 0, inuse_var = 0;
	const char *name;
	char line[64];

	if (env != NULL && *env != '\0')
		rate = strtod(env, NULL);
	allocator_bytes(&before);
	site_malloc_small();
	site_malloc_large();
	site_calloc_small();
	site_calloc_large();
	site_realloc_small();
	site_realloc_large();
	site_churn();
	name = allocator_bytes(&after);

	printf("rate %.0f\n", rate);
	printf("allocator %s %.0f\n", name, after - before);
	for (int i = 0; i < NSITES; i++) {
		printf("site %s inuse %.0f %.1f alloc %.0f %.1f weight %.0f\n",
		       sites[i].name, sites[i].inuse, sqrt(sites[i].inuse_var),
		       sites[i].alloc, sqrt(sites[i].alloc_var),
		       sites[i].weight);
		inuse += sites[i].inuse;
		inuse_var += sites[i].inuse_var;
	}
	printf("total inuse %.0f %.1f\n", inuse, sqrt(inuse_var));
	fflush(stdout);
	if (argc > 1 && strcmp(argv[1], "--wait") == 0) {
		printf("ready\n");
		fflush(stdout);
		while (fgets(line, sizeof(line), stdin) != NULL)
			;
	}
	return 0;
}
