// SPDX-License-Identifier: GPL-2.0
/* Loading, pinning, swapping and unloading. The programs are the skeletons'
 * objects, opened from the bytes embedded in this binary. */
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

#define BPF_FS_MAGIC 0xcafe4a11
#define CGROUP2_SUPER_MAGIC 0x63677270
#define LINK_PREFIX "link_"

static const char *const map_names[] = {
	"appban_state",	     "appban_inode_rules", "appban_dirent_rules", "appban_name_rules",
	"appban_apps",	     "appban_meta",	   "appban_net_marks",	  "appban_counters",
	"appban_events",     "appban_guard",	   "appban_digest_rules", "appban_digest_cache",
	"appban_exceptions", "appban_allows",	   "appban_epoch",
};

const char *engine_str(__u32 engine)
{
	switch (engine) {
	case APPBAN_ENGINE_LSM:
		return "lsm";
	case APPBAN_ENGINE_FALLBACK:
		return "fallback";
	}
	return "none";
}

void engine_reason_str(const struct appban_state *st, char *buf, size_t len)
{
	switch (st->engine_reason) {
	case APPBAN_REASON_PROBED:
		snprintf(buf, len, "BPF LSM is active and accepted the programs");
		break;
	case APPBAN_REASON_FORCED:
		snprintf(buf, len, "chosen with --engine");
		break;
	case APPBAN_REASON_LSM_INACTIVE:
		snprintf(buf, len,
			 "BPF LSM is not active (add \"bpf\" to lsm= on the kernel command line)");
		break;
	case APPBAN_REASON_LSM_REFUSED:
		snprintf(buf, len, "the kernel refused the BPF LSM programs: %s",
			 strerror(st->probe_err));
		break;
	default:
		snprintf(buf, len, "unknown");
	}
}

/* bpffs at /sys/fs/bpf, mounted when the system has not. */
static int ensure_bpffs(void)
{
	struct statfs sfs;

	if (statfs("/sys/fs/bpf", &sfs) == 0 && sfs.f_type == BPF_FS_MAGIC)
		return 0;
	mkdir("/sys/fs/bpf", 0700);
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
		pr_warn("cannot mount the BPF file system on /sys/fs/bpf: %s\n", strerror(errno));
		return -errno;
	}
	return 0;
}

/* tracefs, where libbpf finds the syscall tracepoints of the fallback engine. */
static void ensure_tracefs(void)
{
	if (access("/sys/kernel/tracing/events", F_OK) == 0 ||
	    access("/sys/kernel/debug/tracing/events", F_OK) == 0)
		return;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL))
		pr_info("cannot mount tracefs on /sys/kernel/tracing: %s\n", strerror(errno));
}

/* Loads, swaps and unloads of concurrent appban processes (two admins, a
 * daemon and a manual load) take turns. */
static int lock_appban(void)
{
	int fd = open("/run/appban.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static void unlock_appban(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* The cgroup v2 root, where the fallback engine's socket hooks attach. */
static int open_cgroup2_root(void)
{
	static const char fallback_dir[] = "/run/appban-cgroup2";
	char line[4096];
	int fd = -1;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "re");
	while (f && fgets(line, sizeof(line), f)) {
		char root[PATH_MAX], mnt[PATH_MAX], *sep = strstr(line, " - ");

		if (!sep || strncmp(sep, " - cgroup2 ", 11))
			continue;
		if (sscanf(line, "%*d %*d %*s %4095s %4095s", root, mnt) != 2 || strcmp(root, "/"))
			continue;
		fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0)
			break;
	}
	if (f)
		fclose(f);
	if (fd >= 0)
		return fd;
	mkdir(fallback_dir, 0700);
	if (mount("cgroup2", fallback_dir, "cgroup2", 0, NULL) && errno != EBUSY) {
		pr_warn("no cgroup v2 hierarchy and cannot mount one: %s\n", strerror(errno));
		return -errno;
	}
	fd = open(fallback_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int *loader_fd(struct loader *l, size_t i)
{
	int *fds[] = { &l->state_fd,  &l->inode_fd,  &l->dirent_fd,   &l->name_fd,   &l->apps_fd,
		       &l->meta_fd,   &l->marks_fd,  &l->counters_fd, &l->events_fd, &l->guard_fd,
		       &l->digest_fd, &l->dcache_fd, &l->exc_fd,      &l->allows_fd, &l->epoch_fd };

	return fds[i];
}

void loader_init(struct loader *l)
{
	size_t i;

	memset(l, 0, sizeof(*l));
	for (i = 0; i < sizeof(map_names) / sizeof(map_names[0]); i++)
		*loader_fd(l, i) = -1;
	l->rcu_fd = -1;
}

void loader_close(struct loader *l)
{
	size_t i;
	int bg;

	for (i = 0; i < sizeof(map_names) / sizeof(map_names[0]); i++)
		if (*loader_fd(l, i) >= 0)
			close(*loader_fd(l, i));
	if (l->rcu_fd >= 0)
		close(l->rcu_fd);
	bg = l->clear_in_background; /* a setting, not a descriptor */
	loader_init(l);
	l->clear_in_background = bg;
}

/* Any link pinned: programs are attached. */
int loader_pinned(void)
{
	DIR *d = opendir(APPBAN_PIN_DIR);
	struct dirent *de;
	int found = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, LINK_PREFIX, strlen(LINK_PREFIX)))
			found = 1;
	closedir(d);
	return found;
}

