// SPDX-License-Identifier: GPL-2.0
/* Unit tests of minisign.c and seckey.c: files made once by Debian's stock
 * minisign 0.11 (known answers, so that the tests need no minisign), round
 * trips, and every kind of damaged, truncated or foreign file refused with
 * a message that names the file and says what is wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleet/minisign.h"
#include "fleet/seckey.h"
#include "util/base64.h"
#include "util/file.h"

/* ---------------------------------------------------------------- known answers
 * minisign -G -W -p kat.pub -s kat.key
 * minisign -S -s kat.key -m msg.policy -t 'appban known answer'
 * minisign -S -l -s kat.key -m msg.policy -x msg.legacy.minisig
 */
static const char kat_msg[] = "policy \"kat\"\nserial 7\napp x {\n    name x\n    deny exec\n}\n";
static const char kat_pub[] = "untrusted comment: minisign public key BDF22BB7F8419FEF\n"
			      "RWTvn0H4tyvyvU/TUQeC3WSgQAwYzrbHWOJfolDZCiyBICGRERbbae3N\n";
static const char kat_pub_b64[] = "RWTvn0H4tyvyvU/TUQeC3WSgQAwYzrbHWOJfolDZCiyBICGRERbbae3N";
static const char kat_key[] =
	"untrusted comment: minisign encrypted secret key\n"
	"RWQAAEIyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA759B+Lcr8r3/"
	"82PpNJ4nAlo1g9cHhrfijOh5FH0YC4XP93f5n0pBVE/TUQeC3WSgQAwYzrbHWOJfolDZCiyBICGRERbbae3N"
	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
static const char kat_sig[] =
	"untrusted comment: signature from minisign secret key\n"
	"RUTvn0H4tyvyvXFTHqf8+Pz0bjOqdb0OTjkale+aGWaHlBdPyHZ61w4TtECLuLL13gnnO1LTHFw0jSE8n2lk258zsd68OOZSKwY=\n"
	"trusted comment: appban known answer\n"
	"O181WWXVFCqckg03oPIqSesB8PTsXkzJKzYTPSJlwSdSXrXEAjWB0cYLUNQhKvnezpBNq/8RfxxJWgp3dTN0AQ==\n";
static const char kat_legacy_sig[] =
	"untrusted comment: signature from minisign secret key\n"
	"RWTvn0H4tyvyvcqChomjCeP6TqAhgPdJ/1ITNxg5b4KiL4/HbjMpxg3n3PBcvjdlLwVPyB86HOD/IJLDvHXvcOfoDNju3hEbyAU=\n"
	"trusted comment: timestamp:1796596481\tfile:msg.policy\n"
	"0AxIhMR86O+FJyRIrFKKpX0VbKXbx/LMivpSUciVGF1H8Kxb7zuRP1/3EMZL8OUt0qtQErabYTLm03qKUuBtAA==\n";
/* kat.key encrypted ("Sc") with libsodium's crypto_pwhash_scryptsalsa208sha256
 * itself, at costs small enough for a unit test, one for each way libsodium
 * turns opslimit and memlimit into scrypt's N, r, p; minisign -S signs
 * with both. enc1: opslimit 2^15, memlimit 16 MiB (p = 1, N = 2^10);
 * enc2: opslimit 2^20, memlimit 16 MiB (N = 2^14, p = 2). */
static const char enc1_key[] =
	"untrusted comment: minisign encrypted secret key\n"
	"RWRTY0IyAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8AgAAAAAAAAAAAAAEAAAAA8D51cOOqeCOxY1Q5"
	"ddbwmaI7ZBvPE9P7Fb/bs/5LJAVyzOCURm/EkCCkzE3YK4Dn1lYs8CjQZoiQtmUexD237r2MXyR3s67mguBcGzJC"
	"JegpLpC72Fc2xw/4AzHfKAGRt3wKB3rY2io=\n";
static const char enc2_key[] =
	"untrusted comment: minisign encrypted secret key\n"
	"RWRTY0IyZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1+f4CBgoMAABAAAAAAAAAAAAEAAAAAu2RJMroiq14tQKyU"
	"moyqwxJUsBi0Xj6OiRDiuxUu5PH8QFfaGVV2bvhhnu246yE+8piMKDW9FVPitvcRtj0H+hN2r49AJBN1TYc+GroE"
	"h8KVpA2Ykd+neA7hMeTj3aacR6+6m9OetrY=\n";

/* The secret key's blob: where seckey.c's fields are (docs/cli.md). */
enum { SK_KDF = 2, SK_CHKALG = 4, SK_OPSLIMIT = 38, SK_MEMLIMIT = 46, SK_SK = 62, SK_CHK = 126 };
#define SK_BLOB_LEN 158

static int find(const char *haystack, const char *needle)
{
	if (strstr(haystack, needle))
		return 1;
	print_error("\"%s\" not in \"%s\"\n", needle, haystack);
	return 0;
}

struct pw {
	const char *password;
	int err;
	int calls;
};

static int give_password(void *ctx, const char *name, char *buf, size_t cap)
{
	struct pw *p = ctx;

	(void)name;
	p->calls++;
	if (p->err)
		return p->err;
	snprintf(buf, cap, "%s", p->password);
	return 0;
}

static void kat_keys(struct ms_pubkey *pk, struct ms_seckey *sk)
{
	struct ms_error e;

	assert_int_equal(ms_pubkey_parse("kat.pub", kat_pub, strlen(kat_pub), pk, &e), 0);
	if (sk)
		assert_int_equal(ms_seckey_parse("kat.key", kat_key, strlen(kat_key), NULL, NULL,
						 sk, &e),
				 0);
}

