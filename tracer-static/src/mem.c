#include "mem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

/* Any multiple of the page size works for splitting reads at page boundaries. */
#define CHUNK 4096

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

ssize_t mem_read(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	if (use_proc_mem)
		return proc_mem_read(pid, addr, buf, len);
	struct iovec local = {buf, len}, remote = {(void *)(uintptr_t)addr, len};
	ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	if (n >= 0 || (errno != EPERM && errno != ENOSYS))
		return n;
	n = proc_mem_read(pid, addr, buf, len);
	/* Switch for good only if the syscall is what is denied, not this (non-dumpable) tracee. */
	use_proc_mem = n >= 0;
	return n;
}

int mem_string(pid_t pid, uint64_t addr, char *buf, size_t cap)
{
	size_t len = 0;
	if (!addr)
		return -1;
	/* Read page by page: the string may end just before an unmapped page. */
	while (len + 1 < cap) {
		size_t chunk = CHUNK - (size_t)((addr + len) % CHUNK);
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

int proc_link(pid_t pid, const char *what, char *out, size_t cap)
{
	char name[64];
	snprintf(name, sizeof name, "/proc/%d/%s", pid, what);
	ssize_t n = readlink(name, out, cap - 1);
	if (n < 0)
		return -1;
	out[n] = 0;
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
			memmove(out, p, n);
			out += n;
		}
		p = end;
	}
	if (out == path)
		*out++ = '/';
	*out = 0;
}

int resolve_path(pid_t pid, int dirfd, const char *path, char *out, size_t cap)
{
	size_t len = 0;
	if (path[0] != '/') {
		char fd[32];
		snprintf(fd, sizeof fd, "fd/%d", dirfd);
		if (proc_link(pid, dirfd == AT_FDCWD ? "cwd" : fd, out, cap) < 0 || out[0] != '/')
			return -1;
		len = strlen(out);
	}
	snprintf(out + len, cap - len, "/%s", path);
	normalise(out);
	return 0;
}
