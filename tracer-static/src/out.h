/* JSON building and the JSON Lines log. */
#ifndef SB_OUT_H
#define SB_OUT_H

#include <stddef.h>

struct buf {
	char *p;
	size_t len, cap;
};

void buf_raw(struct buf *b, const char *s, size_t n);
/* A NUL-terminated string, as is; buf_int and buf_uint a number in decimal. For the lines of every event: no printf. */
void buf_lit(struct buf *b, const char *s);
void buf_int(struct buf *b, long long v);
void buf_uint(struct buf *b, unsigned long long v);
void buf_fmt(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal, or null when s is NULL. */
void buf_str(struct buf *b, const char *s);

/* Opens (truncates) the log; NULL path means no log. Returns -1 with errno on failure. */
int log_open(const char *path);
/* Appends b and a newline to the log, and empties b. */
void log_line(struct buf *b);
/* How many lines the log holds so far. */
size_t log_lines(void);
int log_close(void);

#endif
