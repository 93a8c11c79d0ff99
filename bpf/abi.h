/* SPDX-License-Identifier: GPL-2.0 */
/* Everything that crosses the kernel/user boundary: map keys and values, the
 * event record, enums. Fixed-width types only; included by both sides. */
#ifndef __APPBAN_ABI_H
#define __APPBAN_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define APPBAN_ABI_VERSION 1

/* Two generations of every policy map: the loader fills the inactive one,
 * flips `state.active_gen`, then clears the old one. */
#define APPBAN_GENS 2
#define APPBAN_NAME_LEN 256 /* a base name: NAME_MAX + NUL */
#define APPBAN_APP_NAME_LEN 64 /* NAME of the policy language + NUL */
/* An exception's name: NAME, or LAYER/NAME for one from an exceptions file
 * (docs/policy.md, "Exception files"), + NUL. */
#define APPBAN_ALLOW_NAME_LEN 128
/* Limits of one policy. The kernel maps of a generation are made at the size
 * its policy needs (user/kernel/genmap.c); these only bound what a policy
 * may ask for (docs/policy.md, "Limits"). */
#define APPBAN_MAX_APPS (1 << 20)
#define APPBAN_MAX_INODE_RULES (1 << 24) /* path, dir, flatpak, snap, found files */
#define APPBAN_MAX_DIRENT_RULES (1 << 24) /* path rules: parent and base name */
#define APPBAN_MAX_NAME_RULES (1 << 24)
#define APPBAN_MAX_DIGEST_RULES (1 << 24) /* sha256 identifiers */
#define APPBAN_MAX_NET_MARKS 65536 /* processes under a network ban (the loader sizes it) */
/* Children whose network mark could not be written at their fork, not yet
 * killed (bpf/verdict.h): room taken at load, none needed at a fork. */
#define APPBAN_MAX_NET_LOST 1024
#define APPBAN_DIGEST_CACHE 32768 /* executables whose digest the kernel remembers */
#define APPBAN_MAX_ANCESTORS 1024 /* dentries walked up from an executable */
/* ... by the compat objects (no bpf_loop(): bpf/compat.h); a file with more
 * directories above it is refused as if a dir rule named it. */
#define APPBAN_COMPAT_MAX_ANCESTORS 128
#define APPBAN_MAX_ALLOWS 65536 /* allow blocks in one policy */
#define APPBAN_MAX_EXC_ENTRIES (1 << 24) /* (app, user or group) pairs in one policy */
/* Supplementary groups of a process that an exception looks at: a member
 * of a group listed further down its (sorted) list is not recognised. */
#define APPBAN_MAX_SUPP_GROUPS 128
#define APPBAN_RINGBUF_SIZE (4 << 20)

enum appban_engine {
	APPBAN_ENGINE_NONE = 0,
	APPBAN_ENGINE_LSM = 1,
	APPBAN_ENGINE_FALLBACK = 2,
};

enum appban_action {
	APPBAN_ACTION_NONE = 0,
	APPBAN_ACTION_DENY_EXEC = 1,
	APPBAN_ACTION_DENY_NETWORK = 2,
	APPBAN_ACTION_AUDIT = 3,
};

/* How strong an action is: when several rules match one file, the
 * strongest wins (kernel identity.h and user space check.c alike). */
static inline __attribute__((always_inline)) int appban_action_rank(__u8 action)
{
	switch (action) {
	case APPBAN_ACTION_DENY_EXEC:
		return 3;
	case APPBAN_ACTION_DENY_NETWORK:
		return 2;
	case APPBAN_ACTION_AUDIT:
		return 1;
	}
	return 0;
}

enum appban_match {
	APPBAN_MATCH_NONE = 0,
	APPBAN_MATCH_PATH = 1,
	APPBAN_MATCH_DIR = 2,
	APPBAN_MATCH_SHA256 = 3,
	APPBAN_MATCH_NAME = 4,
	APPBAN_MATCH_FLATPAK = 5,
	APPBAN_MATCH_SNAP = 6,
	APPBAN_MATCH_FILELESS = 7, /* an anonymous or deleted file (memfd_create) */
};

