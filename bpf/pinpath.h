/* SPDX-License-Identifier: GPL-2.0 */
/* Fallback engine: a path given to unlink, rmdir, rename or umount that
 * names one of appban's pins (or the bpf file system holding them), parsed
 * from the caller's string: reported as tampering. */
#ifndef __APPBAN_PINPATH_H
#define __APPBAN_PINPATH_H

#include "namebuf.h"

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

#ifdef APPBAN_COMPAT
/* The compat objects (no bpf_loop()): the same step as a function of its
 * own, called in a bounded loop, so that what it carries stays in the map
 * value: inlined, the compiler kept it in registers as constants, and the
 * verifier walked every combination of them (over its million steps). */
static __noinline int base_step(struct name_buf *x, __u32 i)
{
	struct base_ctx c = { .b = x };

	if (!x)
		return 1;
	return base_cb(i, &c);
}
#endif

static __always_inline int component_is(const struct name_buf *b, __u32 start, __u32 end,
					const char *want, int len)
{
	return end - start == (__u32)len && name_at_is(b, start, want, len);
}

/* The directory a bare name is looked up in: dfd, or the working directory. */
#define AT_FDCWD_VALUE -100
static __always_inline struct inode *lookup_dir(int dfd)
{
	struct task_struct *t = current_task();

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
#ifdef APPBAN_COMPAT
	int i;
#endif

	if (!b || bpf_probe_read_user_str(b->c, sizeof(b->c), upath) <= 0)
		return 0;
	b->start = b->end = b->prev_start = b->prev_end = b->slashes = 0;
	bctx.b = b;
#ifdef APPBAN_COMPAT
	/* No bpf_loop() (5.17): the same step in a bounded loop over the
	 * whole buffer (the string read is cut at its size either way). */
	for (i = 0; i < APPBAN_NAME_LEN; i++)
		if (base_step(b, i))
			break;
#else
	bpf_loop(APPBAN_NAME_LEN, base_cb, &bctx, 0);
#endif
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

#endif /* __APPBAN_PINPATH_H */
