/*
 * unwind_prog.c - the host for the unwinder's integration tests: built with
 * frame pointers, as users build, and spending its time in Debian's
 * libraries built without them (the workloads of tests/unit/unwind).
 *
 *   unwind_prog all SECONDS        every workload in turn on the main thread
 *   unwind_prog thread SECONDS     the same in a pthread
 *   unwind_prog tiny SECONDS       qsort and snprintf in a thread whose
 *                                  stack is PTHREAD_STACK_MIN + 16 KiB
 *   unwind_prog deep SECONDS       qsort 300 calls deep
 *   unwind_prog dlopen SECONDS LIB load LIB, spin in it, dlclose it, spin
 *                                  in libc, load it again, spin in it
 * Exit status 0 when all went as planned.
 */
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workloads.h"

#define PROG_API __attribute__((noinline, visibility("default")))

PROG_API void *unwind_prog_thread(void *arg);
PROG_API void unwind_prog_deep(int depth, double s);
PROG_API int main(int argc, char **argv);

static double prog_seconds;
static volatile int prog_sink;

PROG_API void *unwind_prog_thread(void *arg)
{
	const char *mode = arg;

	if (strcmp(mode, "tiny") == 0) {
		wl_run(WL_QSORT, prog_seconds);
		wl_run(WL_SNPRINTF, prog_seconds);
		return NULL;
	}
	for (int k = 0; k < WL_COUNT; k++)
		wl_run(k, prog_seconds);
	return NULL;
}

PROG_API void unwind_prog_deep(int depth, double s)
{
	if (depth > 0) {
		unwind_prog_deep(depth - 1, s);
		prog_sink++;
		return;
	}
	wl_run(WL_QSORT, s);
}

static int prog_in_thread(const char *mode, size_t stack)
{
	pthread_attr_t attr;
	pthread_t t;

	pthread_attr_init(&attr);
	if (stack != 0)
		pthread_attr_setstacksize(&attr, stack);
	if (pthread_create(&t, &attr, unwind_prog_thread, (void *)mode) != 0)
		return 1;
	pthread_join(t, NULL);
	pthread_attr_destroy(&attr);
	return 0;
}

static int prog_dlopen(const char *lib)
{
	for (int round = 0; round < 2; round++) {
		void *h = dlopen(lib, RTLD_NOW);
		void (*spin)(double);

		if (h == NULL) {
			fprintf(stderr, "dlopen: %s\n", dlerror());
			return 1;
		}
		spin = (void (*)(double))dlsym(h, "cfi_plugin_spin");
		if (spin == NULL)
			return 1;
		spin(prog_seconds);
		if (round == 0) {
			if (dlclose(h) != 0)
				return 1;
			wl_run(WL_QSORT, prog_seconds / 2);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	int rc = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: %s all|thread|tiny|deep|dlopen SECONDS "
			"[LIB]\n", argv[0]);
		return 2;
	}
	prog_seconds = atof(argv[2]);
	if (strcmp(argv[1], "all") == 0)
		unwind_prog_thread("all");
	else if (strcmp(argv[1], "thread") == 0)
		rc = prog_in_thread("all", 0);
	else if (strcmp(argv[1], "tiny") == 0)
		rc = prog_in_thread("tiny", PTHREAD_STACK_MIN + 16384);
	else if (strcmp(argv[1], "deep") == 0)
		unwind_prog_deep(300, prog_seconds);
	else if (strcmp(argv[1], "dlopen") == 0 && argc > 3)
		rc = prog_dlopen(argv[3]);
	else
		rc = 2;
	printf("unwind_prog %s done\n", argv[1]);
	return rc;
}
