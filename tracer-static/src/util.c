#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

_Noreturn void die(int code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* One write, so that concurrent output cannot split the line. */
	dprintf(2, "%s: %s\n", program_name, msg);
	_exit(code);
}

void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size);
	if (!p)
		die(EXIT_TRACER_FAILED, "out of memory");
	return p;
}