/* The second line (the key) of a key file, decoded, and back. */
static void key_blob(const char *text, uint8_t *blob)
{
	const char *b = strchr(text, '\n') + 1;

	assert_int_equal(base64_decode(b, strcspn(b, "\n"), blob, SK_BLOB_LEN), 0);
}

static char *key_text(const uint8_t *blob)
{
	char b64[BASE64_LEN(SK_BLOB_LEN) + 1], *t;

	base64_encode(blob, SK_BLOB_LEN, b64);
	assert_true(asprintf(&t, "untrusted comment: test\n%s\n", b64) > 0);
	return t;
}

/* text with `from` replaced by `to` (once), for free(). */
static char *replace(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	char *out;

	assert_non_null(at);
	assert_true(asprintf(&out, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from)) > 0);
	return out;
}

/* ---------------------------------------------------------------- known answers */

static void test_kat_pubkey_and_key_id(void **state)
{
	struct ms_pubkey pk, bare;
	struct ms_error e;
	char id[17];

	(void)state;
	kat_keys(&pk, NULL);
	ms_keynum_str(pk.keynum, id);
	/* as minisign printed it in the comment */
	assert_string_equal(id, "BDF22BB7F8419FEF");
	/* the key alone, as minisign -P takes it, with or without a newline */
	assert_int_equal(ms_pubkey_parse("-P", kat_pub_b64, strlen(kat_pub_b64), &bare, &e), 0);
	assert_memory_equal(&bare, &pk, sizeof(pk));
	assert_int_equal(
		ms_pubkey_parse("p", "RWTvn0H4tyvyvU/TUQeC3WSgQAwYzrbHWOJfolDZCiyBICGRERbbae3N\n",
				57, &bare, &e),
		0);
	assert_memory_equal(&bare, &pk, sizeof(pk));
}

static void test_keynum_is_printed_little_endian(void **state)
{
	static const uint8_t k[8] = { 1, 2, 3, 4, 5, 6, 7, 0xab };
	char id[17];

	(void)state;
	ms_keynum_str(k, id);
	assert_string_equal(id, "AB07060504030201");
}

static void test_kat_prehashed_signature_verifies(void **state)
{
	struct ms_pubkey pk;
	struct ms_error e;
	struct ms_sig s;

	(void)state;
	kat_keys(&pk, NULL);
	assert_int_equal(ms_sig_parse("msg.policy.minisig", kat_sig, strlen(kat_sig), &s, &e), 0);
	assert_true(s.prehashed);
	assert_string_equal(s.trusted, "appban known answer");
	assert_int_equal(ms_verify(&pk, &s, "msg.policy.minisig", "msg.policy", kat_msg,
				   strlen(kat_msg), &e),
			 0);
}

static void test_kat_legacy_signature_verifies(void **state)
{
	struct ms_pubkey pk;
	struct ms_error e;
	struct ms_sig s;

	(void)state;
	kat_keys(&pk, NULL);
	assert_int_equal(ms_sig_parse("l.minisig", kat_legacy_sig, strlen(kat_legacy_sig), &s, &e),
			 0);
	assert_false(s.prehashed);
	assert_string_equal(s.trusted, "timestamp:1796596481\tfile:msg.policy");
	assert_int_equal(
		ms_verify(&pk, &s, "l.minisig", "msg.policy", kat_msg, strlen(kat_msg), &e), 0);
}

/* Ed25519 is deterministic: the same key, bytes and comment give minisign's
 * very signature, prehashed and legacy. */
static void test_kat_sign_gives_minisigns_signature(void **state)
{
	struct ms_seckey sk;
	struct ms_pubkey pk;
	struct ms_error e;
	char *text;

	(void)state;
	kat_keys(&pk, &sk);
	assert_int_equal(
		ms_sign(&sk, kat_msg, strlen(kat_msg), 1, "appban known answer", &text, &e), 0);
	assert_string_equal(strchr(text, '\n'), strchr(kat_sig, '\n'));
	assert_true(find(text, "untrusted comment: signature from appban secret key\n"));
	free(text);
	assert_int_equal(ms_sign(&sk, kat_msg, strlen(kat_msg), 0,
				 "timestamp:1796596481\tfile:msg.policy", &text, &e),
			 0);
	assert_string_equal(strchr(text, '\n'), strchr(kat_legacy_sig, '\n'));
	free(text);
}

static void test_kat_encrypted_keys_decrypt(void **state)
{
	struct pw p1 = { .password = "correct horse" }, p2 = { .password = "battery staple" };
	struct ms_seckey plain, sk;
	struct ms_pubkey pk;
	struct ms_error e;

	(void)state;
	kat_keys(&pk, &plain);
	assert_int_equal(ms_seckey_parse("enc1.key", enc1_key, strlen(enc1_key), give_password, &p1,
					 &sk, &e),
			 0);
	assert_memory_equal(&sk, &plain, sizeof(sk));
	assert_int_equal(p1.calls, 1);
	assert_int_equal(ms_seckey_parse("enc2.key", enc2_key, strlen(enc2_key), give_password, &p2,
					 &sk, &e),
			 0);
	assert_memory_equal(&sk, &plain, sizeof(sk));
}

