/* sidebundle-single: a single-file bundle's launcher. The file is this program with a portable
 * bundle appended as an archive (tracer-static/README.md, "The single-file format"). The first
 * run unpacks the archive into a content-addressed cache, <cache>/<sha256 of the archive>; every
 * run then execs the entry's launcher there, <cache>/<sha256>/bin/<entry>. */
#include "../src/util.h"
#include "inflate.h"
#include "paths.h"
#include "sha256.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

const char program_name[] = "sidebundle-single";

#define EXIT_LAUNCH_FAILED 127
#define MAGIC "sidebundle-single 1\n"
#define MAGIC_SIZE 24
#define SHA_HEX 64
#define ENTRY_SIZE 256
#define TRAILER_SIZE (MAGIC_SIZE + 8 + 8 + SHA_HEX + ENTRY_SIZE)
#define RECORD_SIZE 40

extern char **environ;

struct trailer {
	uint64_t offset, size;
	char sha[SHA_HEX + 1];
	char entry[ENTRY_SIZE + 1]; /* the only entry, or "" */
};

static uint64_t le(const uint8_t *p, int bytes)
{
	uint64_t v = 0;
	for (int i = bytes - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void path_of(char out[PATH_MAX], const char *a, const char *b, const char *c)
{
	if (snprintf(out, PATH_MAX, "%s%s%s", a, b, c) >= PATH_MAX)
		die(EXIT_LAUNCH_FAILED, "%s%s%s: path too long", a, b, c);
}

static struct trailer read_trailer(int fd, const char *self)
{
	struct stat st;
	uint8_t t[TRAILER_SIZE];
	if (fstat(fd, &st) < 0 || st.st_size < TRAILER_SIZE || pread(fd, t, sizeof t, st.st_size - TRAILER_SIZE) != (ssize_t)sizeof t ||
	    memcmp(t, MAGIC, sizeof MAGIC))
		die(EXIT_LAUNCH_FAILED, "%s: no bundle appended (not a single-file bundle)", self);
	struct trailer r;
	r.offset = le(t + MAGIC_SIZE, 8);
	r.size = le(t + MAGIC_SIZE + 8, 8);
	memcpy(r.sha, t + MAGIC_SIZE + 16, SHA_HEX);
	r.sha[SHA_HEX] = '\0';
	memcpy(r.entry, t + MAGIC_SIZE + 16 + SHA_HEX, ENTRY_SIZE);
	r.entry[ENTRY_SIZE] = '\0';
	if (r.offset > (uint64_t)st.st_size - TRAILER_SIZE || r.size != (uint64_t)st.st_size - TRAILER_SIZE - r.offset ||
	    strspn(r.sha, "0123456789abcdef") != SHA_HEX)
		die(EXIT_LAUNCH_FAILED, "%s: damaged trailer", self);
	return r;
}

/* The caches to look in, in order: $XDG_CACHE_HOME/sidebundle or ~/.cache/sidebundle, then
 * <$TMPDIR or /tmp>/sidebundle-<uid> for a read-only or missing home. Returns how many. */
static int cache_dirs(char dirs[2][PATH_MAX])
{
	int n = 0;
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME"), *tmp = getenv("TMPDIR");
	if (xdg && xdg[0] == '/')
		path_of(dirs[n++], xdg, "/sidebundle", "");
	else if (home && home[0] == '/')
		path_of(dirs[n++], home, strcmp(home, "/") ? "/.cache/sidebundle" : ".cache/sidebundle", "");
	char user[32];
	snprintf(user, sizeof user, "/sidebundle-%u", (unsigned)getuid());
	path_of(dirs[n++], tmp && tmp[0] == '/' ? tmp : "/tmp", user, "");
	return n;
}

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* mkdir -p, 0700 for what it creates; 0 or -1 with errno. */
static int make_dirs(char *path)
{
	for (char *p = path + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		int r = mkdir(path, 0700);
		*p = c;
		if (r < 0 && errno != EEXIST)
			return -1;
		if (c == '\0')
			return is_dir(path) ? 0 : (errno = ENOTDIR, -1);
	}
}

/* The shared temporary directory is ours alone: a directory we own that no one else may write. */
static int make_private(const char *path)
{
	struct stat st;
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -1;
	if (lstat(path, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode) || st.st_uid != getuid() || (st.st_mode & 022))
		return errno = EPERM, -1;
	return 0;
}

struct dir_entry {
	char *path;
	uint32_t mode;
	struct timespec times[2];
};

static void write_file(const char *path, const uint8_t *data, uint64_t size, uint64_t stored, uint32_t mode, const struct timespec times[2])
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		die(EXIT_LAUNCH_FAILED, "cannot create %s: %s", path, strerror(errno));
	if (size) {
		if (ftruncate(fd, (off_t)size) < 0)
			die(EXIT_LAUNCH_FAILED, "cannot write %s: %s", path, strerror(errno));
		uint8_t *out = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (out == MAP_FAILED)
			die(EXIT_LAUNCH_FAILED, "cannot map %s: %s", path, strerror(errno));
		const char *err = NULL;
		if (stored == size)
			memcpy(out, data, size);
		else
			err = inflate_raw(data, stored, out, size);
		if (err)
			die(EXIT_LAUNCH_FAILED, "%s: cannot inflate: %s", path, err);
		munmap(out, size);
	}
	if (fchmod(fd, mode & 07777) < 0 || futimens(fd, times) < 0 || close(fd) < 0)
		die(EXIT_LAUNCH_FAILED, "cannot write %s: %s", path, strerror(errno));
}

/* The archive's records: directories, files (raw deflate, or raw when stored == size), symlinks
 * and hard links to earlier files. Directories get their mode and time last (a read-only one
 * is filled first). */
static void unpack(const uint8_t *a, uint64_t size, const char *root)
{
	struct dir_entry *dirs = NULL;
	size_t ndirs = 0;
	for (uint64_t at = 0; at < size;) {
		if (size - at < RECORD_SIZE)
			die(EXIT_LAUNCH_FAILED, "damaged archive: truncated record");
		const uint8_t *h = a + at;
		uint32_t type = (uint32_t)le(h, 4), mode = (uint32_t)le(h + 4, 4), nsec = (uint32_t)le(h + 16, 4), len = (uint32_t)le(h + 20, 4);
		uint64_t fsize = le(h + 24, 8), stored = le(h + 32, 8);
		struct timespec times[2] = {{.tv_sec = (time_t)le(h + 8, 8), .tv_nsec = nsec}};
		times[1] = times[0];
		at += RECORD_SIZE;
		if (len == 0 || len >= PATH_MAX || size - at < len || size - at - len < stored)
			die(EXIT_LAUNCH_FAILED, "damaged archive: bad record");
		char name[PATH_MAX], path[PATH_MAX], target[PATH_MAX];
		name[0] = '/';
		memcpy(name + 1, a + at, len);
		name[len + 1] = '\0';
		const char *bad = strlen(name) == len + 1 ? payload_path_error(name) : "contains a NUL byte";
		if (bad)
			die(EXIT_LAUNCH_FAILED, "damaged archive: %s: %s", name, bad);
		path_of(path, root, name, "");
		const uint8_t *data = a + at + len;
		at += len + stored;
		if (type == 'f') {
			write_file(path, data, fsize, stored, mode, times);
			continue;
		}
		if (type == 'd') {
			if (mkdir(path, 0700) < 0)
				die(EXIT_LAUNCH_FAILED, "cannot create %s: %s", path, strerror(errno));
			dirs = xrealloc(dirs, (ndirs + 1) * sizeof *dirs);
			dirs[ndirs++] = (struct dir_entry){strdup(path), mode, {times[0], times[1]}};
			continue;
		}
		if (stored >= PATH_MAX || memchr(data, 0, stored))
			die(EXIT_LAUNCH_FAILED, "damaged archive: %s: bad link", name);
		memcpy(target, data, stored);
		target[stored] = '\0';
		if (type == 'l') {
			if (symlink(target, path) < 0 || utimensat(AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW) < 0)
				die(EXIT_LAUNCH_FAILED, "cannot create %s: %s", path, strerror(errno));
		} else if (type == 'h') {
			char from[PATH_MAX];
			path_of(from, root, "/", target);
			if (payload_path_error(from + strlen(root)) || link(from, path) < 0)
				die(EXIT_LAUNCH_FAILED, "cannot link %s to %s: %s", path, target, strerror(errno));
		} else {
			die(EXIT_LAUNCH_FAILED, "damaged archive: %s: unknown record type %u", name, type);
		}
	}
	while (ndirs--) {
		struct dir_entry *d = &dirs[ndirs];
		if (chmod(d->path, d->mode & 07777) < 0 || utimensat(AT_FDCWD, d->path, d->times, 0) < 0)
			die(EXIT_LAUNCH_FAILED, "cannot set the mode of %s: %s", d->path, strerror(errno));
		free(d->path);
	}
	free(dirs);
	if (chmod(root, 0755) < 0)
		die(EXIT_LAUNCH_FAILED, "cannot chmod %s: %s", root, strerror(errno));
}

static int make_writable(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	if (type == FTW_D)
		chmod(path, (st->st_mode & 07777) | 0700);
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st, (void)ftw;
	(type == FTW_DP ? rmdir : unlink)(path);
	return 0;
}

/* A copy another first run finished before ours: ours goes. */
static void remove_tree(const char *dir)
{
	nftw(dir, make_writable, 16, FTW_PHYS);
	nftw(dir, remove_one, 16, FTW_PHYS | FTW_DEPTH);
}

/* The archive, checked against the trailer's sha256. */
static const uint8_t *map_archive(int fd, const struct trailer *t, const char *self)
{
	uint64_t start = t->offset & ~(uint64_t)(sysconf(_SC_PAGESIZE) - 1);
	const uint8_t *map = mmap(NULL, t->offset - start + t->size, PROT_READ, MAP_PRIVATE, fd, (off_t)start);
	if (map == MAP_FAILED)
		die(EXIT_LAUNCH_FAILED, "%s: cannot map the archive: %s", self, strerror(errno));
	const uint8_t *archive = map + (t->offset - start);
	struct sha256 s;
	char hex[SHA_HEX + 1];
	sha256_init(&s);
	sha256_update(&s, archive, t->size);
	sha256_hex(&s, hex);
	if (strcmp(hex, t->sha))
		die(EXIT_LAUNCH_FAILED, "%s: damaged: the bundle's sha256 is %s, not %s", self, hex, t->sha);
	return archive;
}

/* Unpacks into <cache>/.unpack-XXXXXX, then renames that to <cache>/<sha256>: several first runs
 * may race, the first rename wins and the others use its copy. Returns 0, or -1 when this cache
 * cannot be written (a read-only home: the caller tries the next). */
static int install(const uint8_t *archive, const struct trailer *t, char cache[PATH_MAX], int private, const char *final)
{
	if ((private ? make_private(cache) : make_dirs(cache)) < 0)
		return -1;
	char tmp[PATH_MAX];
	path_of(tmp, cache, "/.unpack-XXXXXX", "");
	if (!mkdtemp(tmp))
		return -1;
	unpack(archive, t->size, tmp);
	if (rename(tmp, final) < 0) {
		if (errno != EEXIST && errno != ENOTEMPTY)
			die(EXIT_LAUNCH_FAILED, "cannot rename %s to %s: %s", tmp, final, strerror(errno));
		remove_tree(tmp);
	}
	return 0;
}

/* <cache>/<sha256>, unpacked there now unless an earlier run did. */
static void bundle_dir(int fd, const struct trailer *t, const char *self, char out[PATH_MAX])
{
	char caches[2][PATH_MAX], bin[PATH_MAX];
	int n = cache_dirs(caches);
	for (int i = 0; i < n; i++) {
		path_of(out, caches[i], "/", t->sha);
		path_of(bin, out, "/bin", "");
		if (is_dir(bin))
			return;
	}
	const uint8_t *archive = map_archive(fd, t, self);
	int err = 0;
	for (int i = 0; i < n; i++) {
		path_of(out, caches[i], "/", t->sha);
		if (install(archive, t, caches[i], i == n - 1, out) == 0)
			return;
		err = errno;
	}
	die(EXIT_LAUNCH_FAILED, "%s: no cache to unpack into (%s: %s)", self, caches[n - 1], strerror(err));
}

static int is_entry(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;
	if (!*name || strchr(name, '/') || snprintf(path, sizeof path, "%s/bin/%s", dir, name) >= (int)sizeof path)
		return 0;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The entries' names, for the message when none is chosen. */
static void list_entries(const char *dir, char *out, size_t size)
{
	char bin[PATH_MAX];
	path_of(bin, dir, "/bin", "");
	DIR *d = opendir(bin);
	size_t len = 0;
	out[0] = '\0';
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] != '.' && len < size)
			len += (size_t)snprintf(out + len, size - len, " %s", e->d_name);
	}
	if (d)
		closedir(d);
}

