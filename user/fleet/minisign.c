// SPDX-License-Identifier: GPL-2.0
/* minisign's public keys and signatures (minisign.h): parse them, check a
 * file against them, sign. The formats are in docs/cli.md; the secret key
 * file is seckey.c's. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fleet/minisign.h"
#include "fleet/minisign_int.h"
#include "util/base64.h"
#include "util/crypto_api.h"
#include "util/file.h"

#define ALG_LEN 2
#define PUBKEY_BLOB_LEN (ALG_LEN + MS_KEYNUM_LEN + MS_PK_LEN)
#define SIG_BLOB_LEN (ALG_LEN + MS_KEYNUM_LEN + MS_SIG_LEN)
/* Key and signature files are small: a trusted comment of 8 KiB at most. */
#define MS_FILE_MAX (64 * 1024)
/* A legacy signature covers the bytes themselves: minisign's limit. */
#define LEGACY_FILE_MAX (1UL << 30)

int ms_fail(struct ms_error *e, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return err;
}

/* (glibc's, not libcrypto's OPENSSL_cleanse: a wipe on a path that never
 * opened libcrypto, a password refused, must not need it) */
void ms_wipe(void *p, size_t len)
{
	explicit_bzero(p, len);
}

char *ms_sig_path(const char *path)
{
	char *s;

	return asprintf(&s, "%s" MS_SIG_SUFFIX, path) < 0 ? NULL : s;
}

void ms_keynum_str(const uint8_t keynum[MS_KEYNUM_LEN], char out[17])
{
	unsigned long long v = 0;
	int i;

	for (i = MS_KEYNUM_LEN - 1; i >= 0; i--)
		v = v << 8 | keynum[i];
	snprintf(out, 17, "%016llX", v);
}

void ms_alg_str(const uint8_t alg[ALG_LEN], char out[8])
{
	if (alg[0] >= 0x21 && alg[0] < 0x7f && alg[1] >= 0x21 && alg[1] < 0x7f)
		snprintf(out, 8, "\"%c%c\"", alg[0], alg[1]);
	else
		snprintf(out, 8, "%02x%02x", alg[0], alg[1]);
}

int ms_lines(const char *text, size_t len, struct ms_line *l, int max)
{
	const char *p = text, *end = text + len;
	int n = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl ? nl : end;

		if (n == max)
			return -E2BIG;
		l[n].s = p;
		l[n].len = (size_t)(stop - p);
		/* CRLF files (written on Windows) are read as minisign reads them */
		if (l[n].len && p[l[n].len - 1] == '\r')
			l[n].len--;
		n++;
		p = nl ? nl + 1 : end;
	}
	return n;
}

int ms_starts(const struct ms_line *l, const char *prefix)
{
	size_t n = strlen(prefix);

	return l->len >= n && !memcmp(l->s, prefix, n);
}

int ms_blank_after(const struct ms_line *l, int n, int from)
{
	int i;

	for (i = from; i < n; i++)
		if (l[i].len)
			return i;
	return 0;
}

int ms_b64_line(const char *name, const struct ms_line *l, int lineno, uint8_t *out, size_t cap,
		const char *what, struct ms_error *e)
{
	size_t n;

	if (!l->len)
		return ms_fail(e, -EINVAL, "%s: line %d: empty, where %s should be", name, lineno,
			       what);
	if (base64_decode(l->s, l->len, out, cap) == 0)
		return 0;
	n = l->len / 4 * 3;
	if (l->len % 4 == 0 && l->len >= 4 && l->s[l->len - 1] == '=')
		n -= l->s[l->len - 2] == '=' ? 2 : 1;
	if (l->len % 4 == 0 && n != cap)
		return ms_fail(e, -EINVAL, "%s: line %d: not %s (%zu bytes, not %zu)", name, lineno,
			       what, n, cap);
	return ms_fail(e, -EINVAL, "%s: line %d: not %s (bad base64)", name, lineno, what);
}

int ms_read(const char *path, char **buf, size_t *len, struct ms_error *e)
{
	int err = file_read_all(path, MS_FILE_MAX, buf, len);

	if (err == -EFBIG)
		return ms_fail(e, -EINVAL, "%s: larger than %d KiB: not a minisign file", path,
			       MS_FILE_MAX / 1024);
	if (err)
		return ms_fail(e, err, "%s: cannot read: %s", path, strerror(-err));
	return 0;
}

/* ------------------------------------------------------------ Ed25519 */

