// SPDX-License-Identifier: GPL-2.0
/* libFuzzer harness of the policy parser: any bytes in, a policy or errors
 * out, never a crash, a leak or undefined behaviour (ASan + UBSan). Also
 * checks what an error must be: every error counted has a message. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy *p = NULL;
	struct diag d;
	int err;

	diag_init(&d, NULL, "fuzz.policy");
	err = policy_parse_buf("fuzz.policy", (const char *)data, size, &p, &d);
	if (err && !d.errors && err != -ENOMEM)
		abort(); /* refused without saying why */
	if (d.errors && !d.last[0])
		abort();
	if (!err && !p)
		abort();
	if (!err && d.errors)
		abort(); /* errors must refuse the policy */
	policy_free(p);
	return 0;
}
