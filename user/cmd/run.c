// SPDX-License-Identifier: GPL-2.0
/* appban run [POLICY]: put POLICY in force (or adopt what is pinned, or the
 * built-in default) and stream every event until SIGINT/SIGTERM or an
 * unload; SIGHUP reads POLICY again. A write error on standard output stops
 * the stream, never the enforcement. The loop is session.c's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "default_policy.h"
#include "events/format.h"
#include "fleet/trust.h"
#include "session.h"
#include "util/clock.h"
#include "util/log.h"

struct run_ctx {
	int json;
	char line[4096];
	struct session s;
	struct load_opts o;
	struct policy_source src; /* path NULL: an adopted policy */
	struct trust trust; /* the configured keys a policy must be signed with */
};

/* The printer: records, already enforced, to standard output. */
static int print_record(const struct record *r, void *arg)
{
	struct run_ctx *rc = arg;
	int n;

	n = rc->json ? format_json(r, rc->line, sizeof(rc->line)) :
		       format_text(r, rc->line, sizeof(rc->line));
	if (n < 0)
		return 0;
	/* Flushed once per batch of events, not per line: a write per event
	 * halved the rate the reader keeps up with in a flood. */
	return fputs(rc->line, stdout) == EOF ? -EPIPE : 0;
}

static void on_hup(void *arg)
{
	struct run_ctx *rc = arg;

	if (!rc->src.path || rc->src.text)
		pr_warn("SIGHUP: no policy file to read again (the built-in or the loaded policy is in force)\n");
	else
		session_request_apply(&rc->s);
}

/*
 * SIGHUP: read POLICY again and swap it in. The files' digests come from the
 * table that the walk at start made and that the watch has kept current
 * since: no walk. A policy that gains sha256 rules walks (the watch first).
 * A bad file changes nothing.
 */
static void reload(void *arg)
{
	struct run_ctx *rc = arg;
	__u64 t0 = mono_ns();
	int had_table = rc->s.a.ct != NULL;

	if (session_apply(&rc->s, &rc->src, 0)) {
		pr_err("%s not reloaded; the policy in force is unchanged\n", rc->src.path);
		return;
	}
	pr_warn("reloaded %s in %.1f ms%s\n", rc->src.path, (double)(mono_ns() - t0) / 1e6,
		apply_scanning(&rc->s.a) ? ", a walk of the scan roots follows" :
		had_table		 ? ", the files' digests as the watch kept them (no walk)" :
					   "");
}

static const struct session_hooks run_hooks = {
	.hup = on_hup,
	.apply = reload,
};

int cmd_run(int argc, char **argv)
{
	struct run_ctx *rc = calloc(1, sizeof(*rc));
	enum session_end end = SESSION_OUTPUT;
	int i, ret = EXIT_OK, loaded_self = 0, err;

	if (!rc)
		return EXIT_KERNEL;
	i = parse_load_opts(argc, argv, &rc->o, 1);
	if (i < 0 || argc - i > 1) {
		cmd_usage(stderr, argv[0]);
		free(rc);
		return EXIT_USAGE;
	}
	rc->json = rc->o.json;
	if (trust_open(&rc->trust, rc->o.config, rc->o.unsigned_ok)) {
		free(rc);
		return EXIT_INVALID;
	}
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	session_init(&rc->s, &rc->o.apply, stderr);
	rc->s.a.trust = &rc->trust;
	session_signals();

	if (i < argc) {
		rc->src.path = argv[i];
	} else if (loader_adopt(&rc->s.a.l) != 0) {
		rc->src.path = DEFAULT_POLICY_NAME;
		rc->src.text = default_policy_text;
		rc->src.len = sizeof(default_policy_text) - 1;
	}
	if (rc->src.path) {
		ret = session_apply(&rc->s, &rc->src, 0);
		if (ret)
			goto out;
		loaded_self = 1;
	}
	err = session_stream_begin(&rc->s, print_record, rc);
	if (err == -EPIPE)
		goto out_unload; /* end: SESSION_OUTPUT */
	if (err) {
		ret = EXIT_KERNEL;
		goto out_unload;
	}
	ret = session_loop(&rc->s, &run_hooks, rc, &end);
	if (end == SESSION_UNLOADED)
		loaded_self = 0;
out_unload:
	/* Only a deliberate SIGINT/SIGTERM unloads: a broken output (a closed
	 * terminal, `| head`) or a failure must never leave the device open. */
	if (loaded_self && end != SESSION_SIGNAL) {
		pr_warn("events can no longer be written; the policy stays in force (appban unload removes it)\n");
		loaded_self = 0;
	}
	session_close(&rc->s);
	if (loaded_self && !rc->o.keep && loader_unload())
		ret = EXIT_KERNEL;
out:
	session_close(&rc->s);
	trust_close(&rc->trust);
	free(rc);
	return ret;
}
