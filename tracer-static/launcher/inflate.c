/* A small inflate (RFC 1951) for the single-file launcher: canonical Huffman codes decoded through
 * a 9-bit table, longer codes bit by bit. The archive is checked by its sha256 before it is
 * inflated, so an error here means a bad writer, not a damaged download. */
#include "inflate.h"

#include <string.h>

#define MAXBITS 15
#define FAST 9

struct huff {
	uint16_t count[MAXBITS + 1];
	uint16_t symbol[288];
	uint16_t fast[1 << FAST]; /* symbol << 4 | length, 0 for codes longer than FAST */
};

struct stream {
	const uint8_t *p, *end;
	uint64_t buf;
	unsigned cnt;
	size_t padding; /* zero bytes fed past the end of the input */
	uint8_t *out;
	size_t pos, outlen;
};

static void refill(struct stream *s)
{
	while (s->cnt <= 56) {
		uint64_t byte = 0;
		if (s->p < s->end)
			byte = *s->p++;
		else
			s->padding++;
		s->buf |= byte << s->cnt;
		s->cnt += 8;
	}
}

static unsigned bits(struct stream *s, unsigned n)
{
	if (s->cnt < n)
		refill(s);
	unsigned v = (unsigned)(s->buf & ((1u << n) - 1));
	s->buf >>= n;
	s->cnt -= n;
	return v;
}

/* Fails on an over-subscribed set of lengths; incomplete ones are legal (a single code). */
static int build(struct huff *h, const uint8_t *lens, int n)
{
	uint16_t offs[MAXBITS + 2], next[MAXBITS + 1];
	memset(h->count, 0, sizeof h->count);
	for (int i = 0; i < n; i++)
		h->count[lens[i]]++;
	h->count[0] = 0;
	int left = 1;
	for (int len = 1; len <= MAXBITS; len++) {
		left = (left << 1) - h->count[len];
		if (left < 0)
			return -1;
	}
	offs[1] = 0;
	for (int len = 1; len <= MAXBITS; len++)
		offs[len + 1] = offs[len] + h->count[len];
	unsigned code = 0;
	for (int len = 1; len <= MAXBITS; len++) {
		code = (code + h->count[len - 1]) << 1;
		next[len] = code;
	}
	memset(h->fast, 0, sizeof h->fast);
	for (int sym = 0; sym < n; sym++) {
		unsigned len = lens[sym];
		if (!len)
			continue;
		h->symbol[offs[len]++] = sym;
		unsigned c = next[len]++, rev = 0;
		if (len > FAST)
			continue;
		for (unsigned i = 0; i < len; i++)
			rev |= ((c >> i) & 1) << (len - 1 - i);
		for (unsigned i = rev; i < 1u << FAST; i += 1u << len)
			h->fast[i] = (uint16_t)(sym << 4 | len);
	}
	return 0;
}

static int decode(struct stream *s, const struct huff *h)
{
	if (s->cnt < MAXBITS)
		refill(s);
	unsigned e = h->fast[s->buf & ((1u << FAST) - 1)];
	if (e) {
		s->buf >>= e & 15;
		s->cnt -= e & 15;
		return e >> 4;
	}
	int code = 0, first = 0, index = 0;
	for (unsigned len = 1; len <= MAXBITS; len++) {
		code |= (s->buf >> (len - 1)) & 1;
		int count = h->count[len];
		if (code - count < first) {
			s->buf >>= len;
			s->cnt -= len;
			return h->symbol[index + code - first];
		}
		index += count;
		first = (first + count) << 1;
		code <<= 1;
	}
	return -1;
}

