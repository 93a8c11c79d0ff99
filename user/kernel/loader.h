/* SPDX-License-Identifier: GPL-2.0 */
/* Probe the engine, load and pin the programs, write a policy into the
 * inactive generation and flip to it; adopt what an earlier run pinned. */
#ifndef __APPBAN_LOADER_H
#define __APPBAN_LOADER_H

#include "abi.h"
#include "policy/compiled.h"

#define APPBAN_PIN_DIR "/sys/fs/bpf/appban"

/* File descriptors of the pinned maps. */
struct loader {
	int state_fd;
	int inode_fd;
	int dirent_fd;
	int name_fd;
	int apps_fd;
	int meta_fd;
	int marks_fd;
	int counters_fd;
	int events_fd;
	int guard_fd;
	int digest_fd;
	int dcache_fd;
	int exc_fd; /* exceptions (allow blocks) */
	int allows_fd; /* their names */
	int epoch_fd; /* the rules' epoch (bpf/vcache.h) */
	int rcu_fd; /* a map-in-map whose update waits for running programs */
	/* A swap returns once the new policy is in force; a child process
	 * clears the old one, holding the lock (set by `appban load`). */
	int clear_in_background;
	struct appban_state state;
	/* Digests written into the kernel's digest cache by this process
	 * (loader_remember_digest): the event reader's memo of that cache
	 * holds only while it has not changed. */
	unsigned long dcache_writes;
};

struct loader_status {
	struct appban_state state;
	struct appban_meta meta;
	__u64 counters[APPBAN_CNT_MAX];
	/* Entries of the inode rule map of the generation in force (path,
	 * dir and content rules on inodes, with those run added); -1 when
	 * it cannot be read. */
	long long inode_rules;
};

/* Every struct loader starts here; loader_close() returns it to this state. */
void loader_init(struct loader *l);
/* Open the pins of a policy in force (closing what l had open). -ENOENT when nothing is loaded. */
int loader_adopt(struct loader *l);
/* The same, read-only: for status, allowed to any appban binary while the
 * lsm engine's tamper protection refuses write access to others. */
int loader_adopt_ro(struct loader *l);
/* This process reads the events (run, daemon): the lsm engine protects it
 * from signals. tgid 0 clears the registration if it is still this one's.
 * load_id: the load whose banned digests it knows (it ends the starts the
 * kernel could not hash, bpf/content.h), 0 for none. */
int loader_set_reader(struct loader *l, __u32 tgid, __u64 load_id);
/* Who unloaded, once the pins are gone: 0 when it is not known. */
int loader_unloaded_by(struct loader *l, __u32 *pid, __u32 *uid);
/* Put `c` in force: a fresh load (engine probed, or `force` when not
 * APPBAN_ENGINE_NONE) when nothing is loaded, else an atomic swap.
 * *fresh is set to 1 when this call loaded the programs. Errors: -EINVAL
 * the policy does not fit, -EEXIST another engine is in force, else the
 * kernel's refusal (reason already reported). */
int loader_load(struct loader *l, const struct compiled_policy *c, enum appban_engine force,
		int *fresh);
void loader_close(struct loader *l);
/* A policy is loaded: programs are pinned. */
int loader_pinned(void);
/* Make the engine inert, remove the pins, leave the links to a child that
 * closes them after this returns; 0 also when nothing was loaded. */
int loader_unload(void);

int loader_status(struct loader *l, struct loader_status *st);
/* What the event reader looks at after each batch, in three lookups (of
 * loader_status's many): the state, the meta of the generation in force
 * and the count of events the ring buffer lost. */
int loader_events_state(struct loader *l, struct appban_state *state, struct appban_meta *meta,
			__u64 *events_lost);
/* The load id (meta.load_id) of the generation in force. 0 or -errno. */
int loader_in_force(struct loader *l, __u64 *load_id);
/* Inode rules added to generation gen, in one batch, if it is still the one
 * in force and still holds the load load_id (meta.load_id): a later load
 * may have swapped since. 0, -ESTALE (not written), or -errno. */
int loader_add_inode_rules(struct loader *l, __u32 gen, __u64 load_id,
			   const struct compiled_inode *rules, size_t n);
/* Add an inode rule to the generation in force now (a file with banned
 * content found while running: no swap needed), if it holds the load
 * load_id (r->app is an app of that load): 0, -ESTALE, or -errno. */
int loader_add_rule_now(struct loader *l, __u64 load_id, __u32 dev, __u64 ino,
			const struct appban_rule *r);
/* The inode rule of (dev, ino) in the generation in force, if that holds
 * the load load_id, and the epoch (appban_epoch): a CLOCK_BOOTTIME time
 * taken after the last change of the rules in force (every change, a swap's
 * switch of generation included, writes it after it is made, under the
 * lock). So the rule *r has been in force since *since_ns at least. 0,
 * -ENOENT (no rule), -ESTALE, or -errno. */
int loader_inode_rule_since(struct loader *l, __u64 load_id, __u32 dev, __u64 ino,
			    struct appban_rule *r, __u64 *since_ns);
/* The sha256 rule of (dev, ino) removed from the generation in force, if
 * that holds the load load_id (a file rewritten with a content no longer
 * banned). 0, -ESTALE, -ENOENT, -EPERM (the inode's rule is not a sha256
 * one), or -errno. */
int loader_drop_content_rule(struct loader *l, __u64 load_id, __u32 dev, __u64 ino);
/* Name of app `app` of generation `gen`, "" when unknown. */
int loader_app(struct loader *l, __u32 gen, __u32 app, struct appban_app *out);
/* Apps 0 to n - 1 of generation gen (zeroed when missing). */
int loader_apps(struct loader *l, __u32 gen, struct appban_app *out, __u32 n);
int loader_meta(struct loader *l, __u32 gen, struct appban_meta *out);
/* Exception (allow block) `allow` of generation `gen`. */
int loader_allow(struct loader *l, __u32 gen, __u32 allow, struct appban_allow *out);

/* loader_allow.c: write the exceptions of `c` into generation `gen`'s maps; the
 * exception (new index) of a network mark carried into the policy `c` for
 * its app's new index `app`, or APPBAN_NO_EXCEPTION. */
int loader_write_exceptions(int exc_fd, int allows_fd, __u32 gen, const struct compiled_policy *c);
__u32 loader_carry_exception(struct loader *l, const struct appban_net_mark *m, __u32 app,
			     const struct compiled_policy *c);

const char *engine_str(__u32 engine);
struct bpf_object;
/* pins.c: the digest of file (dev, ino) into the kernel's digest cache. */
void loader_remember_digest(struct loader *l, __u32 dev, __u64 ino,
			    const struct appban_digest_cache_val *v);
/* pins.c: give each map of `obj` that is pinned already the size of its
 * pin (sized at the first load, e.g. appban_net_marks), so that libbpf
 * reuses the pin. */
int pins_match_sizes(struct bpf_object *obj);
/* Why this engine, for people. */
void engine_reason_str(const struct appban_state *st, char *buf, size_t len);

#endif /* __APPBAN_LOADER_H */