static int open_pins(struct loader *l, int read_only)
{
	LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = read_only ? BPF_F_RDONLY : 0);
	char path[256];
	__u32 zero = 0;
	size_t i;
	int err;

	for (i = 0; i < sizeof(map_names) / sizeof(map_names[0]); i++) {
		snprintf(path, sizeof(path), APPBAN_PIN_DIR "/%s", map_names[i]);
		*loader_fd(l, i) = bpf_obj_get_opts(path, &opts);
		if (*loader_fd(l, i) < 0) {
			err = -errno;
			pr_warn("cannot open %s: %s%s\n", path, strerror(errno),
				errno == EPERM ? " (tamper protection: only the appban binary that "
						 "loaded the policy may change it)" :
						 "");
			return err;
		}
	}
	if (bpf_map_lookup_elem(l->state_fd, &zero, &l->state))
		return -errno;
	return 0;
}

static int adopt(struct loader *l, int read_only)
{
	int err;

	loader_close(l);
	if (!loader_pinned())
		return -ENOENT;
	err = open_pins(l, read_only);
	if (err)
		loader_close(l);
	return err;
}

int loader_adopt(struct loader *l)
{
	return adopt(l, 0);
}

int loader_adopt_ro(struct loader *l)
{
	return adopt(l, 1);
}

/* The kernel's (dev, ino) of `path`, opened with `flags`. */
static int kernel_inode(struct kinode *k, const char *path, int flags, __u32 *dev, __u64 *ino)
{
	int fd = open(path, flags | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	err = kinode_fd(k, fd, dev, ino);
	close(fd);
	return err;
}

/* Tell the kernel who appban is: this binary (and its place, for a rebuilt
 * or upgraded one) and the pin directory; from now on protected. */
static int write_guard_self(struct loader *l)
{
	struct appban_guard g = { .protect = 1 };
	struct kinode *k = kinode_new();
	char exe[PATH_MAX], *slash;
	__u32 idx = APPBAN_GUARD_SELF;
	ssize_t n;
	int err;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	err = n > 0 ? 0 : -errno;
	if (!err) {
		exe[n] = 0;
		slash = strrchr(exe, '/');
		const char *base = slash ? slash + 1 : exe;

		/* A longer name is not compared: the inode alone says who appban is. */
		if (strlen(base) < sizeof(g.self_name))
			memcpy(g.self_name, base, strlen(base) + 1);
		if (slash)
			*slash = 0;
		err = kernel_inode(k, "/proc/self/exe", O_RDONLY, &g.self_dev, &g.self_ino);
	}
	if (!err)
		err = kernel_inode(k, slash && exe[0] ? exe : "/", O_PATH | O_DIRECTORY,
				   &g.self_dir_dev, &g.self_dir_ino);
	if (!err)
		err = kernel_inode(k, APPBAN_PIN_DIR, O_RDONLY | O_DIRECTORY, &g.pin_dev,
				   &g.pin_ino);
	kinode_free(k);
	if (!err && bpf_map_update_elem(l->guard_fd, &idx, &g, BPF_ANY))
		err = -errno;
	if (err)
		pr_warn("cannot set up tamper protection: %s\n", strerror(-err));
	return err;
}

int loader_set_reader(struct loader *l, __u32 tgid)
{
	struct appban_guard g = { 0 };
	__u32 idx = APPBAN_GUARD_READER;

	if (l->guard_fd < 0)
		return -EBADF;
	if (!tgid &&
	    (bpf_map_lookup_elem(l->guard_fd, &idx, &g) || g.reader_tgid != (__u32)getpid()))
		return 0;
	g.reader_tgid = tgid;
	return bpf_map_update_elem(l->guard_fd, &idx, &g, BPF_ANY) ? -errno : 0;
}

int loader_unloaded_by(struct loader *l, __u32 *pid, __u32 *uid)
{
	struct appban_guard g;
	__u32 idx = APPBAN_GUARD_SELF;

	if (l->guard_fd < 0 || bpf_map_lookup_elem(l->guard_fd, &idx, &g) || !g.unload_pid)
		return -ENOENT;
	*pid = g.unload_pid;
	*uid = g.unload_uid;
	return 0;
}

/* Remove every pin (links detach their programs when the last reference goes). */
static int remove_pins(void)
{
	DIR *d = opendir(APPBAN_PIN_DIR);
	struct dirent *de;
	char path[512];
	int err = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), APPBAN_PIN_DIR "/%s", de->d_name);
		if (!strncmp(de->d_name, LINK_PREFIX, strlen(LINK_PREFIX))) {
			/* Detach now: a link freed with its last pin goes later. */
			int fd = bpf_obj_get(path);

			if (fd >= 0) {
				bpf_link_detach(fd);
				close(fd);
			}
		}
		if (unlink(path) && errno != ENOENT)
			err = -errno;
	}
	closedir(d);
	if (rmdir(APPBAN_PIN_DIR) && errno != ENOENT)
		err = -errno;
	return err;
}

