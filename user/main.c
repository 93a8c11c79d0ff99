// SPDX-License-Identifier: GPL-2.0
/* appban's command line (docs/cli.md, appban(8)): global options, then the
 * command, each in a file of its own under cmd/. */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "util/heap.h"
#include "util/log.h"

#ifndef APPBAN_VERSION
#define APPBAN_VERSION "unknown"
#endif

const struct cmd cmd_table[] = {
	{ "load",
	  "[--monitor] [--no-kill] [--engine lsm|fallback] [--unsigned] [--config FILE] POLICY",
	  "Compile POLICY and enforce it; a loaded policy is replaced atomically.\n"
	  "Every rule that needs no file scan is in force at once; sha256 rules follow\n"
	  "as the scan finds files (the last line says when it has ended).\n"
	  "With trusted keys configured (/etc/appban/appban.conf), POLICY must be signed\n"
	  "by a base key (POLICY.minisig) and not older than its name's last serial.\n"
	  "  --monitor        report every match, block nothing\n"
	  "  --no-kill        leave running processes of newly banned apps alone\n"
	  "  --engine E       lsm or fallback (default: probe, lsm first)\n"
	  "  --unsigned       put it in force without a good signature (logged to syslog,\n"
	  "                   shown by status and in the policy-loaded record)\n"
	  "  --config FILE    the configuration with the trusted keys (default\n"
	  "                   $APPBAN_CONFIG, else /etc/appban/appban.conf)\n",
	  cmd_load },
	{ "unload", "",
	  "Make every program inert and remove the pins (logged to syslog);\n"
	  "the programs are detached within seconds after it returns.\n",
	  cmd_unload },
	{ "status", "[--json]",
	  "Engine and why, policy, counters, and the protections in force on this kernel;\n"
	  "with a daemon running, its sources (last check, last change, last error, next\n"
	  "check), sinks and followers.\n",
	  cmd_status },
	{ "check", "[--json] FILE...",
	  "Which app and identifier of the loaded policy match each FILE, and what\n"
	  "would happen on this engine; nothing is executed.\n",
	  cmd_check },
	{ "run",
	  "[--json] [--keep] [--monitor] [--no-kill] [--engine lsm|fallback] [--unsigned] [--config FILE] [POLICY]",
	  "Load POLICY (or adopt the loaded policy, or the built-in default) and print\n"
	  "every event until SIGINT/SIGTERM (then unload, unless --keep) or an unload.\n"
	  "SIGHUP reads POLICY again. A broken output never unloads.\n"
	  "  --json           one ECS JSON object per line\n"
	  "  --keep           leave the policy in force at exit\n"
	  "  --monitor, --no-kill, --engine E, --unsigned, --config FILE: as for load\n",
	  cmd_run },
	{ "verify", "[--key PUB | --config FILE] POLICY...",
	  "Check each POLICY without loading it: compile it as load would (its errors and\n"
	  "warnings printed the same way) and check POLICY.minisig against PUB, else\n"
	  "against the configured trusted keys.\n"
	  "Prints the policy's name and serial, the key, its role and the trusted comment.\n"
	  "  --key PUB        a minisign public key file, or the key itself (base64)\n"
	  "  --config FILE    the configuration with the trusted keys (default\n"
	  "                   $APPBAN_CONFIG, else /etc/appban/appban.conf); with no key\n"
	  "                   anywhere the signature is read but not checked\n",
	  cmd_verify },
	{ "keygen", "[--force] -o KEY",
	  "Make an Ed25519 key pair in minisign's format: KEY, the secret key (mode\n"
	  "0600, not encrypted), and KEY.pub, the public key.\n"
	  "  -o, --output KEY where to write them\n"
	  "  -f, --force      replace KEY and KEY.pub when they exist\n",
	  cmd_keygen },
	{ "sign", "-k KEY POLICY...",
	  "Sign each POLICY with the minisign secret key KEY (appban keygen or\n"
	  "minisign -G): writes POLICY.minisig, prehashed, as minisign -S does. The\n"
	  "password of an encrypted key is read from standard input.\n"
	  "  -k, --key KEY    the secret key file\n",
	  cmd_sign },
	{ "daemon", "[--config FILE] [--text]",
	  "Service mode (systemd, Type=notify): the policy composed from the signed files\n"
	  "of the policy directory and the sources of FILE, kept current; events on\n"
	  "standard output. SIGHUP reads FILE again and checks every source now; SIGTERM\n"
	  "stops the daemon and leaves the policy in force.\n"
	  "  --config FILE    the configuration (default /etc/appban/appban.conf)\n"
	  "  --text           events as text lines, not JSON\n",
	  cmd_daemon },
	{ "events", "[--json]",
	  "Follow the events of the running appban daemon, from now on (any number of\n"
	  "followers at once). A follower that does not keep up is cut off and told how\n"
	  "many records it missed: the daemon never waits for it. Exit status 0 when the\n"
	  "daemon stops, 1 when cut off, 4 when no daemon runs.\n"
	  "  --json           one ECS JSON object per line (default: text lines)\n",
	  cmd_events },
	{ NULL, NULL, NULL, NULL },
};

/* Commands of the specification that this version does not have yet. */
static const char *const not_yet[] = { NULL };

static const struct cmd *find_cmd(const char *name)
{
	const struct cmd *c;

	for (c = cmd_table; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

void cmd_usage(FILE *f, const char *name)
{
	const struct cmd *c = name ? find_cmd(name) : NULL;

	if (c) {
		fprintf(f, "usage: appban %s %s\n", c->name, c->args);
		return;
	}
	fputs("usage: appban [--verbose] COMMAND [ARGS]\n"
	      "       appban --version | --help | COMMAND --help\n",
	      f);
	for (c = cmd_table; c->name; c++)
		fprintf(f, "  %-7s %s\n", c->name, c->args);
	fputs("See appban(8) and appban.policy(5).\n", f);
}

/* COMMAND --help or -h anywhere before "--": the command's help. */
static int wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	const struct cmd *c;
	int i;

	heap_use_huge_pages();
	while (argc > 1 && (!strcmp(argv[1], "--verbose") || !strcmp(argv[1], "-v"))) {
		log_set_level(log_get_level() < LVL_DEBUG ? log_get_level() + 1 : LVL_DEBUG);
		argv++;
		argc--;
	}
	log_hook_libbpf();
	if (argc < 2) {
		cmd_usage(stderr, NULL);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		cmd_usage(stdout, argc > 2 ? argv[2] : NULL);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("appban %s\n", APPBAN_VERSION);
		return EXIT_OK;
	}
	c = find_cmd(argv[1]);
	if (c && wants_help(argc - 1, argv + 1)) {
		printf("usage: appban %s %s\n\n%s", c->name, c->args, c->about);
		return EXIT_OK;
	}
	if (c)
		return c->fn(argc - 1, argv + 1);
	for (i = 0; not_yet[i]; i++)
		if (!strcmp(argv[1], not_yet[i])) {
			pr_err("\"%s\" is not available in this version yet\n", argv[1]);
			return EXIT_USAGE;
		}
	pr_err("unknown command \"%s\"\n", argv[1]);
	cmd_usage(stderr, NULL);
	return EXIT_USAGE;
}
