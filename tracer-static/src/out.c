#include "out.h"

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define FLUSH_AT (1 << 16)

static int log_fd = -1, log_failed;
static struct buf log_buf;
static size_t lines;

static void buf_reserve(struct buf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra + 1)
		cap *= 2;
	b->p = xrealloc(b->p, cap);
	b->cap = cap;
}

void buf_raw(struct buf *b, const char *s, size_t n)
{
	buf_reserve(b, n);
	if (n < 64)
		copy_bytes(b->p + b->len, s, n);
	else
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

void buf_lit(struct buf *b, const char *s)
{
	buf_raw(b, s, strlen(s));
}

void buf_uint(struct buf *b, unsigned long long v)
{
	char digits[20];
	buf_raw(b, digits, decimal(digits, v));
}

void buf_int(struct buf *b, long long v)
{
	if (v < 0)
		buf_raw(b, "-", 1);
	buf_uint(b, v < 0 ? -(unsigned long long)v : (unsigned long long)v);
}

void buf_fmt(struct buf *b, const char *fmt, ...)
{
	/* Formatted straight into the spare room; again only when it did not fit. */
	buf_reserve(b, 64);
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if ((size_t)n >= b->cap - b->len) {
		buf_reserve(b, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

/* Length of the well-formed UTF-8 sequence at s, 0 if ill-formed. */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned c = s[0];
	size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
	if (n == 0 || c > 0xf4)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* Overlong forms, UTF-16 surrogates and code points above U+10FFFF. */
	if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) ||
	    (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
		return 0;
	return n;
}

/*
 * Paths are bytes, JSON is Unicode: a byte that is not part of valid UTF-8 is written as the
 * lone surrogate \udcXX (Python's surrogateescape), so the original bytes can be recovered.
 */
void buf_str(struct buf *b, const char *s)
{
	if (!s) {
		buf_raw(b, "null", 4);
		return;
	}
	buf_raw(b, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		size_t n = 0;
		/* A run of characters that need no escape, in one copy. */
		while (p[n] >= 0x20 && p[n] < 0x7f && p[n] != '"' && p[n] != '\\')
			n++;
		if (n) {
			buf_raw(b, (const char *)p, n);
			p += n;
		} else if (*p == '"' || *p == '\\') {
			buf_raw(b, "\\", 1);
			buf_raw(b, (const char *)p++, 1);
		} else if (*p < 0x20 || *p == 0x7f) {
			buf_fmt(b, "\\u%04x", *p++);
		} else if ((n = utf8_seq(p))) {
			buf_raw(b, (const char *)p, n);
			p += n;
		} else {
			buf_fmt(b, "\\udc%02x", *p++);
		}
	}
	buf_raw(b, "\"", 1);
}

/*
 * The log is written with write(2), not stdio: the watchdog's timer signal interrupts system
 * calls (it must interrupt waitpid), and stdio gives up on EINTR.
 */
static int write_all(const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(log_fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void flush(void)
{
	if (!log_failed && write_all(log_buf.p, log_buf.len) < 0)
		log_failed = errno;
	log_buf.len = 0;
}

int log_open(const char *path)
{
	if (path)
		log_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	return path && log_fd < 0 ? -1 : 0;
}

void log_line(struct buf *b)
{
	if (log_fd >= 0) {
		buf_raw(&log_buf, b->p, b->len);
		buf_raw(&log_buf, "\n", 1);
		lines++;
		if (log_buf.len >= FLUSH_AT)
			flush();
	}
	b->len = 0;
}

size_t log_lines(void)
{
	return lines;
}

int log_close(void)
{
	if (log_fd < 0)
		return 0;
	flush();
	if (close(log_fd) < 0 && !log_failed)
		log_failed = errno;
	errno = log_failed;
	return log_failed ? -1 : 0;
}
