/*
 * dl_host.c - prints everything the dl* family shows its caller, so that
 * dl_host.sh can diff a run under libcprof (which interposes dlopen,
 * dlmopen and dlclose) with a plain run: return values (as success or
 * failure), errno after each call, dlerror() text, and a bare-name dlopen
 * that only this program's RUNPATH can satisfy (glibc searches the
 * caller's run path, so the interposer must not become the caller).
 *
 *   dl_host PLUGIN_PATH RUNPATH_BARE_NAME
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static void show(const char *what, const void *h, int rc)
{
	int e = errno;
	const char *err = dlerror();

	printf("%s: %s errno=%d dlerror=%s\n", what,
	       h != NULL || rc == 0 ? "ok" : "fail", e, err ? err : "(none)");
}

int main(int argc, char **argv)
{
	void *h, *h2;

	if (argc < 3)
		return 2;
	errno = 0;
	h = dlopen("/nonexistent/libnothing.so", RTLD_NOW);
	show("dlopen missing", h, -1);
	errno = 1234;
	h = dlopen(argv[1], RTLD_NOW);
	show("dlopen path", h, -1);
	errno = 0;
	h2 = dlopen(argv[1], RTLD_NOW | RTLD_NOLOAD);
	show("dlopen noload", h2, -1);
	if (h2 != NULL)
		dlclose(h2);
	errno = 77;
	show("dlclose", NULL, h != NULL ? dlclose(h) : -1);
	errno = 0;
	h = dlopen(argv[2], RTLD_LAZY);
	show("dlopen bare name via RUNPATH", h, -1);
	if (h != NULL) {
		errno = 0;
		show("dlclose runpath", NULL, dlclose(h));
	}
	errno = 0;
	h = dlmopen(LM_ID_NEWLM, argv[1], RTLD_NOW);
	show("dlmopen new namespace", h, -1);
	if (h != NULL) {
		errno = 0;
		show("dlclose namespace", NULL, dlclose(h));
	}
	return 0;
}
