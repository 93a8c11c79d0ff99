/* SPDX-License-Identifier: GPL-2.0 */
/* Tamper protection: who appban itself is, which kernel objects are its own,
 * and the event for an attempt on them. The lsm engine refuses attempts
 * (lsm.bpf.c); the fallback engine can only report them (fallback.bpf.c). */
#ifndef __APPBAN_TAMPER_H
#define __APPBAN_TAMPER_H

#include "emit.h"

#define FMODE_WRITE 0x2
#define APPBAN_PREFIX "appban_"
#define APPBAN_PREFIX_LEN 7
#define ANCESTORS_FOR_SIGNALS 16

static __always_inline struct appban_guard *guard_entry(__u32 idx)
{
	return bpf_map_lookup_elem(&appban_guard, &idx);
}

/* Does the kernel string at s start with "appban_"? */
static __always_inline int has_appban_prefix(const char *s)
{
	char buf[APPBAN_PREFIX_LEN + 1] = {};
	const char want[] = APPBAN_PREFIX;
	int i;

	if (bpf_probe_read_kernel(buf, APPBAN_PREFIX_LEN, s))
		return 0;
	for (i = 0; i < APPBAN_PREFIX_LEN; i++)
		if (buf[i] != want[i])
			return 0;
	return 1;
}

/* Is `exe` the appban binary that loaded the policy, or a file at the same
 * place (parent directory and base name): a rebuilt or upgraded appban. */
static __always_inline int exe_is_self(struct file *exe, const struct appban_guard *g)
{
	struct inode *inode, *dir;
	struct dentry *dentry;
	char name[APPBAN_SELF_NAME_LEN];
	int i;

	if (!exe)
		return 0;
	inode = BPF_CORE_READ(exe, f_inode);
	if (BPF_CORE_READ(inode, i_ino) == g->self_ino && inode_dev(inode) == g->self_dev)
		return 1;
	dentry = BPF_CORE_READ(exe, f_path.dentry);
	dir = BPF_CORE_READ(dentry, d_parent, d_inode);
	if (BPF_CORE_READ(dir, i_ino) != g->self_dir_ino || inode_dev(dir) != g->self_dir_dev)
		return 0;
	if (bpf_probe_read_kernel_str(name, sizeof(name), BPF_CORE_READ(dentry, d_name.name)) <= 0)
		return 0;
	for (i = 0; i < APPBAN_SELF_NAME_LEN; i++) {
		if (name[i] != g->self_name[i])
			return 0;
		if (!name[i])
			return 1;
	}
	return 0;
}

static __always_inline int task_is_self(struct task_struct *t, const struct appban_guard *g)
{
	return exe_is_self(BPF_CORE_READ(t, mm, exe_file), g);
}

/* The protection in force, or NULL when there is nothing to protect yet (a
 * load in progress) or the caller is appban itself. */
static __always_inline struct appban_guard *guard_against_current(void)
{
	struct appban_guard *g = guard_entry(APPBAN_GUARD_SELF);

	if (!g || !g->protect || appban_inert())
		return NULL;
	if (task_is_self(current_task(), g))
		return NULL;
	return g;
}

/* Report an attempt of the current process on object `name`. `refuse`:
 * the caller refuses it (lsm engine in enforce mode). Returns 1 when the
 * caller must refuse. */
static __always_inline int tamper_report(__u8 hook, const char *name, __u32 target_pid, __u16 sig,
					 int refuse)
{
	struct appban_ctx c;
	struct appban_event *e;
	__u32 gen = 0;

	if (!policy_ctx(&c)) {
		gen = c.gen;
		if (c.meta->mode == APPBAN_MODE_MONITOR)
			refuse = 0;
	}
	count(APPBAN_CNT_TAMPER);
	e = event_begin(refuse ? APPBAN_EV_TAMPER_BLOCKED : APPBAN_EV_TAMPER_DETECTED, gen);
	if (e) {
		e->app = APPBAN_NO_APP;
		e->hook = hook;
		e->method = refuse ? APPBAN_METHOD_EPERM : APPBAN_METHOD_NONE;
		e->ino = target_pid;
		e->dport = sig;
		if (name)
			bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), name);
		bpf_ringbuf_submit(e, 0);
	}
	return refuse;
}

