// SPDX-License-Identifier: GPL-2.0
/* The sockets of processes a new policy bans from the network: found by
 * inode in /proc/PID/fd, torn down with SOCK_DESTROY (sock_diag), or where
 * the kernel lacks it, shut down on a copy of the descriptor (pidfd_getfd). */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kernel/livesock.h"
#include "util/log.h"
#include "kernel/sockdiag.h"

struct sock_ref {
	__u32 inode;
	__u32 rec; /* index into lv->recs */
	int fd; /* in that process */
	int done; /* found by sock_diag (and torn down) */
};

struct sock_set {
	struct sock_ref *v;
	size_t n, cap;
};

static int set_add(struct sock_set *set, __u32 inode, __u32 rec, int fd)
{
	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 64;
		struct sock_ref *v = realloc(set->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		set->v = v;
		set->cap = cap;
	}
	set->v[set->n++] = (struct sock_ref){ .inode = inode, .rec = rec, .fd = fd };
	return 0;
}

static int ref_cmp(const void *a, const void *b)
{
	const struct sock_ref *x = a, *y = b;

	return x->inode < y->inode ? -1 : x->inode > y->inode;
}

/* Every socket descriptor of the processes to cut off. */
static int collect(struct live *lv, struct sock_set *set)
{
	char path[64], target[64];
	struct dirent *de;
	unsigned int ino;
	size_t i;
	DIR *d;
	int err = 0;

	for (i = 0; i < lv->n && !err; i++) {
		if (lv->recs[i].action != APPBAN_LIVE_NET)
			continue;
		snprintf(path, sizeof(path), "/proc/%u/fd", lv->recs[i].pid);
		d = opendir(path);
		if (!d)
			continue;
		while (!err && (de = readdir(d))) {
			ssize_t n = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);

			if (n <= 0)
				continue;
			target[n] = 0;
			if (sscanf(target, "socket:[%u]", &ino) == 1)
				err = set_add(set, ino, i, atoi(de->d_name));
		}
		closedir(d);
	}
	if (set->n)
		qsort(set->v, set->n, sizeof(*set->v), ref_cmp);
	return err;
}

static struct sock_ref *set_find(const struct sock_set *set, __u32 inode)
{
	struct sock_ref key = { .inode = inode };

	return bsearch(&key, set->v, set->n, sizeof(*set->v), ref_cmp);
}

struct found {
	struct sockdiag_sock s;
	__u32 rec;
};

struct dump_ctx {
	struct sock_set *set;
	struct found *v;
	size_t n, cap;
};

static int dump_cb(const struct sockdiag_sock *s, void *arg)
{
	struct dump_ctx *c = arg;
	struct sock_ref *ref, *r;

	if (!s->inode || !(ref = set_find(c->set, s->inode)) || ref->done)
		return 0;
	/* Every descriptor of it (bsearch found one of them). */
	for (r = ref; r > c->set->v && r[-1].inode == s->inode; r--)
		;
	for (; r < c->set->v + c->set->n && r->inode == s->inode; r++)
		r->done = 1;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct found *v = realloc(c->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n++] = (struct found){ .s = *s, .rec = ref->rec };
	return 0;
}

static void conn_event(struct live *lv, __u32 rec, __u8 method, struct appban_event *e)
{
	live_event(&lv->recs[rec], APPBAN_EV_CONN_CLOSED, e);
	e->method = method;
}

static int close_by_destroy(struct live *lv, struct sock_set *set, struct live_report *rep)
{
	static const __u8 families[] = { AF_INET, AF_INET6 };
	static const __u8 protos[] = { IPPROTO_TCP, IPPROTO_UDP };
	struct dump_ctx c = { .set = set };
	struct sockdiag *sd;
	size_t i, j;
	int err;

	err = sockdiag_open(&sd);
	if (err)
		return err;
	for (i = 0; i < 2 && !err; i++)
		for (j = 0; j < 2 && !err; j++)
			err = sockdiag_dump(sd, families[i], protos[j], dump_cb, &c);
	for (i = 0; !err && i < c.n; i++) {
		const struct sockdiag_sock *s = &c.v[i].s;
		struct appban_event e;
		int len = s->family == AF_INET6 ? 16 : 4;
		int r = sockdiag_destroy(sd, s);

		if (r && r != -ENOENT) {
			pr_warn("cannot close socket %u of pid %u: %s\n", s->inode,
				lv->recs[c.v[i].rec].pid, strerror(-r));
			rep->close_failed++;
			continue;
		}
		if (r)
			continue; /* gone meanwhile */
		conn_event(lv, c.v[i].rec, APPBAN_METHOD_SOCK_DESTROY, &e);
		e.family = s->family;
		e.protocol = s->protocol;
		e.sock_type = s->protocol == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM;
		memcpy(e.saddr, s->id.idiag_src, len);
		memcpy(e.daddr, s->id.idiag_dst, len);
		e.sport = ntohs(s->id.idiag_sport);
		e.dport = ntohs(s->id.idiag_dport);
		live_emit(lv, &e);
		rep->closed++;
	}
	free(c.v);
	sockdiag_close(sd);
	return err;
}

