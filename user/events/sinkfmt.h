/* SPDX-License-Identifier: GPL-2.0 */
/* The wire forms of the syslog and audit sinks, apart from any I/O so that
 * the unit tests check them byte for byte: RFC 5424 (with RFC 6587 octet
 * counting for TCP) and audit's key=value user messages. */
#ifndef __APPBAN_SINKFMT_H
#define __APPBAN_SINKFMT_H

#include <stddef.h>
#include <stdint.h>

#define SYSLOG_SEV_WARNING 4
#define SYSLOG_SEV_INFO 6

struct syslog_fields {
	unsigned int facility; /* 0..23 */
	unsigned int severity; /* SYSLOG_SEV_* */
	uint64_t ts_real_ns;
	const char *hostname; /* NULL or "": "-" */
	unsigned int procid; /* the daemon's pid */
	const char *msgid; /* the action */
	const char *msg; /* the JSON record (a trailing '\n' is left out) */
	size_t msg_len;
};

/* "<PRI>1 TIMESTAMP HOSTNAME appban PROCID MSGID - MSG", preceded by "LEN "
 * when octet_count (RFC 6587 3.4.1). Returns the length written into buf
 * (not NUL-terminated), or -ENOSPC. */
int syslog_frame(const struct syslog_fields *f, int octet_count, char *buf, size_t len);

/* A value as audit writes an untrusted string: "value" in double quotes,
 * or in upper-case hex without quotes when it holds a '"', a space, a
 * control character or a byte outside printable ASCII (libaudit's
 * audit_value_needs_encoding). Returns the length (NUL-terminated), or
 * -ENOSPC. */
int audit_encode(const char *val, char *buf, size_t len);

struct audit_fields {
	const char *op; /* the action */
	const char *app; /* NULL or "": left out */
	int has_proc;
	const char *exe;
	uint32_t pid, uid;
	const char *policy; /* NULL or "": left out */
	int failed; /* res=failed, else res=success */
};

/* "op=exec-blocked app=\"tiktok\" exe=\"/opt/x\" pid=12 uid=1000 policy=\"p\" res=failed",
 * NUL-terminated, at most len bytes (a long exe is cut). Returns the
 * length or -ENOSPC. */
int audit_message(const struct audit_fields *f, char *buf, size_t len);

#endif /* __APPBAN_SINKFMT_H */
