// SPDX-License-Identifier: GPL-2.0
/* Fallback engine, for kernels that refuse BPF LSM: a banned exec is killed
 * before its first instruction; cgroup v2 root socket hooks refuse the network. */
#define APPBAN_VCACHE /* decide.h: remember files that match nothing */
#include "common.bpf.h"

/* A #! script: this engine sees the exec only once the interpreter has
 * replaced the script (the script's file is already released), so the
 * script is checked when the interpreter opens it, before it reads a byte. */
#define SCRIPT_OPENS_CHECKED 16 /* the interpreter opens its script early */

struct script_pending {
	__u64 start_time; /* of the process: guards pid reuse */
	__u32 name_hash; /* FNV-1a of the script's base name */
	__u32 opens_left;
};

/* Written at exec of a script, read and removed at the interpreter's opens. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct script_pending);
} appban_scripts SEC(".maps");

/* FNV-1a of the base name of the kernel string at `path`. Not inlined: its
 * buffer must not share a stack frame with the identity lookups. */
/* Its buffer: the exec program's frame holds the identity keys, and the
 * verifier of 6.1 counts a subprogram's frame on top (512 bytes in all). */
struct name_buf {
	char c[APPBAN_NAME_LEN];
	/* Path components found by base_cb (below), kept here and not on the
	 * stack: before 6.8 the verifier checked a bpf_loop callback as if it
	 * ran once, and took values carried from one iteration to the next
	 * on the stack for constants (the "prev" ones stayed 0). */
	__u32 start, end, prev_start, prev_end, slashes;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct name_buf);
} appban_name_buf SEC(".maps");

static __noinline __u32 base_name_hash(const char *path)
{
	__u32 h = 2166136261u, zero = 0;
	struct name_buf *buf = bpf_map_lookup_elem(&appban_name_buf, &zero);
	int i;

	if (!buf || bpf_probe_read_kernel_str(buf->c, sizeof(buf->c), path) <= 0)
		return 0;
	for (i = 0; i < APPBAN_NAME_LEN; i++) {
		char c = buf->c[i];

		if (!c)
			break;
		/* A '/' starts the hash again: only the last component counts. */
		h = c == '/' ? 2166136261u : (h ^ (__u8)c) * 16777619u;
	}
	return h;
}

/* Entries in appban_scripts, so that the opens of every other process
 * (nearly all of them) cost one read. Only ever changed atomically, by one
 * for each entry added and each one removed. */
__u64 appban_scripts_pending;

static __always_inline void script_pending_set(const char *filename)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct script_pending p = { .opens_left = SCRIPT_OPENS_CHECKED };
	__u32 tgid = task->tgid;

	p.name_hash = base_name_hash(filename);
	p.start_time = BPF_CORE_READ(task, group_leader, start_time);
	if (!bpf_map_update_elem(&appban_scripts, &tgid, &p, BPF_NOEXIST))
		__sync_fetch_and_add(&appban_scripts_pending, 1);
	else
		bpf_map_update_elem(&appban_scripts, &tgid, &p, BPF_ANY);
}

static __always_inline void script_pending_del(__u32 tgid)
{
	if (!bpf_map_delete_elem(&appban_scripts, &tgid))
		__sync_fetch_and_add(&appban_scripts_pending, -1);
}

/* After the point of no return of execve: SIGKILL is delivered before the
 * new image runs a single user instruction (exit status 137). */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(appban_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct file *file = BPF_CORE_READ(bprm, file);
	const char *filename = BPF_CORE_READ(bprm, filename);

	if (file_decide(file, filename, APPBAN_HOOK_EXEC, APPBAN_METHOD_SIGKILL) == DECIDE_BLOCK) {
		bpf_send_signal(SIGKILL);
		return 0;
	}
	/* binfmt_script changed bprm->interp from the file name to the interpreter. */
	if (BPF_CORE_READ(bprm, interp) != filename)
		script_pending_set(filename);
	else if (*(volatile __u64 *)&appban_scripts_pending)
		script_pending_del(p->tgid); /* a script's process that ran something else */
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

static __always_inline int passed_socket_check(long fd, __u8 hook)
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
	 * cgroup hooks refuse its sends and connects with EPERM already. */
	state = BPF_CORE_READ(sk, __sk_common.skc_state);
	if (state == TCP_CLOSE_STATE || state == TCP_LISTEN_STATE)
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
		return passed_socket_check(ctx->args[0], hook);         \
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
	if (file && file_decide(file, file_name(file), APPBAN_HOOK_MMAP, APPBAN_METHOD_SIGKILL) ==
			    DECIDE_BLOCK)
		bpf_send_signal(SIGKILL);
	return 0;
}

/* A mapping made executable after the fact: find its file. */
struct vma_ctx {
	struct file *file;
};

static long vma_file_cb(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	struct vma_ctx *v = data;

	/* Read as a plain number, as every other program's file is: the
	 * identity function (vcache.h) takes no typed pointer. */
	bpf_probe_read_kernel(&v->file, sizeof(v->file), &vma->vm_file);
	return 0;
}

