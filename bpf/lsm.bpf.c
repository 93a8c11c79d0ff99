// SPDX-License-Identifier: GPL-2.0
/* LSM engine, for kernels with "bpf" in the active LSM list: a banned exec
 * fails with EPERM, IPv4/IPv6 socket operations of a net-banned process too. */
#define APPBAN_EXEC_MARK_AT_COMMIT /* decide.h: a failed exec leaves no network mark */
#include "common.bpf.h"
#include "content.h"

/* Once per execve, before bprm_check_security: a mark left by an exec that
 * failed is forgotten. */
SEC("lsm/bprm_creds_for_exec")
int BPF_PROG(appban_exec_begin, struct linux_binprm *bprm, int ret)
{
	net_mark_forget();
	return ret;
}

/* A process that ends leaves no pending mark behind (not a thread: the
 * others of a process end in its exec). */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(appban_exit_pending, struct task_struct *p)
{
	if (!BPF_CORE_READ(p, signal, live.counter))
		net_mark_forget_tgid(p->tgid);
	return 0;
}

/* The exec has succeeded: the mark its checks decided takes effect. */
SEC("lsm/bprm_committed_creds")
int BPF_PROG(appban_exec_committed, struct linux_binprm *bprm)
{
	net_mark_commit(bprm->filename);
	return 0;
}

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

/* sha256 rules where the kernel does not hash (no IMA): the digests user
 * space wrote into the cache, and a report of the others (content.h). A
 * program of its own: inside appban_exec its stack frame would pass the
 * verifier's 512 bytes. */
SEC("lsm/bprm_check_security")
int BPF_PROG(appban_exec_cached, struct linux_binprm *bprm, int ret)
{
	if (ret)
		return ret;
	if (content_cached_decide(bprm->file, bprm->filename, APPBAN_HOOK_EXEC,
				  APPBAN_METHOD_EPERM) == DECIDE_BLOCK)
		return -EPERM;
	return 0;
}

/* sha256 rules, on the content the kernel hashes (IMA): sleepable, so a
 * second program on the same hook. Whichever of the two the trampoline runs
 * first, the other gets its verdict in `ret` and keeps a refusal. */
SEC("lsm.s/bprm_check_security")
int BPF_PROG(appban_exec_content, struct linux_binprm *bprm, int ret)
{
	if (ret)
		return ret;
	if (content_decide(bprm->file, bprm->filename, APPBAN_HOOK_EXEC) == DECIDE_BLOCK)
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
	if (ret || !file || !(prot & PROT_EXEC) || is_current_exe(file))
		return ret;
	if (mapping_decide(file, APPBAN_HOOK_MMAP, APPBAN_METHOD_EPERM, flags & MAP_SHARED_BIT) ==
	    DECIDE_BLOCK)
		return -EPERM;
	return 0;
}

/* sha256 rules for a file mapped executable (ld.so FILE), beside
 * appban_mmap_file as appban_exec_content beside appban_exec. Called before
 * mmap_lock is taken, where IMA itself hashes (ima_file_mmap). Each shared
 * library is hashed once, then found in the digest cache. */
SEC("lsm.s/mmap_file")
int BPF_PROG(appban_mmap_content, struct file *file, unsigned long reqprot, unsigned long prot,
	     unsigned long flags, int ret)
{
	if (ret || !file || !(prot & PROT_EXEC) || is_current_exe(file))
		return ret;
	if (content_decide(file, file_name(file), APPBAN_HOOK_MMAP) == DECIDE_BLOCK)
		return -EPERM;
	return 0;
}

/* The dynamic loader may also map a banned file readable first and make it
 * executable afterwards. */
SEC("lsm/file_mprotect")
int BPF_PROG(appban_file_mprotect, struct vm_area_struct *vma, unsigned long reqprot,
	     unsigned long prot, int ret)
{
	struct file *file;

	if (ret || !(prot & PROT_EXEC))
		return ret;
	file = BPF_CORE_READ(vma, vm_file);
	if (file && mapping_decide(file, APPBAN_HOOK_MPROTECT, APPBAN_METHOD_EPERM,
				   BPF_CORE_READ(vma, vm_flags) & VM_SHARED_BIT) == DECIDE_BLOCK)
		return -EPERM;
	return 0;
}

static __always_inline int sock_verdict(struct socket *sock, __u8 hook, const void *addr,
					__u16 port)
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
int BPF_PROG(appban_socket_connect, struct socket *sock, struct sockaddr *address, int addrlen,
	     int ret)
{
	if (ret)
		return ret;
	return sock_addr_verdict(sock, APPBAN_HOOK_CONNECT, address, addrlen);
}

SEC("lsm/socket_bind")
int BPF_PROG(appban_socket_bind, struct socket *sock, struct sockaddr *address, int addrlen,
	     int ret)
{
	if (ret)
		return ret;
	return sock_addr_verdict(sock, APPBAN_HOOK_BIND, address, addrlen);
}

/* sendmsg/recvmsg cover sockets passed in from another process (SCM_RIGHTS,
 * inherited descriptors), whatever the syscall (write, send, sendmmsg...). */
SEC("lsm/socket_sendmsg")
int BPF_PROG(appban_socket_sendmsg, struct socket *sock, struct msghdr *msg, int size, int ret)
{
	if (ret)
		return ret;
	return sock_addr_verdict(sock, APPBAN_HOOK_SENDMSG, BPF_CORE_READ(msg, msg_name),
				 BPF_CORE_READ(msg, msg_namelen));
}

