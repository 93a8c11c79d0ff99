// SPDX-License-Identifier: GPL-2.0
/* appban verify [--key PUB] POLICY...: each POLICY compiled as load would
 * (its problems printed as load prints them) and its signature POLICY.minisig
 * checked against PUB, nothing loaded. Without --key there is no key to
 * check against (the daemon's configured keys are not in this version): the
 * signature is then read but not checked, and said so. 0 all good, 1 not,
 * 2 usage. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "fleet/minisign.h"
#include "policy/compiled.h"
#include "util/base64.h"
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

/* The signature of one policy: 0 good (or not checked: no key), 1 not. */
static int check_signature(const char *path, const struct ms_pubkey *pk, char *what, size_t cap)
{
	struct ms_error e;
	struct ms_sig s;
	char *sig, id[17];
	int err;

	sig = ms_sig_path(path);
	if (!sig) {
		pr_err("out of memory\n");
		return 1;
	}
	if (access(sig, F_OK) && errno == ENOENT) {
		if (pk)
			pr_err("%s: not signed: %s does not exist (sign it with appban sign or minisign -S)\n",
			       path, sig);
		else
			snprintf(
				what, cap,
				"not signed; no trusted key configured (give --key PUB to require a signature)");
		free(sig);
		return pk ? 1 : 0;
	}
	err = pk ? ms_verify_file(pk, path, sig, &s, &e) : ms_sig_load(sig, &s, &e);
	free(sig);
	if (err) {
		pr_err("%s\n", e.msg);
		return 1;
	}
	ms_keynum_str(s.keynum, id);
	if (pk)
		snprintf(what, cap, "signed with key %s (role base), trusted comment: %s", id,
			 s.trusted);
	else
		snprintf(
			what, cap,
			"signed with key %s, NOT CHECKED: no trusted key configured (give --key PUB)",
			id);
	return 0;
}

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	static const volatile int no_stop;
	const char *key = NULL;
	struct ms_pubkey pk;
	struct ms_error e;
	struct applier a;
	int c, i, bad = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c != 'k') {
			cmd_usage(stderr, argv[0]);
			return EXIT_USAGE;
		}
		key = optarg;
	}
	if (optind >= argc) {
		cmd_usage(stderr, argv[0]);
		return EXIT_USAGE;
	}
	if (key && load_key(key, &pk, &e)) {
		pr_err("%s\n", e.msg);
		return EXIT_INVALID;
	}
	applier_init(&a, &no_stop, NULL);
	for (i = optind; i < argc; i++) {
		struct policy_source src = { .path = argv[i] };
		struct compiled_policy *cp = NULL;
		char what[MS_TRUSTED_MAX + 256];
		int rc, sig_bad;

		rc = apply_compile_only(&a, &src, &cp);
		sig_bad = check_signature(argv[i], key ? &pk : NULL, what, sizeof(what));
		if (rc == EXIT_OK && !sig_bad)
			printf("%s: good: policy %s serial %llu; %s\n", argv[i], cp->meta.name,
			       (unsigned long long)cp->meta.serial, what);
		bad |= rc != EXIT_OK || sig_bad;
		compiled_free(cp);
	}
	applier_close(&a);
	return bad ? EXIT_INVALID : EXIT_OK;
}
