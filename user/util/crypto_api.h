/* SPDX-License-Identifier: GPL-2.0 */
/* OpenSSL's libcrypto, opened when first needed (util/dl.h), not at every
 * start: it is 4.6 MB that the dynamic loader maps and relocates before
 * main(), and a load of an unsigned policy of path rules needs none of it
 * before its ban is in force. Its functions through this table: SHA-256 of
 * files (content rules: the walk, the watch, starts the kernel could not
 * check) and of policies (anti-rollback), Ed25519, BLAKE2b-512 and scrypt
 * (signed policies, keys, `sign`, `verify`, `keygen`).
 *
 * Every function that calls through `cr` calls crypto_api_load first (or
 * is only reached after its caller did) and fails when it fails: a missing
 * libcrypto never skips a hash or a signature check. The headers of
 * libssl-dev give the types and constants; nothing links libcrypto. */
#ifndef __APPBAN_UTIL_CRYPTO_API_H
#define __APPBAN_UTIL_CRYPTO_API_H

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

/* Each member has the type of the function it is named after. */
#define CRYPTO_FN(f) __typeof__(f) *f
struct crypto_api {
	CRYPTO_FN(EVP_MD_CTX_new);
	CRYPTO_FN(EVP_MD_CTX_free);
	CRYPTO_FN(EVP_DigestInit_ex);
	CRYPTO_FN(EVP_DigestUpdate);
	CRYPTO_FN(EVP_DigestFinal_ex);
	CRYPTO_FN(EVP_Digest);
	CRYPTO_FN(EVP_sha256);
	CRYPTO_FN(EVP_blake2b512);
	CRYPTO_FN(SHA256);
	CRYPTO_FN(EVP_PKEY_new_raw_private_key);
	CRYPTO_FN(EVP_PKEY_new_raw_public_key);
	CRYPTO_FN(EVP_PKEY_get_raw_private_key);
	CRYPTO_FN(EVP_PKEY_get_raw_public_key);
	CRYPTO_FN(EVP_PKEY_Q_keygen);
	CRYPTO_FN(EVP_PKEY_free);
	CRYPTO_FN(EVP_DigestSignInit);
	CRYPTO_FN(EVP_DigestSign);
	CRYPTO_FN(EVP_DigestVerifyInit);
	CRYPTO_FN(EVP_DigestVerify);
	CRYPTO_FN(EVP_PBE_scrypt);
	CRYPTO_FN(RAND_bytes);
};
#undef CRYPTO_FN

/* Filled by crypto_api_load. */
extern struct crypto_api cr;

/* Open libcrypto.so.3 once (thread-safe; later calls are a mutex and a
 * load). 0, or -ELIBACC after an error that names the library and the
 * Debian package (libssl3). */
int crypto_api_load(void);

#endif /* __APPBAN_UTIL_CRYPTO_API_H */