int ms_ed25519_sign(const uint8_t seed[MS_SEED_LEN], const void *m, size_t len,
		    uint8_t sig[MS_SIG_LEN])
{
	size_t n = MS_SIG_LEN;
	EVP_MD_CTX *c;
	EVP_PKEY *k;
	int err;

	err = crypto_api_load();
	if (err)
		return err;
	k = cr.EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, MS_SEED_LEN);
	c = cr.EVP_MD_CTX_new();
	err = -ENOMEM;
	if (k && c) {
		if (cr.EVP_DigestSignInit(c, NULL, NULL, NULL, k) == 1 &&
		    cr.EVP_DigestSign(c, sig, &n, len ? m : (const void *)"", len) == 1 &&
		    n == MS_SIG_LEN)
			err = 0;
		else
			err = -EIO;
	}
	cr.EVP_MD_CTX_free(c);
	cr.EVP_PKEY_free(k);
	return err;
}

/* 0 when sig is pk's signature of m, else -EBADMSG (a key that is no curve
 * point verifies nothing either); -ENOMEM; -ELIBACC: no libcrypto. */
static int ed25519_verify(const uint8_t pk[MS_PK_LEN], const void *m, size_t len,
			  const uint8_t sig[MS_SIG_LEN])
{
	EVP_MD_CTX *c;
	EVP_PKEY *k;
	int err;

	err = crypto_api_load();
	if (err)
		return err;
	k = cr.EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pk, MS_PK_LEN);
	c = cr.EVP_MD_CTX_new();
	err = -ENOMEM;
	if (c) {
		if (k && cr.EVP_DigestVerifyInit(c, NULL, NULL, NULL, k) == 1 &&
		    cr.EVP_DigestVerify(c, sig, MS_SIG_LEN, len ? m : (const void *)"", len) == 1)
			err = 0;
		else
			err = -EBADMSG;
	}
	cr.EVP_MD_CTX_free(c);
	cr.EVP_PKEY_free(k);
	return err;
}

int ms_ed25519_public(const uint8_t seed[MS_SEED_LEN], uint8_t pk[MS_PK_LEN])
{
	size_t n = MS_PK_LEN;
	EVP_PKEY *k;
	int err;

	err = crypto_api_load();
	if (err)
		return err;
	k = cr.EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, MS_SEED_LEN);
	if (!k)
		return -ENOMEM;
	err = cr.EVP_PKEY_get_raw_public_key(k, pk, &n) == 1 && n == MS_PK_LEN ? 0 : -EIO;
	cr.EVP_PKEY_free(k);
	return err;
}

/* ------------------------------------------------------------ BLAKE2b-512 */

static int hash_buf(const void *m, size_t len, uint8_t out[MS_HASH_LEN])
{
	int err = crypto_api_load();

	if (err)
		return err;
	return cr.EVP_Digest(m, len, out, NULL, cr.EVP_blake2b512(), NULL) == 1 ? 0 : -ENOMEM;
}

/* The prehash of the file at path, read in pieces: a policy of any size. */
static int hash_file(const char *path, uint8_t out[MS_HASH_LEN])
{
	char buf[65536];
	int fd = -1, err;
	EVP_MD_CTX *c;

	err = crypto_api_load();
	if (err)
		return err;
	c = cr.EVP_MD_CTX_new();
	if (!c)
		return -ENOMEM;
	if (cr.EVP_DigestInit_ex(c, cr.EVP_blake2b512(), NULL) != 1) {
		err = -ENOMEM;
		goto out;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			goto out;
		}
		if (!n)
			break;
		if (cr.EVP_DigestUpdate(c, buf, (size_t)n) != 1) {
			err = -ENOMEM;
			goto out;
		}
	}
	err = cr.EVP_DigestFinal_ex(c, out, NULL) == 1 ? 0 : -ENOMEM;
out:
	if (fd >= 0)
		close(fd);
	cr.EVP_MD_CTX_free(c);
	return err;
}

/* ------------------------------------------------------------ public keys */

int ms_pubkey_parse(const char *name, const char *text, size_t len, struct ms_pubkey *pk,
		    struct ms_error *e)
{
	uint8_t blob[PUBKEY_BLOB_LEN];
	struct ms_line l[8];
	char alg[8];
	int n, at, err, extra;

