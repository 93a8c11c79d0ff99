/* SPDX-License-Identifier: GPL-2.0 */
/* The state of one live pass (live.c runs it, livesock.c closes its sockets)
 * and its events. */
#ifndef __APPBAN_LIVEPASS_H
#define __APPBAN_LIVEPASS_H

#include <stddef.h>

#include "abi.h"
#include "kernel/loader.h"

struct live_report {
	unsigned int killed; /* gone within 1 s of SIGKILL */
	unsigned int kill_failed; /* still there after 1 s, or refused */
	unsigned int marked; /* newly under a network ban */
	unsigned int closed; /* sockets torn down */
	unsigned int close_failed;
	int sock_destroy; /* 1: SOCK_DESTROY, 0: pidfd_getfd + shutdown */
};

struct live {
	struct bpf_object *obj; /* the programs, when loaded here (not pinned) */
	struct loader *l;
	struct appban_live_rec *recs; /* one per process, from the iterator */
	size_t n;
	int scan_fd; /* appban_live_scan */
	int emit_fd; /* appban_live_emit */
	int emit_kind; /* 0 not known yet, 1 takes the record, 2 its address (compat) */
};

/* Put `e` in the pinned ring buffer (its timestamp set now). */
int live_emit(struct live *lv, struct appban_event *e);
/* An event about the process of `r`: who, which app, its executable. */
void live_event(const struct appban_live_rec *r, __u32 type, struct appban_event *e);

#endif /* __APPBAN_LIVEPASS_H */
