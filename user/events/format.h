/* SPDX-License-Identifier: GPL-2.0 */
/* Records -> one line of text: ECS JSON (docs/events.md) for programs,
 * a short readable form for people. */
#ifndef __APPBAN_FORMAT_H
#define __APPBAN_FORMAT_H

#include <stddef.h>
#include <string.h>

#include "events/events.h"

/* Both write a NUL-terminated line ending in '\n' into buf and return its
 * length, or -ENOSPC when buf is too small. */
int format_json(const struct record *r, char *buf, size_t len);
int format_text(const struct record *r, char *buf, size_t len);

const char *record_action(enum record_kind k);
/* ECS event.type of an action: a JSON list, e.g. ["start","denied"]. */
const char *record_event_type(enum record_kind k);
/* event.kind "alert" (else "event"), and event.outcome, as format_json
 * writes them: the sinks' severities and audit's res= follow them. */
int record_is_alert(enum record_kind k);
const char *record_outcome(enum record_kind k);

/* JSON string escaping, invalid UTF-8 replaced by U+FFFD: used by every
 * JSON writer of appban. */
struct jbuf {
	char *p;
	size_t len, cap;
	int overflow;
};
/* Append n bytes of s (inline: the hot path of every record's line). */
static inline void jb_put(struct jbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->overflow = 1;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

/* (a literal's length is known when compiled) */
static inline void jb_raw(struct jbuf *b, const char *s)
{
	jb_put(b, s, strlen(s));
}

void jb_printf(struct jbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void jb_str(struct jbuf *b, const char *s, size_t maxlen);
/* "key":"value", with a leading comma unless it is the first member. */
static inline void jb_kstr(struct jbuf *b, const char *key, const char *s, size_t maxlen)
{
	jb_put(b, ",\"", 2);
	jb_raw(b, key);
	jb_put(b, "\":", 2);
	jb_str(b, s, maxlen);
}

#endif /* __APPBAN_FORMAT_H */
