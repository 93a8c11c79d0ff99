// SPDX-License-Identifier: GPL-2.0
/* Test helper: one network operation on loopback, with a clear verdict, done
 * by a (banned or unbanned) copy of this program, after optionally forking,
 * exec'ing, or receiving the socket from another process over SCM_RIGHTS. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/io_uring.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/* Exit statuses */
#define NT_OK 0 /* the operation succeeded */
#define NT_EPERM 1 /* a syscall of the operation failed with EPERM */
#define NT_USAGE 2
#define NT_SETUP 3 /* something that is not the operation under test failed */
#define NT_ERRNO 4 /* a syscall of the operation failed with another errno */

static void usage(void)
{
	fprintf(stderr,
		"usage: nettest [PREFIX...] OP ARGS...\n"
		"PREFIX, done left to right:\n"
		"  --fork          fork; the child goes on, the parent waits and exits with its status\n"
		"  --exec PATH     execv PATH with the remaining arguments\n"
		"  --exec-self     execv argv[0] with the remaining arguments\n"
		"  --try-exec PATH execv PATH with no arguments, which must fail; go on\n"
		"  --pass PATH     create the socket OP needs, fork, exec PATH --recv FD OP ARGS\n"
		"                  in the child and send it the socket over SCM_RIGHTS\n"
		"  --recv FD       receive the socket for OP over SCM_RIGHTS on FD\n"
		"OP (inet: 127.0.0.1, inet6: ::1; TYPE tcp|udp, for unix stream|dgram):\n"
		"  socket FAMILY TYPE\n"
		"  connect FAMILY TYPE PORT|PATH\n"
		"  sendto FAMILY PORT|PATH           a datagram (udp / unix dgram)\n"
		"  bind FAMILY TYPE PORT|PATH\n"
		"  listen FAMILY TYPE PORT|PATH READYFILE   serve until killed; writes the\n"
		"                  port (or \"ready\") to READYFILE once listening\n"
		"  serve FAMILY PORT READYFILE   a TCP listener that keeps every connection\n"
		"                  open until killed\n"
		"  use FD CALL     CALL (sendfile, splice-out, splice-in, pwritev2, preadv2,\n"
		"                  uring-OP (through io_uring; OP: send, recv, write, read,\n"
		"                  writev-fixedbuf, readv-fixedbuf (a registered buffer),\n"
		"                  splice-out, splice-in (to or from a pipe)), uring-fixed-OP\n"
		"                  (the socket registered as io_uring's fixed file 0),\n"
		"                  accept) on the inherited socket FD\n"
		"  hold FAMILY PORT READYFILE RESULTFILE   connect over TCP, write \"connected\"\n"
		"                  to READYFILE, wait until the connection ends, write how\n"
		"                  (\"closed: ERRNO\" or \"closed: eof\") and the result of a new\n"
		"                  socket() to RESULTFILE, then sleep until killed\n"
		"exit: 0 ok, 1 EPERM, 2 usage, 3 setup error, 4 other errno\n");
	exit(NT_USAGE);
}

