// SPDX-License-Identifier: GPL-2.0
/* The daemon's control socket (control.h, docs/control.md). One epoll
 * descriptor holds the listening socket and every client; a follower's
 * records wait in its own bounded buffer, written as its socket takes them.
 * A record that does not fit cuts the follower off: it gets nothing more,
 * the records it misses are counted, and once it has read what was queued
 * it gets an events-lost record with the count and "#end cut-off N". */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fleet/control.h"
#include "fleet/control_proto.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/obuf.h"

#define STATUS_BUFFER (256u << 10)
#define END_RESERVE 4096 /* an events-lost record and the "#end" line */
#define LINE_MAX_LEN 16384 /* a record's line (the daemon's own limit) */

enum client_state {
	CL_REQUEST, /* reading the request line */
	CL_FOLLOW, /* getting every record */
	CL_BEHIND, /* cut off: counting what it misses until it read the queue */
	CL_CLOSING, /* its last bytes queued: closed once written */
};

struct client {
	int fd;
	enum client_state state;
	int json;
	pid_t pid;
	uid_t uid;
	uint64_t deadline; /* CL_REQUEST: mono ns */
	char req[CONTROL_REQUEST_MAX];
	size_t req_len;
	struct obuf out;
	uint64_t records; /* queued to it */
	uint64_t lost; /* missed since it was cut off */
	uint32_t armed; /* the epoll events registered */
	/* its socket took less than all at the last write: no write is tried
	 * again before epoll says it is writable (a stuck follower costs no
	 * system call per record) */
	int blocked;
	struct client *next;
};

struct control {
	/* Held by every entry point: the daemon's thread and, while it is
	 * busy putting a policy in force, the pump's (control_busy_begin). */
	pthread_mutex_t mu;
	pthread_t pump;
	int pumping;
	atomic_int pump_stop;
	int lfd, epfd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const struct control_hooks *h;
	void *ctx;
	size_t follow_buffer; /* each follower's, bytes */
	struct client *clients;
	size_t n_clients;
	/* the common fields of the last record, for an events-lost record */
	struct record last;
	char line[2][LINE_MAX_LEN]; /* a record formatted: text, json */
};

/* ---- the socket ------------------------------------------------------ */

static int make_dir(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = 0;
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/* Is a daemon answering on path? 1 yes, 0 no (nothing there, or a socket
 * nobody listens on: removed), -errno when path is something else. */
static int another_daemon(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, ret;

	if (lstat(sa->sun_path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ret = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (!ret)
		return 1;
	if (unlink(sa->sun_path) && errno != ENOENT)
		return -errno;
	return 0;
}

static size_t follow_buffer_size(void)
{
	const char *v = getenv(CONTROL_FOLLOW_BUFFER_ENV);
	unsigned long n;
	char *end;

	if (!v || !v[0])
		return CONTROL_FOLLOW_BUFFER;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || n < 16384 || n > CONTROL_FOLLOW_BUFFER) {
		pr_warn("%s=%s ignored: want 16384 to %u bytes\n", CONTROL_FOLLOW_BUFFER_ENV, v,
			CONTROL_FOLLOW_BUFFER);
		return CONTROL_FOLLOW_BUFFER;
	}
	return n;
}

int control_open(const char *path, const struct control_hooks *h, void *ctx, struct control **out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	struct control *c;
	mode_t old;
	int err;

	*out = NULL;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		pr_err("control socket %s: path too long (at most %zu bytes)\n", path,
		       sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	pthread_mutex_init(&c->mu, NULL);
	c->lfd = c->epfd = -1;
	c->follow_buffer = follow_buffer_size();
	c->h = h;
	c->ctx = ctx;
	snprintf(c->path, sizeof(c->path), "%s", path);
	err = make_dir(path);
	if (err) {
		pr_err("cannot make the directory of the control socket %s: %s\n", path,
		       strerror(-err));
		goto err;
	}
	err = another_daemon(&sa);
	if (err) {
		if (err > 0)
			pr_err("another appban daemon answers on %s: stop it first (or set %s to another path)\n",
			       path, CONTROL_SOCKET_ENV);
		else
			pr_err("cannot use %s for the control socket: %s\n", path, strerror(-err));
		err = err > 0 ? -EADDRINUSE : err;
		goto err;
	}
	c->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->lfd < 0) {
		err = -errno;
		pr_err("cannot make the control socket: %s\n", strerror(-err));
		goto err;
	}
	/* 0600 from the start: no instant where another user may connect */
	old = umask(0177);
	err = bind(c->lfd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
	umask(old);
	if (!err && (chmod(path, 0600) || listen(c->lfd, 16)))
		err = -errno;
	if (err) {
		pr_err("cannot listen on %s: %s\n", path, strerror(-err));
		goto err;
	}
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (c->epfd < 0 || epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->lfd, &ev)) {
		err = -errno;
		pr_err("cannot watch the control socket: %s\n", strerror(-err));
		goto err_unlink;
	}
	*out = c;
	return 0;
err_unlink:
	unlink(path);
err:
	if (c->epfd >= 0)
		close(c->epfd);
	if (c->lfd >= 0)
		close(c->lfd);
	pthread_mutex_destroy(&c->mu);
	free(c);
	return err;
}

int control_fd(const struct control *c)
{
	return c ? c->epfd : -1;
}

/* ---- clients --------------------------------------------------------- */

static void client_drop(struct control *c, struct client *cl)
{
	struct client **pp;

	for (pp = &c->clients; *pp; pp = &(*pp)->next)
		if (*pp == cl) {
			*pp = cl->next;
			break;
		}
	epoll_ctl(c->epfd, EPOLL_CTL_DEL, cl->fd, NULL);
	close(cl->fd);
	obuf_free(&cl->out);
	free(cl);
	c->n_clients--;
}

/* Wait for writability only while something is queued (level-triggered). */
static int client_arm(struct control *c, struct client *cl)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = cl };

	if (obuf_pending(&cl->out))
		ev.events |= EPOLLOUT;
	if (ev.events == cl->armed)
		return 0;
	if (epoll_ctl(c->epfd, EPOLL_CTL_MOD, cl->fd, &ev))
		return -errno;
	cl->armed = ev.events;
	return 0;
}

