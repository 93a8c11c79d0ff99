// SPDX-License-Identifier: GPL-2.0
/* The options that load and run share. */
#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "cmd/cmd.h"
#include "util/log.h"

static int parse_engine(const char *s, enum appban_engine *out)
{
	if (!strcmp(s, "lsm"))
		*out = APPBAN_ENGINE_LSM;
	else if (!strcmp(s, "fallback"))
		*out = APPBAN_ENGINE_FALLBACK;
	else
		return -EINVAL;
	return 0;
}

int parse_load_opts(int argc, char **argv, struct load_opts *o, int run_opts)
{
	static const struct option opts[] = {
		{ "monitor", no_argument, NULL, 'm' },
		{ "engine", required_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'j' },
		{ "keep", no_argument, NULL, 'k' },
		{ "no-kill", no_argument, NULL, 'K' },
		{ "unsigned", no_argument, NULL, 'u' },
		{ "config", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			o->apply.monitor = 1;
			break;
		case 'K':
			o->apply.no_kill = 1;
			break;
		case 'u':
			o->unsigned_ok = 1;
			break;
		case 'c':
			o->config = optarg;
			break;
		case 'e':
			if (parse_engine(optarg, &o->apply.engine)) {
				pr_err("unknown engine \"%s\" (expected lsm or fallback)\n",
				       optarg);
				return -1;
			}
			break;
		case 'j':
		case 'k':
			if (!run_opts) {
				pr_err("--%s is an option of run, not of load\n",
				       c == 'j' ? "json" : "keep");
				return -1;
			}
			if (c == 'j')
				o->json = 1;
			else
				o->keep = 1;
			break;
		default:
			return -1;
		}
	}
	return optind;
}
