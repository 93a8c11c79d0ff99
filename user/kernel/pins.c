// SPDX-License-Identifier: GPL-2.0
/* The pinned objects under /sys/fs/bpf/appban: the lock that loads take turns
 * through, the table of map pins a loader opens (adopt), reading what is in
 * force, and the unload that removes them. */
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
#include "kernel/tpclose.h"
#include "util/log.h"
#include "lsm.skel.h"
#include "util/clock.h"
#include "kernel/loader_int.h"

static const char *const map_names[] = {
	"appban_state",	     "appban_inode_rules", "appban_dirent_rules", "appban_name_rules",
	"appban_apps",	     "appban_meta",	   "appban_net_marks",	  "appban_counters",
	"appban_events",     "appban_guard",	   "appban_digest_rules", "appban_digest_cache",
	"appban_exceptions", "appban_allows",	   "appban_epoch",
};

/* Loads, swaps and unloads of concurrent appban processes (two admins, a
 * daemon and a manual load) take turns. */
int pins_lock(void)
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

void pins_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
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

void loader_remember_digest(struct loader *l, __u32 dev, __u64 ino,
			    const struct appban_digest_cache_val *v)
{
	struct appban_digest_cache_key k = { .dev = dev, .ino = ino };

	l->dcache_writes++;
	if (l->dcache_fd >= 0)
		bpf_map_update_elem(l->dcache_fd, &k, v, BPF_ANY);
}

int pins_match_sizes(struct bpf_object *obj)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	struct bpf_map *m;
	const char *path;
	int fd, err;

	bpf_object__for_each_map(m, obj) {
		path = bpf_map__pin_path(m);
		if (!path)
			continue;
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue; /* not pinned yet: the first load sizes it */
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		err = bpf_obj_get_info_by_fd(fd, &info, &len);
		close(fd);
		if (err)
			return err;
		if (info.max_entries != bpf_map__max_entries(m)) {
			err = bpf_map__set_max_entries(m, info.max_entries);
			if (err)
				return err;
		}
	}
	return 0;
}

/* The maps that a fresh load makes only after its first program is
 * attached (loader.c: load_exec_first): the largest, which that program
 * does not read. */
int pins_made_later(const char *name)
{
	return !strcmp(name, "appban_net_marks") || !strcmp(name, "appban_digest_cache");
}

/* pins_open(); `first`: those made later may be missing (their fds -1).
 * They are also missing while a fresh load is between its first exec
 * program and the rest of its engine (or if it died there): read-only,
 * their fds are -1 (status); read-write -ENOENT, as for no engine at all
 * (a fresh load then removes what is left). */
static int open_pins(struct loader *l, int read_only, int first)
{
	LIBBPF_OPTS(bpf_obj_get_opts, opts, .file_flags = read_only ? BPF_F_RDONLY : 0);
	char path[256];
	__u32 zero = 0;
	size_t i;
	int err;

	for (i = 0; i < sizeof(map_names) / sizeof(map_names[0]); i++) {
		snprintf(path, sizeof(path), APPBAN_PIN_DIR "/%s", map_names[i]);
		*loader_fd(l, i) = bpf_obj_get_opts(path, &opts);
		if (*loader_fd(l, i) < 0 && errno == ENOENT && pins_made_later(map_names[i])) {
			if (first || read_only)
				continue;
			return -ENOENT;
		}
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

int pins_open(struct loader *l, int read_only)
{
	return open_pins(l, read_only, 0);
}

int pins_open_first(struct loader *l)
{
	return open_pins(l, 0, 1);
}

/* A policy is in force when a link of it is pinned and its engine is not
 * inert: a fresh load pins its first link before it puts its bans in force,
 * and unload makes the engine inert before it removes the links (loader.c,
 * write_first_gen(); loader_unload()). So status never says nothing is loaded
 * while a ban holds; pins left inert by a load or an unload that died
 * midway enforce nothing, and a load replaces them (fresh_load()). */
static int adopt(struct loader *l, int read_only)
{
	int err;

	loader_close(l);
	if (!loader_pinned())
		return -ENOENT;
	err = pins_open(l, read_only);
	if (!err && l->state.inert)
		err = -ENOENT;
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

/* Wait until the program of a link removed is gone, at most 2 s: only
 * then has its link been released (detached). On 5.10 the pin's reference
 * is dropped after an RCU grace period and the link freed in a work queue,
 * after our close: a start right after unload was still refused. Holding
 * the program for a moment here makes our close its last reference at
 * worst. (Not needed once the engine is inert: its programs decide
 * nothing while they go.) */
#define PROG_GONE_WAIT_MS 2000

static void wait_prog_gone(__u32 id)
{
	int i, fd;

	for (i = 0; id && i < PROG_GONE_WAIT_MS; i++) {
		fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			return;
		close(fd);
		usleep(1000);
	}
	pr_info("program %u still there %d ms after unload\n", id, PROG_GONE_WAIT_MS);
}

/* Remove every pin. `inert`: the engine's programs decide nothing any more
 * (make_inert()), and a child closes the links after this returns;
 * otherwise the links are detached before it returns. */
static int remove_pins(int inert)
{
	DIR *d = opendir(APPBAN_PIN_DIR);
	struct dirent *de;
	char path[512];
	int err = 0, fd;
	__u32 progs[128], n_progs = 0, i;
	struct tp_close *tpc;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	tpc = tp_close_new(inert);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), APPBAN_PIN_DIR "/%s", de->d_name);
		fd = -1;
		if (!strncmp(de->d_name, LINK_PREFIX, strlen(LINK_PREFIX))) {
			/* Detach now: a link freed with its last pin goes later
			 * (from 6.6 or so, a pin's last reference frees the link
			 * in a work queue, after unlink() has returned; LSM and
			 * other trampoline links take no LINK_DETACH). Our
			 * descriptor, closed after the unlink, is then the last
			 * reference, and its close frees the link before it
			 * returns: once unload has returned, nothing enforces. */
			fd = bpf_obj_get(path);
			if (fd >= 0) {
				struct bpf_link_info info;
				__u32 len = sizeof(info);

				memset(&info, 0, sizeof(info));
				if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
					if (n_progs < sizeof(progs) / sizeof(progs[0]))
						progs[n_progs++] = info.prog_id;
					/* a system-call tracepoint's: closed
					 * below, with the others at once */
					if (tp_close_add(tpc, fd, &info,
							 de->d_name + strlen(LINK_PREFIX)))
						fd = -2;
				}
				if (fd >= 0 && tp_close_defer(tpc, fd))
					fd = -2;
				if (fd >= 0)
					bpf_link_detach(fd);
			}
		}
		if (unlink(path) && errno != ENOENT)
			err = -errno;
		if (fd >= 0)
			close(fd);
	}
	closedir(d);
	tp_close_finish(tpc);
	for (i = 0; !inert && i < n_progs; i++)
		wait_prog_gone(progs[i]);
	if (rmdir(APPBAN_PIN_DIR) && errno != ENOENT)
		err = -errno;
	return err;
}

