/*
 * demangle.c - C++ names, through the demangler the process already has.
 *
 * cprof does not link libstdc++ (a C library must not drag it into C
 * hosts). A C++ host has it loaded, and then its __cxa_demangle is used:
 * first from libstdc++.so.6 if it is loaded (RTLD_NOLOAD, which also finds
 * it when only a dlopen'ed library depends on it and it is not in the
 * global scope), else from the global scope (a static libstdc++ or libc++
 * in the executable). Without one, names stay mangled (name ==
 * system_name) and pprof may demangle them itself.
 *
 * The state is protected by the symbolizer's lock.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "symbolize/symbolize_int.h"

typedef char *(*demangle_fn)(const char *mangled, char *buf, size_t *len,
			     int *status);

static demangle_fn demangle_cxa;
/* Holds libstdc++ loaded while its function pointer is kept. */
static void *demangle_handle;

void cprof__sym_demangle_probe(void)
{
	if (demangle_cxa != NULL)
		return;
	demangle_handle = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_NOLOAD);
	if (demangle_handle != NULL) {
		demangle_cxa = (demangle_fn)dlsym(demangle_handle,
						  "__cxa_demangle");
		if (demangle_cxa != NULL)
			return;
		dlclose(demangle_handle);
		demangle_handle = NULL;
	}
	demangle_cxa = (demangle_fn)dlsym(RTLD_DEFAULT, "__cxa_demangle");
}

char *cprof__sym_demangle(const char *linkage)
{
	char *out;
	int status = -1;

	/* Itanium ABI names start with _Z; anything else (C) is left. */
	if (demangle_cxa == NULL || linkage == NULL || linkage[0] != '_' ||
	    linkage[1] != 'Z')
		return NULL;
	out = demangle_cxa(linkage, NULL, NULL, &status);
	if (out != NULL && status != 0) {
		free(out);
		out = NULL;
	}
	return out;
}

void cprof__sym_demangle_free(char *name)
{
	/* The demangler allocates with malloc: give it back to malloc. */
	free(name);
}