/* The events-lost record and "#end cut-off N" of a follower cut off. */
static void client_end_cut(struct control *c, struct client *cl)
{
	struct record r = c->last;
	char end[64];
	int n;

	r.kind = REC_EVENTS_LOST;
	r.ts_real_ns = clock_ns(CLOCK_REALTIME);
	r.lost = cl->lost;
	r.ev = NULL;
	r.sink = "follower"; /* appban.sink */
	if (!r.engine)
		r.engine = "none";
	n = cl->json ? format_json(&r, c->line[1], sizeof(c->line[1])) :
		       format_text(&r, c->line[0], sizeof(c->line[0]));
	if (n > 0)
		obuf_put_reserved(&cl->out, c->line[cl->json], (size_t)n);
	n = control_encode_end(CONTROL_END_CUT, cl->lost, end, sizeof(end));
	if (n > 0)
		obuf_put_reserved(&cl->out, end, (size_t)n);
	pr_info("follower pid %d, cut off, told it missed %" PRIu64 " record(s)\n", (int)cl->pid,
		cl->lost);
	cl->state = CL_CLOSING;
}

/* Write what the socket takes; a follower cut off that has read its queue
 * gets its last lines; a client whose last lines are out is closed. 0, or
 * -1 when the client was dropped. */
static int client_write(struct control *c, struct client *cl)
{
	long w = obuf_flush(&cl->out, cl->fd);

	cl->blocked = obuf_pending(&cl->out) != 0;
	if (w < 0) {
		client_drop(c, cl);
		return -1;
	}
	if (!obuf_pending(&cl->out) && cl->state == CL_BEHIND) {
		client_end_cut(c, cl);
		w = obuf_flush(&cl->out, cl->fd);
		cl->blocked = obuf_pending(&cl->out) != 0;
		if (w < 0) {
			client_drop(c, cl);
			return -1;
		}
	}
	if (!obuf_pending(&cl->out) && cl->state == CL_CLOSING) {
		client_drop(c, cl);
		return -1;
	}
	if (client_arm(c, cl)) {
		client_drop(c, cl);
		return -1;
	}
	return 0;
}

