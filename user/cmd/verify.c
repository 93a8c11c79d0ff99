// SPDX-License-Identifier: GPL-2.0
/* appban verify [--key PUB | --config FILE] POLICY...: each POLICY compiled
 * as load would (its problems printed as load prints them) and its signature
 * POLICY.minisig checked against PUB, or else against the keys of the
 * configuration (fleet/trust.h), nothing loaded. With no key at all the
 * signature is read but not checked, and said so. 0 all good, 1 not, 2
 * usage. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "fleet/minisign.h"
#include "fleet/trust.h"
#include "policy/compiled.h"
#include "policy/parse.h"
#include "util/base64.h"
#include "util/file.h"
#include "util/log.h"

/* --key: a public key file, or the key itself as minisign -P takes it. */
static int load_key(const char *arg, struct ms_pubkey *pk, struct ms_error *e)
{
	int err = ms_pubkey_load(arg, pk, e);

	/* "Ed" in base64: RW */
	if (err == -ENOENT && strlen(arg) == BASE64_LEN(2 + MS_KEYNUM_LEN + MS_PK_LEN) &&
	    !strncmp(arg, "RW", 2))
		return ms_pubkey_parse("--key", arg, strlen(arg), pk, e);
	return err;
}

/* The signature of one policy against keys (n 0: none to check against;
 * whose: where they come from, NULL for the one key of --key): 0 good (or
 * not checked), 1 not. */
static int check_signature(const char *path, const struct trusted_key *keys, size_t n,
			   const char *whose, char *what, size_t cap)
{
	enum fleet_key_role role = FLEET_KEY_BASE;
	char *sig_path, *sig = NULL, *raw = NULL, msg[1024], id[17];
	size_t sig_len = 0, raw_len = 0;
	struct ms_error e;
	struct ms_sig s;
	int err;

	if (asprintf(&sig_path, "%s.minisig", path) < 0) {
		pr_err("out of memory\n");
		return 1;
	}
	err = file_read_all(sig_path, 1 << 16, &sig, &sig_len);
	if (err == -ENOENT) {
		if (n)
			pr_err("%s: not signed: %s does not exist (sign it with appban sign or minisign -S)\n",
			       path, sig_path);
		else
			snprintf(
				what, cap,
				"not signed; no trusted key configured (give --key PUB to require a signature)");
		free(sig_path);
		return n ? 1 : 0;
	}
	if (err) {
		pr_err("%s: cannot read %s: %s\n", path, sig_path, strerror(-err));
		free(sig_path);
		return 1;
	}
	if (ms_sig_parse(sig_path, sig, sig_len, &s, &e)) {
		pr_err("%s\n", e.msg);
		err = 1;
		goto out;
	}
	ms_keynum_str(s.keynum, id);
	if (!n) {
		snprintf(
			what, cap,
			"signed with key %s, NOT CHECKED: no trusted key configured (give --key PUB)",
			id);
		goto out;
	}
	err = file_read_all(path, POLICY_FILE_MAX, &raw, &raw_len);
	if (err) {
		pr_err("%s: cannot read: %s\n", path, strerror(-err));
		err = 1;
		goto out;
	}
	if (!whose) {
		/* --key: minisign's own words (which key made it, which was given) */
		if (ms_verify(&keys[0].pk, &s, sig_path, path, raw, raw_len, &e)) {
			pr_err("%s\n", e.msg);
			err = 1;
			goto out;
		}
		snprintf(what, cap, "signed with key %s (role base), trusted comment: %s", id,
			 s.trusted);
		goto out;
	}
	if (trusted_keys_verify(keys, n, path, raw, raw_len, sig, sig_len, &role, msg,
				sizeof(msg))) {
		pr_err("%s: %s (keys of %s)\n", path, msg, whose);
		err = 1;
		goto out;
	}
	snprintf(what, cap, "signed with key %s (role %s, %s), trusted comment: %s", id,
		 fleet_key_role_str(role), whose, s.trusted);
out:
	free(raw);
	free(sig);
	free(sig_path);
	return err ? 1 : 0;
}

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "config", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	static const volatile int no_stop;
	const char *key = NULL, *config = NULL;
	struct trusted_key one = { .role = FLEET_KEY_BASE };
	const struct trusted_key *keys = NULL;
	char whose[4200] = "";
	struct ms_error e;
	struct applier a;
	struct trust t = { 0 };
	size_t n = 0;
	int c, i, bad = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c == 'k') {
			key = optarg;
		} else if (c == 'c') {
			config = optarg;
		} else {
			cmd_usage(stderr, argv[0]);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc || (key && config)) {
		if (key && config)
			pr_err("--key and --config: give one\n");
		cmd_usage(stderr, argv[0]);
		return EXIT_USAGE;
	}
	if (key) {
		if (load_key(key, &one.pk, &e)) {
			pr_err("%s\n", e.msg);
			return EXIT_INVALID;
		}
		snprintf(one.path, sizeof(one.path), "%s", key);
		keys = &one;
		n = 1;
	} else {
		/* the configured keys, as load and the daemon check them */
		if (trust_open(&t, config, 0))
			return EXIT_INVALID;
		keys = t.keys;
		n = t.n_keys;
		snprintf(whose, sizeof(whose), "%s", t.config_path);
	}
	applier_init(&a, &no_stop, NULL);
	for (i = optind; i < argc; i++) {
		struct policy_source src = { .path = argv[i] };
		struct compiled_policy *cp = NULL;
		char what[MS_TRUSTED_MAX + 4400];
		int rc, sig_bad;

		rc = apply_compile_only(&a, &src, &cp);
		sig_bad = check_signature(argv[i], keys, n, key ? NULL : whose, what, sizeof(what));
		if (rc == EXIT_OK && !sig_bad)
			printf("%s: good: policy %s serial %llu; %s\n", argv[i], cp->meta.name,
			       (unsigned long long)cp->meta.serial, what);
		bad |= rc != EXIT_OK || sig_bad;
		compiled_free(cp);
	}
	applier_close(&a);
	trust_close(&t);
	return bad ? EXIT_INVALID : EXIT_OK;
}
