/*
 * scenarios NAME ARG...: each scenario makes a known sequence of syscalls, so that the tests can
 * assert the exact events. Raw syscall() where libc might pick another syscall.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int check(int r, const char *what)
{
	if (r < 0)
		perror(what);
	return r;
}

/* openat relative to a directory fd, through "..", and a miss. */
static int dirfd_openat(char **a)
{
	int dfd = check(open(a[0], O_RDONLY | O_DIRECTORY), "open dir");
	close(check(openat(dfd, "sub/../a.txt", O_RDONLY), "openat"));
	openat(dfd, "missing.txt", O_RDONLY);
	return 0;
}

/* openat2 with its flags in struct open_how; RESOLVE_BENEATH refuses "..". */
static int openat2_how(char **a)
{
	int dfd = check(open(a[0], O_RDONLY | O_DIRECTORY), "open dir");
	struct open_how how = {.flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_BENEATH};
	close(check((int)syscall(SYS_openat2, dfd, "a.txt", &how, sizeof how), "openat2"));
	syscall(SYS_openat2, dfd, "../outside", &how, sizeof how);
	return 0;
}

/* execveat of an open fd with an empty path. */
static int empty_path_execveat(char **a)
{
	int fd = check(open(a[0], O_RDONLY | O_CLOEXEC), "open target");
	char *argv[] = {"target", a[1], NULL};
	syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
	perror("execveat");
	return 1;
}

/* A file written, read back, then deleted. */
static int unlinked(char **a)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/scratch.txt", a[0]);
	int fd = check(open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644), "create");
	check((int)write(fd, "x", 1), "write");
	close(fd);
	close(check(open(path, O_RDONLY), "reopen"));
	check((int)syscall(SYS_unlink, path), "unlink");
	return 0;
}

static int listdir(char **a)
{
	DIR *d = opendir(a[0]);
	if (!d)
		return 1;
	while (readdir(d))
		;
	closedir(d);
	return 0;
}

/* cwd-relative paths across chdir/fchdir, rename, stat, readlink, access. */
static int relative(char **a)
{
	char buf[64];
	struct stat st;
	check((int)syscall(SYS_chdir, a[0]), "chdir");
	int sub = check(open("sub", O_RDONLY | O_DIRECTORY), "open sub");
	check((int)syscall(SYS_rename, "a.txt", "b.txt"), "rename");
	check((int)syscall(SYS_newfstatat, AT_FDCWD, "b.txt", &st, 0), "stat");
	check((int)syscall(SYS_readlink, "link", buf, sizeof buf), "readlink");
	check((int)syscall(SYS_fchdir, sub), "fchdir");
	syscall(SYS_access, "nope", R_OK);
	check((int)syscall(SYS_rename, "../b.txt", "../a.txt"), "rename back");
	return 0;
}

static volatile sig_atomic_t signals;
static volatile int pestering = 1;
static pid_t main_tid;

static void count_signal(int sig)
{
	(void)sig;
	signals++;
}

static void *pester(void *arg)
{
	(void)arg;
	while (pestering) {
		syscall(SYS_tgkill, getpid(), main_tid, SIGUSR1);
		usleep(50);
	}
	return NULL;
}

/*
 * N credential calls (each one makes the tracer inject a prctl) while another thread keeps
 * signalling this one: every call returns its own result, every handler runs, and the access
 * after each call is logged. Prints the number of signals handled.
 */
static int creds_signals(char **a)
{
	int n = atoi(a[1]), failed = 0;
	struct sigaction sa = {.sa_handler = count_signal, .sa_flags = SA_RESTART};
	sigaction(SIGUSR1, &sa, NULL);
	main_tid = (pid_t)syscall(SYS_gettid);
	pthread_t t;
	pthread_create(&t, NULL, pester, NULL);
	for (int i = 0; i < n; i++) {
		failed += syscall(SYS_setresuid, -1, -1, -1) != 0;
		failed += syscall(SYS_setfsuid, -1) != (long)geteuid();
		syscall(SYS_faccessat, AT_FDCWD, a[0], F_OK);
	}
	pestering = 0;
	pthread_join(t, NULL);
	printf("%d\n", (int)signals);
	return failed;
}

static void bind_to(const struct sockaddr *addr, socklen_t len)
{
	int fd = check(socket(addr->sa_family, SOCK_STREAM, 0), "socket");
	check(bind(fd, addr, len), "bind");
	close(fd);
}

