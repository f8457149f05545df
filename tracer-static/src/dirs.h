/*
 * The paths of tracees' directory fds (the dirfd of the *at calls), kept between calls: a
 * directory walk (find) makes some ten lookups per directory fd, and readlink of
 * /proc/<pid>/fd/<n> costs a walk through /proc for each. An entry holds the tracee's open file
 * itself (pidfd_getfd) and is used only while kcmp says that the tracee's fd is still that open
 * file, so that closing, replacing (dup2, dup3, fcntl), closing on exec and fd tables shared or
 * not (threads, fork, clone) need no watching. A path changes only when a directory is renamed
 * or removed: every entry is dropped when a call that changes names begins and when it ends.
 * At most 256 directories are held, each only while the task that used it lives: another process
 * listing the tracer's own /proc/<pid>/fd sees them, and they keep their filesystem busy.
 */
#ifndef SB_DIRS_H
#define SB_DIRS_H

#include <stddef.h>
#include <sys/types.h>

/* Reads what entries are compared against (the mount of the tracer's root). */
void dirs_init(void);
/*
 * The path of fd in task pid (readlink of /proc/<pid>/fd/<fd>) into out, NUL-terminated, or -1.
 * *dir gets an O_PATH-like fd of the directory itself, owned by the cache, when it is on the
 * root's mount (for lookups relative to it: the very lookup the tracee makes), else -1.
 */
int dirs_path(pid_t pid, int fd, char *out, size_t cap, int *dir);
/* Drops every entry: names may have changed. */
void dirs_forget(void);
/* Drops the entries of a task that is gone: the directories are not held longer than by it. */
void dirs_forget_task(pid_t pid);

#endif
