// SPDX-License-Identifier: GPL-2.0
/* The control socket's lines (control_proto.h, docs/control.md). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/control_proto.h"

#define OK_WORD "ok appban-control "

const char *control_socket_path(void)
{
	const char *p = getenv(CONTROL_SOCKET_ENV);

	return p && p[0] ? p : CONTROL_SOCKET_PATH;
}

int control_parse_request(const char *line, struct control_request *req, const char **why)
{
	memset(req, 0, sizeof(*req));
	*why = NULL;
	if (!strcmp(line, "status json") || !strcmp(line, "status text")) {
		req->op = CONTROL_STATUS;
		req->json = line[7] == 'j';
		return 0;
	}
	if (!strcmp(line, "follow json") || !strcmp(line, "follow text")) {
		req->op = CONTROL_FOLLOW;
		req->json = line[7] == 'j';
		return 0;
	}
	if ((!strncmp(line, "follow", 6) && (line[6] == ' ' || !line[6])) ||
	    (!strncmp(line, "status", 6) && (line[6] == ' ' || !line[6])))
		*why = "a request takes one format: json or text";
	else
		*why = "unknown request (this daemon knows: follow json, follow text, status json, status text)";
	return -EINVAL;
}

static int encoded(int n, size_t len)
{
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

int control_encode_request(const struct control_request *req, char *buf, size_t len)
{
	return encoded(snprintf(buf, len, "%s %s\n",
				req->op == CONTROL_STATUS ? "status" : "follow",
				req->json ? "json" : "text"),
		       len);
}

int control_encode_ok(char *buf, size_t len)
{
	return encoded(snprintf(buf, len, OK_WORD "%d\n", CONTROL_PROTO_VERSION), len);
}

int control_encode_error(const char *why, char *buf, size_t len)
{
	return encoded(snprintf(buf, len, "error %s\n", why), len);
}

int control_parse_first(const char *line, const char **why)
{
	char *end;
	long v;

	*why = NULL;
	if (!strncmp(line, "error ", 6)) {
		*why = line + 6;
		return -EPROTO;
	}
	if (strncmp(line, OK_WORD, strlen(OK_WORD)))
		return -EPROTO;
	errno = 0;
	v = strtol(line + strlen(OK_WORD), &end, 10);
	if (errno || *end || v != CONTROL_PROTO_VERSION)
		return -EPROTO;
	return 0;
}

int control_encode_end(enum control_end why, uint64_t lost, char *buf, size_t len)
{
	if (why == CONTROL_END_CUT)
		return encoded(snprintf(buf, len, "#end cut-off %" PRIu64 "\n", lost), len);
	return encoded(snprintf(buf, len, "#end stopped\n"), len);
}

int control_parse_end(const char *line, enum control_end *why, uint64_t *lost)
{
	char *end;

	*lost = 0;
	if (!strcmp(line, "#end stopped")) {
		*why = CONTROL_END_STOPPED;
		return 0;
	}
	/* one spelling of a count: digits, no leading zero */
	if (!strncmp(line, "#end cut-off ", 13) && line[13] >= '0' && line[13] <= '9' &&
	    (line[13] != '0' || !line[14])) {
		errno = 0;
		*lost = strtoull(line + 13, &end, 10);
		if (errno || *end)
			return -EPROTO;
		*why = CONTROL_END_CUT;
		return 0;
	}
	return -EPROTO;
}