static void test_encrypted_key_wrong_or_no_password(void **state)
{
	struct pw wrong = { .password = "battery staple" }, none = { .err = -ENODATA },
		  big = { .err = -EMSGSIZE };
	struct ms_seckey sk;
	struct ms_error e;

	(void)state;
	assert_int_equal(ms_seckey_parse("enc1.key", enc1_key, strlen(enc1_key), give_password,
					 &wrong, &sk, &e),
			 -EACCES);
	assert_true(find(e.msg, "enc1.key: wrong password"));
	assert_int_equal(ms_seckey_parse("enc1.key", enc1_key, strlen(enc1_key), give_password,
					 &none, &sk, &e),
			 -ENODATA);
	assert_true(find(e.msg, "enc1.key: the key is encrypted and no password came"));
	assert_int_equal(ms_seckey_parse("enc1.key", enc1_key, strlen(enc1_key), give_password,
					 &big, &sk, &e),
			 -EMSGSIZE);
	assert_true(find(e.msg, "password longer than"));
	assert_int_equal(ms_seckey_parse("enc1.key", enc1_key, strlen(enc1_key), NULL, NULL, &sk,
					 &e),
			 -EINVAL);
	assert_true(find(e.msg, "enc1.key: the secret key is encrypted"));
}

/* A key file that asks scrypt for more than minisign ever does is refused
 * before the password is asked and before any memory is taken. */
static void test_encrypted_key_cost_limited(void **state)
{
	struct pw p = { .password = "correct horse" };
	uint8_t blob[SK_BLOB_LEN];
	struct ms_seckey sk;
	struct ms_error e;
	char *t;

	(void)state;
	key_blob(enc1_key, blob);
	memset(blob + SK_OPSLIMIT, 0, 16);
	blob[SK_OPSLIMIT + 5] = 1; /* 2^40 */
	blob[SK_MEMLIMIT + 5] = 1;
	t = key_text(blob);
	assert_int_equal(ms_seckey_parse("big.key", t, strlen(t), give_password, &p, &sk, &e),
			 -EINVAL);
	assert_true(find(e.msg, "big.key: line 2: the key asks for an scrypt cost"));
	assert_int_equal(p.calls, 0);
	free(t);
}

/* ---------------------------------------------------------------- round trips */

static void test_roundtrip_keygen_sign_verify(void **state)
{
	struct ms_seckey sk, sk2;
	struct ms_pubkey pk, pk2;
	struct ms_error e;
	char *skt, *pkt, *sig;
	struct ms_sig s;
	int prehashed;

	(void)state;
	assert_int_equal(ms_keygen(&sk, &pk, &e), 0);
	assert_int_equal(ms_seckey_format(&sk, &skt), 0);
	assert_int_equal(ms_pubkey_format(&pk, &pkt), 0);
	assert_int_equal(ms_seckey_parse("k", skt, strlen(skt), NULL, NULL, &sk2, &e), 0);
	assert_int_equal(ms_pubkey_parse("k.pub", pkt, strlen(pkt), &pk2, &e), 0);
	assert_memory_equal(&sk, &sk2, sizeof(sk));
	assert_memory_equal(&pk, &pk2, sizeof(pk));
	assert_true(find(pkt, "untrusted comment: minisign public key "));
	for (prehashed = 0; prehashed < 2; prehashed++) {
		assert_int_equal(ms_sign(&sk, "hello", 5, prehashed, "c", &sig, &e), 0);
		assert_int_equal(ms_sig_parse("h.minisig", sig, strlen(sig), &s, &e), 0);
		assert_int_equal(s.prehashed, prehashed);
		assert_int_equal(ms_verify(&pk2, &s, "h.minisig", "h", "hello", 5, &e), 0);
		/* the empty file too */
		free(sig);
		assert_int_equal(ms_sign(&sk, "", 0, prehashed, "", &sig, &e), 0);
		assert_int_equal(ms_sig_parse("e.minisig", sig, strlen(sig), &s, &e), 0);
		assert_int_equal(ms_verify(&pk2, &s, "e.minisig", "e", "", 0, &e), 0);
		free(sig);
	}
	free(skt);
	free(pkt);
}

/* Two keys are never the same (random id and key). */
static void test_keygen_makes_new_keys(void **state)
{
	struct ms_seckey a, b;
	struct ms_pubkey pa, pb;
	struct ms_error e;

	(void)state;
	assert_int_equal(ms_keygen(&a, &pa, &e), 0);
	assert_int_equal(ms_keygen(&b, &pb, &e), 0);
	assert_memory_not_equal(a.keynum, b.keynum, MS_KEYNUM_LEN);
	assert_memory_not_equal(a.sk, b.sk, MS_SK_LEN);
	assert_memory_equal(pa.pk, a.sk + 32, MS_PK_LEN);
}

/* ---------------------------------------------------------------- refusals */

static void test_tampered_file_refused(void **state)
{
	const char *sigs[] = { kat_sig, kat_legacy_sig };
	struct ms_pubkey pk;
	struct ms_error e;
	struct ms_sig s;
	char msg[sizeof(kat_msg)];
	int i;

	(void)state;
	kat_keys(&pk, NULL);
	for (i = 0; i < 2; i++) {
		assert_int_equal(ms_sig_parse("x.minisig", sigs[i], strlen(sigs[i]), &s, &e), 0);
		memcpy(msg, kat_msg, sizeof(msg));
		msg[20] ^= 1; /* serial 7 -> serial 6 */
		assert_int_equal(ms_verify(&pk, &s, "x.minisig", "x.policy", msg, strlen(msg), &e),
				 -EBADMSG);
		assert_string_equal(
			e.msg,
			"x.policy: the signature does not match the file (x.minisig): it was changed after it was signed");
		/* one byte more, one byte less */
		assert_int_equal(ms_verify(&pk, &s, "x.minisig", "x.policy", kat_msg,
					   strlen(kat_msg) - 1, &e),
				 -EBADMSG);
		assert_int_equal(ms_verify(&pk, &s, "x.minisig", "x.policy", kat_msg,
					   strlen(kat_msg) + 1, &e),
				 -EBADMSG);
	}
}

