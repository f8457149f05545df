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

/*
 * Lookups with every kind of outcome, relative to a dirfd and to the cwd: hits, misses, symlinks
 * followed or not, wrong types, truncated readlink, flags the kernel rejects, /proc and devices.
 */
static int lookups(char **a)
{
	struct stat st;
	struct statx stx;
	char buf[64], longname[300];
	int dfd = check(open(a[0], O_RDONLY | O_DIRECTORY), "open dir");
	check(chdir(a[0]), "chdir");
	stat("a.txt", &st);
	stat("a.txt/", &st);                              /* ENOTDIR */
	lstat("link", &st);
	stat("loop", &st);                                /* ELOOP */
	fstatat(dfd, "sub/../link", &st, AT_SYMLINK_NOFOLLOW);
	fstatat(dfd, "", &st, 0);                          /* ENOENT: no AT_EMPTY_PATH */
	fstatat(dfd, "a.txt", &st, 0x40000);               /* EINVAL: unknown flag */
	fstatat(dfd, "a.txt", &st, AT_EMPTY_PATH);         /* a path despite the flag */
	fstatat(-5, "a.txt", &st, 0);                      /* EBADF */
	fstatat(-5, "/etc/hostname", &st, 0);              /* absolute: the dirfd is ignored */
	syscall(SYS_statx, dfd, "link", AT_STATX_DONT_SYNC, STATX_BASIC_STATS, &stx);
	syscall(SYS_statx, dfd, "link", AT_STATX_SYNC_TYPE, STATX_BASIC_STATS, &stx); /* EINVAL */
	syscall(SYS_statx, dfd, "nope", 0, STATX_BASIC_STATS, &stx);
	access("a.txt", R_OK | W_OK);
	access("a.txt", 8);                               /* EINVAL */
	faccessat(dfd, "sub", X_OK, AT_EACCESS);
	syscall(SYS_faccessat2, dfd, "link", F_OK, AT_SYMLINK_NOFOLLOW);
	syscall(SYS_faccessat2, dfd, "dangling", F_OK, 0); /* ENOENT through the symlink */
	readlink("link", buf, sizeof buf);
	readlink("link", buf, 3);                          /* truncated: 3 */
	readlink("a.txt", buf, sizeof buf);                /* EINVAL */
	readlinkat(dfd, "sub", buf, 0);                    /* EINVAL before the lookup */
	readlink("/proc/self/exe", buf, sizeof buf);       /* procfs */
	memset(longname, 'x', sizeof longname - 1);
	longname[sizeof longname - 1] = 0;
	stat(longname, &st);                               /* ENAMETOOLONG */
	close(check(openat(dfd, "link", O_RDONLY), "openat link"));
	openat(dfd, "link", O_RDONLY | O_NOFOLLOW);         /* ELOOP */
	close(check(openat(dfd, "link", O_PATH | O_NOFOLLOW), "openat O_PATH"));
	openat(dfd, "a.txt", O_RDONLY | O_DIRECTORY);       /* ENOTDIR */
	openat(dfd, "sub", O_WRONLY);                       /* EISDIR */
	int keep = check(openat(dfd, "sub", O_RDONLY | O_DIRECTORY | O_CLOEXEC), "openat sub");
	close(check(open("/dev/null", O_RDONLY), "open /dev/null"));
	close(check(open("/proc/self/status", O_RDONLY), "open status"));
	close(check(openat(keep, "../a.txt", O_RDONLY), "openat ../a.txt"));
	openat(dfd, "", O_RDONLY);                          /* ENOENT */
	close(keep);
	char *argv[] = {"nope", NULL};
	syscall(SYS_execve, "./nope", argv, environ);       /* ENOENT */
	syscall(SYS_execve, "a.txt", argv, environ);        /* EACCES: not executable */
	syscall(SYS_execve, "a.txt/x", argv, environ);      /* ENOTDIR */
	return 0;
}

/*
 * A child creates and removes a file while the parent stats it; the parent prints what each
 * stat returned (1 found, 0 missing), for the test to compare with the log.
 */
static int race(char **a)
{
	int n = atoi(a[1]);
	pid_t child = fork();
	if (child == 0) {
		for (int i = 0; i < n; i++) {
			close(check(open(a[0], O_WRONLY | O_CREAT, 0600), "create"));
			unlink(a[0]);
		}
		_exit(0);
	}
	struct stat st;
	for (int i = 0; i < n; i++)
		putchar(stat(a[0], &st) == 0 ? '1' : '0');
	waitpid(child, 0, 0);
	return 0;
}

/*
 * The main thread stats a file and exits first (a zombie until the last thread ends); then a
 * thread creates and removes the file: a call that changes names after a derived one.
 */
static void *late_creator(void *path)
{
	usleep(100000);
	close(check(open(path, O_WRONLY | O_CREAT, 0600), "create"));
	unlink(path);
	return NULL;
}

