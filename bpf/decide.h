/* SPDX-License-Identifier: GPL-2.0 */
/* The two decisions both engines take, exec and network, written once: each
 * engine's hook glue only finds the file or socket and applies the result. */
#ifndef __APPBAN_DECIDE_H
#define __APPBAN_DECIDE_H

#include "emit.h"

/* The fallback engine remembers files that match nothing (vcache.h); the
 * lsm engine and the live iterator match every time. Not the compat
 * objects: their kernels may not keep the rename programs attached that
 * tell the memory out of date (loader.c), so they match every time too. */
#if defined(APPBAN_VCACHE) && !defined(APPBAN_COMPAT)
#include "vcache.h"
#define identify_for_decision identify_file_cached
#else
#define identify_for_decision identify_file
#endif

/* Network decision for the current process: 1 allow, 0 refuse. Counted and
 * reported. Callers in the LSM engine turn 0 into -EPERM. */
static __always_inline int net_check(__u8 hook, __u8 family, __u8 sock_type, __u8 protocol,
				     const void *addr, __u16 port)
{
	struct appban_net_mark *m;
	__u32 exc;

	if (family != AF_INET && family != AF_INET6)
		return 1;
	m = net_mark_of_current();
	if (!m)
		return 1;
	exc = net_mark_exception(m);
	if (m->audit_only || exc != APPBAN_NO_EXCEPTION) {
		count(APPBAN_CNT_AUDITS);
		emit_net_check(APPBAN_EV_NET_AUDITED, m, exc, hook, 0, family, sock_type, protocol,
			       addr, port);
		return 1;
	}
	count(APPBAN_CNT_NET_BLOCKED);
	emit_net_check(APPBAN_EV_NET_BLOCKED, m, APPBAN_NO_EXCEPTION, hook, APPBAN_METHOD_EPERM,
		       family, sock_type, protocol, addr, port);
	return 0;
}

#ifdef APPBAN_EXEC_MARK_AT_COMMIT
/* lsm engine: an exec is decided at bprm_check_security, before it is known
 * to succeed (a missing ELF interpreter, an out-of-memory fails it later).
 * Its network mark waits here, by process (a thread that execs takes its
 * leader's pid), until bprm_committed_creds; it is cleared at the start of
 * every exec (bprm_creds_for_exec) and when the process ends, so a failed
 * exec leaves its caller as it was. (A hash map,
 * not task storage: on 6.1 a VM run locked up with task storage here.) */
struct appban_net_pending {
	struct appban_hit hit;
	__u64 start_time; /* of the leader (kept by a thread that execs): pid reuse */
	__u32 gen;
	__u8 audit_only;
	__u8 hook;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, APPBAN_MAX_NET_MARKS);
	__type(key, __u32);
	__type(value, struct appban_net_pending);
} appban_net_pending SEC(".maps");

/* Entries in appban_net_pending: every exec reads this, not the map. */
__u64 appban_net_pending_n;

static __always_inline void net_mark_defer(const struct appban_ctx *c, const struct appban_hit *hit,
					   int audit_only, __u8 hook)
{
	struct task_struct *task = current_task();
	struct appban_net_pending p = {
		.hit = *hit,
		.start_time = BPF_CORE_READ(task, group_leader, start_time),
		.gen = c->gen,
		.audit_only = audit_only,
		.hook = hook,
	};
	__u32 tgid = TASK_READ(task, tgid);

	if (!bpf_map_update_elem(&appban_net_pending, &tgid, &p, BPF_NOEXIST)) {
		__sync_fetch_and_add(&appban_net_pending_n, 1);
		return;
	}
	if (!bpf_map_update_elem(&appban_net_pending, &tgid, &p, BPF_EXIST))
		return;
	/* No room to remember it: mark at once (a false ban if the exec
	 * then fails, never a missed one). */
	net_mark_current(c, hit, audit_only);
}

static __always_inline void net_mark_forget_tgid(__u32 tgid)
{
	if (!*(volatile __u64 *)&appban_net_pending_n)
		return;
	if (!bpf_map_delete_elem(&appban_net_pending, &tgid))
		__sync_fetch_and_add(&appban_net_pending_n, -1);
}