/* Queue the first line and what follows it; CL_CLOSING unless a follower. */
static void client_answer(struct control *c, struct client *cl, const char *why)
{
	char line[CONTROL_REQUEST_MAX + 64];
	struct control_request req;
	int n, err;

	if (!why && control_parse_request(cl->req, &req, &why))
		why = why ? why : "bad request";
	if (why) {
		if (!cl->out.p && obuf_init(&cl->out, sizeof(line), 0)) {
			client_drop(c, cl);
			return;
		}
		n = control_encode_error(why, line, sizeof(line));
		obuf_put_reserved(&cl->out, line, n > 0 ? (size_t)n : 0);
		cl->state = CL_CLOSING;
		client_write(c, cl);
		return;
	}
	n = control_encode_ok(line, sizeof(line));
	if (req.op == CONTROL_FOLLOW) {
		err = obuf_init(&cl->out, c->follow_buffer, END_RESERVE);
		if (err) {
			client_drop(c, cl);
			return;
		}
		obuf_put(&cl->out, line, (size_t)n);
		cl->json = req.json;
		cl->state = CL_FOLLOW;
		pr_info("follower pid %d connected (%s)\n", (int)cl->pid,
			req.json ? "json" : "text");
		client_write(c, cl);
		return;
	}
	{
		char *buf = malloc(STATUS_BUFFER);
		struct jbuf b = { .p = buf, .cap = STATUS_BUFFER };

		if (!buf || obuf_init(&cl->out, STATUS_BUFFER + 64, 0)) {
			free(buf);
			client_drop(c, cl);
			return;
		}
		obuf_put(&cl->out, line, (size_t)n);
		if (req.json) {
			jb_printf(&b, "{\"pid\":%d", (int)getpid());
			if (c->h && c->h->status)
				c->h->status(c->ctx, &b, 1);
			jb_raw(&b, ",\"followers\":");
			control_followers_json(c, &b);
			jb_raw(&b, "}\n");
		} else {
			if (c->h && c->h->status)
				c->h->status(c->ctx, &b, 0);
			control_followers_text(c, &b);
		}
		if (b.overflow) {
			b.len = 0;
			b.overflow = 0;
			jb_raw(&b, "{\"error\":\"the status does not fit in its buffer\"}\n");
		}
		obuf_put(&cl->out, buf, b.len);
		free(buf);
		cl->state = CL_CLOSING;
		client_write(c, cl);
	}
}

/* The request's bytes, as they come (a client may send them in pieces). */
static void client_read_request(struct control *c, struct client *cl)
{
	ssize_t r;
	char *nl;

	r = read(cl->fd, cl->req + cl->req_len, sizeof(cl->req) - 1 - cl->req_len);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		client_drop(c, cl);
		return;
	}
	cl->req_len += (size_t)r;
	cl->req[cl->req_len] = 0;
	nl = memchr(cl->req, '\n', cl->req_len);
	if (nl) {
		*nl = 0;
		client_answer(c, cl, NULL);
	} else if (cl->req_len == sizeof(cl->req) - 1) {
		client_answer(c, cl, "request line too long");
	}
}

/* After the request, a client only ever closes: anything else is ignored. */
static void client_read_rest(struct control *c, struct client *cl)
{
	char tmp[256];
	ssize_t r = read(cl->fd, tmp, sizeof(tmp));

	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
		client_drop(c, cl);
}

static void accept_all(struct control *c)
{
	for (;;) {
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
		struct ucred cred;
		socklen_t len = sizeof(cred);
		struct client *cl;
		int fd;

		fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				pr_warn("control socket: accept: %s\n", strerror(errno));
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return;
		}
		/* the socket is 0600: this is a second lock on the same door */
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) ||
		    (cred.uid != 0 && cred.uid != geteuid()) ||
		    c->n_clients >= CONTROL_MAX_CLIENTS) {
			static const char busy[] = "error too many clients of the control socket\n";

			if (c->n_clients >= CONTROL_MAX_CLIENTS &&
			    write(fd, busy, sizeof(busy) - 1) < 0) {
				/* (nothing more to tell it) */
			}
			close(fd);
			continue;
		}
		cl = calloc(1, sizeof(*cl));
		if (!cl) {
			close(fd);
			continue;
		}
		cl->fd = fd;
		cl->pid = cred.pid;
		cl->uid = cred.uid;
		cl->state = CL_REQUEST;
		cl->deadline = mono_ns() + CONTROL_REQUEST_TIMEOUT_MS * NSEC_PER_MSEC;
		ev.data.ptr = cl;
		if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd);
			free(cl);
			continue;
		}
		cl->armed = ev.events;
		cl->next = c->clients;
		c->clients = cl;
		c->n_clients++;
	}
}

