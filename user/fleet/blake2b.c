// SPDX-License-Identifier: GPL-2.0
/* BLAKE2b, written from RFC 7693 (sections 2 and 3). OpenSSL 3.0 has
 * BLAKE2b-512 only: its digest takes no output length ("size" and "xoflen"
 * are refused before 3.2) and its BLAKE2BMAC, which takes one, refuses an
 * empty key. A shorter BLAKE2b is not a truncated BLAKE2b-512 (the length is
 * in the parameter block), so minisign's 32-byte checksum needs this. */
#include <errno.h>
#include <string.h>

#include "fleet/blake2b.h"

/* The initialization vector: SHA-512's (RFC 7693, 2.6). */
static const uint64_t iv[8] = {
	0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
	0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL,
};

/* The message schedule of each round (RFC 7693, 2.7); rounds 10 and 11
 * take rows 0 and 1 again. */
static const uint8_t sigma[10][16] = {
	{ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 },
	{ 14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3 },
	{ 11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4 },
	{ 7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8 },
	{ 9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13 },
	{ 2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9 },
	{ 12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11 },
	{ 13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10 },
	{ 6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5 },
	{ 10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0 },
};

static uint64_t rotr64(uint64_t x, unsigned int n)
{
	return (x >> n) | (x << (64 - n));
}

static uint64_t load64_le(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* The mixing function G (RFC 7693, 3.1), rotations 32, 24, 16, 63. */
static void mix(uint64_t v[16], int a, int b, int c, int d, uint64_t x, uint64_t y)
{
	v[a] = v[a] + v[b] + x;
	v[d] = rotr64(v[d] ^ v[a], 32);
	v[c] = v[c] + v[d];
	v[b] = rotr64(v[b] ^ v[c], 24);
	v[a] = v[a] + v[b] + y;
	v[d] = rotr64(v[d] ^ v[a], 16);
	v[c] = v[c] + v[d];
	v[b] = rotr64(v[b] ^ v[c], 63);
}

/* The compression function F (RFC 7693, 3.2) on s->buf. */
static void compress(struct blake2b *s, int last)
{
	uint64_t v[16], m[16];
	int i, r;

	for (i = 0; i < 16; i++)
		m[i] = load64_le(s->buf + 8 * i);
	for (i = 0; i < 8; i++) {
		v[i] = s->h[i];
		v[i + 8] = iv[i];
	}
	v[12] ^= s->t[0];
	v[13] ^= s->t[1];
	if (last)
		v[14] = ~v[14];
	for (r = 0; r < 12; r++) {
		const uint8_t *z = sigma[r % 10];

		mix(v, 0, 4, 8, 12, m[z[0]], m[z[1]]);
		mix(v, 1, 5, 9, 13, m[z[2]], m[z[3]]);
		mix(v, 2, 6, 10, 14, m[z[4]], m[z[5]]);
		mix(v, 3, 7, 11, 15, m[z[6]], m[z[7]]);
		mix(v, 0, 5, 10, 15, m[z[8]], m[z[9]]);
		mix(v, 1, 6, 11, 12, m[z[10]], m[z[11]]);
		mix(v, 2, 7, 8, 13, m[z[12]], m[z[13]]);
		mix(v, 3, 4, 9, 14, m[z[14]], m[z[15]]);
	}
	for (i = 0; i < 8; i++)
		s->h[i] ^= v[i] ^ v[i + 8];
}

static void count(struct blake2b *s, size_t n)
{
	s->t[0] += n;
	if (s->t[0] < n)
		s->t[1]++;
}

int blake2b_init(struct blake2b *s, size_t outlen, const void *key, size_t keylen)
{
	int i;

	if (!outlen || outlen > BLAKE2B_OUT_MAX || keylen > BLAKE2B_KEY_MAX)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	for (i = 0; i < 8; i++)
		s->h[i] = iv[i];
	/* The parameter block's first word: digest length, key length,
	 * fanout 1, depth 1 (RFC 7693, 2.5). */
	s->h[0] ^= 0x01010000ULL ^ (uint64_t)keylen << 8 ^ outlen;
	s->outlen = outlen;
	/* A key is a first block of its own, padded with zeros. */
	if (keylen) {
		memcpy(s->buf, key, keylen);
		s->n = BLAKE2B_BLOCK;
	}
	return 0;
}

void blake2b_update(struct blake2b *s, const void *in, size_t len)
{
	const uint8_t *p = in;

	while (len) {
		size_t k;

		/* The last block is compressed by final, with its flag: a full
		 * buffer waits until more input shows that it is not the last. */
		if (s->n == BLAKE2B_BLOCK) {
			count(s, BLAKE2B_BLOCK);
			compress(s, 0);
			s->n = 0;
		}
		k = BLAKE2B_BLOCK - s->n;
		if (k > len)
			k = len;
		memcpy(s->buf + s->n, p, k);
		s->n += k;
		p += k;
		len -= k;
	}
}

void blake2b_final(struct blake2b *s, uint8_t *out)
{
	size_t i;

	count(s, s->n);
	memset(s->buf + s->n, 0, BLAKE2B_BLOCK - s->n);
	compress(s, 1);
	for (i = 0; i < s->outlen; i++)
		out[i] = (uint8_t)(s->h[i / 8] >> (8 * (i % 8)));
	memset(s, 0, sizeof(*s));
}

int blake2b(uint8_t *out, size_t outlen, const void *key, size_t keylen, const void *in, size_t len)
{
	struct blake2b s;
	int err;

	err = blake2b_init(&s, outlen, key, keylen);
	if (err)
		return err;
	blake2b_update(&s, in, len);
	blake2b_final(&s, out);
	return 0;
}