int main(int argc, char **argv)
{
	char self[PATH_MAX];
	self_exe(self, EXIT_LAUNCH_FAILED);
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(EXIT_LAUNCH_FAILED, "cannot open %s: %s", self, strerror(errno));
	struct trailer t = read_trailer(fd, self);
	char dir[PATH_MAX];
	bundle_dir(fd, &t, self, dir);
	close(fd);

	/* The entry: the name it was run by (a symlink), the only one, or the first argument. */
	const char *called = argc > 0 ? strrchr(argv[0], '/') : NULL;
	called = called ? called + 1 : argc > 0 ? argv[0] : "";
	char **args = argv;
	const char *entry = is_entry(dir, called) ? called : t.entry[0] ? t.entry : NULL;
	if (!entry && argc > 1 && is_entry(dir, argv[1])) {
		entry = argv[1];
		args = argv + 1;
	}
	if (!entry) {
		char names[1024];
		list_entries(dir, names, sizeof names);
		die(EXIT_LAUNCH_FAILED, "%s: name an entry as the first argument, or run it through a symlink named after one:%s", self, names);
	}
	char path[PATH_MAX];
	path_of(path, dir, "/bin/", entry);
	execve(path, args, environ);
	die(EXIT_LAUNCH_FAILED, "cannot exec %s: %s", path, strerror(errno));
}
