// SPDX-License-Identifier: GPL-2.0
/* appban run [POLICY]: put POLICY in force (or adopt what is pinned, or the
 * built-in default) and stream every event until SIGINT/SIGTERM or an
 * unload; SIGHUP reads POLICY again. A write error on standard output stops
 * the stream, never the enforcement. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "default_policy.h"
#include "enforce.h"
#include "events/format.h"
#include "policy/compile.h"
#include "util/clock.h"
#include "util/log.h"

/* The only globals: set by the signal handlers, read by the event loop. */
static volatile int stop_requested;
static volatile sig_atomic_t reload_requested;

static void on_hup(int sig)
{
	(void)sig;
	reload_requested = 1;
}

static void on_signal(int sig)
{
	stop_requested = sig;
}

struct run_ctx {
	int json;
	char line[4096];
	struct applier a;
	struct enforcer e;
	struct policy_source src; /* path NULL: an adopted policy */
	struct load_opts o;
	struct watch *w;
	int reload; /* SIGHUP: read the policy file again */
};

/* One record: enforcement first, then the printer, which only prints. */
static int on_record(const struct record *r, void *arg)
{
	struct run_ctx *rc = arg;
	int n;

	enforce_record(&rc->e, r);
	if (r->kind == REC_CONTENT_UNKNOWN)
		return 0;
	n = rc->json ? format_json(r, rc->line, sizeof(rc->line)) :
		       format_text(r, rc->line, sizeof(rc->line));
	if (n < 0)
		return 0;
	/* Flushed once per batch of events, not per line: a write per event
	 * halved the rate the reader keeps up with in a flood. */
	return fputs(rc->line, stdout) == EOF ? -EPIPE : 0;
}

/* The watch for files written from now on: before any walk, so that no
 * write falls between the walk and the watch. */
static void watch_start(struct run_ctx *rc)
{
	int err;

	if (rc->w)
		return;
	err = watch_new(&rc->w);
	if (err)
		pr_warn("cannot watch the file systems for new files (%s): a copy of a banned file made from now on is not caught\n",
			strerror(-err));
}

/* While running, a path or directory of the policy that did not exist is
 * looked for again every second and the policy swapped when it appears. */
static void reresolve(struct run_ctx *rc)
{
	struct compiled_policy *c = NULL;
	struct applier *a = &rc->a;

	if (apply_compile(a, &rc->src, &rc->o.apply, &c, 1))
		return;
	if (content_apply(a->ct, c, a->k) < 0) {
		compiled_free(c);
		return;
	}
	if (compiled_equal(c, a->c)) {
		a->c->unresolved = c->unresolved;
		compiled_free(c);
		return;
	}
	pr_info("a path of the policy appeared or changed; policy updated\n");
	if (apply_policy(a, c, &rc->o.apply) == EXIT_OK)
		event_reader_set_content(rc->e.r, a->ct);
}

/* Files written while nothing read the watch (its queue overflowed, or on a
 * file system mounted since) were not seen: the walk, through the digest
 * cache, finds them; the policy in force gets what it adds. */
static void rescan(struct run_ctx *rc, const char *why)
{
	struct content *nct = NULL;

	pr_warn("%s; scanning again\n", why);
	if (content_scan(&nct, &stop_requested, NULL))
		return;
	content_free(rc->a.ct);
	rc->a.ct = nct;
	event_reader_set_content(rc->e.r, nct);
	if (rc->src.path)
		reresolve(rc);
}

/*
 * SIGHUP: read POLICY again and swap it in. The files' digests come from the
 * table that the walk at start made and that the watch has kept current
 * since: no walk. A policy that gains sha256 rules walks (the watch first).
 * A bad file changes nothing.
 */
static void reload(struct run_ctx *rc)
{
	struct compiled_policy *c = NULL;
	__u64 t0 = mono_ns();
	int had_table = rc->a.ct != NULL;

	if (apply_compile(&rc->a, &rc->src, &rc->o.apply, &c, 0)) {
		pr_err("%s not reloaded; the policy in force is unchanged\n", rc->src.path);
		return;
	}
	if (c->n_digests)
		watch_start(rc);
	if (apply_policy(&rc->a, c, &rc->o.apply)) {
		pr_err("%s not reloaded; the policy in force is unchanged\n", rc->src.path);
		return;
	}
	pr_warn("reloaded %s in %.1f ms%s\n", rc->src.path, (double)(mono_ns() - t0) / 1e6,
		apply_scanning(&rc->a) ? ", a walk of the scan roots follows" :
		had_table	       ? ", the files' digests as the watch kept them (no walk)" :
					 "");
	event_reader_set_content(rc->e.r, rc->a.ct);
	event_reader_policy_loaded(rc->e.r);
}

enum stream_end { END_SIGNAL, END_UNLOADED, END_OUTPUT };

/* The event loop: until a signal, an unload, or a broken output (*end says
 * which). Returns an exit status. */
