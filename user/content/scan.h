/* SPDX-License-Identifier: GPL-2.0 */
/* Content scan for sha256 rules: walk the places executables live (a thread
 * per CPU), hash every executable file with SHA-256 (worker threads,
 * libcrypto), through the cache: an unchanged file costs one statx. */
#ifndef __APPBAN_SCAN_H
#define __APPBAN_SCAN_H

#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <linux/types.h>

#include "content/hashcache.h"
#include "util/hex.h"

#define SCAN_SHA256_LEN SHA256_LEN
#define SCAN_MAX_DEPTH 256 /* directories below a root */
#define SCAN_MAX_ISSUES 1000 /* kept with their path; all are counted */
/* A file whose change time is less than this many seconds older than the
 * start of the scan is hashed but not cached (see finish_job in scan.c). */
#define SCAN_RACY_SEC 1

/*
 * Which regular files are hashed. A banned file must be caught wherever it
 * is and whatever it is called, and its mode bits do not protect: a file
 * without any x bit still runs as `ld.so FILE` (ELF) or `sh FILE` (script),
 * and its owner can chmod it at any time. So by default a file is hashed
 * when any x bit is set OR its first bytes are the ELF magic "\x7fELF" or
 * "#!". The magic test opens every regular file under the roots once; its
 * negative answer is cached, so the next scan only stat()s them.
 * SCAN_XBIT_ONLY hashes the files with an x bit only (what `find -perm /111`
 * lists), which is faster on a first scan.
 */
enum scan_rule {
	SCAN_XBIT_OR_MAGIC = 0,
	SCAN_XBIT_ONLY = 1,
};

/* Why something was skipped; every one is counted, the first
 * SCAN_MAX_ISSUES of the problems are kept with their path. */
enum scan_issue_kind {
	SCAN_I_DIR_UNREADABLE, /* a directory could not be opened or listed (problem) */
	SCAN_I_UNREADABLE, /* a file could not be examined, opened or read (problem) */
	SCAN_I_VANISHED, /* removed between listing and reading (problem) */
	SCAN_I_CHANGED, /* replaced, or written to while read (problem) */
	SCAN_I_TOO_DEEP, /* more than SCAN_MAX_DEPTH levels (problem) */
	SCAN_I_ROOT_MISSING, /* a root that does not exist (counted only) */
	SCAN_I_PSEUDO_FS, /* /proc, /sys, /dev or a kernel file system: not entered */
	SCAN_I_SEEN_DIR, /* a directory seen before (bind mount, repeated root) */
	SCAN_I_SYMLINK, /* a symbolic link: not followed */
	SCAN_I_SPECIAL, /* a device, fifo or socket */
	SCAN_I__COUNT
};

struct scan_stats {
	__u64 dirs; /* directories listed */
	__u64 files; /* regular files examined */
	__u64 hashed; /* executables read and hashed by this scan */
	__u64 cached; /* executables whose digest came from the cache */
	__u64 not_exec; /* regular files that are not executables by the rule */
	__u64 links; /* further names of a file already examined */
	__u64 bytes_hashed; /* content read by finished hashes */
	__u64 bytes_cached; /* size of the executables found in the cache */
	__u64 bytes_found; /* size of the executables found so far */
	__u64 issues[SCAN_I__COUNT];
	__u64 nsec; /* since the start */
};

/* An executable and its digest. */
struct scan_entry {
	__u32 dev; /* kernel encoding, major << 20 | minor (bpf/abi.h) */
	__u32 from_cache;
	__u64 ino;
	__u64 size;
	__s64 ctime_sec; /* the change time it had when hashed */
	__u32 ctime_nsec;
	__u8 sha256[SCAN_SHA256_LEN];
	char *path; /* in a callback: valid during the call only */
};

struct scan_issue {
	enum scan_issue_kind kind;
	int err; /* errno, 0 when none applies */
	char *path;
};

struct scan_progress {
	struct scan_stats st;
	__u64 bytes_live; /* bytes hashed, counting files still being read */
	int walk_done; /* every directory listed: st.bytes_found is the total */
	int done; /* last call */
};

struct scan_opts {
	const char *const *roots; /* NULL: scan_default_roots() */
	int n_roots;
	int threads; /* walking threads, and as many hashing threads; <= 0: one per online CPU */
	enum scan_rule rule;
	struct hashcache *cache; /* NULL: none; looked up, updated, pruned (not saved) */
	/* Called from the calling thread at most 10 times a second, and once
	 * with done set; NULL: nothing. scan_print_progress fits here. */
	void (*progress)(const struct scan_progress *p, void *ctx);
	void *progress_ctx;
	/* Each executable, from any thread but one call at a time; NULL: none. */
	void (*on_entry)(const struct scan_entry *e, void *ctx);
	void *entry_ctx;
	int collect; /* also keep the entries in the result */
	const volatile int *stop; /* set (by a signal handler): stop early, -EINTR */
};

struct scan_result {
	struct scan_stats st;
	struct scan_entry *entries; /* when collect */
	size_t n_entries;
	struct scan_issue *issues; /* problems, at most SCAN_MAX_ISSUES */
	size_t n_issues;
};

/*
 * Scan o->roots: symbolic links are not followed (a root itself may be one),
 * /proc, /sys, /dev (except a root below it such as /dev/shm) and kernel
 * file systems are not entered, each directory is listed once. Returns 0 when
 * the scan ran to its end (problems are counted in r->st.issues and listed
 * in r->issues), -EINTR when *o->stop was set, -ENOMEM, or -errno when the
 * threads could not be started. r is filled in every case; free it with
 * scan_result_free(). With a cache, entries not met are pruned at its next save.
 */
int scan_run(const struct scan_opts *o, struct scan_result *r);
void scan_result_free(struct scan_result *r);

/* The directories of $PATH, then /opt, /usr, /home, /tmp, /var/tmp, /dev/shm,
 * /var/lib/flatpak, /var/lib/snapd/snap, /snap; absolute ones only, each once.
 * *roots is malloc'ed (free with scan_roots_free). 0 or -ENOMEM. */
int scan_default_roots(char ***roots, int *n);
void scan_roots_free(char **roots, int n);

/*
 * SHA-256 of the content of the regular file open as fd, read from offset 0
 * with pread (the file position is not used). *st (if not NULL): fstat of
 * the file as hashed. 0, -EAGAIN when the file changed while read (size or
 * change time: hash it again), -EINVAL when not a regular file, -ENOMEM, -errno.
 */
int scan_hash_fd(int fd, __u8 sha256[SCAN_SHA256_LEN], struct stat *st);
/* The same, given up with -ECANCELED as soon as *cancel is set. */
int scan_hash_fd_until(int fd, __u8 sha256[SCAN_SHA256_LEN], struct stat *st,
		       const volatile int *cancel);

const char *scan_issue_str(enum scan_issue_kind k);

/* Presentation: a progress bar on a terminal, one summary line at the end
 * (and only that when out is not a terminal). */
struct scan_printer {
	FILE *out;
	int tty;
	int drawn; /* a bar is on screen */
};
void scan_printer_init(struct scan_printer *p, FILE *out); /* out NULL: stderr */
void scan_print_progress(const struct scan_progress *p, void *printer);
/* The summary line, without a newline, into buf. */
void scan_format_summary(const struct scan_stats *st, char *buf, size_t size);

#endif /* __APPBAN_SCAN_H */
