// SPDX-License-Identifier: GPL-2.0
/* Engine load and attach: the skeletons' objects, opened from the bytes
 * embedded in this binary, the fresh load or the swap that loader_load()
 * chooses. */
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
#include "fallback_compat.skel.h"
#include "first_fallback.skel.h"
#include "first_fallback_compat.skel.h"
#include "first_lsm.skel.h"
#include "first_lsm_compat.skel.h"
#include "kernel/kinode.h"
#include "policy/allow.h"
#include "kernel/features.h"
#include "kernel/genmap.h"
#include "kernel/loader.h"
#include "kernel/mapbatch.h"
#include "util/log.h"
#include "lsm.skel.h"
#include "lsm_compat.skel.h"
#include "util/clock.h"
#include "kernel/loader_int.h"

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
		/* The kernel's ENOTSUPP (524), which strerror() does not know:
		 * the programs load but cannot attach. arm64 reaches kernel
		 * functions from BPF trampolines through ftrace direct calls,
		 * which it has from Linux 6.4 only. */
		if (st->probe_err == 524)
			snprintf(
				buf, len,
				"the kernel cannot attach BPF LSM programs (ENOTSUPP: no BPF "
				"trampolines to kernel functions here; arm64 has them from Linux 6.4)");
		else
			snprintf(buf, len, "the kernel refused the BPF LSM programs: %s",
				 strerror(st->probe_err));
		break;
	default:
		snprintf(buf, len, "unknown");
	}
}

/* The program that kills a child whose network mark was lost at its fork
 * (bpf/common.bpf.h): where the kernel cannot attach it (no BPF
 * trampolines), the load goes on without it (fork_kill_lost()). */
#define FORK_KILL_PROG "appban_fork_child"
/* A fresh load's first program, alone (load_exec_first). */
#define EXEC_FIRST_PROG "appban_exec_first"
/* The fallback engine's programs at the child's return from fork (x86) */
#define FORK_RETURN_PREFIX "appban_sys_exit_"

static int is_fork_return(const char *name)
{
	static const char *const calls[] = { "clone", "clone3", "fork", "vfork" };
	size_t i, n = strlen(FORK_RETURN_PREFIX);

	if (strncmp(name, FORK_RETURN_PREFIX, n))
		return 0;
	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		if (!strcmp(name + n, calls[i]))
			return 1;
	return 0;
}

/* The features once appban_fork_child is out: whether a lost child is still
 * killed (at its return from fork: the fallback engine on x86, unless a
 * test took those programs out too) or only refused the network. */
static __u32 fork_kill_lost(__u32 features, enum appban_engine engine)
{
	const char *test = getenv("APPBAN_TEST_NO_FORK_KILL");
	int fork_return = engine == APPBAN_ENGINE_FALLBACK &&
			  !(features & APPBAN_FEAT_NO_SYSCALL_TP) &&
			  (!(test && !strcmp(test, "1")) || (features & APPBAN_FEAT_RAW_SYSCALLS));

#if defined(__aarch64__)
	fork_return = 0; /* arm64's ret_from_fork passes no sys_exit tracepoint */
#endif
	return features | APPBAN_FEAT_NO_FORK_FEXIT | (fork_return ? 0 : APPBAN_FEAT_NO_FORK_KILL);
}

/* For tests only, APPBAN_TEST_ATTACH_PAUSE_MS=N: a fresh load pauses N ms
 * after the attach of each program that bans starts (the first exec
 * program, the exec program), as the kernel can itself between running a
 * program and returning from its attach (write_first_gen). */
static void test_attach_pause(const char *prog)
{
	const char *test = getenv("APPBAN_TEST_ATTACH_PAUSE_MS");
	long ms = test ? strtol(test, NULL, 10) : 0;

	if (ms > 0 && (!strcmp(prog, EXEC_FIRST_PROG) || !strcmp(prog, "appban_exec")))
		usleep((useconds_t)ms * 1000);
}

