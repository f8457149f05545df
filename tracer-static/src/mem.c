#include "mem.h"

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <unistd.h>

/* Any multiple of the page size works for splitting reads at page boundaries. */
#define CHUNK 4096
/* Most paths are short: the first read of a string copies no more than this. */
#define FIRST_READ 256
/* Bytes read per call with PTRACE_PEEKDATA: strings are short. */
#define PEEK_MAX 256

/* process_vm_readv needs CAP_SYS_PTRACE under older Docker seccomp profiles (20.10). */
static bool use_proc_mem;

static ssize_t proc_mem_read(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	char name[32];
	snprintf(name, sizeof name, "/proc/%d/mem", pid);
	int fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = pread(fd, buf, len, (off_t)addr);
	close(fd);
	return n;
}

/*
 * A tracee running under other ids than the tracer's (a worker that dropped privileges): only
 * its tracer may read it, one word at a time, and only while it is dumpable (inject.h). Short
 * reads are fine for the callers.
 */
static ssize_t peek_read(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	size_t done = 0;
	if (len > PEEK_MAX)
		len = PEEK_MAX;
	while (done < len) {
		uint64_t at = addr + done, base = at & ~(uint64_t)(sizeof(long) - 1);
		errno = 0;
		long word = ptrace(PTRACE_PEEKDATA, pid, (void *)(uintptr_t)base, 0);
		if (errno)
			break;
		size_t off = (size_t)(at - base), n = sizeof word - off < len - done ? sizeof word - off : len - done;
		memcpy((char *)buf + done, (char *)&word + off, n);
		done += n;
	}
	return done ? (ssize_t)done : -1;
}

ssize_t mem_read(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	ssize_t n = -1;
	if (!use_proc_mem) {
		struct iovec local = {buf, len}, remote = {(void *)(uintptr_t)addr, len};
		n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
		if (n >= 0 || (errno != EPERM && errno != ENOSYS))
			return n;
		n = proc_mem_read(pid, addr, buf, len);
		/* Switch for good only if the syscall is what is denied, not this tracee. */
		use_proc_mem = n >= 0;
	} else {
		n = proc_mem_read(pid, addr, buf, len);
	}
	return n >= 0 ? n : peek_read(pid, addr, buf, len);
}

int mem_string(pid_t pid, uint64_t addr, char *buf, size_t cap)
{
	size_t len = 0;
	if (!addr)
		return -1;
	/* Read page by page: the string may end just before an unmapped page. */
	while (len + 1 < cap) {
		size_t chunk = CHUNK - (size_t)((addr + len) % CHUNK);
		if (!len && chunk > FIRST_READ)
			chunk = FIRST_READ;
		if (chunk > cap - 1 - len)
			chunk = cap - 1 - len;
		ssize_t n = mem_read(pid, addr + len, buf + len, chunk);
		if (n <= 0)
			return -1;
		char *nul = memchr(buf + len, 0, (size_t)n);
		if (nul)
			return 0;
		len += (size_t)n;
	}
	buf[len] = 0;
	return 0;
}

pid_t proc_status(pid_t pid, const char *key)
{
	char name[64], line[256];
	pid_t value = -1;
	size_t klen = strlen(key);
	snprintf(name, sizeof name, "/proc/%d/status", pid);
	FILE *f = fopen(name, "re");
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			value = atoi(line + klen + 1);
			break;
		}
	if (f)
		fclose(f);
	return value;
}

/*
 * readlink of /proc/<pid>/{cwd,fd/N,exe} is allowed to the tracee's own ids (or CAP_SYS_PTRACE),
 * checked against the caller's filesystem ids: a tracer running as root takes the ids of a tracee
 * that dropped privileges for the time of the call (it keeps CAP_SETUID in a RUN step).
 */
static ssize_t readlink_as_owner(pid_t pid, const char *name, char *out, size_t cap)
{
	/* The real ids: the check wants the real, effective and saved ids all equal to ours. */
	pid_t uid = proc_status(pid, "Uid"), gid = proc_status(pid, "Gid");
	if (uid < 0 || gid < 0)
		return -1;
	setfsgid((gid_t)gid);
	setfsuid((uid_t)uid);
	ssize_t n = readlink(name, out, cap);
	int err = errno;
	setfsuid(geteuid());
	setfsgid(getegid());
	errno = err;
	return n;
}

int proc_link(pid_t pid, const char *what, char *out, size_t cap)
{
	/* Made without snprintf: it is called for most events. */
	char name[64] = "/proc/";
	size_t n = 6 + decimal(name + 6, (unsigned)pid), len = strlen(what);
	if (n + 1 + len >= sizeof name)
		return -1;
	name[n++] = '/';
	copy_bytes(name + n, what, len + 1);
	ssize_t got = readlink(name, out, cap - 1);
	if (got < 0 && (errno == EACCES || errno == EPERM) && geteuid() == 0)
		got = readlink_as_owner(pid, name, out, cap - 1);
	if (got < 0)
		return -1;
	out[got] = 0;
	return 0;
}

/* Removes empty, "." and ".." components of an absolute path in place. */
static void normalise(char *path)
{
	char *out = path;
	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		const char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (out > path && *--out != '/')
				;
		} else if (n && !(n == 1 && p[0] == '.')) {
			*out++ = '/';
			copy_bytes(out, p, n); /* out is at or before p */
			out += n;
		}
		p = end;
	}
	if (out == path)
		*out++ = '/';
	*out = 0;
}

int resolve_path(pid_t pid, int dirfd, const char *path, char *out, size_t cap, char *joined)
{
	static const char deleted[] = " (deleted)";
	size_t len = 0;
	bool cut = false;
	if (path[0] != '/') {
		char fd[32] = "fd/";
		if (dirfd != AT_FDCWD && dirfd < 0)
			return -1; /* a bad fd */
		fd[3 + decimal(fd + 3, (unsigned)dirfd)] = 0;
		if (proc_link(pid, dirfd == AT_FDCWD ? "cwd" : fd, out, cap) < 0 || out[0] != '/')
			return -1;
		len = strlen(out);
		if (len + 1 >= cap)
			cut = true; /* no room for the slash */
		else
			out[len++] = '/';
	}
	/* The base and path joined, cut to cap - 1 bytes. */
	size_t n = strlen(path), room = cap - 1 - len;
	bool whole = !cut && n <= room;
	copy_bytes(out + len, path, whole ? n : room);
	out[whole ? len + n : cap - 1] = 0;
	bool gone = len > sizeof deleted && !memcmp(out + len - sizeof deleted, deleted, sizeof deleted - 1);
	if (joined && (gone || !whole))
		joined[0] = 0;
	else if (joined)
		memcpy(joined, out, len + n + 1);
	normalise(out);
	return 0;
}
