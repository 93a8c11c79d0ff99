/* SPDX-License-Identifier: GPL-2.0 */
/* The commands of the command line (docs/cli.md): one file each; main.c
 * only dispatches. */
#ifndef __APPBAN_CMD_H
#define __APPBAN_CMD_H

#include <stdio.h>

#include "apply.h"
#include "cmd/exit.h"

struct cmd {
	const char *name;
	const char *args; /* the usage line after the name */
	const char *about; /* what it does, and its options, for --help */
	int (*fn)(int argc, char **argv);
};

/* Every command, in the order --help lists them; NULL-terminated. */
extern const struct cmd cmd_table[];

/* The command's usage line (to f), or the whole usage for an unknown name. */
void cmd_usage(FILE *f, const char *name);

/* Options of load and run. */
struct load_opts {
	struct apply_opts apply;
	int json;
	int keep;
	int unsigned_ok; /* --unsigned */
	const char *config; /* --config FILE: where the trusted keys are */
};
/* Parse them from argv (argv[0] the command): the index of the first
 * operand, or -1 after reporting a bad option. run_opts: allow --json, --keep. */
int parse_load_opts(int argc, char **argv, struct load_opts *o, int run_opts);

int cmd_load(int argc, char **argv);
int cmd_unload(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_daemon(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_sign(int argc, char **argv);

#endif /* __APPBAN_CMD_H */