/* Attach and pin every program of `obj` to load; *features gets the
 * APPBAN_FEAT_* of what could not be attached without failing the load. */
/* Programs of one code at several system calls' tracepoints
 * (bpf/fallback.bpf.c: the script check at the returns of the three opens,
 * the rename check at the three renames', the fork check at the four
 * forks'): the first of each pair is left out and the second, loaded,
 * attached at its tracepoint too, so that the verifier sees that code once
 * (the script check ~50 ms a copy on this machine, ten times that under a
 * VM's emulation). The link keeps the name of the program left out. The
 * tracepoints' records are alike (a sys_exit's: number, return value). */
static const char *const tp_twins[][2] = {
	{ "appban_sys_exit_open", "appban_sys_exit_openat" },
	{ "appban_sys_exit_openat2", "appban_sys_exit_openat" },
	{ "appban_sys_exit_rename", "appban_sys_exit_renameat2" },
	{ "appban_sys_exit_renameat", "appban_sys_exit_renameat2" },
	{ "appban_sys_exit_clone3", "appban_sys_exit_clone" },
	{ "appban_sys_exit_fork", "appban_sys_exit_clone" },
	{ "appban_sys_exit_vfork", "appban_sys_exit_clone" },
};
#define N_TP_TWINS (sizeof(tp_twins) / sizeof(tp_twins[0]))

/* Leave out the first of each pair of tp_twins whose both programs `obj`
 * would load; the bits of those pairs (for attach_all()). */
static __u32 share_twins(struct bpf_object *obj)
{
	__u32 shared = 0;
	size_t i;

	for (i = 0; i < N_TP_TWINS; i++) {
		struct bpf_program *t = bpf_object__find_program_by_name(obj, tp_twins[i][0]);
		struct bpf_program *p = bpf_object__find_program_by_name(obj, tp_twins[i][1]);

		if (t && p && bpf_program__autoload(t) && bpf_program__autoload(p)) {
			bpf_program__set_autoload(t, false);
			shared |= 1U << i;
		}
	}
	return shared;
}

/* Pin `link` as the link of program `name`, then drop our reference (the
 * pin holds it). */
static int pin_link(struct bpf_link *link, const char *name)
{
	char path[256];
	int err;

	snprintf(path, sizeof(path), APPBAN_PIN_DIR "/" LINK_PREFIX "%s", name);
	err = bpf_link__pin(link, path);
	bpf_link__destroy(link);
	if (err)
		pr_warn("cannot pin %s: %s\n", path, strerror(-err));
	return err;
}

/* Attach the loaded programs of `obj` and pin their links; `shared`: the
 * tp_twins attached through their twin (share_twins()). */
static int attach_all(struct bpf_object *obj, int cg_fd, __u32 shared, __u32 *features)
{
	struct bpf_program *prog;
	size_t i;

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
		if (!link && !strcmp(bpf_program__name(prog), FORK_KILL_PROG)) {
			pr_info("cannot attach %s: %s\n", FORK_KILL_PROG,
				errno == 524 ? "ENOTSUPP" : strerror(errno));
			*features |= APPBAN_FEAT_NO_FORK_FEXIT;
			continue;
		}
		if (!link) {
			err = -errno;
			pr_info("cannot attach %s: %s\n", bpf_program__name(prog), strerror(errno));
			return err;
		}
		test_attach_pause(bpf_program__name(prog));
		err = pin_link(link, bpf_program__name(prog));
		if (err)
			return err;
	}
	for (i = 0; i < N_TP_TWINS; i++) {
		struct bpf_program *t = bpf_object__find_program_by_name(obj, tp_twins[i][0]);
		struct bpf_program *p = bpf_object__find_program_by_name(obj, tp_twins[i][1]);
		const char *sec = t ? bpf_program__section_name(t) : NULL;
		struct bpf_link *link;
		int err;

		if (!(shared & (1U << i)))
			continue;
		if (!p || !sec || strncmp(sec, "tp/syscalls/", 12))
			return -EINVAL;
		link = bpf_program__attach_tracepoint(p, "syscalls", sec + 12);
		if (!link) {
			err = -errno;
			pr_info("cannot attach %s at %s: %s\n", bpf_program__name(p), sec + 3,
				strerror(errno));
			return err;
		}
		err = pin_link(link, tp_twins[i][0]);
		if (err)
			return err;
	}
	return 0;
}

