// SPDX-License-Identifier: GPL-2.0
/* Unit tests of compose.c: a base policy and exceptions files composed into
 * one policy, what is a warning (at the exceptions file's own place) and
 * what is an error, and what the composition compiles to. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/compile.h"
#include "policy/compose.h"

/* A national base: two apps, an exception of its own. */
static const char base_text[] =
	"policy national\n"
	"serial 2026010101\n"
	"expires 2999-12-31\n"
	"mode monitor\n"
	"app tiktok {\n"
	"\tdescription \"TikTok\"\n"
	"\tname zz-unit-tiktok\n"
	"\tsha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n"
	"\tdeny exec\n"
	"}\n"
	"app twitter {\n"
	"\tname zz-unit-twitter\n"
	"\tdeny network\n"
	"}\n"
	"allow press {\n"
	"\tapp twitter\n"
	"\tuid 2000\n"
	"}\n";

/* One ministry's exceptions: line 6 names an app the base does not have. */
static const char interior_text[] = "policy interior\n"
				    "serial 3\n"
				    "allow comms {\n"
				    "\tapp twitter\n"
				    "\tgid 1001\n"
				    "\tapp snapchat\n"
				    "\tuntil 2999-01-31\n"
				    "}\n"
				    "allow gone {\n"
				    "\tapp snapchat\n"
				    "\tuid 1000\n"
				    "}\n";

/* Another ministry's, with an allow of the same name. */
static const char education_text[] = "policy education\n"
				     "allow comms {\n"
				     "\tapp tiktok\n"
				     "\tapp twitter\n"
				     "\tuid 1500\n"
				     "}\n";

struct out {
	FILE *f;
	char *text;
	size_t len;
	struct diag d;
};

static void out_open(struct out *o)
{
	memset(o, 0, sizeof(*o));
	o->f = open_memstream(&o->text, &o->len);
	assert_non_null(o->f);
	diag_init(&o->d, o->f, "national.policy");
}

static const char *out_text(struct out *o)
{
	fflush(o->f);
	return o->text;
}

static void out_close(struct out *o)
{
	fclose(o->f);
	free(o->text);
}

static void expect_line(struct out *o, const char *want)
{
	if (!strstr(out_text(o), want))
		fail_msg("expected \"%s\" in:\n%s", want, o->text);
}

/* `text` read as the file `file`, as a layer; it must parse. */
static struct policy *parse(const char *file, const char *text)
{
	struct policy *p = NULL;
	struct diag d;

	diag_init(&d, stderr, file);
	assert_int_equal(policy_parse_buf_as(file, text, strlen(text), POLICY_PARSE_LAYER, &p, &d),
			 0);
	return p;
}

static void test_compose_names_layer_allows_layer_slash_name(void **state)
{
	struct policy *base = parse("national.policy", base_text);
	struct policy *layer = parse("/etc/appban/policy.d/interior.policy", interior_text);
	struct policy *p = NULL;
	const struct allow *a;
	struct out o;

	(void)state;
	out_open(&o);
	assert_int_equal(policy_compose(base, &layer, 1, &p, &o.d), 0);
	/* the base's, as it was */
	assert_string_equal(p->name, "national");
	assert_true(p->serial == 2026010101ull);
	assert_true(p->monitor);
	assert_true(p->has_expires);
	assert_true(p->expires == base->expires);
	assert_false(p->exceptions_only);
	assert_string_equal(p->file, "national.policy");
	assert_int_equal(p->n_apps, 2);
	assert_string_equal(p->apps[0].name, "tiktok");
	assert_string_equal(p->apps[0].description, "TikTok");
	assert_int_equal(p->apps[0].n_idents, 2);
	/* the base's own exception keeps its name; the layer's is LAYER/NAME */
	assert_int_equal(p->n_allows, 2);
	assert_string_equal(p->allows[0].name, "press");
	assert_null(p->allows[0].file);
	a = &p->allows[1];
	assert_string_equal(a->name, "interior/comms");
	assert_string_equal(a->file, "/etc/appban/policy.d/interior.policy");
	assert_int_equal(a->loc.line, 3);
	assert_int_equal(a->n_apps, 1);
	assert_string_equal(a->apps[0].name, "twitter");
	assert_int_equal(a->apps[0].app_index, 1);
	assert_int_equal(a->n_principals, 1);
	assert_int_equal(a->principals[0].kind, PRINCIPAL_GID);
	assert_int_equal(a->principals[0].id, 1001);
	assert_true(a->has_until);
	assert_true(a->until == layer->allows[0].until);
	policy_free(p);
	policy_free(layer);
	policy_free(base);
	out_close(&o);
}

