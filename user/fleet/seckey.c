// SPDX-License-Identifier: GPL-2.0
/* minisign's secret key file (seckey.h): read, decrypt, check, write, and a
 * new key pair. The layout is in docs/cli.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleet/blake2b.h"
#include "fleet/minisign_int.h"
#include "fleet/seckey.h"
#include "util/base64.h"
#include "util/crypto_api.h"
#include "util/file.h"

/* The decoded key: algorithm, key derivation, checksum algorithm, scrypt's
 * salt and limits, then the part that "Sc" encrypts: key id, secret key,
 * checksum. */
enum {
	SK_ALG = 0,
	SK_KDF = 2,
	SK_CHKALG = 4,
	SK_SALT = 6,
	SK_OPSLIMIT = 38,
	SK_MEMLIMIT = 46,
	SK_KEYNUM = 54,
	SK_SK = SK_KEYNUM + MS_KEYNUM_LEN,
	SK_CHK = SK_SK + MS_SK_LEN,
	SK_BLOB_LEN = SK_CHK + 32,
	SK_SALT_LEN = SK_OPSLIMIT - SK_SALT,
	SK_SECRET_LEN = SK_BLOB_LEN - SK_KEYNUM, /* what "Sc" encrypts */
};

/* scrypt's cost that appban accepts from a key file: minisign asks for
 * N = 2^20, r = 8, p = 1 (1 GiB) at most; twice as much time at most. */
#define SCRYPT_MEM_MAX (1ULL << 30)
#define SCRYPT_WORK_MAX (1ULL << 24) /* N * r * p */

