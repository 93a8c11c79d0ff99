/* SPDX-License-Identifier: GPL-2.0 */
/* Enforcement done in user space while events stream (run, daemon), in one
 * place, before a record reaches a printer: a file written or started with a
 * banned content gets an inode rule at once and its start is killed; a
 * fileless start (memfd, deleted file) is hashed and killed if banned. */
#ifndef __APPBAN_ENFORCE_H
#define __APPBAN_ENFORCE_H

#include "apply.h"
#include "content/watch.h"
#include "events/events.h"

/* Files up to this size are hashed at once, in the event loop (some 40 ms
 * at most); larger ones only when started, apart (enforce_big_done). */
#define ENFORCE_INLINE_HASH_MAX (64ll << 20)

struct big;
struct fileids;

struct enforcer {
	struct applier *a; /* the policy in force, its loader and digests */
	struct event_reader *r; /* where the records of kills go */
	int overflowed; /* the watch lost events: walk again */
	unsigned long overflows;
	struct big *big; /* large files being hashed apart, or NULL */
	unsigned long rule_failures; /* inode rules that could not be added */
	struct fileids *ids; /* the files of the rules added, or NULL */
	size_t next_sweep; /* look for files gone when ids holds this many */
	unsigned long rules_removed; /* rules of files gone, removed */
};

/* The least number of files with a rule added at which to look for those
 * gone (then each time the number has doubled, and when the map is full). */
#define ENFORCE_SWEEP_MIN 256

/* watch_read's callback (ctx: the enforcer). */
int enforce_on_watch(const struct watch_event *ev, void *ctx);
/* Act on a record before it is printed (a fileless start). */
void enforce_record(struct enforcer *e, const struct record *r);
/* Readable when a large file's hash is done (-1: none under way); then
 * enforce_big_done acts on it, and gives up hashes of ended processes. */
int enforce_big_fd(const struct enforcer *e);
void enforce_big_done(struct enforcer *e);
/* Stops the hashes under way. */
void enforce_close(struct enforcer *e);

#endif /* __APPBAN_ENFORCE_H */