static void test_tampered_signature_refused(void **state)
{
	struct ms_pubkey pk;
	struct ms_error e;
	struct ms_sig s;

	(void)state;
	kat_keys(&pk, NULL);
	assert_int_equal(ms_sig_parse("x.minisig", kat_sig, strlen(kat_sig), &s, &e), 0);
	s.sig[10] ^= 0x20;
	assert_int_equal(ms_verify(&pk, &s, "x.minisig", "x", kat_msg, strlen(kat_msg), &e),
			 -EBADMSG);
	assert_true(find(e.msg, "the signature does not match the file (x.minisig)"));
	/* the prehashed and the legacy signature are not each other's */
	assert_int_equal(ms_sig_parse("x.minisig", kat_sig, strlen(kat_sig), &s, &e), 0);
	s.prehashed = 0;
	assert_int_equal(ms_verify(&pk, &s, "x.minisig", "x", kat_msg, strlen(kat_msg), &e),
			 -EBADMSG);
}

static void test_tampered_trusted_comment_refused(void **state)
{
	struct ms_pubkey pk;
	struct ms_error e;
	struct ms_sig s;
	char *t;

	(void)state;
	kat_keys(&pk, NULL);
	t = replace(kat_sig, "appban known answer", "appban known answer!");
	assert_int_equal(ms_sig_parse("x.minisig", t, strlen(t), &s, &e), 0);
	assert_int_equal(ms_verify(&pk, &s, "x.minisig", "x", kat_msg, strlen(kat_msg), &e),
			 -EBADMSG);
	assert_string_equal(
		e.msg,
		"x.minisig: line 3: the trusted comment does not match its signature: it was changed after signing");
	free(t);
	/* its signature changed instead */
	assert_int_equal(ms_sig_parse("x.minisig", kat_sig, strlen(kat_sig), &s, &e), 0);
	s.global_sig[0] ^= 1;
	assert_int_equal(ms_verify(&pk, &s, "x.minisig", "x", kat_msg, strlen(kat_msg), &e),
			 -EBADMSG);
	assert_true(find(e.msg, "the trusted comment does not match"));
}

static void test_wrong_key_refused(void **state)
{
	struct ms_seckey sk;
	struct ms_pubkey pk, other;
	struct ms_error e;
	struct ms_sig s;
	char id[17], msg[200];

	(void)state;
	kat_keys(&pk, NULL);
	assert_int_equal(ms_keygen(&sk, &other, &e), 0);
	assert_int_equal(ms_sig_parse("x.policy.minisig", kat_sig, strlen(kat_sig), &s, &e), 0);
	assert_int_equal(ms_verify(&other, &s, "x.policy.minisig", "x.policy", kat_msg,
				   strlen(kat_msg), &e),
			 -EKEYREJECTED);
	ms_keynum_str(other.keynum, id);
	snprintf(msg, sizeof(msg),
		 "signature made with key BDF22BB7F8419FEF, not with key %s (x.policy.minisig)",
		 id);
	assert_string_equal(e.msg, msg);
	/* another key that claims the same id */
	memcpy(other.keynum, pk.keynum, MS_KEYNUM_LEN);
	assert_int_equal(ms_verify(&other, &s, "x.policy.minisig", "x.policy", kat_msg,
				   strlen(kat_msg), &e),
			 -EBADMSG);
	/* a public key that is no point of the curve verifies nothing */
	memset(other.pk, 0xff, MS_PK_LEN);
	assert_int_equal(ms_verify(&other, &s, "x.policy.minisig", "x.policy", kat_msg,
				   strlen(kat_msg), &e),
			 -EBADMSG);
}

static void test_pubkey_bad_base64_and_length(void **state)
{
	struct ms_pubkey pk;
	struct ms_error e;
	char *t;

	(void)state;
	t = replace(kat_pub, "RWTv", "RW*v");
	assert_int_equal(ms_pubkey_parse("KEY.pub", t, strlen(t), &pk, &e), -EINVAL);
	assert_string_equal(e.msg, "KEY.pub: line 2: not a minisign public key (bad base64)");
	free(t);
	/* cut by 4 characters: valid base64 of 39 bytes */
	t = replace(kat_pub, "bae3N\n", "b\n");
	assert_int_equal(ms_pubkey_parse("KEY.pub", t, strlen(t), &pk, &e), -EINVAL);
	assert_string_equal(e.msg, "KEY.pub: line 2: not a minisign public key (39 bytes, not 42)");
	free(t);
	/* a space at the end of the key */
	t = replace(kat_pub, "bae3N\n", "bae3N \n");
	assert_int_equal(ms_pubkey_parse("KEY.pub", t, strlen(t), &pk, &e), -EINVAL);
	assert_true(find(e.msg, "KEY.pub: line 2: not a minisign public key"));
	free(t);
	/* a signature's algorithm */
	t = replace(kat_pub, "RWTv", "RUTv");
	assert_int_equal(ms_pubkey_parse("KEY.pub", t, strlen(t), &pk, &e), -EINVAL);
	assert_string_equal(
		e.msg, "KEY.pub: line 2: not a minisign public key (algorithm \"ED\", not \"Ed\")");
	free(t);
}

