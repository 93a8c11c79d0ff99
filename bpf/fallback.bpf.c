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

static __always_inline int passed_socket_check(long fd, __u8 hook, int listener_counts)
{
	struct appban_net_mark *m = net_mark_of_current();
	struct socket *sock;
	struct file *file;
	struct sock *sk;
	__u8 family, state;

	/* Audit-only marks were reported when the socket was made; so were
	 * the uses of a process an exception still covers. */
	if (!m || m->audit_only || net_mark_exception(m) != APPBAN_NO_EXCEPTION)
		return 0;
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

#define PASSED_SOCKET_HOOK(syscall, hook)                               \
	SEC("tp/syscalls/sys_enter_" #syscall)                          \
	int appban_sys_##syscall(struct trace_event_raw_sys_enter *ctx) \
	{                                                               \
		return passed_socket_check(ctx->args[0], hook, 0);      \
	}

/* Calls with a descriptor at each end, either of which may be a socket. */
#define PASSED_SOCKET_HOOK2(syscall, in_arg, out_arg)                                   \
	SEC("tp/syscalls/sys_enter_" #syscall)                                          \
	int appban_sys_##syscall(struct trace_event_raw_sys_enter *ctx)                 \
	{                                                                               \
		passed_socket_check(ctx->args[in_arg], APPBAN_HOOK_RECVMSG, 0);         \
		return passed_socket_check(ctx->args[out_arg], APPBAN_HOOK_SENDMSG, 0); \
	}

/* Accepting on a listener passed in. */
#define PASSED_LISTENER_HOOK(syscall)                                            \
	SEC("tp/syscalls/sys_enter_" #syscall)                                   \
	int appban_sys_##syscall(struct trace_event_raw_sys_enter *ctx)          \
	{                                                                        \
		return passed_socket_check(ctx->args[0], APPBAN_HOOK_ACCEPT, 1); \
	}

PASSED_SOCKET_HOOK(write, APPBAN_HOOK_SENDMSG)
PASSED_SOCKET_HOOK(writev, APPBAN_HOOK_SENDMSG)
PASSED_SOCKET_HOOK(sendto, APPBAN_HOOK_SENDMSG)
PASSED_SOCKET_HOOK(sendmsg, APPBAN_HOOK_SENDMSG)
PASSED_SOCKET_HOOK(sendmmsg, APPBAN_HOOK_SENDMSG)
PASSED_SOCKET_HOOK(read, APPBAN_HOOK_RECVMSG)
PASSED_SOCKET_HOOK(readv, APPBAN_HOOK_RECVMSG)
PASSED_SOCKET_HOOK(recvfrom, APPBAN_HOOK_RECVMSG)
PASSED_SOCKET_HOOK(recvmsg, APPBAN_HOOK_RECVMSG)
PASSED_SOCKET_HOOK(recvmmsg, APPBAN_HOOK_RECVMSG)
PASSED_SOCKET_HOOK(pwritev, APPBAN_HOOK_SENDMSG)
PASSED_SOCKET_HOOK(pwritev2, APPBAN_HOOK_SENDMSG) /* offset -1: a plain write */
PASSED_SOCKET_HOOK(preadv, APPBAN_HOOK_RECVMSG)
PASSED_SOCKET_HOOK(preadv2, APPBAN_HOOK_RECVMSG)
PASSED_SOCKET_HOOK2(sendfile64, 1, 0) /* (out_fd, in_fd, ...) */
PASSED_SOCKET_HOOK2(splice, 0, 2) /* (fd_in, off_in, fd_out, ...) */
PASSED_LISTENER_HOOK(accept)
PASSED_LISTENER_HOOK(accept4)

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
#define IORING_OP_SEND_ZC 47
#define IORING_OP_SENDMSG_ZC 48
#define IORING_OP_READ_MULTISHOT 49
#define REQ_F_FIXED_FILE 1 /* (IOSQE_FIXED_FILE: fd is an index of registered files) */

static __always_inline int uring_check(struct io_kiocb *req)
{
	__u8 op = BPF_CORE_READ(req, opcode);
	struct appban_net_mark *m;
	int socket_only = 1;
	__u8 hook;

	switch (op) {
	case IORING_OP_READV:
	case IORING_OP_READ_FIXED:
	case IORING_OP_READ:
	case IORING_OP_READ_MULTISHOT:
		socket_only = 0;
		/* fall through */
	case IORING_OP_RECVMSG:
	case IORING_OP_RECV:
		hook = APPBAN_HOOK_RECVMSG;
		break;
	case IORING_OP_WRITEV:
	case IORING_OP_WRITE_FIXED:
	case IORING_OP_WRITE:
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
	default:
		return 0;
	}
	if (!(BPF_CORE_READ(req, flags) & REQ_F_FIXED_FILE))
		return passed_socket_check(BPF_CORE_READ(req, cqe.fd), hook,
					   op == IORING_OP_ACCEPT);
	/* A registered file: which one is not read here. The socket-only
	 * opcodes need a socket, which a net-banned process can only have
	 * been given: killed. (A read or write opcode on a registered socket
	 * is not seen: docs/engines.md.) */
	m = net_mark_of_current();
	if (!socket_only || !m || m->audit_only || net_mark_exception(m) != APPBAN_NO_EXCEPTION)
		return 0;
	count(APPBAN_CNT_NET_BLOCKED);
	emit_net(APPBAN_EV_NET_BLOCKED, m, APPBAN_NO_EXCEPTION, hook, APPBAN_METHOD_SIGKILL, 0, 0,
		 0, NULL, 0);
	bpf_send_signal(SIGKILL);
	return 0;
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

SEC("tp/syscalls/sys_enter_mmap")
int appban_sys_mmap(struct trace_event_raw_sys_enter *ctx)
{
	struct file *file;

	if (!(ctx->args[2] & PROT_EXEC) || (long)ctx->args[4] < 0)
		return 0;
	file = current_fd_file(ctx->args[4]);
	if (file && mapping_decide(file, APPBAN_HOOK_MMAP, APPBAN_METHOD_SIGKILL,
				   ctx->args[3] & MAP_SHARED_BIT) == DECIDE_BLOCK)
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

SEC("tp/syscalls/sys_enter_mprotect")
int appban_sys_mprotect(struct trace_event_raw_sys_enter *ctx)
{
	struct vma_ctx v = { 0 };

	if (!(ctx->args[2] & PROT_EXEC))
		return 0;
	bpf_find_vma(bpf_get_current_task_btf(), ctx->args[0], vma_file_cb, &v, 0);
	if (v.file && mapping_decide(v.file, APPBAN_HOOK_MPROTECT, APPBAN_METHOD_SIGKILL,
				     v.flags & VM_SHARED_BIT) == DECIDE_BLOCK)
		bpf_send_signal(SIGKILL);
	return 0;
}
#endif

struct trace_event_raw_sys_exit;

#ifndef APPBAN_COMPAT
/* A rename has returned: what vcache.h remembers may be of another path.
 * (The compat objects remember nothing: decide.h.) */
#define RENAME_EXIT(syscall)                                                \
	SEC("tp/syscalls/sys_exit_" #syscall)                               \
	int appban_sys_exit_##syscall(struct trace_event_raw_sys_exit *ctx) \
	{                                                                   \
		__sync_fetch_and_add(&appban_renames, 1);                   \
		return 0;                                                   \
	}

RENAME_EXIT(rename)
RENAME_EXIT(renameat)
RENAME_EXIT(renameat2)
#endif

SEC("tp/syscalls/sys_exit_openat")
int appban_sys_exit_openat(struct trace_event_raw_sys_exit *ctx)
{
	return script_open_check(ctx->ret);
}

SEC("tp/syscalls/sys_exit_open")
int appban_sys_exit_open(struct trace_event_raw_sys_exit *ctx)
{
	return script_open_check(ctx->ret);
}

SEC("tp/syscalls/sys_exit_openat2")
int appban_sys_exit_openat2(struct trace_event_raw_sys_exit *ctx)
{
	return script_open_check(ctx->ret);
}

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

SEC("tp/syscalls/sys_enter_bpf")
int appban_sys_bpf(struct trace_event_raw_sys_enter *ctx)
{
	const char *uattr = (const char *)ctx->args[1], *name;
	__u8 hook = APPBAN_HOOK_BPF_MAP;
	__u32 off = 0;
	int fd;

	switch (ctx->args[0]) {
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

#define PIN_PATH_HOOK(syscall, dfd, arg, hook)                                  \
	SEC("tp/syscalls/sys_enter_" #syscall)                                  \
	int appban_sys_##syscall(struct trace_event_raw_sys_enter *ctx)         \
	{                                                                       \
		return pin_path_check(dfd, (const char *)ctx->args[arg], hook); \
	}

PIN_PATH_HOOK(unlink, AT_FDCWD_VALUE, 0, APPBAN_HOOK_PIN)
PIN_PATH_HOOK(unlinkat, ctx->args[0], 1, APPBAN_HOOK_PIN)
PIN_PATH_HOOK(rmdir, AT_FDCWD_VALUE, 0, APPBAN_HOOK_PIN)
PIN_PATH_HOOK(rename, AT_FDCWD_VALUE, 0, APPBAN_HOOK_PIN)
PIN_PATH_HOOK(renameat, ctx->args[0], 1, APPBAN_HOOK_PIN)
PIN_PATH_HOOK(renameat2, ctx->args[0], 1, APPBAN_HOOK_PIN)
PIN_PATH_HOOK(umount, AT_FDCWD_VALUE, 0, APPBAN_HOOK_UMOUNT)

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
