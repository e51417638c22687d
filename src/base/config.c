/*
 * config.c - settings from options, CPROF_* and defaults (see config.h).
 *
 * Parsing is strict (a whole, in-range decimal number; a known signal name or
 * number; an address with a port) because a silently misread setting in a
 * production process is worse than a warning and the default.
 */
#include "base/config.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"

static bool config_parse_int(const char *text, long lo, long hi, long *out)
{
	char *end;
	long v;

	if (text == NULL || *text == '\0')
		return false;
	errno = 0;
	v = strtol(text, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

/* Only signals that make sense as a profiling timer signal are accepted:
 * SIGPROF, SIGVTALRM, SIGALRM, SIGUSR1/2 and the real-time range. */
static bool config_parse_signal(const char *text, int *out)
{
	static const struct {
		const char *name;
		int number;
	} names[] = {{"SIGPROF", SIGPROF}, {"SIGVTALRM", SIGVTALRM},
		     {"SIGALRM", SIGALRM}, {"SIGUSR1", SIGUSR1},
		     {"SIGUSR2", SIGUSR2}};
	long v;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(text, names[i].name) == 0 ||
		    strcmp(text, names[i].name + 3) == 0) {
			*out = names[i].number;
			return true;
		}
	}
	if (!config_parse_int(text, 1, SIGRTMAX, &v))
		return false;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (v == names[i].number) {
			*out = (int)v;
			return true;
		}
	}
	if (v >= SIGRTMIN && v <= SIGRTMAX) {
		*out = (int)v;
		return true;
	}
	return false;
}

int cprof__config_parse_addr(const char *text, char *host, unsigned host_size,
			     int *port)
{
	const char *colon, *h = text;
	size_t hlen;
	long p;

	if (text == NULL)
		return CPROF_EINVAL;
	if (text[0] == '[') { /* [v6]:port */
		const char *close = strchr(text, ']');

		if (close == NULL || close[1] != ':')
			return CPROF_EINVAL;
		h = text + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(text, ':');
		if (colon == NULL || memchr(text, ':', (size_t)(colon - text)))
			return CPROF_EINVAL;
		hlen = (size_t)(colon - text);
	}
	if (!config_parse_int(colon + 1, 1, 65535, &p))
		return CPROF_EINVAL;
	if (hlen == 0) {
		h = "127.0.0.1";
		hlen = strlen(h);
	}
	if (hlen >= host_size)
		return CPROF_EINVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	*port = (int)p;
	return 0;
}

/* Expands %p to the pid and %% to %, so that children that inherit the
 * variable can write their own files. */
static bool config_expand_path(const char *text, char *out, size_t size)
{
	size_t n = 0;

	for (const char *s = text; *s != '\0'; s++) {
		char pid[24];
		const char *piece = s;
		size_t len = 1;

		if (s[0] == '%' && s[1] == 'p') {
			len = (size_t)snprintf(pid, sizeof(pid), "%ld",
					       (long)getpid());
			piece = pid;
			s++;
		} else if (s[0] == '%' && s[1] == '%') {
			s++;
		}
		if (n + len >= size)
			return false;
		memcpy(out + n, piece, len);
		n += len;
	}
	out[n] = '\0';
	return true;
}

static const char *config_env(const char *name) { return getenv(name); }

/* An output path from an option or a variable, %p expanded; "" if unset. */
static void config_load_path(char out[CPROF_PATH_MAX], const char *opt,
			     const char *var)
{
	const char *v = opt ? opt : config_env(var);

	out[0] = '\0';
	if (v != NULL && *v != '\0' &&
	    !config_expand_path(v, out, CPROF_PATH_MAX)) {
		cprof__warn("%s is longer than %d bytes; that profile is off",
			    var, CPROF_PATH_MAX - 1);
		out[0] = '\0';
	}
}

static void config_load_http(struct cprof__config *cfg, const char *opt)
{
	const char *from = opt ? "http_addr" : "CPROF_HTTP";
	const char *v = opt ? opt : config_env("CPROF_HTTP");

	cfg->http_enabled = false;
	if (v == NULL)
		return;
	if (*v == '\0' || strcmp(v, "1") == 0)
		v = CPROF_DEFAULT_HTTP_ADDR;
	if (cprof__config_parse_addr(v, cfg->http_host, sizeof(cfg->http_host),
				     &cfg->http_port) != 0) {
		cprof__warn("%s=\"%s\" is not host:port; using the default %s",
			    from, v, CPROF_DEFAULT_HTTP_ADDR);
		cprof__config_parse_addr(CPROF_DEFAULT_HTTP_ADDR,
					 cfg->http_host,
					 sizeof(cfg->http_host),
					 &cfg->http_port);
	}
	cfg->http_enabled = true;
}

