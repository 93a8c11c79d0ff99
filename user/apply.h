/* SPDX-License-Identifier: GPL-2.0 */
/* The one way a policy goes in force, for every command (load, run, its
 * reloads) and the daemon: compile; every rule that needs no file scan, and
 * the content rules the digests already known give, in force at once (a
 * fresh load or an atomic swap); then the scan of the disks runs in a thread
 * and adds the files it finds with a banned content as it finds them. */
#ifndef __APPBAN_APPLY_H
#define __APPBAN_APPLY_H

#include <signal.h>
#include <stdio.h>

#include "content/content.h"
#include "kernel/kinode.h"
#include "kernel/loader.h"
#include "policy/parse.h"

struct apply_opts {
	int monitor; /* --monitor: report, block nothing */
	enum appban_engine engine; /* --engine, or APPBAN_ENGINE_NONE: probe */
	int no_kill; /* --no-kill: leave running processes alone */
};

/* Policy text: `text` of `len` bytes named `path`, or the file `path` when
 * text is NULL; or `ast`, a policy already parsed (the daemon's
 * composition of layers), named `path` in messages. */
struct policy;
struct policy_source {
	const char *path;
	const char *text;
	size_t len;
	const struct policy *ast;
};

struct apply_scan;
struct trust;

/* What a caller keeps from one load to the next. */
struct applier {
	struct loader l;
	struct kinode *k;
	/* The files' digests, kept current by run's watch since its walk (a
	 * load with it needs no walk), or NULL. */
	struct content *ct;
	struct compiled_policy *c; /* what this applier put in force last, or NULL */
	__u64 load_id; /* its meta.load_id */
	int fresh; /* the last load loaded the programs */
	int keep_table; /* keep the walk's digests in ct (run) */
	FILE *summary; /* where the one-line summaries go (stdout, stderr) */
	struct apply_scan *scan; /* a walk under way, or NULL */
	struct cache_read *cache; /* the digest cache, read while compiling */
	const volatile int *stop; /* SIGINT/SIGTERM: stop a walk early */
	/* The configured keys that a policy file must be signed with (load,
	 * run), or NULL: then, and for the daemon's own checked layers, no
	 * check here. */
	struct trust *trust;
	/* The file compiled last passed the trust check: its name's mark is
	 * raised once it is in force. */
	int trust_pending;
	char trust_name[APPBAN_APP_NAME_LEN];
	__u64 trust_serial;
	unsigned char trust_sha[32];
};

void applier_init(struct applier *a, const volatile int *stop, FILE *summary);
/* Waits for a walk under way; frees everything but what is in force. */
void applier_close(struct applier *a);

/* Text -> compiled policy. 0, or an exit status of cli.md (1: every problem
 * reported as FILE:LINE:COL unless quiet; 3: out of memory). A compile that
 * is not quiet also starts reading the digest cache for apply_policy. */
int apply_compile(struct applier *a, const struct policy_source *src, const struct apply_opts *o,
		  struct compiled_policy **out, int quiet);
/* The same compile for a caller that puts nothing in force (verify): the
 * problems reported the same way; paths resolved with stat() (no BPF
 * iterator is loaded, as the entries go in no map) and the digest cache
 * not read. */
int apply_compile_only(struct applier *a, const struct policy_source *src,
		       struct compiled_policy **out);
/* The same from a policy already parsed: a base composed with its
 * exceptions files (policy/compose.h), whose messages went to d, as the
 * compiler's will. `what` names it in the last line ("FILE: N error(s)"). */
int apply_compile_policy(struct applier *a, const struct policy *p, const char *what,
			 const struct apply_opts *o, struct compiled_policy **out, struct diag *d,
			 int quiet);

/*
 * Put `c` in force (it is the applier's from then on, also on failure):
 * a fresh load when nothing is loaded, else an atomic swap. The rules that
 * need no scan and the files whose digests are known (ct, else the digest
 * cache) are in force when this returns 0; the summary line has been
 * printed; running processes have been dealt with. A policy with sha256
 * rules and no ct then starts a walk (apply_scan_fd, apply_scan_end).
 * Returns an exit status of cli.md: 0, 2 (another engine in force), 3.
 */
int apply_policy(struct applier *a, struct compiled_policy *c, const struct apply_opts *o);
/* Readable (POLLIN) when the walk has ended; -1 when none runs. */
int apply_scan_fd(const struct applier *a);
/* Wait for the walk (if any) to end, then bind what it found to the files'
 * i_generations, in the policy in force if it is still this applier's.
 * 0, or 3 when the walk or the kernel failed (the policy stays in force). */
int apply_scan_end(struct applier *a, const struct apply_opts *o);

/* 1 while a walk runs. */
static inline int apply_scanning(const struct applier *a)
{
	return a->scan != NULL;
}

#endif /* __APPBAN_APPLY_H */