/* What a ban on starts needs, put in force first: a first load verifies
 * some fifty programs (half a second); these take some 40 ms (the lsm
 * engine's exec_begin/committed put an exec's network mark in force once
 * the exec has succeeded). The rest (network, the dynamic loader, scripts,
 * tamper reports) follows. */
static const char *const first_progs[] = { "appban_exec",	    "appban_fork",
					   "appban_fork_child",	    "appban_free",
					   "appban_exit",	    "appban_exec_begin",
					   "appban_exec_committed", "appban_exit_pending",
					   "appban_exit_script" };

static int is_first(const struct bpf_program *p)
{
	size_t i;

	for (i = 0; i < sizeof(first_progs) / sizeof(first_progs[0]); i++)
		if (!strcmp(bpf_program__name(p), first_progs[i]))
			return 1;
	return 0;
}

/* Entries of appban_net_marks: one per task the kernel allows
 * (kernel.threads-max), so that no number of processes can fill it. For
 * tests only, APPBAN_TEST_NET_MARKS=N makes it N. */
static __u32 net_marks_size(void)
{
	const char *test = getenv("APPBAN_TEST_NET_MARKS");
	unsigned long n = 0;
	FILE *f;

	if (test && *test)
		return (__u32)strtoul(test, NULL, 10);
	f = fopen("/proc/sys/kernel/threads-max", "re");
	if (f) {
		if (fscanf(f, "%lu", &n) != 1)
			n = 0;
		fclose(f);
	}
	if (n < APPBAN_MAX_NET_MARKS)
		n = APPBAN_MAX_NET_MARKS;
	return n > (1UL << 30) ? 1U << 30 : (__u32)n;
}

/* A syscall tracepoint of `sec` ("tp/syscalls/sys_enter_open") that this
 * kernel does not have: the syscall does not exist on this architecture
 * (arm64 has no open, unlink, rmdir, rename: only their *at forms), so there
 * is nothing to watch. 0 when it exists or tracefs cannot tell. */
static int syscall_tracepoint_absent(const char *sec)
{
	static const char *const roots[] = { "/sys/kernel/tracing/events",
					     "/sys/kernel/debug/tracing/events" };
	char path[256];
	size_t i;

	if (strncmp(sec, "tp/syscalls/", 12))
		return 0;
	for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		if (access(roots[i], F_OK))
			continue;
		snprintf(path, sizeof(path), "%s/%s", roots[i], sec + 3);
		return access(path, F_OK) != 0;
	}
	return 0;
}

/* The fallback engine's raw sys_enter/sys_exit programs (bpf/fallback.bpf.c):
 * they run the checks of its syscall tracepoint programs where those cannot
 * stay attached. A syscall tracepoint program stays attached after the
 * loader has gone only through a pinned BPF link, which a perf event has
 * from 5.15 (BPF_LINK_TYPE_PERF_EVENT); before, libbpf's attachment is the
 * perf event's descriptor, which cannot be pinned, while a raw tracepoint's
 * is a link. Elsewhere the tracepoints stay: the raw programs would run at
 * every system call of the device. For tests only, APPBAN_TEST_RAWTP=1
 * takes the raw programs on any kernel. */
#define RAW_PROG_PREFIX "appban_raw_sys_"

static int raw_syscalls(void)
{
	const char *test = getenv("APPBAN_TEST_RAWTP");

	if (test && !strcmp(test, "1"))
		return 1;
	return kernel_has_enum_value("bpf_link_type", "BPF_LINK_TYPE_PERF_EVENT") <= 0;
}