/* Rules on a directory, matched by the ancestor walk: dir, and what
 * flatpak and snap identifiers compile to. */
#define APPBAN_MATCH_IS_DIR(m) \
	((m) == APPBAN_MATCH_DIR || (m) == APPBAN_MATCH_FLATPAK || (m) == APPBAN_MATCH_SNAP)

/* No app: an event about the policy as a whole (fileless exec). */
#define APPBAN_NO_APP 0xffffffffu

enum appban_mode {
	APPBAN_MODE_ENFORCE = 0,
	APPBAN_MODE_MONITOR = 1,
};

/* state map, single entry: written by the loader, read by every program. */
struct appban_state {
	__u32 active_gen; /* 0 or 1: the only field a swap changes */
	__u32 engine; /* enum appban_engine */
	__u32 engine_reason; /* enum appban_engine_reason */
	__s32 probe_err; /* errno of the refused LSM load, when that was the reason */
	__u32 khash; /* enum appban_khash: how sha256 rules are checked */
	__u32 features; /* APPBAN_FEAT_*: what this kernel let the engine load */
	/* 1 from `appban unload` on: every program allows, marks nothing and
	 * guards nothing, before its links are closed (which takes the kernel
	 * seconds on the lsm engine: the unload hands them to a child). Pins of
	 * an appban from before this field have a shorter value: their unload
	 * closes the links before it returns (user/kernel/pins.c). */
	__u32 inert;
};

/* appban_state.features */
#define APPBAN_FEAT_URING 0x1 /* fallback: io_uring requests on passed sockets are seen */
/* The compat objects are in force (a kernel without the BPF features of
 * 5.17: bpf/compat.h); status names what is weaker. */
#define APPBAN_FEAT_COMPAT 0x2
/* No BTF for overlayfs (a module, and a kernel before 5.11 or without
 * CONFIG_DEBUG_INFO_BTF_MODULES): the files behind an overlay are not
 * looked up, only the overlay's own (bpf/identity.h). */
#define APPBAN_FEAT_NO_OVERLAY 0x4
/* fallback: no syscall program is attached: the mmap, script,
 * passed-socket and tamper checks made at syscalls are off (status says
 * which). A kernel before 5.15 has no BPF link for a perf event, which a
 * pin could keep attached once the loader is gone; the raw programs below
 * stand in there, and this is set only where the kernel refused them (or by
 * an appban from before them, whose pins a newer one adopts). */
#define APPBAN_FEAT_NO_SYSCALL_TP 0x8
/* fallback: those checks run in one raw sys_enter and one raw sys_exit
 * program, switching on the syscall's number, instead of a tracepoint
 * program per syscall (a kernel before 5.15: see above). */
#define APPBAN_FEAT_RAW_SYSCALLS 0x10
/* A child whose network mark could not be written at its fork is killed
 * before its first instruction at its first run (appban_fork_child, at the
 * return of schedule_tail: a BPF trampoline) or, fallback engine on x86,
 * at its return from the fork system call. NO_FORK_FEXIT: the kernel could
 * not run the first (arm64 before 6.4, a kernel that refuses tracing
 * programs). NO_FORK_KILL: neither runs; the child's network is refused
 * instead, as a mark would. */
#define APPBAN_FEAT_NO_FORK_FEXIT 0x20
#define APPBAN_FEAT_NO_FORK_KILL 0x40
/* fallback: with APPBAN_FEAT_URING, the ring's table of registered (fixed)
 * files is of a layout the program reads: a request on a fixed file is
 * checked as one on a descriptor. Without it, only its socket-only
 * requests are (killed whatever the file). */
#define APPBAN_FEAT_URING_FIXED 0x80
/* fallback: with APPBAN_FEAT_URING, the input of an io_uring splice is
 * where the program reads it; without it, such a splice by a net-banned
 * process is killed whatever its files. */
