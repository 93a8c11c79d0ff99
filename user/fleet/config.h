/* SPDX-License-Identifier: GPL-2.0 */
/* The daemon's configuration file (docs/configuration.md): text -> struct
 * fleet_config, every problem reported at its FILE:LINE:COL. Only what the
 * text shows is checked: the daemon opens the keys, directories and certificates. */
#ifndef __APPBAN_FLEET_CONFIG_H
#define __APPBAN_FLEET_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "policy/diag.h"

#define FLEET_CONFIG_PATH "/etc/appban/appban.conf"
#define FLEET_STATE_DIR "/var/lib/appban"
#define FLEET_POLICY_DIR "/etc/appban/policy.d"

/* Seconds. A check more often than every 10 s only loads the servers of a
 * fleet; the daemon backs off to one hour on failure, so a day is plenty. */
#define FLEET_EVERY_DEFAULT 300
#define FLEET_EVERY_MIN 10
#define FLEET_EVERY_MAX 86400
#define FLEET_HEARTBEAT_DEFAULT 3600
#define FLEET_HEARTBEAT_MIN 10
#define FLEET_HEARTBEAT_MAX 86400
#define FLEET_RATE_MAX 1000000 /* records per second, and burst */

#define FLEET_FILE_MAX_SIZE_DEFAULT (10ull << 20)
#define FLEET_FILE_MAX_SIZE_MIN (1ull << 10)
#define FLEET_FILE_MAX_SIZE_MAX (1ull << 40)
#define FLEET_FILE_KEEP_DEFAULT 5
#define FLEET_FILE_KEEP_MAX 1000
#define FLEET_SYSLOG_ADDRESS "unix:/dev/log"
#define FLEET_SYSLOG_FACILITY_DEFAULT 10 /* authpriv */

enum fleet_engine {
	FLEET_ENGINE_AUTO,
	FLEET_ENGINE_LSM,
	FLEET_ENGINE_FALLBACK,
};

enum fleet_key_role {
	FLEET_KEY_BASE, /* may sign a whole policy */
	FLEET_KEY_EXCEPTIONS, /* may sign only an exceptions file */
};

enum fleet_sink_kind {
	FLEET_SINK_FILE,
	FLEET_SINK_SYSLOG,
	FLEET_SINK_JOURNALD,
	FLEET_SINK_AUDIT,
};

enum fleet_syslog_transport {
	FLEET_SYSLOG_UNIX,
	FLEET_SYSLOG_UDP,
	FLEET_SYSLOG_TCP,
};

/* Every struct keeps where it was written, for the daemon's messages about
 * it (a key that cannot be read: "appban.conf:4:1: ..."). */
struct fleet_key {
	char *path; /* a minisign public key file */
	enum fleet_key_role role;
	struct src_loc loc;
};

struct fleet_source {
	char *url; /* https://, or http:// to a loopback host (fleet/url.h) */
	int http; /* the URL is plain http:// (to a loopback host) */
	unsigned int every; /* seconds between checks */
	char *ca; /* CA file in place of the system's CAs; NULL: the system's */
	char *client_cert; /* NULL: none */
	char *client_key; /* NULL: in the client_cert file, if any */
	char *pin; /* "sha256//B64[;sha256//B64...]" as curl's --pinnedpubkey; NULL: none */
	struct src_loc loc;
};

struct fleet_sink {
	enum fleet_sink_kind kind;
	struct src_loc loc;
	/* file */
	char *path;
	uint64_t max_size; /* bytes */
	unsigned int keep; /* rotated files kept */
	int compress; /* rotated files gzip-compressed */
	/* syslog */
	char *address; /* as written, e.g. "udp:[::1]:514" (default unix:/dev/log) */
	enum fleet_syslog_transport transport;
	char *socket; /* unix: the socket's path */
	char *host; /* udp, tcp: a name or an address, without brackets */
	uint16_t port; /* udp, tcp */
	unsigned int facility; /* 0 to 23, RFC 5424's numbers */
};

struct fleet_config {
	enum fleet_engine engine;
	char *state_dir;
	char *policy_dir;
	struct fleet_key *keys;
	size_t n_keys;
	struct fleet_source *sources;
	size_t n_sources;
	struct fleet_sink *sinks;
	size_t n_sinks;
	unsigned int heartbeat; /* seconds */
	unsigned int rate; /* records per second per app and action; 0: no limit */
	unsigned int burst;
};

/* Parse a configuration held in memory. Every problem is reported through d
 * (all of them, not only the first). Returns 0 and *out, the defaults filled
 * in; -EINVAL when d counted an error (then *out is NULL); -ENOMEM. */
int fleet_config_parse_buf(const char *buf, size_t len, struct fleet_config **out, struct diag *d);
/* Read and parse a file (d->file is set to path if NULL). A file that cannot
 * be read is reported through d at 1:1 and returns -errno (-ENOENT: no
 * such file). */
int fleet_config_parse_file(const char *path, struct fleet_config **out, struct diag *d);
/* Accepts NULL. */
void fleet_config_free(struct fleet_config *c);

const char *fleet_engine_str(enum fleet_engine e);
const char *fleet_key_role_str(enum fleet_key_role r);
const char *fleet_sink_kind_str(enum fleet_sink_kind k);
/* "authpriv", "local0"...; NULL for a number without a name. */
const char *fleet_facility_str(unsigned int facility);

#endif /* __APPBAN_FLEET_CONFIG_H */