/* Whether to load the program that kills a child whose network mark was
 * lost at its fork: where the kernel runs a program at the return of
 * schedule_tail(), which every new task runs first (a BPF trampoline: not
 * on arm64 before 6.4, nor where the kernel refuses tracing programs). For
 * tests only, APPBAN_TEST_NO_FORK_KILL=1 leaves it out, and the fallback
 * engine's programs at the return from fork with it (not the raw sys_exit
 * program's case), as on arm64 without trampolines. */
static int fork_fexit(void)
{
	const char *test = getenv("APPBAN_TEST_NO_FORK_KILL");
	int err;

	if (test && !strcmp(test, "1"))
		return 0;
	err = sys_fexit_probe("schedule_tail");
	if (err)
		pr_info("no program at the return of schedule_tail here (%s)\n",
			err == -524 ? "ENOTSUPP" : strerror(-err));
	return !err;
}

/* Content hashing in the kernel where it has IMA (lsm engine). */
static int engine_ima(enum appban_engine engine)
{
	return engine == APPBAN_ENGINE_LSM && sys_has_ima() && sys_ima_hashes_sha256();
}

/* io_uring's submission tracepoint with the request: its new name (1), 5.19
 * to 6.1 under its old name (2); 0: none (or not the fallback engine). */
static int engine_uring(enum appban_engine engine)
{
	return engine != APPBAN_ENGINE_FALLBACK				 ? 0 :
	       sys_tp_takes("btf_trace_io_uring_submit_req", "io_kiocb") ? 1 :
	       sys_tp_takes("btf_trace_io_uring_submit_sqe", "io_kiocb") ? 2 :
									   0;
}

/* What a fresh load decides at its first phase: the kernel's hashing and
 * the features of this kernel for `engine`, into st (load_engine() may
 * take the raw programs back later). */
static void first_state(enum appban_engine engine, struct appban_state *st)
{
	int uring = engine_uring(engine), raw = engine == APPBAN_ENGINE_FALLBACK && raw_syscalls();

	st->khash = engine_ima(engine) ? APPBAN_KHASH_IMA : APPBAN_KHASH_NONE;
	st->features = (uring ? APPBAN_FEAT_URING : 0) |
		       (kernel_compat() ? APPBAN_FEAT_COMPAT : 0) |
		       (raw ? APPBAN_FEAT_RAW_SYSCALLS : 0) |
		       (uring && sys_uring_file_table_known() ? APPBAN_FEAT_URING_FIXED : 0) |
		       (uring && sys_uring_splice_known() ? APPBAN_FEAT_URING_SPLICE : 0);
	if (!fork_fexit())
		st->features = fork_kill_lost(st->features, engine);
	if (raw)
		pr_info("syscall tracepoints: %s: the checks made at system calls run in "
			"one raw sys_enter and one raw sys_exit program\n",
			kernel_has_enum_value("bpf_link_type", "BPF_LINK_TYPE_PERF_EVENT") > 0 ?
				"APPBAN_TEST_RAWTP=1" :
				"no BPF link for a perf event on this kernel (5.15)");
}

/* An object of this binary, opened with its maps pinned by name in
 * APPBAN_PIN_DIR. */
static struct bpf_object *open_object(const void *bytes, size_t sz, const char *name)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = APPBAN_PIN_DIR,
		    .object_name = name);

	return bpf_object__open_mem(bytes, sz, &opts);
}

/* The object of a fresh load's first program (bpf/first_lsm.bpf.c): that
 * program and the functions it calls, a few ms to open and relocate
 * against the engine's 40. */
static struct bpf_object *open_first(enum appban_engine engine)
{
	int compat = kernel_compat();
	struct bpf_object *obj;
	const void *bytes;
	size_t sz;

