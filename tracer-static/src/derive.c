#include "derive.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef XFS_SUPER_MAGIC
#define XFS_SUPER_MAGIC 0x58465342
#endif
#define ZFS_SUPER_MAGIC 0x2fc12fc1
#define STATX_RESERVED 0x80000000U
#define STAT_FLAGS (AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH)
#define STATX_FLAGS (STAT_FLAGS | AT_STATX_SYNC_TYPE)
/* Open flags whose outcome on a regular file or directory is only the lookup and read permission. */
#define PLAIN_OPEN_FLAGS (O_NOCTTY | O_NONBLOCK | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
/* openat2 refuses O_PATH with other flags than these. */
#define O_PATH_FLAGS (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
#define KNOWN_RESOLVE (RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH | RESOLVE_IN_ROOT)
/* Enough for the programs of a build step; beyond it a call takes its exit stop. */
#define MAX_FD 4096

static bool root_plain;

/*
 * Filesystems where a lookup's outcome is the same for any caller with the same credentials.
 * Not procfs (/proc/self is the caller), sysfs, devices, FUSE or network filesystems.
 */
static bool plain_fs(long type)
{
	switch (type) {
	case EXT4_SUPER_MAGIC: /* also ext2 and ext3 */
	case XFS_SUPER_MAGIC:
	case BTRFS_SUPER_MAGIC:
	case OVERLAYFS_SUPER_MAGIC:
	case TMPFS_MAGIC:
	case SQUASHFS_MAGIC:
	case ZFS_SUPER_MAGIC:
		return true;
	default:
		return false;
	}
}

void derive_init(void)
{
	struct statfs fs;
	root_plain = statfs("/", &fs) == 0 && plain_fs((long)fs.f_type);
}

bool call_mutates(const struct call *c)
{
	if (c->l->mutates)
		return true;
	if (c->l->derive != D_OPEN)
		return false;
	uint64_t flags = c->l->flags_in_how ? c->how[0] : c->args[c->l->flags - 1];
	/* An unreadable open_how: assume the worst. */
	return (c->l->flags_in_how && !c->how_ok) || (flags & O_CREAT);
}

/*
 * The lookup, repeated from the root: an O_PATH fd on what the path names, or -1 with errno. It
 * may not leave the root's mount (other filesystems, /proc and its magic links: EXDEV), so it
 * sees what the tracee's call sees.
 */
static int probe(const char *lookup, uint64_t flags, uint64_t resolve)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC | flags,
		.resolve = resolve | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS,
	};
	return (int)syscall(SYS_openat2, AT_FDCWD, lookup, &how, sizeof how);
}

/* The lookup errors that are the tracee's too (EXDEV is the probe's own). */
static bool lookup_error(int err)
{
	return err == ENOENT || err == ENOTDIR || err == EACCES || err == ENAMETOOLONG || err == ELOOP;
}

/* Up to how many fds the lowest free one is looked for with kcmp, one call per fd. */
#define KCMP_FDS 64

/*
 * The lowest fd that is not open, below KCMP_FDS: kcmp fails with EBADF on a closed one. -1 if
 * unknown (kcmp denied, or more fds open).
 */
static int lowest_closed_fd(pid_t pid)
{
	for (int fd = 0; fd < KCMP_FDS; fd++)
		if (syscall(SYS_kcmp, pid, pid, KCMP_FILE, fd, fd) < 0)
			return errno == EBADF ? fd : -1;
	return -1;
}

