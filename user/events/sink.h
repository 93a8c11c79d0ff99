/* SPDX-License-Identifier: GPL-2.0 */
/* The daemon's sinks (docs/fleet.md "Sinks"): each record, formatted once,
 * is handed to every configured sink; each sink has its own bounded queue
 * and its own thread, so that neither enforcement nor the daemon's loop nor
 * another sink ever waits for it. A sink that cannot keep up or fails loses
 * records for itself only, counts them, and writes an events-lost record
 * (appban.sink, appban.lost) into itself once it works again. */
#ifndef __APPBAN_SINK_H
#define __APPBAN_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "events/events.h"
#include "fleet/config.h"

#define SINK_NAME_LEN 4200 /* "file " + a path */

struct sinks;

/* Start the n sinks of cfg (their threads; a sink that cannot reach its
 * target yet starts anyway and retries). 0 and *out, or -errno (said). */
int sinks_new(const struct fleet_sink *cfg, size_t n, struct sinks **out);
/* Does a sink want the text form of the records (journald's MESSAGE)? */
int sinks_want_text(const struct sinks *s);
/* Hand one record to every sink: json and text are its formatted lines
 * (format_json, format_text: ending in '\n'; text NULL when no sink wants
 * it). Records are copied into a block that goes to every sink's queue
 * when it is full (some hundred records) or at sinks_flush. Never blocks on
 * a sink: a full queue counts the record as lost for that sink. Accepts s
 * NULL (no sinks). */
void sinks_push(struct sinks *s, const struct record *r, const char *json, size_t json_len,
		const char *text, size_t text_len);
/* Hand what sinks_push holds to the sinks now: before the daemon waits, and
 * after a record of its own. Accepts NULL. */
void sinks_flush(struct sinks *s);
/* Stop: each sink writes what is queued (up to about 2 s for one that is
 * stuck, then gives up on it). Accepts NULL. */
void sinks_free(struct sinks *s);
/* The same sinks configured the same way (a SIGHUP keeps them as they are). */
int sinks_same_config(const struct sinks *s, const struct fleet_sink *cfg, size_t n);

/* What `appban status` shows of each sink. Safe to call from any thread
 * while the sinks run. */
struct sink_stats {
	char name[SINK_NAME_LEN]; /* "file /var/log/appban/events.json", "syslog unix:/dev/log",
				   * "journald", "audit": as in appban.sink */
	uint64_t written; /* records written (the sink's own events-lost ones too) */
	uint64_t lost; /* records lost: queue full, or a write that failed */
	uint64_t queued; /* records waiting in its queue now */
	int failing; /* the last write failed (and is being retried) */
	char error[256]; /* the last error, "" when none yet */
};
/* Fill up to max entries; returns the number of sinks. */
size_t sinks_stats(struct sinks *s, struct sink_stats *out, size_t max);

#endif /* __APPBAN_SINK_H */
