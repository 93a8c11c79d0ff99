/* SPDX-License-Identifier: GPL-2.0 */
/* The unload of the fallback engine's system-call tracepoint links, fast.
 *
 * Closing the last perf event of a tracepoint makes the kernel wait for an
 * RCU grace period under its event_mutex (perf_trace_event_unreg), one
 * tracepoint after the other; and from 6.x detaching the BPF program waits
 * for an RCU-tasks-trace grace period of its own. One by one, the ~30
 * links took 1.6 s of every `appban unload` on 6.18. Here: a disabled perf
 * event of our own is opened on each link's tracepoint first (a holder: the
 * link's close is then not the tracepoint's last, and skips the first
 * wait), the links are closed in parallel (their detach waits overlap), and
 * the holders, which run no program, are closed by a child process after
 * the unload has returned. Once tp_close_finish() returns, no program of
 * ours runs on any of those tracepoints. */
#ifndef __APPBAN_TPCLOSE_H
#define __APPBAN_TPCLOSE_H

#include <bpf/bpf.h>

struct tp_close;

/* NULL without memory (then each link is closed the slow way). */
struct tp_close *tp_close_new(void);
/* A link `fd` (its info read) of the program `prog` (the pin's name without
 * its prefix): 1 when t takes it (a perf-event link, closed by
 * tp_close_finish), 0 when the caller closes it. */
int tp_close_add(struct tp_close *t, int fd, const struct bpf_link_info *info, const char *prog);
/* Close the links taken, hand the holders to a child; frees t (NULL: nothing). */
void tp_close_finish(struct tp_close *t);

#endif /* __APPBAN_TPCLOSE_H */
