/* SPDX-License-Identifier: GPL-2.0 */
/* The ring buffer -> records with names resolved (app, policy, engine),
 * plus the records that user space makes itself (policy-loaded, events-lost). */
#ifndef __APPBAN_EVENTS_H
#define __APPBAN_EVENTS_H

#include <stdint.h>

#include "abi.h"
#include "kernel/loader.h"

enum record_kind {
	REC_POLICY_LOADED,
	REC_EXEC_BLOCKED,
	REC_EXEC_AUDITED,
	REC_NET_BLOCKED,
	REC_NET_AUDITED,
	REC_EVENTS_LOST,
	REC_TAMPER_BLOCKED, /* an attempt on appban itself, refused */
	REC_TAMPER_DETECTED, /* ... seen, not refused (fallback engine, monitor mode) */
	REC_POLICY_UNLOADED, /* the pins are gone: `appban unload` */
	REC_PROCESS_KILLED, /* a running process of a newly banned app (live.c) */
	REC_CONN_CLOSED, /* a socket of a newly net-banned process (live.c) */
	/* Not printed: an exec whose content the kernel could not check
	 * (enforce.c hashes it). */
	REC_CONTENT_UNKNOWN,
	/* The daemon's (docs/fleet.md): made in user space, never by the kernel */
	REC_POLICY_REFUSED, /* a file from a source was refused: reason, path or url */
	REC_POLICY_STALE, /* the policy in force is past its expires day */
	REC_SOURCE_FAILED, /* a source could not be read (once per change) */
	REC_SOURCE_RECOVERED, /* ... and works again */
	REC_HEARTBEAT, /* periodic: the layers in force, stale, counters */
	REC_DAEMON_STARTED,
	REC_DAEMON_STOPPED,
	REC_EVENTS_SUPPRESSED, /* the rate limit held back `suppressed` records */
};

struct record {
	enum record_kind kind;
	uint64_t ts_real_ns; /* CLOCK_REALTIME */
	const char *engine;
	char policy_name[APPBAN_APP_NAME_LEN];
	uint64_t policy_serial;
	int policy_unsigned; /* put in force with load --unsigned (APPBAN_META_UNSIGNED) */
	int monitor;
	char rule[APPBAN_APP_NAME_LEN]; /* app name; "" when unknown */
	char exception[APPBAN_ALLOW_NAME_LEN]; /* the allow that let it through; "" for none */
	uint64_t lost; /* REC_EVENTS_LOST */
	const char *sink; /* REC_EVENTS_LOST: the sink that lost them; NULL: the kernel */
	uint64_t suppressed; /* REC_EVENTS_SUPPRESSED: held back, of rule and action */
	enum record_kind suppressed_kind; /* ... the action they were */
	uint32_t n_apps; /* REC_POLICY_LOADED */
	uint32_t by_pid, by_uid; /* REC_POLICY_UNLOADED: who, when known */
	int by_known;
	const struct appban_event *ev; /* process and network records */
	char sha256[65]; /* hex digest of the executable when known, else "" */
	/* The daemon's records (NULL / 0 when they do not apply): */
	const char *reason; /* appban.reason of a refusal */
	const char *file_path; /* file.path: a file of the policy directory */
	const char *url; /* url.full: a source */
	const char *message; /* error.message: what exactly was wrong */
	const char *file_policy; /* the refused file's policy name (when it parsed) */
	int has_file_serial;
	uint64_t file_serial; /* ... and its serial */
	const char *extra_json; /* fields already in JSON (",\"k\":v..."): heartbeat */
	const char *extra_text; /* the same for the text form */
};

typedef int (*record_cb)(const struct record *r, void *ctx);

struct event_reader;

/* Read the events of the policy pinned behind `l`. */
int event_reader_new(struct loader *l, record_cb cb, void *ctx, struct event_reader **out);
/* Wait up to timeout_ms for events and deliver them; also reports lost
 * events and a policy swapped by another process. Returns the number of
 * records delivered or a negative errno (-EINTR on a signal, -ENOENT once
 * the policy was unloaded, after its policy-unloaded record). */
int event_reader_poll(struct event_reader *r, int timeout_ms);
/* Digests of known files (sha256 rules), for process.hash.sha256. */
struct content;
void event_reader_set_content(struct event_reader *r, const struct content *ct);
/* The descriptor to poll for new events (with others). */
int event_reader_fd(const struct event_reader *r);
/* Deliver a record made in user space (a start stopped by user space). */
int event_reader_deliver(struct event_reader *r, const struct appban_event *e,
			 enum record_kind kind);
/* A record made in user space (the daemon's): the common fields of the
 * policy in force and the time filled in, then delivered. */
int event_reader_emit(struct event_reader *r, struct record *rec);
/* A policy-loaded record for the policy in force now. */
int event_reader_policy_loaded(struct event_reader *r);
void event_reader_free(struct event_reader *r);

/* Fill the common part of a record from the policy of generation gen. */
uint64_t boot_to_real_ns(uint64_t boot_ns);

#endif /* __APPBAN_EVENTS_H */
