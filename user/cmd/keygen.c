// SPDX-License-Identifier: GPL-2.0
/* appban keygen [--force] -o KEY: an Ed25519 key pair in minisign's format,
 * KEY (secret, 0600, not encrypted) and KEY.pub. 0 written, 1 not, 2 usage. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>

#include "cmd/cmd.h"
#include "fleet/seckey.h"
#include "util/log.h"

int cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL;
	struct ms_pubkey pk;
	struct ms_error e;
	char id[17];
	int c, force = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+o:f", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'f':
			force = 1;
			break;
		default:
			cmd_usage(stderr, argv[0]);
			return EXIT_USAGE;
		}
	}
	if (!out || !*out || optind != argc) {
		cmd_usage(stderr, argv[0]);
		return EXIT_USAGE;
	}
	if (ms_keygen_files(out, force, &pk, &e)) {
		pr_err("%s\n", e.msg);
		return EXIT_INVALID;
	}
	ms_keynum_str(pk.keynum, id);
	printf("appban: secret key written to %s (not encrypted, mode 0600): keep it where policies are signed, never on the devices\n",
	       out);
	printf("appban: public key written to %s.pub (key id %s): the devices trust it\n", out, id);
	return EXIT_OK;
}