	if (engine == APPBAN_ENGINE_LSM)
		bytes = compat ? first_lsm_compat_bpf__elf_bytes(&sz) :
				 first_lsm_bpf__elf_bytes(&sz);
	else
		bytes = compat ? first_fallback_compat_bpf__elf_bytes(&sz) :
				 first_fallback_bpf__elf_bytes(&sz);
	obj = open_object(bytes, sz, "appban_first");
	if (obj && pins_match_sizes(obj)) {
		bpf_object__close(obj);
		return NULL;
	}
	return obj;
}

/* One engine's object, opened from the bytes in this binary, with the
 * programs of this phase (first or not) to load. */
static struct bpf_object *open_engine(enum appban_engine engine, int first, struct appban_state *st)
{
	struct bpf_program *p;
	struct bpf_object *obj;
	const void *bytes;
	size_t sz;
	int ima, uring, raw, no_tp, compat = kernel_compat();

	/* The compat objects where the kernel lacks a feature of 5.17. */
	if (engine == APPBAN_ENGINE_LSM)
		bytes = compat ? lsm_compat_bpf__elf_bytes(&sz) : lsm_bpf__elf_bytes(&sz);
	else
		bytes = compat ? fallback_compat_bpf__elf_bytes(&sz) : fallback_bpf__elf_bytes(&sz);
	obj = open_object(bytes, sz,
			  engine == APPBAN_ENGINE_LSM ? "appban_lsm" : "appban_fallback");
	if (!obj)
		return NULL;
	if (bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "appban_net_marks"),
				     net_marks_size()) ||
	    /* the compat objects' script windows: a hash map, as large */
	    (compat && engine == APPBAN_ENGINE_FALLBACK &&
	     bpf_map__set_max_entries(bpf_object__find_map_by_name(obj, "appban_scripts"),
				      net_marks_size())) ||
	    pins_match_sizes(obj)) {
		bpf_object__close(obj);
		return NULL;
	}
	ima = engine_ima(engine);
	uring = engine_uring(engine);
	/* Decided before the first phase (first_state()); load_engine() may
	 * take the raw programs back. */
	raw = engine == APPBAN_ENGINE_FALLBACK && (st->features & APPBAN_FEAT_RAW_SYSCALLS);
	no_tp = engine == APPBAN_ENGINE_FALLBACK && (st->features & APPBAN_FEAT_NO_SYSCALL_TP);
	bpf_object__for_each_program(p, obj) {
		const char *name = bpf_program__name(p);
		int content = !strcmp(name, "appban_exec_content") ||
			      !strcmp(name, "appban_mmap_content");
		int uring_off = (!strcmp(name, "appban_uring_submit") && uring != 1) ||
				(!strcmp(name, "appban_uring_submit_sqe") && uring != 2);
		int raw_prog = !strncmp(name, RAW_PROG_PREFIX, strlen(RAW_PROG_PREFIX));

		int fork_kill_off =
			(!strcmp(name, FORK_KILL_PROG) &&
			 (st->features & APPBAN_FEAT_NO_FORK_FEXIT)) ||
			(is_fork_return(name) && (st->features & APPBAN_FEAT_NO_FORK_KILL));

		if ((content && !ima) || uring_off || is_first(p) != first || (raw_prog && !raw) ||
		    fork_kill_off)
			bpf_program__set_autoload(p, false);
		else if (raw && !strncmp(bpf_program__section_name(p), "tp/", 3))
			bpf_program__set_autoload(p, false); /* the raw programs run its check */
		else if (no_tp && !strncmp(bpf_program__section_name(p), "tp/", 3)) {
			pr_info("%s: no BPF link for a tracepoint on this kernel (5.15): %s not loaded\n",
				bpf_program__section_name(p) + 3, name);
			bpf_program__set_autoload(p, false);
		} else if (syscall_tracepoint_absent(bpf_program__section_name(p))) {
			pr_info("no %s on this kernel (a syscall this architecture lacks): %s not loaded\n",
				bpf_program__section_name(p) + 3, name);
			bpf_program__set_autoload(p, false);
		}
	}
	return obj;
}

/* The maps of `obj` that are not pinned (its .bss, per-CPU buffers) are
 * those of `first`: both objects' programs share them. */
