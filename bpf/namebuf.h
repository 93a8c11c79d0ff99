/* SPDX-License-Identifier: GPL-2.0 */
/* Fallback engine: a per-CPU buffer for a path or name read from the kernel
 * or the caller, and the hash of a base name (script.h, pinpath.h). */
#ifndef __APPBAN_NAMEBUF_H
#define __APPBAN_NAMEBUF_H

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

#endif /* __APPBAN_NAMEBUF_H */
