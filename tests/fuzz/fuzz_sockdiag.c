// SPDX-License-Identifier: GPL-2.0
/* libFuzzer harness of the sock_diag reply parser (user/sockdiag.c): the
 * kernel's answer is parsed with the lengths it claims, so any bytes in must
 * give sockets, the end of the dump or an error, never a crash. Seeds: real
 * replies (tests/fuzz/sockdiag_seeds.py). */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "kernel/sockdiag.h"

struct seen {
	unsigned int n;
	uint32_t inodes;
};

static int on_sock(const struct sockdiag_sock *s, void *arg)
{
	struct seen *seen = arg;

	if (s->family != AF_INET && s->family != AF_INET6)
		abort(); /* the parser filters other families */
	seen->n++;
	seen->inodes ^= s->inode;
	/* Let a callback error through now and then, as a full table would. */
	return s->inode == 0xdeadbeef ? -ENOMEM : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy with exactly `size` bytes, aligned as a receive buffer is, so
	 * that ASan sees every read past the end. */
	uint8_t *buf = malloc(size ? size : 1);
	struct seen seen = { 0 };
	int ret;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	ret = sockdiag_parse(buf, size, 0, 0, 6, on_sock, &seen);
	if (ret > 1)
		abort();
	free(buf);
	return 0;
}
