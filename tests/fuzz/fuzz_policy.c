// SPDX-License-Identifier: GPL-2.0
/* libFuzzer harness of the policy parser: any bytes in, a policy or errors
 * out, never a crash, a leak or undefined behaviour (ASan + UBSan). Also
 * checks what an error must be: every error counted has a message. The same
 * bytes are read as a layer too, and composed: an exceptions file with a
 * fixed base, a base with a fixed exceptions file. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/compose.h"
#include "policy/parse.h"

static const char base_text[] = "policy base\n"
				"app twitter {\n name twitter\n deny network\n}\n"
				"app tiktok {\n name tiktok\n deny exec\n}\n";
static const char layer_text[] = "policy layer\n"
				 "allow comms {\n app twitter\n app tiktok\n uid 1000\n}\n";

static struct policy *fixed(const char *name, const char *text)
{
	struct policy *p = NULL;
	struct diag d;

	diag_init(&d, NULL, name);
	if (policy_parse_buf_as(name, text, strlen(text), POLICY_PARSE_LAYER, &p, &d))
		abort();
	return p;
}

/* The checks on one parse (flags 0 or POLICY_PARSE_LAYER). */
static struct policy *parse(const uint8_t *data, size_t size, unsigned int flags)
{
	struct policy *p = NULL;
	struct diag d;
	int err;

	diag_init(&d, NULL, "fuzz.policy");
	err = policy_parse_buf_as("fuzz.policy", (const char *)data, size, flags, &p, &d);
	if (err && !d.errors && err != -ENOMEM)
		abort(); /* refused without saying why */
	if (d.errors && !d.last[0])
		abort();
	if (!err && !p)
		abort();
	if (!err && d.errors)
		abort(); /* errors must refuse the policy */
	if (p && p->exceptions_only && (!(flags & POLICY_PARSE_LAYER) || p->n_apps))
		abort(); /* an exceptions file alone is an error; it has no app */
	return p;
}

static void compose(const struct policy *base, struct policy *layer)
{
	struct policy *out = NULL;
	struct diag d;
	int err;

	diag_init(&d, NULL, "base.policy");
	err = policy_compose(base, &layer, 1, &out, &d);
	if (err && err != -ENOMEM && !d.errors)
		abort();
	if (!err && (!out || d.errors || out->n_apps != base->n_apps))
		abort();
	policy_free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy *p, *other;

	policy_free(parse(data, size, 0));
	p = parse(data, size, POLICY_PARSE_LAYER);
	if (p && p->exceptions_only) {
		other = fixed("base.policy", base_text);
		compose(other, p);
		policy_free(other);
	} else if (p) {
		other = fixed("layer.policy", layer_text);
		compose(p, other);
		policy_free(other);
	}
	policy_free(p);
	return 0;
}
