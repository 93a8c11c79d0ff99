// SPDX-License-Identifier: GPL-2.0
/* NETLINK_SOCK_DIAG the libmnl way: sequence and port checked by mnl_cb_run,
 * NLM_F_ACK on SOCK_DESTROY, attributes validated in a table. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/sock_diag.h>

#include "kernel/sockdiag.h"

struct sockdiag {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	char *buf; /* MNL_SOCKET_BUFFER_SIZE */
};

struct parse_ctx {
	uint8_t protocol;
	sockdiag_cb cb;
	void *arg;
	int err;
};

/* Attributes of a reply that appban reads or checks; others are skipped. */
static const enum mnl_attr_data_type attr_types[INET_DIAG_MAX + 1] = {
	[INET_DIAG_SHUTDOWN] = MNL_TYPE_U8,  [INET_DIAG_PROTOCOL] = MNL_TYPE_U8,
	[INET_DIAG_SKV6ONLY] = MNL_TYPE_U8,  [INET_DIAG_MARK] = MNL_TYPE_U32,
	[INET_DIAG_CLASS_ID] = MNL_TYPE_U32,
};

static int attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, INET_DIAG_MAX) < 0)
		return MNL_CB_OK;
	if (attr_types[type] != MNL_TYPE_UNSPEC && mnl_attr_validate(attr, attr_types[type]) < 0)
		return MNL_CB_ERROR;
	tb[type] = attr;
	return MNL_CB_OK;
}

