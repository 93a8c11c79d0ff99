/* SPDX-License-Identifier: GPL-2.0 */
/* A ban takes effect at once on what already runs: after every load, the
 * running processes of a deny exec app are killed, those of a deny network
 * app (and their descendants) marked and their IPv4/IPv6 sockets closed. */
#ifndef __APPBAN_LIVE_H
#define __APPBAN_LIVE_H

#include "loader.h"
#include "protect.h"

struct live_report {
	unsigned int killed; /* gone within 1 s of SIGKILL */
	unsigned int kill_failed; /* still there after 1 s, or refused */
	unsigned int marked; /* newly under a network ban */
	unsigned int closed; /* sockets torn down */
	unsigned int close_failed;
	int sock_destroy; /* 1: SOCK_DESTROY, 0: pidfd_getfd + shutdown */
};

/* The programs of live.bpf.c, pinned at a fresh load next to the maps they
 * use, so that a swap loads nothing (a load costs more than the swap). */
#define LIVE_SCAN_PIN APPBAN_PIN_DIR "/appban_prog_live_scan"
#define LIVE_EMIT_PIN APPBAN_PIN_DIR "/appban_prog_live_emit"
int live_pin_programs(void);
/* Apply the policy in force behind `l` to every running process, with one
 * process-killed or connection-closed event each in the pinned ring buffer. */
int live_apply(struct loader *l, struct live_report *rep);
/* live_apply unless --no-kill, with a one-line summary on standard error
 * when it did something. Failures are reported, the load stands. */
void live_after_load(struct loader *l, int no_kill);
/* What `status` says about running processes on this kernel. */
void live_protection(const struct appban_state *st, const struct appban_meta *meta,
		     struct protection *out);

#endif /* __APPBAN_LIVE_H */
