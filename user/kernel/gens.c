// SPDX-License-Identifier: GPL-2.0
/* The generation protocol: a policy written into the inactive generation
 * (maps made at its size), the flip, and what follows it (network marks
 * carried over, the old generation dropped); rules added to the generation
 * in force while running. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "fallback.skel.h"
#include "kernel/kinode.h"
#include "policy/allow.h"
#include "kernel/genmap.h"
#include "kernel/loader.h"
#include "kernel/mapbatch.h"
#include "util/log.h"
#include "lsm.skel.h"
#include "util/clock.h"
#include "kernel/loader_int.h"

/* Wait until every program that may have read the old generation is done:
 * updating a map-in-map makes the kernel wait for an RCU grace period. */
static int wait_programs(struct loader *l)
{
	__u32 zero = 0;
	int inner, err;

	if (l->rcu_fd < 0) {
		LIBBPF_OPTS(bpf_map_create_opts, opts);

		inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, "appban_rcu_in", 4, 4, 1, NULL);
		if (inner < 0)
			return -errno;
		opts.inner_map_fd = inner;
		l->rcu_fd =
			bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "appban_rcu", 4, 4, 1, &opts);
		err = -errno;
		if (l->rcu_fd < 0) {
			close(inner);
			return err;
		}
		err = bpf_map_update_elem(l->rcu_fd, &zero, &inner, BPF_ANY) ? -errno : 0;
		close(inner);
		return err;
	}
	inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, "appban_rcu_in", 4, 4, 1, NULL);
	if (inner < 0)
		return -errno;
	err = bpf_map_update_elem(l->rcu_fd, &zero, &inner, BPF_ANY) ? -errno : 0;
	close(inner);
	return err;
}

/* The outer array of maps of each kind (genmap.h). */
static int outer_fd(const struct loader *l, enum genmap kind)
{
	switch (kind) {
	case GM_INODE:
		return l->inode_fd;
	case GM_DIRENT:
		return l->dirent_fd;
	case GM_NAME:
		return l->name_fd;
	case GM_DIGEST:
		return l->digest_fd;
	case GM_APPS:
		return l->apps_fd;
	case GM_EXC:
		return l->exc_fd;
	case GM_ALLOWS:
		return l->allows_fd;
	default:
		return -1;
	}
}

/* The meta first (a program that sees no apps does nothing for it), then
 * every map of the generation out of its array: freed by the kernel once
 * no program uses it, however many entries it had. */
static int clear_gen(struct loader *l, __u32 gen)
{
	struct appban_meta meta = { 0 };
	int k, err = 0, e;

	if (bpf_map_update_elem(l->meta_fd, &gen, &meta, BPF_ANY))
		return -errno;
	for (k = 0; k < GM__COUNT; k++) {
		e = genmap_drop(outer_fd(l, k), gen);
		err = err ?: e;
	}
	return err;
}

/* n compiled rules (a key starting with the generation, then a rule, ent_size
 * apart) into a rule map for generation gen, in one batch. */
static int write_rules(int fd, const void *ents, size_t ent_size, size_t key_size, size_t rule_off,
		       size_t n, __u32 gen)
{
	const size_t rsz = sizeof(struct appban_rule);
	char *keys, *vals;
	size_t i;
	int err;

	if (!n)
		return 0;
	keys = malloc(n * key_size);
	vals = malloc(n * rsz);
	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		const char *e = (const char *)ents + i * ent_size;

		memcpy(keys + i * key_size, e, key_size);
		memcpy(keys + i * key_size, &gen, sizeof(gen));
		memcpy(vals + i * rsz, e + rule_off, rsz);
	}
	err = map_update_many(fd, keys, key_size, vals, rsz, n);
	free(keys);
	free(vals);
	return err;
}

/* The sha256 rules of generation gen, in one batch. */
static int write_digests(int fd, __u32 gen, const struct compiled_policy *c)
{
	struct appban_digest_key *keys;
	struct appban_rule *vals;
	size_t i, n = c->n_digests;
	int err;

	if (!n)
		return 0;
	keys = calloc(n, sizeof(*keys));
	vals = calloc(n, sizeof(*vals));
	err = keys && vals ? 0 : -ENOMEM;
	for (i = 0; !err && i < n; i++) {
		keys[i].gen = gen;
		memcpy(keys[i].sha256, c->digests[i].sha256, sizeof(keys[i].sha256));
		vals[i].app = c->digests[i].app;
		vals[i].match = APPBAN_MATCH_SHA256;
	}
	if (!err)
		err = map_update_many(fd, keys, sizeof(*keys), vals, sizeof(*vals), n);
	free(keys);
	free(vals);
	return err;
}