static int msg_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[INET_DIAG_MAX + 1] = { 0 };
	struct parse_ctx *p = data;
	const struct inet_diag_msg *m;
	struct sockdiag_sock s;
	int err;

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY || mnl_nlmsg_get_payload_len(nlh) < sizeof(*m)) {
		p->err = -EPROTO;
		return MNL_CB_ERROR;
	}
	m = mnl_nlmsg_get_payload(nlh);
	if (mnl_attr_parse(nlh, sizeof(*m), attr_cb, tb) < 0) {
		p->err = -EPROTO;
		return MNL_CB_ERROR;
	}
	if (m->idiag_family != AF_INET && m->idiag_family != AF_INET6)
		return MNL_CB_OK;
	memset(&s, 0, sizeof(s));
	s.family = m->idiag_family;
	s.protocol = tb[INET_DIAG_PROTOCOL] ? mnl_attr_get_u8(tb[INET_DIAG_PROTOCOL]) : p->protocol;
	s.state = m->idiag_state;
	s.inode = m->idiag_inode;
	s.uid = m->idiag_uid;
	s.id = m->id;
	err = p->cb(&s, p->arg);
	if (err < 0) {
		p->err = err;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

/* Every message's length lies within the buffer. mnl_nlmsg_ok() compares
 * nlmsg_len as an int: a length of 2 GiB or more would pass it and send
 * mnl_cb_run past the end (found by fuzz_sockdiag). */
static int lengths_ok(const char *buf, size_t len)
{
	size_t off = 0;

	while (len - off >= sizeof(struct nlmsghdr)) {
		const struct nlmsghdr *nlh = (const void *)(buf + off);

		if (nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > len - off)
			return 0;
		off += NLMSG_ALIGN(nlh->nlmsg_len);
		if (off > len)
			break; /* the last message, unpadded */
	}
	return 1;
}

/* The error an NLMSG_ERROR carried (mnl_cb_run put it in errno): anything
 * but an errno number (a negative or huge value) is a malformed reply. */
static int errno_of_reply(void)
{
	return errno > 0 && errno < 4096 ? -errno : -EPROTO;
}

int sockdiag_parse(const void *buf, size_t len, uint32_t seq, uint32_t portid, uint8_t protocol,
		   sockdiag_cb cb, void *arg)
{
	struct parse_ctx p = { .protocol = protocol, .cb = cb, .arg = arg };
	int ret;

	if (len > INT32_MAX || !lengths_ok(buf, len))
		return -EPROTO;
	errno = 0;
	ret = mnl_cb_run(buf, len, seq, portid, msg_cb, &p);
	if (ret == MNL_CB_ERROR)
		return p.err ? p.err : errno_of_reply();
	return ret == MNL_CB_STOP ? 0 : 1;
}

int sockdiag_open(struct sockdiag **out)
{
	struct sockdiag *sd = calloc(1, sizeof(*sd));
	int err;

	if (!sd)
		return -ENOMEM;
	sd->buf = malloc(MNL_SOCKET_BUFFER_SIZE);
	sd->nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	if (!sd->buf || !sd->nl || mnl_socket_bind(sd->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = sd->buf ? -errno : -ENOMEM;
		sockdiag_close(sd);
		return err;
	}
	sd->portid = mnl_socket_get_portid(sd->nl);
	sd->seq = (uint32_t)time(NULL);
	*out = sd;
	return 0;
}

void sockdiag_close(struct sockdiag *sd)
{
	if (!sd)
		return;
	if (sd->nl)
		mnl_socket_close(sd->nl);
	free(sd->buf);
	free(sd);
}

static struct nlmsghdr *put_req(struct sockdiag *sd, uint16_t type, uint16_t flags,
				struct inet_diag_req_v2 **req)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(sd->buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++sd->seq;
	*req = mnl_nlmsg_put_extra_header(nlh, sizeof(**req));
	return nlh;
}

int sockdiag_dump(struct sockdiag *sd, uint8_t family, uint8_t protocol, sockdiag_cb cb, void *arg)
{
	struct inet_diag_req_v2 *req;
	struct nlmsghdr *nlh = put_req(sd, SOCK_DIAG_BY_FAMILY, NLM_F_DUMP, &req);
	uint32_t seq = nlh->nlmsg_seq;
	ssize_t n;
	int ret;

	req->sdiag_family = family;
	req->sdiag_protocol = protocol;
	req->idiag_states = ~0u;
	if (mnl_socket_sendto(sd->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(sd->nl, sd->buf, MNL_SOCKET_BUFFER_SIZE);
		if (n < 0)
			return -errno;
		ret = sockdiag_parse(sd->buf, n, seq, sd->portid, protocol, cb, arg);
	} while (ret > 0);
	return ret;
}

int sockdiag_destroy(struct sockdiag *sd, const struct sockdiag_sock *s)
{
	struct inet_diag_req_v2 *req;
	struct nlmsghdr *nlh = put_req(sd, SOCK_DESTROY, NLM_F_ACK, &req);
	uint32_t seq = nlh->nlmsg_seq;
	ssize_t n;
	int ret;

	req->sdiag_family = s->family;
	req->sdiag_protocol = s->protocol;
	req->idiag_states = ~0u;
	req->id = s->id;
	if (mnl_socket_sendto(sd->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	n = mnl_socket_recvfrom(sd->nl, sd->buf, MNL_SOCKET_BUFFER_SIZE);
	if (n < 0)
		return -errno;
	errno = 0;
	ret = mnl_cb_run(sd->buf, n, seq, sd->portid, NULL, NULL);
	if (ret == MNL_CB_ERROR)
		return errno_of_reply();
	return 0;
}

static int count_cb(const struct sockdiag_sock *s, void *arg)
{
	return 0;
}

int sockdiag_destroy_works(const char **why)
{
	struct sockdiag_sock none = { .family = AF_INET, .protocol = IPPROTO_TCP };
	struct sockdiag *sd;
	int err;

	*why = NULL;
	/* For tests: the fallback way on a kernel that has SOCK_DESTROY. */
	if (getenv("APPBAN_NO_SOCK_DESTROY")) {
		*why = "APPBAN_NO_SOCK_DESTROY is set";
		return 0;
	}
	err = sockdiag_open(&sd);
	if (err) {
		*why = "no NETLINK_SOCK_DIAG socket";
		return 0;
	}
	/* A dump answers: the TCP handler exists. Then a socket that does
	 * not exist: ENOENT when the kernel can destroy, EOPNOTSUPP when not. */
	err = sockdiag_dump(sd, AF_INET, IPPROTO_TCP, count_cb, NULL);
	if (!err) {
		none.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
		none.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
		err = sockdiag_destroy(sd, &none);
	}
	sockdiag_close(sd);
	if (err == -ENOENT)
		return 1;
	if (err == -EOPNOTSUPP)
		*why = "the kernel lacks CONFIG_INET_DIAG_DESTROY";
	else if (err == -EPERM)
		*why = "SOCK_DESTROY needs CAP_NET_ADMIN";
	else
		*why = "no inet_diag in this kernel (tcp_diag)";
	return 0;
}