	n = ms_lines(text, len, l, 8);
	if (n == -E2BIG)
		return ms_fail(e, -EINVAL, "%s: not a minisign public key (more than 2 lines)",
			       name);
	if (n == 0)
		return ms_fail(e, -EINVAL, "%s: empty: not a minisign public key", name);
	/* A key file (comment, key), or the key alone as minisign -P takes it. */
	at = ms_starts(&l[0], MS_COMMENT_PREFIX) ? 1 : 0;
	if (at == 1 && n < 2)
		return ms_fail(e, -EINVAL, "%s: ends after line 1: the key (line 2) is missing",
			       name);
	extra = ms_blank_after(l, n, at + 1);
	if (extra && !at)
		return ms_fail(
			e, -EINVAL,
			"%s: line 1: not a minisign public key (should start with \"%s\", or be the key alone)",
			name, MS_COMMENT_PREFIX);
	if (extra)
		return ms_fail(e, -EINVAL,
			       "%s: line %d: not a minisign public key (text after the key)", name,
			       extra + 1);
	err = ms_b64_line(name, &l[at], at + 1, blob, sizeof(blob), "a minisign public key", e);
	if (err)
		return err;
	if (memcmp(blob, "Ed", ALG_LEN)) {
		ms_alg_str(blob, alg);
		return ms_fail(e, -EINVAL,
			       "%s: line %d: not a minisign public key (algorithm %s, not \"Ed\")",
			       name, at + 1, alg);
	}
	memcpy(pk->keynum, blob + ALG_LEN, MS_KEYNUM_LEN);
	memcpy(pk->pk, blob + ALG_LEN + MS_KEYNUM_LEN, MS_PK_LEN);
	return 0;
}

int ms_pubkey_load(const char *path, struct ms_pubkey *pk, struct ms_error *e)
{
	size_t len;
	char *buf;
	int err;

	err = ms_read(path, &buf, &len, e);
	if (err)
		return err;
	err = ms_pubkey_parse(path, buf, len, pk, e);
	free(buf);
	return err;
}

int ms_pubkey_format(const struct ms_pubkey *pk, char **text)
{
	uint8_t blob[PUBKEY_BLOB_LEN];
	char b64[BASE64_LEN(PUBKEY_BLOB_LEN) + 1], id[17];

	memcpy(blob, "Ed", ALG_LEN);
	memcpy(blob + ALG_LEN, pk->keynum, MS_KEYNUM_LEN);
	memcpy(blob + ALG_LEN + MS_KEYNUM_LEN, pk->pk, MS_PK_LEN);
	base64_encode(blob, sizeof(blob), b64);
	ms_keynum_str(pk->keynum, id);
	/* minisign's own words: tools look for them */
	if (asprintf(text, MS_COMMENT_PREFIX "minisign public key %s\n%s\n", id, b64) < 0) {
		*text = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* ------------------------------------------------------------ signatures */

/* Printable text on one line, as minisign wants a trusted comment: tabs and
 * UTF-8 pass, other control characters do not. */
static int printable(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return 0;
	}
	return 1;
}

int ms_sig_parse(const char *name, const char *text, size_t len, struct ms_sig *s,
		 struct ms_error *e)
{
	static const char *const what[] = { "\"" MS_COMMENT_PREFIX "...\"",
					    "the signature (base64)",
					    "\"" MS_TRUSTED_PREFIX "...\"",
					    "the trusted comment's signature (base64)" };
	uint8_t blob[SIG_BLOB_LEN];
	struct ms_line l[8];
	const struct ms_line *tc;
	size_t tlen;
	char alg[8];
	int n, err, extra;

	memset(s, 0, sizeof(*s));
	n = ms_lines(text, len, l, 8);
	if (n == -E2BIG)
		return ms_fail(e, -EINVAL, "%s: not a minisign signature (more than 4 lines)",
			       name);
	if (n < 4)
		return ms_fail(e, -EINVAL,
			       "%s: %s: not a whole minisign signature (line %d should be %s)",
			       name, n ? "ends early" : "empty", n + 1, what[n]);
	extra = ms_blank_after(l, n, 4);
	if (extra)
		return ms_fail(e, -EINVAL, "%s: line %d: text after the signature", name,
			       extra + 1);
	if (!ms_starts(&l[0], MS_COMMENT_PREFIX))
		return ms_fail(e, -EINVAL,
			       "%s: line 1: not a minisign signature (should start with \"%s\")",
			       name, MS_COMMENT_PREFIX);
	err = ms_b64_line(name, &l[1], 2, blob, sizeof(blob), "a minisign signature", e);
	if (err)
		return err;
	if (!memcmp(blob, "ED", ALG_LEN)) {
		s->prehashed = 1;
	} else if (memcmp(blob, "Ed", ALG_LEN)) {
		ms_alg_str(blob, alg);
		return ms_fail(e, -EINVAL,
			       "%s: line 2: unknown signature algorithm %s (\"ED\" or \"Ed\")",
			       name, alg);
	}
	memcpy(s->keynum, blob + ALG_LEN, MS_KEYNUM_LEN);
	memcpy(s->sig, blob + ALG_LEN + MS_KEYNUM_LEN, MS_SIG_LEN);
	tc = &l[2];
	if (!ms_starts(tc, MS_TRUSTED_PREFIX))
		return ms_fail(e, -EINVAL, "%s: line 3: should start with \"%s\"", name,
			       MS_TRUSTED_PREFIX);
	tlen = tc->len - strlen(MS_TRUSTED_PREFIX);
	if (tlen > MS_TRUSTED_MAX)
		return ms_fail(e, -EINVAL, "%s: line 3: trusted comment longer than %d bytes", name,
			       MS_TRUSTED_MAX);
	if (!printable(tc->s + strlen(MS_TRUSTED_PREFIX), tlen))
		return ms_fail(e, -EINVAL,
			       "%s: line 3: the trusted comment has a control character", name);
	memcpy(s->trusted, tc->s + strlen(MS_TRUSTED_PREFIX), tlen);
	s->trusted[tlen] = '\0';
	return ms_b64_line(name, &l[3], 4, s->global_sig, MS_SIG_LEN,
			   "a minisign signature of the trusted comment", e);
}

int ms_sig_load(const char *path, struct ms_sig *s, struct ms_error *e)
{
	size_t len;
	char *buf;
	int err;

	err = ms_read(path, &buf, &len, e);
	if (err)
		return err;
	err = ms_sig_parse(path, buf, len, s, e);
	free(buf);
	return err;
}

/* The signature of the trusted comment covers sig || comment. */
static int global_msg(const struct ms_sig *s, const char *trusted, uint8_t **out, size_t *len)
{
	size_t tlen = strlen(trusted);

	*out = malloc(MS_SIG_LEN + tlen);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, s->sig, MS_SIG_LEN);
	memcpy(*out + MS_SIG_LEN, trusted, tlen);
	*len = MS_SIG_LEN + tlen;
	return 0;
}

