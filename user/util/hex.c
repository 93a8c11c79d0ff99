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
	__u8 d[SHA256_LEN];
	size_t i;

	for (i = 0; i < len && i < 64; i += 2) {
		unsigned int hi = hex1[(unsigned char)s[i]], lo;

		if (!hi)
			goto bad;
		if (i + 1 == len)
			break; /* odd length: too short */
		lo = hex1[(unsigned char)s[i + 1]];
		if (!lo) {
			i++;
			goto bad;
		}
		d[i / 2] = (__u8)((hi - 1) << 4 | (lo - 1));
	}
	if (len != 64) {
		i = len < 64 ? len : 64; /* too short, or too long */
		goto bad;
	}
	memcpy(sha256, d, sizeof(d));
	return 0;
bad:
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