static int leader_exit(char **a)
{
	pthread_t t;
	struct stat st;
	pthread_create(&t, NULL, late_creator, a[0]);
	stat(a[0], &st);
	/* The thread's own exit: no unwinding (pthread_exit may load libgcc_s, a traced call). */
	syscall(SYS_exit, 0);
	return 1;
}

static void stat_at(int dfd, const char *name)
{
	struct stat st;
	syscall(SYS_newfstatat, dfd, name, &st, AT_SYMLINK_NOFOLLOW);
}

static int open_dir(const char *dir, const char *sub)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, sub);
	return check(open(path, O_RDONLY | O_DIRECTORY), path);
}

static int shared_fd, shared_fd_dir;
static const char *shared_base;

/* A thread of the same fd table puts another directory at the number the main thread uses. */
static void *swap_shared_fd(void *arg)
{
	(void)arg;
	close(shared_fd);
	shared_fd_dir = open_dir(shared_base, "sub");
	return NULL;
}

/*
 * Directory fds whose number stays while what it names changes: closed and reused, dup2'ed
 * over, dup'ed, renamed, removed, replaced by a thread, by a forked child in its own table;
 * and fchdir. Each step stats a.txt (present in DIR, missing in DIR/sub) through the fd.
 */
static int dirfds(char **a)
{
	int top = open_dir(a[0], "."), sub = open_dir(a[0], "sub");
	stat_at(top, "a.txt");
	stat_at(sub, "a.txt");
	close(top);
	int reused = open_dir(a[0], "sub"); /* top's number */
	stat_at(reused, "a.txt");
	close(sub);
	sub = open_dir(a[0], "."); /* sub's number, now the top */
	stat_at(sub, "a.txt");
	check(dup2(sub, reused), "dup2");
	stat_at(reused, "a.txt");
	int copy = check(fcntl(reused, F_DUPFD_CLOEXEC, 0), "fcntl");
	stat_at(copy, "a.txt");
	check(fchdir(open_dir(a[0], "sub")), "fchdir");
	stat_at(AT_FDCWD, "a.txt");
	stat_at(AT_FDCWD, "../a.txt");
	/* A renamed and a removed directory, through fds opened before. */
	check(mkdir("r1", 0755), "mkdir r1");
	check(mkdir("gone", 0755), "mkdir gone");
	int r = open_dir(a[0], "sub/r1"), gone = open_dir(a[0], "sub/gone");
	stat_at(r, "x");
	check(rename("r1", "r2"), "rename");
	stat_at(r, "x");
	stat_at(gone, "x");
	check(rmdir("gone"), "rmdir");
	stat_at(gone, "x");
	/* Threads share the table. */
	shared_base = a[0];
	shared_fd = open_dir(a[0], ".");
	stat_at(shared_fd, "a.txt");
	pthread_t t;
	pthread_create(&t, NULL, swap_shared_fd, NULL);
	pthread_join(t, NULL);
	if (shared_fd_dir != shared_fd)
		fputs("the thread's directory did not take the number\n", stderr);
	stat_at(shared_fd, "a.txt");
	/* A forked child has a copy of the table: its changes are its own. */
	int mine = open_dir(a[0], ".");
	stat_at(mine, "a.txt");
	pid_t child = fork();
	if (child == 0) {
		stat_at(mine, "a.txt");
		close(mine);
		stat_at(open_dir(a[0], "sub"), "a.txt");
		_exit(0);
	}
	int status;
	waitpid(child, &status, 0);
	stat_at(mine, "a.txt");
	/* Closed on exec: the new program has another directory at the number. */
	check(fcntl(mine, F_SETFD, FD_CLOEXEC), "FD_CLOEXEC");
	char number[16];
	snprintf(number, sizeof number, "%d", mine);
	execl("/proc/self/exe", "scenarios", "dirfds-exec", a[0], number, (char *)NULL);
	perror("exec");
	return 1;
}

/* The second half of dirfds: DIR/sub put at the number of an fd closed on exec. */
static int dirfds_exec(char **a)
{
	int number = atoi(a[1]);
	check(dup2(open_dir(a[0], "sub"), number), "dup2");
	stat_at(number, "a.txt");
	return 0;
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
	{"lookups", lookups, 1},           {"race", race, 2},         {"leader-exit", leader_exit, 1},
	{"dirfds", dirfds, 1},             {"dirfds-exec", dirfds_exec, 2},
};

int main(int argc, char **argv)
{
	for (size_t i = 0; argc > 1 && i < sizeof scenarios / sizeof *scenarios; i++)
		if (!strcmp(argv[1], scenarios[i].name) && argc == 2 + scenarios[i].nargs)
			return scenarios[i].run(argv + 2);
	fputs("usage: scenarios NAME ARG...\n", stderr);
	return 2;
}