/* Leave in the guard map who unloaded, for a reader still holding it, and
 * log it: `appban unload` is the one way out of enforcement. */
static void record_unload(void)
{
	struct loader l;
	struct appban_guard g;
	struct appban_meta meta = { 0 };
	__u32 idx = APPBAN_GUARD_SELF;

	loader_init(&l);
	if (loader_adopt(&l))
		return;
	if (!bpf_map_lookup_elem(l.guard_fd, &idx, &g)) {
		g.unload_pid = getpid();
		g.unload_uid = getuid();
		bpf_map_update_elem(l.guard_fd, &idx, &g, BPF_ANY);
	}
	loader_meta(&l, l.state.active_gen, &meta);
	openlog("appban", LOG_PID, LOG_AUTHPRIV);
	syslog(LOG_NOTICE, "policy %s serial %llu (%s engine) unloaded by uid %u, parent pid %u",
	       meta.name, (unsigned long long)meta.serial, engine_str(l.state.engine), getuid(),
	       getppid());
	closelog();
	pr_info("policy %s serial %llu unloaded\n", meta.name, (unsigned long long)meta.serial);
	loader_close(&l);
}

int loader_unload(void)
{
	int err, lock;

	if (ensure_bpffs())
		return 0;
	lock = lock_appban();
	record_unload();
	err = remove_pins();
	unlock_appban(lock);
	if (err)
		pr_warn("cannot remove the pins under %s: %s\n", APPBAN_PIN_DIR, strerror(-err));
	return err;
}

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

/* khash: the engine's (enum appban_khash); the digest rules are written only
 * where the kernel reads them, at exec (else they would be half of what a
 * swap writes, read by nothing). */