#define APPBAN_FEAT_URING_SPLICE 0x100

/* Where the content of an executable is hashed for sha256 rules. */
enum appban_khash {
	APPBAN_KHASH_NONE = 0, /* user space only: the scan at load, then run's fanotify watch */
	APPBAN_KHASH_IMA = 1, /* also in the kernel at every exec (bpf_ima_file_hash) */
};

enum appban_engine_reason {
	APPBAN_REASON_PROBED = 0, /* lsm loaded and attached */
	APPBAN_REASON_FORCED = 1, /* --engine */
	APPBAN_REASON_LSM_INACTIVE = 2, /* "bpf" missing from the active LSM list */
	APPBAN_REASON_LSM_REFUSED = 3, /* the kernel refused the lsm programs */
};

/* inode_rules: (device, inode) of an executable (path, sha256 rules) or of a
 * directory (dir rules). Device in the kernel's encoding: major << 20 | minor. */
struct appban_inode_key {
	__u32 gen;
	__u32 dev;
	__u64 ino;
};

/* dirent_rules: a base name inside a directory, so that a file written later
 * at a banned path (new inode) is still caught. */
struct appban_dirent_key {
	__u32 gen;
	__u32 dev;
	__u64 parent_ino;
	char name[APPBAN_NAME_LEN];
};

/* name_rules: a base name anywhere. */
struct appban_name_key {
	__u32 gen;
	__u32 pad;
	char name[APPBAN_NAME_LEN];
};

/* digest_rules: a sha256 identifier, checked against the digest the kernel
 * computes at exec (lsm engine with IMA). */
struct appban_digest_key {
	__u32 gen;
	__u32 pad;
	__u8 sha256[32];
};

/* digest_cache: the digest of an executable, valid while its change time,
 * size and change counter are those recorded. Key: kernel dev and inode. */
struct appban_digest_cache_key {
	__u32 dev;
	__u32 pad;
	__u64 ino;
};

#define APPBAN_VERSION_ANY (~0ULL)

struct appban_digest_cache_val {
	__s64 ctime_sec;
	__u64 ctime_nsec;
	__u64 size;
	__u64 version; /* inode->i_version; APPBAN_VERSION_ANY: written by user space */
	__u8 sha256[32];
};

/* What ties an inode rule to the file it was made for, beyond (dev, ino):
 * inode numbers are reused as soon as a file is deleted (ext4 gives the next
 * file in that directory the same number), and a rule must not follow the
 * number to an unrelated file. */
enum appban_bind {
	/* nothing, or (written before bind existed) ctime_ns when not 0 */
	APPBAN_BIND_NONE = 0,
	/* the inode's change time: sha256 rules from the hash cache at a swap,
	 * before the walk has seen the file (a change of content drops it) */
	APPBAN_BIND_CTIME = 1,
	/* the inode's i_generation, new at every allocation of the number and
	 * unchanged by writes, chmod, touch or links: the file itself */
	APPBAN_BIND_GEN = 2,
};

/* Value of every rule map. */
struct appban_rule {
	__u32 app; /* index into apps for this generation */
	__u8 match; /* enum appban_match */
	__u8 bind; /* enum appban_bind: inode rules only */
	__u8 pad[2];
	union {
		__u64 ctime_ns; /* APPBAN_BIND_CTIME (or NONE): ns since the epoch */
		__u64 igen; /* APPBAN_BIND_GEN: inode->i_generation */
	};
};

/* apps: one array per generation, indexed by app. */
#define APPBAN_DESCRIPTION_LEN 128
struct appban_app {
	char name[APPBAN_APP_NAME_LEN];
	__u8 action; /* enum appban_action, as written in the policy */
	__u8 pad[7];
	char description[APPBAN_DESCRIPTION_LEN]; /* for `appban check`; may be cut */
};

