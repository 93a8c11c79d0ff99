/* SPDX-License-Identifier: GPL-2.0 */
/* minisign's key and signature files (docs/cli.md, "Keys and signatures"):
 * read and check them, sign; Ed25519 and BLAKE2b-512 from OpenSSL's
 * libcrypto, so that Debian's stock minisign and appban read each other's
 * files. The secret key file is seckey.h's. */
#ifndef __APPBAN_MINISIGN_H
#define __APPBAN_MINISIGN_H

#include <stddef.h>
#include <stdint.h>

#define MS_KEYNUM_LEN 8 /* a key's id, random */
#define MS_PK_LEN 32 /* an Ed25519 public key */
#define MS_SEED_LEN 32 /* an Ed25519 private key */
#define MS_SK_LEN 64 /* minisign's secret key: seed || public key */
#define MS_SIG_LEN 64
#define MS_HASH_LEN 64 /* the prehash: BLAKE2b-512 */
/* The longest trusted comment, as minisign reads it (its 8192-byte line
 * less the prefix and the newline). */
#define MS_TRUSTED_MAX 8172
#define MS_SIG_SUFFIX ".minisig"
/* The password of an encrypted secret key, as minisign reads it. */
#define MS_PASSWORD_MAX 1023

/* What went wrong, whole: "FILE: line N: what is wrong (what to do)". */
struct ms_error {
	char msg[1024];
};

struct ms_pubkey {
	uint8_t keynum[MS_KEYNUM_LEN];
	uint8_t pk[MS_PK_LEN];
};

/* A secret key, decrypted (seckey.h reads and writes its file). */
struct ms_seckey {
	uint8_t keynum[MS_KEYNUM_LEN];
	uint8_t sk[MS_SK_LEN];
};

struct ms_sig {
	int prehashed; /* "ED": over the file's BLAKE2b-512; 0: "Ed", its bytes */
	uint8_t keynum[MS_KEYNUM_LEN];
	uint8_t sig[MS_SIG_LEN]; /* of the file (or its hash) */
	uint8_t global_sig[MS_SIG_LEN]; /* of sig || the trusted comment */
	char trusted[MS_TRUSTED_MAX + 1]; /* the trusted comment, NUL-terminated */
};

/* A key id as minisign prints it: the 8 bytes as a little-endian number,
 * 16 uppercase hexadecimal digits. */
void ms_keynum_str(const uint8_t keynum[MS_KEYNUM_LEN], char out[17]);

/*
 * Every function below returns 0 or a negative errno, and on failure says
 * why in *e, naming `name` (the file) and the line where one applies:
 * -EINVAL a file that is not what it should be, -EBADMSG a signature that
 * does not match, -EKEYREJECTED a signature made with another key, -EACCES
 * a wrong password, -ENOMEM, or the -errno of reading or writing a file.
 */

/* A public key file: "untrusted comment: ..." then the key in base64
 * ("Ed" || key id || key); or the base64 key alone (minisign -P). */
int ms_pubkey_parse(const char *name, const char *text, size_t len, struct ms_pubkey *pk,
		    struct ms_error *e);
int ms_pubkey_load(const char *path, struct ms_pubkey *pk, struct ms_error *e);
/* The text of a public key file, as minisign writes it, for free(). */
int ms_pubkey_format(const struct ms_pubkey *pk, char **text);

/* A signature file: "untrusted comment: ...", base64 of the algorithm ("ED"
 * or "Ed") || key id || signature, "trusted comment: TEXT", base64 of the
 * global signature. */
int ms_sig_parse(const char *name, const char *text, size_t len, struct ms_sig *s,
		 struct ms_error *e);
int ms_sig_load(const char *path, struct ms_sig *s, struct ms_error *e);

/* Check s (read from sig_name) against pk for the len bytes at msg (the
 * file `name`): the key id, the signature of the bytes, the trusted
 * comment's signature. */
int ms_verify(const struct ms_pubkey *pk, const struct ms_sig *s, const char *sig_name,
	      const char *name, const void *msg, size_t len, struct ms_error *e);
/* The same for the file at path and the signature file sig_path (read into
 * *s, which holds the trusted comment afterwards). */
int ms_verify_file(const struct ms_pubkey *pk, const char *path, const char *sig_path,
		   struct ms_sig *s, struct ms_error *e);

/* The text of a signature file for the len bytes at msg, for free():
 * prehashed ("ED") or legacy ("Ed"), with the trusted comment `trusted`
 * (printable, one line). */
int ms_sign(const struct ms_seckey *sk, const void *msg, size_t len, int prehashed,
	    const char *trusted, char **text, struct ms_error *e);
/* Sign the file at path (prehashed) into sig_path, replaced atomically,
 * with minisign's default trusted comment: "timestamp:T\tfile:BASENAME\thashed". */
int ms_sign_file(const struct ms_seckey *sk, const char *path, const char *sig_path,
		 struct ms_error *e);

/* PATH.minisig, where a file's signature is, for free(); NULL: no memory. */
char *ms_sig_path(const char *path);

/* Zero a secret key (or anything else) where the compiler cannot skip it. */
void ms_wipe(void *p, size_t len);

#endif /* __APPBAN_MINISIGN_H */
