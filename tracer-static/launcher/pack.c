/* sidebundle-pack: turns a portable bundle's payload files into hard links to its content store
 * R/data/<sha256> (README.md), those of the same content and time. The frontend runs it once, at build time, in a root that holds
 * only the bundle: it needs nothing from a libc or a shell. */
#include "../src/util.h"
#include "paths.h"

#include <errno.h>
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

/* The store keeps one file per content, so its mode and owner are every link's. */
static void check_shareable(const char *file, const struct stat *f, const char *data, const struct stat *d)
{
	if ((f->st_mode & 07777) != (d->st_mode & 07777))
		die(EXIT_PACK_FAILED, "%s: same content as %s but mode %04o, not %04o", file, data,
		    (unsigned)(f->st_mode & 07777), (unsigned)(d->st_mode & 07777));
	if (f->st_uid != d->st_uid || f->st_gid != d->st_gid)
		die(EXIT_PACK_FAILED, "%s: same content as %s but another owner (%u:%u, not %u:%u)", file, data,
		    (unsigned)f->st_uid, (unsigned)f->st_gid, (unsigned)d->st_uid, (unsigned)d->st_gid);
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
		check_shareable(file, &f, data, &d);
		/* A link has its store file's time: a file of another time keeps its own (Python
		 * checks a .pyc against its source's), as a copy. */
		if (f.st_mtim.tv_sec != d.st_mtim.tv_sec || f.st_mtim.tv_nsec != d.st_mtim.tv_nsec)
			return;
		if (unlink(file) < 0)
			die(EXIT_PACK_FAILED, "cannot remove %s: %s", file, strerror(errno));
	} else if (errno != ENOENT || rename(file, data) < 0) {
		die(EXIT_PACK_FAILED, "cannot move %s to %s: %s", file, data, strerror(errno));
	}
	if (link(data, file) < 0)
		die(EXIT_PACK_FAILED, "cannot link %s to %s: %s", file, data, strerror(errno));
}

static int is_sha256(const char *s, size_t len)
{
	return len == SHA256_HEX && strspn(s, "0123456789abcdef") == SHA256_HEX;
}

/* One "<sha256> <payload path>" line, without its newline. */
static void pack_line(const char *root, char *line, const char *list, unsigned number)
{
	char *path = strchr(line, ' ');
	if (!path || !is_sha256(line, path - line))
		die(EXIT_PACK_FAILED, "%s:%u: not a \"<sha256> <payload path>\" line", list, number);
	*path++ = '\0';
	const char *bad = payload_path_error(path);
	if (bad)
		die(EXIT_PACK_FAILED, "%s:%u: %s: %s", list, number, path, bad);
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
