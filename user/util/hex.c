// SPDX-License-Identifier: GPL-2.0
/* SHA-256 digests as hexadecimal text, for the policy compiler, the scan and
 * the event formats alike. */
#include <errno.h>
#include <string.h>

#include "util/hex.h"

/* Value + 1 of a hex digit, 0 for any other byte: a table, as the digits of
 * a digest are random and range tests mispredict (10,000 digests in a large
 * policy). */
#define H(c, v) [c] = (v) + 1
static const unsigned char hex1[256] = {
	H('0', 0),  H('1', 1),	H('2', 2),  H('3', 3),	H('4', 4),  H('5', 5),
	H('6', 6),  H('7', 7),	H('8', 8),  H('9', 9),	H('a', 10), H('b', 11),
	H('c', 12), H('d', 13), H('e', 14), H('f', 15), H('A', 10), H('B', 11),
	H('C', 12), H('D', 13), H('E', 14), H('F', 15),
};
#undef H

int sha256_from_hex(const char *s, size_t len, __u8 sha256[SHA256_LEN], size_t *bad_pos)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned int hi, lo, bad = 0;
	__u8 d[SHA256_LEN];
	size_t i;

	/* The good case first, without a branch per digit: a bad one is 0 in
	 * the table, all ones less one, which sets bits above the 4 of a
	 * digit (10,000 digests in a large policy). */
	if (len == 64) {
		for (i = 0; i < SHA256_LEN; i++) {
			hi = hex1[u[2 * i]] - 1u;
			lo = hex1[u[2 * i + 1]] - 1u;
			bad |= hi | lo;
			d[i] = (__u8)(hi << 4 | (lo & 15));
		}
		if (!(bad & ~15u)) {
			memcpy(sha256, d, sizeof(d));
			return 0;
		}
	}
	/* Where it is wrong, for the message: the first bad digit, else the
	 * end of a short one or the 65th character of a long one. */
	for (i = 0; i < len && i < 64; i++)
		if (!hex1[u[i]])
			break;
	if (bad_pos)
		*bad_pos = i;
	return -EINVAL;
}

void sha256_to_hex(const __u8 sha256[SHA256_LEN], char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	int i;

	for (i = 0; i < SHA256_LEN; i++) {
		hex[2 * i] = digits[sha256[i] >> 4];
		hex[2 * i + 1] = digits[sha256[i] & 15];
	}
	hex[64] = '\0';
}