static void test_pubkey_truncated_or_extra(void **state)
{
	struct ms_pubkey pk;
	struct ms_error e;
	char *t;

	(void)state;
	assert_int_equal(ms_pubkey_parse("K", "", 0, &pk, &e), -EINVAL);
	assert_string_equal(e.msg, "K: empty: not a minisign public key");
	assert_int_equal(ms_pubkey_parse("K", kat_pub, 56, &pk, &e), -EINVAL);
	assert_string_equal(e.msg, "K: ends after line 1: the key (line 2) is missing");
	/* cut inside the key */
	assert_int_equal(ms_pubkey_parse("K", kat_pub, strlen(kat_pub) - 10, &pk, &e), -EINVAL);
	assert_true(find(e.msg, "K: line 2: not a minisign public key"));
	/* the comment line missing: two lines, the first not a comment */
	t = replace(kat_pub, "untrusted comment: ", "");
	assert_int_equal(ms_pubkey_parse("K", t, strlen(t), &pk, &e), -EINVAL);
	assert_true(find(e.msg, "K: line 1: not a minisign public key (should start with"));
	free(t);
	assert_true(asprintf(&t, "%sextra\n", kat_pub) > 0);
	assert_int_equal(ms_pubkey_parse("K", t, strlen(t), &pk, &e), -EINVAL);
	assert_string_equal(e.msg, "K: line 3: not a minisign public key (text after the key)");
	free(t);
	/* blank lines after the key and CRLF are fine */
	assert_true(asprintf(&t, "%s\n\n", kat_pub) > 0);
	assert_int_equal(ms_pubkey_parse("K", t, strlen(t), &pk, &e), 0);
	free(t);
	t = replace(kat_pub, "FEF\n", "FEF\r\n");
	assert_int_equal(ms_pubkey_parse("K", t, strlen(t), &pk, &e), 0);
	free(t);
}

/* Every prefix of a signature file that ends at or inside a line: refused,
 * saying what is missing. */
static void test_sig_truncated_refused(void **state)
{
	struct ms_error e;
	struct ms_sig s;
	size_t len;

	(void)state;
	for (len = 0; len < strlen(kat_sig) - 1; len++) {
		int err = ms_sig_parse("t.minisig", kat_sig, len, &s, &e);

		assert_int_equal(err, -EINVAL);
		assert_true(find(e.msg, "t.minisig: "));
	}
	assert_int_equal(ms_sig_parse("t.minisig", kat_sig, 0, &s, &e), -EINVAL);
	assert_string_equal(
		e.msg,
		"t.minisig: empty: not a whole minisign signature (line 1 should be \"untrusted comment: ...\")");
	len = strchr(strchr(kat_sig, '\n') + 1, '\n') + 1 - kat_sig;
	assert_int_equal(ms_sig_parse("t.minisig", kat_sig, len, &s, &e), -EINVAL);
	assert_string_equal(
		e.msg,
		"t.minisig: ends early: not a whole minisign signature (line 3 should be \"trusted comment: ...\")");
	/* without the last newline: whole */
	assert_int_equal(ms_sig_parse("t.minisig", kat_sig, strlen(kat_sig) - 1, &s, &e), 0);
}

static void test_sig_bad_lines_refused(void **state)
{
	static const struct {
		const char *from, *to, *msg;
	} v[] = {
		{ "untrusted comment: signature", "comment: signature",
		  "s: line 1: not a minisign signature (should start with \"untrusted comment: \")" },
		{ "RUTvn0", "RUTvn*", "s: line 2: not a minisign signature (bad base64)" },
		{ "KwY=\n", "\n", "s: line 2: not a minisign signature (72 bytes, not 74)" },
		{ "RUTvn0", "WFTvn0",
		  "s: line 2: unknown signature algorithm \"XT\" (\"ED\" or \"Ed\")" },
		{ "trusted comment: appban", "trusted: appban",
		  "s: line 3: should start with \"trusted comment: \"" },
		{ "appban known answer", "appban\x01known answer",
		  "s: line 3: the trusted comment has a control character" },
		{ "O181WWXV", "O181WWX=",
		  "s: line 4: not a minisign signature of the trusted comment (bad base64)" },
		{ "dTN0AQ==\n", "dTN0AQ==\nmore\n", "s: line 5: text after the signature" },
	};
	struct ms_error e;
	struct ms_sig s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char *t = replace(kat_sig, v[i].from, v[i].to);

		assert_int_equal(ms_sig_parse("s", t, strlen(t), &s, &e), -EINVAL);
		assert_string_equal(e.msg, v[i].msg);
		free(t);
	}
}

static void test_sig_crlf_and_blank_lines_accepted(void **state)
{
	struct ms_pubkey pk;
	struct ms_error e;
	struct ms_sig s;
	char *t, *u;

	(void)state;
	kat_keys(&pk, NULL);
	t = replace(kat_sig, "answer\n", "answer\r\n");
	assert_true(asprintf(&u, "%s\n\n", t) > 0);
	assert_int_equal(ms_sig_parse("s", u, strlen(u), &s, &e), 0);
	assert_string_equal(s.trusted, "appban known answer");
	assert_int_equal(ms_verify(&pk, &s, "s", "m", kat_msg, strlen(kat_msg), &e), 0);
	free(t);
	free(u);
}

