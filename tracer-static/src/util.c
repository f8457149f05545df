#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
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

/* The loop must not be turned into a memcpy call again. */
__attribute__((optimize("no-tree-loop-distribute-patterns"))) void copy_bytes(void *d, const void *s, size_t n)
{
	char *to = d;
	const char *from = s;
	for (size_t i = 0; i < n; i++)
		to[i] = from[i];
}

size_t decimal(char *out, unsigned long long v)
{
	char digits[20], *p = digits + sizeof digits;
	do
		*--p = (char)('0' + v % 10);
	while (v /= 10);
	size_t n = (size_t)(digits + sizeof digits - p);
	copy_bytes(out, p, n);
	return n;
}

long long monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