/* m: the file's hash when s is prehashed, else its bytes. */
static int verify_parts(const struct ms_pubkey *pk, const struct ms_sig *s, const char *sig_name,
			const char *name, const void *m, size_t len, struct ms_error *e)
{
	char want[17], got[17];
	uint8_t *g;
	size_t glen;
	int err;

	if (memcmp(s->keynum, pk->keynum, MS_KEYNUM_LEN)) {
		ms_keynum_str(s->keynum, got);
		ms_keynum_str(pk->keynum, want);
		return ms_fail(e, -EKEYREJECTED, "signature made with key %s, not with key %s (%s)",
			       got, want, sig_name);
	}
	err = ed25519_verify(pk->pk, m, len, s->sig);
	if (err == -EBADMSG)
		return ms_fail(
			e, err,
			"%s: the signature does not match the file (%s): it was changed after it was signed",
			name, sig_name);
	if (err)
		return ms_fail(e, err, "%s: cannot check the signature: %s", sig_name,
			       strerror(-err));
	err = global_msg(s, s->trusted, &g, &glen);
	if (!err) {
		err = ed25519_verify(pk->pk, g, glen, s->global_sig);
		free(g);
	}
	if (err == -EBADMSG)
		return ms_fail(
			e, err,
			"%s: line 3: the trusted comment does not match its signature: it was changed after signing",
			sig_name);
	if (err)
		return ms_fail(e, err, "%s: cannot check the signature: %s", sig_name,
			       strerror(-err));
	return 0;
}

int ms_verify(const struct ms_pubkey *pk, const struct ms_sig *s, const char *sig_name,
	      const char *name, const void *msg, size_t len, struct ms_error *e)
{
	uint8_t h[MS_HASH_LEN];
	int err;

	if (!s->prehashed)
		return verify_parts(pk, s, sig_name, name, msg, len, e);
	err = hash_buf(msg, len, h);
	if (err)
		return ms_fail(e, err, "%s: cannot hash: %s", name, strerror(-err));
	return verify_parts(pk, s, sig_name, name, h, sizeof(h), e);
}

int ms_verify_file(const struct ms_pubkey *pk, const char *path, const char *sig_path,
		   struct ms_sig *s, struct ms_error *e)
{
	uint8_t h[MS_HASH_LEN];
	size_t len;
	char *buf;
	int err;

