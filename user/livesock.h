/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by live.c and livesock.c only: the state of one live pass, and how
 * the sockets of net-banned processes are torn down. */
#ifndef __APPBAN_LIVESOCK_H
#define __APPBAN_LIVESOCK_H

#include "abi.h"
#include "live.h"

struct live {
	struct live_bpf *skel;
	struct loader *l;
	struct appban_live_rec *recs; /* one per process, from the iterator */
	size_t n;
	int scan_fd; /* appban_live_scan */
	int emit_fd; /* appban_live_emit */
};

/* Put `e` in the pinned ring buffer (its timestamp set now). */
int live_emit(struct live *lv, struct appban_event *e);
/* An event about the process of `r`: who, which app, its executable. */
void live_event(const struct appban_live_rec *r, __u32 type, struct appban_event *e);
/* Tear down the IPv4/IPv6 sockets of every process marked APPBAN_LIVE_NET:
 * SOCK_DESTROY where the kernel has it, else shutdown() on a copy of each
 * descriptor (pidfd_getfd). One connection-closed event each. */
int live_close_sockets(struct live *lv, struct live_report *rep);

#endif /* __APPBAN_LIVESOCK_H */