SEC("tp/syscalls/sys_enter_mprotect")
int appban_sys_mprotect(struct trace_event_raw_sys_enter *ctx)
{
	struct vma_ctx v = { 0 };

	if (!(ctx->args[2] & PROT_EXEC))
		return 0;
	bpf_find_vma(bpf_get_current_task_btf(), ctx->args[0], vma_file_cb, &v, 0);
	if (v.file && file_decide(v.file, file_name(v.file), APPBAN_HOOK_MPROTECT,
				  APPBAN_METHOD_SIGKILL) == DECIDE_BLOCK)
		bpf_send_signal(SIGKILL);
	return 0;
}

/* The interpreter of a pending script opened a file: if it is the script
 * (same base name), decide on it. */
static __always_inline int script_open_check(long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 tgid = task->tgid;
	struct script_pending *p;
	struct file *file;

	if (!*(volatile __u64 *)&appban_scripts_pending)
		return 0;
	p = bpf_map_lookup_elem(&appban_scripts, &tgid);
	if (!p)
		return 0;
	if (p->start_time != BPF_CORE_READ(task, group_leader, start_time) || !p->opens_left) {
		script_pending_del(tgid);
		return 0;
	}
	if (ret < 0)
		return 0;
	p->opens_left--;
	file = current_fd_file(ret);
	if (!file)
		return 0;
	if (base_name_hash(file_name(file)) != p->name_hash)
		return 0;
	script_pending_del(tgid);
	if (file_decide(file, file_name(file), APPBAN_HOOK_SCRIPT, APPBAN_METHOD_SIGKILL) ==
	    DECIDE_BLOCK)
		bpf_send_signal(SIGKILL);
	return 0;
}

struct trace_event_raw_sys_exit;

/* A rename has returned: what vcache.h remembers may be of another path. */
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

/* Pins: this engine sees only the path given to the system call. It reports
 * the removal or renaming of a name of appban's pins ("appban", "appban_*",
 * "link_appban_*") in a directory of the bpf file system holding them, when
 * the path is a bare name (rm -r works that way: unlinkat(dirfd, name)), and
 * otherwise when the component before it is "appban" (or "bpf" for the pin
 * directory itself), since that path cannot be resolved here. */
static __always_inline int name_at_is(const struct name_buf *b, __u32 at, const char *want, int len)
{
	int i;

	for (i = 0; i < len; i++)
		if (b->c[(at + i) & (APPBAN_NAME_LEN - 1)] != want[i])
			return 0;
	return 1;
}

/* The last component of the path in `b` and the one before it, trailing
 * slashes ignored: one bpf_loop callback per byte, so the verifier checks
 * the body once instead of every combination of positions. */
struct base_ctx {
	struct name_buf *b; /* on the stack: 6.1 wants bpf_loop's context there */
};

static long base_cb(__u64 i, void *data)
{
	struct name_buf *x = ((struct base_ctx *)data)->b;
	char c = x->c[i & (APPBAN_NAME_LEN - 1)];

	if (!c)
		return 1;
	if (c == '/') {
		x->slashes++;
		return 0;
	}
	if (i == 0 || x->c[(i - 1) & (APPBAN_NAME_LEN - 1)] == '/') {
		x->prev_start = x->start;
		x->prev_end = x->end;
		x->start = i;
	}
	x->end = i + 1;
	return 0;
}

static __always_inline int component_is(const struct name_buf *b, __u32 start, __u32 end,
					const char *want, int len)
{
	return end - start == (__u32)len && name_at_is(b, start, want, len);
}

/* The directory a bare name is looked up in: dfd, or the working directory. */
#define AT_FDCWD_VALUE -100
static __always_inline struct inode *lookup_dir(int dfd)
{
	struct task_struct *t = bpf_get_current_task_btf();

	if (dfd == AT_FDCWD_VALUE)
		return BPF_CORE_READ(t, fs, pwd.dentry, d_inode);
	return BPF_CORE_READ(current_fd_file(dfd), f_inode);
}

static __noinline int pin_path_check(int dfd, const char *upath, __u8 hook)
{
	__u32 zero = 0, start, end;
	struct name_buf *b = bpf_map_lookup_elem(&appban_name_buf, &zero);
	struct base_ctx bctx;
	struct appban_guard *g;
	int ours;

	if (!b || bpf_probe_read_user_str(b->c, sizeof(b->c), upath) <= 0)
		return 0;
	b->start = b->end = b->prev_start = b->prev_end = b->slashes = 0;
	bctx.b = b;
	bpf_loop(APPBAN_NAME_LEN, base_cb, &bctx, 0);
	start = b->start;
	end = b->end;
	if (end <= start)
		return 0;
	if (hook == APPBAN_HOOK_UMOUNT) {
		if (!component_is(b, start, end, "bpf", 3))
			return 0;
	} else {
		int dir = component_is(b, start, end, "appban", 6);

		if (!dir && !(end - start > 7 && name_at_is(b, start, "appban_", 7)) &&
		    !(end - start > 12 && name_at_is(b, start, "link_appban_", 12)))
			return 0;
		if (!b->slashes) {
			/* A bare name: its directory is known exactly. */
			g = guard_entry(APPBAN_GUARD_SELF);
			ours = g && inode_dev(lookup_dir(dfd)) == g->pin_dev;
		} else {
			ours = component_is(b, b->prev_start, b->prev_end, dir ? "bpf" : "appban",
					    dir ? 3 : 6);
		}
		if (!ours)
			return 0;
	}
	if (guard_against_current())
		tamper_report(hook, b->c, 0, 0, 0);
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