/* Files made in DIR (the cwd): hard links, symlinks, fifos, sockets; abstract and inet sockets. */
static int made(char **a)
{
	check(chdir(a[0]), "chdir");
	int dfd = check(open("sub", O_RDONLY | O_DIRECTORY), "open sub");
	check((int)syscall(SYS_link, "a.txt", "hard"), "link");
	check((int)syscall(SYS_linkat, AT_FDCWD, "a.txt", dfd, "hard", 0), "linkat");
	check((int)syscall(SYS_symlink, "a.txt", "soft"), "symlink");
	check((int)syscall(SYS_symlinkat, "../a.txt", dfd, "soft"), "symlinkat");
	check((int)syscall(SYS_mknod, "fifo", S_IFIFO | 0600, 0), "mknod");
	check((int)syscall(SYS_mknodat, dfd, "fifo", S_IFIFO | 0640, 0), "mknodat");
	struct sockaddr_un path = {.sun_family = AF_UNIX, .sun_path = "sock"};
	bind_to((struct sockaddr *)&path, sizeof path);
	struct sockaddr_un abstract = {.sun_family = AF_UNIX, .sun_path = "\0abstract"};
	bind_to((struct sockaddr *)&abstract, offsetof(struct sockaddr_un, sun_path) + 9);
	struct sockaddr_in inet = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	bind_to((struct sockaddr *)&inet, sizeof inet);
	return 0;
}

static void *exec_from_thread(void *arg)
{
	char **a = arg;
	char *argv[] = {a[0], a[1], NULL};
	execv(a[0], argv);
	perror("execv");
	exit(127);
}

/* execve in a non-leader thread: the process keeps the leader's pid. */
static int thread_exec(char **a)
{
	pthread_t t;
	pthread_create(&t, NULL, exec_from_thread, a);
	pthread_join(t, NULL);
	return 1;
}

static void *stat_path(void *arg)
{
	struct stat st;
	syscall(SYS_newfstatat, AT_FDCWD, (char *)arg, &st, 0);
	return NULL;
}

/* N threads, each stats its own path DIR/thread-<i>. */
static int threads(char **a)
{
	int n = atoi(a[1]);
	pthread_t *t = calloc((size_t)n, sizeof *t);
	char(*paths)[4096] = calloc((size_t)n, sizeof *paths);
	for (int i = 0; i < n; i++) {
		snprintf(paths[i], sizeof paths[i], "%s/thread-%d", a[0], i);
		pthread_create(&t[i], NULL, stat_path, paths[i]);
	}
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	return 0;
}

static int vfork_exec(char **a)
{
	int status;
	pid_t pid = vfork();
	if (pid == 0) {
		execl(a[0], a[0], a[1], (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	return WEXITSTATUS(status);
}

/* N children alive at once, each looking up DIR/child-<i>, exiting with i % 100. */
static int fork_storm(char **a)
{
	int n = atoi(a[1]), bad = 0;
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			char path[4096];
			snprintf(path, sizeof path, "%s/child-%d", a[0], i);
			syscall(SYS_access, path, F_OK);
			_exit(i % 100);
		}
		if (pid < 0)
			bad++;
	}
	while (wait(NULL) > 0)
		;
	return bad != 0;
}

static const struct {
	const char *name;
	int (*run)(char **args);
	int nargs;
} scenarios[] = {
	{"dirfd-openat", dirfd_openat, 1}, {"openat2", openat2_how, 1},  {"execveat", empty_path_execveat, 2},
	{"unlinked", unlinked, 1},         {"listdir", listdir, 1},   {"relative", relative, 1},
	{"thread-exec", thread_exec, 2},   {"threads", threads, 2},   {"vfork-exec", vfork_exec, 2},
	{"fork-storm", fork_storm, 2},     {"made", made, 1},         {"creds-signals", creds_signals, 2},
};

int main(int argc, char **argv)
{
	for (size_t i = 0; argc > 1 && i < sizeof scenarios / sizeof *scenarios; i++)
		if (!strcmp(argv[1], scenarios[i].name) && argc == 2 + scenarios[i].nargs)
			return scenarios[i].run(argv + 2);
	fputs("usage: scenarios NAME ARG...\n", stderr);
	return 2;
}
