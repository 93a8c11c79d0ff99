// SPDX-License-Identifier: GPL-2.0
/* The loop that `appban run` and `appban daemon` share (session.h). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/exit.h"
#include "policy/compile.h"
#include "session.h"
#include "util/heap.h"
#include "util/clock.h"
#include "util/crypto_api.h"
#include "util/log.h"

/* The only globals: set by the signal handlers, read by the loop. */
volatile int session_stop;
static volatile sig_atomic_t hup_requested;

static void on_hup(int sig)
{
	(void)sig;
	hup_requested = 1;
}

static void on_stop(int sig)
{
	session_stop = sig;
}

void session_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* One record: enforcement first, then the printer, which only prints. */
static int on_record(const struct record *r, void *arg)
{
	struct session *s = arg;

	enforce_record(&s->e, r);
	if (r->kind == REC_CONTENT_UNKNOWN)
		return 0;
	return s->printer(r, s->printer_ctx);
}

void session_init(struct session *s, const struct apply_opts *o, FILE *summary)
{
	memset(s, 0, sizeof(*s));
	s->opts = *o;
	applier_init(&s->a, &session_stop, summary);
	s->a.keep_table = 1;
	s->e.a = &s->a;
}

/* The watch for files written from now on: before any walk, so that no
 * write falls between the walk and the watch. */
static void watch_start(struct session *s)
{
	int err;

	if (s->w)
		return;
	err = watch_new(&s->w);
	if (err)
		pr_warn("cannot watch the file systems for new files (%s): a copy of a banned file made from now on is not caught\n",
			strerror(-err));
}

/* Register as the event reader, for the policy in force when this process
 * put it there (then it knows its banned digests). */
static int reader_claim(struct session *s)
{
	return loader_set_reader(&s->a.l, getpid(), s->a.c ? s->a.load_id : 0);
}

int session_apply(struct session *s, const struct policy_source *src, int quiet)
{
	struct compiled_policy *c = NULL;
	int ret;

	ret = apply_compile(&s->a, src, &s->opts, &c, quiet);
	if (ret)
		return ret;
	if (c->n_digests) {
		/* The watch and the starts the kernel could not check hash in
		 * this thread: without libcrypto no file would be checked, so
		 * nothing changes (a reload keeps the policy in force). */
		if (crypto_api_load()) {
			pr_err("%s: its sha256 rules need libcrypto; nothing changed\n",
			       src->path ? src->path : "the policy");
			s->a.trust_pending = 0;
			compiled_free(c);
			return EXIT_KERNEL;
		}
		watch_start(s);
	}
	ret = apply_policy(&s->a, c, &s->opts);
	if (ret)
		return ret;
	s->src = *src;
	if (s->reader_set)
		reader_claim(s); /* (a new load_id) */
	if (s->e.r) {
		event_reader_set_content(s->e.r, s->a.ct);
		event_reader_policy_loaded(s->e.r);
	} else if (s->printer) {
		/* the first policy of a daemon that had none: its events now */
		session_stream_begin(s, s->printer, s->printer_ctx);
	}
	return 0;
}

int session_stream_begin(struct session *s, record_cb printer, void *printer_ctx)
{
	struct event_reader *r = NULL;
	int err;

	s->printer = printer;
	s->printer_ctx = printer_ctx;
	err = event_reader_new(&s->a.l, on_record, s, &r);
	if (err) {
		pr_err("cannot read the event ring buffer: %s\n", strerror(-err));
		return err;
	}
	s->e.r = r;
	event_reader_set_content(r, s->a.ct);
	/* The first line: the policy is in force (the walk, if any, goes on). */
	err = event_reader_policy_loaded(r);
	if (err == -EPIPE || fflush(stdout) == EOF)
		return -EPIPE;
	err = reader_claim(s);
	s->reader_set = !err;
	if (err)
		pr_warn("cannot register as the event reader: %s; signals to appban are not refused\n",
			strerror(-err));
	return 0;
}

void session_request_apply(struct session *s)
{
	s->apply_wanted = 1;
}

/* While running, a path or directory of the policy that did not exist is
 * looked for again every second and the policy swapped when it appears. */
static void reresolve(struct session *s)
{
	struct compiled_policy *c = NULL;
	struct applier *a = &s->a;

	if (apply_compile(a, &s->src, &s->opts, &c, 1))
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
	if (apply_policy(a, c, &s->opts) != EXIT_OK)
		return;
	if (s->reader_set)
		reader_claim(s);
	if (s->e.r)
		event_reader_set_content(s->e.r, a->ct);
}

/* Files written while nothing read the watch (its queue overflowed, or on a
 * file system mounted since) were not seen: the walk, through the digest
 * cache, finds them; the policy in force gets what it adds. */
static void rescan(struct session *s, const char *why)
{
	struct content *nct = NULL;

	pr_warn("%s; scanning again\n", why);
	if (content_scan(&nct, &session_stop, NULL))
		return;
	content_free(s->a.ct);
	s->a.ct = nct;
	if (s->e.r)
		event_reader_set_content(s->e.r, nct);
	if (s->src.path)
		reresolve(s);
}

#define SESSION_BASE_FDS 5

