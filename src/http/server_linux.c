/*
 * server_linux.c - naming the server's threads cprof-http (Linux glue).
 *
 * libmicrohttpd names its threads itself ("MHD-listen", "MHD-connection")
 * as the first thing each thread does, so inheriting our name is not
 * enough. A connection's thread is renamed by its first request callback
 * (server.c). The listening thread runs none of our code until a client
 * connects, so right after the daemon starts we find it in /proc/self/task,
 * as the "MHD-listen" thread that was not there before, and rename it
 * through its comm file; the accept callback renames it again if that
 * failed. A connection accepted but not yet sending a request keeps MHD's
 * name until its first request (XXX: MHD gives us no earlier hook there).
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http/http_internal.h"

#define LINUX_MHD_LISTENER "MHD-listen"
/* How long the new listening thread may take to name itself. */
#define LINUX_RENAME_WAIT_MS 500

void cprof__http_name_self(void)
{
	pthread_setname_np(pthread_self(), CPROF_HTTP_THREAD_NAME);
}

static bool linux_task_comm_is(int tid, const char *name)
{
	char path[64], comm[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/comm", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, comm, sizeof(comm) - 1);
	close(fd);
	if (n <= 0)
		return false;
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	return strcmp(comm, name) == 0;
}

/* Tids of this process's threads named like MHD's listening thread. */
int cprof__http_listeners_snapshot(int *tids, int max)
{
	struct dirent *de;
	DIR *dir;
	int n = 0;

	dir = opendir("/proc/self/task");
	if (dir == NULL)
		return 0;
	while ((de = readdir(dir)) != NULL && n < max) {
		int tid = atoi(de->d_name);

		if (tid > 0 && linux_task_comm_is(tid, LINUX_MHD_LISTENER))
			tids[n++] = tid;
	}
	closedir(dir);
	return n;
}

static bool linux_rename(int tid)
{
	char path[64];
	bool ok;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/comm", tid);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ok = write(fd, CPROF_HTTP_THREAD_NAME, strlen(CPROF_HTTP_THREAD_NAME)) >
	     0;
	close(fd);
	return ok;
}

static int linux_find_new(const int *old_tids, int n_old)
{
	int now[64], n, i, j;

	n = cprof__http_listeners_snapshot(now, 64);
	for (i = 0; i < n; i++) {
		for (j = 0; j < n_old && old_tids[j] != now[i]; j++)
			;
		if (j == n_old)
			return now[i];
	}
	return 0;
}

/* Renames the listening thread the daemon just started (see above). */
void cprof__http_rename_new_listener(const int *old_tids, int n_old)
{
	struct timespec ms = {0, 1000000};
	int waited, tid = 0;

	for (waited = 0; waited < LINUX_RENAME_WAIT_MS && tid == 0; waited++) {
		tid = linux_find_new(old_tids, n_old);
		if (tid == 0)
			nanosleep(&ms, NULL);
	}
	if (tid != 0)
		linux_rename(tid);
}
