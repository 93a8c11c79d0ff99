// SPDX-License-Identifier: GPL-2.0
/* The client's end of the control socket (control_client.h). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "fleet/control_client.h"

#define STATUS_MAX (1u << 20)

/* Read one byte at a time up to '\n' (the first line only: what follows
 * stays in the socket for the caller), waiting at most timeout_ms. */
static int read_line(int fd, char *buf, size_t len, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t n = 0;
	ssize_t r;

	while (n + 1 < len) {
		r = poll(&p, 1, timeout_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (!r)
			return -ETIMEDOUT;
		r = read(fd, buf + n, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (!r)
			return -EPROTO;
		if (buf[n] == '\n') {
			buf[n] = 0;
			return 0;
		}
		n++;
	}
	return -EPROTO;
}

int control_request(const struct control_request *req, int *fd, char *why, size_t why_len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = control_socket_path();
	char line[512];
	const char *msg;
	int s, n, err;

	*fd = -1;
	if (why_len)
		why[0] = 0;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		goto err;
	}
	n = control_encode_request(req, line, sizeof(line));
	if (n < 0 || send(s, line, (size_t)n, MSG_NOSIGNAL) != n) {
		err = n < 0 ? n : -errno;
		goto err;
	}
	err = read_line(s, line, sizeof(line), CONTROL_CLIENT_TIMEOUT_MS);
	if (err)
		goto err;
	err = control_parse_first(line, &msg);
	if (err) {
		if (why_len)
			snprintf(why, why_len, "%s",
				 msg ? msg : "the daemon speaks another protocol version");
		goto err;
	}
	*fd = s;
	return 0;
err:
	close(s);
	return err;
}

int control_status(int json, char **out)
{
	struct control_request req = { .op = CONTROL_STATUS, .json = json };
	char why[256], *buf;
	size_t n = 0;
	ssize_t r;
	int fd, err;

	*out = NULL;
	err = control_request(&req, &fd, why, sizeof(why));
	if (err)
		return err;
	/* a daemon that is stopped (SIGSTOP) must not hang status */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO,
		       &(struct timeval){ .tv_sec = CONTROL_CLIENT_TIMEOUT_MS / 1000 },
		       sizeof(struct timeval))) {
		err = -errno;
		close(fd);
		return err;
	}
	buf = malloc(STATUS_MAX + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	/* one line, then the daemon closes */
	while (n < STATUS_MAX) {
		r = read(fd, buf + n, STATUS_MAX - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = 0;
	if (!n) {
		free(buf);
		return -EPROTO;
	}
	*out = buf;
	return 0;
}
