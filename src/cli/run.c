/*
 * run.c - `cprof run [-o DIR] [-kinds cpu,heap] -- CMD ARGS`: runs CMD with
 * libcprof preloaded and collects the profiles it writes when it exits.
 *
 * Nothing here profiles: the library does, configured through its CPROF_*
 * variables (README.md). This file finds libcprof.so, puts it first in
 * LD_PRELOAD, points each chosen kind's *_PROFILE variable at DIR/KIND.%p.pb.gz
 * (%p: the pid, so children that inherit the variables write their own
 * files), runs CMD, waits, and says which files appeared. While CMD runs,
 * cprof ignores SIGINT and SIGQUIT (a terminal sends them to CMD too) and
 * passes SIGTERM and SIGHUP on, so that CMD can exit and write its
 * profiles. The exit status is CMD's (128+N when a signal N ended it), or
 * 2 when CMD could not be started.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "cli/subcmd.h"

#define RUN_USAGE "cprof run [-o DIR] [-kinds cpu,heap] -- CMD [ARGS...]"
#define RUN_ABOUT                                                             \
	"Runs CMD with libcprof preloaded (LD_PRELOAD) and, when it exits,\n"    \
	"lists the profiles it wrote: DIR/KIND.PID.pb.gz, one per process that\n" \
	"ran with the library (children write their own). Other CPROF_*\n"      \
	"settings (CPROF_CPU_HZ, CPROF_MEM_RATE, CPROF_HTTP...) pass through\n"  \
	"from the environment. The library is found through CPROF_LIB, next to\n" \
	"cprof (../lib), or in the build tree. The exit status is CMD's."

#ifndef CPROF_LIBDIR_REL
#define CPROF_LIBDIR_REL "lib"
#endif

int cprof__cli_run(int argc, char **argv);

/* The kinds run knows, and the library variable that writes each. */
static const struct run_kind {
	const char *name;
	const char *env;
} run_kinds[] = {
	{"cpu", "CPROF_CPU_PROFILE"},
	{"heap", "CPROF_HEAP_PROFILE"},
	{NULL, NULL},
};

static volatile sig_atomic_t run_child_pid;

static void run_forward(int sig)
{
	if (run_child_pid > 0)
		kill((pid_t)run_child_pid, sig);
}

static bool run_is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Where libcprof.so is, into lib (PATH_MAX); false if nowhere. */
static bool run_find_lib(char *lib)
{
	const char *env = getenv("CPROF_LIB");
	char exe[PATH_MAX], cand[PATH_MAX + 64];
	ssize_t n;
	char *slash;

	if (env != NULL && *env != '\0')
		return realpath(env, lib) != NULL && run_is_file(lib);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash != NULL) {
			const char *rel[] = {"/../" CPROF_LIBDIR_REL, "/../lib",
					     "/../lib64"};

			*slash = '\0';
			for (size_t i = 0; i < sizeof(rel) / sizeof(*rel); i++) {
				snprintf(cand, sizeof(cand), "%s%s/libcprof.so",
					 exe, rel[i]);
				if (run_is_file(cand) && realpath(cand, lib))
					return true;
			}
		}
	}
#ifdef CPROF_BUILD_LIB
	if (run_is_file(CPROF_BUILD_LIB) && realpath(CPROF_BUILD_LIB, lib))
		return true;
#endif
	return false;
}

/* Parses "cpu,heap" into chosen[]; false (and a line printed) if bad. */
static bool run_parse_kinds(const char *list, bool *chosen)
{
	const char *p = list;

	while (*p != '\0') {
		size_t len = strcspn(p, ",");
		size_t k;

		for (k = 0; run_kinds[k].name != NULL; k++)
			if (strlen(run_kinds[k].name) == len &&
			    strncmp(run_kinds[k].name, p, len) == 0)
				break;
		if (len > 0 && run_kinds[k].name == NULL) {
			cprof__cli_error("run: unknown kind \"%.*s\" in -kinds "
					 "(cprof run writes: cpu, heap)",
					 (int)len, p);
			return false;
		}
		if (len > 0)
			chosen[k] = true;
		p += len + (p[len] == ',');
	}
	return true;
}