/* khash: the engine's (enum appban_khash). The digest rules are read at
 * every exec on every engine: against the digests IMA computes, or those
 * user space wrote into the digest cache (bpf/content.h). */
int gens_write(struct loader *l, __u32 gen, const struct compiled_policy *c, __u32 khash)
{
	size_t n[GM__COUNT] = {
		[GM_INODE] = c->n_inodes,	[GM_DIRENT] = c->n_dirents,
		[GM_NAME] = c->n_names,		[GM_DIGEST] = c->n_digests,
		[GM_APPS] = c->meta.n_apps,	[GM_EXC] = c->meta.n_exc_entries,
		[GM_ALLOWS] = c->meta.n_allows,
	};
	struct appban_meta meta = c->meta;
	int fd[GM__COUNT], k, err = 0;
	__u32 *idx = NULL;
	size_t i;

	for (k = 0; k < GM__COUNT; k++)
		fd[k] = -1;
	/* Maps of this policy's size, filled before anything can see them. */
	for (k = 0; !err && k < GM__COUNT; k++) {
		fd[k] = genmap_new(k, n[k]);
		if (fd[k] < 0)
			err = fd[k];
	}
	if (!err && n[GM_APPS]) {
		idx = malloc(n[GM_APPS] * sizeof(*idx));
		for (i = 0; idx && i < n[GM_APPS]; i++)
			idx[i] = (__u32)i;
		err = idx ? map_update_many(fd[GM_APPS], idx, sizeof(*idx), c->apps,
					    sizeof(*c->apps), n[GM_APPS]) :
			    -ENOMEM;
		free(idx);
	}
	if (!err)
		err = write_rules(fd[GM_INODE], c->inodes, sizeof(*c->inodes),
				  sizeof(c->inodes->key), offsetof(struct compiled_inode, rule),
				  c->n_inodes, gen);
	if (!err)
		err = write_rules(fd[GM_DIRENT], c->dirents, sizeof(*c->dirents),
				  sizeof(c->dirents->key), offsetof(struct compiled_dirent, rule),
				  c->n_dirents, gen);
	if (!err)
		err = write_rules(fd[GM_NAME], c->names, sizeof(*c->names), sizeof(c->names->key),
				  offsetof(struct compiled_name, rule), c->n_names, gen);
	if (!err && n[GM_DIGEST])
		err = write_digests(fd[GM_DIGEST], gen, c);
	if (!err)
		err = loader_write_exceptions(fd[GM_EXC], fd[GM_ALLOWS], gen, c);
	/* The meta zero while the maps change, and last: a generation is
	 * complete once it says how many apps. */
	if (!err && bpf_map_update_elem(l->meta_fd, &gen, &(struct appban_meta){ 0 }, BPF_ANY))
		err = -errno;
	for (k = 0; !err && k < GM__COUNT; k++)
		err = genmap_install(outer_fd(l, k), gen, fd[k]);
	for (k = 0; k < GM__COUNT; k++)
		if (fd[k] >= 0)
			close(fd[k]);
	if (err)
		return err;
	meta.load_id = boot_ns();
	if (bpf_map_update_elem(l->meta_fd, &gen, &meta, BPF_ANY))
		return -errno;
	return 0;
}

/* After a flip, processes under a network ban keep it if their app is still
 * banned from the network by the new policy (by name), and lose it if not.
 * 0, or the first error of a mark that could not be carried (a process that
 * has exited meanwhile is not one). */
static int carry_net_marks(struct loader *l, __u32 newgen, const struct compiled_policy *c)
{
	__u32 key, next, *prev = NULL;
	struct appban_net_mark m;
	struct appban_app app;
	int err = 0;
	size_t j;

	while (!bpf_map_get_next_key(l->marks_fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(l->marks_fd, &key, &m) || m.gen == newgen)
			continue;
		memset(&app, 0, sizeof(app));
		genmap_lookup(l->apps_fd, m.gen, &m.app, &app);
		for (j = 0; j < c->meta.n_apps; j++)
			if (c->apps[j].action == APPBAN_ACTION_DENY_NETWORK &&
			    !strcmp(c->apps[j].name, app.name))
				break;
		if (j == c->meta.n_apps) {
			if (bpf_map_delete_elem(l->marks_fd, &key) && errno != ENOENT && !err)
				err = -errno;
			continue;
		}
		m.exception = loader_carry_exception(l, &m, j, c);
		m.exc_until_boot_ns = m.exception == APPBAN_NO_EXCEPTION ?
					      0 :
					      allow_until_boot_ns(c->allows[m.exception].until);
		m.gen = newgen;
		m.app = j;
		m.audit_only = c->meta.mode == APPBAN_MODE_MONITOR;
		if (bpf_map_update_elem(l->marks_fd, &key, &m, BPF_EXIST) && errno != ENOENT &&
		    !err)
			err = -errno;
	}
	return err;
}

