/* sidebundle-launch: starts an entry of a portable bundle with the bundle's own dynamic loader
 * (README.md). One copy sits at R/bin/<name> per entry and reads R/launch/<name>. */
#include "../src/util.h"
#include "paths.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char program_name[] = "sidebundle-launch";

/* Every failure of the launcher itself: like a shell's "command not found", the program never ran. */
#define EXIT_LAUNCH_FAILED 127
/* The frontend writes a few lines; anything bigger is not a launcher config. */
#define CONFIG_MAX 65536

extern char **environ;

struct config {
	char *loader, *program, *argv0;
	char **dirs, **args; /* the library-path and arg values, in order */
	size_t ndirs, nargs;
};

static void *xmalloc(size_t size)
{
	void *p = malloc(size);
	if (!p)
		die(EXIT_LAUNCH_FAILED, "out of memory");
	return p;
}

static char *concat(const char *a, const char *b, const char *c)
{
	char *s = xmalloc(strlen(a) + strlen(b) + strlen(c) + 1);
	stpcpy(stpcpy(stpcpy(s, a), b), c);
	return s;
}

static char *in_payload(const char *root, const char *path)
{
	return concat(root, "/payload", path);
}

/* The file's text, NUL-terminated (the frontend writes no NUL bytes; a stray one ends the text). */
static char *read_config(const char *file)
{
	static char text[CONFIG_MAX + 1];
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(EXIT_LAUNCH_FAILED, "cannot open %s: %s", file, strerror(errno));
	size_t len = 0;
	ssize_t n;
	while (len < CONFIG_MAX && (n = read(fd, text + len, CONFIG_MAX - len)) != 0) {
		if (n < 0 && errno != EINTR)
			die(EXIT_LAUNCH_FAILED, "cannot read %s: %s", file, strerror(errno));
		len += n > 0 ? n : 0;
	}
	if (len == CONFIG_MAX)
		die(EXIT_LAUNCH_FAILED, "%s: too large for a launcher config (%d bytes or more)", file, CONFIG_MAX);
	close(fd);
	text[len] = '\0';
	return text;
}

/* One key=value line; `where` is "file:line" for messages. */
static void set_key(struct config *c, const char *key, char *value, const char *where)
{
	if (strcmp(key, "arg") == 0) {
		c->args[c->nargs++] = value;
		return;
	}
	const char *bad = payload_path_error(value);
	if (bad)
		die(EXIT_LAUNCH_FAILED, "%s: %s=%s: %s", where, key, value, bad);
	if (strcmp(key, "library-path") == 0) {
		/* The loader splits --library-path at both. */
		if (strpbrk(value, ":;"))
			die(EXIT_LAUNCH_FAILED, "%s: library-path=%s: contains ':' or ';'", where, value);
		c->dirs[c->ndirs++] = value;
		return;
	}
	char **slot = strcmp(key, "loader") == 0    ? &c->loader
		      : strcmp(key, "program") == 0 ? &c->program
		      : strcmp(key, "argv0") == 0   ? &c->argv0
						    : NULL;
	if (!slot)
		die(EXIT_LAUNCH_FAILED, "%s: unknown key \"%s\"", where, key);
	if (*slot)
		die(EXIT_LAUNCH_FAILED, "%s: %s= given twice", where, key);
	*slot = value;
}

static void parse_config(char *text, const char *file, struct config *c)
{
	size_t lines = 1;
	for (const char *p = text; *p; p++)
		lines += *p == '\n';
	c->dirs = xmalloc(lines * sizeof *c->dirs);
	c->args = xmalloc(lines * sizeof *c->args);
	unsigned number = 0;
	for (char *line = text, *next; *line; line = next) {
		next = strchrnul(line, '\n');
		if (*next)
			*next++ = '\0';
		char where[PATH_MAX + 16];
		snprintf(where, sizeof where, "%s:%u", file, ++number);
		char *value = strchr(line, '=');
		if (!value)
			die(EXIT_LAUNCH_FAILED, "%s: not a key=value line", where);
		*value++ = '\0';
		set_key(c, line, value, where);
	}
	if (!c->program)
		die(EXIT_LAUNCH_FAILED, "%s: no program= line", file);
}