static void service(struct control *c)
{
	struct epoll_event ev[32];
	int i, n;

	do {
		n = epoll_wait(c->epfd, ev, 32, 0);
		for (i = 0; i < n; i++) {
			struct client *cl = ev[i].data.ptr;

			if (!cl) {
				accept_all(c);
				continue;
			}
			/* (a client dropped earlier in this batch is not in it:
			 * one event per descriptor, and only this one drops it) */
			if (ev[i].events & (EPOLLERR | EPOLLHUP)) {
				client_drop(c, cl);
				continue;
			}
			if (ev[i].events & EPOLLOUT) {
				cl->blocked = 0;
				if (client_write(c, cl))
					continue;
			}
			if (ev[i].events & (EPOLLIN | EPOLLRDHUP)) {
				if (cl->state == CL_REQUEST)
					client_read_request(c, cl);
				else
					client_read_rest(c, cl);
			}
		}
	} while (n == 32);
}

void control_service(struct control *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	service(c);
	pthread_mutex_unlock(&c->mu);
}

/* ---- records --------------------------------------------------------- */

void control_publish_lines(struct control *c, const struct record *r, const char *json,
			   size_t json_len, const char *text, size_t text_len)
{
	const char *line[2] = { text, json };
	int len[2] = { text ? (int)text_len : -1, json ? (int)json_len : -1 };
	struct client *cl, *next;

	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	/* only the common fields: the policy in force, the engine */
	memset(&c->last, 0, sizeof(c->last));
	c->last.engine = r->engine;
	memcpy(c->last.policy_name, r->policy_name, sizeof(c->last.policy_name));
	c->last.policy_serial = r->policy_serial;
	c->last.monitor = r->monitor;
	for (cl = c->clients; cl; cl = next) {
		next = cl->next;
		if (cl->state == CL_BEHIND) {
			cl->lost++;
			continue;
		}
		if (cl->state != CL_FOLLOW)
			continue;
		if (len[cl->json] < 0) {
			len[cl->json] = cl->json ? format_json(r, c->line[1], sizeof(c->line[1])) :
						   format_text(r, c->line[0], sizeof(c->line[0]));
			line[cl->json] = c->line[cl->json];
			if (len[cl->json] < 0)
				len[cl->json] = 0; /* (too long for any line: not sent) */
		}
		if (!len[cl->json])
			continue;
		/* full: what the socket takes now first, then it is behind */
		if (obuf_put(&cl->out, line[cl->json], (size_t)len[cl->json]) &&
		    (cl->blocked || obuf_flush(&cl->out, cl->fd) < 0 ||
		     obuf_put(&cl->out, line[cl->json], (size_t)len[cl->json]))) {
			cl->state = CL_BEHIND;
			cl->lost = 1;
			pr_warn("follower pid %d (appban events) does not read its events: cut off (%u KiB behind); the daemon does not wait for it\n",
				(int)cl->pid, (unsigned int)(c->follow_buffer >> 10));
			continue;
		}
		cl->records++;
	}
	pthread_mutex_unlock(&c->mu);
}

void control_publish(struct control *c, const struct record *r)
{
	control_publish_lines(c, r, NULL, 0, NULL, 0);
}

static void flush(struct control *c)
{
	struct client *cl, *next;
	uint64_t now = mono_ns();

	for (cl = c->clients; cl; cl = next) {
		next = cl->next;
		if (cl->state == CL_REQUEST) {
			if (now >= cl->deadline)
				client_drop(c, cl);
			continue;
		}
		/* (a blocked one waits for epoll's EPOLLOUT: control_service) */
		if (!cl->blocked && (obuf_pending(&cl->out) || cl->state == CL_BEHIND))
			client_write(c, cl);
	}
}

void control_flush(struct control *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	flush(c);
	pthread_mutex_unlock(&c->mu);
}

