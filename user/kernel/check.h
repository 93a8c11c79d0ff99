/* SPDX-License-Identifier: GPL-2.0 */
/* `appban check FILE...`: which app and identifier of the loaded policy a
 * file matches and what would happen to it, found with the same lookups as
 * the kernel's (bpf/identity.h), without executing anything. */
#ifndef __APPBAN_CHECK_H
#define __APPBAN_CHECK_H

#include <sys/types.h>

#include "abi.h"
#include "kernel/kinode.h"
#include "kernel/loader.h"

struct check_result {
	int matched;
	__u8 match; /* enum appban_match of the strongest rule */
	__u32 app;
	struct appban_app app_info;
	char real[4096]; /* the file exec would run (symbolic links followed) */
};

/* 0 and *out filled, or -errno when the file cannot be examined. */
int check_file(struct loader *l, struct kinode *k, const char *path, struct check_result *out);

/* What the engine in force would do to a start of the app, for people:
 * "refused (EPERM)", "killed at exec (SIGKILL)", "reported only (monitor
 * mode)", "starts, network refused", "starts, reported". */
const char *check_outcome(const struct appban_state *st, const struct appban_meta *meta,
			  __u8 action);

/* Names of the exceptions (allow blocks) in force now for app `app` of
 * generation `gen`, ", " separated into names; returns how many. */
int check_exceptions(struct loader *l, __u32 gen, __u32 app, char *names, size_t len);
/* The exception in force that lets process `pid` use app `app` (by its
 * real uid, real gid or a supplementary group): its index, or -errno. */
int check_exception_pid(struct loader *l, __u32 gen, __u32 app, pid_t pid);

#endif /* __APPBAN_CHECK_H */
