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
/*
 * For the pieces of every event, mostly a few bytes long: musl's memcpy (rep movsq) costs tens
 * of nanoseconds a call whatever the size. copy_bytes copies forwards, so d may overlap s when
 * it is below it.
 */
void copy_bytes(void *d, const void *s, size_t n);
/* CLOCK_MONOTONIC in nanoseconds. */
long long monotonic_ns(void);
/* Writes v in decimal at out, without a NUL; returns the number of digits (at most 20). */
size_t decimal(char *out, unsigned long long v);

#endif