/* The pump: the socket served while the daemon's thread is busy. */
static void *pump_main(void *arg)
{
	struct control *c = arg;
	struct pollfd p = { .fd = c->epfd, .events = POLLIN };

	while (!atomic_load(&c->pump_stop)) {
		/* (also every 50 ms: requests that timed out, queued records) */
		if (poll(&p, 1, 50) < 0 && errno != EINTR)
			break;
		pthread_mutex_lock(&c->mu);
		service(c);
		flush(c);
		pthread_mutex_unlock(&c->mu);
	}
	return NULL;
}

void control_busy_begin(struct control *c)
{
	sigset_t all, old;

	if (!c || c->pumping)
		return;
	atomic_store(&c->pump_stop, 0);
	/* the daemon's signals stay its main thread's */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	c->pumping = !pthread_create(&c->pump, NULL, pump_main, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!c->pumping)
		pr_warn("control socket: cannot start a thread to answer while busy: the socket waits\n");
}

void control_busy_end(struct control *c)
{
	if (!c || !c->pumping)
		return;
	atomic_store(&c->pump_stop, 1);
	pthread_join(c->pump, NULL);
	c->pumping = 0;
}

void control_followers_json(const struct control *c, struct jbuf *b)
{
	const struct client *cl;
	int first = 1;

	jb_raw(b, "[");
	for (cl = c ? c->clients : NULL; cl; cl = cl->next) {
		if (cl->state != CL_FOLLOW && cl->state != CL_BEHIND)
			continue;
		jb_printf(b,
			  "%s{\"pid\":%d,\"uid\":%u,\"format\":\"%s\",\"records\":%" PRIu64
			  ",\"queued_bytes\":%zu,\"cut_off\":%s,\"lost\":%" PRIu64 "}",
			  first ? "" : ",", (int)cl->pid, (unsigned int)cl->uid,
			  cl->json ? "json" : "text", cl->records, obuf_pending(&cl->out),
			  cl->state == CL_BEHIND ? "true" : "false", cl->lost);
		first = 0;
	}
	jb_raw(b, "]");
}

/* At the daemon's stop, a follower that reads gets its queue and last line
 * within this long; one that does not is not waited for any longer. */
#define CLOSE_DRAIN_MS 500

void control_followers_text(const struct control *c, struct jbuf *b)
{
	const struct client *cl;
	int n = 0;

	jb_raw(b, "followers:  ");
	for (cl = c ? c->clients : NULL; cl; cl = cl->next) {
		if (cl->state != CL_FOLLOW && cl->state != CL_BEHIND)
			continue;
		jb_printf(b, "%s pid %d (%s, %" PRIu64 " records", n ? "," : "", (int)cl->pid,
			  cl->json ? "json" : "text", cl->records);
		if (cl->state == CL_BEHIND)
			jb_printf(b, ", cut off: %" PRIu64 " missed", cl->lost);
		jb_raw(b, ")");
		n++;
	}
	jb_raw(b, n ? "\n" : " none (appban events)\n");
}

void control_close(struct control *c)
{
	struct client *cl, *next;
	uint64_t until;
	char end[64];
	int n;

	if (!c)
		return;
	control_busy_end(c);
	epoll_ctl(c->epfd, EPOLL_CTL_DEL, c->lfd, NULL); /* no one new */
	n = control_encode_end(CONTROL_END_STOPPED, 0, end, sizeof(end));
	for (cl = c->clients; cl; cl = next) {
		next = cl->next;
		if (cl->state == CL_REQUEST) {
			client_drop(c, cl);
		} else if (cl->state == CL_BEHIND) {
			client_end_cut(c, cl);
		} else if (cl->state == CL_FOLLOW) {
			if (n > 0)
				obuf_put_reserved(&cl->out, end, (size_t)n);
			cl->state = CL_CLOSING;
		}
	}
	until = mono_ns() + CLOSE_DRAIN_MS * NSEC_PER_MSEC;
	while (c->clients && mono_ns() < until) {
		service(c);
		flush(c);
		if (c->clients && epoll_wait(c->epfd, (struct epoll_event[1]){}, 1, 20) < 0 &&
		    errno != EINTR)
			break;
	}
	while (c->clients)
		client_drop(c, c->clients);
	close(c->lfd);
	close(c->epfd);
	unlink(c->path);
	pthread_mutex_destroy(&c->mu);
	free(c);
}