SEC("lsm/socket_recvmsg")
int BPF_PROG(appban_socket_recvmsg, struct socket *sock, struct msghdr *msg, int size, int flags,
	     int ret)
{
	if (ret)
		return ret;
	return sock_verdict(sock, APPBAN_HOOK_RECVMSG, NULL, 0);
}

/* sendfile and splice move data to and from a socket without
 * socket_sendmsg/recvmsg on kernels before 6.5 (sendpage, splice_read);
 * every read and write of a file, those included, checks file_permission
 * first. Only the socket test runs for other files. */
#define S_IFMT_BITS 00170000
#define S_IFSOCK_BITS 0140000
#define MAY_WRITE_BIT 0x2

SEC("lsm/file_permission")
int BPF_PROG(appban_file_permission, struct file *file, int mask, int ret)
{
	if (ret || (file->f_inode->i_mode & S_IFMT_BITS) != S_IFSOCK_BITS)
		return ret;
	return sock_verdict(file->private_data,
			    mask & MAY_WRITE_BIT ? APPBAN_HOOK_SENDMSG : APPBAN_HOOK_RECVMSG, NULL,
			    0);
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

/* Tamper protection: while a policy is in force, only appban itself may
 * write its maps, detach or replace its programs, remove its pins or unmount
 * the bpf file system holding them; only appban, PID 1 and the processes
 * that started it may signal the event reader. */

SEC("lsm/bpf_map")
int BPF_PROG(appban_guard_map, struct bpf_map *map, fmode_t fmode, int ret)
{
	if (ret || !(fmode & FMODE_WRITE) || !has_appban_prefix(map->name) ||
	    !guard_against_current())
		return ret;
	return tamper_report(APPBAN_HOOK_BPF_MAP, map->name, 0, 0, 1) ? -EPERM : 0;
}

#define BPF_LINK_UPDATE_CMD 29
#define BPF_LINK_DETACH_CMD 34

/* No `ret` argument: this hook gained a parameter in 6.14 (bool kernel), and
 * the positional ret would be read from the wrong slot on one side of that. */
SEC("lsm/bpf")
int BPF_PROG(appban_guard_bpf, int cmd, union bpf_attr *attr, unsigned int size)
{
	const char *name;

	if (cmd != BPF_LINK_DETACH_CMD && cmd != BPF_LINK_UPDATE_CMD)
		return 0;
	/* link_detach.link_fd and link_update.link_fd: both the first field. */
	name = appban_link_of_fd(BPF_CORE_READ(attr, link_detach.link_fd));
	if (!name || !guard_against_current())
		return 0;
	return tamper_report(APPBAN_HOOK_BPF_LINK, name, 0, 0, 1) ? -EPERM : 0;
}

/* A pin removed, or the pin directory: with its last pin a program goes. */
static __always_inline int pin_verdict(struct inode *dir, struct dentry *victim)
{
	struct appban_guard *g = guard_entry(APPBAN_GUARD_SELF);

	/* Cheap tests first: this runs at every unlink and rename. */
	if (!g || !g->protect ||
	    (!is_pin_dir(dir, g) && !is_pin_dir(BPF_CORE_READ(victim, d_inode), g)) ||
	    !guard_against_current())
		return 0;
	return tamper_report(APPBAN_HOOK_PIN, (const char *)BPF_CORE_READ(victim, d_name.name), 0,
			     0, 1) ?
		       -EPERM :
		       0;
}

SEC("lsm/inode_unlink")
int BPF_PROG(appban_guard_unlink, struct inode *dir, struct dentry *dentry, int ret)
{
	return ret ? ret : pin_verdict(dir, dentry);
}

SEC("lsm/inode_rmdir")
int BPF_PROG(appban_guard_rmdir, struct inode *dir, struct dentry *dentry, int ret)
{
	return ret ? ret : pin_verdict(dir, dentry);
}

SEC("lsm/inode_rename")
int BPF_PROG(appban_guard_rename, struct inode *old_dir, struct dentry *old_dentry,
	     struct inode *new_dir, struct dentry *new_dentry, int ret)
{
	if (ret)
		return ret;
	ret = pin_verdict(old_dir, old_dentry);
	return ret ? ret : pin_verdict(new_dir, new_dentry);
}

SEC("lsm/sb_umount")
int BPF_PROG(appban_guard_umount, struct vfsmount *mnt, int flags, int ret)
{
	struct appban_guard *g;

	if (ret)
		return ret;
	g = guard_entry(APPBAN_GUARD_SELF);
	if (!g || !g->protect || BPF_CORE_READ(mnt, mnt_sb, s_dev) != g->pin_dev ||
	    !guard_against_current())
		return 0;
	return tamper_report(APPBAN_HOOK_UMOUNT,
			     (const char *)BPF_CORE_READ(mnt, mnt_sb, s_type, name), 0, 0, 1) ?
		       -EPERM :
		       0;
}

SEC("lsm/task_kill")
int BPF_PROG(appban_guard_kill, struct task_struct *p, struct kernel_siginfo *info, int sig,
	     const struct cred *cred, int ret)
{
	if (ret || !signal_is_tamper(p, sig))
		return ret;
	return tamper_report(APPBAN_HOOK_SIGNAL, p->comm, p->tgid, sig, 1) ? -EPERM : 0;
}
