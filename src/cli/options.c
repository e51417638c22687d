/*
 * options.c - go tool pprof's option syntax (Go's flag package) for the
 * cprof subcommands, and their help text.
 *
 * Values are checked as Go checks them: an int is a whole decimal number,
 * a bool is one of 1/0/t/f/true/false/TRUE/FALSE/True/False. A wrong or
 * unknown option is one line on stderr and CPROF_CLI_USAGE.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/options.h"

void cprof__cli_error(const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fflush(stdout);
	fprintf(stderr, "cprof: %s\n", line);
}

static const struct cprof__cli_opt *opt_find(const struct cprof__cli_opt *opts,
					     const char *name, size_t len)
{
	for (; opts->name != NULL; opts++)
		if (strlen(opts->name) == len &&
		    memcmp(opts->name, name, len) == 0)
			return opts;
	return NULL;
}

static int opt_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"1", "t", "T", "true", "TRUE",
					  "True"};
	static const char *const no[] = {"0", "f", "F", "false", "FALSE",
					 "False"};
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

static int opt_set(const struct cprof__cli_opt *o, const char *value)
{
	char *end;

	switch (o->kind) {
	case CPROF_CLI_OPT_STRING:
		*(const char **)o->target = value;
		return 0;
	case CPROF_CLI_OPT_INT: {
		long v;

		errno = 0;
		v = strtol(value, &end, 10);
		if (errno != 0 || end == value || *end != '\0' ||
		    v < INT_MIN || v > INT_MAX)
			break;
		*(int *)o->target = (int)v;
		return 0;
	}
	case CPROF_CLI_OPT_DOUBLE: {
		double v;

		errno = 0;
		v = strtod(value, &end);
		if (errno != 0 || end == value || *end != '\0')
			break;
		*(double *)o->target = v;
		return 0;
	}
	case CPROF_CLI_OPT_BOOL:
		if (opt_bool(value, (bool *)o->target) == 0)
			return 0;
		break;
	case CPROF_CLI_OPT_SET: {
		bool on;

		if (opt_bool(value, &on) != 0)
			break;
		if (on)
			*(const char **)o->target = o->value;
		return 0;
	}
	}
	cprof__cli_error("invalid value \"%s\" for flag -%s", value, o->name);
	return CPROF_CLI_USAGE;
}

static void opt_help(const struct cprof__cli_opt *opts, const char *usage,
		     const char *about)
{
	printf("usage: %s\n\n%s\n", usage, about);
	if (opts->name != NULL)
		printf("\noptions:\n");
	for (; opts->name != NULL; opts++) {
		const char *arg = "";

		switch (opts->kind) {
		case CPROF_CLI_OPT_STRING:
			arg = " string";
			break;
		case CPROF_CLI_OPT_INT:
			arg = " int";
			break;
		case CPROF_CLI_OPT_DOUBLE:
			arg = " float";
			break;
		default:
			break;
		}
		printf("  -%s%s\n        %s\n", opts->name, arg, opts->help);
	}
}

int cprof__cli_parse(int argc, char **argv, const struct cprof__cli_opt *opts,
		     const char *usage, const char *about, char **pos,
		     int max_pos, int *n_pos)
{
	bool options_done = false;
	int i;

	*n_pos = 0;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *name, *eq;
		const struct cprof__cli_opt *o;
		size_t len;

		if (options_done || a[0] != '-' || a[1] == '\0') {
			if (*n_pos >= max_pos) {
				cprof__cli_error("%s: unexpected argument \"%s\"",
						 argv[0], a);
				return CPROF_CLI_USAGE;
			}
			pos[(*n_pos)++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			options_done = true;
			continue;
		}
		name = a + (a[1] == '-' ? 2 : 1);
		eq = strchr(name, '=');
		len = eq != NULL ? (size_t)(eq - name) : strlen(name);
		if ((len == 1 && name[0] == 'h') ||
		    (len == 4 && memcmp(name, "help", 4) == 0)) {
			opt_help(opts, usage, about);
			return CPROF_CLI_HELP;
		}
		o = opt_find(opts, name, len);
		if (o == NULL) {
			cprof__cli_error("%s: flag provided but not defined: -%.*s "
					 "(see cprof %s --help)",
					 argv[0], (int)len, name, argv[0]);
			return CPROF_CLI_USAGE;
		}
		if (eq != NULL) {
			if (opt_set(o, eq + 1) != 0)
				return CPROF_CLI_USAGE;
			continue;
		}
		if (o->kind == CPROF_CLI_OPT_BOOL) {
			*(bool *)o->target = true;
			continue;
		}
		if (o->kind == CPROF_CLI_OPT_SET) {
			*(const char **)o->target = o->value;
			continue;
		}
		if (i + 1 >= argc) {
			cprof__cli_error("%s: flag needs an argument: -%s",
					 argv[0], o->name);
			return CPROF_CLI_USAGE;
		}
		if (opt_set(o, argv[++i]) != 0)
			return CPROF_CLI_USAGE;
	}
	return 0;
}
