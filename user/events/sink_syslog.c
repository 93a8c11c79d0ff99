// SPDX-License-Identifier: GPL-2.0
/* `sink syslog ADDRESS`: RFC 5424 messages (sinkfmt.c) to a unix datagram
 * socket (/dev/log), over UDP, or over TCP with RFC 6587 octet counting.
 * A target that is down (no socket, connection refused or reset) is tried
 * again with a backoff (sink.c) while the queue holds what comes; a
 * datagram too large for the receiver is lost, counted. */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "events/format.h"
#include "events/sink_int.h"
#include "events/sinkfmt.h"

#define FRAME_MAX (64u << 10)
#define SEND_WAIT_MS 200 /* then the stop flag is looked at */

struct syslog_sink {
	int fd;
	char host[256];
	unsigned int pid;
	char *frame;
};

static int syslog_open_cb(struct sink *s, const struct fleet_sink *c)
{
	struct syslog_sink *y = calloc(1, sizeof(*y));

	if (!y)
		return -ENOMEM;
	y->frame = malloc(FRAME_MAX);
	if (!y->frame) {
		free(y);
		return -ENOMEM;
	}
	y->fd = -1;
	if (gethostname(y->host, sizeof(y->host) - 1))
		y->host[0] = 0;
	y->pid = (unsigned int)getpid();
	s->priv = y;
	return 0;
}

static void syslog_disconnect(struct syslog_sink *y)
{
	if (y->fd >= 0)
		close(y->fd);
	y->fd = -1;
}

static int syslog_connect(struct sink *s, struct syslog_sink *y)
{
	const struct fleet_sink *c = &s->cfg;
	struct addrinfo hints = { 0 }, *res = NULL, *ai;
	char port[8];
	int fd = -1, err;

	if (c->transport == FLEET_SYSLOG_UNIX) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", c->socket);
		fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
			err = -errno;
			sink_error(s, "cannot connect to %s: %s", c->socket, strerror(errno));
			if (fd >= 0)
				close(fd);
			return err;
		}
		y->fd = fd;
		return 0;
	}
	snprintf(port, sizeof(port), "%u", c->port);
	hints.ai_socktype = c->transport == FLEET_SYSLOG_TCP ? SOCK_STREAM : SOCK_DGRAM;
	err = getaddrinfo(c->host, port, &hints, &res);
	if (err) {
		sink_error(s, "cannot resolve %s: %s", c->host, gai_strerror(err));
		return -EHOSTUNREACH;
	}
	err = -ECONNREFUSED;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			err = -errno;
			continue;
		}
		if (!connect(fd, ai->ai_addr, ai->ai_addrlen))
			break;
		err = -errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		sink_error(s, "cannot connect to %s: %s", c->address, strerror(-err));
		return err;
	}
	y->fd = fd;
	return 0;
}

/* Send all of buf (a stream may take it in parts). 0 or -errno. */
static int send_all(struct sink *s, struct syslog_sink *y, const char *buf, size_t len)
{
	struct pollfd p = { .fd = y->fd, .events = POLLOUT };
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		n = send(y->fd, buf + off, len - off, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n >= 0) {
			off += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != ENOBUFS)
			return -errno;
		/* the receiver is slow: wait, and let a stop end the wait
		 * (a frame half sent is then lost with the connection) */
		if (poll(&p, 1, SEND_WAIT_MS) == 0 && sink_stopping(s))
			return -ETIMEDOUT;
	}
	return 0;
}

/* A TCP server that closed its end (a restart): the first send would
 * still succeed and its record be lost with the reset that follows. */
static int peer_closed(int fd)
{
	char c;
	ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);

	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

static int syslog_write_cb(struct sink *s, struct sink_msg *const *m, size_t n)
{
	struct syslog_sink *y = s->priv;
	int tcp = s->cfg.transport == FLEET_SYSLOG_TCP;
	struct syslog_fields f = {
		.facility = s->cfg.facility,
		.hostname = y->host,
		.procid = y->pid,
	};
	size_t i;
	int len, err;

	if (y->fd >= 0 && tcp && peer_closed(y->fd)) {
		sink_error(s, "%s closed the connection", s->cfg.address);
		syslog_disconnect(y);
	}
	if (y->fd < 0) {
		err = syslog_connect(s, y);
		if (err)
			return err;
	}
	for (i = 0; i < n; i++) {
		f.severity = m[i]->alert ? SYSLOG_SEV_WARNING : SYSLOG_SEV_INFO;
		f.ts_real_ns = m[i]->ts_real_ns;
		f.msgid = record_action((enum record_kind)m[i]->kind);
		f.msg = m[i]->json;
		f.msg_len = m[i]->json_len;
		len = syslog_frame(&f, tcp, y->frame, FRAME_MAX);
		if (len < 0) {
			sink_lost(s, 1);
			continue;
		}
		err = send_all(s, y, y->frame, (size_t)len);
		if (!err) {
			sink_wrote(s, 1);
			continue;
		}
		if (err == -EMSGSIZE) {
			sink_error(s, "a record too large for %s: lost", s->cfg.address);
			sink_lost(s, 1);
			continue;
		}
		/* down, refused, reset: connect again, from this record on */
		sink_error(s, "cannot send to %s: %s", s->cfg.address, strerror(-err));
		syslog_disconnect(y);
		return i ? (int)i : err;
	}
	return (int)n;
}

static void syslog_close_cb(struct sink *s)
{
	struct syslog_sink *y = s->priv;

	if (!y)
		return;
	syslog_disconnect(y);
	free(y->frame);
	free(y);
	s->priv = NULL;
}

const struct sink_ops sink_syslog_ops = {
	.open = syslog_open_cb,
	.write = syslog_write_cb,
	.close = syslog_close_cb,
};
