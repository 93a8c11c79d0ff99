// SPDX-License-Identifier: GPL-2.0
/* appban sign [-k KEY] POLICY...: POLICY.minisig beside each POLICY, in
 * minisign's format (prehashed), signed with the secret key KEY. The
 * password of an encrypted key is read from standard input. 0 every file
 * signed, 1 not, 2 usage. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "fleet/seckey.h"
#include "util/log.h"

/* One line of standard input, without echo on a terminal (minisign reads
 * its password the same way, so scripts feed both alike). */
static int read_password(void *ctx, const char *name, char *buf, size_t cap)
{
	struct termios old, quiet;
	int tty = isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &old);
	size_t n;
	char *got;

	(void)ctx;
	if (tty) {
		fprintf(stderr, "Password for %s: ", name);
		fflush(stderr);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	got = fgets(buf, (int)cap, stdin);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (!got)
		return ferror(stdin) ? -EIO : -ENODATA;
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	else if (n == cap - 1 && !feof(stdin))
		return -EMSGSIZE;
	if (n && buf[n - 1] == '\r')
		buf[--n] = '\0';
	return 0;
}

int cmd_sign(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	const char *key = NULL;
	struct ms_seckey sk;
	struct ms_error e;
	int c, i, bad = 0;
	char id[17];

	optind = 1;
	while ((c = getopt_long(argc, argv, "+k:", opts, NULL)) != -1) {
		if (c != 'k') {
			cmd_usage(stderr, argv[0]);
			return EXIT_USAGE;
		}
		key = optarg;
	}
	if (!key || optind >= argc) {
		cmd_usage(stderr, argv[0]);
		return EXIT_USAGE;
	}
	if (ms_seckey_load(key, read_password, NULL, &sk, &e)) {
		pr_err("%s\n", e.msg);
		return EXIT_INVALID;
	}
	ms_keynum_str(sk.keynum, id);
	for (i = optind; i < argc; i++) {
		char *sig = ms_sig_path(argv[i]);

		if (!sig) {
			pr_err("out of memory\n");
			bad = 1;
			break;
		}
		if (ms_sign_file(&sk, argv[i], sig, &e)) {
			pr_err("%s\n", e.msg);
			bad = 1;
		} else {
			printf("appban: %s written (key id %s)\n", sig, id);
		}
		free(sig);
	}
	ms_wipe(&sk, sizeof(sk));
	return bad ? EXIT_INVALID : EXIT_OK;
}