/* Sets the environment the child gets. Returns false on ENOMEM. */
static bool run_setenv(const char *lib, const char *dir, const bool *chosen)
{
	const char *old = getenv("LD_PRELOAD");
	char path[PATH_MAX + 64];
	char *preload;

	if (old != NULL && *old != '\0') {
		size_t len = strlen(lib) + strlen(old) + 2;

		preload = malloc(len);
		if (preload == NULL)
			return false;
		snprintf(preload, len, "%s:%s", lib, old);
	} else {
		preload = strdup(lib);
		if (preload == NULL)
			return false;
	}
	if (setenv("LD_PRELOAD", preload, 1) != 0) {
		free(preload);
		return false;
	}
	free(preload);
	for (size_t k = 0; run_kinds[k].name != NULL; k++) {
		if (!chosen[k]) {
			unsetenv(run_kinds[k].env);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s.%%p.pb.gz", dir,
			 run_kinds[k].name);
		if (setenv(run_kinds[k].env, path, 1) != 0)
			return false;
	}
	return true;
}

/* A profile file seen in DIR before CMD ran, to tell new files apart. */
struct run_seen {
	char *name;
	struct timespec mtime;
};

static bool run_is_profile_name(const char *name, const bool *chosen,
				long *pid)
{
	for (size_t k = 0; run_kinds[k].name != NULL; k++) {
		size_t klen = strlen(run_kinds[k].name);
		char *end;

		if (!chosen[k] || strncmp(name, run_kinds[k].name, klen) != 0 ||
		    name[klen] != '.')
			continue;
		*pid = strtol(name + klen + 1, &end, 10);
		if (end != name + klen + 1 && strcmp(end, ".pb.gz") == 0)
			return true;
	}
	return false;
}

/* Calls fn for each KIND.PID.pb.gz in dir. */
static void run_scan(const char *dir, const bool *chosen,
		     void (*fn)(void *ctx, const char *name, long pid,
				const struct stat *st),
		     void *ctx)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d != NULL && (e = readdir(d)) != NULL) {
		char path[PATH_MAX + 256];
		struct stat st;
		long pid;

		if (!run_is_profile_name(e->d_name, chosen, &pid))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			fn(ctx, e->d_name, pid, &st);
	}
	if (d != NULL)
		closedir(d);
}

struct run_files {
	struct run_seen *seen;
	size_t n_seen;
	size_t cap_seen;
	const char *dir;
	long main_pid;
	int pass;  /* 0: the main process's files, 1: the others */
	int found;
};

static void run_remember(void *ctx, const char *name, long pid,
			 const struct stat *st)
{
	struct run_files *f = ctx;

	if (f->n_seen == f->cap_seen) {
		size_t cap = f->cap_seen ? 2 * f->cap_seen : 16;
		struct run_seen *more = realloc(f->seen, cap * sizeof(*more));

		if (more == NULL)
			return;
		f->seen = more;
		f->cap_seen = cap;
	}
	f->seen[f->n_seen].name = strdup(name);
	if (f->seen[f->n_seen].name == NULL)
		return;
	f->seen[f->n_seen++].mtime = st->st_mtim;
}

static void run_announce(void *ctx, const char *name, long pid,
			 const struct stat *st)
{
	struct run_files *f = ctx;

	if ((pid == f->main_pid) != (f->pass == 0))
		return;
	for (size_t i = 0; i < f->n_seen; i++)
		if (strcmp(f->seen[i].name, name) == 0 &&
		    f->seen[i].mtime.tv_sec == st->st_mtim.tv_sec &&
		    f->seen[i].mtime.tv_nsec == st->st_mtim.tv_nsec)
			return; /* there before CMD ran, unchanged */
	fprintf(stderr, "cprof: wrote %s/%s%s\n", f->dir, name,
		f->pass == 0 ? "" : " (a child process)");
	f->found++;
}