static const char *errno_name(int e)
{
	const char *s = strerrorname_np(e);
	static char buf[32];

	if (s)
		return s;
	snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

/* Report a syscall of the operation under test; returns its exit status. */
static int report(const char *what, int ret, int err)
{
	if (ret >= 0) {
		dprintf(1, "nettest[%d]: %s: ok\n", (int)getpid(), what);
		return NT_OK;
	}
	dprintf(1, "nettest[%d]: %s: %s (%s)\n", (int)getpid(), what, errno_name(err),
		strerror(err));
	return err == EPERM ? NT_EPERM : NT_ERRNO;
}

static int setup_fail(const char *what)
{
	dprintf(2, "nettest[%d]: setup: %s: %s (%s)\n", (int)getpid(), what, errno_name(errno),
		strerror(errno));
	return NT_SETUP;
}

static int parse_family(const char *s)
{
	if (!strcmp(s, "inet") || !strcmp(s, "ipv4") || !strcmp(s, "4"))
		return AF_INET;
	if (!strcmp(s, "inet6") || !strcmp(s, "ipv6") || !strcmp(s, "6"))
		return AF_INET6;
	if (!strcmp(s, "unix"))
		return AF_UNIX;
	usage();
	return -1;
}

static int parse_type(const char *s)
{
	if (!strcmp(s, "tcp") || !strcmp(s, "stream"))
		return SOCK_STREAM;
	if (!strcmp(s, "udp") || !strcmp(s, "dgram"))
		return SOCK_DGRAM;
	usage();
	return -1;
}

static const char *family_str(int f)
{
	return f == AF_INET ? "inet" : f == AF_INET6 ? "inet6" : "unix";
}

static const char *type_str(int f, int t)
{
	if (f == AF_UNIX)
		return t == SOCK_STREAM ? "stream" : "dgram";
	return t == SOCK_STREAM ? "tcp" : "udp";
}

/* Loopback address of the family with the port, or the unix path. */
static socklen_t make_addr(int family, const char *target, struct sockaddr_storage *ss, char *desc,
			   size_t desclen)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons((unsigned short)atoi(target));
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		snprintf(desc, desclen, "127.0.0.1:%s", target);
		return sizeof(*in);
	}
	if (family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((unsigned short)atoi(target));
		in6->sin6_addr = in6addr_loopback;
		snprintf(desc, desclen, "[::1]:%s", target);
		return sizeof(*in6);
	}
	struct sockaddr_un *un = (struct sockaddr_un *)ss;

	un->sun_family = AF_UNIX;
	if (strlen(target) >= sizeof(un->sun_path)) {
		fprintf(stderr, "nettest: unix path too long: %s\n", target);
		exit(NT_USAGE);
	}
	strcpy(un->sun_path, target);
	snprintf(desc, desclen, "%s", target);
	return sizeof(*un);
}

/* The socket for the operation: received, or created (and reported). */
static int get_socket(int family, int type, int recv_fd, int *st)
{
	char what[64];
	int fd;

	*st = NT_OK;
	if (recv_fd >= 0)
		return recv_fd;
	fd = socket(family, type | SOCK_CLOEXEC, 0);
	snprintf(what, sizeof(what), "socket(%s, %s)", family_str(family), type_str(family, type));
	*st = report(what, fd, errno);
	return fd;
}

static int write_ready(const char *file, const char *text)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "%s\n", text);
	if (fclose(f))
		return -1;
	return rename(tmp, file);
}

static int do_listen(int family, int type, const char *target, const char *readyfile)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char desc[160], port[16];
	int fd, one = 1;

	signal(SIGPIPE, SIG_IGN);
	fd = socket(family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return setup_fail("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	len = make_addr(family, target, &ss, desc, sizeof(desc));
	if (family == AF_UNIX)
		unlink(target);
	if (bind(fd, (struct sockaddr *)&ss, len))
		return setup_fail("bind");
	if (type == SOCK_STREAM && listen(fd, 4096))
		return setup_fail("listen");
	if (family == AF_UNIX) {
		strcpy(port, "ready");
	} else {
		len = sizeof(ss);
		if (getsockname(fd, (struct sockaddr *)&ss, &len))
			return setup_fail("getsockname");
		snprintf(port, sizeof(port), "%u",
			 ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
						   ((struct sockaddr_in6 *)&ss)->sin6_port));
	}
	if (write_ready(readyfile, port))
		return setup_fail("write READYFILE");
	for (;;) {
		char buf[2048];

		if (type == SOCK_STREAM) {
			int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

			if (c >= 0)
				close(c);
		} else if (recv(fd, buf, sizeof(buf), 0) < 0 && errno != EINTR) {
			return setup_fail("recv");
		}
	}
}

/* Accept and keep every connection: the client sees its end closed only
 * when something else closes it. */
static int do_serve(int family, const char *target, const char *readyfile)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char desc[160], port[16];
	int fd, one = 1;

	signal(SIGPIPE, SIG_IGN);
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return setup_fail("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	len = make_addr(family, target, &ss, desc, sizeof(desc));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 128))
		return setup_fail("bind/listen");
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return setup_fail("getsockname");
	snprintf(port, sizeof(port), "%u",
		 ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
					   ((struct sockaddr_in6 *)&ss)->sin6_port));
	if (write_ready(readyfile, port))
		return setup_fail("write READYFILE");
	for (;;)
		accept4(fd, NULL, NULL, SOCK_CLOEXEC); /* kept open */
}

