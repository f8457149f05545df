/* sidebundle-pack: turns a portable bundle's payload files into hard links to its content store
 * R/data/<sha256> (one per content and time), and its symlinks that would point out of the bundle
 * into relative links inside the payload (README.md). The frontend runs it once, at build time, in
 * a root that holds only the bundle: it needs nothing from a libc or a shell. */
#include "../src/util.h"
#include "paths.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char program_name[] = "sidebundle-pack";

#define EXIT_PACK_FAILED 1
#define SHA256_HEX 64

static void path_of(char out[PATH_MAX], const char *a, const char *b, const char *c)
{
	if (snprintf(out, PATH_MAX, "%s%s%s", a, b, c) >= PATH_MAX)
		die(EXIT_PACK_FAILED, "%s%s%s: path too long", a, b, c);
}

/* The store keeps one file per content, so its mode, owner and time are every link's. The
 * frontend lists one mode per content; a file with another owner or modification time stays a
 * plain copy with its own (returns 0): Python checks a .pyc against its source's time. */
static int shareable(const char *file, const struct stat *f, const char *data, const struct stat *d)
{
	if ((f->st_mode & 07777) != (d->st_mode & 07777))
		die(EXIT_PACK_FAILED, "%s: same content as %s but mode %04o, not %04o", file, data,
		    (unsigned)(f->st_mode & 07777), (unsigned)(d->st_mode & 07777));
	return f->st_uid == d->st_uid && f->st_gid == d->st_gid && f->st_mtim.tv_sec == d->st_mtim.tv_sec &&
	       f->st_mtim.tv_nsec == d->st_mtim.tv_nsec;
}

static void pack_file(const char *root, const char *sha, const char *path)
{
	char file[PATH_MAX], data[PATH_MAX];
	path_of(file, root, "/payload", path);
	path_of(data, root, "/data/", sha);
	struct stat f, d;
	if (lstat(file, &f) < 0)
		die(EXIT_PACK_FAILED, "%s: %s", file, strerror(errno));
	if (!S_ISREG(f.st_mode))
		die(EXIT_PACK_FAILED, "%s: not a regular file", file);
	if (lstat(data, &d) == 0) {
		if (f.st_ino == d.st_ino && f.st_dev == d.st_dev)
			return; /* packed already */
		if (!shareable(file, &f, data, &d))
			return;
		if (unlink(file) < 0)
			die(EXIT_PACK_FAILED, "cannot remove %s: %s", file, strerror(errno));
	} else if (errno != ENOENT || rename(file, data) < 0) {
		die(EXIT_PACK_FAILED, "cannot move %s to %s: %s", file, data, strerror(errno));
	}
	if (link(data, file) < 0)
		die(EXIT_PACK_FAILED, "cannot link %s to %s: %s", file, data, strerror(errno));
}

/* Appends the lexically normalised absolute form of `target` (".." stops at the root) to `out`,
 * which holds `len` bytes; returns the new length. */
static size_t normalise(char out[PATH_MAX], size_t len, const char *target, const char *link)
{
	for (const char *p = target; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (len > 0 && out[--len] != '/')
				;
		} else if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (len + 1 + n >= PATH_MAX)
				die(EXIT_PACK_FAILED, "%s: link target too long", link);
			out[len++] = '/';
			memcpy(out + len, p, n);
			len += n;
		}
		p += n;
		while (*p == '/')
			p++;
	}
	out[len] = '\0';
	return len;
}

/* A symlink at payload `path` whose target is absolute, or climbs above the root, would point out
 * of the bundle: it becomes a relative link to the same place inside the payload, with the old
 * link's times (the bundle keeps its source's). */
static void pack_symlink(const char *root, const char *path)
{
	char link[PATH_MAX], target[PATH_MAX], resolved[PATH_MAX], relative[PATH_MAX];
	path_of(link, root, "/payload", path);
	struct stat st;
	ssize_t n = lstat(link, &st) < 0 ? -1 : readlink(link, target, sizeof target - 1);
	if (n < 0)
		die(EXIT_PACK_FAILED, "%s: %s", link, strerror(errno));
	target[n] = '\0';
	/* The link's directory, then the target from there (from the root when absolute). */
	size_t len = 0, depth = 0;
	if (target[0] != '/') {
		len = strrchr(path, '/') - path;
		memcpy(resolved, path, len);
	}
	normalise(resolved, len, target, link);
	for (const char *p = path; (p = strchr(p + 1, '/'));)
		depth++;
	size_t at = 0;
	for (size_t i = 0; i < depth; i++)
		at += (size_t)snprintf(relative + at, sizeof relative - at, "../");
	if (snprintf(relative + at, sizeof relative - at, "%s", resolved[0] ? resolved + 1 : ".") >= (int)(sizeof relative - at))
		die(EXIT_PACK_FAILED, "%s: link target too long", link);
	if (unlink(link) < 0 || symlink(relative, link) < 0)
		die(EXIT_PACK_FAILED, "cannot make %s a link to %s: %s", link, relative, strerror(errno));
	const struct timespec times[2] = {st.st_atim, st.st_mtim};
	if (utimensat(AT_FDCWD, link, times, AT_SYMLINK_NOFOLLOW) < 0)
		die(EXIT_PACK_FAILED, "cannot set the time of %s: %s", link, strerror(errno));
}

static int is_sha256(const char *s, size_t len)
{
	return len == SHA256_HEX && strspn(s, "0123456789abcdef") == SHA256_HEX;
}

/* One "<sha256> <payload path>" or "symlink <payload path>" line, without its newline. */
static void pack_line(const char *root, char *line, const char *list, unsigned number)
{
	char *path = strchr(line, ' ');
	int link = path && path - line == 7 && !strncmp(line, "symlink", 7);
	if (!path || !(link || is_sha256(line, path - line)))
		die(EXIT_PACK_FAILED, "%s:%u: not a \"<sha256> <payload path>\" or \"symlink <payload path>\" line", list, number);
	*path++ = '\0';
	const char *bad = payload_path_error(path);
	if (bad)
		die(EXIT_PACK_FAILED, "%s:%u: %s: %s", list, number, path, bad);
	if (link)
		pack_symlink(root, path);
	else
		pack_file(root, line, path);
}

static void make_store(const char *root)
{
	char data[PATH_MAX];
	path_of(data, root, "/data", "");
	if (mkdir(data, 0755) == 0) {
		/* Whatever the umask of the build step. */
		if (chmod(data, 0755) < 0)
			die(EXIT_PACK_FAILED, "cannot chmod %s: %s", data, strerror(errno));
	} else if (errno != EEXIST) {
		die(EXIT_PACK_FAILED, "cannot create %s: %s", data, strerror(errno));
	}
}

int main(int argc, char **argv)
{
	if (argc != 3)
		die(EXIT_PACK_FAILED, "usage: sidebundle-pack ROOT LIST");
	const char *root = argv[1], *list = argv[2];
	FILE *in = fopen(list, "re");
	if (!in)
		die(EXIT_PACK_FAILED, "cannot open %s: %s", list, strerror(errno));
	make_store(root);
	char *line = NULL;
	size_t size = 0;
	ssize_t len;
	unsigned number = 0;
	while ((len = getline(&line, &size, in)) >= 0) {
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		pack_line(root, line, list, ++number);
	}
	if (ferror(in))
		die(EXIT_PACK_FAILED, "cannot read %s: %s", list, strerror(errno));
	fclose(in);
	if (unlink(list) < 0)
		die(EXIT_PACK_FAILED, "cannot remove %s: %s", list, strerror(errno));
	return 0;
}