static void test_sign_refuses_bad_trusted_comment(void **state)
{
	struct ms_seckey sk;
	struct ms_pubkey pk;
	struct ms_error e;
	char *text, *big;

	(void)state;
	kat_keys(&pk, &sk);
	assert_int_equal(ms_sign(&sk, "x", 1, 1, "two\nlines", &text, &e), -EINVAL);
	assert_null(text);
	assert_true(find(e.msg, "the trusted comment must be one line of printable text"));
	big = malloc(MS_TRUSTED_MAX + 2);
	assert_non_null(big);
	memset(big, 'a', MS_TRUSTED_MAX + 1);
	big[MS_TRUSTED_MAX + 1] = '\0';
	assert_int_equal(ms_sign(&sk, "x", 1, 1, big, &text, &e), -EINVAL);
	/* the longest one is fine, and read back whole */
	big[MS_TRUSTED_MAX] = '\0';
	assert_int_equal(ms_sign(&sk, "x", 1, 1, big, &text, &e), 0);
	{
		struct ms_sig s;

		assert_int_equal(ms_sig_parse("s", text, strlen(text), &s, &e), 0);
		assert_string_equal(s.trusted, big);
		assert_int_equal(ms_verify(&pk, &s, "s", "x", "x", 1, &e), 0);
	}
	free(text);
	free(big);
}

static void test_seckey_damage_refused(void **state)
{
	uint8_t blob[SK_BLOB_LEN], good[SK_BLOB_LEN];
	struct ms_seckey sk;
	struct ms_error e;
	char *t;

	(void)state;
	/* an appban key: its checksum is set */
	{
		struct ms_pubkey pk;

		assert_int_equal(ms_keygen(&sk, &pk, &e), 0);
		assert_int_equal(ms_seckey_format(&sk, &t), 0);
		key_blob(t, good);
		free(t);
	}
	/* a byte of the checksum */
	memcpy(blob, good, sizeof(blob));
	blob[SK_CHK] ^= 1;
	t = key_text(blob);
	assert_int_equal(ms_seckey_parse("K", t, strlen(t), NULL, NULL, &sk, &e), -EINVAL);
	assert_string_equal(e.msg,
			    "K: line 2: the key's checksum does not match: the file is damaged");
	free(t);
	/* a byte of the secret key: the checksum sees it */
	memcpy(blob, good, sizeof(blob));
	blob[SK_SK + 40] ^= 1;
	t = key_text(blob);
	assert_int_equal(ms_seckey_parse("K", t, strlen(t), NULL, NULL, &sk, &e), -EINVAL);
	free(t);
	/* ... and, with no checksum (minisign -W), the public half does */
	memset(blob + SK_CHK, 0, 32);
	t = key_text(blob);
	assert_int_equal(ms_seckey_parse("K", t, strlen(t), NULL, NULL, &sk, &e), -EINVAL);
	assert_string_equal(
		e.msg,
		"K: line 2: the secret key's two halves do not belong together: the file is damaged");
	free(t);
	/* unknown key derivation, checksum algorithm, signature algorithm */
	memcpy(blob, good, sizeof(blob));
	memcpy(blob + SK_KDF, "Ar", 2);
	t = key_text(blob);
	assert_int_equal(ms_seckey_parse("K", t, strlen(t), NULL, NULL, &sk, &e), -EINVAL);
	assert_string_equal(
		e.msg, "K: line 2: unknown key derivation \"Ar\" (\"Sc\" for scrypt, or none)");
	free(t);
	memcpy(blob, good, sizeof(blob));
	memcpy(blob + SK_CHKALG, "B3", 2);
	t = key_text(blob);
	assert_int_equal(ms_seckey_parse("K", t, strlen(t), NULL, NULL, &sk, &e), -EINVAL);
	assert_string_equal(e.msg,
			    "K: line 2: unknown checksum algorithm \"B3\" (minisign's is \"B2\")");
	free(t);
	memcpy(blob, good, sizeof(blob));
	blob[0] = 0;
	t = key_text(blob);
	assert_int_equal(ms_seckey_parse("K", t, strlen(t), NULL, NULL, &sk, &e), -EINVAL);
	assert_string_equal(e.msg,
			    "K: line 2: not a minisign secret key (algorithm 0064, not \"Ed\")");
	free(t);
}

static void test_seckey_bad_text_refused(void **state)
{
	struct ms_seckey sk;
	struct ms_error e;
	char *t;

	(void)state;
	assert_int_equal(ms_seckey_parse("K", "", 0, NULL, NULL, &sk, &e), -EINVAL);
	assert_string_equal(e.msg, "K: empty: not a minisign secret key");
	/* a public key given as the secret one */
	assert_int_equal(ms_seckey_parse("K", kat_pub, strlen(kat_pub), NULL, NULL, &sk, &e),
			 -EINVAL);
	assert_string_equal(e.msg, "K: line 2: not a minisign secret key (42 bytes, not 158)");
	assert_int_equal(ms_seckey_parse("K", kat_key, 40, NULL, NULL, &sk, &e), -EINVAL);
	assert_string_equal(e.msg, "K: ends after line 1: the key (line 2) is missing");
	assert_int_equal(ms_seckey_parse("K", kat_key, strlen(kat_key) - 20, NULL, NULL, &sk, &e),
			 -EINVAL);
	assert_true(find(e.msg, "K: line 2: not a minisign secret key"));
	t = replace(kat_key, "untrusted comment: ", "");
	assert_int_equal(ms_seckey_parse("K", t, strlen(t), NULL, NULL, &sk, &e), -EINVAL);
	assert_true(find(e.msg, "K: line 1: not a minisign secret key (should start with"));
	free(t);
	t = replace(kat_key, "AAA=\n", "AAA=\nmore\n");
	assert_int_equal(ms_seckey_parse("K", t, strlen(t), NULL, NULL, &sk, &e), -EINVAL);
	assert_string_equal(e.msg, "K: line 3: text after the key");
	free(t);
}