static int share_unpinned_maps(struct bpf_object *obj, struct bpf_object *first)
{
	struct bpf_map *m, *f;
	int err;

	bpf_object__for_each_map(m, obj) {
		if (bpf_map__pin_path(m))
			continue;
		f = bpf_object__find_map_by_name(first, bpf_map__name(m));
		if (!f)
			return -ENOENT;
		err = bpf_map__reuse_fd(m, bpf_map__fd(f));
		if (err)
			return err;
	}
	return 0;
}

/* Write `c` as generation 0 of a fresh load into the maps that l has open,
 * with the state `st` but inert, and say who appban is. Inert, the engine
 * decides nothing: its first links are attached and pinned, and only then
 * does go_live() put its bans in force. The kernel may run a program before
 * its attach has returned (a 6.1 guest: a start refused, then a status
 * started after it found no link pinned), and status sees a policy only
 * once a link of it is pinned (pins.c, adopt()): a ban never holds before
 * status says loaded. */
static int write_first_gen(struct loader *l, enum appban_engine engine,
			   const struct compiled_policy *c, struct appban_state *st)
{
	struct appban_state inert;
	__u32 zero = 0;
	int err;

	st->active_gen = 0;
	st->engine = engine;
	st->inert = 0;
	inert = *st;
	inert.inert = 1;
	err = gens_write(l, 0, c, st->khash);
	if (!err && bpf_map_update_elem(l->state_fd, &zero, &inert, BPF_ANY))
		err = -errno;
	if (!err)
		err = gens_bump_epoch(l);
	if (err)
		return err;
	l->state = inert;
	return guard_write_self(l);
}

/* The first links are pinned: the engine's bans in force (write_first_gen). */
static int go_live(struct loader *l, const struct appban_state *st)
{
	__u32 zero = 0;

	if (bpf_map_update_elem(l->state_fd, &zero, st, BPF_ANY))
		return -errno;
	l->state = *st;
	return 0;
}

/* A fresh load's first program (bpf/decide.h: exec_first_refuses): the
 * exec program and the maps it reads take the kernel some 150 ms to verify
 * and make (the network marks, an entry for every task the kernel allows;
 * the 32,768-entry digest cache); this one, alone with the policy's maps,
 * a few ms. Loaded, the policy written into its maps (l open on them, the
 * maps made later at -1, the engine inert), attached, its link pinned (so
 * that status sees the policy), and only then the engine live: its link,
 * which the caller retires once appban_exec is attached; an exec in the
 * microseconds between the two may be refused and reported twice. NULL
 * when it could not be: nothing of it is left, and the ban comes with
 * appban_exec. */
static struct bpf_link *load_exec_first(struct loader *l, enum appban_engine engine,
					const struct compiled_policy *c, struct appban_state *st)
{
	struct bpf_object *obj;
	struct bpf_link *link = NULL;
	struct bpf_map *m;
	int err;

	obj = open_first(engine);
	if (!obj)
		return NULL;
	bpf_object__for_each_map(m, obj)
		if (pins_made_later(bpf_map__name(m)) ||
		    (!bpf_map__pin_path(m) && !bpf_map__is_internal(m)))
			bpf_map__set_autocreate(m, false);
	err = bpf_object__load(obj);
	if (!err)
		err = pins_open_first(l);
	if (!err)
		err = write_first_gen(l, engine, c, st);
	if (!err) {
		link = bpf_program__attach(bpf_object__find_program_by_name(obj, EXEC_FIRST_PROG));
		if (!link)
			err = -errno;
		else
			test_attach_pause(EXEC_FIRST_PROG);
	}
	if (!err)
		err = bpf_link__pin(link, APPBAN_PIN_DIR "/" LINK_PREFIX EXEC_FIRST_PROG);
	if (!err)
		err = go_live(l, st);
	if (err) {
		pr_info("the first exec program was not loaded (%s): the ban comes with the "
			"whole exec program\n",
			strerror(-err));
		bpf_link__destroy(link);
		link = NULL;
		loader_close(l);
		pins_remove();
		mkdir(APPBAN_PIN_DIR, 0700);
	}
	bpf_object__close(obj); /* (the link holds its program) */
	return link;
}