/* meta: array indexed by generation: the policy that generation holds. */
struct appban_meta {
	char name[APPBAN_APP_NAME_LEN];
	__u64 serial;
	__u64 load_id; /* CLOCK_BOOTTIME ns at load: tells two loads apart */
	__u32 n_apps;
	__u8 mode; /* enum appban_mode */
	__u8 flags; /* APPBAN_META_* */
	__u8 pad[2];
	__u32 n_idents[8]; /* by enum appban_match */
	__u32 n_allows; /* allow blocks (exceptions), in appban_allows */
	__u32 n_exc_entries; /* their (app, user or group) pairs, in appban_exceptions */
	/* `expires`: seconds since the epoch, end of the day UTC; 0: never.
	 * For status only: past it the policy is stale and stays in force. */
	__s64 expires;
};

#define APPBAN_META_DENY_FILELESS 0x1 /* deny fileless-exec */
/* Put in force with `load --unsigned` while trusted keys are configured
 * (user space only: status and the policy-loaded record say so). */
#define APPBAN_META_UNSIGNED 0x2
/* A sha256 identifier of an app that denies exec or network: a file whose
 * content the kernel cannot hash might be one, so it is refused (enforce
 * mode, no event reader); without it, such a file can at most be audited. */
#define APPBAN_META_SHA256_DENY 0x4

/* No exception: in events and network marks. */
#define APPBAN_NO_EXCEPTION 0xffffffffu

enum appban_exc_kind {
	APPBAN_EXC_UID = 0, /* the real uid of the process */
	APPBAN_EXC_GID = 1, /* its real gid or one of its supplementary groups */
};

/* exceptions: who an `allow` block lets use an app despite its deny. */
struct appban_exc_key {
	__u32 gen;
	__u32 app; /* index into apps */
	__u32 kind; /* enum appban_exc_kind */
	__u32 id; /* uid or gid */
};

struct appban_exc {
	__u32 allow; /* index into appban_allows for this generation */
	__u32 pad;
	__u64 until_boot_ns; /* CLOCK_BOOTTIME ns when it ends; 0: never */
};

/* allows: one array per generation, indexed by allow: what user space
 * needs to name an exception in events, status and check. */
struct appban_allow {
	char name[APPBAN_ALLOW_NAME_LEN];
	__s64 until; /* seconds since the epoch (end of the day, UTC); 0: never */
	__u64 until_boot_ns; /* the same end as the kernel compares it */
};

/* net_marks: processes (by tgid) under a network ban; set at exec of a banned
 * app, copied to children at fork, removed when the process is freed. */
struct appban_net_mark {
	__u64 start_time; /* task->start_time of the leader: guards pid reuse */
	__u32 gen; /* generation whose app index `app` refers to */
	__u32 app;
	__u8 audit_only; /* monitor mode: report, do not refuse */
	__u8 match; /* enum appban_match that put it there */
	/* 1: the record of a child whose own mark could not be written at its
	 * fork (appban_net_lost, never appban_net_marks): its events say so */
	__u8 lost;
	__u8 pad;
	__u32 exception; /* the allow that exempts the process, or APPBAN_NO_EXCEPTION */
	__u64 exc_until_boot_ns; /* ... until then (CLOCK_BOOTTIME); 0: for good */
};

enum appban_counter {
	APPBAN_CNT_EXEC_BLOCKED = 0,
	APPBAN_CNT_NET_BLOCKED,
	APPBAN_CNT_AUDITS,
	APPBAN_CNT_EVENTS_LOST,
	APPBAN_CNT_TAMPER, /* attempts on appban's own objects, refused or reported */
	APPBAN_CNT_KHASH, /* executables hashed in the kernel at exec */
	APPBAN_CNT_KHASH_FAIL, /* ... where the kernel could not give a SHA-256 */
	APPBAN_CNT_MAX,
};