/* A long-lived connection, as an app already running when it is banned. */
static int do_hold(int family, const char *target, const char *readyfile, const char *resultfile)
{
	struct sockaddr_storage ss;
	char desc[160], result[256], c;
	socklen_t len;
	ssize_t n;
	int fd, s, rerr, serr;

	fd = socket(family, SOCK_STREAM, 0); /* inherited across exec on purpose */
	if (fd < 0)
		return setup_fail("socket");
	len = make_addr(family, target, &ss, desc, sizeof(desc));
	if (connect(fd, (struct sockaddr *)&ss, len))
		return setup_fail("connect");
	if (write_ready(readyfile, "connected"))
		return setup_fail("write READYFILE");
	do
		n = read(fd, &c, 1);
	while (n > 0 || (n < 0 && errno == EINTR));
	rerr = errno;
	s = socket(family, SOCK_STREAM, 0);
	serr = errno;
	snprintf(result, sizeof(result), "closed: %s\nsocket: %s",
		 n == 0 ? "eof" : errno_name(rerr), s >= 0 ? "ok" : errno_name(serr));
	if (write_ready(resultfile, result))
		return setup_fail("write RESULTFILE");
	for (;;)
		pause();
}

/* io_uring opcodes of kernels newer than some uapi headers (6.15) */
#ifndef IORING_OP_READV_FIXED
#define IORING_OP_READV_FIXED 60
#define IORING_OP_WRITEV_FIXED 61
#endif

/* A request of "use FD uring-[fixed-]OP". */
struct uring_req {
	__u8 opcode;
	int fixed; /* FD registered as the ring's file 0, named by that index */
	int fixed_buf; /* the buffer registered as the ring's buffer 0 */
	int splice_in; /* SPLICE: FD is the input, a pipe the output (else the reverse) */
};

/* One request through a fresh io_uring, waited for: its result (the CQE's
 * res: bytes or -errno). The system calls that write and read a socket are
 * never made: the request goes through io_uring_enter. r->fixed: FD is
 * first registered as the ring's fixed file 0 (IORING_REGISTER_FILES) and
 * the request names it by that index (IOSQE_FIXED_FILE, or for the input
 * of a splice SPLICE_F_FD_IN_FIXED). */
