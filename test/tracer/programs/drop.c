/*
 * drop DIR: as root, drops to nobody (65534) like a server's worker, then opens files in DIR
 * (relative to the cwd and absolute), makes a directory, and forks a child that opens another.
 * Built static, 64- and 32-bit, to run in a container.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int check(int r, const char *what)
{
	if (r < 0) {
		perror(what);
		exit(1);
	}
	return r;
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	check(chdir(argv[1]), "chdir");
	check(setgroups(0, NULL), "setgroups");
	check(setgid(65534), "setgid");
	check(setuid(65534), "setuid");
	close(check(open("a.txt", O_RDONLY), "open a.txt"));
	char abs[4096];
	snprintf(abs, sizeof abs, "%s/sub/../b.txt", argv[1]);
	close(check(open(abs, O_RDONLY), "open b.txt"));
	check(mkdir("made", 0755), "mkdir");
	pid_t pid = check(fork(), "fork");
	if (pid == 0) {
		close(check(open("sub/c.txt", O_RDONLY), "open c.txt"));
		_exit(0);
	}
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
