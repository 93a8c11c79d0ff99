// SPDX-License-Identifier: GPL-2.0
/* `sink audit`: AUDIT_TRUSTED_APP user messages over NETLINK_AUDIT
 * (libmnl), in audit's key=value form (sinkfmt.c), so that
 * `ausearch -m TRUSTED_APP` finds them. Each message is acknowledged
 * (NLM_F_ACK): a refusal (no CAP_AUDIT_WRITE) is a loss, counted. */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "events/format.h"
#include "events/sink_int.h"
#include "events/sinkfmt.h"

#ifndef AUDIT_TRUSTED_APP
#define AUDIT_TRUSTED_APP 1121
#endif
#define AUDIT_MSG_MAX 8192 /* below the kernel's MAX_AUDIT_MESSAGE_LENGTH (8970) */

struct audit_sink {
	struct mnl_socket *nl;
	unsigned int portid, seq;
	char buf[16384]; /* MNL_SOCKET_BUFFER_SIZE is the page size: not a constant */
	char msg[AUDIT_MSG_MAX];
};

static int audit_open_cb(struct sink *s, const struct fleet_sink *c)
{
	struct audit_sink *a = calloc(1, sizeof(*a));

	if (!a)
		return -ENOMEM;
	s->priv = a;
	return 0;
}

static void audit_disconnect(struct audit_sink *a)
{
	if (a->nl)
		mnl_socket_close(a->nl);
	a->nl = NULL;
}

static int audit_connect(struct sink *s, struct audit_sink *a)
{
	struct timeval tv = { .tv_sec = 2 };
	int err;

	a->nl = mnl_socket_open(NETLINK_AUDIT);
	if (!a->nl || mnl_socket_bind(a->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		sink_error(s, "cannot open the audit netlink socket: %s", strerror(errno));
		audit_disconnect(a);
		return err;
	}
	/* an acknowledgement never waited for longer */
	setsockopt(mnl_socket_get_fd(a->nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	a->portid = mnl_socket_get_portid(a->nl);
	return 0;
}

/* Send one message and wait for its acknowledgement: 0 or -errno. */
static int audit_send(struct audit_sink *a, const char *text, size_t len)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(a->buf);
	ssize_t n;
	int ret;

	nlh->nlmsg_type = AUDIT_TRUSTED_APP;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++a->seq;
	memcpy(mnl_nlmsg_put_extra_header(nlh, len + 1), text, len + 1);
	if (mnl_socket_sendto(a->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(a->nl, a->buf, sizeof(a->buf));
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		ret = mnl_cb_run(a->buf, (size_t)n, a->seq, a->portid, NULL, NULL);
		if (ret == MNL_CB_ERROR)
			return -errno;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

static int audit_write_cb(struct sink *s, struct sink_msg *const *m, size_t n)
{
	struct audit_sink *a = s->priv;
	size_t i;
	int len, err;

	if (!a->nl) {
		err = audit_connect(s, a);
		if (err)
			return err;
	}
	for (i = 0; i < n; i++) {
		struct audit_fields f = {
			.op = record_action((enum record_kind)m[i]->kind),
			.app = m[i]->app,
			.has_proc = m[i]->has_proc,
			.exe = m[i]->exe,
			.pid = m[i]->pid,
			.uid = m[i]->uid,
			.policy = m[i]->policy,
			.failed = m[i]->failed,
		};

		len = audit_message(&f, a->msg, sizeof(a->msg));
		if (len < 0) {
			sink_lost(s, 1);
			continue;
		}
		err = audit_send(a, a->msg, (size_t)len);
		if (!err) {
			sink_wrote(s, 1);
			continue;
		}
		sink_error(s, "the kernel refused an audit message: %s", strerror(-err));
		if (err == -ENOBUFS || err == -ETIMEDOUT || err == -ECONNREFUSED) {
			/* busy, or the socket is in a bad state: again, later */
			audit_disconnect(a);
			return i ? (int)i : err;
		}
		/* EPERM (no CAP_AUDIT_WRITE), EINVAL...: this one is lost */
		sink_lost(s, 1);
	}
	return (int)n;
}

static void audit_close_cb(struct sink *s)
{
	struct audit_sink *a = s->priv;

	if (!a)
		return;
	audit_disconnect(a);
	free(a);
	s->priv = NULL;
}

const struct sink_ops sink_audit_ops = {
	.open = audit_open_cb,
	.write = audit_write_cb,
	.close = audit_close_cb,
};
