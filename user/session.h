/* SPDX-License-Identifier: GPL-2.0 */
/* A policy in force and its events streamed, for as long as a command runs:
 * `appban run` and `appban daemon` are one loop (ring buffer -> enforce.c
 * -> the caller's printer; the file system watch; the walk; big hashes;
 * paths of the policy that appear), and differ only in where the policy
 * comes from and what they do besides (session_hooks). */
#ifndef __APPBAN_SESSION_H
#define __APPBAN_SESSION_H

#include <poll.h>
#include <signal.h>

#include "apply.h"
#include "enforce.h"

#define SESSION_MAX_EXTRA_FDS 8

struct session_hooks {
	/* Descriptors of the caller's to wait on too (at most max): their count. */
	int (*fds)(void *ctx, struct pollfd *pfd, int max);
	/* After each wait: those descriptors with their revents. */
	void (*ready)(void *ctx, const struct pollfd *pfd, int n);
	/* SIGHUP arrived (what was written before it is in the queue). */
	void (*hup)(void *ctx);
	/* Put what session_request_apply asked for in force: called when no
	 * walk is under way. */
	void (*apply)(void *ctx);
	/* The longest wait, in ms, before the caller has something to do (-1:
	 * nothing of its own; the loop wakes up at least every 200 ms). */
	int (*timeout_ms)(void *ctx);
};

enum session_end { SESSION_SIGNAL, SESSION_UNLOADED, SESSION_OUTPUT };

struct session {
	struct applier a;
	struct enforcer e;
	struct apply_opts opts;
	struct watch *w;
	/* The policy in force and what reresolve compiles again (path NULL:
	 * an adopted policy, nothing to compile). */
	struct policy_source src;
	int apply_wanted; /* session_request_apply: waits for the walk */
	record_cb printer; /* the caller's: only prints */
	void *printer_ctx;
	int reader_set; /* registered as the event reader (loader_set_reader) */
	const struct session_hooks *hooks;
	void *ctx;
};

/* SIGINT/SIGTERM end the loop; SIGHUP calls hooks->hup; SIGPIPE ignored. */
void session_signals(void);
/* Set by SIGINT/SIGTERM (the signal's number). */
extern volatile int session_stop;

void session_init(struct session *s, const struct apply_opts *o, FILE *summary);
/* Compile src and put it in force (the watch first when it has sha256
 * rules). An exit status of cli.md; on success s->src = *src. */
int session_apply(struct session *s, const struct policy_source *src, int quiet);
/* Start streaming: the event reader with the caller's printer (records after
 * enforcement), then the first record (policy-loaded). 0, -EPIPE (the first
 * line could not be written), or -errno. Without a policy in force (a daemon
 * that has none yet), call session_set_printer: the stream begins with the
 * first session_apply. */
int session_stream_begin(struct session *s, record_cb printer, void *printer_ctx);
static inline void session_set_printer(struct session *s, record_cb printer, void *ctx)
{
	s->printer = printer;
	s->printer_ctx = ctx;
}
/* Ask for hooks->apply as soon as no walk is under way. */
void session_request_apply(struct session *s);
/* The loop, until a signal, an unload or a broken output (*end). Returns an
 * exit status. */
int session_loop(struct session *s, const struct session_hooks *h, void *ctx,
		 enum session_end *end);
/* Stops streaming and frees all; the policy stays in force. */
void session_close(struct session *s);

#endif /* __APPBAN_SESSION_H */