static void test_compose_unknown_app_is_a_warning_at_the_layer_line(void **state)
{
	struct policy *base = parse("national.policy", base_text);
	struct policy *layer = parse("/etc/appban/policy.d/interior.policy", interior_text);
	struct policy *p = NULL;
	struct out o;

	(void)state;
	out_open(&o);
	assert_int_equal(policy_compose(base, &layer, 1, &p, &o.d), 0);
	assert_non_null(p);
	assert_int_equal(o.d.errors, 0);
	/* the line, at the place of the name in the exceptions file */
	expect_line(
		&o,
		"/etc/appban/policy.d/interior.policy:6:6: warning: app \"snapchat\" is not in the base policy \"national\": this line is ignored\n");
	/* a block left with no app goes, with a warning at its line */
	expect_line(
		&o,
		"/etc/appban/policy.d/interior.policy:10:6: warning: app \"snapchat\" is not in the base policy \"national\": this line is ignored\n");
	expect_line(
		&o,
		"/etc/appban/policy.d/interior.policy:9:1: warning: allow \"gone\" names no app of the base policy \"national\": this block is ignored\n");
	assert_int_equal(o.d.warnings, 3);
	assert_null(strstr(o.text, "national.policy:"));
	assert_int_equal(p->n_allows, 2);
	assert_string_equal(p->allows[1].name, "interior/comms");
	assert_int_equal(p->allows[1].n_apps, 1);
	policy_free(p);
	policy_free(layer);
	policy_free(base);
	out_close(&o);
}

static void test_compose_two_layers_with_the_same_allow_name(void **state)
{
	struct policy *base = parse("national.policy", base_text);
	struct policy *layers[2] = {
		parse("education.policy", education_text),
		parse("interior.policy", interior_text),
	};
	struct policy *p = NULL;
	struct out o;

	(void)state;
	out_open(&o);
	assert_int_equal(policy_compose(base, layers, 2, &p, &o.d), 0);
	/* both, in the order given, each under its ministry's name */
	assert_int_equal(p->n_allows, 3);
	assert_string_equal(p->allows[0].name, "press");
	assert_string_equal(p->allows[1].name, "education/comms");
	assert_string_equal(p->allows[1].file, "education.policy");
	assert_int_equal(p->allows[1].n_apps, 2);
	assert_int_equal(p->allows[1].apps[0].app_index, 0);
	assert_int_equal(p->allows[1].apps[1].app_index, 1);
	assert_string_equal(p->allows[2].name, "interior/comms");
	assert_string_equal(p->allows[2].file, "interior.policy");
	policy_free(p);
	policy_free(layers[0]);
	policy_free(layers[1]);
	policy_free(base);
	out_close(&o);
}

/* The composition owns copies: the base and the layers are not changed,
 * and each may go before or after it. */
static void test_compose_leaves_base_and_layers_unchanged(void **state)
{
	struct policy *base = parse("national.policy", base_text);
	struct policy *layer = parse("interior.policy", interior_text);
	struct policy *p = NULL;
	struct compiled_policy *c = NULL;
	struct out o;

	(void)state;
	out_open(&o);
	assert_int_equal(policy_compose(base, &layer, 1, &p, &o.d), 0);
	policy_free(p);
	assert_int_equal(base->n_allows, 1);
	assert_string_equal(base->allows[0].name, "press");
	assert_int_equal(base->n_apps, 2);
	assert_string_equal(base->apps[0].idents[0].value, "zz-unit-tiktok");
	assert_true(layer->exceptions_only);
	assert_int_equal(layer->n_allows, 2);
	assert_string_equal(layer->allows[0].name, "comms");
	assert_null(layer->allows[0].file);
	assert_int_equal(layer->allows[0].n_apps, 2);
	assert_true(layer->allows[0].apps[0].app_index == APP_REF_UNRESOLVED);
	/* again, and the sources freed first: the result stands alone */
	assert_int_equal(policy_compose(base, &layer, 1, &p, &o.d), 0);
	policy_free(layer);
	policy_free(base);
	assert_int_equal(policy_compile(p, NULL, &c, &o.d), 0);
	assert_int_equal(c->meta.n_allows, 2);
	compiled_free(c);
	policy_free(p);
	out_close(&o);
}

