/*
 * cprof.c - the public entry points (cprof_start, cprof_stop) and the
 * start from the environment when libcprof.so is preloaded.
 *
 * One start at a time: `core_lock` serialises start and stop; `core_started`
 * says whether cprof runs. A constructor starts cprof by itself when a
 * CPROF_* variable asks for it (CPROF_HTTP or CPROF_CPU_PROFILE), so an
 * unmodified binary is profiled with LD_PRELOAD alone; a program that calls
 * cprof_start as well then gets CPROF_EALREADY.
 */
#include <pthread.h>
#include <stdbool.h>

#include "base/config.h"
#include "base/log.h"
#include "base/reentry.h"
#include "capture/labels.h"
#include "core/lifecycle.h"
#include "cprof.h"

static pthread_mutex_t core_lock = PTHREAD_MUTEX_INITIALIZER;
static bool core_started; /* core_lock */

CPROF_API int cprof_start(const struct cprof_options *options)
{
	struct cprof__config cfg;
	int rc;

	cprof__reentry_enter();
	pthread_mutex_lock(&core_lock);
	if (core_started) {
		rc = CPROF_EALREADY;
		goto out;
	}
	cprof__config_load(&cfg, options);
	rc = cprof__lifecycle_start(&cfg);
	if (rc == 0)
		core_started = true;
	else
		cprof__lifecycle_stop();
out:
	pthread_mutex_unlock(&core_lock);
	cprof__reentry_leave();
	return rc;
}

CPROF_API int cprof_stop(void)
{
	int rc = 0;

	cprof__reentry_enter();
	pthread_mutex_lock(&core_lock);
	if (core_started) {
		cprof__lifecycle_stop();
		core_started = false;
	} else {
		rc = CPROF_ESTATE;
	}
	pthread_mutex_unlock(&core_lock);
	cprof__reentry_leave();
	return rc;
}

/* Called from the fork handler: the child starts stopped. */
/* The guard keeps the label table's lock out of the host's contention
 * profiles. */
CPROF_API int cprof_labels_push(const char *key, const char *value)
{
	int rc;

	cprof__reentry_enter();
	rc = cprof__labels_push(key, value);
	cprof__reentry_leave();
	return rc;
}

CPROF_API int cprof_labels_pop(void) { return cprof__labels_pop(); }

void cprof__core_atfork_child(void)
{
	pthread_mutex_init(&core_lock, NULL);
	core_started = false;
}

__attribute__((constructor)) static void core_start_from_environment(void)
{
	int rc;

	if (!cprof__config_env_activates())
		return;
	rc = cprof_start(NULL);
	if (rc != 0 && rc != CPROF_EALREADY)
		cprof__warn("not started: %s", cprof_strerror(rc));
}