/* The address of a sockaddr into an event's fields. */
static void addr_of(const struct sockaddr_storage *ss, __u8 *addr, __u16 *port)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;

		memcpy(addr, &in->sin_addr, 4);
		*port = ntohs(in->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)ss;

		memcpy(addr, &in6->sin6_addr, 16);
		*port = ntohs(in6->sin6_port);
	}
}

/* Shut down the socket at descriptor ref->fd of its process. */
static int shutdown_one(struct live *lv, int pidfd, const struct sock_ref *ref,
			struct live_report *rep)
{
	struct sockaddr_storage ss;
	struct appban_event e;
	int fd, err, family = 0, type = 0, proto = 0;
	socklen_t len = sizeof(int);

	fd = syscall(SYS_pidfd_getfd, pidfd, ref->fd, 0);
	if (fd < 0)
		return errno == EBADF ? 0 : -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &len) ||
	    (family != AF_INET && family != AF_INET6)) {
		close(fd);
		return 0;
	}
	len = sizeof(int);
	getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len);
	len = sizeof(int);
	getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &len);
	conn_event(lv, ref->rec, APPBAN_METHOD_SHUTDOWN, &e);
	e.family = family;
	e.sock_type = type;
	e.protocol = proto;
	len = sizeof(ss);
	if (!getsockname(fd, (struct sockaddr *)&ss, &len))
		addr_of(&ss, e.saddr, &e.sport);
	len = sizeof(ss);
	if (!getpeername(fd, (struct sockaddr *)&ss, &len))
		addr_of(&ss, e.daddr, &e.dport);
	/* ENOTCONN for an unconnected socket: it is marked shut down anyway;
	 * one never bound had nothing to close (its use is refused now). */
	err = shutdown(fd, SHUT_RDWR) ? errno : 0;
	if (err == ENOTCONN && !e.sport) {
		close(fd);
		return 0;
	}
	if (err && err != ENOTCONN) {
		pr_warn("cannot shut down socket %u of pid %u: %s\n", ref->inode,
			lv->recs[ref->rec].pid, strerror(err));
		rep->close_failed++;
		close(fd);
		return 0;
	}
	close(fd);
	live_emit(lv, &e);
	rep->closed++;
	return 0;
}

static int close_by_shutdown(struct live *lv, const struct sock_set *set, struct live_report *rep)
{
	__u32 cur = (__u32)-1;
	int pidfd = -1;
	size_t i;

	for (i = 0; i < set->n; i++) {
		const struct sock_ref *ref = &set->v[i];

		if (ref->done || (i && ref->inode == set->v[i - 1].inode))
			continue; /* torn down already; one socket in several processes */
		if (ref->rec != cur) {
			if (pidfd >= 0)
				close(pidfd);
			cur = ref->rec;
			pidfd = syscall(SYS_pidfd_open, lv->recs[cur].pid, 0);
		}
		if (pidfd >= 0)
			shutdown_one(lv, pidfd, ref, rep);
	}
	if (pidfd >= 0)
		close(pidfd);
	return 0;
}

int live_close_sockets(struct live *lv, struct live_report *rep)
{
	struct sock_set set = { 0 };
	const char *why;
	int err;

	err = collect(lv, &set);
	if (err || !set.n)
		goto out;
	rep->sock_destroy = sockdiag_destroy_works(&why);
	if (rep->sock_destroy)
		err = close_by_destroy(lv, &set, rep);
	/* What sock_diag did not show: every socket without SOCK_DESTROY, and
	 * with it those of another network namespace (a container's). */
	if (!err)
		err = close_by_shutdown(lv, &set, rep);
	if (err)
		pr_warn("cannot close the sockets of net-banned processes: %s\n", strerror(-err));
out:
	free(set.v);
	return err;
}
