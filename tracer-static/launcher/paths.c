#include "paths.h"

#include <string.h>

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