static const uint16_t LBASE[29] = {3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t LEXT[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t DBASE[30] = {1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const uint8_t DEXT[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

static const char *codes(struct stream *s, const struct huff *lit, const struct huff *dist)
{
	for (;;) {
		int sym = decode(s, lit);
		if (sym < 0)
			return "invalid literal/length code";
		if (sym < 256) {
			if (s->pos == s->outlen)
				return "more data than the file's size";
			s->out[s->pos++] = (uint8_t)sym;
			continue;
		}
		if (sym == 256)
			return NULL;
		if ((sym -= 257) >= 29)
			return "invalid length symbol";
		size_t len = LBASE[sym] + bits(s, LEXT[sym]);
		int d = decode(s, dist);
		if (d < 0 || d >= 30)
			return "invalid distance code";
		size_t back = DBASE[d] + bits(s, DEXT[d]);
		if (back > s->pos)
			return "distance too far back";
		if (len > s->outlen - s->pos)
			return "more data than the file's size";
		uint8_t *to = s->out + s->pos, *from = to - back;
		for (size_t i = 0; i < len; i++)
			to[i] = from[i];
		s->pos += len;
	}
}

static const char *stored(struct stream *s)
{
	/* Back to whole bytes: the buffer's unread bytes return to the input. */
	s->buf >>= s->cnt & 7;
	s->cnt -= s->cnt & 7;
	if (s->padding * 8 > s->cnt)
		return "truncated stored block";
	s->p -= s->cnt / 8 - s->padding;
	s->buf = s->cnt = s->padding = 0;
	if (s->end - s->p < 4)
		return "truncated stored block";
	size_t len = s->p[0] | s->p[1] << 8;
	if ((size_t)(s->p[2] | s->p[3] << 8) != (~len & 0xffff))
		return "stored block length check failed";
	s->p += 4;
	if ((size_t)(s->end - s->p) < len || len > s->outlen - s->pos)
		return "stored block too long";
	memcpy(s->out + s->pos, s->p, len);
	s->p += len;
	s->pos += len;
	return NULL;
}

static const char *fixed(struct stream *s)
{
	static struct huff lit, dist;
	static int built;
	if (!built) {
		uint8_t lens[288];
		memset(lens, 8, 144);
		memset(lens + 144, 9, 112);
		memset(lens + 256, 7, 24);
		memset(lens + 280, 8, 8);
		build(&lit, lens, 288);
		memset(lens, 5, 30);
		build(&dist, lens, 30);
		built = 1;
	}
	return codes(s, &lit, &dist);
}

static const char *dynamic(struct stream *s)
{
	static const uint8_t ORDER[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
	static struct huff lit, dist, lencode;
	uint8_t lens[320] = {0};
	unsigned nlen = bits(s, 5) + 257, ndist = bits(s, 5) + 1, ncode = bits(s, 4) + 4;
	if (nlen > 286 || ndist > 30)
		return "bad counts";
	for (unsigned i = 0; i < ncode; i++)
		lens[ORDER[i]] = (uint8_t)bits(s, 3);
	if (build(&lencode, lens, 19) < 0)
		return "bad code lengths code";
	memset(lens, 0, 19);
	for (unsigned i = 0; i < nlen + ndist;) {
		int sym = decode(s, &lencode);
		if (sym < 0)
			return "bad code length";
		if (sym < 16) {
			lens[i++] = (uint8_t)sym;
			continue;
		}
		uint8_t value = 0;
		unsigned repeat;
		if (sym == 16) {
			if (i == 0)
				return "repeat with no length";
			value = lens[i - 1];
			repeat = 3 + bits(s, 2);
		} else {
			repeat = sym == 17 ? 3 + bits(s, 3) : 11 + bits(s, 7);
		}
		if (i + repeat > nlen + ndist)
			return "too many lengths";
		while (repeat--)
			lens[i++] = value;
	}
	if (lens[256] == 0)
		return "no end-of-block code";
	if (build(&lit, lens, nlen) < 0 || build(&dist, lens + nlen, ndist) < 0)
		return "over-subscribed code";
	return codes(s, &lit, &dist);
}

const char *inflate_raw(const uint8_t *in, size_t inlen, uint8_t *out, size_t outlen)
{
	struct stream s = {.p = in, .end = in + inlen, .out = out, .outlen = outlen};
	int last;
	do {
		last = (int)bits(&s, 1);
		unsigned type = bits(&s, 2);
		const char *err = type == 0 ? stored(&s) : type == 1 ? fixed(&s) : type == 2 ? dynamic(&s) : "invalid block type";
		if (err)
			return err;
		if (s.padding * 8 > s.cnt)
			return "truncated data";
	} while (!last);
	return s.pos == outlen ? NULL : "less data than the file's size";
}
