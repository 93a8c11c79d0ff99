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
