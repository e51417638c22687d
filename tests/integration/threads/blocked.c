/*
 * blocked.c - one thread per kind of blocking call, for the threads
 * profile tests: every thread reaches its call through run_<kind> (the
 * thread's start routine) and wait_<kind> (the function that makes the
 * call), so a checker knows each stack exactly. Timed calls loop with
 * TIMED_MS timeouts and count any EINTR and any return before the full
 * time; untimed calls block until the end, and must then return what was
 * sent, never EINTR. A CPU-burning thread, and the main thread in an
 * absolute clock_nanosleep, complete the set.
 *
 *   blocked DONE_FILE      runs until DONE_FILE exists, then releases the
 *                          untimed threads and prints one line per kind:
 *                          "kind NAME calls=N eintr=E short=S"
 *
 * stdout: "ready" once every thread has started. Thread NAME is named
 * "k-NAME" (pthread_setname_np). The labels thread pushes worker=labeled
 * through cprof_labels_push when cprof is loaded (found with dlsym, so the
 * program runs without cprof too).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TIMED_MS 300
#define NOINLINE __attribute__((noinline))

struct kind_stats {
	const char *name;
	_Atomic long calls, eintr, shortened;
};

static atomic_bool stop;
static int pipe_read[2], pipe_fgets[2], pipe_write[2], listen_fd, epoll_fd;
static sem_t sem;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static bool cond_go;
static atomic_int started;

/* "k-KIND", cut to the 15 bytes a thread name holds. */
static void name_self(const char *kind)
{
	char name[16];

	snprintf(name, sizeof(name), "k-%.13s", kind);
	pthread_setname_np(pthread_self(), name);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A timed call returned rc after elapsed ns: count EINTR and early returns
 * (rc 0 is a timeout that must have lasted the full time). */
static void timed_check(struct kind_stats *k, int rc, int err, int64_t ns,
			int64_t want_ns)
{
	k->calls++;
	if (rc < 0 && err == EINTR)
		k->eintr++;
	else if (ns < want_ns)
		k->shortened++;
}

#define TIMED_KIND(kind, call)                                                \
	static struct kind_stats st_##kind = {#kind};                         \
	static NOINLINE void wait_##kind(void)                                \
	{                                                                     \
		int64_t t0 = now_ns();                                        \
		int rc = (call);                                              \
		int err = errno;                                              \
		timed_check(&st_##kind, rc, err, now_ns() - t0,               \
			    TIMED_MS * 1000000LL);                            \
		__asm__ volatile("" ::: "memory");                            \
	}                                                                     \
	static NOINLINE void *run_##kind(void *arg)                           \
	{                                                                     \
		name_self(#kind);               \
		started++;                                                    \
		while (!stop)                                                 \
			wait_##kind();                                        \
		return NULL;                                                  \
	}

static struct timespec ts_timed = {0, TIMED_MS * 1000000L};

TIMED_KIND(epoll_wait, ({
		   struct epoll_event ev;
		   epoll_wait(epoll_fd, &ev, 1, TIMED_MS);
	   }))
TIMED_KIND(poll, poll(NULL, 0, TIMED_MS))
TIMED_KIND(nanosleep, nanosleep(&ts_timed, NULL))
TIMED_KIND(usleep, usleep(TIMED_MS * 1000))
TIMED_KIND(select, ({
		   struct timeval tv = {0, TIMED_MS * 1000};
		   select(0, NULL, NULL, NULL, &tv);
	   }))
TIMED_KIND(clock_nanosleep, -clock_nanosleep(CLOCK_MONOTONIC, 0, &ts_timed,
					      NULL))

/* sleep(1) returns 0 only after the full second, else what is left. */
static struct kind_stats st_sleep = {"sleep"};
static NOINLINE void wait_sleep(void)
{
	int64_t t0 = now_ns();
	unsigned left = sleep(1);

	st_sleep.calls++;
	if (left != 0 || now_ns() - t0 < 1000000000LL)
		st_sleep.shortened++;
	__asm__ volatile("" ::: "memory");
}

static NOINLINE void *run_sleep(void *arg)
{
	name_self("sleep");
	started++;
	while (!stop)
		wait_sleep();
	return NULL;
}

/* Untimed: one call each, released at the end with known data. */
#define UNTIMED_KIND(kind, call, ok)                                          \
	static struct kind_stats st_##kind = {#kind};                         \
	static NOINLINE void wait_##kind(void)                                \
	{                                                                     \
		long rc = (long)(call);                                       \
		int err = errno;                                              \
		st_##kind.calls++;                                            \
		if (rc < 0 && err == EINTR)                                   \
			st_##kind.eintr++;                                    \
		else if (!(ok))                                               \
			st_##kind.shortened++;                                \
		__asm__ volatile("" ::: "memory");                            \
	}                                                                     \
	static NOINLINE void *run_##kind(void *arg)                           \
	{                                                                     \
		name_self(#kind);               \
		started++;                                                    \
		wait_##kind();                                                \
		return NULL;                                                  \
	}

static char read_buf[8], fgets_buf[64];
static FILE *fgets_in;

UNTIMED_KIND(read, read(pipe_read[0], read_buf, 1), rc == 1)
UNTIMED_KIND(accept, accept(listen_fd, NULL, NULL), rc >= 0)
UNTIMED_KIND(sem_wait, sem_wait(&sem), rc == 0)
/* write is not wrapped and glibc's write keeps no frame: found by /proc */
UNTIMED_KIND(write, write(pipe_write[1], "w", 1), rc == 1)
UNTIMED_KIND(fgets, fgets(fgets_buf, sizeof(fgets_buf), fgets_in),
	     rc != 0 && strcmp(fgets_buf, "line\n") == 0)

static struct kind_stats st_cond_wait = {"cond_wait"};
static NOINLINE void wait_cond_wait(void)
{
	int rc;

	pthread_mutex_lock(&mu);
	while (!cond_go) {
		rc = pthread_cond_wait(&cond, &mu);
		st_cond_wait.calls++;
		if (rc == EINTR)
			st_cond_wait.eintr++;
	}
	pthread_mutex_unlock(&mu);
	__asm__ volatile("" ::: "memory");
}

static NOINLINE void *run_cond_wait(void *arg)
{
	name_self("cond_wait");
	started++;
	wait_cond_wait();
	return NULL;
}

/* CPU: a loop with no call in it. */
static volatile unsigned long sink;
static struct kind_stats st_burn = {"burn"};
static NOINLINE void wait_burn(void)
{
	for (unsigned long i = 0; i < 100000000UL && !stop; i++)
		sink += i * i;
	st_burn.calls++;
}

static NOINLINE void *run_burn(void *arg)
{
	name_self("burn");
	started++;
	while (!stop)
		wait_burn();
	return NULL;
}

/* Labeled: a nanosleep loop under worker=labeled. */
static struct kind_stats st_labeled = {"labeled"};
static NOINLINE void wait_labeled(void)
{
	int64_t t0 = now_ns();
	int rc = nanosleep(&ts_timed, NULL);

	timed_check(&st_labeled, rc, errno, now_ns() - t0,
		    TIMED_MS * 1000000LL);
	__asm__ volatile("" ::: "memory");
}

static NOINLINE void *run_labeled(void *arg)
{
	int (*push)(const char *, const char *) =
		(int (*)(const char *, const char *))dlsym(
			RTLD_DEFAULT, "cprof_labels_push");

	name_self("labeled");
	if (push != NULL)
		push("worker", "labeled");
	started++;
	while (!stop)
		wait_labeled();
	return NULL;
}

/* The main thread: absolute clock_nanosleep until the done file exists. */
static struct kind_stats st_main = {"main"};
static NOINLINE void wait_main(void)
{
	struct timespec until;
	int64_t t0 = now_ns();
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += TIMED_MS * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL);
	timed_check(&st_main, -rc, rc, now_ns() - t0, TIMED_MS * 1000000LL);
	__asm__ volatile("" ::: "memory");
}

/* Fills the pipe, so that the next write blocks. */
static void fill_pipe(int fd)
{
	char block[4096] = {0};

	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (write(fd, block, sizeof(block)) > 0)
		;
	fcntl(fd, F_SETFL, 0);
}

static void setup(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);

	if (pipe(pipe_read) || pipe(pipe_fgets) || pipe(pipe_write) ||
	    sem_init(&sem, 0, 0))
		exit(2);
	fill_pipe(pipe_write[1]);
	fgets_in = fdopen(pipe_fgets[0], "r");
	epoll_fd = epoll_create1(0);
	listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fgets_in == NULL || epoll_fd < 0 || listen_fd < 0 ||
	    bind(listen_fd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(listen_fd, 1) ||
	    getsockname(listen_fd, (struct sockaddr *)&a, &len))
		exit(2);
}

/* Wakes every untimed thread with what it waits for. */
static void release(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int c = socket(AF_INET, SOCK_STREAM, 0);

	getsockname(listen_fd, (struct sockaddr *)&a, &len);
	if (write(pipe_read[1], "x", 1) != 1 ||
	    write(pipe_fgets[1], "line\n", 5) != 5 ||
	    connect(c, (struct sockaddr *)&a, len) != 0)
		exit(2);
	for (int got = 0; got < 8192;) {
		char drain[4096];
		ssize_t n = read(pipe_write[0], drain, sizeof(drain));

		if (n <= 0)
			exit(2);
		got += (int)n;
	}
	sem_post(&sem);
	pthread_mutex_lock(&mu);
	cond_go = true;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&mu);
}