/* The rules in force changed: what the kernel remembered of a file under
 * the old ones is void (bpf/vcache.h). A fresh CLOCK_BOOTTIME value, taken
 * after the change, differs from every value written before it, whichever
 * of several appban processes writes last. */
int gens_bump_epoch(struct loader *l)
{
	__u32 zero = 0;
	__u64 v = boot_ns();

	return bpf_map_update_elem(l->epoch_fd, &zero, &v, BPF_ANY) ? -errno : 0;
}

/* After the flip: wait until no program reads the old generation any more,
 * move the network marks over, and delete the old generation's entries,
 * which for a large policy takes longer than all the rest of a swap (some
 * 2 us per entry in the kernel). In a child, with clear_in_background: the
 * lock taken by loader_load stays held until the child is done too (an
 * flock belongs to the open file, shared across fork, and the parent only
 * closes its descriptor), so the next load waits for it; a child killed
 * half way leaves entries that the next write of that generation clears. */
static int finish_swap(struct loader *l, __u32 oldgen, __u32 newgen,
		       const struct compiled_policy *c)
{
	int err = wait_programs(l);

	if (err)
		pr_warn("cannot wait for running programs (%s); clearing the old policy anyway\n",
			strerror(-err));
	err = carry_net_marks(l, newgen, c);
	if (err)
		pr_warn("cannot carry every network ban of a running process over to the new policy: %s\n",
			strerror(-err));
	err = clear_gen(l, oldgen);
	if (err)
		pr_warn("cannot clear the previous policy from the maps: %s (the next load clears it)\n",
			strerror(-err));
	return err;
}

int gens_swap(struct loader *l, const struct compiled_policy *c)
{
	struct appban_state st = l->state;
	__u32 zero = 0, oldgen = st.active_gen & 1, newgen = !oldgen;
	int err;

	err = gens_write(l, newgen, c, st.khash);
	if (err) {
		pr_warn("cannot write the new policy into the maps: %s; the previous policy stays in force\n",
			strerror(-err));
		clear_gen(l, newgen);
		return err;
	}
	/* Before the switch: the new generation's number may have been in
	 * use before, and nothing found under it then may count after it. */
	err = gens_bump_epoch(l);
	if (err) {
		clear_gen(l, newgen);
		return err;
	}
	st.active_gen = newgen;
	if (bpf_map_update_elem(l->state_fd, &zero, &st, BPF_ANY)) {
		err = -errno;
		clear_gen(l, newgen);
		return err;
	}
	l->state = st;
	/* Once more after the switch: the epoch is also the time since which
	 * the rules in force have not changed (loader_inode_rule_since), and
	 * the new generation is in force only from here. */
	err = gens_bump_epoch(l);
	if (err)
		pr_warn("cannot mark the time of the swap (%s): run may kill a start that the kernel refuses\n",
			strerror(-err));
	/* The binary that swapped is appban from now on. */
	err = guard_write_self(l);
	if (err)
		pr_warn("cannot record this binary as appban's (%s): the lsm engine's tamper protection may refuse its next change\n",
			strerror(-err));
	if (l->clear_in_background) {
		pid_t pid = fork();

		if (pid == 0) {
			/* Not the parent's output: a reader of it (x=$(appban
			 * load ...)) would wait for the child. */
			int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

			if (null >= 0)
				dup2(null, STDOUT_FILENO);
			_exit(finish_swap(l, oldgen, newgen, c) ? 1 : 0);
		}
		if (pid > 0)
			return 0;
	}
	return finish_swap(l, oldgen, newgen, c);
}

/* Under the lock: the generation in force, in *gen, if it holds the load
 * load_id (a rule made for one load's apps means nothing in another's). 0,
 * -ESTALE, or -errno. */
