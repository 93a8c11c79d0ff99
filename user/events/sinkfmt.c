// SPDX-License-Identifier: GPL-2.0
/* RFC 5424 / RFC 6587 frames and audit key=value messages (sinkfmt.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "events/sinkfmt.h"

int syslog_frame(const struct syslog_fields *f, int octet_count, char *buf, size_t len)
{
	char head[512], ts[96];
	time_t sec = (time_t)(f->ts_real_ns / 1000000000ull);
	unsigned int us = (unsigned int)(f->ts_real_ns % 1000000000ull / 1000);
	size_t msg_len = f->msg_len, hl;
	struct tm tm;
	int n, pre = 0;

	if (msg_len && f->msg[msg_len - 1] == '\n')
		msg_len--;
	gmtime_r(&sec, &tm);
	snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, us);
	n = snprintf(head, sizeof(head), "<%u>1 %s %.255s appban %u %.32s - ",
		     f->facility * 8 + f->severity, ts,
		     f->hostname && f->hostname[0] ? f->hostname : "-", f->procid,
		     f->msgid && f->msgid[0] ? f->msgid : "-");
	if (n < 0 || (size_t)n >= sizeof(head))
		return -ENOSPC;
	hl = (size_t)n;
	if (octet_count) {
		pre = snprintf(buf, len, "%zu ", hl + msg_len);
		if (pre < 0 || (size_t)pre >= len)
			return -ENOSPC;
	}
	if ((size_t)pre + hl + msg_len > len)
		return -ENOSPC;
	memcpy(buf + pre, head, hl);
	memcpy(buf + pre + hl, f->msg, msg_len);
	return (int)((size_t)pre + hl + msg_len);
}

static int needs_encoding(const char *s)
{
	for (; *s; s++)
		if (*s == '"' || (unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e)
			return 1;
	return 0;
}

int audit_encode(const char *val, char *buf, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(val), i;

	if (!needs_encoding(val)) {
		if (n + 3 > len)
			return -ENOSPC;
		buf[0] = '"';
		memcpy(buf + 1, val, n);
		buf[n + 1] = '"';
		buf[n + 2] = 0;
		return (int)n + 2;
	}
	if (2 * n + 1 > len)
		return -ENOSPC;
	for (i = 0; i < n; i++) {
		buf[2 * i] = hex[(unsigned char)val[i] >> 4];
		buf[2 * i + 1] = hex[(unsigned char)val[i] & 15];
	}
	buf[2 * n] = 0;
	return (int)(2 * n);
}

/* Append " key=" and val encoded; a val too long for what is left is cut
 * (whole bytes; audit's readers decode the hex they get). */
static int add_str(char *buf, size_t len, size_t *pos, const char *key, const char *val,
		   size_t reserve)
{
	char cut[4096];
	size_t room;
	int n;

	n = snprintf(buf + *pos, len - *pos, "%s%s=", *pos ? " " : "", key);
	if (n < 0 || (size_t)n >= len - *pos)
		return -ENOSPC;
	*pos += (size_t)n;
	room = len - *pos > reserve ? len - *pos - reserve : 0;
	snprintf(cut, sizeof(cut), "%s", val);
	/* hex doubles every byte: cut to what fits in either form */
	if (strlen(cut) * 2 + 3 > room && room > 3)
		cut[(room - 3) / 2] = 0;
	n = audit_encode(cut, buf + *pos, len - *pos);
	if (n < 0)
		return n;
	*pos += (size_t)n;
	return 0;
}

int audit_message(const struct audit_fields *f, char *buf, size_t len)
{
	size_t pos = 0, reserve = 96; /* pid, uid, policy name, res */
	int n;

	if (!len)
		return -ENOSPC;
	buf[0] = 0;
	n = snprintf(buf, len, "op=%s", f->op);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	pos = (size_t)n;
	if (f->app && f->app[0] && add_str(buf, len, &pos, "app", f->app, reserve + 64))
		return -ENOSPC;
	if (f->has_proc) {
		if (add_str(buf, len, &pos, "exe", f->exe ? f->exe : "", reserve + 64))
			return -ENOSPC;
		n = snprintf(buf + pos, len - pos, " pid=%u uid=%u", f->pid, f->uid);
		if (n < 0 || (size_t)n >= len - pos)
			return -ENOSPC;
		pos += (size_t)n;
	}
	if (f->policy && f->policy[0] && add_str(buf, len, &pos, "policy", f->policy, 16))
		return -ENOSPC;
	n = snprintf(buf + pos, len - pos, " res=%s", f->failed ? "failed" : "success");
	if (n < 0 || (size_t)n >= len - pos)
		return -ENOSPC;
	return (int)(pos + (size_t)n);
}
