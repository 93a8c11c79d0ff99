// SPDX-License-Identifier: GPL-2.0
/* Base64 for minisign's files: strict when decoding, so that one key or
 * signature has one spelling (no whitespace, no missing padding, no bits
 * left over), as every minisign implementation writes it. */
#include <errno.h>

#include "util/base64.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void base64_encode(const void *in, size_t len, char *out)
{
	const uint8_t *p = in;
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		*out++ = alphabet[v >> 18];
		*out++ = alphabet[(v >> 12) & 63];
		*out++ = alphabet[(v >> 6) & 63];
		*out++ = alphabet[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0);

		*out++ = alphabet[v >> 18];
		*out++ = alphabet[(v >> 12) & 63];
		*out++ = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
		*out++ = '=';
	}
	*out = '\0';
}

/* The value of a base64 digit, or -1. */
static int digit(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int base64_decode(const char *s, size_t len, uint8_t *out, size_t cap)
{
	size_t i, n = 0, pad = 0;

	if (!len || len % 4)
		return -EINVAL;
	if (s[len - 1] == '=')
		pad = s[len - 2] == '=' ? 2 : 1;
	if (len / 4 * 3 - pad != cap)
		return -EINVAL;
	for (i = 0; i < len; i += 4) {
		int d[4], k, last = i + 4 == len;
		uint32_t v = 0;

		for (k = 0; k < 4; k++) {
			d[k] = digit(s[i + k]);
			/* '=' only as the padding of the last group */
			if (d[k] < 0 && !(last && s[i + k] == '=' && k >= 4 - (int)pad))
				return -EINVAL;
			v = v << 6 | (uint32_t)(d[k] < 0 ? 0 : d[k]);
		}
		/* bits that no byte holds must be zero */
		if (last && pad && (v & (pad == 2 ? 0xffff : 0xff)))
			return -EINVAL;
		out[n++] = (uint8_t)(v >> 16);
		if (n < cap)
			out[n++] = (uint8_t)(v >> 8);
		if (n < cap)
			out[n++] = (uint8_t)v;
	}
	return 0;
}
