/* SPDX-License-Identifier: GPL-2.0 */
/* Every map of appban, declared once and shared by both engines' objects.
 * All are pinned by name under /sys/fs/bpf/appban/ so a new loader adopts them.
 * The policy's maps are arrays of two maps, one per generation, each made by
 * the loader at the size its policy needs: a small policy stays small. */
#ifndef __APPBAN_MAPS_H
#define __APPBAN_MAPS_H

#include "abi.h"
#include "compat.h"

/* Written by the loader at every swap; read once per call by every program. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct appban_state);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} appban_state SEC(".maps");

/* Has `appban unload` made the engine inert (appban_state.inert)? Checked
 * where a program decides, marks, kills or guards: policy_ctx(),
 * net_mark_of(), the lost marks' kills, net_mark_commit(),
 * guard_against_current(). */
static __always_inline int appban_inert(void)
{
	__u32 zero = 0;
	struct appban_state *st = bpf_map_lookup_elem(&appban_state, &zero);

	return st && st->inert;
}

/* Written by the loader (path, dir, and later sha256 rules); read at exec. */
struct appban_inode_rules_gen {
	__uint(type, BPF_MAP_TYPE_HASH);
	/* Sizes, not types: a type seen only through the array's template
	 * reaches BTF as a forward declaration, which libbpf cannot size. */
	__uint(max_entries, 1); /* the loader sizes each generation's from its policy */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(key_size, sizeof(struct appban_inode_key));
	__uint(value_size, sizeof(struct appban_rule));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, APPBAN_GENS);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct appban_inode_rules_gen);
} appban_inode_rules SEC(".maps");

/* Written by the loader (path rules: parent directory + base name); read at exec. */
struct appban_dirent_rules_gen {
	__uint(type, BPF_MAP_TYPE_HASH);
	/* Sizes, not types: a type seen only through the array's template
	 * reaches BTF as a forward declaration, which libbpf cannot size. */
	__uint(max_entries, 1); /* the loader sizes each generation's from its policy */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(key_size, sizeof(struct appban_dirent_key));
	__uint(value_size, sizeof(struct appban_rule));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, APPBAN_GENS);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct appban_dirent_rules_gen);
} appban_dirent_rules SEC(".maps");

/* Written by the loader (name rules); read at exec. */
struct appban_name_rules_gen {
	__uint(type, BPF_MAP_TYPE_HASH);
	/* Sizes, not types: a type seen only through the array's template
	 * reaches BTF as a forward declaration, which libbpf cannot size. */
	__uint(max_entries, 1); /* the loader sizes each generation's from its policy */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(key_size, sizeof(struct appban_name_key));
	__uint(value_size, sizeof(struct appban_rule));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, APPBAN_GENS);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct appban_name_rules_gen);
} appban_name_rules SEC(".maps");

/* Written by the loader (sha256 rules); read at exec by the lsm engine's
 * kernel hashing (content.h). */
struct appban_digest_rules_gen {
	__uint(type, BPF_MAP_TYPE_HASH);
	/* Sizes, not types: a type seen only through the array's template
	 * reaches BTF as a forward declaration, which libbpf cannot size. */
	__uint(max_entries, 1); /* the loader sizes each generation's from its policy */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(key_size, sizeof(struct appban_digest_key));
	__uint(value_size, sizeof(struct appban_rule));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, APPBAN_GENS);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct appban_digest_rules_gen);
} appban_digest_rules SEC(".maps");

/* Written and read by the kernel hashing at exec (content.h): the digests it
 * computed, so an executable is hashed once until it changes. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, APPBAN_DIGEST_CACHE);
	__type(key, struct appban_digest_cache_key);
	__type(value, struct appban_digest_cache_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} appban_digest_cache SEC(".maps");

/* Written by the loader; read by programs (action) and by user space (names). */
struct appban_apps_gen {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	/* Sizes, not types: a type seen only through the array's template
	 * reaches BTF as a forward declaration, which libbpf cannot size. */
	__uint(max_entries, 1); /* the loader sizes each generation's from its policy */
	__uint(map_flags, BPF_F_INNER_MAP);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct appban_app));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, APPBAN_GENS);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct appban_apps_gen);
} appban_apps SEC(".maps");

/* Written by the loader; read by programs (mode, whether dir rules exist)
 * and by status. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, APPBAN_GENS);
	__type(key, __u32);
	__type(value, struct appban_meta);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} appban_meta SEC(".maps");

/* Written by the loader (allow blocks); read at a deny of exec or network. */
struct appban_exceptions_gen {
	__uint(type, BPF_MAP_TYPE_HASH);
	/* Sizes, not types: a type seen only through the array's template
	 * reaches BTF as a forward declaration, which libbpf cannot size. */
	__uint(max_entries, 1); /* the loader sizes each generation's from its policy */
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(key_size, sizeof(struct appban_exc_key));
	__uint(value_size, sizeof(struct appban_exc));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, APPBAN_GENS);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct appban_exceptions_gen);
} appban_exceptions SEC(".maps");

/* Written by the loader; read by user space (names of the exceptions). */
struct appban_allows_gen {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	/* Sizes, not types: a type seen only through the array's template
	 * reaches BTF as a forward declaration, which libbpf cannot size. */
	__uint(max_entries, 1); /* the loader sizes each generation's from its policy */
	__uint(map_flags, BPF_F_INNER_MAP);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct appban_allow));
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, APPBAN_GENS);
	__type(key, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct appban_allows_gen);
} appban_allows SEC(".maps");

/* Written by programs (exec of a net-banned app, fork, exit) and by the
 * loader at a swap; read by the socket hooks. Sized at the first load to
 * the number of tasks the kernel allows (kernel.threads-max): every
 * process could be marked, none is ever refused a mark for room. Entries
 * are allocated as they are written; a child whose mark cannot be (no
 * memory) is recorded in appban_net_lost instead (verdict.h). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, APPBAN_MAX_NET_MARKS);
	__type(key, __u32);
	__type(value, struct appban_net_mark);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} appban_net_marks SEC(".maps");

/* Written by programs; summed over CPUs by status. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, APPBAN_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} appban_counters SEC(".maps");

/* Written by the loader, the unloader and the event reader; read by the
 * tamper hooks (who is appban itself). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct appban_guard);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} appban_guard SEC(".maps");

/* Changed by the loader after every change of the rules in force (a swap, a
 * sha256 rule added by run's watcher): a new CLOCK_BOOTTIME ns value, never
 * one used before. The fallback engine keeps what it found for a file only
 * while this value is the one it read (bpf/vcache.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} appban_epoch SEC(".maps");

/* Written by programs after the decision; read by the one event reader. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, APPBAN_RINGBUF_SIZE);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} appban_events SEC(".maps");

/* The entry `key` of the generation *gen in `outer`, an array with one map
 * per generation (the ones above with a _gen template), or NULL. The loader
 * makes each generation's maps for its policy (docs/design.md). `gen`
 * points into memory the caller has anyway (a key's own gen field): no
 * stack for it, where a chain of calls has 512 bytes in all. */
static __always_inline void *gen_lookup(void *outer, const __u32 *gen, const void *key)
{
	void *inner = bpf_map_lookup_elem(outer, gen);

	return inner ? bpf_map_lookup_elem(inner, key) : (void *)0;
}

#endif /* __APPBAN_MAPS_H */