static void config_load_cpu(struct cprof__config *cfg,
			    const struct cprof_options *o)
{
	const char *v;
	long hz;

	cfg->cpu_hz = CPROF_DEFAULT_CPU_HZ;
	if (o && o->cpu_hz != 0) {
		if (o->cpu_hz > 0 && o->cpu_hz <= CPROF_MAX_CPU_HZ)
			cfg->cpu_hz = o->cpu_hz;
		else
			cprof__warn("cpu_hz=%d is out of 1..%d; using the "
				    "default %d", o->cpu_hz, CPROF_MAX_CPU_HZ,
				    CPROF_DEFAULT_CPU_HZ);
	} else if ((v = config_env("CPROF_CPU_HZ")) != NULL) {
		if (config_parse_int(v, 1, CPROF_MAX_CPU_HZ, &hz))
			cfg->cpu_hz = (int)hz;
		else
			cprof__warn("CPROF_CPU_HZ=\"%s\" is not a whole number "
				    "in 1..%d; using the default %d", v,
				    CPROF_MAX_CPU_HZ, CPROF_DEFAULT_CPU_HZ);
	}

	cfg->signal = SIGPROF;
	if (o && o->signal != 0) {
		char text[16];

		snprintf(text, sizeof(text), "%d", o->signal);
		if (!config_parse_signal(text, &cfg->signal))
			cprof__warn("signal=%d cannot be a profiling signal; "
				    "using the default SIGPROF", o->signal);
	} else if ((v = config_env("CPROF_SIGNAL")) != NULL) {
		if (!config_parse_signal(v, &cfg->signal))
			cprof__warn("CPROF_SIGNAL=\"%s\" is not SIGPROF, "
				    "SIGVTALRM, SIGALRM, SIGUSR1, SIGUSR2 or a "
				    "real-time signal number; using the "
				    "default SIGPROF", v);
	}

	config_load_path(cfg->cpu_profile_path, o ? o->cpu_profile_path : NULL,
			 "CPROF_CPU_PROFILE");
}

static void config_load_debug(struct cprof__config *cfg,
			      const struct cprof_options *o)
{
	const char *v = config_env("CPROF_DEBUG");
	long on;

	cfg->debug = false;
	if (o && o->debug != 0) {
		cfg->debug = true;
	} else if (v != NULL) {
		if (config_parse_int(v, 0, 1, &on))
			cfg->debug = on == 1;
		else
			cprof__warn("CPROF_DEBUG=\"%s\" is not 0 or 1; using "
				    "the default 0", v);
	}
	cprof__log_set_debug(cfg->debug);
}

static void config_load_memory(struct cprof__config *cfg,
			       const struct cprof_options *o)
{
	const char *v = config_env("CPROF_MEM_RATE");
	long rate;

	cfg->mem_rate = CPROF_DEFAULT_MEM_RATE_BYTES;
	if (o && o->mem_rate != 0) {
		if (o->mem_rate == -1)
			cfg->mem_rate = 0;
		else if (o->mem_rate > 0)
			cfg->mem_rate = o->mem_rate;
		else
			cprof__warn("mem_rate=%ld is not -1 or positive; using "
				    "the default %d", o->mem_rate,
				    CPROF_DEFAULT_MEM_RATE_BYTES);
	} else if (v != NULL) {
		if (config_parse_int(v, 0, LONG_MAX, &rate))
			cfg->mem_rate = rate;
		else
			cprof__warn("CPROF_MEM_RATE=\"%s\" is not a whole "
				    "number of bytes (0 turns memory profiles "
				    "off); using the default %d", v,
				    CPROF_DEFAULT_MEM_RATE_BYTES);
	}
	config_load_path(cfg->heap_profile_path,
			 o ? o->heap_profile_path : NULL, "CPROF_HEAP_PROFILE");
}

/* One sampling setting: the option (-1 off, > 0 the value), else the
 * variable (0 off, > 0 the value), else the default; what: "the mutex
 * fraction" and the like, for the warning. */
static long config_load_sampling(long option, const char *var, long def,
				 const char *what)
{
	const char *v = config_env(var);
	long value;

	if (option == -1)
		return 0;
	if (option > 0)
		return option;
	if (option != 0)
		cprof__warn("%s=%ld is not -1 or positive; using the default "
			    "%ld", what, option, def);
	else if (v != NULL && config_parse_int(v, 0, LONG_MAX, &value))
		return value;
	else if (v != NULL)
		cprof__warn("%s=\"%s\" is not a whole number (0 turns the "
			    "profile off); using the default %ld", var, v, def);
	return def;
}

