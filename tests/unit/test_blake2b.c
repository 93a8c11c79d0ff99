// SPDX-License-Identifier: GPL-2.0
/* Unit tests of blake2b.c: RFC 7693's example and self-test, 32-byte digests
 * from another implementation, and OpenSSL's BLAKE2b-512 and keyed BLAKE2b
 * as references on many lengths, in one piece and in pieces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "fleet/blake2b.h"

static void from_hex(const char *hex, uint8_t *out, size_t len)
{
	size_t i;

	assert_int_equal(strlen(hex), 2 * len);
	for (i = 0; i < len; i++) {
		unsigned int v;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* RFC 7693, Appendix A: BLAKE2b-512 of "abc". */
static void test_blake2b_rfc7693_abc(void **state)
{
	uint8_t want[64], got[64];

	(void)state;
	from_hex("ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
		 "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923",
		 want, sizeof(want));
	assert_int_equal(blake2b(got, 64, NULL, 0, "abc", 3), 0);
	assert_memory_equal(got, want, 64);
}

/* RFC 7693, Appendix E: bytes of a Fibonacci sequence seeded with seed. */
static void selftest_seq(uint8_t *out, size_t len, uint32_t seed)
{
	uint32_t a = 0xDEAD4BAD * seed, b = 1, t;
	size_t i;

	for (i = 0; i < len; i++) {
		t = a + b;
		a = b;
		b = t;
		out[i] = (uint8_t)(t >> 24);
	}
}

/* RFC 7693, Appendix E: a BLAKE2b-256 of the unkeyed and keyed digests of
 * four lengths by six inputs must be the RFC's value. */
static void test_blake2b_rfc7693_selftest(void **state)
{
	static const size_t md_len[] = { 20, 32, 48, 64 };
	static const size_t in_len[] = { 0, 3, 128, 129, 255, 1024 };
	uint8_t in[1024], md[64], key[64], want[32];
	struct blake2b all;
	size_t i, j;

	(void)state;
	from_hex("c23a7800d98123bd10f506c61e29da5603d763b8bbad2e737f5e765a7bccd475", want,
		 sizeof(want));
	assert_int_equal(blake2b_init(&all, 32, NULL, 0), 0);
	for (i = 0; i < 4; i++) {
		for (j = 0; j < 6; j++) {
			selftest_seq(in, in_len[j], (uint32_t)in_len[j]);
			assert_int_equal(blake2b(md, md_len[i], NULL, 0, in, in_len[j]), 0);
			blake2b_update(&all, md, md_len[i]);
			selftest_seq(key, md_len[i], (uint32_t)md_len[i]);
			assert_int_equal(blake2b(md, md_len[i], key, md_len[i], in, in_len[j]), 0);
			blake2b_update(&all, md, md_len[i]);
		}
	}
	blake2b_final(&all, md);
	assert_memory_equal(md, want, 32);
}

/* BLAKE2b-256 (minisign's checksum) from Python's hashlib: not a truncated
 * BLAKE2b-512. */
static void test_blake2b_256_known_answers(void **state)
{
	static const struct {
		const char *msg, *hex;
	} v[] = {
		{ "", "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8" },
		{ "abc", "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319" },
		{ "The quick brown fox jumps over the lazy dog",
		  "01718cec35cd3d796dd00020e0bfecb473ad23457d063b75eff29c0ffa2e58a9" },
	};
	uint8_t want[32], got[32], full[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		from_hex(v[i].hex, want, sizeof(want));
		assert_int_equal(blake2b(got, 32, NULL, 0, v[i].msg, strlen(v[i].msg)), 0);
		assert_memory_equal(got, want, 32);
		assert_int_equal(blake2b(full, 64, NULL, 0, v[i].msg, strlen(v[i].msg)), 0);
		assert_memory_not_equal(full, want, 32);
	}
}

static void fill(uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 131 + 7);
}

