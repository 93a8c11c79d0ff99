/* SPDX-License-Identifier: GPL-2.0 */
/* Base64 (RFC 4648, the standard alphabet, padded), as minisign's key and
 * signature files hold their binary parts. */
#ifndef __APPBAN_BASE64_H
#define __APPBAN_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Characters that base64_encode writes for len bytes, without the NUL. */
#define BASE64_LEN(len) (((len) + 2) / 3 * 4)

/* BASE64_LEN(len) characters and a NUL into out. */
void base64_encode(const void *in, size_t len, char *out);
/* Exactly `cap` (at least 1) bytes from the `len` characters at s: 0, or -EINVAL when s
 * is not canonical padded base64 (a character outside the alphabet, a
 * length not a multiple of 4, padding before the end, bits left over) or
 * does not hold exactly cap bytes. */
int base64_decode(const char *s, size_t len, uint8_t *out, size_t cap);

#endif /* __APPBAN_BASE64_H */