static void test_base64_is_strict(void **state)
{
	uint8_t in[10], out[10];
	char b64[BASE64_LEN(10) + 1];
	size_t len, i;

	(void)state;
	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(0xf0 + i * 37);
	for (len = 1; len <= sizeof(in); len++) {
		base64_encode(in, len, b64);
		assert_int_equal(strlen(b64), BASE64_LEN(len));
		assert_int_equal(base64_decode(b64, strlen(b64), out, len), 0);
		assert_memory_equal(out, in, len);
		/* not one byte more or less */
		assert_int_equal(base64_decode(b64, strlen(b64), out, len - 1 ? len - 1 : 2),
				 -EINVAL);
	}
	base64_encode("abc", 3, b64);
	assert_string_equal(b64, "YWJj");
	base64_encode("ab", 2, b64);
	assert_string_equal(b64, "YWI=");
	base64_encode("a", 1, b64);
	assert_string_equal(b64, "YQ==");
	assert_int_equal(base64_decode("QQ==", 4, out, 1), 0);
	assert_int_equal(out[0], 'A');
	assert_int_equal(base64_decode("QR==", 4, out, 1), -EINVAL); /* bits left over */
	assert_int_equal(base64_decode("QUI=", 4, out, 2), 0);
	assert_int_equal(base64_decode("QUJ=", 4, out, 2), -EINVAL);
	assert_int_equal(base64_decode("QQ", 2, out, 1), -EINVAL); /* padding missing */
	assert_int_equal(base64_decode("QQ==QUJD", 8, out, 4), -EINVAL); /* in the middle */
	assert_int_equal(base64_decode("Q===", 4, out, 1), -EINVAL);
	assert_int_equal(base64_decode("QU\nJD", 5, out, 3), -EINVAL);
	assert_int_equal(base64_decode("", 0, out, 1), -EINVAL);
	assert_int_equal(base64_decode("-_-_", 4, out, 3), -EINVAL); /* the URL alphabet */
}

/* ---------------------------------------------------------------- files */

static char tmpdir[64];

static int make_tmpdir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/appban-test-minisign.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd);
}

static char *at(const char *name)
{
	static char path[8][128];
	static int n;
	char *p = path[n++ % 8];

	snprintf(p, 128, "%s/%s", tmpdir, name);
	return p;
}

static void write_text(const char *path, const char *text)
{
	assert_int_equal(file_write_atomic(path, text, strlen(text), 0644, 1), 0);
}

