// SPDX-License-Identifier: GPL-2.0
/* Fallback engine, for kernels that refuse BPF LSM: a banned exec is killed
 * before its first instruction; cgroup v2 root socket hooks refuse the network. */
#include "common.bpf.h"

/* After the point of no return of execve: SIGKILL is delivered before the
 * new image runs a single user instruction (exit status 137). */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(appban_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct file *file = BPF_CORE_READ(bprm, file);
	const char *filename = BPF_CORE_READ(bprm, filename);

	if (exec_decide(file, filename, APPBAN_METHOD_SIGKILL) == DECIDE_BLOCK)
		bpf_send_signal(SIGKILL);
	return 0;
}

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
	__u32 ip[4] = { ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2],
			ctx->user_ip6[3] };

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
	__u32 ip[4] = { ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2],
			ctx->user_ip6[3] };

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
	__u32 ip[4] = { ctx->user_ip6[0], ctx->user_ip6[1], ctx->user_ip6[2],
			ctx->user_ip6[3] };

	return net_check(APPBAN_HOOK_BIND, AF_INET6, ctx->type, ctx->protocol, ip,
			 bpf_ntohs(ctx->user_port));
}

/* A socket that a net-banned process did not create (passed over a unix
 * socket, inherited across exec) is out of the cgroup hooks' sight once it
 * is connected. Its use through the socket system calls is caught here and,
 * as for exec in this engine, the process is killed before the call runs. */
#define S_IFMT 00170000
#define S_IFSOCK 0140000

static __always_inline struct file *fd_file(int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds, *f = NULL;

	if (!fdt || fd < 0 || fd >= (int)BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

static __always_inline int passed_socket_check(long fd, __u8 hook)
{
	struct appban_net_mark *m = net_mark_of_current();
	struct socket *sock;
	struct file *file;
	struct sock *sk;
	__u8 family;

	/* Audit-only marks were reported when the socket was made. */
	if (!m || m->audit_only)
		return 0;
	file = fd_file(fd);
	if (!file || (BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return 0;
	sock = BPF_CORE_READ(file, private_data);
	sk = BPF_CORE_READ(sock, sk);
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6)
		return 0;
	count(APPBAN_CNT_NET_BLOCKED);
	emit_net(APPBAN_EV_NET_BLOCKED, m, hook, APPBAN_METHOD_SIGKILL, family,
		 BPF_CORE_READ(sock, type), BPF_CORE_READ(sk, sk_protocol), NULL, 0);
	bpf_send_signal(SIGKILL);
	return 0;
}

#define PASSED_SOCKET_HOOK(syscall, hook)                                      \
	SEC("tp/syscalls/sys_enter_" #syscall)                                 \
	int appban_sys_##syscall(struct trace_event_raw_sys_enter *ctx)        \
	{                                                                      \
		return passed_socket_check(ctx->args[0], hook);                \
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
