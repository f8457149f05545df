#ifndef SB_INFLATE_H
#define SB_INFLATE_H

#include <stddef.h>
#include <stdint.h>

/* Decodes raw deflate data (RFC 1951) that must fill out[0..outlen) exactly. Returns NULL, or
 * why the data is not such a stream. */
const char *inflate_raw(const uint8_t *in, size_t inlen, uint8_t *out, size_t outlen);

#endif