static uint64_t load64_le(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* BLAKE2b-256 of "Ed" || key id || secret key: minisign's checksum. */
static void checksum(const uint8_t *blob, uint8_t chk[32])
{
	struct blake2b s;

	blake2b_init(&s, 32, NULL, 0);
	blake2b_update(&s, blob + SK_ALG, 2);
	blake2b_update(&s, blob + SK_KEYNUM, MS_KEYNUM_LEN);
	blake2b_update(&s, blob + SK_SK, MS_SK_LEN);
	blake2b_final(&s, chk);
}

/*
 * scrypt's N, r and p from the key's opslimit and memlimit, the way
 * libsodium's crypto_pwhash_scryptsalsa208sha256 turns one into the other
 * (minisign stores its limits): r is 8; when memory is plenty next to
 * operations (opslimit < memlimit / 32), p is 1 and N the largest power of
 * two at most opslimit / (4 r); else N the largest power of two at most
 * memlimit / (128 r), and p what is left of opslimit / 4 for N and r.
 * "Largest" with libsodium's rounding: the first power 2^k above max / 2,
 * k at least 1.
 */
static void scrypt_params(uint64_t opslimit, uint64_t memlimit, uint64_t *n, uint64_t *r,
			  uint64_t *p)
{
	uint64_t max_n, rp;
	int cpu_bound, k;

	if (opslimit < 32768)
		opslimit = 32768;
	*r = 8;
	cpu_bound = opslimit < memlimit / 32;
	max_n = cpu_bound ? opslimit / (*r * 4) : memlimit / (*r * 128);
	for (k = 1; k < 63; k++)
		if ((1ULL << k) > max_n / 2)
			break;
	*n = 1ULL << k;
	if (cpu_bound) {
		*p = 1;
		return;
	}
	rp = opslimit / 4 / *n;
	if (rp > 0x3fffffff)
		rp = 0x3fffffff;
	*p = rp / *r;
}

/* Decrypt the key id, secret key and checksum of an "Sc" key in place. */
static int decrypt(const char *name, uint8_t *blob, ms_password_fn pw, void *pw_ctx,
		   struct ms_error *e)
{
	uint64_t n, r, p, ops = load64_le(blob + SK_OPSLIMIT), mem = load64_le(blob + SK_MEMLIMIT);
	uint8_t stream[SK_SECRET_LEN];
	char pass[MS_PASSWORD_MAX + 1];
	int err, ok, i;

	if (!pw)
		return ms_fail(e, -EINVAL,
			       "%s: the secret key is encrypted and no password can be asked",
			       name);
	/* (before the password is asked for nothing) */
	err = crypto_api_load();
	if (err)
		return ms_fail(e, err,
			       "%s: cannot decrypt the key: libcrypto.so.3 cannot be opened", name);
	scrypt_params(ops, mem, &n, &r, &p);
	if (!p || n > SCRYPT_MEM_MAX / (128 * r) || n * r > SCRYPT_WORK_MAX / p)
		return ms_fail(
			e, -EINVAL,
			"%s: line 2: the key asks for an scrypt cost that appban does not accept (N=%llu, r=%llu, p=%llu: at most 1 GiB and twice minisign's time)",
			name, (unsigned long long)n, (unsigned long long)r, (unsigned long long)p);
	err = pw(pw_ctx, name, pass, sizeof(pass));
	if (err)
		ms_wipe(pass, sizeof(pass));
	if (err == -ENODATA)
		return ms_fail(
			e, err,
			"%s: the key is encrypted and no password came (it is read from standard input)",
			name);
	if (err == -EMSGSIZE)
		return ms_fail(e, err, "%s: password longer than %d bytes", name, MS_PASSWORD_MAX);
	if (err)
		return ms_fail(e, err, "%s: cannot read the password: %s", name, strerror(-err));
	/* maxmem: what OpenSSL's scrypt needs for these N, r, p, exactly */
	ok = cr.EVP_PBE_scrypt(pass, strlen(pass), blob + SK_SALT, SK_SALT_LEN, n, r, p,
			       128 * r * (n + 2 + p), stream, sizeof(stream));
	ms_wipe(pass, sizeof(pass));
	if (ok != 1)
		return ms_fail(
			e, -ENOMEM,
			"%s: cannot derive the key from the password (scrypt needs %llu MiB)", name,
			(unsigned long long)(128 * r * n >> 20));
	for (i = 0; i < SK_SECRET_LEN; i++)
		blob[SK_KEYNUM + i] ^= stream[i];
	ms_wipe(stream, sizeof(stream));
	return 0;
}

int ms_seckey_parse(const char *name, const char *text, size_t len, ms_password_fn pw, void *pw_ctx,
		    struct ms_seckey *sk, struct ms_error *e)
{
	static const uint8_t zero[32];
	uint8_t blob[SK_BLOB_LEN], chk[32], pk[MS_PK_LEN];
	struct ms_line l[8];
	int n, err, extra, encrypted;
	char alg[8];

	n = ms_lines(text, len, l, 8);
	if (n == -E2BIG)
		return ms_fail(e, -EINVAL, "%s: not a minisign secret key (more than 2 lines)",
			       name);
	if (!n)
		return ms_fail(e, -EINVAL, "%s: empty: not a minisign secret key", name);
	if (!ms_starts(&l[0], MS_COMMENT_PREFIX))
		return ms_fail(e, -EINVAL,
			       "%s: line 1: not a minisign secret key (should start with \"%s\")",
			       name, MS_COMMENT_PREFIX);
	if (n < 2)
		return ms_fail(e, -EINVAL, "%s: ends after line 1: the key (line 2) is missing",
			       name);
	extra = ms_blank_after(l, n, 2);
	if (extra)
		return ms_fail(e, -EINVAL, "%s: line %d: text after the key", name, extra + 1);
	err = ms_b64_line(name, &l[1], 2, blob, sizeof(blob), "a minisign secret key", e);
	if (err)
		return err;
	if (memcmp(blob + SK_ALG, "Ed", 2)) {
		ms_alg_str(blob + SK_ALG, alg);
		err = ms_fail(e, -EINVAL,
			      "%s: line 2: not a minisign secret key (algorithm %s, not \"Ed\")",
			      name, alg);
		goto out;
	}
	if (memcmp(blob + SK_CHKALG, "B2", 2)) {
		ms_alg_str(blob + SK_CHKALG, alg);
		err = ms_fail(e, -EINVAL,
			      "%s: line 2: unknown checksum algorithm %s (minisign's is \"B2\")",
			      name, alg);
		goto out;
	}
	encrypted = !memcmp(blob + SK_KDF, "Sc", 2);
	if (!encrypted && memcmp(blob + SK_KDF, "\0\0", 2)) {
		ms_alg_str(blob + SK_KDF, alg);
		err = ms_fail(e, -EINVAL,
			      "%s: line 2: unknown key derivation %s (\"Sc\" for scrypt, or none)",
			      name, alg);
		goto out;
	}
	if (encrypted) {
		err = decrypt(name, blob, pw, pw_ctx, e);
		if (err)
			goto out;
	}
	/* minisign -W leaves the checksum of an unencrypted key zero */
	if (encrypted || memcmp(blob + SK_CHK, zero, sizeof(zero))) {
		checksum(blob, chk);
		if (memcmp(chk, blob + SK_CHK, sizeof(chk))) {
			err = encrypted ?
				      ms_fail(e, -EACCES,
					      "%s: wrong password (the decrypted key's checksum does not match)",
					      name) :
				      ms_fail(e, -EINVAL,
					      "%s: line 2: the key's checksum does not match: the file is damaged",
					      name);
			goto out;
		}
	}
	/* The public half must be the private half's: a damaged key would
	 * make signatures that its public key file never verifies. */
	err = ms_ed25519_public(blob + SK_SK, pk);
	if (err) {
		err = ms_fail(e, err, "%s: cannot read the key: %s", name, strerror(-err));
		goto out;
	}
	if (memcmp(pk, blob + SK_SK + MS_SEED_LEN, MS_PK_LEN)) {
		err = ms_fail(
			e, -EINVAL,
			"%s: line 2: the secret key's two halves do not belong together: the file is damaged",
			name);
		goto out;
	}
	memcpy(sk->keynum, blob + SK_KEYNUM, MS_KEYNUM_LEN);
	memcpy(sk->sk, blob + SK_SK, MS_SK_LEN);
out:
	ms_wipe(blob, sizeof(blob));
	ms_wipe(chk, sizeof(chk));
	return err;
}

int ms_seckey_load(const char *path, ms_password_fn pw, void *pw_ctx, struct ms_seckey *sk,
		   struct ms_error *e)
{
	size_t len;
	char *buf;
	int err;

	err = ms_read(path, &buf, &len, e);
	if (err)
		return err;
	err = ms_seckey_parse(path, buf, len, pw, pw_ctx, sk, e);
	ms_wipe(buf, len);
	free(buf);
	return err;
}

int ms_seckey_format(const struct ms_seckey *sk, char **text)
{
	char b64[BASE64_LEN(SK_BLOB_LEN) + 1];
	uint8_t blob[SK_BLOB_LEN] = { 0 };
	int err = 0;

	/* Not encrypted: no key derivation, salt and limits zero. */
	memcpy(blob + SK_ALG, "Ed", 2);
	memcpy(blob + SK_CHKALG, "B2", 2);
	memcpy(blob + SK_KEYNUM, sk->keynum, MS_KEYNUM_LEN);
	memcpy(blob + SK_SK, sk->sk, MS_SK_LEN);
	checksum(blob, blob + SK_CHK);
	base64_encode(blob, sizeof(blob), b64);
	if (asprintf(text, MS_COMMENT_PREFIX "appban secret key\n%s\n", b64) < 0) {
		*text = NULL;
		err = -ENOMEM;
	}
	ms_wipe(blob, sizeof(blob));
	ms_wipe(b64, sizeof(b64));
	return err;
}

void ms_seckey_public(const struct ms_seckey *sk, struct ms_pubkey *pk)
{
	memcpy(pk->keynum, sk->keynum, MS_KEYNUM_LEN);
	memcpy(pk->pk, sk->sk + MS_SEED_LEN, MS_PK_LEN);
}

int ms_keygen(struct ms_seckey *sk, struct ms_pubkey *pk, struct ms_error *e)
{
	EVP_PKEY *k = NULL;
	size_t n = MS_SEED_LEN, m = MS_PK_LEN;
	int err = crypto_api_load();

	if (err)
		return ms_fail(e, err,
			       "cannot make an Ed25519 key: libcrypto.so.3 cannot be opened");
	if (cr.RAND_bytes(sk->keynum, MS_KEYNUM_LEN) != 1 ||
	    !(k = cr.EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) ||
	    cr.EVP_PKEY_get_raw_private_key(k, sk->sk, &n) != 1 || n != MS_SEED_LEN ||
	    cr.EVP_PKEY_get_raw_public_key(k, sk->sk + MS_SEED_LEN, &m) != 1 || m != MS_PK_LEN)
		err = ms_fail(e, -EIO, "cannot make an Ed25519 key: libcrypto failed");
	cr.EVP_PKEY_free(k);
	if (err) {
		ms_wipe(sk, sizeof(*sk));
		return err;
	}
	ms_seckey_public(sk, pk);
	return 0;
}

int ms_keygen_files(const char *path, int force, struct ms_pubkey *pk, struct ms_error *e)
{
	char *pub_path = NULL, *sk_text = NULL, *pk_text = NULL;
	struct ms_seckey sk;
	struct stat st;
	int err;

	if (asprintf(&pub_path, "%s.pub", path) < 0)
		return ms_fail(e, -ENOMEM, "out of memory");
	/* Said before a key is made; the writes check again, atomically. */
	if (!force && (!lstat(path, &st) || !lstat(pub_path, &st))) {
		err = ms_fail(
			e, -EEXIST,
			"%s exists: not replaced (remove it first, or give --force to replace the key pair)",
			!lstat(path, &st) ? path : pub_path);
		goto out;
	}
	err = ms_keygen(&sk, pk, e);
	if (err)
		goto out;
	err = ms_seckey_format(&sk, &sk_text);
	ms_wipe(&sk, sizeof(sk));
	if (!err)
		err = ms_pubkey_format(pk, &pk_text);
	if (err) {
		err = ms_fail(e, err, "out of memory");
		goto out;
	}
	err = file_write_atomic(path, sk_text, strlen(sk_text), 0600, force);
	if (err) {
		err = ms_fail(e, err, "%s: cannot write the secret key: %s", path, strerror(-err));
		goto out;
	}
	err = file_write_atomic(pub_path, pk_text, strlen(pk_text), 0644, force);
	if (err) {
		/* a secret key without its public key is of no use */
		unlink(path);
		err = ms_fail(e, err, "%s: cannot write the public key: %s (%s not kept)", pub_path,
			      strerror(-err), path);
	}
out:
	if (sk_text) {
		ms_wipe(sk_text, strlen(sk_text));
		free(sk_text);
	}
	free(pk_text);
	free(pub_path);
	return err;
}
