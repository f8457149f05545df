#include "dirs.h"

#include "mem.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
/* The kernel's headers, not musl's fcntl.h: musl 1.2.3 has no struct statx, and they clash. */
#include <linux/fcntl.h>
#include <linux/kcmp.h>
#include <linux/stat.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ENTRIES 256
#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

struct entry {
	pid_t pid;
	int fd;
	int dup; /* the tracee's open file, ours too; -1: a free entry */
	bool on_root; /* on the mount of the tracer's root */
	char *path;
};

static struct entry entries[ENTRIES];
static bool unusable; /* kcmp or pidfd_getfd are denied (seccomp) or missing */
static uint64_t root_mnt;
static bool root_mnt_known;
static pid_t self; /* musl's getpid() is a syscall */

void dirs_init(void)
{
	struct statx stx;
	root_mnt_known = syscall(SYS_statx, AT_FDCWD, "/", 0, STATX_MNT_ID, &stx) == 0 && (stx.stx_mask & STATX_MNT_ID);
	root_mnt = stx.stx_mnt_id;
	self = getpid();
	for (size_t i = 0; i < ENTRIES; i++)
		entries[i].dup = -1;
}

static void drop(struct entry *e)
{
	if (e->dup < 0)
		return;
	close(e->dup);
	free(e->path);
	e->dup = -1;
	e->path = NULL;
}

void dirs_forget(void)
{
	for (size_t i = 0; i < ENTRIES; i++)
		drop(&entries[i]);
}

void dirs_forget_task(pid_t pid)
{
	for (size_t i = 0; i < ENTRIES; i++)
		if (entries[i].pid == pid)
			drop(&entries[i]);
}

static bool denied(int err)
{
	return err == ENOSYS || err == EPERM || err == EACCES;
}

/* fd of task pid, ours too (pidfd_getfd); -1 if it cannot be had. */
static int fetch(pid_t pid, int fd)
{
	/* A thread's own pidfd needs Linux >= 6.9; before, only a leader's can be had. */
	int pidfd = (int)syscall(SYS_pidfd_open, pid, PIDFD_THREAD);
	if (pidfd < 0 && errno == EINVAL)
		pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	int dup = pidfd < 0 ? -1 : (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (dup < 0 && denied(errno))
		unusable = true;
	if (pidfd >= 0)
		close(pidfd);
	return dup;
}

/* Whether fd of pid is the open file dup (kcmp: 0 when equal). */
static bool same_file(pid_t pid, int fd, int dup)
{
	long r = syscall(SYS_kcmp, pid, self, KCMP_FILE, fd, dup);
	if (r < 0 && denied(errno))
		unusable = true;
	return r == 0;
}

/* A new entry for fd of pid, if it is a directory; false when it cannot be made. */
static bool make(struct entry *e, pid_t pid, int fd)
{
	int dup = fetch(pid, fd);
	if (dup < 0)
		return false;
	struct statx stx;
	char name[32] = "fd/", path[PATH_MAX];
	name[3 + decimal(name + 3, (unsigned)dup)] = 0;
	/* The fd is the tracee's, not a thread's other table: checked after the fact, as it may change meanwhile. */
	if (syscall(SYS_statx, dup, "", AT_EMPTY_PATH, STATX_TYPE | STATX_MNT_ID, &stx) < 0 || !S_ISDIR(stx.stx_mode) ||
	    proc_link(self, name, path, sizeof path) < 0 || !same_file(pid, fd, dup)) {
		close(dup);
		return false;
	}
	drop(e);
	*e = (struct entry){
		.pid = pid,
		.fd = fd,
		.dup = dup,
		.on_root = root_mnt_known && (stx.stx_mask & STATX_MNT_ID) && stx.stx_mnt_id == root_mnt,
		.path = strdup(path),
	};
	return e->path != NULL;
}

int dirs_path(pid_t pid, int fd, char *out, size_t cap, int *dir)
{
	struct entry *e = &entries[((unsigned)pid * 31u + (unsigned)fd) % ENTRIES];
	*dir = -1;
	bool hit = !unusable && e->dup >= 0 && e->pid == pid && e->fd == fd && same_file(pid, fd, e->dup);
	if (!hit && (unusable || !make(e, pid, fd))) {
		char name[32] = "fd/";
		name[3 + decimal(name + 3, (unsigned)fd)] = 0;
		return proc_link(pid, name, out, cap);
	}
	size_t len = strlen(e->path);
	if (len >= cap)
		return -1;
	memcpy(out, e->path, len + 1);
	*dir = e->on_root ? e->dup : -1;
	return 0;
}
