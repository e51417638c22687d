/*
 * lifecycle.c - bringing cprof's modules up and down, in order, and keeping
 * them consistent across fork and exit.
 *
 * Start order: thread registry (and the calling thread), capture ring,
 * hooks, CPU signal, allocation sampling, collector thread, whole-run CPU
 * profile, HTTP server.
 * Stop runs it backwards. A module that cannot start is reported once and
 * left off; the host always runs on.
 *
 * fork: the prepare handler takes cprof's locks in their documented order
 * (CPU session, collector, registry), so the child never inherits one held
 * by a thread that does not exist there. The child keeps no session, no
 * collector and no server: it starts stopped, and may call cprof_start.
 */
#include "core/lifecycle.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/reentry.h"
#include "capture/alloc_sampler.h"
#include "capture/cfi_registry.h"
#include "capture/contention.h"
#include "capture/ring.h"
#include "capture/unwind_select.h"
#include "capture/threads.h"
#include "cprof.h"
#include "hooks/hooks.h"
#include "http/http.h"
#include "pprof/pprof.h"
#include "profiles/collector.h"
#include "profiles/contention.h"
#include "profiles/cpu.h"
#include "profiles/goroutine.h"
#include "profiles/heap.h"
#include "profiles/threadcreate.h"
#include "profiles/wall.h"
#include "symbolize/symbolize.h"
#include "trace/trace.h"

struct lifecycle_state {
	bool ring_ready;
	bool collector;
	bool http;
	bool heap;
	bool whole_run_cpu;
	bool whole_run_trace;
	bool flight;
	char cpu_profile_path[CPROF_PATH_MAX];  /* "" when not wanted */
	char heap_profile_path[CPROF_PATH_MAX]; /* "" when not wanted */
	char trace_path[CPROF_PATH_MAX];        /* "" when not wanted */
};

static struct lifecycle_state lifecycle;
static bool lifecycle_handlers_registered;

static int lifecycle_write_file(const char *path, const struct cprof__buf *b)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t done = 0;

	if (fd < 0)
		return CPROF_EIO;
	while (done < b->len) {
		ssize_t n = write(fd, b->data + done, b->len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return CPROF_EIO;
		}
		done += (size_t)n;
	}
	return close(fd) == 0 ? 0 : CPROF_EIO;
}

/* Encodes p (built with error rc) and writes it to path. */
static void lifecycle_write_profile(const char *what, const char *path,
				    struct cprof__profile *p, int rc)
{
	struct cprof__buf out = CPROF_BUF_INIT;

	if (p != NULL)
		rc = cprof__pprof_encode(p, &out, true);
	if (rc == 0)
		rc = lifecycle_write_file(path, &out);
	if (rc != 0)
		cprof__warn("cannot write the %s profile to %s: %s", what, path,
			    cprof_strerror(rc));
	else
		cprof__debug("%s profile written to %s", what, path);
	cprof__profile_free(p);
	cprof__buf_fini(&out);
}

/* Ends the whole-run trace and writes it (gzip'd for a .gz path). */
static void lifecycle_write_trace(const char *path)
{
	struct cprof__buf out = CPROF_BUF_INIT;
	size_t n = strlen(path);
	int rc;

	rc = cprof__trace_end(&out, n > 3 && strcmp(path + n - 3, ".gz") == 0);
	if (rc == 0)
		rc = lifecycle_write_file(path, &out);
	if (rc != 0)
		cprof__warn("cannot write the trace to %s: %s", path,
			    cprof_strerror(rc));
	else
		cprof__debug("trace written to %s", path);
	cprof__buf_fini(&out);
}

/* Writes the profiles asked for at exit: the whole-run CPU profile (which
 * ends here) and the heap profile. Runs on a host thread: the re-entry
 * guard keeps our own allocations out of the heap profile. */
static void lifecycle_write_exit_profiles(void)
{
	struct cprof__profile *p;
	int saved_errno = errno;
	int rc;

	cprof__reentry_enter();
	if (lifecycle.whole_run_cpu) {
		lifecycle.whole_run_cpu = false;
		p = cprof__cpu_end(&rc);
		lifecycle_write_profile("CPU", lifecycle.cpu_profile_path, p,
					rc);
	}
	if (lifecycle.whole_run_trace) {
		lifecycle.whole_run_trace = false;
		lifecycle_write_trace(lifecycle.trace_path);
	}
	if (lifecycle.heap_profile_path[0] != '\0') {
		p = cprof__heap_build(false, &rc);
		lifecycle_write_profile("heap", lifecycle.heap_profile_path, p,
					rc);
		lifecycle.heap_profile_path[0] = '\0';
	}
	cprof__reentry_leave();
	errno = saved_errno;
}

static void lifecycle_atfork_prepare(void)
{
	cprof__cpu_atfork_prepare();
	cprof__collector_atfork_prepare();
	cprof__trace_atfork_prepare();
	cprof__threads_atfork_prepare();
	cprof__sampled_set_atfork_prepare();
}

static void lifecycle_atfork_parent(void)
{
	cprof__sampled_set_atfork_parent();
	cprof__threads_atfork_parent();
	cprof__trace_atfork_parent();
	cprof__collector_atfork_parent();
	cprof__cpu_atfork_parent();
}