static int write_gen(struct loader *l, __u32 gen, const struct compiled_policy *c, __u32 khash)
{
	size_t n[GM__COUNT] = {
		[GM_INODE] = c->n_inodes,
		[GM_DIRENT] = c->n_dirents,
		[GM_NAME] = c->n_names,
		[GM_DIGEST] = khash == APPBAN_KHASH_IMA ? c->n_digests : 0,
		[GM_APPS] = c->meta.n_apps,
		[GM_EXC] = c->meta.n_exc_entries,
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
static int bump_epoch(struct loader *l)
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

static int swap(struct loader *l, const struct compiled_policy *c)
{
	struct appban_state st = l->state;
	__u32 zero = 0, oldgen = st.active_gen & 1, newgen = !oldgen;
	int err;

	err = write_gen(l, newgen, c, st.khash);
	if (err) {
		pr_warn("cannot write the new policy into the maps: %s; the previous policy stays in force\n",
			strerror(-err));
		clear_gen(l, newgen);
		return err;
	}
	/* Before the switch: the new generation's number may have been in
	 * use before, and nothing found under it then may count after it. */
	err = bump_epoch(l);
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
	/* The binary that swapped is appban from now on. */
	err = write_guard_self(l);
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

static int attach_all(struct bpf_object *obj, int cg_fd)
{
	struct bpf_program *prog;
	char path[256];

	bpf_object__for_each_program(prog, obj) {
		enum bpf_prog_type type = bpf_program__type(prog);
		struct bpf_link *link;
		int err;

		if (!bpf_program__autoload(prog))
			continue;
		if (type == BPF_PROG_TYPE_CGROUP_SOCK || type == BPF_PROG_TYPE_CGROUP_SOCK_ADDR)
			link = bpf_program__attach_cgroup(prog, cg_fd);
		else
			link = bpf_program__attach(prog);
		if (!link) {
			err = -errno;
			pr_info("cannot attach %s: %s\n", bpf_program__name(prog), strerror(errno));
			return err;
		}
		snprintf(path, sizeof(path), APPBAN_PIN_DIR "/" LINK_PREFIX "%s",
			 bpf_program__name(prog));
		err = bpf_link__pin(link, path);
		bpf_link__destroy(link); /* the pin holds it */
		if (err) {
			pr_warn("cannot pin %s: %s\n", path, strerror(-err));
			return err;
		}
	}
	return 0;
}

/* Where overlayfs is a module (Debian), its types are in BTF only while it is
 * loaded, and the programs see through an overlay only if they were: load it
 * first. No overlay at all is fine: then there is no overlay to see through. */
static void load_overlay_module(void)
{
	char *const argv[] = { "modprobe", "-q", "overlay", NULL };
	char line[64];
	FILE *f = fopen("/proc/filesystems", "re");
	int found = 0, status;
	pid_t pid;

	while (f && !found && fgets(line, sizeof(line), f))
		found = strcmp(line, "nodev\toverlay\n") == 0;
	if (f)
		fclose(f);
	if (found || posix_spawn(&pid, "/sbin/modprobe", NULL, NULL, argv, environ))
		return;
	waitpid(pid, &status, 0);
}

/* Load one engine's object, write `c` as generation 0, attach, pin. On any
 * failure nothing of it stays behind. */
static int lsm_active(void);

/* IMA built into the kernel: bpf_ima_file_hash() can hash at exec. Without
 * it the helper exists but fails, so the program is not loaded at all. */
static int kernel_has_ima(void)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	int found;

	if (!vmlinux)
		return 0;
	found = btf__find_by_name_kind(vmlinux, "ima_file_hash", BTF_KIND_FUNC) >= 0;
	btf__free(vmlinux);
	return found;
}

static int load_engine(struct loader *l, enum appban_engine engine, const struct compiled_policy *c,
		       struct appban_state *st)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = APPBAN_PIN_DIR);
	struct bpf_object *obj;
	const void *bytes;
	size_t sz;
	__u32 zero = 0;
	int err, cg_fd = -1;

	/* LSM programs attach even where "bpf" is not an active LSM, and then
	 * never run: that would be a policy in force on paper only. */
	if (engine == APPBAN_ENGINE_LSM && !lsm_active())
		return -EOPNOTSUPP;
	bytes = engine == APPBAN_ENGINE_LSM ? lsm_bpf__elf_bytes(&sz) :
					      fallback_bpf__elf_bytes(&sz);
	opts.object_name = engine == APPBAN_ENGINE_LSM ? "appban_lsm" : "appban_fallback";
	obj = bpf_object__open_mem(bytes, sz, &opts);
	if (!obj)
		return -errno;
	if (engine == APPBAN_ENGINE_FALLBACK)
		ensure_tracefs();
	st->khash = APPBAN_KHASH_NONE;
	if (engine == APPBAN_ENGINE_LSM) {
		static const char *const content_progs[] = { "appban_exec_content",
							     "appban_mmap_content" };
		int ima = kernel_has_ima();
		size_t i;

		for (i = 0; i < sizeof(content_progs) / sizeof(content_progs[0]); i++) {
			struct bpf_program *p =
				bpf_object__find_program_by_name(obj, content_progs[i]);

			if (p && !ima)
				bpf_program__set_autoload(p, false);
		}
		if (ima)
			st->khash = APPBAN_KHASH_IMA;
	}
	load_overlay_module();
	err = bpf_object__load(obj);
	if (err)
		goto out;
	if (engine == APPBAN_ENGINE_FALLBACK) {
		cg_fd = open_cgroup2_root();
		if (cg_fd < 0) {
			err = cg_fd;
			goto out;
		}
	}
	err = open_pins(l, 0);
	if (err)
		goto out;
	st->active_gen = 0;
	st->engine = engine;
	err = write_gen(l, 0, c, st->khash);
	if (!err && bpf_map_update_elem(l->state_fd, &zero, st, BPF_ANY))
		err = -errno;
	if (!err)
		err = bump_epoch(l);
	if (err)
		goto out;
	l->state = *st;
	err = write_guard_self(l);
	if (!err)
		err = attach_all(obj, cg_fd);
out:
	if (err) {
		loader_close(l);
		remove_pins();
		mkdir(APPBAN_PIN_DIR, 0700);
	}
	if (cg_fd >= 0)
		close(cg_fd);
	bpf_object__close(obj);
	return err;
}