int cprof__cli_run(int argc, char **argv)
{
	const char *dir = ".", *kinds = "cpu,heap";
	const struct cprof__cli_opt opts[] = {
		{"o", CPROF_CLI_OPT_STRING, &dir, NULL,
		 "the directory the profiles go to (default: .)"},
		{"kinds", CPROF_CLI_OPT_STRING, &kinds, NULL,
		 "the profiles to write, comma-separated: cpu, heap "
		 "(default: cpu,heap)"},
		{NULL, 0, NULL, NULL, NULL},
	};
	bool chosen[sizeof(run_kinds) / sizeof(*run_kinds)] = {false};
	char lib[PATH_MAX], absdir[PATH_MAX];
	struct sigaction ign = {0}, fwd = {0}, old[4];
	static const int sigs[4] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP};
	char **cmd;
	int n_cmd = 0, rc, status;
	struct run_files files = {0};
	pid_t pid;
	struct stat st;

	cmd = calloc((size_t)argc + 1, sizeof(*cmd));
	if (cmd == NULL) {
		cprof__cli_error("out of memory");
		return CPROF_CLI_BAD;
	}
	rc = cprof__cli_parse(argc, argv, opts, RUN_USAGE, RUN_ABOUT, cmd,
			      argc, &n_cmd);
	if (rc != 0) {
		free(cmd);
		return rc == CPROF_CLI_HELP ? CPROF_CLI_OK : CPROF_CLI_BAD;
	}
	rc = CPROF_CLI_BAD;
	if (n_cmd == 0) {
		cprof__cli_error("run: no command (see cprof run --help)");
		goto out_free;
	}
	cmd[n_cmd] = NULL;
	if (!run_parse_kinds(kinds, chosen))
		goto out_free;
	if (!run_find_lib(lib)) {
		cprof__cli_error("run: cannot find libcprof.so (set CPROF_LIB "
				 "to its path)");
		goto out_free;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
	    access(dir, W_OK) != 0 || realpath(dir, absdir) == NULL) {
		cprof__cli_error("run: -o %s: not a writable directory", dir);
		goto out_free;
	}
	if (!run_setenv(lib, absdir, chosen)) {
		cprof__cli_error("run: out of memory");
		goto out_free;
	}
	files.dir = dir;
	run_scan(absdir, chosen, run_remember, &files);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		cprof__cli_error("run: fork: %s", strerror(errno));
		goto out_free;
	}
	if (pid == 0) {
		execvp(cmd[0], cmd);
		cprof__cli_error("run: %s: %s", cmd[0], strerror(errno));
		_exit(127);
	}
	run_child_pid = pid;
	ign.sa_handler = SIG_IGN;
	fwd.sa_handler = run_forward;
	sigemptyset(&ign.sa_mask);
	sigemptyset(&fwd.sa_mask);
	for (int i = 0; i < 4; i++)
		sigaction(sigs[i], i < 2 ? &ign : &fwd, &old[i]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			status = 127 << 8;
			break;
		}
	}
	for (int i = 0; i < 4; i++)
		sigaction(sigs[i], &old[i], NULL);
	run_child_pid = 0;
	if (WIFSIGNALED(status))
		fprintf(stderr, "cprof: %s: killed by signal %d\n", cmd[0],
			WTERMSIG(status));
	files.main_pid = pid;
	for (files.pass = 0; files.pass < 2; files.pass++)
		run_scan(absdir, chosen, run_announce, &files);
	if (files.found == 0) {
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
			rc = CPROF_CLI_BAD; /* exec failed; the child said why */
			goto out_free;
		}
		fprintf(stderr, "cprof: %s wrote no profile (a process writes "
			"its profiles when it exits normally)\n", cmd[0]);
	}
	rc = WIFEXITED(status) ? WEXITSTATUS(status)
			       : 128 + (WIFSIGNALED(status) ? WTERMSIG(status)
							    : 0);
out_free:
	for (size_t i = 0; i < files.n_seen; i++)
		free(files.seen[i].name);
	free(files.seen);
	free(cmd);
	return rc;
}