static void lifecycle_atfork_child(void)
{
	cprof__sampled_set_atfork_child();
	cprof__alloc_sampler_stop();
	cprof__threads_atfork_child();
	cprof__cfi_atfork_child();
	cprof__trace_atfork_child();
	cprof__collector_atfork_child();
	cprof__contention_atfork_child();
	cprof__cpu_atfork_child();
	cprof__wall_atfork_child();
	cprof__http_atfork_child();
	cprof__symbolize_atfork_child();
	memset(&lifecycle, 0, sizeof(lifecycle));
	lifecycle.ring_ready = true;
	cprof__core_atfork_child();
}

static void lifecycle_at_exit(void) { cprof__lifecycle_exit(); }

static int lifecycle_start_capture(const struct cprof__config *cfg)
{
	int rc = cprof__threads_init();

	if (rc != 0)
		return rc;
	cprof__thread_register_self(false);
	if (!lifecycle.ring_ready) {
		rc = cprof__ring_init(&cprof__capture_ring);
		if (rc != 0)
			return rc;
		lifecycle.ring_ready = true;
	}
	rc = cprof__hooks_init();
	if (rc != 0)
		return rc;
	/* unwind tables before any timer is armed; without them, FP */
	if (cfg->unwinder == CPROF_UNWINDER_CFI && cprof__cfi_init() == 0)
		atomic_store(&cprof__unwinder_in_use, CPROF_UNWINDER_CFI);
	else
		atomic_store(&cprof__unwinder_in_use, CPROF_UNWINDER_FP);
	cprof__hooks_enable(1);
	cprof__hooks_inherit_labels(cfg->labels_inherit);
	cprof__threads_scan();
	/* Without the signal only CPU profiling is off; the rest runs. */
	cprof__cpu_init(cfg->signal);
	cprof__threadcreate_init();
	cprof__contention_init();
	cprof__hooks_sync_init();
	cprof__contention_start(cfg->mutex_fraction, cfg->block_rate);
	cprof__goroutine_init();
	rc = cprof__heap_init(cfg->mem_rate);
	if (rc != 0)
		cprof__warn("memory profiles are off: %s", cprof_strerror(rc));
	lifecycle.heap = rc == 0 && cfg->mem_rate != 0;
	return 0;
}

static void lifecycle_start_trace(const struct cprof__config *cfg)
{
	int rc;

	cprof__trace_configure((uint32_t)cfg->trace_buffer_bytes, cfg->cpu_hz);
	cprof__wall_configure(cfg->wall_hz);
	if (cfg->trace_path[0] != '\0') {
		rc = cprof__trace_begin();
		if (rc == 0) {
			lifecycle.whole_run_trace = true;
			memcpy(lifecycle.trace_path, cfg->trace_path,
			       sizeof(lifecycle.trace_path));
		} else {
			cprof__warn("trace to %s not started: %s",
				    cfg->trace_path, cprof_strerror(rc));
		}
	}
	if (cfg->trace_flight_seconds > 0) {
		rc = cprof__trace_flight_start(cfg->trace_flight_seconds);
		lifecycle.flight = rc == 0;
		if (rc != 0)
			cprof__warn("flight recorder not started: %s",
				    cprof_strerror(rc));
	}
}

static void lifecycle_start_outputs(const struct cprof__config *cfg)
{
	int rc;

	if (cfg->heap_profile_path[0] != '\0' && lifecycle.heap)
		memcpy(lifecycle.heap_profile_path, cfg->heap_profile_path,
		       sizeof(lifecycle.heap_profile_path));
	else if (cfg->heap_profile_path[0] != '\0')
		cprof__warn("heap profile to %s not written: memory profiles "
			    "are off", cfg->heap_profile_path);

	if (cfg->cpu_profile_path[0] != '\0') {
		rc = cprof__cpu_begin(cfg->cpu_hz);
		if (rc == 0) {
			lifecycle.whole_run_cpu = true;
			memcpy(lifecycle.cpu_profile_path,
			       cfg->cpu_profile_path,
			       sizeof(lifecycle.cpu_profile_path));
		} else {
			cprof__warn("CPU profile to %s not started: %s",
				    cfg->cpu_profile_path,
				    cprof_strerror(rc));
		}
	}
	lifecycle_start_trace(cfg);
	if (cfg->http_enabled) {
		cprof__http_set_cpu_hz(cfg->cpu_hz);
		lifecycle.http = cprof__http_start(cfg->http_host,
						   cfg->http_port) == 0;
	}
}

int cprof__lifecycle_start(const struct cprof__config *cfg)
{
	int rc = lifecycle_start_capture(cfg);

	if (rc != 0) {
		cprof__warn("cannot start: %s", cprof_strerror(rc));
		return rc;
	}
	rc = cprof__collector_start();
	if (rc != 0)
		return rc;
	lifecycle.collector = true;
	if (!lifecycle_handlers_registered) {
		pthread_atfork(lifecycle_atfork_prepare,
			       lifecycle_atfork_parent, lifecycle_atfork_child);
		atexit(lifecycle_at_exit);
		lifecycle_handlers_registered = true;
	}
	lifecycle_start_outputs(cfg);
	return 0;
}

void cprof__lifecycle_stop(void)
{
	lifecycle_write_exit_profiles();
	if (lifecycle.http)
		cprof__http_stop();
	lifecycle.http = false;
	cprof__contention_stop();
	cprof__trace_stop_all();
	lifecycle.flight = false;
	cprof__wall_fini();
	cprof__cpu_fini();
	if (lifecycle.collector)
		cprof__collector_stop();
	lifecycle.collector = false;
	if (lifecycle.heap)
		cprof__heap_fini();
	lifecycle.heap = false;
	cprof__hooks_enable(0);
	cprof__threads_fini();
}

void cprof__lifecycle_exit(void) { lifecycle_write_exit_profiles(); }
