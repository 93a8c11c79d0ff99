/* SPDX-License-Identifier: GPL-2.0 */
/* Inside the sinks: the record as every sink gets it, a sink's queue and
 * thread (sink.c), and what each kind of sink provides (sink_*.c). */
#ifndef __APPBAN_SINK_INT_H
#define __APPBAN_SINK_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "events/sink.h"

/* One record, formatted once, shared by every sink: it lives in a block of
 * records (sink.c), freed when the last sink is done with the block. */
struct sink_msg {
	uint32_t size; /* of this record in its block, strings included */
	int kind; /* enum record_kind */
	int alert; /* event.kind alert */
	int failed; /* event.outcome failure */
	uint64_t ts_real_ns;
	int has_proc; /* pid, uid, exe: a process or network record */
	uint32_t pid, uid;
	char app[APPBAN_APP_NAME_LEN]; /* rule.name, "" for none */
	char policy[APPBAN_APP_NAME_LEN];
	uint64_t serial;
	int monitor;
	char engine[16];
	const char *exe; /* "" when unknown */
	const char *json; /* with its '\n' */
	size_t json_len;
	const char *text; /* NULL: no sink wanted it */
	size_t text_len;
	char data[];
};

struct sink;
struct sink_block;

#define SINK_SPARE_BLOCKS 8

/* n records of a block, one after another from first. */
struct sink_span {
	struct sink_block *b;
	struct sink_msg *first;
	size_t n;
};

struct sink_ops {
	/* Set up (in the daemon's thread, no I/O that may block): 0 or -errno. */
	int (*open)(struct sink *s, const struct fleet_sink *c);
	/* In the sink's thread: write m[0..n). Returns how many were consumed
	 * (each counted with sink_wrote or sink_lost), or -errno when none
	 * could be written now: the same records are tried again after a
	 * backoff (sink_error said why). */
	int (*write)(struct sink *s, struct sink_msg *const *m, size_t n);
	/* In the sink's thread, when its queue is empty: background work (the
	 * file sink's compression). 1: more to do, 0: nothing. May be NULL. */
	int (*idle)(struct sink *s);
	/* In the sink's thread at its end; frees what open made. */
	void (*close)(struct sink *s);
};

extern const struct sink_ops sink_file_ops, sink_syslog_ops, sink_journald_ops, sink_audit_ops;

struct sink {
	const struct sink_ops *ops;
	struct fleet_sink cfg; /* a copy (its strings point into the config copy of sinks.c) */
	char name[SINK_NAME_LEN];
	void *priv; /* the kind's state */
	int want_text;
	pthread_t thread;
	int started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* the queue: a ring of cap runs of records (each holds a reference
	 * to its block), n records and bytes of them in all */
	struct sink_span *q;
	size_t cap, head, spans, n, bytes;
	/* blocks this sink was the last to use, for the daemon's thread to
	 * fill again (sink.c) */
	struct sink_block *spare[SINK_SPARE_BLOCKS];
	size_t n_spare;
	int waiting; /* the thread sleeps on cv: 1 until woken, 2 for a millisecond at most */
	int stop;
	atomic_uint_fast64_t written, lost, queued;
	atomic_int failing;
	uint64_t lost_reported; /* the thread's: lost already in an events-lost record */
	char error[256]; /* under mu */
	/* the common fields of the last record seen, for events-lost */
	char policy[APPBAN_APP_NAME_LEN];
	uint64_t serial;
	int monitor;
	char engine[16];
};

void sink_wrote(struct sink *s, size_t n);
void sink_lost(struct sink *s, size_t n);
/* The sink is told to stop (a write that waits should give up). */
int sink_stopping(struct sink *s);
/* The last error, for status and the daemon's log (said once per change). */
void sink_error(struct sink *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* __APPBAN_SINK_INT_H */