/* The exec succeeded: its mark, if it has one, takes effect and is reported;
 * a mark that cannot be written (no memory for it) fails closed: the new
 * program is killed before its first instruction. */
static __always_inline void net_mark_commit(const char *filename)
{
	struct task_struct *task = current_task();
	struct appban_net_pending *p;
	struct appban_ctx c;
	__u32 tgid = TASK_READ(task, tgid);

	if (!*(volatile __u64 *)&appban_net_pending_n)
		return;
	p = bpf_map_lookup_elem(&appban_net_pending, &tgid);
	if (!p)
		return;
	if (p->start_time == BPF_CORE_READ(task, group_leader, start_time) && !appban_inert()) {
		c.gen = p->gen;
		c.meta = 0;
		if (net_mark_task(task, &c, &p->hit, p->audit_only)) {
			count(APPBAN_CNT_EXEC_BLOCKED);
			emit_exec(APPBAN_EV_EXEC_BLOCKED, &c, &p->hit, p->hook,
				  APPBAN_METHOD_SIGKILL, filename);
			bpf_send_signal(SIGKILL);
		} else if (!p->audit_only) {
			emit_exec(APPBAN_EV_NET_MARKED, &c, &p->hit, p->hook, 0, filename);
		}
	}
	net_mark_forget_tgid(tgid);
}

static __always_inline void net_mark_forget(void)
{
	net_mark_forget_tgid(bpf_get_current_pid_tgid() >> 32);
}
#endif

/* Count, report and mark what decision `d` on `hit` means; only an exec
 * reports audits: every start also maps its binary, which would report it
 * twice. */
static __always_inline enum appban_decision
apply_decision(const struct appban_ctx *c, const struct appban_hit *hit, enum appban_decision d,
	       const char *filename, __u8 hook, __u8 block_method)
{
	/* A fileless mapping is reported as the exec it stands for. */
	int is_exec = hook == APPBAN_HOOK_EXEC || hit->match == APPBAN_MATCH_FILELESS;
	int audit_only = d == DECIDE_NET_MARK_AUDIT;

	if (d == DECIDE_NET_MARK || d == DECIDE_NET_MARK_AUDIT) {
#ifdef APPBAN_EXEC_MARK_AT_COMMIT
		if (is_exec)
			net_mark_defer(c, hit, audit_only, hook);
		else
#endif
			if (net_mark_current(c, hit, audit_only))
			d = DECIDE_BLOCK; /* no memory left for the mark: fail closed */
	}
	switch (d) {
	case DECIDE_ALLOW:
		break;
	case DECIDE_BLOCK:
		count(APPBAN_CNT_EXEC_BLOCKED);
		emit_exec(APPBAN_EV_EXEC_BLOCKED, c, hit, hook, block_method, filename);
		break;
	case DECIDE_AUDIT:
	case DECIDE_NET_MARK_AUDIT:
		if (!is_exec)
			break;
		count(APPBAN_CNT_AUDITS);
		emit_exec(APPBAN_EV_EXEC_AUDITED, c, hit, hook, 0, filename);
		break;
	case DECIDE_NET_MARK:
#ifndef APPBAN_EXEC_MARK_AT_COMMIT
		/* (the lsm engine reports it when the exec has succeeded) */
		if (is_exec)
			emit_exec(APPBAN_EV_NET_MARKED, c, hit, hook, 0, filename);
#endif
		break;
	}
	return d;
}

static __always_inline const char *file_name(struct file *file)
{
	return (const char *)BPF_CORE_READ(file, f_path.dentry, d_name.name);
}

/* The common path of both engines once the file is known: an exec, or a
 * file mapped executable (the dynamic loader run on a banned file) or opened
 * by the interpreter of a script. `fileless`: a file with no name left
 * (memfd_create, deleted) is an exec of such a file here. Returns the
 * decision; the caller applies DECIDE_BLOCK its own way (EPERM or SIGKILL). */