enum appban_event_type {
	APPBAN_EV_EXEC_BLOCKED = 1,
	APPBAN_EV_EXEC_AUDITED = 2,
	APPBAN_EV_NET_BLOCKED = 3,
	APPBAN_EV_NET_AUDITED = 4,
	APPBAN_EV_NET_MARKED = 5, /* for user space only: the path a net-banned process ran */
	APPBAN_EV_TAMPER_BLOCKED = 6, /* an attempt on appban's objects, refused (lsm) */
	APPBAN_EV_TAMPER_DETECTED = 7, /* the same, seen but not refused (fallback, monitor) */
	/* Made at a load (live.c, written through live.bpf.c): a running
	 * process of an app the new policy bans. */
	APPBAN_EV_PROCESS_KILLED = 8, /* deny exec: ended with SIGKILL */
	APPBAN_EV_CONN_CLOSED = 9, /* deny network: one socket torn down */
	/* For user space only: an exec of a file whose digest the kernel does
	 * not know (sha256 rules without IMA, or IMA failed): hash it there. */
	APPBAN_EV_CONTENT_UNKNOWN = 10,
};

/* appban_event.reason: what a block or audit was for when no rule of an app
 * matched (appban.reason of the record). */
enum appban_event_reason {
	APPBAN_EVR_NONE = 0,
	/* sha256 rules in force, and the kernel could neither find the file's
	 * digest in its cache nor compute it (IMA failed or used another
	 * algorithm) while no event reader could hash it: its content might
	 * be banned (app APPBAN_NO_APP, match sha256). */
	APPBAN_EVR_CONTENT_UNHASHABLE = 1,
	/* a network ban whose mark could not be written for a child at its
	 * fork (no memory left, the map full): the forking process and the
	 * child are killed, the child before its first instruction (or, where
	 * the kernel cannot attach that program, its network refused) */
	APPBAN_EVR_NET_MARK_LOST = 2,
};

enum appban_method {
	APPBAN_METHOD_NONE = 0,
	APPBAN_METHOD_EPERM = 1,
	APPBAN_METHOD_SIGKILL = 2,
	APPBAN_METHOD_SOCK_DESTROY = 3, /* netlink SOCK_DESTROY: TCP reset, UDP aborted */
	APPBAN_METHOD_SHUTDOWN = 4, /* shutdown(SHUT_RDWR) on the process's descriptor */
};

enum appban_hook {
	APPBAN_HOOK_EXEC = 0,
	APPBAN_HOOK_SOCKET = 1,
	APPBAN_HOOK_CONNECT = 2,
	APPBAN_HOOK_SENDMSG = 3,
	APPBAN_HOOK_BIND = 4,
	APPBAN_HOOK_RECVMSG = 5,
	APPBAN_HOOK_LISTEN = 6,
	APPBAN_HOOK_ACCEPT = 7,
	APPBAN_HOOK_MMAP = 8, /* an executable mapping (the dynamic loader run on a file) */
	APPBAN_HOOK_MPROTECT = 9, /* a mapping made executable later */
	APPBAN_HOOK_SCRIPT = 10, /* the interpreter opening a banned script */
	/* Tamper events: what was attempted on appban itself. */
	APPBAN_HOOK_BPF_MAP = 11, /* a write access to one of its maps */
	APPBAN_HOOK_BPF_LINK = 12, /* detaching or replacing one of its programs */
	APPBAN_HOOK_PIN = 13, /* removing or renaming a pin under /sys/fs/bpf/appban */
	APPBAN_HOOK_UMOUNT = 14, /* unmounting the bpf file system that holds the pins */
	APPBAN_HOOK_SIGNAL = 15, /* a signal to the appban daemon (the event reader) */
	APPBAN_HOOK_LOAD = 16, /* a policy load acting on running processes */
	APPBAN_HOOK_FORK = 17, /* a fork of a net-banned process: the child's mark lost */
};

/* guard: who appban itself is, for tamper protection. Entry APPBAN_GUARD_SELF
 * is written by every load (the binary that loaded, the pin directory) and
 * by unload (who unloaded); entry APPBAN_GUARD_READER by the event reader
 * (run, daemon) while it runs. Separate entries: separate writers. */
#define APPBAN_GUARD_SELF 0
#define APPBAN_GUARD_READER 1
#define APPBAN_SELF_NAME_LEN 64

