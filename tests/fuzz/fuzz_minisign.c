// SPDX-License-Identifier: GPL-2.0
/* libFuzzer harness of minisign's key and signature readers: a key or a
 * signature file is outside input (a policy server, a USB stick). Any bytes
 * in: accepted or refused with a reason, never a crash; a key accepted is
 * written back as a file that reads again into the same key. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/minisign.h"
#include "fleet/seckey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct ms_pubkey pk, pk2;
	struct ms_seckey sk, sk2;
	struct ms_error e;
	struct ms_sig s;
	char *out;

	if (!ms_pubkey_parse("in", text, size, &pk, &e)) {
		if (ms_pubkey_format(&pk, &out))
			abort();
		if (ms_pubkey_parse("out", out, strlen(out), &pk2, &e) ||
		    memcmp(&pk, &pk2, sizeof(pk)))
			abort();
		free(out);
	}
	/* no password: an encrypted key is refused before scrypt runs */
	if (!ms_seckey_parse("in", text, size, NULL, NULL, &sk, &e)) {
		if (ms_seckey_format(&sk, &out))
			abort();
		if (ms_seckey_parse("out", out, strlen(out), NULL, NULL, &sk2, &e) ||
		    memcmp(&sk, &sk2, sizeof(sk)))
			abort();
		free(out);
	}
	/* a signature read is checked (against a key of its own id) */
	if (!ms_sig_parse("in", text, size, &s, &e)) {
		memcpy(pk.keynum, s.keynum, MS_KEYNUM_LEN);
		memset(pk.pk, 0x5a, MS_PK_LEN);
		if (!ms_verify(&pk, &s, "in", "msg", data, size, &e))
			abort();
	}
	return 0;
}