static int uring_one(int fd, const struct uring_req *r, char *buf, __u32 len)
{
	struct io_uring_params p = { 0 };
	unsigned int *sq_tail, *sq_array, *cq_head, *cq_tail, *sq_mask, *cq_mask;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	void *sq, *cq, *sqes;
	int ring, res, pp[2] = { -1, -1 }, target = r->fixed ? 0 : fd;

	ring = (int)syscall(__NR_io_uring_setup, 4, &p);
	if (ring < 0)
		return -errno;
	sq = mmap(NULL, p.sq_off.array + p.sq_entries * sizeof(unsigned int),
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQ_RING);
	cq = mmap(NULL, p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe),
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_CQ_RING);
	sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED)
		return -ENOMEM;
	sq_tail = (unsigned int *)((char *)sq + p.sq_off.tail);
	sq_mask = (unsigned int *)((char *)sq + p.sq_off.ring_mask);
	sq_array = (unsigned int *)((char *)sq + p.sq_off.array);
	cq_head = (unsigned int *)((char *)cq + p.cq_off.head);
	cq_tail = (unsigned int *)((char *)cq + p.cq_off.tail);
	cq_mask = (unsigned int *)((char *)cq + p.cq_off.ring_mask);
	if (r->fixed) {
		if (syscall(__NR_io_uring_register, ring, IORING_REGISTER_FILES, &fd, 1) < 0)
			exit(setup_fail("io_uring_register(IORING_REGISTER_FILES)"));
		dprintf(1, "nettest[%d]: socket fd %d registered as fixed file 0\n", (int)getpid(),
			fd);
	}
	if (r->fixed_buf &&
	    syscall(__NR_io_uring_register, ring, IORING_REGISTER_BUFFERS, &iov, 1) < 0)
		exit(setup_fail("io_uring_register(IORING_REGISTER_BUFFERS)"));
	sqe = &((struct io_uring_sqe *)sqes)[*sq_tail & *sq_mask];
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = r->opcode;
	sqe->fd = target;
	sqe->flags = r->fixed ? IOSQE_FIXED_FILE : 0;
	sqe->addr = (__u64)(unsigned long)buf;
	sqe->len = len;
	if (r->opcode == IORING_OP_READV_FIXED || r->opcode == IORING_OP_WRITEV_FIXED) {
		sqe->addr = (__u64)(unsigned long)&iov; /* within buffer 0 */
		sqe->len = 1;
		sqe->buf_index = 0;
	} else if (r->opcode == IORING_OP_SPLICE) {
		if (pipe(pp))
			exit(setup_fail("pipe"));
		if (!r->splice_in && write(pp[1], buf, len) != (ssize_t)len)
			exit(setup_fail("write to a pipe"));
		sqe->off = (__u64)-1;
		sqe->splice_off_in = (__u64)-1;
		if (r->splice_in) {
			/* the socket in, the pipe out (a plain descriptor) */
			sqe->splice_fd_in = target;
			sqe->splice_flags = r->fixed ? SPLICE_F_FD_IN_FIXED : 0;
			sqe->fd = pp[1];
			sqe->flags = 0;
		} else {
			sqe->splice_fd_in = pp[0];
		}
	}
	sq_array[*sq_tail & *sq_mask] = *sq_tail & *sq_mask;
	__atomic_store_n(sq_tail, *sq_tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return -errno;
	if (__atomic_load_n(cq_tail, __ATOMIC_ACQUIRE) == *cq_head)
		return -EIO;
	cqe = &((struct io_uring_cqe *)((char *)cq + p.cq_off.cqes))[*cq_head & *cq_mask];
	res = cqe->res;
	__atomic_store_n(cq_head, *cq_head + 1, __ATOMIC_RELEASE);
	close(ring);
	if (pp[0] >= 0)
		close(pp[0]), close(pp[1]);
	return res;
}

/* "uring-[fixed-]OP" -> the request; 0 if OP is none of those below. */
static int uring_parse(const char *call, struct uring_req *r)
{
	static const struct {
		const char *name;
		__u8 opcode;
		int fixed_buf, splice_in;
	} ops[] = {
		{ "send", IORING_OP_SEND, 0, 0 },
		{ "recv", IORING_OP_RECV, 0, 0 },
		{ "write", IORING_OP_WRITE, 0, 0 },
		{ "read", IORING_OP_READ, 0, 0 },
		{ "writev-fixedbuf", IORING_OP_WRITEV_FIXED, 1, 0 },
		{ "readv-fixedbuf", IORING_OP_READV_FIXED, 1, 0 },
		{ "splice-out", IORING_OP_SPLICE, 0, 0 },
		{ "splice-in", IORING_OP_SPLICE, 0, 1 },
	};
	size_t i;

	if (strncmp(call, "uring-", 6))
		return 0;
	call += 6;
	memset(r, 0, sizeof(*r));
	if (!strncmp(call, "fixed-", 6)) {
		r->fixed = 1;
		call += 6;
	}
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (!strcmp(call, ops[i].name)) {
			r->opcode = ops[i].opcode;
			r->fixed_buf = ops[i].fixed_buf;
			r->splice_in = ops[i].splice_in;
			return 1;
		}
	}
	return 0;
}

/* "use FD CALL": one call on socket FD, inherited connected (or, for
 * accept, listening with a connection waiting). Non-blocking: a read with
 * nothing to read is an EAGAIN, which counts as done. */