	err = ms_sig_load(sig_path, s, e);
	if (err)
		return err;
	if (s->prehashed) {
		err = hash_file(path, h);
		if (err)
			return ms_fail(e, err, "%s: cannot read: %s", path, strerror(-err));
		return verify_parts(pk, s, sig_path, path, h, sizeof(h), e);
	}
	err = file_read_all(path, LEGACY_FILE_MAX, &buf, &len);
	if (err == -EFBIG)
		return ms_fail(
			e, -EINVAL,
			"%s: larger than 1 GiB, too large for a legacy signature (%s): sign it again (prehashed)",
			path, sig_path);
	if (err)
		return ms_fail(e, err, "%s: cannot read: %s", path, strerror(-err));
	err = verify_parts(pk, s, sig_path, path, buf, len, e);
	free(buf);
	return err;
}

/* m: the file's hash when prehashed, else its bytes. */
static int sign_parts(const struct ms_seckey *sk, int prehashed, const void *m, size_t len,
		      const char *trusted, char **text, struct ms_error *e)
{
	char b64[BASE64_LEN(SIG_BLOB_LEN) + 1], gb64[BASE64_LEN(MS_SIG_LEN) + 1];
	uint8_t blob[SIG_BLOB_LEN], *g;
	struct ms_sig s;
	size_t glen;
	int err;

	*text = NULL;
	if (strlen(trusted) > MS_TRUSTED_MAX || !printable(trusted, strlen(trusted)))
		return ms_fail(
			e, -EINVAL,
			"the trusted comment must be one line of printable text of at most %d bytes",
			MS_TRUSTED_MAX);
	memcpy(s.keynum, sk->keynum, MS_KEYNUM_LEN);
	err = ms_ed25519_sign(sk->sk, m, len, s.sig);
	if (!err)
		err = global_msg(&s, trusted, &g, &glen);
	if (!err) {
		err = ms_ed25519_sign(sk->sk, g, glen, s.global_sig);
		free(g);
	}
	if (err)
		return ms_fail(e, err, "cannot sign: %s", strerror(-err));
	memcpy(blob, prehashed ? "ED" : "Ed", ALG_LEN);
	memcpy(blob + ALG_LEN, s.keynum, MS_KEYNUM_LEN);
	memcpy(blob + ALG_LEN + MS_KEYNUM_LEN, s.sig, MS_SIG_LEN);
	base64_encode(blob, sizeof(blob), b64);
	base64_encode(s.global_sig, MS_SIG_LEN, gb64);
	if (asprintf(text,
		     MS_COMMENT_PREFIX "signature from appban secret key\n%s\n" MS_TRUSTED_PREFIX
				       "%s\n%s\n",
		     b64, trusted, gb64) < 0) {
		*text = NULL;
		return ms_fail(e, -ENOMEM, "cannot sign: out of memory");
	}
	return 0;
}

int ms_sign(const struct ms_seckey *sk, const void *msg, size_t len, int prehashed,
	    const char *trusted, char **text, struct ms_error *e)
{
	uint8_t h[MS_HASH_LEN];
	int err;

	if (!prehashed)
		return sign_parts(sk, 0, msg, len, trusted, text, e);
	err = hash_buf(msg, len, h);
	if (err)
		return ms_fail(e, err, "cannot hash: %s", strerror(-err));
	return sign_parts(sk, 1, h, sizeof(h), trusted, text, e);
}

int ms_sign_file(const struct ms_seckey *sk, const char *path, const char *sig_path,
		 struct ms_error *e)
{
	const char *base = strrchr(path, '/');
	uint8_t h[MS_HASH_LEN];
	char *trusted, *text;
	int err;

	err = hash_file(path, h);
	if (err)
		return ms_fail(e, err, "%s: cannot read: %s", path, strerror(-err));
	/* minisign's default trusted comment */
	if (asprintf(&trusted, "timestamp:%lu\tfile:%s\thashed", (unsigned long)time(NULL),
		     base ? base + 1 : path) < 0)
		return ms_fail(e, -ENOMEM, "cannot sign %s: out of memory", path);
	err = sign_parts(sk, 1, h, sizeof(h), trusted, &text, e);
	free(trusted);
	if (err)
		return err;
	err = file_write_atomic(sig_path, text, strlen(text), 0644, 1);
	free(text);
	if (err)
		return ms_fail(e, err, "%s: cannot write: %s", sig_path, strerror(-err));
	return 0;
}