static int lsm_active(void)
{
	char buf[512] = "";
	FILE *f = fopen("/sys/kernel/security/lsm", "re");

	if (!f) {
		mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL);
		f = fopen("/sys/kernel/security/lsm", "re");
	}
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	for (char *tok = strtok(buf, ",\n"); tok; tok = strtok(NULL, ",\n"))
		if (!strcmp(tok, "bpf"))
			return 1;
	return 0;
}

/* Does the kernel take an lsm program at all? A two-instruction program on
 * bprm_check_security costs a millisecond; the lsm object, opened,
 * relocated and given its maps before the kernel refuses its first program,
 * a quarter of a second of a first load. 0 or the kernel's -errno. */
static int lsm_probe(void)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_LSM_MAC);
	struct btf *vmlinux = btf__load_vmlinux_btf();
	int id, fd;

	if (!vmlinux)
		return -errno;
	id = btf__find_by_name_kind(vmlinux, "bpf_lsm_bprm_check_security", BTF_KIND_FUNC);
	btf__free(vmlinux);
	if (id < 0)
		return id;
	opts.attach_btf_id = id;
	fd = bpf_prog_load(BPF_PROG_TYPE_LSM, "appban_probe", "GPL", insns, 2, &opts);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int fresh_load(struct loader *l, const struct compiled_policy *c, enum appban_engine force)
{
	struct appban_state st = { 0 };
	int err;

	remove_pins(); /* maps left by a load that never attached */
	if (mkdir(APPBAN_PIN_DIR, 0700) && errno != EEXIST)
		return -errno;
	if (force != APPBAN_ENGINE_NONE) {
		st.engine_reason = APPBAN_REASON_FORCED;
		err = load_engine(l, force, c, &st);
		if (err)
			pr_warn("cannot load the %s engine: %s%s\n", engine_str(force),
				strerror(-err),
				force == APPBAN_ENGINE_LSM && !lsm_active() ?
					" (BPF LSM is not active: add \"bpf\" to lsm= on the kernel command line)" :
					"");
		goto out;
	}
	if (lsm_active()) {
		err = lsm_probe();
		if (!err)
			err = load_engine(l, APPBAN_ENGINE_LSM, c, &st);
		if (!err)
			goto out;
		st.engine_reason = APPBAN_REASON_LSM_REFUSED;
		st.probe_err = -err;
		pr_info("the kernel refused the lsm engine (%s); using the fallback engine\n",
			strerror(-err));
	} else {
		st.engine_reason = APPBAN_REASON_LSM_INACTIVE;
	}
	err = load_engine(l, APPBAN_ENGINE_FALLBACK, c, &st);
	if (err)
		pr_warn("cannot load the fallback engine: %s\n", strerror(-err));
out:
	if (err)
		rmdir(APPBAN_PIN_DIR);
	return err;
}