/* For tests only, APPBAN_TEST_NO_EXEC_FIRST=1: a fresh load without its
 * first exec program, in two phases, as where the kernel refuses it. */
static int exec_first_off(void)
{
	const char *test = getenv("APPBAN_TEST_NO_EXEC_FIRST");

	return test && !strcmp(test, "1");
}

/* The first exec program goes: its pin, then its link. */
static void retire_exec_first(struct bpf_link *first)
{
	if (!first)
		return;
	unlink(APPBAN_PIN_DIR "/" LINK_PREFIX EXEC_FIRST_PROG);
	bpf_link__destroy(first);
}

/* Load one engine, write `c` as generation 0, attach, pin: first the
 * program that refuses a start of a file banned by its path or its known
 * content (load_exec_first), then what a ban on starts needs (in force as
 * soon as it is attached: the exec program, which matches every kind of
 * rule), then the rest. On any failure nothing of it stays behind. */
static int load_engine(struct loader *l, enum appban_engine engine, const struct compiled_policy *c,
		       struct appban_state *st)
{
	struct bpf_object *obj, *rest = NULL;
	struct bpf_link *first;
	__u32 zero = 0, skipped = 0, twins = 0;
	int err, cg_fd = -1;

	/* LSM programs attach even where "bpf" is not an active LSM, and then
	 * never run: that would be a policy in force on paper only. */
	if (engine == APPBAN_ENGINE_LSM && !sys_lsm_active())
		return -EOPNOTSUPP;
	if (engine == APPBAN_ENGINE_FALLBACK)
		sys_ensure_tracefs();
	first_state(engine, st);
	first = exec_first_off() ? NULL : load_exec_first(l, engine, c, st);
	obj = open_engine(engine, 1, st);
	if (!obj) {
		err = -errno;
		goto out;
	}
	sys_load_overlay();
	if (!sys_has_overlay_btf())
		st->features |= APPBAN_FEAT_NO_OVERLAY;
	err = bpf_object__load(obj);
	if (err)
		goto out;
	if (engine == APPBAN_ENGINE_FALLBACK) {
		cg_fd = sys_cgroup2_root();
		if (cg_fd < 0) {
			err = cg_fd;
			goto out;
		}
	}
	if (first) {
		/* the policy is written: open the maps made since, and the
		 * state of this phase (the overlay's feature) */
		loader_close(l);
		err = pins_open(l, 0);
		if (!err && bpf_map_update_elem(l->state_fd, &zero, st, BPF_ANY))
			err = -errno;
		if (!err)
			l->state = *st;
	} else {
		err = pins_open(l, 0);
		if (!err)
			err = write_first_gen(l, engine, c, st);
	}
	if (!err)
		err = attach_all(obj, cg_fd, 0, &skipped);
	if (!err && !first)
		err = go_live(l, st);
	if (err)
		goto out;
	/* appban_exec is attached and pinned: the first retires */
	retire_exec_first(first);
	first = NULL;
	if (skipped & ~st->features) {
		st->features = fork_kill_lost(st->features, engine);
		l->state.features = st->features;
		err = bpf_map_update_elem(l->state_fd, &zero, st, BPF_ANY) ? -errno : 0;
	}
	/* The epoch once more: the rules are in force only from here
	 * (loader_inode_rule_since). */
	if (!err)
		err = gens_bump_epoch(l);
	if (err)
		goto out;
	/* Starts are banned from here on; the rest of the engine follows. */
	rest = open_engine(engine, 0, st);
	if (!rest) {
		err = -errno;
		goto out;
	}
	twins = share_twins(rest);
	err = share_unpinned_maps(rest, obj);
	if (!err)
		err = bpf_object__load(rest);
	if (err && (st->features & APPBAN_FEAT_RAW_SYSCALLS)) {
		/* A verifier not tried here may refuse the raw programs (two
		 * large ones): rather than no engine at all, the engine
		 * without its checks at system calls, which status lists as
		 * open. If another program was refused, this fails again. */
		pr_warn("the kernel refused a program (%s); loading again without the raw "
			"syscall programs: the checks made at system calls are off (appban "
			"status lists them)\n",
			strerror(-err));
		bpf_object__close(rest);
		st->features = (st->features & ~APPBAN_FEAT_RAW_SYSCALLS) |
			       APPBAN_FEAT_NO_SYSCALL_TP;
		if (st->features & APPBAN_FEAT_NO_FORK_FEXIT)
			st->features = fork_kill_lost(st->features, engine);
		l->state.features = st->features;
		err = bpf_map_update_elem(l->state_fd, &zero, st, BPF_ANY) ? -errno : 0;
		rest = err ? NULL : open_engine(engine, 0, st);
		if (!err && !rest)
			err = -errno;
		if (!err)
			twins = share_twins(rest);
		if (!err)
			err = share_unpinned_maps(rest, obj);
		if (!err)
			err = bpf_object__load(rest);
	}
	if (!err)
		err = attach_all(rest, cg_fd, twins, &skipped);
out:
	/* Inert first: nothing of it decides while its links go, the pinned
	 * ones and the first's (status says nothing loaded from then on). */
	if (err)
		pins_make_inert();
	retire_exec_first(first);
	if (err) {
		loader_close(l);
		pins_remove();
		mkdir(APPBAN_PIN_DIR, 0700);
	}
	if (cg_fd >= 0)
		close(cg_fd);
	bpf_object__close(rest);
	bpf_object__close(obj);
	return err;
}

