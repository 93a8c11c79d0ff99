// SPDX-License-Identifier: GPL-2.0
/* libcrypto's functions, opened when first needed (crypto_api.h). */
#include <errno.h>

#include "util/crypto_api.h"
#include "util/dl.h"

struct crypto_api cr;

#define SYM(f)                     \
	{                          \
#f, (void **)&cr.f \
	}

static const struct dl_sym crypto_syms[] = {
	SYM(EVP_MD_CTX_new),
	SYM(EVP_MD_CTX_free),
	SYM(EVP_DigestInit_ex),
	SYM(EVP_DigestUpdate),
	SYM(EVP_DigestFinal_ex),
	SYM(EVP_Digest),
	SYM(EVP_sha256),
	SYM(EVP_blake2b512),
	SYM(SHA256),
	SYM(EVP_PKEY_new_raw_private_key),
	SYM(EVP_PKEY_new_raw_public_key),
	SYM(EVP_PKEY_get_raw_private_key),
	SYM(EVP_PKEY_get_raw_public_key),
	SYM(EVP_PKEY_Q_keygen),
	SYM(EVP_PKEY_free),
	SYM(EVP_DigestSignInit),
	SYM(EVP_DigestSign),
	SYM(EVP_DigestVerifyInit),
	SYM(EVP_DigestVerify),
	SYM(EVP_PBE_scrypt),
	SYM(RAND_bytes),
};

static struct dl_lib crypto_lib = {
	.soname = "libcrypto.so.3",
	.package = "libssl3",
	.syms = crypto_syms,
	.n_syms = sizeof(crypto_syms) / sizeof(crypto_syms[0]),
};

int crypto_api_load(void)
{
	return dl_load(&crypto_lib) ? -ELIBACC : 0;
}