static void test_compose_compiles_to_the_layer_exceptions(void **state)
{
	struct policy *base = parse("national.policy", base_text);
	struct policy *layers[2] = {
		parse("education.policy", education_text),
		parse("interior.policy", interior_text),
	};
	struct compiled_policy *c = NULL;
	struct policy *p = NULL;
	struct out o;
	size_t i, n_edu = 0;

	(void)state;
	out_open(&o);
	assert_int_equal(policy_compose(base, layers, 2, &p, &o.d), 0);
	assert_int_equal(policy_compile(p, NULL, &c, &o.d), 0);
	assert_int_equal(o.d.errors, 0);
	/* the base's meta */
	assert_string_equal(c->meta.name, "national");
	assert_true(c->meta.serial == 2026010101ull);
	assert_int_equal(c->meta.mode, APPBAN_MODE_MONITOR);
	assert_true(c->meta.expires == base->expires);
	assert_int_equal(c->meta.n_apps, 2);
	assert_int_equal(c->n_names, 2);
	assert_int_equal(c->n_digests, 1);
	/* press (uid 2000: twitter), education/comms (uid 1500: both apps),
	 * interior/comms (gid 1001: twitter) */
	assert_int_equal(c->meta.n_allows, 3);
	assert_string_equal(c->allows[0].name, "press");
	assert_string_equal(c->allows[1].name, "education/comms");
	assert_string_equal(c->allows[2].name, "interior/comms");
	assert_true(c->allows[2].until == layers[1]->allows[0].until);
	assert_int_equal(c->meta.n_exc_entries, 4);
	for (i = 0; i < c->meta.n_exc_entries; i++) {
		const struct compiled_exc *e = &c->excs[i];

		if (e->val.allow == 1) {
			n_edu++;
			assert_int_equal(e->key.kind, APPBAN_EXC_UID);
			assert_int_equal(e->key.id, 1500);
		} else if (e->val.allow == 2) {
			assert_int_equal(e->key.app, 1); /* twitter */
			assert_int_equal(e->key.kind, APPBAN_EXC_GID);
			assert_int_equal(e->key.id, 1001);
		} else {
			assert_int_equal(e->val.allow, 0);
			assert_int_equal(e->key.app, 1);
			assert_int_equal(e->key.id, 2000);
		}
	}
	assert_int_equal(n_edu, 2);
	compiled_free(c);
	policy_free(p);
	policy_free(layers[0]);
	policy_free(layers[1]);
	policy_free(base);
	out_close(&o);
}

/* Nothing to add: the copy compiles to what the base compiles to. */
static void test_compose_without_layers_is_the_base(void **state)
{
	struct policy *base = parse("national.policy", base_text);
	struct compiled_policy *a = NULL, *b = NULL;
	struct policy *p = NULL;
	struct out o;

	(void)state;
	out_open(&o);
	assert_int_equal(policy_compose(base, NULL, 0, &p, &o.d), 0);
	assert_int_equal(policy_compile(base, NULL, &a, &o.d), 0);
	assert_int_equal(policy_compile(p, NULL, &b, &o.d), 0);
	assert_true(compiled_equal(a, b));
	assert_int_equal(a->n_digests, b->n_digests);
	assert_memory_equal(a->digests, b->digests, a->n_digests * sizeof(*a->digests));
	compiled_free(a);
	compiled_free(b);
	policy_free(p);
	policy_free(base);
	out_close(&o);
}

/* Compile errors in a layer's block (an unknown user) are the layer's:
 * reported at its place in its file. */
static void test_compose_compile_errors_name_the_exceptions_file(void **state)
{
	static const char bad[] = "policy defence\n"
				  "allow ops {\n"
				  "\tapp tiktok\n"
				  "\tuser appban-no-such-user\n"
				  "\tuntil 2020-01-01\n"
				  "}\n";
	struct policy *base = parse("national.policy", base_text);
	struct policy *layer = parse("/srv/defence.policy", bad);
	struct compiled_policy *c = NULL;
	struct policy *p = NULL;
	struct out o;

	(void)state;
	out_open(&o);
	assert_int_equal(policy_compose(base, &layer, 1, &p, &o.d), 0);
	assert_int_equal(policy_compile(p, NULL, &c, &o.d), -EINVAL);
	assert_null(c);
	expect_line(&o, "/srv/defence.policy:4:7: error: unknown user \"appban-no-such-user\"\n");
	expect_line(&o,
		    "/srv/defence.policy:5:8: warning: allow \"defence/ops\" ended on 2020-01-01");
	policy_free(p);
	policy_free(layer);
	policy_free(base);
	out_close(&o);
}

