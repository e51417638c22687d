/*
 * config.h - cprof's settings, from struct cprof_options and CPROF_*.
 *
 * One struct holds every setting with its default. cprof__config_load fills
 * it from the options (fields that are non-zero win), then from the
 * environment, then defaults. An invalid value never stops the host: it gets
 * one line on stderr naming the variable and the default used instead.
 */
#ifndef CPROF_SRC_BASE_CONFIG_H
#define CPROF_SRC_BASE_CONFIG_H

#include <stdbool.h>

#include "cprof.h"

#define CPROF_DEFAULT_HTTP_ADDR "127.0.0.1:6060"
#define CPROF_DEFAULT_CPU_HZ 100
#define CPROF_MAX_CPU_HZ 1000000 /* Go's SetCPUProfileRate clamp */
#define CPROF_PATH_MAX 4096
#define CPROF_DEFAULT_MEM_RATE_BYTES 524288
#define CPROF_DEFAULT_MUTEX_FRACTION 10
#define CPROF_DEFAULT_BLOCK_RATE_NS 100000
#define CPROF_DEFAULT_TRACE_BUFFER_BYTES 262144
#define CPROF_MAX_TRACE_FLIGHT_SECONDS 3600
#define CPROF_DEFAULT_WALL_HZ 100
#define CPROF_MAX_WALL_HZ 1000

enum cprof__unwinder {
	CPROF_UNWINDER_CFI = 0, /* tables digested from .eh_frame (default) */
	CPROF_UNWINDER_FP,      /* frame pointers only */
};

struct cprof__config {
	bool http_enabled;
	char http_host[256];   /* numeric address or name to bind */
	int http_port;
	char cpu_profile_path[CPROF_PATH_MAX]; /* "" when unset; %p expanded */
	int cpu_hz;
	int signal;
	bool debug;
	enum cprof__unwinder unwinder;
	long mem_rate;                          /* 0: memory profiles off */
	bool labels_inherit;
	long mutex_fraction;                    /* 0: mutex profile off */
	long block_rate;                        /* ns; 0: block profile off */
	char heap_profile_path[CPROF_PATH_MAX]; /* "" when unset */
	char trace_path[CPROF_PATH_MAX];        /* "" when unset */
	int trace_flight_seconds;               /* 0: no flight recorder */
	int trace_buffer_bytes;                 /* per thread */
	int wall_hz;                            /* wall-clock profile rate */
};

/* Fills *cfg. options may be NULL (environment and defaults only). */
void cprof__config_load(struct cprof__config *cfg,
			const struct cprof_options *options);

/* True when the environment asks for cprof to start by itself (preloaded). */
bool cprof__config_env_activates(void);

/* Parses "host:port", "[v6]:port" or ":port" (host 127.0.0.1). Returns 0 or
 * CPROF_EINVAL. Exposed for the unit tests and the HTTP module. */
int cprof__config_parse_addr(const char *text, char *host, unsigned host_size,
			     int *port);

#endif
