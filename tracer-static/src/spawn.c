#include "spawn.h"

#include "filter.h"
#include "tail.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void redirect(const char *file, int fd, int flags)
{
	if (!file)
		return;
	int f = open(file, flags | O_CLOEXEC, 0666);
	if (f < 0 || dup2(f, fd) < 0)
		die(EXIT_TRACER_FAILED, "cannot open %s for %s: %s", file, fd ? "--stdout-file" : "--stdin-file",
		    strerror(errno));
	close(f);
}

static _Noreturn void run_child(const struct options *o, int go)
{
	char byte;
	/* EOF: the tracer could not attach and gave up. */
	if (go >= 0 && read(go, &byte, 1) != 1)
		_exit(EXIT_TRACER_FAILED);
	redirect(o->stdin_file, 0, O_RDONLY);
	redirect(o->stdout_file, 1, O_WRONLY | O_CREAT | O_TRUNC);
	if (tail_fd() >= 0 && dup2(tail_fd(), 2) < 0)
		die(EXIT_TRACER_FAILED, "dup2: %s", strerror(errno));
	if (o->cwd && chdir(o->cwd) < 0)
		die(EXIT_TRACER_FAILED, "cannot change to --cwd %s: %s", o->cwd, strerror(errno));
	for (int i = 0; i < o->nenv; i++)
		putenv(o->env[i]);
	if (go >= 0 && install_filter() < 0)
		die(EXIT_TRACER_FAILED, "cannot install the seccomp filter: %s", strerror(errno));
	execvp(o->argv[0], o->argv);
	/* The shell's conventions: 127 not found, 126 found but not executable. */
	die(errno == ENOENT ? 127 : 126, "cannot execute %s: %s", o->argv[0], strerror(errno));
}

pid_t spawn_command(const struct options *o, int *go)
{
	int p[2] = {-1, -1};
	if (!o->no_trace && pipe2(p, O_CLOEXEC) < 0)
		die(EXIT_TRACER_FAILED, "pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		die(EXIT_TRACER_FAILED, "fork: %s", strerror(errno));
	if (pid == 0) {
		if (p[1] >= 0)
			close(p[1]);
		run_child(o, p[0]);
	}
	if (p[0] >= 0)
		close(p[0]);
	*go = p[1];
	return pid;
}

void spawn_release(int go)
{
	if (go >= 0) {
		(void)!write(go, "g", 1);
		close(go);
	}
}