static int stream(struct run_ctx *rc, enum stream_end *end)
{
	struct event_reader *r = rc->e.r;
	__u64 next_resolve = mono_ns() + NSEC_PER_SEC;
	int err;

	*end = END_SIGNAL;
	while (!stop_requested) {
		int scanning = apply_scanning(&rc->a);
		struct pollfd pfd[5] = {
			{ .fd = event_reader_fd(r), .events = POLLIN },
			/* The watch waits while a walk makes the table. */
			{ .fd = rc->w && !scanning ? watch_fd(rc->w) : -1, .events = POLLIN },
			{ .fd = rc->w ? watch_mounts_fd(rc->w) : -1, .events = POLLPRI },
			{ .fd = apply_scan_fd(&rc->a), .events = POLLIN },
			{ .fd = enforce_big_fd(&rc->e), .events = POLLIN },
		};

		/* Wait on all, then take what is there without waiting. */
		if (poll(pfd, 5, 200) < 0 && errno != EINTR)
			break;
		/* (Also every 200 ms: the hashes of ended processes stop.) */
		enforce_big_done(&rc->e);
		if (pfd[3].revents & POLLIN) {
			apply_scan_end(&rc->a, &rc->o.apply);
			event_reader_set_content(r, rc->a.ct);
			scanning = 0;
		}
		if (rc->w && !scanning && (pfd[1].revents & POLLIN))
			watch_read(rc->w, enforce_on_watch, &rc->e);
		err = event_reader_poll(r, 0);
		/* Every line of the batch out before waiting again. */
		if (err == -EPIPE || fflush(stdout) == EOF) {
			*end = END_OUTPUT;
			return EXIT_OK;
		}
		if (err == -ENOENT) {
			/* Unloaded by `appban unload`: nothing left to stream. */
			*end = END_UNLOADED;
			return EXIT_OK;
		}
		if (err < 0 && err != -EINTR) {
			pr_err("reading events failed: %s\n", strerror(-err));
			return EXIT_KERNEL;
		}
		/* A file system mounted since the watch began: marked now; what
		 * it held before is for the walk. */
		if (rc->w && (pfd[2].revents & (POLLPRI | POLLERR)) && watch_refresh(rc->w) > 0 &&
		    rc->a.ct && !scanning)
			rescan(rc, "a file system was mounted: it is watched from now on");
		if (reload_requested) {
			reload_requested = 0;
			/* What was written before the signal is in the queue. */
			if (rc->w && !scanning)
				watch_read(rc->w, enforce_on_watch, &rc->e);
			if (!rc->src.path || rc->src.text)
				pr_warn("SIGHUP: no policy file to read again (the built-in or the loaded policy is in force)\n");
			else
				rc->reload = 1;
		}
		if (rc->e.overflowed && rc->a.ct && !scanning) {
			char why[96];

			rc->e.overflowed = 0;
			snprintf(why, sizeof(why),
				 "the file system watch lost events (queue overflow %lu)",
				 rc->e.overflows);
			rescan(rc, why);
		}
		/* A reload waits for the walk under way. */
		if (rc->reload && !scanning) {
			rc->reload = 0;
			reload(rc);
			if (fflush(stdout) == EOF) {
				*end = END_OUTPUT;
				return EXIT_OK;
			}
		}
		if (rc->src.path && rc->a.c && rc->a.c->unresolved && !scanning &&
		    mono_ns() >= next_resolve) {
			reresolve(rc);
			next_resolve = mono_ns() + NSEC_PER_SEC;
		}
	}
	return EXIT_OK;
}

int cmd_run(int argc, char **argv)
{
	struct run_ctx *rc = calloc(1, sizeof(*rc));
	struct sigaction sa = { .sa_handler = on_signal };
	struct compiled_policy *c = NULL;
	struct event_reader *r = NULL;
	enum stream_end end = END_OUTPUT;
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
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	applier_init(&rc->a, &stop_requested, stderr);
	rc->a.keep_table = 1;
	rc->e.a = &rc->a;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (i < argc) {
		rc->src.path = argv[i];
	} else if (loader_adopt(&rc->a.l) != 0) {
		rc->src.path = DEFAULT_POLICY_NAME;
		rc->src.text = default_policy_text;
		rc->src.len = sizeof(default_policy_text) - 1;
	}
	if (rc->src.path) {
		ret = apply_compile(&rc->a, &rc->src, &rc->o.apply, &c, 0);
		if (ret)
			goto out;
		if (c->n_digests)
			watch_start(rc);
		ret = apply_policy(&rc->a, c, &rc->o.apply);
		if (ret)
			goto out;
		loaded_self = 1;
	}
	err = event_reader_new(&rc->a.l, on_record, rc, &r);
	if (err) {
		pr_err("cannot read the event ring buffer: %s\n", strerror(-err));
		ret = EXIT_KERNEL;
		goto out_unload;
	}
	rc->e.r = r;
	event_reader_set_content(r, rc->a.ct);
	/* The first line: the policy is in force (the walk, if any, goes on). */
	if (event_reader_policy_loaded(r) == -EPIPE || fflush(stdout) == EOF)
		goto out_unload; /* end: END_OUTPUT */
	err = loader_set_reader(&rc->a.l, getpid());
	if (err)
		pr_warn("cannot register as the event reader: %s; signals to run are not refused\n",
			strerror(-err));
	ret = stream(rc, &end);
	if (end == END_UNLOADED)
		loaded_self = 0;
out_unload:
	/* Only a deliberate SIGINT/SIGTERM unloads: a broken output (a closed
	 * terminal, `| head`) or a failure must never leave the device open. */
	if (loaded_self && end != END_SIGNAL) {
		pr_warn("events can no longer be written; the policy stays in force (appban unload removes it)\n");
		loaded_self = 0;
	}
	fflush(stdout);
	enforce_close(&rc->e);
	event_reader_free(r);
	rc->e.r = NULL;
	loader_set_reader(&rc->a.l, 0);
	applier_close(&rc->a);
	if (loaded_self && !rc->o.keep && loader_unload())
		ret = EXIT_KERNEL;
out:
	watch_free(rc->w);
	applier_close(&rc->a);
	free(rc);
	return ret;
}
