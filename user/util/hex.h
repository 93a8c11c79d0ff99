/* SPDX-License-Identifier: GPL-2.0 */
/* SHA-256 digests to and from hexadecimal text. */
#ifndef __APPBAN_HEX_H
#define __APPBAN_HEX_H

#include <stddef.h>
#include <linux/types.h>

#define SHA256_LEN 32

/* 64 hexadecimal digits, either case, exactly len bytes. 0, or -EINVAL with
 * *bad_pos (when not NULL) at the first digit that is wrong or missing. */
int sha256_from_hex(const char *s, size_t len, __u8 sha256[SHA256_LEN], size_t *bad_pos);
/* 64 lowercase digits and a NUL. */
void sha256_to_hex(const __u8 sha256[SHA256_LEN], char hex[65]);

#endif /* __APPBAN_HEX_H */