int main(int argc, char **argv)
{
	void *(*runs[])(void *) = {
		run_epoll_wait, run_poll, run_nanosleep, run_usleep,
		run_select, run_clock_nanosleep, run_sleep, run_read,
		run_accept, run_sem_wait, run_fgets, run_write, run_cond_wait,
		run_burn, run_labeled,
	};
	struct kind_stats *stats[] = {
		&st_epoll_wait, &st_poll, &st_nanosleep, &st_usleep,
		&st_select, &st_clock_nanosleep, &st_sleep, &st_read,
		&st_accept, &st_sem_wait, &st_fgets, &st_write, &st_cond_wait,
		&st_burn, &st_labeled, &st_main,
	};
	size_t n = sizeof(runs) / sizeof(runs[0]);
	pthread_t th[sizeof(runs) / sizeof(runs[0])];

	if (argc != 2)
		return 2;
	setup();
	for (size_t i = 0; i < n; i++)
		if (pthread_create(&th[i], NULL, runs[i], NULL) != 0)
			return 2;
	while (started < (int)n)
		sched_yield();
	printf("ready\n");
	fflush(stdout);
	while (access(argv[1], F_OK) != 0)
		wait_main();
	stop = true;
	release();
	for (size_t i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	for (size_t i = 0; i < sizeof(stats) / sizeof(stats[0]); i++)
		printf("kind %s calls=%ld eintr=%ld short=%ld\n",
		       stats[i]->name, stats[i]->calls, stats[i]->eintr,
		       stats[i]->shortened);
	return 0;
}