static int fresh_load(struct loader *l, const struct compiled_policy *c, enum appban_engine force)
{
	struct appban_state st = { 0 };
	char missing[768];
	int err;

	/* A kernel without these refuses both engines with a bare EINVAL:
	 * name what it lacks instead. Without BTF at all, the load fails and
	 * says so itself. */
	if (kernel_missing(missing, sizeof(missing)) > 0) {
		pr_warn("this kernel lacks what appban needs: %s; appban needs Linux " APPBAN_MIN_KERNEL
			" or later (or these backported)\n",
			missing);
		return -EOPNOTSUPP;
	}
	/* Older kernels load the compat objects: say what is weaker there. */
	if (kernel_lacks(missing, sizeof(missing)) > 0)
		pr_warn("this kernel lacks %s: appban loads its compat programs, and some protections "
			"are weaker (appban status lists them; all of them hold from Linux " APPBAN_FULL_KERNEL
			")\n",
			missing);
	pins_remove(); /* maps left by a load that never attached */
	if (mkdir(APPBAN_PIN_DIR, 0700) && errno != EEXIST)
		return -errno;
	if (force != APPBAN_ENGINE_NONE) {
		st.engine_reason = APPBAN_REASON_FORCED;
		err = load_engine(l, force, c, &st);
		if (err)
			pr_warn("cannot load the %s engine: %s%s\n", engine_str(force),
				err == -524 ? "ENOTSUPP" : strerror(-err),
				force == APPBAN_ENGINE_LSM && !sys_lsm_active() ?
					" (BPF LSM is not active: add \"bpf\" to lsm= on the kernel command line)" :
				force == APPBAN_ENGINE_LSM && err == -524 ?
					" (the kernel cannot attach BPF LSM programs: no BPF trampolines to kernel functions here; arm64 has them from Linux 6.4)" :
					"");
		goto out;
	}
	if (sys_lsm_active()) {
		err = sys_lsm_probe();
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
	err = sys_ensure_bpffs();
	if (err)
		return err;
	lock = pins_lock();
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
	err = gens_swap(l, c);
out:
	pins_unlock(lock);
	return err;
}
