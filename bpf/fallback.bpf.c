// SPDX-License-Identifier: GPL-2.0
/* Fallback engine, for kernels that refuse BPF LSM: a banned exec is killed
 * before its first instruction; cgroup v2 root socket hooks refuse the network. */
#define APPBAN_VCACHE /* decide.h: remember files that match nothing */
#define APPBAN_NET_CHECK_CGROUP /* emit.h: net_check runs in cgroup programs */
#include "common.bpf.h"
#include "content.h"
#include "namebuf.h"
#include "script.h"
#include "pinpath.h"
#include "syscall_nr.h"

/* After the point of no return of execve: SIGKILL is delivered before the
 * new image runs a single user instruction (exit status 137). */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(appban_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct file *file = BPF_CORE_READ(bprm, file);
	const char *filename = BPF_CORE_READ(bprm, filename);

	if (file_decide(file, filename, APPBAN_HOOK_EXEC, APPBAN_METHOD_SIGKILL) == DECIDE_BLOCK ||
	    content_cached_decide(file, filename, APPBAN_HOOK_EXEC, APPBAN_METHOD_SIGKILL) ==
		    DECIDE_BLOCK) {
		bpf_send_signal(SIGKILL);
		return 0;
	}
	/* binfmt_script changed bprm->interp from the file name to the interpreter. */
	script_window_at_exec(p, filename, BPF_CORE_READ(bprm, interp) != filename);
	return 0;
}

#ifdef APPBAN_COMPAT
/* The compat objects keep a script window in a hash map, not in task
 * storage: it goes with its process. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(appban_exit_script, struct task_struct *p)
{
	script_window_exit(p);
	return 0;
}
#endif

/* cgroup programs: return 1 to allow, 0 to refuse (the caller gets EPERM). */
SEC("cgroup/sock_create")
int appban_sock_create(struct bpf_sock *sk)
{
	return net_check(APPBAN_HOOK_SOCKET, sk->family, sk->type, sk->protocol, NULL, 0);
}

SEC("cgroup/connect4")
int appban_connect4(struct bpf_sock_addr *ctx)
{
	__u32 ip = ctx->user_ip4;

	return net_check(APPBAN_HOOK_CONNECT, AF_INET, ctx->type, ctx->protocol, &ip,
			 bpf_ntohs(ctx->user_port));
}

SEC("cgroup/connect6")
int appban_connect6(struct bpf_sock_addr *ctx)
{
	__u32 ip[4] = { ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3] };

	return net_check(APPBAN_HOOK_CONNECT, AF_INET6, ctx->type, ctx->protocol, ip,
			 bpf_ntohs(ctx->user_port));
}

SEC("cgroup/sendmsg4")
int appban_sendmsg4(struct bpf_sock_addr *ctx)
{
	__u32 ip = ctx->user_ip4;

	return net_check(APPBAN_HOOK_SENDMSG, AF_INET, ctx->type, ctx->protocol, &ip,
			 bpf_ntohs(ctx->user_port));
}

SEC("cgroup/sendmsg6")
int appban_sendmsg6(struct bpf_sock_addr *ctx)
{
	__u32 ip[4] = { ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3] };

	return net_check(APPBAN_HOOK_SENDMSG, AF_INET6, ctx->type, ctx->protocol, ip,
			 bpf_ntohs(ctx->user_port));
}

SEC("cgroup/bind4")
int appban_bind4(struct bpf_sock_addr *ctx)
{
	__u32 ip = ctx->user_ip4;

	return net_check(APPBAN_HOOK_BIND, AF_INET, ctx->type, ctx->protocol, &ip,
			 bpf_ntohs(ctx->user_port));
}

SEC("cgroup/bind6")
int appban_bind6(struct bpf_sock_addr *ctx)
{
	__u32 ip[4] = { ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2], ctx->user_ip6[3] };

	return net_check(APPBAN_HOOK_BIND, AF_INET6, ctx->type, ctx->protocol, ip,
			 bpf_ntohs(ctx->user_port));
}

