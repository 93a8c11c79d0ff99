/* SPDX-License-Identifier: GPL-2.0 */
/* What minisign.c offers seckey.c: the lines of a file, base64 lines with
 * their messages, Ed25519, errors. Not for the rest of appban. */
#ifndef __APPBAN_MINISIGN_INT_H
#define __APPBAN_MINISIGN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "fleet/minisign.h"

#define MS_COMMENT_PREFIX "untrusted comment: "
#define MS_TRUSTED_PREFIX "trusted comment: "

struct ms_line {
	const char *s;
	size_t len; /* without "\n" or "\r\n" */
};

/* Fill e->msg from fmt; returns err. */
int ms_fail(struct ms_error *e, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Split text into at most max lines: their number, or -E2BIG. */
int ms_lines(const char *text, size_t len, struct ms_line *l, int max);
/* 1 when the line starts with prefix. */
int ms_starts(const struct ms_line *l, const char *prefix);
/* The index of the first non-empty line from `from` on, or 0 when none. */
int ms_blank_after(const struct ms_line *l, int n, int from);
/* Decode line `lineno` (from 1) of `name` into exactly cap bytes, or say
 * that it is not `what` (bad base64, or how many bytes it holds). */
int ms_b64_line(const char *name, const struct ms_line *l, int lineno, uint8_t *out, size_t cap,
		const char *what, struct ms_error *e);
/* A key or signature file, whole (at most 64 KiB), for free(). */
int ms_read(const char *path, char **buf, size_t *len, struct ms_error *e);
/* An algorithm's two bytes for a message: "Ed", or hex when not printable. */
void ms_alg_str(const uint8_t alg[2], char out[8]);

int ms_ed25519_sign(const uint8_t seed[MS_SEED_LEN], const void *m, size_t len,
		    uint8_t sig[MS_SIG_LEN]);
/* The public key of a private key (seed). */
int ms_ed25519_public(const uint8_t seed[MS_SEED_LEN], uint8_t pk[MS_PK_LEN]);

#endif /* __APPBAN_MINISIGN_INT_H */