int loader_load(struct loader *l, const struct compiled_policy *c, enum appban_engine force,
		int *fresh)
{
	int err, lock;

	*fresh = 0;
	err = ensure_bpffs();
	if (err)
		return err;
	lock = lock_appban();
	if (lock < 0)
		pr_info("cannot lock /run/appban.lock (%s); going on\n", strerror(-lock));
	err = loader_adopt(l);
	if (err == -ENOENT) {
		err = fresh_load(l, c, force);
		if (!err)
			*fresh = 1;
		goto out;
	}
	if (err)
		goto out;
	if (force != APPBAN_ENGINE_NONE && force != l->state.engine) {
		pr_warn("the %s engine is in force; run \"appban unload\" first to change engines\n",
			engine_str(l->state.engine));
		err = -EEXIST;
		goto out;
	}
	err = swap(l, c);
out:
	unlock_appban(lock);
	return err;
}

int loader_status(struct loader *l, struct loader_status *st)
{
	int ncpu = libbpf_num_possible_cpus();
	__u32 zero = 0, gen, i;
	__u64 *vals;
	int c;

	memset(st, 0, sizeof(*st));
	if (bpf_map_lookup_elem(l->state_fd, &zero, &st->state))
		return -errno;
	gen = st->state.active_gen & 1;
	if (bpf_map_lookup_elem(l->meta_fd, &gen, &st->meta))
		return -errno;
	if (ncpu <= 0)
		return ncpu;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (i = 0; i < APPBAN_CNT_MAX; i++) {
		if (bpf_map_lookup_elem(l->counters_fd, &i, vals))
			continue;
		for (c = 0; c < ncpu; c++)
			st->counters[i] += vals[c];
	}
	free(vals);
	return 0;
}

int loader_app(struct loader *l, __u32 gen, __u32 app, struct appban_app *out)
{
	memset(out, 0, sizeof(*out));
	return genmap_lookup(l->apps_fd, gen, &app, out);
}

int loader_apps(struct loader *l, __u32 gen, struct appban_app *out, __u32 n)
{
	int fd = genmap_fd(l->apps_fd, gen), err = 0;
	__u32 i;

	memset(out, 0, n * sizeof(*out));
	if (fd < 0)
		return fd;
	for (i = 0; i < n && !err; i++)
		if (bpf_map_lookup_elem(fd, &i, &out[i]))
			err = -errno;
	close(fd);
	return err;
}

int loader_allow(struct loader *l, __u32 gen, __u32 allow, struct appban_allow *out)
{
	memset(out, 0, sizeof(*out));
	return genmap_lookup(l->allows_fd, gen, &allow, out);
}

int loader_meta(struct loader *l, __u32 gen, struct appban_meta *out)
{
	gen &= 1;
	return bpf_map_lookup_elem(l->meta_fd, &gen, out) ? -errno : 0;
}

int loader_in_force(struct loader *l, __u64 *load_id)
{
	struct appban_state st = { 0 };
	struct appban_meta meta = { 0 };
	__u32 zero = 0, gen;

	if (bpf_map_lookup_elem(l->state_fd, &zero, &st))
		return -errno;
	gen = st.active_gen & 1;
	if (bpf_map_lookup_elem(l->meta_fd, &gen, &meta))
		return -errno;
	*load_id = meta.load_id;
	return 0;
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
	if (err == -E2BIG)
		pr_warn("the inode rule map of the policy in force is full: a file found with a banned content is not banned in the kernel (reload the policy to make room)\n");
	return err;
}

int loader_add_rule_now(struct loader *l, __u64 load_id, __u32 dev, __u64 ino,
			const struct appban_rule *r)
{
	struct appban_inode_key k = { .dev = dev, .ino = ino };
	int lock, err;

	/* Under the lock: written into a generation that a swap is clearing
	 * (or has marked clean), the rule could outlive it. */
	lock = lock_appban();
	err = own_gen(l, load_id, &k.gen);
	if (!err)
		err = inode_update(l, k.gen, &k, r);
	if (!err)
		err = bump_epoch(l);
	unlock_appban(lock);
	return err;
}

int loader_drop_content_rule(struct loader *l, __u64 load_id, __u32 dev, __u64 ino)
{
	struct appban_inode_key k = { .dev = dev, .ino = ino };
	struct appban_rule r;
	int lock, err, fd;

	lock = lock_appban();
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
		err = bump_epoch(l);
	unlock_appban(lock);
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
	lock = lock_appban(); /* also waits for a swap's clearing child */
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
		err = bump_epoch(l);
	unlock_appban(lock);
	return err;
}