int session_loop(struct session *s, const struct session_hooks *h, void *ctx, enum session_end *end)
{
	struct event_reader *r = s->e.r;
	__u64 next_resolve = mono_ns() + NSEC_PER_SEC;
	struct pollfd pfd[SESSION_BASE_FDS + SESSION_MAX_EXTRA_FDS];
	int err, n_extra, timeout;

	s->hooks = h;
	s->ctx = ctx;
	*end = SESSION_SIGNAL;
	heap_settle();
	while (!session_stop) {
		int scanning = apply_scanning(&s->a);

		r = s->e.r; /* (NULL while a daemon has no policy in force yet) */
		pfd[0] = (struct pollfd){ .fd = r ? event_reader_fd(r) : -1, .events = POLLIN };
		/* The watch waits while a walk makes the table. */
		pfd[1] = (struct pollfd){ .fd = s->w && !scanning ? watch_fd(s->w) : -1,
					  .events = POLLIN };
		pfd[2] = (struct pollfd){ .fd = s->w ? watch_mounts_fd(s->w) : -1,
					  .events = POLLPRI };
		pfd[3] = (struct pollfd){ .fd = apply_scan_fd(&s->a), .events = POLLIN };
		pfd[4] = (struct pollfd){ .fd = enforce_big_fd(&s->e), .events = POLLIN };
		n_extra = h && h->fds ? h->fds(ctx, pfd + SESSION_BASE_FDS, SESSION_MAX_EXTRA_FDS) :
					0;
		timeout = h && h->timeout_ms ? h->timeout_ms(ctx) : -1;
		if (timeout < 0 || timeout > 200)
			timeout = 200;
		/* A policy asked for by the hooks' timers (the daemon's look at
		 * its directory): in force now, not after the wait. */
		if (s->apply_wanted && !scanning)
			timeout = 0;

		/* Wait on all, then take what is there without waiting. */
		if (poll(pfd, (nfds_t)(SESSION_BASE_FDS + n_extra), timeout) < 0 && errno != EINTR)
			break;
		/* (Also every 200 ms: the hashes of ended processes stop.) */
		enforce_big_done(&s->e);
		if (pfd[3].revents & POLLIN) {
			apply_scan_end(&s->a, &s->opts);
			if (r)
				event_reader_set_content(r, s->a.ct);
			scanning = 0;
		}
		if (s->w && !scanning && (pfd[1].revents & POLLIN))
			watch_read(s->w, enforce_on_watch, &s->e);
		err = r ? event_reader_poll(r, 0) : 0;
		/* Every line of the batch out before waiting again. */
		if (err == -EPIPE || fflush(stdout) == EOF) {
			*end = SESSION_OUTPUT;
			return EXIT_OK;
		}
		if (err == -ENOENT) {
			/* Unloaded by `appban unload`: nothing left to stream. */
			*end = SESSION_UNLOADED;
			return EXIT_OK;
		}
		if (err < 0 && err != -EINTR) {
			pr_err("reading events failed: %s\n", strerror(-err));
			return EXIT_KERNEL;
		}
		/* A file system mounted since the watch began: marked now; what
		 * it held before is for the walk. */
		if (s->w && (pfd[2].revents & (POLLPRI | POLLERR)) && watch_refresh(s->w) > 0 &&
		    s->a.ct && !scanning)
			rescan(s, "a file system was mounted: it is watched from now on");
		if (n_extra && h->ready)
			h->ready(ctx, pfd + SESSION_BASE_FDS, n_extra);
		if (hup_requested) {
			hup_requested = 0;
			/* What was written before the signal is in the queue. */
			if (s->w && !scanning)
				watch_read(s->w, enforce_on_watch, &s->e);
			if (h && h->hup)
				h->hup(ctx);
		}
		if (s->e.overflowed && s->a.ct && !scanning) {
			char why[96];

			s->e.overflowed = 0;
			snprintf(why, sizeof(why),
				 "the file system watch lost events (queue overflow %lu)",
				 s->e.overflows);
			rescan(s, why);
		}
		/* A new policy stops the walk under way (a planted file of
		 * many gigabytes could make it last for minutes), then goes in
		 * force once that walk has ended, a moment later. */
		if (s->apply_wanted && scanning)
			apply_scan_cancel(&s->a);
		if (s->apply_wanted && !scanning) {
			s->apply_wanted = 0;
			if (h && h->apply)
				h->apply(ctx);
			heap_settle();
			if (fflush(stdout) == EOF) {
				*end = SESSION_OUTPUT;
				return EXIT_OK;
			}
		}
		if (s->src.path && s->a.c && s->a.c->unresolved && !scanning &&
		    mono_ns() >= next_resolve) {
			reresolve(s);
			next_resolve = mono_ns() + NSEC_PER_SEC;
		}
	}
	return EXIT_OK;
}

void session_close(struct session *s)
{
	fflush(stdout);
	enforce_close(&s->e);
	event_reader_free(s->e.r);
	s->e.r = NULL;
	if (s->reader_set)
		loader_set_reader(&s->a.l, 0, 0);
	s->reader_set = 0;
	applier_close(&s->a);
	watch_free(s->w);
	s->w = NULL;
}
