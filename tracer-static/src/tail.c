#include "tail.h"

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static int fds[2] = {-1, -1};
static pthread_t copier;
static char ring[TAIL_BYTES];
static size_t total;

static void write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void *copy(void *unused)
{
	(void)unused;
	char buf[4096];
	for (;;) {
		ssize_t n = read(fds[0], buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		write_all(2, buf, (size_t)n);
		for (ssize_t i = 0; i < n; i++)
			ring[(total + (size_t)i) % TAIL_BYTES] = buf[i];
		total += (size_t)n;
	}
}

void tail_start(void)
{
	if (pipe2(fds, O_CLOEXEC) < 0)
		die(EXIT_TRACER_FAILED, "pipe: %s", strerror(errno));
	/* The watchdog's signals must interrupt the main thread's waitpid(), never land here. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int err = pthread_create(&copier, 0, copy, 0);
	pthread_sigmask(SIG_SETMASK, &old, 0);
	if (err)
		die(EXIT_TRACER_FAILED, "pthread_create: %s", strerror(err));
}

int tail_fd(void)
{
	return fds[1];
}

void tail_spawned(void)
{
	close(fds[1]);
}

void tail_finish(const char *file)
{
	pthread_join(copier, 0);
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die(EXIT_TRACER_FAILED, "cannot open --stderr-tail %s: %s", file, strerror(errno));
	size_t kept = total < TAIL_BYTES ? total : TAIL_BYTES, start = (total - kept) % TAIL_BYTES;
	size_t first = kept < TAIL_BYTES - start ? kept : TAIL_BYTES - start;
	write_all(fd, ring + start, first);
	write_all(fd, ring, kept - first);
	close(fd);
}
