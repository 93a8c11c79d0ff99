/* SPDX-License-Identifier: GPL-2.0 */
/* The kernel's IPv4/IPv6 TCP and UDP sockets through NETLINK_SOCK_DIAG:
 * dump them, and tear one down (SOCK_DESTROY, CONFIG_INET_DIAG_DESTROY). */
#ifndef __APPBAN_SOCKDIAG_H
#define __APPBAN_SOCKDIAG_H

#include <stddef.h>
#include <stdint.h>

#include <linux/inet_diag.h>

/* One socket of a dump reply. */
struct sockdiag_sock {
	uint8_t family; /* AF_INET / AF_INET6 */
	uint8_t protocol; /* IPPROTO_TCP / IPPROTO_UDP */
	uint8_t state; /* TCP_* */
	uint32_t inode;
	uint32_t uid;
	struct inet_diag_sockid id; /* ports and addresses in network order, cookie */
};

/* Called for each socket; a negative return stops the dump with that error. */
typedef int (*sockdiag_cb)(const struct sockdiag_sock *s, void *arg);

/* Parse one buffer of a dump reply to a request of `protocol` (the reply
 * names the protocol only for some), with sequence `seq` and port `portid`
 * (0: not checked). Returns 1 while more is to come, 0 at the end of the
 * dump, or a negative errno (a netlink error, a malformed message). Input
 * from the kernel, parsed defensively: tests/fuzz/fuzz_sockdiag.c. */
int sockdiag_parse(const void *buf, size_t len, uint32_t seq, uint32_t portid, uint8_t protocol,
		   sockdiag_cb cb, void *arg);

struct sockdiag;

int sockdiag_open(struct sockdiag **out);
void sockdiag_close(struct sockdiag *sd);
/* Every socket of `family` and `protocol`, in every state, of this network
 * namespace. */
int sockdiag_dump(struct sockdiag *sd, uint8_t family, uint8_t protocol, sockdiag_cb cb, void *arg);
/* Tear `s` down: a TCP connection is reset (the owner's calls fail with
 * ECONNABORTED), a UDP socket aborted. -EOPNOTSUPP without
 * CONFIG_INET_DIAG_DESTROY, -ENOENT when it is gone already. */
int sockdiag_destroy(struct sockdiag *sd, const struct sockdiag_sock *s);
/* Whether SOCK_DESTROY works here: 1 yes, 0 no (*why says why). */
int sockdiag_destroy_works(const char **why);

#endif /* __APPBAN_SOCKDIAG_H */