/* The kernel's struct file of descriptor `fd` of the current process. */
static __always_inline struct file *current_fd_file(int fd)
{
	struct task_struct *t = current_task();
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
	struct file **arr, *f = NULL;

	if (fd < 0 || !fdt || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	arr = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&f, sizeof(f), arr + fd))
		return NULL;
	return f;
}

/* Is `f` an anonymous-inode file of the kind `kind` ("bpf-map", "bpf_link")? */
static __always_inline int anon_file_is(struct file *f, const char *kind, int kind_len)
{
	char buf[12] = {};
	int i;

	if (!f || kind_len >= (int)sizeof(buf))
		return 0;
	if (bpf_probe_read_kernel_str(buf, sizeof(buf),
				      BPF_CORE_READ(f, f_path.dentry, d_name.name)) != kind_len + 1)
		return 0;
	for (i = 0; i < kind_len && i < (int)sizeof(buf); i++)
		if (buf[i] != kind[i])
			return 0;
	return 1;
}

/* The program name of a bpf_link descriptor when it is one of appban's
 * ("appban_..."), else NULL. */
static __always_inline const char *appban_link_of_fd(int fd)
{
	struct file *f = current_fd_file(fd);
	struct bpf_prog_aux *aux;
	struct bpf_link *link;
	const char *name;

	/* "bpf_link" when made by a link's creation, "bpf-link" by BPF_OBJ_GET
	 * or BPF_LINK_GET_FD_BY_ID. */
	if (!anon_file_is(f, "bpf_link", 8) && !anon_file_is(f, "bpf-link", 8))
		return NULL;
	link = BPF_CORE_READ(f, private_data);
	aux = BPF_CORE_READ(link, prog, aux);
	if (!aux)
		return NULL;
	name = aux->name;
	return has_appban_prefix(name) ? name : NULL;
}

/* The name of a bpf map descriptor when it is one of appban's, else NULL. */
static __always_inline const char *appban_map_of_fd(int fd)
{
	struct file *f = current_fd_file(fd);
	struct bpf_map *map;

	if (!anon_file_is(f, "bpf-map", 7))
		return NULL;
	map = BPF_CORE_READ(f, private_data);
	return has_appban_prefix(map->name) ? map->name : NULL;
}

/* Is (dev, ino) of `inode` the pin directory? */
static __always_inline int is_pin_dir(struct inode *inode, const struct appban_guard *g)
{
	return inode && BPF_CORE_READ(inode, i_ino) == g->pin_ino && inode_dev(inode) == g->pin_dev;
}

/* May the current process signal task `p` (a thread of the event reader)?
 * appban itself, the service manager (PID 1) and the processes that started
 * the reader (its ancestors) may. Returns 0 when the signal is not about the
 * reader at all. */
static __always_inline int signal_is_tamper(struct task_struct *p, int sig)
{
	struct appban_guard *g, *rd;
	struct task_struct *a;
	__u32 me;
	int i;

	if (!sig || !p)
		return 0;
	rd = guard_entry(APPBAN_GUARD_READER);
	if (!rd || !rd->reader_tgid || (__u32)BPF_CORE_READ(p, tgid) != rd->reader_tgid)
		return 0;
	g = guard_against_current();
	if (!g || !task_is_self(p, g))
		return 0;
	me = bpf_get_current_pid_tgid() >> 32;
	if (me == 1)
		return 0;
	a = p;
	for (i = 0; i < ANCESTORS_FOR_SIGNALS; i++) {
		a = BPF_CORE_READ(a, real_parent);
		if (!a)
			break;
		if ((__u32)BPF_CORE_READ(a, tgid) == me)
			return 0;
		if (BPF_CORE_READ(a, pid) <= 1)
			break;
	}
	return 1;
}

#endif /* __APPBAN_TAMPER_H */
