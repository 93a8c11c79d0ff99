/* SPDX-License-Identifier: GPL-2.0 */
/* A ban takes effect at once on what already runs: after every load, the
 * running processes of a deny exec app are killed, those of a deny network
 * app (and their descendants) marked and their IPv4/IPv6 sockets closed. */
#ifndef __APPBAN_LIVE_H
#define __APPBAN_LIVE_H

#include "kernel/livepass.h"
#include "kernel/protect.h"

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
