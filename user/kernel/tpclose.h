/* SPDX-License-Identifier: GPL-2.0 */
/* The unload's link closes, fast.
 *
 * Closing the last perf event of a tracepoint makes the kernel wait for an
 * RCU grace period under its event_mutex (perf_trace_event_unreg), one
 * tracepoint after the other; and from 6.x detaching the BPF program waits
 * for an RCU-tasks-trace grace period of its own. One by one, the fallback
 * engine's ~30 links took 1.6 s of every `appban unload` on 6.18. Here: a
 * disabled perf event of our own is opened on each link's tracepoint first
 * (a holder: the link's close is then not the tracepoint's last, and skips
 * the first wait), the links are closed in parallel (their detach waits
 * overlap), and the holders, which run no program, are closed by a child
 * process after the unload has returned.
 *
 * An engine made inert first (appban_state.inert: its programs decide
 * nothing) hands every link to that child too: the lsm engine's ~20 LSM
 * links each wait ~120 ms for ftrace (RCU-tasks grace periods under its
 * lock, one link after the other), 3-4 s of every unload in a 6.1 guest. */
#ifndef __APPBAN_TPCLOSE_H
#define __APPBAN_TPCLOSE_H

#include <bpf/bpf.h>

struct tp_close;

/* NULL without memory (then each link is closed the slow way). `inert`:
 * the engine's programs are inert, every link goes to the child. */
struct tp_close *tp_close_new(int inert);
/* A link `fd` (its info read) of the program `prog` (the pin's name without
 * its prefix): 1 when t takes it (a perf-event link, closed by
 * tp_close_finish), 0 when the caller closes it. */
int tp_close_add(struct tp_close *t, int fd, const struct bpf_link_info *info, const char *prog);
/* Any link `fd` of an inert engine: the child closes it (1), or the caller
 * must (0: no room, or t is NULL). */
int tp_close_defer(struct tp_close *t, int fd);
/* Close the links taken (tp_close_add), hand the holders and the links
 * deferred to a child; frees t (NULL: nothing). Once it returns, no program
 * of ours runs on those tracepoints, and the deferred links' programs are
 * inert. */
void tp_close_finish(struct tp_close *t);

#endif /* __APPBAN_TPCLOSE_H */
