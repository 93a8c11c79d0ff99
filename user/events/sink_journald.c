// SPDX-License-Identifier: GPL-2.0
/* `sink journald`: the journal's native protocol (libsystemd's
 * sd_journal_sendv, opened when this sink is configured: util/dl.h), with
 * one fixed MESSAGE_ID per action (docs/sinks.md lists them) and the
 * record's fields (APPBAN_*) for journalctl's matches. A journal that is
 * not there (journald stopped) is tried again with a backoff. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "events/format.h"
#include "events/sink_int.h"
#include "util/dl.h"

static int (*journal_sendv)(const struct iovec *iov, int n);

static const struct dl_sym journal_syms[] = {
	{ "sd_journal_sendv", (void **)&journal_sendv },
};

static struct dl_lib journal_lib = {
	.soname = "libsystemd.so.0",
	.package = "libsystemd0",
	.syms = journal_syms,
	.n_syms = 1,
};

/* Fixed for ever: a SIEM or `journalctl MESSAGE_ID=` matches on them. */
static const struct {
	enum record_kind kind;
	const char *id;
} message_ids[] = {
	{ REC_POLICY_LOADED, "23378625886e4ff09bb5191265ceaa0b" },
	{ REC_EXEC_BLOCKED, "33ef87d4860c4794b050754e45ee98aa" },
	{ REC_EXEC_AUDITED, "5fc2fd0a58334fc2ba0020c1158b94e5" },
	{ REC_NET_BLOCKED, "e492bd08be1b4c7d983accf6496d28d6" },
	{ REC_NET_AUDITED, "753c930b673a46658086e7b23d2bf669" },
	{ REC_EVENTS_LOST, "0b62b63667c241b397e2542fdd7b1bba" },
	{ REC_TAMPER_BLOCKED, "093cd48eface4a99983a9a15c8ad74a0" },
	{ REC_TAMPER_DETECTED, "5f4a655db32b4d889b8eebbfb9c83642" },
	{ REC_POLICY_UNLOADED, "1b1dd040a6284666956ab952e3135562" },
	{ REC_PROCESS_KILLED, "5d2c91b22c984a2fb65a2a9d8c11541a" },
	{ REC_CONN_CLOSED, "35f46cfc89a94ce0b8cc5f97d575d66f" },
	{ REC_POLICY_REFUSED, "5c16e54f2e144e37a19d1900e7615f6a" },
	{ REC_POLICY_STALE, "0447862df54440c394e39f29e01a994c" },
	{ REC_SOURCE_FAILED, "33cabc3920c5453b9ee2de7bfcb51109" },
	{ REC_SOURCE_RECOVERED, "8fb7977b14a545cb9a0dc3188e42402c" },
	{ REC_HEARTBEAT, "19598e272ec74a988faad6a94518fd7c" },
	{ REC_DAEMON_STARTED, "609acfbc26fc4561bbebea064d07b75b" },
	{ REC_DAEMON_STOPPED, "71c54b681e8945d4b0520a07369cf1b8" },
	{ REC_EVENTS_SUPPRESSED, "1b10919936dc45efa0015f8db65599b8" },
};

static const char *message_id(int kind)
{
	size_t i;

	for (i = 0; i < sizeof(message_ids) / sizeof(message_ids[0]); i++)
		if ((int)message_ids[i].kind == kind)
			return message_ids[i].id;
	return NULL;
}

static int journald_open_cb(struct sink *s, const struct fleet_sink *c)
{
	return dl_load(&journal_lib);
}

/* Append "KEY=value" (value of len bytes) to buf at *pos as the next iovec. */
static void field(char *buf, size_t *pos, struct iovec *iov, int *k, const char *key,
		  const char *val, size_t len)
{
	size_t kl = strlen(key);
	char *p = buf + *pos;

	memcpy(p, key, kl);
	memcpy(p + kl, val, len);
	iov[(*k)++] = (struct iovec){ p, kl + len };
	*pos += kl + len;
}

static int journald_write_cb(struct sink *s, struct sink_msg *const *m, size_t n)
{
	/* (the fields of one entry, the longest a record's two lines, 16 KiB
	 * each, and a few names) */
	char *buf = NULL;
	size_t cap = 0, i;
	int err;

	for (i = 0; i < n; i++) {
		const struct sink_msg *r = m[i];
		const char *action = record_action((enum record_kind)r->kind);
		const char *id = message_id(r->kind);
		size_t text_len = r->text && r->text_len ? r->text_len - 1 : 0;
		size_t need = r->json_len + text_len + 512, pos = 0;
		struct iovec iov[10];
		int k = 0;

		if (need > cap) {
			char *nb = realloc(buf, need);

			if (!nb) {
				sink_lost(s, 1);
				continue;
			}
			buf = nb;
			cap = need;
		}
		/* sd_journal_sendv takes whole "KEY=value" iovecs: each field
		 * is one buffer */
		field(buf, &pos, iov, &k, "PRIORITY=", r->alert ? "4" : "6", 1);
		field(buf, &pos, iov, &k, "SYSLOG_IDENTIFIER=", "appban", 6);
		field(buf, &pos, iov, &k, "MESSAGE=", r->text ? r->text : "", text_len);
		if (id)
			field(buf, &pos, iov, &k, "MESSAGE_ID=", id, strlen(id));
		field(buf, &pos, iov, &k, "APPBAN_ACTION=", action, strlen(action));
		if (r->app[0])
			field(buf, &pos, iov, &k, "APPBAN_APP=", r->app, strlen(r->app));
		if (r->policy[0])
			field(buf, &pos, iov, &k, "APPBAN_POLICY=", r->policy, strlen(r->policy));
		field(buf, &pos, iov, &k, "APPBAN_JSON=", r->json, r->json_len - 1);
		err = journal_sendv(iov, k);
		if (err < 0) {
			sink_error(s, "cannot write to the journal: %s", strerror(-err));
			free(buf);
			return i ? (int)i : err;
		}
		sink_wrote(s, 1);
	}
	free(buf);
	return (int)n;
}

static void journald_close_cb(struct sink *s)
{
}

const struct sink_ops sink_journald_ops = {
	.open = journald_open_cb,
	.write = journald_write_cb,
	.close = journald_close_cb,
};
