/* SPDX-License-Identifier: GPL-2.0 */
/* BLAKE2b (RFC 7693) with any digest length from 1 to 64 bytes and an
 * optional key: minisign's secret key checksum is a 32-byte BLAKE2b, which
 * OpenSSL 3.0 cannot make (blake2b.c says why). */
#ifndef __APPBAN_BLAKE2B_H
#define __APPBAN_BLAKE2B_H

#include <stddef.h>
#include <stdint.h>

#define BLAKE2B_BLOCK 128
#define BLAKE2B_OUT_MAX 64
#define BLAKE2B_KEY_MAX 64

struct blake2b {
	uint64_t h[8]; /* the chain value */
	uint64_t t[2]; /* bytes compressed so far, a 128-bit counter */
	uint8_t buf[BLAKE2B_BLOCK]; /* input not compressed yet */
	size_t n; /* bytes in buf */
	size_t outlen;
};

/* 0, or -EINVAL for an outlen outside 1..64 or a key longer than 64 bytes. */
int blake2b_init(struct blake2b *s, size_t outlen, const void *key, size_t keylen);
void blake2b_update(struct blake2b *s, const void *in, size_t len);
/* Writes s->outlen bytes to out; s must be initialized again before reuse. */
void blake2b_final(struct blake2b *s, uint8_t *out);
/* All at once. */
int blake2b(uint8_t *out, size_t outlen, const void *key, size_t keylen, const void *in,
	    size_t len);

#endif /* __APPBAN_BLAKE2B_H */