static void config_load_contention(struct cprof__config *cfg,
				   const struct cprof_options *o)
{
	cfg->mutex_fraction = config_load_sampling(
		o ? o->mutex_fraction : 0, "CPROF_MUTEX_FRACTION",
		CPROF_DEFAULT_MUTEX_FRACTION, "mutex_fraction");
	cfg->block_rate = config_load_sampling(
		o ? o->block_rate : 0, "CPROF_BLOCK_RATE",
		CPROF_DEFAULT_BLOCK_RATE_NS, "block_rate");
}

static void config_load_labels(struct cprof__config *cfg,
			       const struct cprof_options *o)
{
	const char *v = config_env("CPROF_LABELS_INHERIT");
	long on;

	cfg->labels_inherit = true;
	if (o && o->labels_inherit != 0)
		cfg->labels_inherit = o->labels_inherit > 0;
	else if (v != NULL && config_parse_int(v, 0, 1, &on))
		cfg->labels_inherit = on == 1;
	else if (v != NULL)
		cprof__warn("CPROF_LABELS_INHERIT=\"%s\" is not 0 or 1; using "
			    "the default 1", v);
}

/* A whole number in lo..hi from an option (non-zero wins) or a variable;
 * anything else is one warning and the default. */
static int config_load_range(int opt, const char *opt_name, const char *var,
			     long lo, long hi, int def)
{
	const char *v = config_env(var);
	long n;

	if (opt != 0) {
		if (opt >= lo && opt <= hi)
			return opt;
		cprof__warn("%s=%d is out of %ld..%ld; using the default %d",
			    opt_name, opt, lo, hi, def);
		return def;
	}
	if (v == NULL)
		return def;
	if (config_parse_int(v, lo, hi, &n))
		return (int)n;
	cprof__warn("%s=\"%s\" is not a whole number in %ld..%ld; using the "
		    "default %d", var, v, lo, hi, def);
	return def;
}

/* Appending options must not change the struct's size (cprof.h). */
_Static_assert(sizeof(struct cprof_options) == 20 * sizeof(void *),
	       "struct cprof_options keeps its size: shrink reserved");

static void config_load_trace(struct cprof__config *cfg,
			      const struct cprof_options *o)
{
	config_load_path(cfg->trace_path, o ? o->trace_path : NULL,
			 "CPROF_TRACE");
	cfg->trace_flight_seconds = config_load_range(
		o ? o->trace_flight_seconds : 0, "trace_flight_seconds",
		"CPROF_TRACE_FLIGHT", 0, CPROF_MAX_TRACE_FLIGHT_SECONDS, 0);
	cfg->trace_buffer_bytes = config_load_range(
		o ? o->trace_buffer_bytes : 0, "trace_buffer_bytes",
		"CPROF_TRACE_BUFFER", 1024, 64 << 20,
		CPROF_DEFAULT_TRACE_BUFFER_BYTES);
}

static void config_load_wall(struct cprof__config *cfg,
			     const struct cprof_options *o)
{
	cfg->wall_hz = config_load_range(o ? o->wall_hz : 0, "wall_hz",
					 "CPROF_WALL_HZ", 1, CPROF_MAX_WALL_HZ,
					 CPROF_DEFAULT_WALL_HZ);
}

static void config_load_unwinder(struct cprof__config *cfg)
{
	const char *v = config_env("CPROF_UNWIND");

	cfg->unwinder = CPROF_UNWINDER_CFI;
	if (v == NULL || strcmp(v, "cfi") == 0)
		return;
	if (strcmp(v, "fp") == 0)
		cfg->unwinder = CPROF_UNWINDER_FP;
	else
		cprof__warn("CPROF_UNWIND=\"%s\" is not cfi or fp; using the "
			    "default cfi", v);
}

void cprof__config_load(struct cprof__config *cfg,
			const struct cprof_options *options)
{
	memset(cfg, 0, sizeof(*cfg));
	config_load_debug(cfg, options);
	config_load_http(cfg, options ? options->http_addr : NULL);
	config_load_cpu(cfg, options);
	config_load_memory(cfg, options);
	config_load_labels(cfg, options);
	config_load_contention(cfg, options);
	config_load_unwinder(cfg);
	config_load_trace(cfg, options);
	config_load_wall(cfg, options);
}

bool cprof__config_env_activates(void)
{
	return config_env("CPROF_HTTP") != NULL ||
	       config_env("CPROF_CPU_PROFILE") != NULL ||
	       config_env("CPROF_HEAP_PROFILE") != NULL ||
	       config_env("CPROF_TRACE") != NULL ||
	       config_env("CPROF_TRACE_FLIGHT") != NULL;
}