static int own_gen(struct loader *l, __u64 load_id, __u32 *gen)
{
	struct appban_state st = { 0 };
	struct appban_meta meta = { 0 };
	__u32 zero = 0;

	if (bpf_map_lookup_elem(l->state_fd, &zero, &st))
		return -errno;
	*gen = st.active_gen & 1;
	if (bpf_map_lookup_elem(l->meta_fd, gen, &meta))
		return -errno;
	return meta.load_id == load_id ? 0 : -ESTALE;
}

/* One inode rule into generation gen's map. A full map is reported: the
 * rule is not in force (the file's start is still killed by run). */
static int inode_update(struct loader *l, __u32 gen, const struct appban_inode_key *k,
			const struct appban_rule *r)
{
	int fd = genmap_fd(l->inode_fd, gen), err = 0;

	if (fd < 0)
		return fd;
	if (bpf_map_update_elem(fd, k, r, BPF_ANY))
		err = -errno;
	close(fd);
	/* (-E2BIG, a full map: the caller says so, after it has tried to make
	 * room) */
	return err;
}

int loader_add_rule_now(struct loader *l, __u64 load_id, __u32 dev, __u64 ino,
			const struct appban_rule *r)
{
	struct appban_inode_key k = { .dev = dev, .ino = ino };
	int lock, err;

	/* Under the lock: written into a generation that a swap is clearing
	 * (or has marked clean), the rule could outlive it. */
	lock = pins_lock();
	err = own_gen(l, load_id, &k.gen);
	if (!err)
		err = inode_update(l, k.gen, &k, r);
	if (!err)
		err = gens_bump_epoch(l);
	pins_unlock(lock);
	return err;
}

int loader_inode_rule_since(struct loader *l, __u64 load_id, __u32 dev, __u64 ino,
			    struct appban_rule *r, __u64 *since_ns)
{
	struct appban_inode_key k = { .dev = dev, .ino = ino };
	__u32 zero = 0;
	int lock, err, fd;

	/* Under the lock, which every change of the rules holds until it has
	 * written the epoch: the rule and the epoch are of the same moment. */
	lock = pins_lock();
	err = own_gen(l, load_id, &k.gen);
	fd = err ? -1 : genmap_fd(l->inode_fd, k.gen);
	if (!err && fd < 0)
		err = fd;
	if (!err && bpf_map_lookup_elem(fd, &k, r))
		err = errno == ENOENT ? -ENOENT : -errno;
	if (!err && bpf_map_lookup_elem(l->epoch_fd, &zero, since_ns))
		err = -errno;
	if (fd >= 0)
		close(fd);
	pins_unlock(lock);
	return err;
}

int loader_drop_content_rule(struct loader *l, __u64 load_id, __u32 dev, __u64 ino)
{
	struct appban_inode_key k = { .dev = dev, .ino = ino };
	struct appban_rule r;
	int lock, err, fd;

	lock = pins_lock();
	err = own_gen(l, load_id, &k.gen);
	fd = err ? -1 : genmap_fd(l->inode_fd, k.gen);
	if (!err && fd < 0)
		err = fd;
	if (!err && bpf_map_lookup_elem(fd, &k, &r))
		err = -ENOENT;
	/* A path rule on the same inode stays: only a content rule goes. */
	if (!err && r.match != APPBAN_MATCH_SHA256)
		err = -EPERM;
	if (!err && bpf_map_delete_elem(fd, &k))
		err = -errno;
	if (fd >= 0)
		close(fd);
	if (!err)
		err = gens_bump_epoch(l);
	pins_unlock(lock);
	return err;
}

int loader_add_inode_rules(struct loader *l, __u32 gen, __u64 load_id,
			   const struct compiled_inode *rules, size_t n)
{
	struct appban_meta meta;
	struct appban_state st;
	__u32 zero = 0;
	int lock, err, fd;

	if (!n)
		return 0;
	lock = pins_lock(); /* also waits for a swap's clearing child */
	err = bpf_map_lookup_elem(l->state_fd, &zero, &st) ? -errno : 0;
	if (!err && (st.active_gen & 1) != gen)
		err = -ESTALE;
	if (!err && bpf_map_lookup_elem(l->meta_fd, &gen, &meta))
		err = -errno;
	if (!err && meta.load_id != load_id)
		err = -ESTALE;
	fd = err ? -1 : genmap_fd(l->inode_fd, gen);
	if (!err && fd < 0)
		err = fd;
	if (!err)
		err = write_rules(fd, rules, sizeof(*rules), sizeof(rules->key),
				  offsetof(struct compiled_inode, rule), n, gen);
	if (fd >= 0)
		close(fd);
	if (!err)
		err = gens_bump_epoch(l);
	pins_unlock(lock);
	return err;
}
