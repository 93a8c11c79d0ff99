// SPDX-License-Identifier: GPL-2.0
/* LSM engine, for kernels with "bpf" in the active LSM list: a banned exec
 * fails with EPERM, IPv4/IPv6 socket operations of a net-banned process too. */
#include "common.bpf.h"

/* Called for the file being executed: for a script, once for the script and
 * once more for its interpreter, so both are checked. */
SEC("lsm/bprm_check_security")
int BPF_PROG(appban_exec, struct linux_binprm *bprm, int ret)
{
	if (ret)
		return ret;
	if (file_decide(bprm->file, bprm->filename, APPBAN_HOOK_EXEC, APPBAN_METHOD_EPERM) ==
	    DECIDE_BLOCK)
		return -EPERM;
	return 0;
}

#define PROT_EXEC 0x4

/* The dynamic loader run on a banned file (ld.so /path/app) maps it
 * executable without an exec of it. */
SEC("lsm/mmap_file")
int BPF_PROG(appban_mmap_file, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags, int ret)
{
	if (ret || !file || !(prot & PROT_EXEC))
		return ret;
	if (file_decide(file, file_name(file), APPBAN_HOOK_MMAP, APPBAN_METHOD_EPERM) ==
	    DECIDE_BLOCK)
		return -EPERM;
	return 0;
}

/* ... or maps it readable first and makes it executable afterwards. */
SEC("lsm/file_mprotect")
int BPF_PROG(appban_file_mprotect, struct vm_area_struct *vma, unsigned long reqprot,
	     unsigned long prot, int ret)
{
	struct file *file;

	if (ret || !(prot & PROT_EXEC))
		return ret;
	file = BPF_CORE_READ(vma, vm_file);
	if (file && file_decide(file, file_name(file), APPBAN_HOOK_MPROTECT,
				APPBAN_METHOD_EPERM) == DECIDE_BLOCK)
		return -EPERM;
	return 0;
}

static __always_inline int sock_verdict(struct socket *sock, __u8 hook,
					const void *addr, __u16 port)
{
	struct sock *sk = BPF_CORE_READ(sock, sk);
	__u8 family, type, proto;

	if (!sk)
		return 0;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	type = BPF_CORE_READ(sock, type);
	proto = BPF_CORE_READ(sk, sk_protocol);
	return net_check(hook, family, type, proto, addr, port) ? 0 : -EPERM;
}

/* The destination of a connect/sendto, when the caller gave one. */
static __always_inline int sock_addr_verdict(struct socket *sock, __u8 hook,
					     struct sockaddr *address, int addrlen)
{
	__u16 family;

	if (!address || addrlen < (int)sizeof(struct sockaddr_in))
		return sock_verdict(sock, hook, NULL, 0);
	family = BPF_CORE_READ(address, sa_family);
	if (family == AF_INET) {
		struct sockaddr_in *in = (void *)address;

		return sock_verdict(sock, hook, &in->sin_addr,
				    bpf_ntohs(BPF_CORE_READ(in, sin_port)));
	}
	if (family == AF_INET6 && addrlen >= (int)sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 *in6 = (void *)address;

		return sock_verdict(sock, hook, &in6->sin6_addr,
				    bpf_ntohs(BPF_CORE_READ(in6, sin6_port)));
	}
	return sock_verdict(sock, hook, NULL, 0);
}

SEC("lsm/socket_create")
int BPF_PROG(appban_socket_create, int family, int type, int protocol, int kern, int ret)
{
	if (ret || kern)
		return ret;
	return net_check(APPBAN_HOOK_SOCKET, family, type, protocol, NULL, 0) ? 0 : -EPERM;
}

SEC("lsm/socket_connect")
int BPF_PROG(appban_socket_connect, struct socket *sock, struct sockaddr *address,
	     int addrlen, int ret)
{
	if (ret)
		return ret;
	return sock_addr_verdict(sock, APPBAN_HOOK_CONNECT, address, addrlen);
}

SEC("lsm/socket_bind")
int BPF_PROG(appban_socket_bind, struct socket *sock, struct sockaddr *address,
	     int addrlen, int ret)
{
	if (ret)
		return ret;
	return sock_addr_verdict(sock, APPBAN_HOOK_BIND, address, addrlen);
}

/* sendmsg/recvmsg cover sockets passed in from another process (SCM_RIGHTS,
 * inherited descriptors), whatever the syscall (write, send, sendmmsg...). */
SEC("lsm/socket_sendmsg")
int BPF_PROG(appban_socket_sendmsg, struct socket *sock, struct msghdr *msg, int size,
	     int ret)
{
	if (ret)
		return ret;
	return sock_addr_verdict(sock, APPBAN_HOOK_SENDMSG, BPF_CORE_READ(msg, msg_name),
				 BPF_CORE_READ(msg, msg_namelen));
}

SEC("lsm/socket_recvmsg")
int BPF_PROG(appban_socket_recvmsg, struct socket *sock, struct msghdr *msg, int size,
	     int flags, int ret)
{
	if (ret)
		return ret;
	return sock_verdict(sock, APPBAN_HOOK_RECVMSG, NULL, 0);
}

SEC("lsm/socket_listen")
int BPF_PROG(appban_socket_listen, struct socket *sock, int backlog, int ret)
{
	if (ret)
		return ret;
	return sock_verdict(sock, APPBAN_HOOK_LISTEN, NULL, 0);
}

SEC("lsm/socket_accept")
int BPF_PROG(appban_socket_accept, struct socket *sock, struct socket *newsock, int ret)
{
	if (ret)
		return ret;
	return sock_verdict(sock, APPBAN_HOOK_ACCEPT, NULL, 0);
}