static void test_compose_stale_layer_is_a_warning(void **state)
{
	static const char stale[] = "policy health\n"
				    "expires 2020-01-01\n"
				    "allow ward {\n"
				    "\tapp twitter\n"
				    "\tuid 1200\n"
				    "}\n";
	struct policy *base = parse("national.policy", base_text);
	struct policy *layer = parse("health.policy", stale);
	struct policy *p = NULL;
	struct out o;

	(void)state;
	out_open(&o);
	assert_int_equal(policy_compose(base, &layer, 1, &p, &o.d), 0);
	assert_int_equal(o.d.errors, 0);
	assert_int_equal(o.d.warnings, 1);
	expect_line(
		&o,
		"health.policy:2:9: warning: exceptions file \"health\" expired on 2020-01-01 (expires is in the past): it is stale from the start; its exceptions apply all the same\n");
	/* in force all the same; the composition's expires is the base's */
	assert_int_equal(p->n_allows, 2);
	assert_string_equal(p->allows[1].name, "health/ward");
	assert_true(p->expires == base->expires);
	policy_free(p);
	policy_free(layer);
	policy_free(base);
	out_close(&o);
}

static void test_compose_refuses_what_is_not_a_base_and_its_layers(void **state)
{
	struct policy *base = parse("national.policy", base_text);
	struct policy *exc = parse("interior.policy", interior_text);
	struct policy *twice[2] = { exc, parse("copy/interior.policy", interior_text) };
	struct policy *p = NULL;
	struct out o;

	(void)state;
	/* an exceptions file as the base */
	out_open(&o);
	assert_int_equal(policy_compose(exc, NULL, 0, &p, &o.d), -EINVAL);
	assert_null(p);
	expect_line(
		&o,
		"interior.policy:1:1: error: policy \"interior\" has no app: it cannot be the base of a composition");
	out_close(&o);
	/* a second base as a layer: at its first app */
	out_open(&o);
	assert_int_equal(policy_compose(base, &base, 1, &p, &o.d), -EINVAL);
	assert_null(p);
	expect_line(
		&o,
		"national.policy:5:1: error: policy \"national\" is not an exceptions file (it has app blocks): only one base policy is composed");
	out_close(&o);
	/* one layer name twice */
	out_open(&o);
	assert_int_equal(policy_compose(base, twice, 2, &p, &o.d), -EINVAL);
	assert_null(p);
	expect_line(
		&o,
		"copy/interior.policy:1:1: error: exceptions file \"interior\" given twice (also interior.policy)");
	assert_int_equal(o.d.errors, 1);
	out_close(&o);
	policy_free(twice[1]);
	policy_free(exc);
	policy_free(base);
}

/* An exceptions file that reached the compiler alone (parsed as a layer,
 * never composed) is refused there too. */
static void test_compose_exceptions_file_compiled_alone_is_an_error(void **state)
{
	struct policy *exc = parse("interior.policy", interior_text);
	struct compiled_policy *c = NULL;
	struct out o;

	(void)state;
	out_open(&o);
	assert_int_equal(policy_compile(exc, NULL, &c, &o.d), -EINVAL);
	assert_null(c);
	expect_line(&o, ": error: policy has no app: an exceptions file is composed with a base");
	policy_free(exc);
	out_close(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compose_names_layer_allows_layer_slash_name),
		cmocka_unit_test(test_compose_unknown_app_is_a_warning_at_the_layer_line),
		cmocka_unit_test(test_compose_two_layers_with_the_same_allow_name),
		cmocka_unit_test(test_compose_leaves_base_and_layers_unchanged),
		cmocka_unit_test(test_compose_compiles_to_the_layer_exceptions),
		cmocka_unit_test(test_compose_without_layers_is_the_base),
		cmocka_unit_test(test_compose_compile_errors_name_the_exceptions_file),
		cmocka_unit_test(test_compose_stale_layer_is_a_warning),
		cmocka_unit_test(test_compose_refuses_what_is_not_a_base_and_its_layers),
		cmocka_unit_test(test_compose_exceptions_file_compiled_alone_is_an_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
