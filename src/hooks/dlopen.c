/*
 * dlopen.c - the interposed dlopen, dlmopen and dlclose.
 *
 * After the real call succeeds, the unwind tables are refreshed
 * (cprof__cfi_refresh builds a table for the new library only, or drops the
 * closed one), so a library's samples have whole stacks from the moment it
 * is loaded. The host sees what it would see without us: the same return
 * value, the same errno, the same dlerror() state (a successful dl* call
 * clears it, and every call the refresh makes leaves it clear too).
 *
 * glibc takes the caller of dlopen from its return address: the caller's
 * RPATH/RUNPATH is searched for a bare file name, and the caller's link-map
 * namespace receives the library. Called from here, the caller would be
 * libcprof. So when the answer could depend on who calls (a bare name and a
 * caller with a run path, or a caller outside the base namespace or unknown)
 * the hook tail-calls the real function, which then sees the host's return
 * address; the new library's table then comes from the next periodic
 * refresh, and until then its frames take frame-pointer steps.
 *
 * cprof's own dl* calls (the re-entry guard is raised) pass straight
 * through; the refresh runs with the guard raised, so what the loader
 * allocates for it is never sampled as the host's.
 */
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "base/reentry.h"
#include "capture/cfi_registry.h"
#include "cprof.h"

/* Dynamic-section entries examined for a run path; objects have ~40. */
#define HOOKS_DLOPEN_MAX_DYN 512

typedef void *(*hooks_dlopen_fn)(const char *, int);
typedef void *(*hooks_dlmopen_fn)(Lmid_t, const char *, int);
typedef int (*hooks_dlclose_fn)(void *);

static hooks_dlopen_fn hooks_real_dlopen;
static hooks_dlmopen_fn hooks_real_dlmopen;
static hooks_dlclose_fn hooks_real_dlclose;

static void hooks_dlopen_resolve(void)
{
	if (hooks_real_dlopen != NULL)
		return;
	/* benign race: every thread stores the same values */
	hooks_real_dlmopen = (hooks_dlmopen_fn)dlsym(RTLD_NEXT, "dlmopen");
	hooks_real_dlclose = (hooks_dlclose_fn)dlsym(RTLD_NEXT, "dlclose");
	hooks_real_dlopen = (hooks_dlopen_fn)dlsym(RTLD_NEXT, "dlopen");
}

/* Would glibc answer differently if libcprof were the caller? */
static bool hooks_dlopen_caller_matters(const char *file, const void *ra)
{
	struct link_map *lm = NULL;
	Dl_info info;
	Lmid_t ns = LM_ID_BASE;
	int saved = errno;
	bool matters = false;

	if (file == NULL || strchr(file, '/') != NULL)
		return false; /* no search: the caller's run path is unused */
	if (dladdr1(ra, &info, (void **)&lm, RTLD_DL_LINKMAP) == 0 ||
	    lm == NULL || dlinfo(lm, RTLD_DI_LMID, &ns) != 0 ||
	    ns != LM_ID_BASE) {
		matters = true;
	} else {
		const ElfW(Dyn) *d = lm->l_ld;

		for (int i = 0; d != NULL && i < HOOKS_DLOPEN_MAX_DYN &&
				d[i].d_tag != DT_NULL; i++)
			if (d[i].d_tag == DT_RPATH || d[i].d_tag == DT_RUNPATH)
				matters = true;
	}
	errno = saved;
	return matters;
}

/* Refreshes the tables without disturbing errno (dlerror stays clear:
 * the refresh clears whatever its own dl* calls leave). */
static void hooks_dlopen_changed(void)
{
	int saved = errno;

	cprof__reentry_enter();
	cprof__cfi_refresh();
	cprof__reentry_leave();
	errno = saved;
}

CPROF_API void *dlopen(const char *file, int mode)
{
	void *h;

	hooks_dlopen_resolve();
	if (hooks_real_dlopen == NULL)
		return NULL;
	if (cprof__reentry_active() ||
	    hooks_dlopen_caller_matters(file, __builtin_return_address(0)))
		return hooks_real_dlopen(file, mode); /* a sibling call */
	h = hooks_real_dlopen(file, mode);
	if (h != NULL && !(mode & RTLD_NOLOAD))
		hooks_dlopen_changed();
	return h;
}

CPROF_API void *dlmopen(Lmid_t ns, const char *file, int mode)
{
	void *h;

	hooks_dlopen_resolve();
	if (hooks_real_dlmopen == NULL)
		return NULL;
	if (cprof__reentry_active() ||
	    hooks_dlopen_caller_matters(file, __builtin_return_address(0)))
		return hooks_real_dlmopen(ns, file, mode);
	h = hooks_real_dlmopen(ns, file, mode);
	if (h != NULL && !(mode & RTLD_NOLOAD))
		hooks_dlopen_changed();
	return h;
}

CPROF_API int dlclose(void *handle)
{
	int rc;

	hooks_dlopen_resolve();
	if (hooks_real_dlclose == NULL)
		return -1;
	rc = hooks_real_dlclose(handle);
	if (rc == 0 && !cprof__reentry_active())
		hooks_dlopen_changed();
	return rc;
}
