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

static int journald_write_cb(struct sink *s, struct sink_msg *const *m, size_t n)
{
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		const struct sink_msg *r = m[i];
		const char *action = record_action((enum record_kind)r->kind);
		const char *id = message_id(r->kind);
		struct iovec iov[20];
		char prio[16], *parts[8];
		int k = 0, c = 0, p;

		/* sd_journal_sendv takes whole "KEY=value" iovecs: each field
		 * is one buffer */
		snprintf(prio, sizeof(prio), "PRIORITY=%d", r->alert ? 4 : 6);
		iov[k++] = (struct iovec){ prio, strlen(prio) };
		iov[k++] = (struct iovec){ "SYSLOG_IDENTIFIER=appban", 24 };
		if (asprintf(&parts[c++], "MESSAGE=%.*s", (int)(r->text_len ? r->text_len - 1 : 0),
			     r->text ? r->text : "") < 0)
			goto nomem;
		if (id && asprintf(&parts[c++], "MESSAGE_ID=%s", id) < 0)
			goto nomem;
		if (asprintf(&parts[c++], "APPBAN_ACTION=%s", action) < 0)
			goto nomem;
		if (r->app[0] && asprintf(&parts[c++], "APPBAN_APP=%s", r->app) < 0)
			goto nomem;
		if (r->policy[0] && asprintf(&parts[c++], "APPBAN_POLICY=%s", r->policy) < 0)
			goto nomem;
		if (asprintf(&parts[c++], "APPBAN_JSON=%.*s", (int)(r->json_len - 1), r->json) < 0)
			goto nomem;
		for (p = 0; p < c; p++)
			iov[k++] = (struct iovec){ parts[p], strlen(parts[p]) };
		err = journal_sendv(iov, k);
		for (p = 0; p < c; p++)
			free(parts[p]);
		if (err < 0) {
			sink_error(s, "cannot write to the journal: %s", strerror(-err));
			return i ? (int)i : err;
		}
		sink_wrote(s, 1);
		continue;
nomem:
		for (p = 0; p < c - 1; p++)
			free(parts[p]);
		sink_lost(s, 1);
	}
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