static void test_keygen_files_and_sign_files(void **state)
{
	struct ms_pubkey pk, pk2;
	struct ms_seckey sk;
	struct ms_error e;
	struct ms_sig s;
	struct stat st;
	char *text;
	size_t len;

	(void)state;
	assert_int_equal(ms_keygen_files(at("k"), 0, &pk, &e), 0);
	assert_int_equal(stat(at("k"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(stat(at("k.pub"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(ms_pubkey_load(at("k.pub"), &pk2, &e), 0);
	assert_memory_equal(&pk, &pk2, sizeof(pk));
	assert_int_equal(ms_seckey_load(at("k"), NULL, NULL, &sk, &e), 0);

	write_text(at("p.policy"), kat_msg);
	assert_int_equal(ms_sign_file(&sk, at("p.policy"), at("p.policy.minisig"), &e), 0);
	assert_int_equal(ms_verify_file(&pk, at("p.policy"), at("p.policy.minisig"), &s, &e), 0);
	assert_true(s.prehashed);
	/* minisign's default trusted comment */
	assert_true(find(s.trusted, "timestamp:"));
	assert_true(find(s.trusted, "\tfile:p.policy\thashed"));
	assert_int_equal(file_read_all(at("p.policy.minisig"), 4096, &text, &len), 0);
	assert_true(find(text, "untrusted comment: signature from appban secret key\n"));
	free(text);

	/* a byte changed in the file */
	write_text(at("p.policy"), "policy \"kat\"\nserial 8\n");
	assert_int_equal(ms_verify_file(&pk, at("p.policy"), at("p.policy.minisig"), &s, &e),
			 -EBADMSG);
	assert_true(find(e.msg, "p.policy: the signature does not match the file"));
}

static void test_verify_file_legacy_and_missing(void **state)
{
	struct ms_pubkey pk;
	struct ms_error e;
	struct ms_sig s;

	(void)state;
	kat_keys(&pk, NULL);
	write_text(at("m.policy"), kat_msg);
	write_text(at("m.policy.minisig"), kat_legacy_sig);
	assert_int_equal(ms_verify_file(&pk, at("m.policy"), at("m.policy.minisig"), &s, &e), 0);
	assert_false(s.prehashed);
	write_text(at("m.policy.minisig"), kat_sig);
	assert_int_equal(ms_verify_file(&pk, at("m.policy"), at("m.policy.minisig"), &s, &e), 0);
	assert_true(s.prehashed);
	/* no signature file; no policy file */
	assert_int_equal(ms_verify_file(&pk, at("m.policy"), at("none.minisig"), &s, &e), -ENOENT);
	assert_true(find(e.msg, "none.minisig: cannot read: No such file or directory"));
	assert_int_equal(ms_verify_file(&pk, at("gone"), at("m.policy.minisig"), &s, &e), -ENOENT);
	assert_true(find(e.msg, "gone: cannot read"));
	write_text(at("m.policy.minisig"), kat_legacy_sig);
	assert_int_equal(ms_verify_file(&pk, at("gone"), at("m.policy.minisig"), &s, &e), -ENOENT);
	/* a signature file far too large is not read */
	{
		char *big = malloc(70000);

		assert_non_null(big);
		memset(big, 'a', 69999);
		big[69999] = '\0';
		write_text(at("big.minisig"), big);
		free(big);
		assert_int_equal(ms_sig_load(at("big.minisig"), &s, &e), -EINVAL);
		assert_true(find(e.msg, "big.minisig: larger than 64 KiB"));
	}
}

static void test_keygen_files_never_overwrite(void **state)
{
	struct ms_pubkey pk, pk2;
	struct ms_error e;
	char *before, *after;
	size_t len;

	(void)state;
	assert_int_equal(ms_keygen_files(at("o"), 0, &pk, &e), 0);
	assert_int_equal(file_read_all(at("o"), 4096, &before, &len), 0);
	assert_int_equal(ms_keygen_files(at("o"), 0, &pk2, &e), -EEXIST);
	assert_true(find(e.msg, "/o exists: not replaced"));
	/* only the public key there: refused too, the secret key not made */
	write_text(at("q.pub"), "x");
	assert_int_equal(ms_keygen_files(at("q"), 0, &pk2, &e), -EEXIST);
	assert_true(find(e.msg, "/q.pub exists"));
	assert_int_equal(access(at("q"), F_OK), -1);
	assert_int_equal(file_read_all(at("o"), 4096, &after, &len), 0);
	assert_string_equal(before, after);
	free(after);
	/* --force replaces both */
	assert_int_equal(ms_keygen_files(at("o"), 1, &pk2, &e), 0);
	assert_int_equal(file_read_all(at("o"), 4096, &after, &len), 0);
	assert_string_not_equal(before, after);
	assert_int_equal(ms_pubkey_load(at("o.pub"), &pk, &e), 0);
	assert_memory_equal(&pk, &pk2, sizeof(pk));
	free(before);
	free(after);
	/* a directory that does not exist: an error, nothing left */
	assert_int_equal(ms_keygen_files(at("nodir/k"), 0, &pk, &e), -ENOENT);
	assert_true(find(e.msg, "nodir/k: cannot write the secret key"));
}

/* A secret key written, its public key not: the secret key is removed. */
static void test_keygen_files_leave_nothing_on_failure(void **state)
{
	struct ms_pubkey pk;
	struct ms_error e;

	(void)state;
	/* k.pub's directory entry is taken by a directory: the rename fails */
	assert_int_equal(mkdir(at("d.pub"), 0755), 0);
	assert_int_equal(ms_keygen_files(at("d"), 1, &pk, &e), -EISDIR);
	assert_true(find(e.msg, "d.pub: cannot write the public key"));
	assert_int_equal(access(at("d"), F_OK), -1);
}

static void test_sign_file_errors(void **state)
{
	struct ms_seckey sk;
	struct ms_pubkey pk;
	struct ms_error e;

	(void)state;
	kat_keys(&pk, &sk);
	assert_int_equal(ms_sign_file(&sk, at("absent"), at("absent.minisig"), &e), -ENOENT);
	assert_true(find(e.msg, "absent: cannot read: No such file or directory"));
	write_text(at("w.policy"), kat_msg);
	assert_int_equal(ms_sign_file(&sk, at("w.policy"), at("nodir/w.policy.minisig"), &e),
			 -ENOENT);
	assert_true(find(e.msg, "nodir/w.policy.minisig: cannot write"));
	assert_int_equal(ms_seckey_load(at("absent.key"), NULL, NULL, &sk, &e), -ENOENT);
	assert_true(find(e.msg, "absent.key: cannot read"));
}

static void test_sig_path(void **state)
{
	char *p = ms_sig_path("dir/a.policy");

	(void)state;
	assert_string_equal(p, "dir/a.policy.minisig");
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kat_pubkey_and_key_id),
		cmocka_unit_test(test_keynum_is_printed_little_endian),
		cmocka_unit_test(test_kat_prehashed_signature_verifies),
		cmocka_unit_test(test_kat_legacy_signature_verifies),
		cmocka_unit_test(test_kat_sign_gives_minisigns_signature),
		cmocka_unit_test(test_kat_encrypted_keys_decrypt),
		cmocka_unit_test(test_encrypted_key_wrong_or_no_password),
		cmocka_unit_test(test_encrypted_key_cost_limited),
		cmocka_unit_test(test_roundtrip_keygen_sign_verify),
		cmocka_unit_test(test_keygen_makes_new_keys),
		cmocka_unit_test(test_tampered_file_refused),
		cmocka_unit_test(test_tampered_signature_refused),
		cmocka_unit_test(test_tampered_trusted_comment_refused),
		cmocka_unit_test(test_wrong_key_refused),
		cmocka_unit_test(test_pubkey_bad_base64_and_length),
		cmocka_unit_test(test_pubkey_truncated_or_extra),
		cmocka_unit_test(test_sig_truncated_refused),
		cmocka_unit_test(test_sig_bad_lines_refused),
		cmocka_unit_test(test_sig_crlf_and_blank_lines_accepted),
		cmocka_unit_test(test_sign_refuses_bad_trusted_comment),
		cmocka_unit_test(test_seckey_damage_refused),
		cmocka_unit_test(test_seckey_bad_text_refused),
		cmocka_unit_test(test_base64_is_strict),
		cmocka_unit_test(test_keygen_files_and_sign_files),
		cmocka_unit_test(test_verify_file_legacy_and_missing),
		cmocka_unit_test(test_keygen_files_never_overwrite),
		cmocka_unit_test(test_keygen_files_leave_nothing_on_failure),
		cmocka_unit_test(test_sign_file_errors),
		cmocka_unit_test(test_sig_path),
	};

	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