static int do_use(int fd, const char *call)
{
	char buf[16] = "appban-nettest";
	struct iovec iov = { .iov_base = buf, .iov_len = 6 };
	struct uring_req ur;
	int p[2], data;
	ssize_t ret;

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if (!strcmp(call, "sendfile")) {
		data = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
		if (data < 0)
			return setup_fail("open /proc/self/exe");
		ret = sendfile(fd, data, NULL, 6);
	} else if (!strcmp(call, "splice-out") || !strcmp(call, "splice-in")) {
		if (pipe(p))
			return setup_fail("pipe");
		if (call[7] == 'o') {
			if (write(p[1], buf, 6) != 6)
				return setup_fail("write to a pipe");
			ret = splice(p[0], NULL, fd, NULL, 6, 0);
		} else {
			ret = splice(fd, NULL, p[1], NULL, 6, SPLICE_F_NONBLOCK);
		}
	} else if (!strcmp(call, "pwritev2")) {
		ret = pwritev2(fd, &iov, 1, -1, 0);
	} else if (!strcmp(call, "preadv2")) {
		ret = preadv2(fd, &iov, 1, -1, 0);
	} else if (!strcmp(call, "accept")) {
		ret = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	} else if (uring_parse(call, &ur)) {
		int res = uring_one(fd, &ur, buf, 6);

		ret = res < 0 ? -1 : res;
		errno = res < 0 ? -res : 0;
	} else {
		usage();
	}
	if (ret < 0 && errno == EAGAIN)
		ret = 0;
	return report(call, (int)ret, errno);
}

static int do_op(char **av, int ac, int recv_fd)
{
	struct sockaddr_storage ss;
	char desc[160], what[200];
	const char *op;
	int family, type, fd, st, ret;
	socklen_t len;

	if (ac < 1)
		usage();
	op = av[0];
	if (!strcmp(op, "socket")) {
		if (ac != 3)
			usage();
		fd = get_socket(parse_family(av[1]), parse_type(av[2]), -1, &st);
		return st;
	}
	if (!strcmp(op, "connect") || !strcmp(op, "bind")) {
		if (ac != 4)
			usage();
		family = parse_family(av[1]);
		type = parse_type(av[2]);
		len = make_addr(family, av[3], &ss, desc, sizeof(desc));
		fd = get_socket(family, type, recv_fd, &st);
		if (fd < 0)
			return st;
		if (!strcmp(op, "connect"))
			ret = connect(fd, (struct sockaddr *)&ss, len);
		else
			ret = bind(fd, (struct sockaddr *)&ss, len);
		snprintf(what, sizeof(what), "%s(%s, %s)", op, desc, type_str(family, type));
		return report(what, ret, errno);
	}
	if (!strcmp(op, "sendto")) {
		if (ac != 3)
			usage();
		family = parse_family(av[1]);
		len = make_addr(family, av[2], &ss, desc, sizeof(desc));
		fd = get_socket(family, SOCK_DGRAM, recv_fd, &st);
		if (fd < 0)
			return st;
		ret = (int)sendto(fd, "appban-nettest", 14, 0, (struct sockaddr *)&ss, len);
		snprintf(what, sizeof(what), "sendto(%s)", desc);
		return report(what, ret, errno);
	}
	if (!strcmp(op, "use")) {
		if (ac != 3)
			usage();
		return do_use(atoi(av[1]), av[2]);
	}
	if (!strcmp(op, "serve")) {
		if (ac != 4)
			usage();
		return do_serve(parse_family(av[1]), av[2], av[3]);
	}
	if (!strcmp(op, "hold")) {
		if (ac != 5)
			usage();
		return do_hold(parse_family(av[1]), av[2], av[3], av[4]);
	}
	if (!strcmp(op, "listen")) {
		if (ac != 5)
			usage();
		return do_listen(parse_family(av[1]), parse_type(av[2]), av[3], av[4]);
	}
	usage();
	return NT_USAGE;
}

static int wait_child(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return setup_fail("waitpid");
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	dprintf(2, "nettest[%d]: child %d killed by signal %d\n", (int)getpid(), (int)pid,
		WTERMSIG(status));
	return NT_SETUP;
}

/* Create the socket that the operation av[] needs, hand it to a child running
 * PATH over SCM_RIGHTS (the child gets only the unix end across exec). */
