/* SPDX-License-Identifier: GPL-2.0 */
/* The two decisions both engines take, exec and network, written once: each
 * engine's hook glue only finds the file or socket and applies the result. */
#ifndef __APPBAN_DECIDE_H
#define __APPBAN_DECIDE_H

#include "emit.h"

/* The fallback engine remembers files that match nothing (vcache.h); the
 * lsm engine and the live iterator match every time. */
#ifdef APPBAN_VCACHE
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
		emit_net(APPBAN_EV_NET_AUDITED, m, exc, hook, 0, family, sock_type, protocol, addr,
			 port);
		return 1;
	}
	count(APPBAN_CNT_NET_BLOCKED);
	emit_net(APPBAN_EV_NET_BLOCKED, m, APPBAN_NO_EXCEPTION, hook, APPBAN_METHOD_EPERM, family,
		 sock_type, protocol, addr, port);
	return 0;
}

/* Count, report and mark what decision `d` on `hit` means; only an exec
 * reports audits: every start also maps its binary, which would report it
 * twice. */
static __always_inline void apply_decision(const struct appban_ctx *c, const struct appban_hit *hit,
					   enum appban_decision d, const char *filename, __u8 hook,
					   __u8 block_method)
{
	int is_exec = hook == APPBAN_HOOK_EXEC;

	switch (d) {
	case DECIDE_ALLOW:
		break;
	case DECIDE_BLOCK:
		count(APPBAN_CNT_EXEC_BLOCKED);
		emit_exec(APPBAN_EV_EXEC_BLOCKED, c, hit, hook, block_method, filename);
		break;
	case DECIDE_AUDIT:
		if (!is_exec)
			break;
		count(APPBAN_CNT_AUDITS);
		emit_exec(APPBAN_EV_EXEC_AUDITED, c, hit, hook, 0, filename);
		break;
	case DECIDE_NET_MARK:
		net_mark_current(c, hit, 0);
		if (is_exec)
			emit_exec(APPBAN_EV_NET_MARKED, c, hit, hook, 0, filename);
		break;
	case DECIDE_NET_MARK_AUDIT:
		net_mark_current(c, hit, 1);
		if (!is_exec)
			break;
		count(APPBAN_CNT_AUDITS);
		emit_exec(APPBAN_EV_EXEC_AUDITED, c, hit, hook, 0, filename);
		break;
	}
}

/* The common path of both engines once the file is known: an exec, or a
 * file mapped executable (the dynamic loader run on a banned file) or opened
 * by the interpreter of a script. Returns the decision; the caller applies
 * DECIDE_BLOCK its own way (EPERM or SIGKILL). */
static __always_inline enum appban_decision file_decide(struct file *file, const char *filename,
							__u8 hook, __u8 block_method)
{
	struct appban_ctx c;
	struct appban_hit hit;
	enum appban_decision d;

	if (!file || policy_ctx(&c))
		return DECIDE_ALLOW;
	identify_for_decision(&hit, c.gen, c.meta, file);
	d = decide(&c, &hit, bpf_get_current_task_btf());
	if (d == DECIDE_ALLOW && hook == APPBAN_HOOK_EXEC &&
	    !BPF_CORE_READ(file, f_inode, i_nlink)) {
		/* A file with no name left (memfd_create, deleted): always
		 * reported, refused with "deny fileless-exec". */
		hit.app = APPBAN_NO_APP;
		hit.match = APPBAN_MATCH_FILELESS;
		hit.dev = inode_dev(BPF_CORE_READ(file, f_inode));
		hit.ino = BPF_CORE_READ(file, f_inode, i_ino);
		d = (c.meta->flags & APPBAN_META_DENY_FILELESS) &&
				    c.meta->mode == APPBAN_MODE_ENFORCE ?
			    DECIDE_BLOCK :
			    DECIDE_AUDIT;
	}
	apply_decision(&c, &hit, d, filename, hook, block_method);
	return d;
}

/* The file the current process runs: an executable mapping of it (the
 * kernel's ELF loader maps the text of the binary it just checked at
 * bprm_check_security) was decided at its exec. */
static __always_inline int is_current_exe(struct file *file)
{
	struct task_struct *task = bpf_get_current_task_btf();

	return file == BPF_CORE_READ(task, mm, exe_file);
}

static __always_inline const char *file_name(struct file *file)
{
	return (const char *)BPF_CORE_READ(file, f_path.dentry, d_name.name);
}

#endif /* __APPBAN_DECIDE_H */
