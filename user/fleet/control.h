/* SPDX-License-Identifier: GPL-2.0 */
/* The daemon's control socket (docs/control.md): `appban events` followers,
 * each with a bounded buffer, cut off when they fall behind, and `appban
 * status` asking what the daemon knows. Never blocks: one epoll descriptor
 * for the daemon's loop to wait on, non-blocking sockets everywhere. */
#ifndef __APPBAN_CONTROL_H
#define __APPBAN_CONTROL_H

#include <stddef.h>

#include "events/events.h"
#include "events/format.h"

/* A follower's buffer in the daemon: ~1700 records of 600 bytes; beyond,
 * the follower is cut off (its socket holds ~200 KiB more). */
#define CONTROL_FOLLOW_BUFFER (1u << 20)
/* For tests only: a follower's buffer of this many bytes (16 KiB to 1 MiB),
 * so that a test cuts a follower off with fewer records. */
#define CONTROL_FOLLOW_BUFFER_ENV "APPBAN_TEST_FOLLOW_BUFFER"
#define CONTROL_MAX_CLIENTS 64 /* followers and status requests at once */
#define CONTROL_REQUEST_TIMEOUT_MS 5000 /* to send the request line */

struct control;

struct control_hooks {
	/* The daemon's part of the status: JSON members (",\"k\":v..."
	 * after "pid"), or text lines; control.c adds the followers. */
	void (*status)(void *ctx, struct jbuf *b, int json);
};

/* Listen on path (mode 0600; its directory made 0755 when missing). A stale
 * socket left by a daemon that died is replaced; -EADDRINUSE when another
 * daemon answers on it. 0 or -errno (said). */
int control_open(const char *path, const struct control_hooks *h, void *ctx, struct control **out);
/* Followers get their last line ("#end stopped"), written if their socket
 * takes it now; the socket file is removed. Accepts NULL. */
void control_close(struct control *c);
/* The descriptor for the loop to poll (POLLIN): then control_service. */
int control_fd(const struct control *c);
/* Accept, read requests, write what the sockets take: never waits. */
void control_service(struct control *c);
/* Queue a record for every follower (formatted once per format). */
void control_publish(struct control *c, const struct record *r);
/* The same with the record's lines already formatted by the caller
 * (format_json, format_text; NULL: formatted here if a follower wants it). */
void control_publish_lines(struct control *c, const struct record *r, const char *json,
			   size_t json_len, const char *text, size_t text_len);
/* Before the loop waits: write what is queued, end what timed out. */
void control_flush(struct control *c);
/* The caller's thread is about to be busy for long (a policy put in force:
 * tens of seconds for the compat programs of 5.10 under emulation): until
 * control_busy_end, a thread of its own accepts, answers status (the hook
 * is called from it: what the hook reads must not change meanwhile) and
 * writes to followers, who would otherwise time out on their first line.
 * Every entry point takes the same lock. Accept NULL. */
void control_busy_begin(struct control *c);
void control_busy_end(struct control *c);
/* The followers, for the status: "[{...},...]", or a text line. */
void control_followers_json(const struct control *c, struct jbuf *b);
void control_followers_text(const struct control *c, struct jbuf *b);

#endif /* __APPBAN_CONTROL_H */
