// SPDX-License-Identifier: GPL-2.0
/* The loader's side of `allow` exceptions: writing a generation's entries,
 * and keeping the exception of a process's network mark across a swap. */
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>

#include "policy/allow.h"
#include "kernel/genmap.h"
#include "kernel/loader.h"

/* The allow blocks: their names for user space, and the entries the kernel
 * looks up, their end converted to CLOCK_BOOTTIME now (allow.h). */
int loader_write_exceptions(int exc_fd, int allows_fd, __u32 gen, const struct compiled_policy *c)
{
	struct appban_allow a;
	size_t i;
	__u32 idx;

	for (i = 0; i < c->meta.n_allows; i++) {
		memset(&a, 0, sizeof(a));
		memcpy(a.name, c->allows[i].name, sizeof(a.name));
		a.until = c->allows[i].until;
		a.until_boot_ns = allow_until_boot_ns(a.until);
		idx = (__u32)i;
		if (bpf_map_update_elem(allows_fd, &idx, &a, BPF_ANY))
			return -errno;
	}
	for (i = 0; i < c->meta.n_exc_entries; i++) {
		struct appban_exc_key k = c->excs[i].key;
		struct appban_exc v = c->excs[i].val;

		k.gen = gen;
		v.until_boot_ns = allow_until_boot_ns(c->allows[v.allow].until);
		if (bpf_map_update_elem(exc_fd, &k, &v, BPF_ANY))
			return -errno;
	}
	return 0;
}

/* The exception of a carried network mark in the new policy: the allow of
 * the same name, if it still covers the app (new index `app`) for someone.
 * Who the process is was checked at its exec. */
__u32 loader_carry_exception(struct loader *l, const struct appban_net_mark *m, __u32 app,
			     const struct compiled_policy *c)
{
	struct appban_allow old = { 0 };
	size_t i;

	if (m->exception == APPBAN_NO_EXCEPTION ||
	    genmap_lookup(l->allows_fd, m->gen, &m->exception, &old))
		return APPBAN_NO_EXCEPTION;
	for (i = 0; i < c->meta.n_exc_entries; i++) {
		const struct compiled_exc *e = &c->excs[i];

		if (e->key.app == app && !strcmp(c->allows[e->val.allow].name, old.name))
			return e->val.allow;
	}
	return APPBAN_NO_EXCEPTION;
}