static __always_inline enum appban_decision
file_decide_as(struct file *file, const char *filename, __u8 hook, __u8 block_method, int fileless)
{
	struct appban_ctx c;
	struct appban_hit hit;
	enum appban_decision d;

	if (!file || policy_ctx(&c))
		return DECIDE_ALLOW;
	identify_for_decision(&hit, c.gen, c.meta, file);
	d = decide(&c, &hit, current_task());
	if (d == DECIDE_ALLOW && fileless && !BPF_CORE_READ(file, f_inode, i_nlink)) {
		/* A file with no name left: always reported, refused with
		 * "deny fileless-exec". */
		hit.app = APPBAN_NO_APP;
		hit.match = APPBAN_MATCH_FILELESS;
		hit.dev = inode_dev(BPF_CORE_READ(file, f_inode));
		hit.ino = BPF_CORE_READ(file, f_inode, i_ino);
		d = (c.meta->flags & APPBAN_META_DENY_FILELESS) &&
				    c.meta->mode == APPBAN_MODE_ENFORCE ?
			    DECIDE_BLOCK :
			    DECIDE_AUDIT;
	}
	return apply_decision(&c, &hit, d, filename, hook, block_method);
}

static __always_inline enum appban_decision file_decide(struct file *file, const char *filename,
							__u8 hook, __u8 block_method)
{
	return file_decide_as(file, filename, hook, block_method, hook == APPBAN_HOOK_EXEC);
}

/* The first program of a fresh load, attached alone before the rest of
 * the engine is verified (user/kernel/loader.c, load_engine): the file's
 * own identity (its path, and its content where the digest is already
 * known, both keyed by its inode) refused at once. Dir, name and overlay
 * matches, network bans and audits follow some 100 ms later with
 * appban_exec, whose attach retires this one. Only the maps it reads are
 * made before it (not the network marks nor the digest cache). Returns 1
 * when the exec is refused. */
static __always_inline int exec_first_refuses(struct file *file, const char *filename,
					      __u8 block_method)
{
	struct appban_ctx c;
	struct appban_hit hit;
	struct inode *inode;

	if (!file || policy_ctx(&c))
		return 0;
	inode = BPF_CORE_READ(file, f_inode);
	hit.match = APPBAN_MATCH_NONE;
	hit.action = APPBAN_ACTION_NONE;
	hit.app = 0;
	hit.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	hit.ino = BPF_CORE_READ(inode, i_ino);
	match_inode(&hit, c.gen, hit.dev, hit.ino, inode);
	if (hit.action != APPBAN_ACTION_DENY_EXEC ||
	    decide(&c, &hit, current_task()) != DECIDE_BLOCK)
		return 0;
	count(APPBAN_CNT_EXEC_BLOCKED);
	emit_exec(APPBAN_EV_EXEC_BLOCKED, &c, &hit, APPBAN_HOOK_EXEC, block_method, filename);
	return 1;
}

#define MAP_SHARED_BIT 0x01 /* mmap flags: MAP_SHARED, MAP_SHARED_VALIDATE */
#define VM_SHARED_BIT 0x08 /* vma->vm_flags */

/* A file mapped executable (mmap PROT_EXEC, or mprotect later). A private
 * mapping of a file with no name left is how a program is loaded from it
 * without an exec (ld.so /proc/self/fd/N of a memfd): decided as a
 * fileless exec. A shared one is not (the double mapping of a JIT's code,
 * .NET's for one): code written at run time is no file's content. */
static __always_inline enum appban_decision mapping_decide(struct file *file, __u8 hook,
							   __u8 block_method, int shared)
{
	return file_decide_as(file, file_name(file), hook, block_method, !shared);
}

/* The file the current process runs: an executable mapping of it (the
 * kernel's ELF loader maps the text of the binary it just checked at
 * bprm_check_security) was decided at its exec. */
static __always_inline int is_current_exe(struct file *file)
{
	struct task_struct *task = current_task();

	return file == BPF_CORE_READ(task, mm, exe_file);
}

#endif /* __APPBAN_DECIDE_H */
