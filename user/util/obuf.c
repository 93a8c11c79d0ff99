// SPDX-License-Identifier: GPL-2.0
/* A bounded output buffer (obuf.h): one allocation, bytes moved to the
 * front only when the free space at the end would not do. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/obuf.h"

int obuf_init(struct obuf *b, size_t cap, size_t reserve)
{
	memset(b, 0, sizeof(*b));
	if (reserve >= cap)
		return -EINVAL;
	b->p = malloc(cap);
	if (!b->p)
		return -ENOMEM;
	b->cap = cap;
	b->reserve = reserve;
	return 0;
}

void obuf_free(struct obuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static int put(struct obuf *b, const char *s, size_t n, size_t limit)
{
	if (obuf_pending(b) + n > limit)
		return -ENOSPC;
	if (b->tail + n > b->cap) {
		memmove(b->p, b->p + b->head, obuf_pending(b));
		b->tail -= b->head;
		b->head = 0;
	}
	memcpy(b->p + b->tail, s, n);
	b->tail += n;
	return 0;
}

int obuf_put(struct obuf *b, const char *s, size_t n)
{
	return put(b, s, n, b->cap - b->reserve);
}

int obuf_put_reserved(struct obuf *b, const char *s, size_t n)
{
	return put(b, s, n, b->cap);
}

long obuf_flush(struct obuf *b, int fd)
{
	long done = 0;
	ssize_t w;

	while (obuf_pending(b)) {
		w = write(fd, b->p + b->head, obuf_pending(b));
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -errno;
		}
		b->head += (size_t)w;
		done += w;
	}
	if (!obuf_pending(b))
		b->head = b->tail = 0;
	return done;
}
