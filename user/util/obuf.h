/* SPDX-License-Identifier: GPL-2.0 */
/* A bounded output buffer in front of a non-blocking descriptor: what does
 * not fit is refused, never waited for (the daemon's followers). */
#ifndef __APPBAN_OBUF_H
#define __APPBAN_OBUF_H

#include <stddef.h>

struct obuf {
	char *p;
	size_t cap; /* bytes in all */
	size_t reserve; /* the last bytes, only for obuf_put_reserved */
	size_t head, tail; /* bytes [head, tail) wait to be written */
};

/* cap bytes, of which reserve are kept for obuf_put_reserved. 0 or -ENOMEM. */
int obuf_init(struct obuf *b, size_t cap, size_t reserve);
void obuf_free(struct obuf *b);
/* Bytes waiting. */
static inline size_t obuf_pending(const struct obuf *b)
{
	return b->tail - b->head;
}
/* Queue n bytes, all or none: 0, or -ENOSPC when they do not fit beside
 * what waits (leaving the reserve free). */
int obuf_put(struct obuf *b, const char *s, size_t n);
/* The same, allowed into the reserve: for a last line. */
int obuf_put_reserved(struct obuf *b, const char *s, size_t n);
/* Write what waits to fd without waiting: the bytes written (0 when fd
 * takes nothing now, or nothing waits), or -errno (-EPIPE: the peer is
 * gone). */
long obuf_flush(struct obuf *b, int fd);

#endif /* __APPBAN_OBUF_H */
