/* SPDX-License-Identifier: GPL-2.0 */
/* The client's end of the daemon's control socket (docs/control.md), for
 * `appban events` and `appban status`. */
#ifndef __APPBAN_CONTROL_CLIENT_H
#define __APPBAN_CONTROL_CLIENT_H

#include <stddef.h>

#include "fleet/control_proto.h"

#define CONTROL_CLIENT_TIMEOUT_MS 5000 /* for the daemon's first line */

/* Connect to the daemon, send req and read its first line. The socket
 * (blocking) in *fd, ready for what follows. 0; -ENOENT or -ECONNREFUSED
 * when no daemon runs; -EPROTO when it refused (why: its message) or
 * spoke another protocol; -ETIMEDOUT; -errno. */
int control_request(const struct control_request *req, int *fd, char *why, size_t why_len);
/* The status of a running daemon, NUL-terminated, the caller's to free:
 * one JSON object (json), or text lines. 0 or as control_request. */
int control_status(int json, char **out);

#endif /* __APPBAN_CONTROL_CLIENT_H */
