// SPDX-License-Identifier: GPL-2.0
/* Unit tests of fleet/layers.c, the daemon's choice of the files in force:
 * signatures and key roles, the wait for a signature's other half, refusals
 * reported once per file, anti-rollback through the state directory, one
 * base at a time, and revocation of an exceptions file gone from its
 * source. Real keys and signatures (fleet/seckey.c), a temporary state
 * directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fleet/layers.h"
#include "fleet/seckey.h"
#include "policy/diag.h"

#define SEC 1000000000ull

static char root[64];
static struct fleet_state st;
static struct ms_seckey base_sk, exc_sk, other_sk;
static struct trusted_key keys[2];
/* The signatures made, freed at the end. */
static char *sigs[64];
static size_t n_sigs;

struct seen {
	int n;
	enum refusal_reason last;
	char msg[512];
};

static void on_refusal(void *ctx, const struct refusal *r)
{
	struct seen *s = ctx;

	s->n++;
	s->last = r->reason;
	snprintf(s->msg, sizeof(s->msg), "%s", r->message ? r->message : "");
}

static int never_absent(void *ctx, const struct layer *l)
{
	(void)ctx;
	(void)l;
	return 0;
}

static int always_absent(void *ctx, const struct layer *l)
{
	(void)ctx;
	return !l->is_base;
}