/* A socket that a net-banned process did not create (passed over a unix
 * socket, inherited across exec) is out of the cgroup hooks' sight once it
 * is connected. Its use through the socket system calls is caught here and,
 * as for exec in this engine, the process is killed before the call runs. */
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define TCP_CLOSE_STATE 7
#define TCP_LISTEN_STATE 10

/* A function of its own (static: the verifier checks it at each call): the
 * raw sys_enter program below calls it from twenty cases, which inlined
 * would each keep their own stack and overflow its 512 bytes. The file is
 * `file`, or when NULL the caller's descriptor `fd` (io_uring's fixed files
 * are found in the ring's table instead: uring_fixed_file()). */
/* The current process's network mark where it refuses a passed socket, or
 * NULL: audit-only marks were reported when the socket was made; so were the
 * uses of a process an exception still covers. */
static __always_inline struct appban_net_mark *net_mark_refusing_current(void)
{
	struct appban_net_mark *m = net_mark_of_current();

	if (!m || m->audit_only || net_mark_exception(m) != APPBAN_NO_EXCEPTION)
		return 0;
	return m;
}

static __noinline int passed_socket_use(struct file *file, long fd, __u8 hook, int listener_counts)
{
	struct appban_net_mark *m = net_mark_refusing_current();
	struct socket *sock;
	struct sock *sk;
	__u8 family, state;

	if (!m)
		return 0;
	if (!file)
		file = current_fd_file(fd);
	if (!file || (BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return 0;
	sock = BPF_CORE_READ(file, private_data);
	sk = BPF_CORE_READ(sock, sk);
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6)
		return 0;
	/* Not connected (an unbound or bound UDP socket, a listener): the
	 * cgroup hooks refuse its sends and connects with EPERM already. A
	 * listener passed in is used by accepting on it, which they do not
	 * see. */
	state = BPF_CORE_READ(sk, __sk_common.skc_state);
	if (state == TCP_CLOSE_STATE || (state == TCP_LISTEN_STATE && !listener_counts))
		return 0;
	count(APPBAN_CNT_NET_BLOCKED);
	emit_net(APPBAN_EV_NET_BLOCKED, m, APPBAN_NO_EXCEPTION, hook, APPBAN_METHOD_SIGKILL, family,
		 BPF_CORE_READ(sock, type), BPF_CORE_READ(sk, sk_protocol), NULL, 0);
	bpf_send_signal(SIGKILL);
	return 0;
}

static __always_inline int passed_socket_check(long fd, __u8 hook, int listener_counts)
{
	return passed_socket_use(NULL, fd, hook, listener_counts);
}

/* Calls with a descriptor at each end, either of which may be a socket. */
static __always_inline int passed_socket_pair(long in_fd, long out_fd)
{
	passed_socket_check(in_fd, APPBAN_HOOK_RECVMSG, 0);
	return passed_socket_check(out_fd, APPBAN_HOOK_SENDMSG, 0);
}

/* io_uring requests on a socket passed in: the system calls above never see
 * them (the request is made by io_uring_enter, or by io_uring's SQPOLL
 * thread with no system call at all; that thread belongs to the process, so
 * its mark is the process's). The process is killed at the submission, as at
 * its first write or read. The tracepoint gives the request since 5.19
 * (io_uring_submit_sqe, later renamed io_uring_submit_req); on older
 * kernels neither program is loaded (the loader reads the kernel's BTF;
 * status says so). The opcodes are io_uring's ABI numbers. */
#define IORING_OP_READV 1
#define IORING_OP_WRITEV 2
#define IORING_OP_READ_FIXED 4
#define IORING_OP_WRITE_FIXED 5
#define IORING_OP_SENDMSG 9
#define IORING_OP_RECVMSG 10
#define IORING_OP_ACCEPT 13
#define IORING_OP_READ 22
#define IORING_OP_WRITE 23
#define IORING_OP_SEND 26
#define IORING_OP_RECV 27
#define IORING_OP_SPLICE 30
#define IORING_OP_SEND_ZC 47
#define IORING_OP_SENDMSG_ZC 48
#define IORING_OP_READ_MULTISHOT 49
#define IORING_OP_READV_FIXED 60 /* 6.15 */
#define IORING_OP_WRITEV_FIXED 61 /* 6.15 */
#define REQ_F_FIXED_FILE 1 /* (IOSQE_FIXED_FILE: fd is an index of registered files) */
#define SPLICE_F_FD_IN_FIXED (1U << 31) /* a splice's input is a registered file */

/* A request on a registered ("fixed") file names it by its index in the
 * ring's file table (IORING_REGISTER_FILES), which the program reads: the
 * ring's lock is held at the submission, so the table cannot change under
 * it. (req->file is of no use here: io_uring assigns it when it issues the
 * request, after this tracepoint.) An entry is the file's address with
 * io_uring's flags in its low bits (FFS_NOWAIT, FFS_ISREG, FFS_SCM, earlier
 * FFS_ASYNC_READ/WRITE: never more than three bits; a struct file is aligned
 * to more than 8), masked off whatever they are.
 *
 * 5.19 to 6.12: ctx->file_table.files[], a flat array of struct
 * io_fixed_file { unsigned long file_ptr; } (flat since 5.15; a request
 * given by the tracepoint needs 5.19 anyway), ctx->nr_user_files long. */
struct io_fixed_file___v519 {
	unsigned long file_ptr;
} __attribute__((preserve_access_index));

struct io_file_table___v519 {
	struct io_fixed_file___v519 *files;
} __attribute__((preserve_access_index));

struct io_ring_ctx___v519 {
	struct io_file_table___v519 file_table;
	unsigned int nr_user_files;
} __attribute__((preserve_access_index));

/* 6.13 on: the file and buffer tables became arrays of resource nodes
 * (io_uring/rsrc rework of 6.13: io_fixed_file and ctx->nr_user_files
 * gone): ctx->file_table.data.nodes[i]->file_ptr, data.nr long, an empty
 * slot NULL. */
struct io_rsrc_node___v613 {
	unsigned long file_ptr;
} __attribute__((preserve_access_index));

struct io_rsrc_data___v613 {
	unsigned int nr;
	struct io_rsrc_node___v613 **nodes;
} __attribute__((preserve_access_index));

struct io_file_table___v613 {
	struct io_rsrc_data___v613 data;
} __attribute__((preserve_access_index));

struct io_ring_ctx___v613 {
	struct io_file_table___v613 file_table;
} __attribute__((preserve_access_index));

#define URING_FILE_PTR_FLAGS 7UL

/* The file at fixed index `index` of the ring's table, NULL for an empty
 * slot or an index past the end (the request then fails with EBADF).
 * *known is 0 when this kernel's table is of neither layout above. */
static __always_inline struct file *uring_fixed_file(struct io_kiocb *req, __u32 index, int *known)
{
	void *ctx = BPF_CORE_READ(req, ctx);
	unsigned long ptr = 0;

	*known = 1;
	if (bpf_core_field_exists(struct io_ring_ctx___v613, file_table.data.nodes)) {
		struct io_ring_ctx___v613 *c = ctx;
		struct io_rsrc_node___v613 **nodes, *node = NULL;

		if (index >= BPF_CORE_READ(c, file_table.data.nr))
			return NULL;
		nodes = BPF_CORE_READ(c, file_table.data.nodes);
		if (bpf_probe_read_kernel(&node, sizeof(node), nodes + index) || !node)
			return NULL;
		ptr = BPF_CORE_READ(node, file_ptr);
	} else if (bpf_core_field_exists(struct io_ring_ctx___v519, file_table.files) &&
		   bpf_core_field_exists(struct io_ring_ctx___v519, nr_user_files)) {
		struct io_ring_ctx___v519 *c = ctx;
		struct io_fixed_file___v519 *files;

		if (index >= BPF_CORE_READ(c, nr_user_files))
			return NULL;
		files = BPF_CORE_READ(c, file_table.files);
		if (!files)
			return NULL;
		ptr = BPF_CORE_READ(files + index, file_ptr);
	} else {
		*known = 0;
	}
	return (struct file *)(ptr & ~URING_FILE_PTR_FLAGS);
}

/* A splice names its input apart (sqe->splice_fd_in, and
 * SPLICE_F_FD_IN_FIXED for a registered file), kept by its prep, which runs
 * before the tracepoint, in the request's per-opcode data: struct io_splice
 * at req->cmd since 6.0, the union member req->splice in 5.19. */
struct io_splice___appban {
	int splice_fd_in;
	unsigned int flags;
} __attribute__((preserve_access_index));

struct io_kiocb___cmd {
	struct io_cmd_data cmd;
} __attribute__((preserve_access_index));

struct io_kiocb___v519 {
	struct io_splice___appban splice;
} __attribute__((preserve_access_index));

/* The splice's input; *known is 0 where neither layout is there. */
static __always_inline int uring_splice_in(struct io_kiocb *req, int *fixed, int *known)
{
	struct io_splice___appban *sp;

	*known = 1;
	if (bpf_core_field_exists(struct io_kiocb___cmd, cmd))
		sp = (void *)req + bpf_core_field_offset(struct io_kiocb___cmd, cmd);
	else if (bpf_core_field_exists(struct io_kiocb___v519, splice))
		sp = (void *)req + bpf_core_field_offset(struct io_kiocb___v519, splice);
	else
		sp = NULL;
	if (!sp || !bpf_core_field_exists(sp->splice_fd_in)) {
		*known = 0;
		return -1;
	}
	*fixed = !!(BPF_CORE_READ(sp, flags) & SPLICE_F_FD_IN_FIXED);
	return BPF_CORE_READ(sp, splice_fd_in);
}

/* A request on a file this program cannot find (a layout of a kernel after
 * those above; status says so): fail closed where it can, as a request
 * that needs a socket, which a net-banned process can only have been
 * given: killed. */
static __always_inline int uring_fail_closed(__u8 hook)
{
	struct appban_net_mark *m = net_mark_refusing_current();

	if (!m)
		return 0;
	count(APPBAN_CNT_NET_BLOCKED);
	emit_net(APPBAN_EV_NET_BLOCKED, m, APPBAN_NO_EXCEPTION, hook, APPBAN_METHOD_SIGKILL, 0, 0,
		 0, NULL, 0);
	bpf_send_signal(SIGKILL);
	return 0;
}

/* The file `fd` of a request: a descriptor, or with `fixed` an index of the
 * ring's registered files. Where the table cannot be read, a socket-only
 * request fails closed; a read or write is not seen. */
static __always_inline int uring_file_check(struct io_kiocb *req, int fd, int fixed, __u8 hook,
					    int listener_counts, int socket_only)
{
	struct file *file;
	int known;

	if (!fixed)
		return passed_socket_use(NULL, fd, hook, listener_counts);
	file = uring_fixed_file(req, fd, &known);
	if (known)
		return file ? passed_socket_use(file, -1, hook, listener_counts) : 0;
	return socket_only ? uring_fail_closed(hook) : 0;
}

static __always_inline int uring_check(struct io_kiocb *req)
{
	int fixed, fd, in_fd, in_fixed = 0, known;
	int socket_only = 1;
	__u8 op, hook;

	/* Every request of every ring on the machine comes here: a process
	 * whose network is not refused (nearly all) pays one lookup, before
	 * the request, its file or the ring's table is read. */
	if (!net_mark_refusing_current())
		return 0;
	op = BPF_CORE_READ(req, opcode);
	fixed = !!(BPF_CORE_READ(req, flags) & REQ_F_FIXED_FILE);
	fd = BPF_CORE_READ(req, cqe.fd);
	switch (op) {
	case IORING_OP_READV:
	case IORING_OP_READ_FIXED:
	case IORING_OP_READ:
	case IORING_OP_READ_MULTISHOT:
	case IORING_OP_READV_FIXED:
		socket_only = 0;
		/* fall through */
	case IORING_OP_RECVMSG:
	case IORING_OP_RECV:
		hook = APPBAN_HOOK_RECVMSG;
		break;
	case IORING_OP_WRITEV:
	case IORING_OP_WRITE_FIXED:
	case IORING_OP_WRITE:
	case IORING_OP_WRITEV_FIXED:
		socket_only = 0;
		/* fall through */
	case IORING_OP_SENDMSG:
	case IORING_OP_SEND:
	case IORING_OP_SEND_ZC:
	case IORING_OP_SENDMSG_ZC:
		hook = APPBAN_HOOK_SENDMSG;
		break;
	case IORING_OP_ACCEPT:
		hook = APPBAN_HOOK_ACCEPT;
		break;
	case IORING_OP_SPLICE:
		/* either end may be the socket, as for splice(2) */
		in_fd = uring_splice_in(req, &in_fixed, &known);
		if (!known)
			return uring_fail_closed(APPBAN_HOOK_RECVMSG);
		uring_file_check(req, in_fd, in_fixed, APPBAN_HOOK_RECVMSG, 0, 0);
		return uring_file_check(req, fd, fixed, APPBAN_HOOK_SENDMSG, 0, 0);
	default:
		return 0;
	}
	/* (A registered file's slot refilled after this submission, for a
	 * request that waits, is not seen: docs/engines.md.) */
	return uring_file_check(req, fd, fixed, hook, op == IORING_OP_ACCEPT, socket_only);
}

SEC("tp_btf/io_uring_submit_req")
int BPF_PROG(appban_uring_submit, struct io_kiocb *req)
{
	return uring_check(req);
}

/* 5.19 to 6.1: the same tracepoint under its old name, (req, force_nonblock) */
SEC("tp_btf/io_uring_submit_sqe")
int BPF_PROG(appban_uring_submit_sqe, struct io_kiocb *req, bool force_nonblock)
{
	return uring_check(req);
}

/* The dynamic loader run on a banned file (ld.so /path/app) maps it with
 * PROT_EXEC: the process is killed before the call returns to it. */
#define PROT_EXEC 0x4

static __always_inline int mmap_check(unsigned long prot, unsigned long flags, unsigned long fd)
{
	struct file *file;

	if (!(prot & PROT_EXEC) || (long)fd < 0)
		return 0;
	file = current_fd_file(fd);
	if (file && mapping_decide(file, APPBAN_HOOK_MMAP, APPBAN_METHOD_SIGKILL,
				   flags & MAP_SHARED_BIT) == DECIDE_BLOCK)
		bpf_send_signal(SIGKILL);
	return 0;
}

#ifndef APPBAN_COMPAT
/* A mapping made executable after the fact: find its file. Not in the
 * compat objects: bpf_find_vma() is 5.17 (status says so). */
struct vma_ctx {
	struct file *file;
	unsigned long flags;
};

static long vma_file_cb(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	struct vma_ctx *v = data;

	/* Read as a plain number, as every other program's file is: the
	 * identity function (vcache.h) takes no typed pointer. */
	bpf_probe_read_kernel(&v->file, sizeof(v->file), &vma->vm_file);
	v->flags = BPF_CORE_READ(vma, vm_flags);
	return 0;
}

static __always_inline int mprotect_check(unsigned long start, unsigned long prot)
{
	struct vma_ctx v = { 0 };

	if (!(prot & PROT_EXEC))
		return 0;
	bpf_find_vma(bpf_get_current_task_btf(), start, vma_file_cb, &v, 0);
	if (v.file && mapping_decide(v.file, APPBAN_HOOK_MPROTECT, APPBAN_METHOD_SIGKILL,
				     v.flags & VM_SHARED_BIT) == DECIDE_BLOCK)
		bpf_send_signal(SIGKILL);
	return 0;
}

/* A rename has returned: what vcache.h remembers may be of another path.
 * (The compat objects remember nothing: decide.h.) */
static __always_inline int rename_seen(void)
{
	__sync_fetch_and_add(&appban_renames, 1);
	return 0;
}
#endif

/* Tamper reporting. This engine cannot refuse an attempt on appban's own
 * objects (no LSM hooks): it reports each one as tamper-detected. */
#define BPF_MAP_UPDATE_ELEM_CMD 2
#define BPF_MAP_DELETE_ELEM_CMD 3
#define BPF_MAP_LOOKUP_AND_DELETE_ELEM_CMD 21
#define BPF_MAP_FREEZE_CMD 22
#define BPF_MAP_LOOKUP_AND_DELETE_BATCH_CMD 25
#define BPF_MAP_UPDATE_BATCH_CMD 26
#define BPF_MAP_DELETE_BATCH_CMD 27
#define BPF_LINK_UPDATE_CMD 29
#define BPF_LINK_DETACH_CMD 34
#define BATCH_MAP_FD_OFFSET 36 /* union bpf_attr.batch.map_fd */

/* Not inlined, as passed_socket_check() (the raw sys_enter program's stack). */
static __noinline int bpf_tamper_check(unsigned long cmd, const char *uattr)
{
	__u8 hook = APPBAN_HOOK_BPF_MAP;
	const char *name;
	__u32 off = 0;
	int fd;

	switch (cmd) {
	case BPF_MAP_UPDATE_ELEM_CMD:
	case BPF_MAP_DELETE_ELEM_CMD:
	case BPF_MAP_LOOKUP_AND_DELETE_ELEM_CMD:
	case BPF_MAP_FREEZE_CMD:
		break;
	case BPF_MAP_LOOKUP_AND_DELETE_BATCH_CMD:
	case BPF_MAP_UPDATE_BATCH_CMD:
	case BPF_MAP_DELETE_BATCH_CMD:
		off = BATCH_MAP_FD_OFFSET;
		break;
	case BPF_LINK_UPDATE_CMD:
	case BPF_LINK_DETACH_CMD:
		hook = APPBAN_HOOK_BPF_LINK;
		break;
	default:
		return 0;
	}
	if (bpf_probe_read_user(&fd, sizeof(fd), uattr + off))
		return 0;
	name = hook == APPBAN_HOOK_BPF_LINK ? appban_link_of_fd(fd) : appban_map_of_fd(fd);
	if (name && guard_against_current())
		tamper_report(hook, name, 0, 0, 0);
	return 0;
}

/* Every system call whose entry this engine watches, with its check; A(n)
 * is the call's argument n. One table, expanded twice: into a tracepoint
 * program per system call, and into the cases of one raw sys_enter program
 * for kernels where those cannot stay attached (below). */
#define SYS_ENTER_CHECKS(X)                                                               \
	X(write, passed_socket_check(A(0), APPBAN_HOOK_SENDMSG, 0))                       \
	X(writev, passed_socket_check(A(0), APPBAN_HOOK_SENDMSG, 0))                      \
	X(sendto, passed_socket_check(A(0), APPBAN_HOOK_SENDMSG, 0))                      \
	X(sendmsg, passed_socket_check(A(0), APPBAN_HOOK_SENDMSG, 0))                     \
	X(sendmmsg, passed_socket_check(A(0), APPBAN_HOOK_SENDMSG, 0))                    \
	X(read, passed_socket_check(A(0), APPBAN_HOOK_RECVMSG, 0))                        \
	X(readv, passed_socket_check(A(0), APPBAN_HOOK_RECVMSG, 0))                       \
	X(recvfrom, passed_socket_check(A(0), APPBAN_HOOK_RECVMSG, 0))                    \
	X(recvmsg, passed_socket_check(A(0), APPBAN_HOOK_RECVMSG, 0))                     \
	X(recvmmsg, passed_socket_check(A(0), APPBAN_HOOK_RECVMSG, 0))                    \
	X(pwritev, passed_socket_check(A(0), APPBAN_HOOK_SENDMSG, 0))                     \
	/* pwritev2/preadv2 with offset -1: a plain write or read */                      \
	X(pwritev2, passed_socket_check(A(0), APPBAN_HOOK_SENDMSG, 0))                    \
	X(preadv, passed_socket_check(A(0), APPBAN_HOOK_RECVMSG, 0))                      \
	X(preadv2, passed_socket_check(A(0), APPBAN_HOOK_RECVMSG, 0))                     \
	/* (out_fd, in_fd, ...) */                                                        \
	X(sendfile64, passed_socket_pair(A(1), A(0)))                                     \
	/* (fd_in, off_in, fd_out, ...) */                                                \
	X(splice, passed_socket_pair(A(0), A(2)))                                         \
	/* accepting on a listener passed in */                                           \
	X(accept, passed_socket_check(A(0), APPBAN_HOOK_ACCEPT, 1))                       \
	X(accept4, passed_socket_check(A(0), APPBAN_HOOK_ACCEPT, 1))                      \
	/* (addr, len, prot, flags, fd, off) */                                           \
	X(mmap, mmap_check(A(2), A(3), A(4)))                                             \
	X(bpf, bpf_tamper_check(A(0), (const char *)A(1)))                                \
	X(unlink, pin_path_check(AT_FDCWD_VALUE, (const char *)A(0), APPBAN_HOOK_PIN))    \
	X(unlinkat, pin_path_check(A(0), (const char *)A(1), APPBAN_HOOK_PIN))            \
	X(rmdir, pin_path_check(AT_FDCWD_VALUE, (const char *)A(0), APPBAN_HOOK_PIN))     \
	X(rename, pin_path_check(AT_FDCWD_VALUE, (const char *)A(0), APPBAN_HOOK_PIN))    \
	X(renameat, pin_path_check(A(0), (const char *)A(1), APPBAN_HOOK_PIN))            \
	X(renameat2, pin_path_check(A(0), (const char *)A(1), APPBAN_HOOK_PIN))           \
	X(umount, pin_path_check(AT_FDCWD_VALUE, (const char *)A(0), APPBAN_HOOK_UMOUNT)) \
	SYS_ENTER_CHECKS_FULL(X)

/* The same for the returns of system calls, RET being the returned value:
 * each check with the three calls it follows, so that the raw sys_exit
 * program has one copy of it for all three (three copies of the script
 * check took the verifier past its million steps). */
#define SYS_EXIT_CHECKS(X)                               \
	X(script_open_check(RET), openat, open, openat2) \
	SYS_EXIT_CHECKS_FULL(X)

#ifdef APPBAN_COMPAT
#define SYS_ENTER_CHECKS_FULL(X)
#define SYS_EXIT_CHECKS_FULL(X)
#else
#define SYS_ENTER_CHECKS_FULL(X) X(mprotect, mprotect_check(A(0), A(2)))
#define SYS_EXIT_CHECKS_FULL(X) X(rename_seen(), rename, renameat, renameat2)
#endif

/* Where a perf event has a BPF link (5.15): one tracepoint program per
 * system call, so that only the calls watched pay for a program. */
#define A(n) ctx->args[n]
#define TP_SYS_ENTER(syscall, check)                                    \
	SEC("tp/syscalls/sys_enter_" #syscall)                          \
	int appban_sys_##syscall(struct trace_event_raw_sys_enter *ctx) \
	{                                                               \
		return check;                                           \
	}
SYS_ENTER_CHECKS(TP_SYS_ENTER)
#undef A

/* The child's return from a fork (0), which passes the sys_exit tracepoint
 * on x86 (arm64's ret_from_fork does not): a child whose network mark was
 * lost at its fork is killed there, before its first instruction, where
 * appban_fork_child cannot run. */
#define FORK_RETURNS(X) X(clone) X(clone3) X(fork) X(vfork)

#define TP_FORK_EXIT(syscall)                                               \
	SEC("tp/syscalls/sys_exit_" #syscall)                               \
	int appban_sys_exit_##syscall(struct trace_event_raw_sys_exit *ctx) \
	{                                                                   \
		return ctx->ret ? 0 : fork_child_check();                   \
	}
FORK_RETURNS(TP_FORK_EXIT)

#define RET ctx->ret
#define TP_SYS_EXIT1(syscall, check)                                        \
	SEC("tp/syscalls/sys_exit_" #syscall)                               \
	int appban_sys_exit_##syscall(struct trace_event_raw_sys_exit *ctx) \
	{                                                                   \
		return check;                                               \
	}
#define TP_SYS_EXIT(check, a, b, c) \
	TP_SYS_EXIT1(a, check) TP_SYS_EXIT1(b, check) TP_SYS_EXIT1(c, check)
SYS_EXIT_CHECKS(TP_SYS_EXIT)
#undef RET

/* Before 5.15 a tracepoint program stays attached after the loader has
 * gone only through a pinned BPF link, which a perf event does not have
 * there; a raw tracepoint has one (5.7). So on those kernels (and only
 * there: these run a program at every system call of the device) the
 * loader attaches these two instead of the programs above
 * (docs/kernels.md): each switches on the system call's number and runs
 * the same checks, with the arguments read from the caller's registers.
 * 32-bit calls (x86 int $0x80, an arm64 AArch32 process) number their
 * calls in another table and reach no per-syscall tracepoint: they are let
 * through here too (status: 32-bit-syscalls). */
#if defined(__TARGET_ARCH_x86)
#define TS_COMPAT_BIT 0x0002 /* thread_info.status: in a 32-bit system call */
#define SYSCALL_IS_32BIT(t) (BPF_CORE_READ(t, thread_info.status) & TS_COMPAT_BIT)
/* The arguments where the syscall's own entry takes them (the fourth in
 * r10), and the number at the exit (syscall_get_nr()). */
#define RAW_ARG0(regs) ((regs)->di)
#define RAW_ARG1(regs) ((regs)->si)
#define RAW_ARG2(regs) ((regs)->dx)
#define RAW_ARG3(regs) ((regs)->r10)
#define RAW_ARG4(regs) ((regs)->r8)
#define SYSCALL_NR(regs) ((long)(regs)->orig_ax)
#elif defined(__TARGET_ARCH_arm64)
#define TIF_32BIT_BIT (1UL << 22) /* thread_info.flags: an AArch32 process */
#define SYSCALL_IS_32BIT(t) (BPF_CORE_READ(t, thread_info.flags) & TIF_32BIT_BIT)
/* The first argument is kept in orig_x0 (x0 takes the return value). */
#define RAW_ARG0(regs) ((regs)->orig_x0)
#define RAW_ARG1(regs) ((regs)->regs[1])
#define RAW_ARG2(regs) ((regs)->regs[2])
#define RAW_ARG3(regs) ((regs)->regs[3])
#define RAW_ARG4(regs) ((regs)->regs[4])
#define SYSCALL_NR(regs) ((long)(regs)->syscallno)
#endif

static __always_inline int syscall_is_watched(long nr)
{
	struct task_struct *t = current_task();

	return (unsigned long)nr <= APPBAN_NR_MAX_WATCHED && !SYSCALL_IS_32BIT(t);
}

/* The tracepoints' pt_regs is a typed pointer (tp_btf): the registers are
 * read directly, their offsets relocated for the running kernel (CO-RE). */
#define A(n) RAW_ARG##n(regs)
#define RAW_CASE(syscall, check) \
	case APPBAN_NR(syscall): \
		return check;

SEC("tp_btf/sys_enter")
int BPF_PROG(appban_raw_sys_enter, struct pt_regs *regs, long id)
{
	if (!syscall_is_watched(id))
		return 0;
	switch (id) {
		SYS_ENTER_CHECKS(RAW_CASE)
	}
	return 0;
}
#undef A

#define RET ret
#define RAW_EXIT_CASE(check, a, b, c) \
	case APPBAN_NR(a):            \
	case APPBAN_NR(b):            \
	case APPBAN_NR(c):            \
		return check;
#define RAW_FORK_CASE(syscall) case APPBAN_NR(syscall):
SEC("tp_btf/sys_exit")
int BPF_PROG(appban_raw_sys_exit, struct pt_regs *regs, long ret)
{
	long id = SYSCALL_NR(regs);

	if (!syscall_is_watched(id))
		return 0;
	switch (id) {
		SYS_EXIT_CHECKS(RAW_EXIT_CASE)
		FORK_RETURNS(RAW_FORK_CASE)
		return ret ? 0 : fork_child_check();
	}
	return 0;
}
#undef RET

/* A signal sent by a process (kill, tgkill, pidfd_send_signal, sigqueue) to
 * the event reader, once the kernel let it through. */
#define SI_FROMUSER_MAX 0 /* si_code <= 0: sent by a process */

SEC("tp_btf/signal_generate")
int BPF_PROG(appban_signal, int sig, struct kernel_siginfo *info, struct task_struct *task,
	     int group, int result)
{
	if ((unsigned long)info <= 1 || BPF_CORE_READ(info, si_code) > SI_FROMUSER_MAX)
		return 0;
	if (signal_is_tamper(task, sig))
		tamper_report(APPBAN_HOOK_SIGNAL, task->comm, task->tgid, sig, 0);
	return 0;
}
