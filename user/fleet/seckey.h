/* SPDX-License-Identifier: GPL-2.0 */
/* minisign's secret key file (docs/cli.md, "Keys and signatures"): read it
 * (unencrypted, or encrypted with scrypt and a password), write it, make a
 * key pair. Errors as minisign.h says. */
#ifndef __APPBAN_SECKEY_H
#define __APPBAN_SECKEY_H

#include <stddef.h>

#include "fleet/minisign.h"

/* Writes the password of the encrypted secret key `name` into buf (cap
 * bytes with its NUL): 0, -ENODATA when there is none to read, -EMSGSIZE
 * when it is longer than cap - 1, or another negative errno. */
typedef int (*ms_password_fn)(void *ctx, const char *name, char *buf, size_t cap);

/* A secret key file: "untrusted comment: ..." then base64 of "Ed", the key
 * derivation ("\0\0" none; "Sc": scrypt of a password, asked through pw),
 * "B2", salt, scrypt limits, then key id || secret key || checksum, the
 * last three encrypted with "Sc". The checksum and the public half are
 * checked. pw may be NULL: an encrypted key is then refused. */
int ms_seckey_parse(const char *name, const char *text, size_t len, ms_password_fn pw, void *pw_ctx,
		    struct ms_seckey *sk, struct ms_error *e);
int ms_seckey_load(const char *path, ms_password_fn pw, void *pw_ctx, struct ms_seckey *sk,
		   struct ms_error *e);
/* The text of an unencrypted secret key file, for free(). */
int ms_seckey_format(const struct ms_seckey *sk, char **text);
/* Its public key. */
void ms_seckey_public(const struct ms_seckey *sk, struct ms_pubkey *pk);
/* A new key pair: a random key id and Ed25519 key. */
int ms_keygen(struct ms_seckey *sk, struct ms_pubkey *pk, struct ms_error *e);
/* Make a key pair and write it: `path` (the secret key, mode 0600) and
 * path.pub (0644), each written atomically. Existing files are replaced
 * only with `force`; else -EEXIST and nothing is written. On failure
 * nothing is left behind. *pk: the public key written. */
int ms_keygen_files(const char *path, int force, struct ms_pubkey *pk, struct ms_error *e);

#endif /* __APPBAN_SECKEY_H */