/* Make the engine in force inert (appban_state.inert): 1 when it is, 0
 * when it cannot be (its state map is from an appban before the field, or
 * the write failed: the unload then detaches before it returns). */
static int make_inert(struct loader *l)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info), zero = 0;
	struct appban_state st;

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(l->state_fd, &info, &len) ||
	    info.value_size < offsetof(struct appban_state, inert) + sizeof(st.inert))
		return 0;
	if (bpf_map_lookup_elem(l->state_fd, &zero, &st))
		return 0;
	st.inert = 1;
	if (bpf_map_update_elem(l->state_fd, &zero, &st, BPF_ANY)) {
		pr_info("cannot make the engine inert (%s): its links are closed before unload "
			"returns\n",
			strerror(errno));
		return 0;
	}
	return 1;
}

int pins_make_inert(void)
{
	struct loader l;
	int inert;

	loader_init(&l);
	l.state_fd = bpf_obj_get(APPBAN_PIN_DIR "/appban_state");
	if (l.state_fd < 0)
		return 0;
	inert = make_inert(&l);
	loader_close(&l);
	return inert;
}

/* Inert first (a ban never holds once its links are no longer pinned),
 * then every link detached before it returns. */
int pins_remove(void)
{
	pins_make_inert();
	return remove_pins(0);
}

/* Leave in the guard map who unloaded, for a reader still holding it, and
 * log it: `appban unload` is the one way out of enforcement. Then make the
 * engine inert: 1 when it is (make_inert()). */
static int record_unload(void)
{
	struct loader l;
	struct appban_guard g;
	struct appban_meta meta = { 0 };
	__u32 idx = APPBAN_GUARD_SELF;
	int inert;

	loader_init(&l);
	if (loader_adopt(&l))
		return 0;
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
	inert = make_inert(&l);
	loader_close(&l);
	return inert;
}

int loader_unload(void)
{
	int err, lock, inert;

	if (sys_ensure_bpffs())
		return 0;
	lock = pins_lock();
	inert = record_unload();
	err = remove_pins(inert);
	pins_unlock(lock);
	if (err)
		pr_warn("cannot remove the pins under %s: %s\n", APPBAN_PIN_DIR, strerror(-err));
	return err;
}

/* The keys of a hash map (closed after), or -1. */
static long long count_entries(int fd)
{
	struct appban_inode_key k, next;
	long long n = 0;
	void *prev = NULL;

	if (fd < 0)
		return -1;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		n++;
	}
	close(fd);
	return n;
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
	st->inode_rules = count_entries(genmap_fd(l->inode_fd, gen));
	return 0;
}

int loader_events_state(struct loader *l, struct appban_state *state, struct appban_meta *meta,
			__u64 *events_lost)
{
	int ncpu = libbpf_num_possible_cpus();
	__u32 zero = 0, gen, i = APPBAN_CNT_EVENTS_LOST;
	__u64 small[64] = { 0 }, *vals = small;
	int c, err = 0;

	/* (zeroed first: tools such as valgrind do not see what bpf() writes) */
	memset(state, 0, sizeof(*state));
	memset(meta, 0, sizeof(*meta));
	if (bpf_map_lookup_elem(l->state_fd, &zero, state))
		return -errno;
	gen = state->active_gen & 1;
	if (bpf_map_lookup_elem(l->meta_fd, &gen, meta))
		return -errno;
	*events_lost = 0;
	if (ncpu <= 0)
		return ncpu;
	/* (a per-CPU value: one per possible CPU) */
	if (ncpu > (int)(sizeof(small) / sizeof(small[0])) && !(vals = calloc(ncpu, sizeof(*vals))))
		return -ENOMEM;
	if (bpf_map_lookup_elem(l->counters_fd, &i, vals))
		err = -errno;
	for (c = 0; !err && c < ncpu; c++)
		*events_lost += vals[c];
	if (vals != small)
		free(vals);
	return err;
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
