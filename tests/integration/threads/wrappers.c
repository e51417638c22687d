/*
 * wrappers.c - every interposed blocking call, in cases that return at
 * once (success, failure, a signal), printing its return value and errno
 * (errno is set to 777 before each call, so a call that succeeds must leave
 * it there). wrappers.sh runs it with and without cprof: the outputs must
 * be identical. Built with _FORTIFY_SOURCE=2, so read, recv, recvfrom and
 * poll on buffers of known size go to __read_chk and friends; calls
 * through function pointers reach the plain functions.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SHOW(what, call)                                                      \
	do {                                                                  \
		long rc_;                                                     \
		errno = 777;                                                  \
		rc_ = (long)(call);                                           \
		printf("%-28s rc=%ld errno=%d\n", what, rc_, errno);          \
	} while (0)

static void on_signal(int sig) { (void)sig; }

static void put(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) < 0)
		_exit(2);
}

/* A port on 127.0.0.1 where nothing listens. */
static struct sockaddr_in closed_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(s, (struct sockaddr *)&a, sizeof(a));
	getsockname(s, (struct sockaddr *)&a, &len);
	close(s);
	return a;
}

int main(void)
{
	ssize_t (*plain_read)(int, void *, size_t) = read;
	ssize_t (*plain_recv)(int, void *, size_t, int) = recv;
	int (*plain_poll)(struct pollfd *, nfds_t, int) = poll;
	char buf[16];
	/* not a constant: the fortified read, recv... go to their _chk variants */
	volatile size_t n = sizeof(buf);
	volatile nfds_t one = 1;
	struct iovec iov = {buf, sizeof(buf)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	struct timespec zero = {0, 0}, bad = {0, 2000000000L};
	struct timeval tv0 = {0, 0};
	struct pollfd pfd;
	struct epoll_event ev;
	struct sockaddr_in a = closed_port();
	sigset_t usr1, empty, old;
	siginfo_t si;
	struct sigaction sa;
	struct itimerval it = {{0, 0}, {0, 20000}};
	int fds[2], sv[2], ep = epoll_create1(0), s, status;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (pipe(fds) || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || ep < 0)
		return 2;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);

	SHOW("read pipe", (put(fds[1], "abc"), read(fds[0], buf, n)));
	SHOW("read badfd", read(-1, buf, n));
	SHOW("read plain pipe", (put(fds[1], "ab"), plain_read(fds[0], buf, 8)));
	SHOW("read plain badfd", plain_read(-1, buf, 8));
	SHOW("readv pipe", (put(fds[1], "x"), readv(fds[0], &iov, 1)));
	SHOW("readv badfd", readv(-1, &iov, 1));
	SHOW("recv sock", (put(sv[1], "hi"), recv(sv[0], buf, n, 0)));
	SHOW("recv notsock", recv(fds[0], buf, n, 0));
	SHOW("recv plain nonblock", plain_recv(sv[0], buf, 8, MSG_DONTWAIT));
	SHOW("recvfrom sock", (put(sv[1], "yo"), recvfrom(sv[0], buf, n, 0, NULL, NULL)));
	SHOW("recvfrom badfd", recvfrom(-1, buf, n, 0, NULL, NULL));
	SHOW("recvmsg sock", (put(sv[1], "m"), recvmsg(sv[0], &msg, 0)));
	SHOW("recvmsg badfd", recvmsg(-1, &msg, 0));
	SHOW("accept notsock", accept(fds[0], NULL, NULL));
	SHOW("accept4 badflags", accept4(sv[0], NULL, NULL, -1));
	s = socket(AF_INET, SOCK_STREAM, 0);
	SHOW("connect refused", connect(s, (struct sockaddr *)&a, sizeof(a)));
	close(s);
	SHOW("poll 0 fds", poll(NULL, 0, 0));
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	SHOW("poll fd", (put(fds[1], "p"), poll(&pfd, one, 0)));
	SHOW("poll plain fd", plain_poll(&pfd, 1, 0));
	if (read(fds[0], buf, 1) != 1)
		return 2;
	SHOW("ppoll timeout", ppoll(&pfd, one, &zero, NULL));
	SHOW("ppoll badtime", ppoll(&pfd, 1, &bad, NULL));
	SHOW("select timeout", select(0, NULL, NULL, NULL, &tv0));
	SHOW("select badn", select(-1, NULL, NULL, NULL, &tv0));
	SHOW("pselect timeout", pselect(0, NULL, NULL, NULL, &zero, NULL));
	SHOW("epoll_wait timeout", epoll_wait(ep, &ev, 1, 0));
	SHOW("epoll_wait badfd", epoll_wait(-1, &ev, 1, 0));
	SHOW("epoll_pwait timeout", epoll_pwait(ep, &ev, 1, 0, NULL));
	SHOW("nanosleep zero", nanosleep(&zero, NULL));
	SHOW("nanosleep bad", nanosleep(&bad, NULL));
	SHOW("clock_nanosleep zero", clock_nanosleep(CLOCK_MONOTONIC, 0, &zero, NULL));
	SHOW("clock_nanosleep badclock", clock_nanosleep(-42, 0, &zero, NULL));
	SHOW("usleep 0", usleep(0));
	SHOW("sleep 0", sleep(0));
	SHOW("waitpid nochild", waitpid(-1, &status, WNOHANG));
	SHOW("wait4 nochild", wait4(-1, &status, 0, NULL));
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigemptyset(&empty);
	sigprocmask(SIG_BLOCK, &usr1, &old);
	SHOW("sigtimedwait none", sigtimedwait(&usr1, &si, &zero));
	raise(SIGUSR1);
	SHOW("sigtimedwait pending", sigtimedwait(&usr1, &si, &zero));
	raise(SIGUSR1);
	SHOW("sigwaitinfo pending", sigwaitinfo(&usr1, &si));
	raise(SIGUSR1);
	SHOW("sigsuspend pending", sigsuspend(&empty));
	sigprocmask(SIG_SETMASK, &old, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	SHOW("pause alarm", pause());
	return 0;
}
