#ifndef SB_UTIL_H
#define SB_UTIL_H

#include <stddef.h>

/* The tracer's own failures; the traced command's statuses are passed through. */
#define EXIT_TRACER_FAILED 125

/* The name errors start with; each program's main file defines it (the launcher and the
 * packer in ../launcher share this file). */
extern const char program_name[];

/* Prints "<program_name>: <message>" on stderr and _exits with code. */
_Noreturn void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void *xrealloc(void *p, size_t size);

#endif