/* The library-path directories inside the bundle, joined for --library-path. */
static char *library_path(const char *root, const struct config *c)
{
	if (strpbrk(root, ":;"))
		die(EXIT_LAUNCH_FAILED, "the bundle's path %s contains ':' or ';', which --library-path cannot carry", root);
	size_t size = 1;
	for (size_t i = 0; i < c->ndirs; i++)
		size += strlen(root) + strlen("/payload") + strlen(c->dirs[i]) + 1;
	char *joined = xmalloc(size), *end = joined;
	for (size_t i = 0; i < c->ndirs; i++)
		end = stpcpy(stpcpy(stpcpy(stpcpy(end, i ? ":" : ""), root), "/payload"), c->dirs[i]);
	return joined;
}

/* The command line to exec; *path gets the file to exec (the loader, or a static program). */
static char **command_line(const char *root, const struct config *c, char **user, size_t nuser, char **path)
{
	char **argv = xmalloc((7 + c->nargs + nuser) * sizeof *argv);
	char *program = in_payload(root, c->program);
	/* A missing program would otherwise surface as the loader's own, less clear, message. */
	if (access(program, F_OK) < 0)
		die(EXIT_LAUNCH_FAILED, "cannot run %s: %s", program, strerror(errno));
	size_t n = 0;
	if (c->loader) {
		*path = argv[n++] = in_payload(root, c->loader);
		if (c->ndirs) {
			argv[n++] = "--library-path";
			argv[n++] = library_path(root, c);
		}
		/* Without argv0= the program sees its own path: for glibc before 2.33, which has no --argv0. */
		if (c->argv0) {
			argv[n++] = "--argv0";
			argv[n++] = in_payload(root, c->argv0);
		}
		argv[n++] = program;
	} else {
		*path = program;
		argv[n++] = c->argv0 ? in_payload(root, c->argv0) : program;
	}
	/* Relative args (shebang options such as -u) are not paths of the payload. */
	for (size_t i = 0; i < c->nargs; i++)
		argv[n++] = c->args[i][0] == '/' ? in_payload(root, c->args[i]) : c->args[i];
	memcpy(argv + n, user, nuser * sizeof *user);
	argv[n + nuser] = NULL;
	return argv;
}

/* PATH=<bin>:<old>, unless <old> already starts with <bin> (a launcher run by another
 * launcher's program), so that chains of bundled programs do not grow it. */
static char *path_with(const char *bin, const char *old)
{
	size_t len = strlen(bin);
	if (strncmp(old, bin, len) == 0 && (old[len] == ':' || old[len] == '\0'))
		return concat("PATH=", old, "");
	if (!*old)
		return concat("PATH=", bin, "");
	return concat(concat("PATH=", bin, ":"), old, "");
}

/* The caller's environment with R/bin first on PATH and SIDEBUNDLE_ROOT=R, nothing else:
 * LD_LIBRARY_PATH and LD_PRELOAD stay the user's own, and the library path the loader got on
 * its command line is not inherited by the programs this one runs. */
static char **environment(const char *root)
{
	size_t count = 0;
	while (environ[count])
		count++;
	char **env = xmalloc((count + 3) * sizeof *env);
	char *bin = concat(root, "/bin", "");
	size_t n = 0;
	int has_path = 0;
	for (size_t i = 0; i < count; i++) {
		if (strncmp(environ[i], "SIDEBUNDLE_ROOT=", 16) == 0)
			continue;
		if (!has_path && strncmp(environ[i], "PATH=", 5) == 0) {
			has_path = 1;
			env[n++] = path_with(bin, environ[i] + 5);
		} else {
			env[n++] = environ[i];
		}
	}
	if (!has_path)
		env[n++] = concat("PATH=", bin, ":/usr/local/bin:/usr/bin:/bin");
	env[n++] = concat("SIDEBUNDLE_ROOT=", *root ? root : "/", "");
	env[n] = NULL;
	return env;
}

int main(int argc, char **argv)
{
	/* The launcher's own file, symlinks resolved: R/bin/<name>, wherever R was copied. */
	char root[PATH_MAX];
	self_exe(root, EXIT_LAUNCH_FAILED);
	char *name = strrchr(root, '/');
	*name++ = '\0';
	char *bin = strrchr(root, '/');
	if (!bin)
		die(EXIT_LAUNCH_FAILED, "%s: not in a bundle's bin/ directory", name);
	/* R is "" for a bundle at "/": its paths are then "/payload/...", "/bin". */
	*bin = '\0';

	struct config c = {0};
	char *file = concat(root, "/launch/", name);
	parse_config(read_config(file), file, &c);
	char *path;
	char **args = command_line(root, &c, argv + 1, argc - 1, &path);
	execve(path, args, environment(root));
	die(EXIT_LAUNCH_FAILED, "cannot exec %s: %s", path, strerror(errno));
}
