/* SPDX-License-Identifier: GPL-2.0 */
/* The line protocol of the daemon's control socket (docs/control.md): one
 * request line from the client, then the daemon's answer. Parsing and
 * encoding only, no I/O: both ends and the unit tests use it. */
#ifndef __APPBAN_CONTROL_PROTO_H
#define __APPBAN_CONTROL_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define CONTROL_SOCKET_PATH "/run/appban/appban.sock"
#define CONTROL_SOCKET_ENV "APPBAN_SOCKET" /* another path (tests, a second daemon) */
#define CONTROL_PROTO_VERSION 1
#define CONTROL_REQUEST_MAX 256 /* a request line, '\n' included */

/* The socket's path: $APPBAN_SOCKET when set and not empty, else the default. */
const char *control_socket_path(void);

enum control_op {
	CONTROL_FOLLOW, /* the events from now on, as lines */
	CONTROL_STATUS, /* the daemon, its sources, sinks and followers */
};

struct control_request {
	enum control_op op;
	int json; /* JSON lines (1) or text for people (0) */
};

/* Parse one request line (without its '\n'). 0, or -EINVAL with why set
 * to a message for the "error" answer. */
int control_parse_request(const char *line, struct control_request *req, const char **why);
/* The request line for req, '\n' included: its length, or -ENOSPC. */
int control_encode_request(const struct control_request *req, char *buf, size_t len);

/* The daemon's first line: "ok appban-control 1\n", or "error WHY\n". */
int control_encode_ok(char *buf, size_t len);
int control_encode_error(const char *why, char *buf, size_t len);
/* A client reading the first line (without '\n'): 0 for ok with a version
 * it speaks, -EPROTO for anything else (*why: the daemon's message when it
 * sent one, else NULL). */
int control_parse_first(const char *line, const char **why);

/* The last line of a follow stream (lines that start with '#' are the
 * protocol's, never a record). */
enum control_end {
	CONTROL_END_STOPPED, /* "#end stopped": the daemon stops */
	CONTROL_END_CUT, /* "#end cut-off N": this follower fell behind, N records missed */
};
int control_encode_end(enum control_end why, uint64_t lost, char *buf, size_t len);
/* Parse a '#' line (without '\n'): 0 and *why, *lost; -EPROTO if unknown. */
int control_parse_end(const char *line, enum control_end *why, uint64_t *lost);

#endif /* __APPBAN_CONTROL_PROTO_H */
