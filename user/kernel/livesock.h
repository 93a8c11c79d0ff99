/* SPDX-License-Identifier: GPL-2.0 */
/* How the sockets of the net-banned processes of a live pass are torn down. */
#ifndef __APPBAN_LIVESOCK_H
#define __APPBAN_LIVESOCK_H

#include "kernel/livepass.h"

/* Tear down the IPv4/IPv6 sockets of every process marked APPBAN_LIVE_NET:
 * SOCK_DESTROY where the kernel has it, else shutdown() on a copy of each
 * descriptor (pidfd_getfd). One connection-closed event each. */
int live_close_sockets(struct live *lv, struct live_report *rep);

#endif /* __APPBAN_LIVESOCK_H */