/* Every length from 0 to 600 (blocks of 128: each edge several times),
 * against OpenSSL's BLAKE2b-512, in one piece and in pieces of 1, 7, 128
 * and 129 bytes. */
static void test_blake2b_512_matches_openssl(void **state)
{
	static const size_t pieces[] = { 1, 7, 128, 129 };
	uint8_t in[600], want[64], got[64];
	size_t len, k, off;

	(void)state;
	fill(in, sizeof(in));
	for (len = 0; len <= sizeof(in); len++) {
		assert_int_equal(EVP_Digest(in, len, want, NULL, EVP_blake2b512(), NULL), 1);
		assert_int_equal(blake2b(got, 64, NULL, 0, in, len), 0);
		assert_memory_equal(got, want, 64);
		for (k = 0; k < sizeof(pieces) / sizeof(pieces[0]); k++) {
			struct blake2b s;

			assert_int_equal(blake2b_init(&s, 64, NULL, 0), 0);
			for (off = 0; off < len; off += pieces[k])
				blake2b_update(&s, in + off,
					       len - off < pieces[k] ? len - off : pieces[k]);
			blake2b_final(&s, got);
			assert_memory_equal(got, want, 64);
		}
	}
}

/* Keyed, any digest length: OpenSSL's BLAKE2BMAC takes both (it refuses
 * only the empty key). */
static void test_blake2b_keyed_matches_openssl_mac(void **state)
{
	static const size_t outlens[] = { 1, 20, 32, 33, 64 };
	static const size_t keylens[] = { 1, 32, 64 };
	static const size_t lens[] = { 0, 1, 127, 128, 129, 300 };
	uint8_t in[300], key[64], want[64], got[64];
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "BLAKE2BMAC", NULL);
	size_t i, j, k;

	(void)state;
	assert_non_null(mac);
	fill(in, sizeof(in));
	fill(key, sizeof(key));
	key[0] ^= 0x55;
	for (i = 0; i < sizeof(outlens) / sizeof(outlens[0]); i++)
		for (j = 0; j < sizeof(keylens) / sizeof(keylens[0]); j++)
			for (k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
				EVP_MAC_CTX *c = EVP_MAC_CTX_new(mac);
				size_t size = outlens[i], n = 0;
				OSSL_PARAM p[] = {
					OSSL_PARAM_size_t(OSSL_MAC_PARAM_SIZE, &size),
					OSSL_PARAM_END,
				};

				assert_non_null(c);
				assert_int_equal(EVP_MAC_init(c, key, keylens[j], p), 1);
				assert_int_equal(EVP_MAC_update(c, in, lens[k]), 1);
				assert_int_equal(EVP_MAC_final(c, want, &n, sizeof(want)), 1);
				assert_int_equal(n, outlens[i]);
				EVP_MAC_CTX_free(c);
				assert_int_equal(
					blake2b(got, outlens[i], key, keylens[j], in, lens[k]), 0);
				assert_memory_equal(got, want, outlens[i]);
			}
	EVP_MAC_free(mac);
}

static void test_blake2b_rejects_bad_lengths(void **state)
{
	uint8_t key[65] = { 0 }, out[65];
	struct blake2b s;

	(void)state;
	assert_int_equal(blake2b_init(&s, 0, NULL, 0), -EINVAL);
	assert_int_equal(blake2b_init(&s, 65, NULL, 0), -EINVAL);
	assert_int_equal(blake2b_init(&s, 32, key, 65), -EINVAL);
	assert_int_equal(blake2b(out, 65, NULL, 0, "", 0), -EINVAL);
	assert_int_equal(blake2b_init(&s, 1, key, 64), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blake2b_rfc7693_abc),
		cmocka_unit_test(test_blake2b_rfc7693_selftest),
		cmocka_unit_test(test_blake2b_256_known_answers),
		cmocka_unit_test(test_blake2b_512_matches_openssl),
		cmocka_unit_test(test_blake2b_keyed_matches_openssl_mac),
		cmocka_unit_test(test_blake2b_rejects_bad_lengths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
