#include "paths.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "../src/util.h"

void self_exe(char *buf, int code)
{
	ssize_t len = readlink("/proc/self/exe", buf, PATH_MAX - 1);
	if (len < 0)
		die(code, "cannot read /proc/self/exe (is /proc mounted?): %s", strerror(errno));
	buf[len] = '\0';
}

const char *payload_path_error(const char *path)
{
	if (path[0] != '/')
		return "not an absolute path";
	/* Look at each component: "a..b" and "..." are names, only ".." itself climbs. */
	for (const char *p = path; *p; p++) {
		if (p[0] == '.' && p[1] == '.' && p[-1] == '/' && (p[2] == '/' || p[2] == '\0'))
			return "has a \"..\" component";
	}
	return NULL;
}