static int do_pass(const char *path, char **av, int ac)
{
	char fdstr[16], cbuf[CMSG_SPACE(sizeof(int))];
	struct msghdr msg = { 0 };
	struct cmsghdr *cmsg;
	struct iovec iov;
	int family, type, sock, sv[2];
	char **cav;
	pid_t pid;

	if (ac < 3)
		usage();
	family = parse_family(av[1]);
	if (!strcmp(av[0], "sendto"))
		type = SOCK_DGRAM;
	else
		type = parse_type(av[2]);
	sock = socket(family, type | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return setup_fail("socket to pass");
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return setup_fail("socketpair");
	fcntl(sv[0], F_SETFD, FD_CLOEXEC);
	pid = fork();
	if (pid < 0)
		return setup_fail("fork");
	if (pid == 0) {
		cav = calloc((size_t)ac + 4, sizeof(*cav));
		if (!cav)
			_exit(NT_SETUP);
		snprintf(fdstr, sizeof(fdstr), "%d", sv[1]);
		cav[0] = (char *)path;
		cav[1] = "--recv";
		cav[2] = fdstr;
		memcpy(&cav[3], av, (size_t)ac * sizeof(*cav));
		execv(path, cav);
		_exit(setup_fail("exec for --pass"));
	}
	close(sv[1]);
	iov.iov_base = "S";
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof(cbuf);
	memset(cbuf, 0, sizeof(cbuf));
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &sock, sizeof(int));
	if (sendmsg(sv[0], &msg, 0) != 1) {
		int st = setup_fail("sendmsg SCM_RIGHTS");

		kill(pid, SIGKILL);
		wait_child(pid);
		return st;
	}
	close(sock); /* from now on only the child holds it */
	close(sv[0]);
	return wait_child(pid);
}

static int recv_socket(int ufd)
{
	char cbuf[CMSG_SPACE(sizeof(int))], c;
	struct msghdr msg = { 0 };
	struct cmsghdr *cmsg;
	struct iovec iov = { &c, 1 };
	int fd;

	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof(cbuf);
	if (recvmsg(ufd, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) {
		errno = EPROTO;
		return -1;
	}
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	close(ufd);
	dprintf(1, "nettest[%d]: received socket fd %d over SCM_RIGHTS\n", (int)getpid(), fd);
	return fd;
}

int main(int argc, char **argv)
{
	int i = 1, recv_fd = -1;
	pid_t pid;

	while (i < argc && !strncmp(argv[i], "--", 2)) {
		if (!strcmp(argv[i], "--fork")) {
			fflush(NULL);
			pid = fork();
			if (pid < 0)
				return setup_fail("fork");
			if (pid > 0)
				return wait_child(pid);
			i++;
		} else if (!strcmp(argv[i], "--exec") || !strcmp(argv[i], "--exec-self")) {
			int self = !strcmp(argv[i], "--exec-self");
			const char *path;

			if (!self && i + 1 >= argc)
				usage();
			path = self ? argv[0] : argv[i + 1];
			i += self ? 1 : 2;
			/* argv[i - 1] becomes the new argv[0] */
			argv[i - 1] = (char *)path;
			execv(path, &argv[i - 1]);
			return setup_fail("exec");
		} else if (!strcmp(argv[i], "--try-exec")) {
			char *tav[2] = { NULL, NULL };

			if (i + 1 >= argc)
				usage();
			tav[0] = argv[i + 1];
			execv(argv[i + 1], tav);
			if (errno == EPERM)
				return NT_EPERM; /* the exec itself was refused */
			i += 2;
		} else if (!strcmp(argv[i], "--pass")) {
			if (i + 1 >= argc)
				usage();
			return do_pass(argv[i + 1], &argv[i + 2], argc - i - 2);
		} else if (!strcmp(argv[i], "--recv")) {
			if (i + 1 >= argc)
				usage();
			recv_fd = recv_socket(atoi(argv[i + 1]));
			if (recv_fd < 0)
				return setup_fail("recvmsg SCM_RIGHTS");
			i += 2;
		} else {
			usage();
		}
	}
	return do_op(&argv[i], argc - i, recv_fd);
}