static int setup(void **state)
{
	struct ms_pubkey pk;
	struct ms_error e;
	char dir[128];

	(void)state;
	strcpy(root, "/tmp/appban-test-layers.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	snprintf(dir, sizeof(dir), "%s/state", root);
	if (state_open(&st, dir))
		return -1;
	if (ms_keygen(&base_sk, &pk, &e))
		return -1;
	keys[0].pk = pk;
	keys[0].role = FLEET_KEY_BASE;
	if (ms_keygen(&exc_sk, &pk, &e))
		return -1;
	keys[1].pk = pk;
	keys[1].role = FLEET_KEY_EXCEPTIONS;
	return ms_keygen(&other_sk, &pk, &e) ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	while (n_sigs)
		free(sigs[--n_sigs]);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

/* A candidate from a policy text, signed with sk (NULL: unsigned). */
static struct candidate cand(const char *origin, const char *text, const struct ms_seckey *sk,
			     uint64_t changed_ns)
{
	struct candidate c = { 0 };
	struct ms_error e;
	char *sig = NULL;

	c.origin = origin;
	c.raw = c.text = text;
	c.raw_len = c.text_len = strlen(text);
	if (sk) {
		assert_int_equal(ms_sign(sk, text, strlen(text), 1, "unit test", &sig, &e), 0);
		c.sig = sig;
		c.sig_len = strlen(sig);
		assert_true(n_sigs < sizeof(sigs) / sizeof(sigs[0]));
		sigs[n_sigs++] = sig;
	}
	c.changed_ns = changed_ns;
	return c;
}

static const char base5[] = "policy fleet\nserial 5\napp a {\n    name appban-unit-a\n"
			    "    deny exec\n}\n";
static const char base4[] = "policy fleet\nserial 4\napp a {\n    name appban-unit-a\n"
			    "    deny exec\n}\n";
static const char base6[] = "policy fleet\nserial 6\napp a {\n    name appban-unit-a\n"
			    "    deny exec\n}\n";
static const char other_base[] = "policy other\nserial 1\napp b {\n    name appban-unit-b\n"
				 "    deny exec\n}\n";
static const char exc1[] = "policy comms\nserial 1\nallow office {\n    app a\n    user 1234\n}\n";

static void init_set(struct layerset *ls, int with_keys)
{
	memset(ls, 0, sizeof(*ls));
	ls->st = &st;
	ls->keys = with_keys ? keys : NULL;
	ls->n_keys = with_keys ? 2 : 0;
}

/* pick and commit: returns what pick returned */
static int pick_commit(struct layerset *ls, const struct candidate *c, size_t n, uint64_t now,
		       int (*absent)(void *, const struct layer *), struct seen *s,
		       uint64_t *recheck)
{
	struct layer *next = NULL;
	size_t n_next = 0;
	int r = layerset_pick(ls, c, n, now, absent, on_refusal, s, &next, &n_next, recheck);

	if (r == 1)
		assert_int_equal(layerset_commit(ls, next, n_next), 0);
	return r;
}

static void t_signed_base_taken_and_marked(void **state)
{
	struct layerset ls;
	struct candidate c = cand("/d/fleet.policy", base5, &base_sk, 1 * SEC);
	struct seen s = { 0 };
	uint64_t recheck = 0, mark;
	uint8_t sha[32];

	(void)state;
	init_set(&ls, 1);
	assert_int_equal(pick_commit(&ls, &c, 1, 10 * SEC, never_absent, &s, &recheck), 1);
	assert_int_equal(s.n, 0);
	assert_int_equal(ls.n_in_force, 1);
	assert_true(ls.in_force[0].is_base);
	assert_int_equal(ls.in_force[0].serial, 5);
	assert_int_equal(state_serial_get(&st, "fleet", &mark, sha), 0);
	assert_int_equal(mark, 5);
	/* the same file again: nothing new */
	assert_int_equal(pick_commit(&ls, &c, 1, 11 * SEC, never_absent, &s, &recheck), 0);
	assert_int_equal(s.n, 0);
	layers_free(ls.in_force, ls.n_in_force);
	layerset_forget_reported(&ls);
}

static void t_unsigned_waits_then_refused_once(void **state)
{
	struct layerset ls;
	struct candidate c = cand("/d/u.policy", other_base, NULL, 100 * SEC);
	struct seen s = { 0 };
	uint64_t recheck = 0;

	(void)state;
	init_set(&ls, 1);
	/* within the grace: waits for its signature, no refusal yet */
	assert_int_equal(pick_commit(&ls, &c, 1, 101 * SEC, never_absent, &s, &recheck), 0);
	assert_int_equal(s.n, 0);
	assert_true(recheck > 101 * SEC);
	/* past it: refused for its signature, once */
	assert_int_equal(pick_commit(&ls, &c, 1, 104 * SEC, never_absent, &s, &recheck), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.last, REFUSED_SIGNATURE);
	assert_int_equal(pick_commit(&ls, &c, 1, 200 * SEC, never_absent, &s, &recheck), 0);
	assert_int_equal(s.n, 1);
	/* signed by a key nobody trusts */
	c = cand("/d/u.policy", other_base, &other_sk, 100 * SEC);
	assert_int_equal(pick_commit(&ls, &c, 1, 200 * SEC, never_absent, &s, &recheck), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.last, REFUSED_SIGNATURE);
	assert_non_null(strstr(s.msg, "not a trusted key"));
	layerset_forget_reported(&ls);
}

static void t_key_roles(void **state)
{
	struct layerset ls;
	struct candidate c[2];
	struct seen s = { 0 };
	uint64_t recheck = 0;

	(void)state;
	init_set(&ls, 1);
	/* a base signed by the exceptions key: refused */
	c[0] = cand("/d/x.policy", other_base, &exc_sk, 1 * SEC);
	assert_int_equal(pick_commit(&ls, c, 1, 10 * SEC, never_absent, &s, &recheck), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.last, REFUSED_KEY_ROLE);
	/* a base by the base key and an exceptions file by the exceptions key */
	c[0] = cand("/d/fleet.policy", base6, &base_sk, 1 * SEC);
	c[1] = cand("/d/comms.policy", exc1, &exc_sk, 1 * SEC);
	assert_int_equal(pick_commit(&ls, c, 2, 10 * SEC, never_absent, &s, &recheck), 1);
	assert_int_equal(s.n, 1);
	assert_int_equal(ls.n_in_force, 2);
	assert_true(ls.in_force[0].is_base);
	assert_string_equal(ls.in_force[1].name, "comms");
	/* the exceptions file gone from its source: it ends (revocation);
	 * the base never ends that way */
	assert_int_equal(pick_commit(&ls, c, 1, 20 * SEC, always_absent, &s, &recheck), 1);
	assert_int_equal(ls.n_in_force, 1);
	assert_true(ls.in_force[0].is_base);
	layers_free(ls.in_force, ls.n_in_force);
	layerset_forget_reported(&ls);
}

static void t_rollback_and_second_base(void **state)
{
	struct layerset ls;
	struct candidate c[2];
	struct seen s = { 0 };
	uint64_t recheck = 0;

	(void)state;
	/* (the marks of the tests before: fleet is at 6) */
	init_set(&ls, 1);
	c[0] = cand("/d/fleet.policy", base4, &base_sk, 1 * SEC);
	assert_int_equal(pick_commit(&ls, c, 1, 10 * SEC, never_absent, &s, &recheck), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.last, REFUSED_ROLLBACK);
	/* serial 6 with other bytes than the 6 in force before */
	c[0] = cand("/d/fleet.policy",
		    "policy fleet\nserial 6\napp z {\n    name appban-unit-z\n    deny exec\n}\n",
		    &base_sk, 1 * SEC);
	assert_int_equal(pick_commit(&ls, c, 1, 10 * SEC, never_absent, &s, &recheck), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.last, REFUSED_ROLLBACK);
	/* two bases at once from two places: one is refused */
	c[0] = cand("/d/fleet.policy", base6, &base_sk, 1 * SEC);
	c[1] = cand("/d/other.policy", other_base, &base_sk, 1 * SEC);
	assert_int_equal(pick_commit(&ls, c, 2, 10 * SEC, never_absent, &s, &recheck), 1);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.last, REFUSED_SECOND_BASE);
	assert_int_equal(ls.n_in_force, 1);
	layers_free(ls.in_force, ls.n_in_force);
	layerset_forget_reported(&ls);
}

static void t_no_keys_signatures_optional(void **state)
{
	struct layerset ls;
	struct candidate c = cand("/d/free.policy",
				  "policy free\nserial 1\napp f {\n    name appban-unit-f\n"
				  "    deny exec\n}\n",
				  NULL, 1 * SEC);
	struct seen s = { 0 };
	uint64_t recheck = 0;

	(void)state;
	init_set(&ls, 0);
	assert_int_equal(pick_commit(&ls, &c, 1, 1 * SEC, never_absent, &s, &recheck), 1);
	assert_int_equal(s.n, 0);
	assert_int_equal(ls.n_in_force, 1);
	/* an unparsable file: refused (parse), the composition in force stays */
	c = cand("/d/free.policy", "policy free\nserial 2\napp {\n", NULL, 1 * SEC);
	assert_int_equal(pick_commit(&ls, &c, 1, 2 * SEC, never_absent, &s, &recheck), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.last, REFUSED_PARSE);
	assert_int_equal(ls.n_in_force, 1);
	assert_int_equal(ls.in_force[0].serial, 1);
	layers_free(ls.in_force, ls.n_in_force);
	layerset_forget_reported(&ls);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_signed_base_taken_and_marked),
		cmocka_unit_test(t_unsigned_waits_then_refused_once),
		cmocka_unit_test(t_key_roles),
		cmocka_unit_test(t_rollback_and_second_base),
		cmocka_unit_test(t_no_keys_signatures_optional),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
