/* Reading a tracee's memory and its /proc entries. */
#ifndef SB_MEM_H
#define SB_MEM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

ssize_t mem_read(pid_t pid, uint64_t addr, void *buf, size_t len);
/* Reads the NUL-terminated string at addr, truncated to cap - 1 bytes. -1 if unreadable. */
int mem_string(pid_t pid, uint64_t addr, char *buf, size_t cap);

/* The (first) number of the "Key:" line of /proc/<pid>/status, or -1. */
pid_t proc_status(pid_t pid, const char *key);
/* readlink("/proc/<pid>/<what>"), NUL-terminated. -1 on failure. */
int proc_link(pid_t pid, const char *what, char *out, size_t cap);
/*
 * The absolute, lexically normalised path that `path` names from `dirfd` (AT_FDCWD: the cwd)
 * in process `pid`. -1 if the base directory is unknown (bad fd, not a path). joined, if not
 * NULL, gets the path before normalisation, the base's path and path joined by a slash (the
 * same lookup from the root), or "" where that is not the same lookup (a removed base, too long).
 */
int resolve_path(pid_t pid, int dirfd, const char *path, char *out, size_t cap, char *joined);

#endif