struct appban_guard {
	__u64 self_ino; /* the appban executable, as the kernel sees it */
	__u64 self_dir_ino; /* ... and its directory with its base name, so a */
	__u32 self_dev; /* rebuilt or upgraded binary at the same path is */
	__u32 self_dir_dev; /* appban too */
	char self_name[APPBAN_SELF_NAME_LEN];
	__u64 pin_ino; /* /sys/fs/bpf/appban */
	__u32 pin_dev;
	__u32 reader_tgid; /* READER entry: the process reading the events */
	__u32 unload_pid; /* SELF entry: set by `appban unload` just before */
	__u32 unload_uid; /* it removes the pins, for the reader's last event */
	__u32 protect; /* 0: protection off (nothing loaded yet) */
	/* READER entry: the policy whose banned digests the reader knows
	 * (APPBAN_READER_LOAD of its meta.load_id), so that it can end a start
	 * the kernel could not hash; 0: none (a reader that adopted the
	 * policy in force has only the kernel's maps). */
	__u32 reader_load;
};

/* appban_guard.reader_load of a load_id: never 0. */
#define APPBAN_READER_LOAD(load_id) ((__u32)(load_id) | 1u)

/* The ring buffer record. Tamper events (TAMPER_*) use it so: `filename` is
 * the object's name (map, program, pin, signalled command), `ino` the target
 * pid of a signal, `dport` the signal number. */
struct appban_event {
	__u64 ts_boot_ns; /* bpf_ktime_get_boot_ns() */
	__u32 type; /* enum appban_event_type */
	__u32 gen;
	__u32 app;
	__u32 pid; /* tgid */
	__u32 ppid;
	__u32 uid;
	__u32 gid;
	__u32 dev; /* of the executable, kernel encoding */
	__u64 ino;
	__u8 match; /* enum appban_match */
	__u8 method; /* enum appban_method */
	__u8 hook; /* enum appban_hook */
	__u8 family; /* AF_INET / AF_INET6, network events */
	__u8 sock_type; /* SOCK_STREAM / SOCK_DGRAM ... */
	__u8 protocol; /* IPPROTO_*, when known */
	__u16 dport; /* host byte order */
	__u8 daddr[16];
	char comm[16];
	char filename[APPBAN_NAME_LEN]; /* as given to execve */
	__u8 saddr[16]; /* CONN_CLOSED: the local end, network order */
	__u16 sport; /* host byte order */
	__u8 reason; /* enum appban_event_reason: why, beside the match */
	__u8 pad;
	__u32 exception; /* allow index that let it through, or APPBAN_NO_EXCEPTION */
};

/* What a policy load does to a running process (live.bpf.c -> live.c). */
enum appban_live_action {
	APPBAN_LIVE_NONE = 0,
	APPBAN_LIVE_KILL = 1, /* deny exec, enforce mode */
	APPBAN_LIVE_NET = 2, /* deny network: marked, sockets to close */
	APPBAN_LIVE_NET_AUDIT = 3, /* deny network, monitor mode: marked audit-only */
};

/* One record per process (thread-group leader) from the live iterator. */
struct appban_live_rec {
	__u64 start_time; /* task->start_time (monotonic): net mark guard */
	__u64 start_boottime; /* task->start_boottime: /proc/PID/stat field 22 */
	__u64 ino; /* of the executable */
	__u32 pid;
	__u32 ppid;
	__u32 uid;
	__u32 gid;
	__u32 dev;
	__u32 gen;
	__u32 app;
	__u8 action; /* enum appban_live_action */
	__u8 match; /* enum appban_match */
	__u8 pad[2];
	char comm[16];
};

/* One open descriptor of the loader as the kernel sees it (kinode.bpf.c). */
struct appban_kinode {
	__u32 fd;
	__u32 dev;
	__u64 ino;
	__u32 igen; /* inode->i_generation */
	__u32 pad;
};

#endif /* __APPBAN_ABI_H */