/* The number open() returns in a process whose fd table no other task uses: the lowest free one. */
static int lowest_free_fd(pid_t pid)
{
	struct rlimit lim;
	int low = lowest_closed_fd(pid);
	if (low >= 0)
		return prlimit(pid, RLIMIT_NOFILE, 0, &lim) == 0 && (rlim_t)low < lim.rlim_cur ? low : -1;
	char name[32], buf[4096];
	uint64_t used[MAX_FD / 64] = {0};
	snprintf(name, sizeof name, "/proc/%d/fd", pid);
	int dir = openat(AT_FDCWD, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -1;
	long n;
	while ((n = syscall(SYS_getdents64, dir, buf, sizeof buf)) > 0)
		for (long off = 0; off < n;) {
			const char *d_name = buf + off + 19; /* struct linux_dirent64: ino 8, off 8, reclen 2, type 1 */
			unsigned short reclen;
			memcpy(&reclen, buf + off + 16, sizeof reclen);
			int fd = d_name[0] == '.' ? -1 : atoi(d_name);
			if (fd >= 0 && fd < MAX_FD)
				used[fd / 64] |= 1ull << (fd % 64);
			off += reclen;
		}
	close(dir);
	if (n < 0 || prlimit(pid, RLIMIT_NOFILE, 0, &lim) < 0)
		return -1;
	for (int fd = 0; fd < MAX_FD; fd++)
		if (!(used[fd / 64] & (1ull << (fd % 64))))
			return (rlim_t)fd < lim.rlim_cur ? fd : -1; /* EMFILE: left to the exit stop */
	return -1;
}

static uint64_t arg(const struct call *c, unsigned char pos)
{
	return pos ? c->args[pos - 1] : 0;
}

static bool derive_stat(const struct call *c, int64_t *result)
{
	const struct layout *l = c->l;
	uint64_t flags = l->fixed_flags | (unsigned)arg(c, l->flags);
	if (l->extra && ((flags & ~(uint64_t)STATX_FLAGS) || (flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE ||
			 (arg(c, l->extra) & STATX_RESERVED)))
		return false;
	if (!l->extra && (flags & ~(uint64_t)STAT_FLAGS))
		return false;
	int fd = probe(c->lookup, flags & AT_SYMLINK_NOFOLLOW ? O_NOFOLLOW : 0, 0);
	if (fd < 0 && !lookup_error(errno))
		return false;
	*result = fd < 0 ? -errno : 0;
	if (fd >= 0)
		close(fd);
	return true;
}

static bool derive_access(const struct call *c, int64_t *result)
{
	uint64_t mode = (unsigned)arg(c, c->l->flags), at = (unsigned)arg(c, c->l->extra);
	if ((mode & ~(uint64_t)(R_OK | W_OK | X_OK)) || (at & ~(uint64_t)(AT_EACCESS | AT_SYMLINK_NOFOLLOW)))
		return false;
	int fd = probe(c->lookup, at & AT_SYMLINK_NOFOLLOW ? O_NOFOLLOW : 0, 0);
	if (fd < 0) {
		*result = -errno;
		return lookup_error(errno);
	}
	/* The permission check, with the real ids unless AT_EACCESS: ours are the tracee's. */
	int r = mode ? (int)syscall(SYS_faccessat2, fd, "", (int)mode, AT_EMPTY_PATH | (int)(at & AT_EACCESS)) : 0;
	int err = errno;
	close(fd);
	*result = r < 0 ? -err : 0;
	return r == 0 || err == EACCES || err == EROFS || err == ETXTBSY;
}

static bool derive_readlink(const struct call *c, int64_t *result)
{
	int bufsiz = (int)arg(c, c->l->extra);
	if (bufsiz <= 0) {
		*result = -EINVAL;
		return true;
	}
	int fd = probe(c->lookup, O_NOFOLLOW, 0);
	if (fd < 0) {
		*result = -errno;
		return lookup_error(errno);
	}
	struct stat st;
	char target[PATH_MAX];
	bool link = fstat(fd, &st) == 0 && S_ISLNK(st.st_mode);
	/* Not a symlink: EINVAL. */
	ssize_t n = link ? readlinkat(fd, "", target, sizeof target) : 0;
	close(fd);
	*result = link ? (n < bufsiz ? n : bufsiz) : -EINVAL;
	return n >= 0;
}

static bool derive_open(const struct task *t, const struct call *c, int64_t *result)
{
	const struct layout *l = c->l;
	uint64_t flags = l->flags_in_how ? c->how[0] : (unsigned)arg(c, l->flags), resolve = 0;
	if (l->flags_in_how) {
		/* openat2 checks what open() ignores. */
		if (!c->how_ok || arg(c, l->extra) != sizeof(struct open_how) || c->how[1] || (c->how[2] & ~(uint64_t)KNOWN_RESOLVE) ||
		    ((flags & O_PATH) && (flags & ~(uint64_t)O_PATH_FLAGS)))
			return false;
		resolve = c->how[2];
	}
	bool path_only = flags & O_PATH;
	if (!path_only && (flags & ~(uint64_t)PLAIN_OPEN_FLAGS))
		return false; /* writes, O_CREAT, O_TRUNC, O_TMPFILE, O_NOATIME, O_DIRECT... */
	if (t->shared_files)
		return false; /* another task may take the fd number first */
	int fd = probe(c->lookup, flags & (O_NOFOLLOW | O_DIRECTORY), resolve);
	if (fd < 0) {
		*result = -errno;
		return lookup_error(errno) && !(resolve && errno == ELOOP);
	}
	struct stat st;
	bool got = fstat(fd, &st) == 0, plain = got && (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode));
	int r = 0, err = 0;
	if (path_only) {
		plain = true;
	} else if (got && S_ISLNK(st.st_mode)) {
		r = -1, err = ELOOP, plain = true; /* O_NOFOLLOW on a symlink */
	} else if (plain) {
		r = (int)syscall(SYS_faccessat2, fd, "", R_OK, AT_EMPTY_PATH | AT_EACCESS);
		err = errno;
		plain = r == 0 || err == EACCES;
	}
	close(fd);
	if (!plain)
		return false; /* devices, FIFOs (open may block), sockets */
	if (r < 0) {
		*result = -err;
		return true;
	}
	int next = lowest_free_fd(t->pid);
	*result = next;
	return next >= 0;
}

static bool derive_exec(const struct call *c, int64_t *result)
{
	/* Only misses: a found file may still fail (format, interpreter), and success is the exec stop. */
	int fd = probe(c->lookup, 0, 0);
	if (fd >= 0) {
		close(fd);
		return false;
	}
	*result = -errno;
	return lookup_error(errno);
}

bool derive_result(const struct task *t, const struct call *c, int64_t *result)
{
	const struct layout *l = c->l;
	/* A path of PATH_MAX bytes or more was cut short: ENAMETOOLONG is left to the exit stop. */
	if (!l->derive || !c->native || !c->path_ok || !t->view_ok || strlen(c->path) >= PATH_MAX - 1)
		return false;
	if (!c->path[0]) {
		/* No AT_EMPTY_PATH here (the filter lets stat calls with it through): an empty path is ENOENT. */
		if (l->derive == D_READLINK || (l->derive == D_ACCESS && (arg(c, l->extra) & AT_EMPTY_PATH)))
			return false;
		*result = -ENOENT;
		return true;
	}
	if (!root_plain || !c->lookup[0])
		return false;
	switch (l->derive) {
	case D_STAT:
		return derive_stat(c, result);
	case D_ACCESS:
		return derive_access(c, result);
	case D_READLINK:
		return derive_readlink(c, result);
	case D_OPEN:
		return derive_open(t, c, result);
	case D_EXEC:
		return derive_exec(c, result);
	}
	return false;
}
