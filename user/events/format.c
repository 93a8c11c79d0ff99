// SPDX-License-Identifier: GPL-2.0
/* Event records as lines: ECS field names so that pipelines ingest them as
 * they are, and what ECS has no field for under "appban.". */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "events/format.h"
#include "util/names.h"

#ifndef APPBAN_VERSION
#define APPBAN_VERSION "unknown"
#endif

const char *record_action(enum record_kind k)
{
	switch (k) {
	case REC_POLICY_LOADED:
		return "policy-loaded";
	case REC_EXEC_BLOCKED:
		return "exec-blocked";
	case REC_EXEC_AUDITED:
		return "exec-audited";
	case REC_NET_BLOCKED:
		return "network-blocked";
	case REC_NET_AUDITED:
		return "network-audited";
	case REC_EVENTS_LOST:
		return "events-lost";
	case REC_TAMPER_BLOCKED:
		return "tamper-blocked";
	case REC_TAMPER_DETECTED:
		return "tamper-detected";
	case REC_POLICY_UNLOADED:
		return "policy-unloaded";
	case REC_PROCESS_KILLED:
		return "process-killed";
	case REC_CONN_CLOSED:
		return "connection-closed";
	case REC_POLICY_REFUSED:
		return "policy-refused";
	case REC_POLICY_STALE:
		return "policy-stale";
	case REC_SOURCE_FAILED:
		return "source-failed";
	case REC_SOURCE_RECOVERED:
		return "source-recovered";
	case REC_HEARTBEAT:
		return "heartbeat";
	case REC_DAEMON_STARTED:
		return "daemon-started";
	case REC_DAEMON_STOPPED:
		return "daemon-stopped";
	case REC_EVENTS_SUPPRESSED:
		return "events-suppressed";
	case REC_CONTENT_UNKNOWN:
		break; /* never printed */
	}
	return "unknown";
}

const char *record_event_type(enum record_kind k)
{
	/* ECS event.type, one list per action (docs/events.md): an action
	 * added without its own entry is "info" until it gets one. */
	switch (k) {
	case REC_EXEC_BLOCKED:
		return "[\"start\",\"denied\"]";
	case REC_EXEC_AUDITED:
		return "[\"start\",\"allowed\"]";
	case REC_NET_BLOCKED:
		return "[\"connection\",\"denied\"]";
	case REC_NET_AUDITED:
		return "[\"connection\",\"allowed\"]";
	case REC_PROCESS_KILLED:
		return "[\"end\"]";
	case REC_CONN_CLOSED:
		return "[\"connection\",\"end\"]";
	case REC_POLICY_LOADED:
	case REC_POLICY_UNLOADED:
	case REC_TAMPER_DETECTED:
		return "[\"change\"]";
	case REC_POLICY_REFUSED:
	case REC_TAMPER_BLOCKED:
		return "[\"change\",\"denied\"]";
	case REC_SOURCE_FAILED:
		return "[\"error\"]";
	case REC_DAEMON_STARTED:
		return "[\"start\"]";
	case REC_DAEMON_STOPPED:
		return "[\"end\"]";
	default:
		return "[\"info\"]";
	}
}

/* host.name and host.id (docs/events.md). The machine id is read once (it
 * does not change while the system runs); the host name may change
 * (hostnamectl), so it is asked again once a second, when the record's
 * second changes, at most. */
struct host_ident {
	char name[256];
	char id[64];
	int id_read;
	time_t name_sec;
};

static void read_machine_id(struct host_ident *h)
{
	const char *path = getenv("APPBAN_MACHINE_ID");
	FILE *f;
	size_t n;

	h->id_read = 1;
	f = fopen(path && path[0] ? path : "/etc/machine-id", "re");
	if (!f)
		return;
	if (!fgets(h->id, sizeof(h->id), f))
		h->id[0] = 0;
	fclose(f);
	n = strspn(h->id, "0123456789abcdef");
	/* 32 lower-case hex digits (machine-id(5)); anything else is not used */
	h->id[n == 32 ? n : 0] = 0;
}

static const struct host_ident *host_ident(time_t sec)
{
	static struct host_ident h = { .name_sec = -1 };

	if (!h.id_read)
		read_machine_id(&h);
	if (sec != h.name_sec) {
		if (gethostname(h.name, sizeof(h.name) - 1))
			h.name[0] = 0;
		h.name[sizeof(h.name) - 1] = 0;
		h.name_sec = sec;
	}
	return &h;
}

static const char *hook_str(__u8 h)
{
	static const char *const names[] = { "exec",	    "socket",	"connect", "sendmsg",
					     "bind",	    "recvmsg",	"listen",  "accept",
					     "mmap",	    "mprotect", "script",  "bpf-map",
					     "bpf-link",    "pin",	"umount",  "signal",
					     "policy-load", "fork" };

	return h < sizeof(names) / sizeof(names[0]) ? names[h] : "unknown";
}

static const char *method_str(__u8 m)
{
	switch (m) {
	case APPBAN_METHOD_EPERM:
		return "eperm";
	case APPBAN_METHOD_SIGKILL:
		return "sigkill";
	case APPBAN_METHOD_SOCK_DESTROY:
		return "sock-destroy";
	case APPBAN_METHOD_SHUTDOWN:
		return "shutdown";
	}
	return NULL;
}

static int is_tamper(enum record_kind k)
{
	return k == REC_TAMPER_BLOCKED || k == REC_TAMPER_DETECTED;
}

static int is_configuration(enum record_kind k)
{
	return k == REC_POLICY_LOADED || k == REC_POLICY_UNLOADED || is_tamper(k) ||
	       (k >= REC_POLICY_REFUSED && k != REC_EVENTS_SUPPRESSED);
}

static const char *transport_str(const struct appban_event *e)
{
	switch (e->protocol) {
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 1:
	case 58:
		return "icmp";
	case 132:
		return "sctp";
	}
	if (e->sock_type == SOCK_STREAM)
		return "tcp";
	if (e->sock_type == SOCK_DGRAM)
		return "udp";
	if (e->sock_type == SOCK_RAW)
		return "raw";
	return NULL;
}

void jb_printf(struct jbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len) {
		b->overflow = 1;
		return;
	}
	b->len += n;
}

/* The hot path of format_json without printf (vfprintf was half of the
 * reader's time in a flood): ,"key":"value" with a value known to need no
 * escaping, and ,"key":N or ,"key":"N". */
static inline __attribute__((always_inline)) void jb_field(struct jbuf *b, const char *key,
							   const char *val)
{
	jb_raw(b, ",\"");
	jb_raw(b, key);
	jb_raw(b, "\":\"");
	jb_raw(b, val);
	jb_raw(b, "\"");
}

static void jb_u64(struct jbuf *b, unsigned long long v)
{
	char tmp[24];
	int i = sizeof(tmp) - 1;

	tmp[i] = 0;
	do {
		tmp[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	jb_put(b, tmp + i, sizeof(tmp) - 1 - (size_t)i);
}

static inline void jb_field_u(struct jbuf *b, const char *key, unsigned long long v, int quoted)
{
	jb_raw(b, ",\"");
	jb_raw(b, key);
	jb_raw(b, quoted ? "\":\"" : "\":");
	jb_u64(b, v);
	if (quoted)
		jb_raw(b, "\"");
}

/* Length of a valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t need, i;
	unsigned int cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		need = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		need = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		need = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (need > n)
		return 0;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((need == 2 && cp < 0x80) || (need == 3 && cp < 0x800) ||
	    (need == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need;
}

void jb_str(struct jbuf *b, const char *str, size_t maxlen)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strnlen(str, maxlen), i = 0, k;
	char esc[8];

	jb_raw(b, "\"");
	while (i < n && !b->overflow) {
		/* a run of printable ASCII that needs no escape, copied at once */
		for (k = i; k < n && s[k] >= 0x20 && s[k] < 0x80 && s[k] != '"' && s[k] != '\\';
		     k++)
			;
		if (k > i) {
			if (b->len + (k - i) + 1 > b->cap) {
				b->overflow = 1;
				break;
			}
			memcpy(b->p + b->len, s + i, k - i);
			b->len += k - i;
			b->p[b->len] = 0;
			i = k;
			continue;
		}
		if (s[i] == '"' || s[i] == '\\') {
			snprintf(esc, sizeof(esc), "\\%c", s[i]);
			jb_raw(b, esc);
			i++;
		} else if (s[i] < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", s[i]);
			jb_raw(b, esc);
			i++;
		} else if ((k = utf8_len(s + i, n - i)) == 0) {
			jb_raw(b, "\\ufffd");
			i++;
		} else {
			if (b->len + k + 1 > b->cap) {
				b->overflow = 1;
				break;
			}
			memcpy(b->p + b->len, s + i, k);
			b->len += k;
			b->p[b->len] = 0;
			i += k;
		}
	}
	jb_raw(b, "\"");
}

static void rfc3339(uint64_t ns, char *buf, size_t len)
{
	/* The date and time to the second change once a second: cached. */
	/* (per thread: the sinks' threads format their events-lost records) */
	static __thread char day[80];
	static __thread int day_len;
	static __thread time_t day_sec = -1;
	time_t sec = ns / 1000000000ull;
	unsigned int us = ns % 1000000000ull / 1000;
	struct tm tm;
	int i;

	if (sec != day_sec) {
		gmtime_r(&sec, &tm);
		day_len = snprintf(day, sizeof(day), "%04d-%02d-%02dT%02d:%02d:%02d",
				   tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
				   tm.tm_min, tm.tm_sec);
		day_sec = sec;
	}
	i = day_len;
	if (i < 0 || (size_t)i + 9 > len) {
		if (len)
			buf[0] = 0;
		return;
	}
	memcpy(buf, day, (size_t)i);
	buf[i++] = '.';
	buf[i + 5] = '0' + us % 10, us /= 10;
	buf[i + 4] = '0' + us % 10, us /= 10;
	buf[i + 3] = '0' + us % 10, us /= 10;
	buf[i + 2] = '0' + us % 10, us /= 10;
	buf[i + 1] = '0' + us % 10, us /= 10;
	buf[i] = '0' + us % 10;
	buf[i + 6] = 'Z';
	buf[i + 7] = 0;
}

static int is_network(enum record_kind k)
{
	return k == REC_NET_BLOCKED || k == REC_NET_AUDITED || k == REC_CONN_CLOSED;
}

/* A process-killed or connection-closed record stops what the app was
 * doing, as a block stops what it tries. */
static int is_block(enum record_kind k)
{
	return k == REC_EXEC_BLOCKED || k == REC_NET_BLOCKED || k == REC_TAMPER_BLOCKED ||
	       k == REC_PROCESS_KILLED || k == REC_CONN_CLOSED;
}

static int is_alert(enum record_kind k)
{
	return is_block(k) || k == REC_TAMPER_DETECTED;
}

int record_is_alert(enum record_kind k)
{
	return is_alert(k);
}

const char *record_outcome(enum record_kind k)
{
	if (is_block(k) || k == REC_POLICY_REFUSED || k == REC_SOURCE_FAILED)
		return "failure";
	if (k == REC_EXEC_AUDITED || k == REC_NET_AUDITED || k == REC_TAMPER_DETECTED ||
	    k == REC_POLICY_UNLOADED)
		return "success";
	return "unknown";
}

/* What a tamper event was about: the object and, for a signal, its target. */
static void tamper_fields(struct jbuf *b, const struct appban_event *e)
{
	jb_printf(b, ",\"appban.hook\":\"%s\"", hook_str(e->hook));
	if (method_str(e->method))
		jb_printf(b, ",\"appban.method\":\"%s\"", method_str(e->method));
	jb_kstr(b, "appban.target.name", e->filename, sizeof(e->filename));
	if (e->hook == APPBAN_HOOK_SIGNAL)
		jb_printf(b, ",\"appban.target.pid\":%llu,\"appban.target.signal\":%u",
			  (unsigned long long)e->ino, e->dport);
	jb_printf(b, ",\"process.pid\":%u,\"process.parent.pid\":%u", e->pid, e->ppid);
	jb_kstr(b, "process.name", e->comm, sizeof(e->comm));
	jb_printf(b, ",\"user.id\":\"%u\",\"group.id\":\"%u\"", e->uid, e->gid);
}

static void addr_str(const struct appban_event *e, const __u8 *addr, char *buf, size_t len)
{
	buf[0] = 0;
	if (e->family == AF_INET)
		inet_ntop(AF_INET, addr, buf, len);
	else if (e->family == AF_INET6)
		inet_ntop(AF_INET6, addr, buf, len);
}

static void dest_ip(const struct appban_event *e, char *buf, size_t len)
{
	addr_str(e, e->daddr, buf, len);
}

static int finish(struct jbuf *b)
{
	jb_raw(b, "\n");
	return b->overflow ? -ENOSPC : (int)b->len;
}

int format_json(const struct record *r, char *buf, size_t len)
{
	struct jbuf b = { .p = buf, .cap = len };
	const struct appban_event *e = r->ev;
	const struct host_ident *host;
	char ts[80], ip[INET6_ADDRSTRLEN];
	const char *outcome = record_outcome(r->kind);
	const char *category = is_network(r->kind)	 ? "network" :
			       is_configuration(r->kind) ? "configuration" :
							   "process";

	if (!len)
		return -ENOSPC;
	buf[0] = 0;
	rfc3339(r->ts_real_ns, ts, sizeof(ts));
	jb_raw(&b, "{\"@timestamp\":\"");
	jb_raw(&b, ts);
	jb_raw(&b, "\"");
	jb_field(&b, "event.kind", is_alert(r->kind) ? "alert" : "event");
	jb_raw(&b, ",\"event.category\":[\"");
	jb_raw(&b, category);
	jb_raw(&b, "\"]");
	jb_raw(&b, ",\"event.type\":");
	jb_raw(&b, record_event_type(r->kind));
	jb_field(&b, "event.action", record_action(r->kind));
	jb_field(&b, "event.outcome", outcome);
	host = host_ident((time_t)(r->ts_real_ns / 1000000000ull));
	if (host->name[0])
		jb_kstr(&b, "host.name", host->name, sizeof(host->name));
	if (host->id[0])
		jb_field(&b, "host.id", host->id);
	jb_field(&b, "agent.type", "appban");
	jb_kstr(&b, "agent.version", APPBAN_VERSION, 64);
	jb_field(&b, "appban.engine", r->engine);
	jb_kstr(&b, "appban.policy.name", r->policy_name, sizeof(r->policy_name));
	jb_field_u(&b, "appban.policy.serial", r->policy_serial, 0);
	if (r->policy_unsigned)
		jb_raw(&b, ",\"appban.policy.unsigned\":true");
	jb_field(&b, "appban.policy.mode", r->monitor ? "monitor" : "enforce");
	if (r->kind == REC_POLICY_LOADED)
		jb_field_u(&b, "appban.policy.apps", r->n_apps, 0);
	if (r->kind == REC_EVENTS_LOST)
		jb_field_u(&b, "appban.lost", r->lost, 0);
	if (r->kind == REC_EVENTS_LOST && r->sink)
		jb_kstr(&b, "appban.sink", r->sink, 4200);
	if (r->kind == REC_EVENTS_SUPPRESSED) {
		jb_field_u(&b, "appban.suppressed", r->suppressed, 0);
		jb_kstr(&b, "rule.name", r->rule, sizeof(r->rule));
		jb_field(&b, "appban.suppressed.action", record_action(r->suppressed_kind));
	}
	if (r->kind == REC_POLICY_UNLOADED && r->by_known) {
		jb_field_u(&b, "process.pid", r->by_pid, 0);
		jb_field_u(&b, "user.id", r->by_uid, 1);
	}
	if (r->reason)
		jb_field(&b, "appban.reason", r->reason);
	if (r->file_path)
		jb_kstr(&b, "file.path", r->file_path, 4096);
	if (r->url)
		jb_kstr(&b, "url.full", r->url, 4096);
	/* (the common appban.policy.* fields stay the policy in force) */
	if (r->file_policy)
		jb_kstr(&b, "appban.refused.name", r->file_policy, 64);
	if (r->has_file_serial)
		jb_field_u(&b, "appban.refused.serial", r->file_serial, 0);
	if (r->message)
		jb_kstr(&b, "error.message", r->message, 1024);
	if (r->extra_json)
		jb_raw(&b, r->extra_json);
	if (!e)
		goto out;
	if (is_tamper(r->kind)) {
		tamper_fields(&b, e);
		goto out;
	}

	jb_kstr(&b, "rule.name", r->rule, sizeof(r->rule));
	if (r->exception[0])
		jb_kstr(&b, "appban.exception", r->exception, sizeof(r->exception));
	if (e->match)
		jb_field(&b, "appban.match", match_str(e->match));
	jb_field(&b, "appban.hook", hook_str(e->hook));
	if (method_str(e->method))
		jb_field(&b, "appban.method", method_str(e->method));
	jb_field_u(&b, "process.pid", e->pid, 0);
	jb_field_u(&b, "process.parent.pid", e->ppid, 0);
	jb_kstr(&b, "process.name", e->comm, sizeof(e->comm));
	if (e->filename[0])
		jb_kstr(&b, "process.executable", e->filename, sizeof(e->filename));
	if (r->sha256[0])
		jb_field(&b, "process.hash.sha256", r->sha256); /* char[65]: hex */
	jb_field_u(&b, "user.id", e->uid, 1);
	jb_field_u(&b, "group.id", e->gid, 1);
	if (e->ino) {
		jb_field_u(&b, "file.inode", e->ino, 1);
		jb_raw(&b, ",\"file.device\":\"");
		jb_u64(&b, e->dev >> 20);
		jb_raw(&b, ":");
		jb_u64(&b, e->dev & 0xfffff);
		jb_raw(&b, "\"");
	}
	if (is_network(r->kind)) {
		const char *t = transport_str(e);

		jb_printf(&b, ",\"network.type\":\"%s\"", e->family == AF_INET6 ? "ipv6" : "ipv4");
		if (t)
			jb_printf(&b, ",\"network.transport\":\"%s\"", t);
		if (r->kind == REC_CONN_CLOSED) {
			addr_str(e, e->saddr, ip, sizeof(ip));
			jb_printf(&b, ",\"source.ip\":\"%s\",\"source.port\":%u", ip, e->sport);
		}
		dest_ip(e, ip, sizeof(ip));
		if (e->dport || (e->hook != APPBAN_HOOK_SOCKET && ip[0] && strcmp(ip, "0.0.0.0") &&
				 strcmp(ip, "::"))) {
			jb_printf(&b, ",\"destination.ip\":\"%s\"", ip);
			jb_printf(&b, ",\"destination.port\":%u", e->dport);
		}
	}
out:
	jb_raw(&b, "}");
	return finish(&b);
}

int format_text(const struct record *r, char *buf, size_t len)
{
	struct jbuf b = { .p = buf, .cap = len };
	const struct appban_event *e = r->ev;
	char ts[80], ip[INET6_ADDRSTRLEN];

	if (!len)
		return -ENOSPC;
	buf[0] = 0;
	rfc3339(r->ts_real_ns, ts, sizeof(ts));
	jb_printf(&b, "%s %s", ts, record_action(r->kind));
	switch (r->kind) {
	case REC_POLICY_LOADED:
		jb_printf(&b, " policy %s serial %llu, %s mode, %u apps, engine %s", r->policy_name,
			  (unsigned long long)r->policy_serial, r->monitor ? "monitor" : "enforce",
			  r->n_apps, r->engine);
		return finish(&b);
	case REC_EVENTS_LOST:
		if (r->sink) {
			jb_printf(&b, " %llu events lost by sink ", (unsigned long long)r->lost);
			jb_str(&b, r->sink, 4200);
		} else {
			jb_printf(&b, " %llu events lost (the reader fell behind)",
				  (unsigned long long)r->lost);
		}
		return finish(&b);
	case REC_EVENTS_SUPPRESSED:
		jb_printf(&b, " %llu %s records of app %s held back by the rate limit",
			  (unsigned long long)r->suppressed, record_action(r->suppressed_kind),
			  r->rule[0] ? r->rule : "?");
		return finish(&b);
	case REC_POLICY_UNLOADED:
		jb_printf(&b, " policy %s serial %llu", r->policy_name,
			  (unsigned long long)r->policy_serial);
		if (r->by_known)
			jb_printf(&b, " by pid %u uid %u", r->by_pid, r->by_uid);
		return finish(&b);
	case REC_POLICY_REFUSED:
	case REC_POLICY_STALE:
	case REC_SOURCE_FAILED:
	case REC_SOURCE_RECOVERED:
	case REC_HEARTBEAT:
	case REC_DAEMON_STARTED:
	case REC_DAEMON_STOPPED:
		if (r->file_path || r->url) {
			jb_raw(&b, " ");
			jb_str(&b, r->file_path ? r->file_path : r->url, 4096);
		}
		if (r->file_policy)
			jb_printf(&b, " policy %s", r->file_policy);
		if (r->has_file_serial)
			jb_printf(&b, " serial %llu", (unsigned long long)r->file_serial);
		if (r->reason)
			jb_printf(&b, " (%s)", r->reason);
		if (r->message) {
			jb_raw(&b, ": ");
			jb_str(&b, r->message, 1024);
		}
		if (r->extra_text)
			jb_raw(&b, r->extra_text);
		if (r->policy_name[0])
			jb_printf(&b, "; in force: policy %s serial %llu", r->policy_name,
				  (unsigned long long)r->policy_serial);
		return finish(&b);
	case REC_TAMPER_BLOCKED:
	case REC_TAMPER_DETECTED:
		jb_printf(&b, " %s ", hook_str(e->hook));
		jb_str(&b, e->filename, sizeof(e->filename));
		if (e->hook == APPBAN_HOOK_SIGNAL)
			jb_printf(&b, " signal %u to pid %llu", e->dport,
				  (unsigned long long)e->ino);
		jb_printf(&b, " by pid %u uid %u comm ", e->pid, e->uid);
		jb_str(&b, e->comm, sizeof(e->comm));
		if (method_str(e->method))
			jb_printf(&b, " (%s)", method_str(e->method));
		return finish(&b);
	default:
		break;
	}
	jb_printf(&b, " app %s (%s) pid %u uid %u comm ", r->rule[0] ? r->rule : "?",
		  match_str(e->match), e->pid, e->uid);
	jb_str(&b, e->comm, sizeof(e->comm));
	if (e->filename[0]) {
		jb_raw(&b, " exe ");
		jb_str(&b, e->filename, sizeof(e->filename));
	}
	if (r->kind == REC_CONN_CLOSED) {
		addr_str(e, e->saddr, ip, sizeof(ip));
		jb_printf(&b, e->family == AF_INET6 ? " [%s]:%u" : " %s:%u", ip, e->sport);
		dest_ip(e, ip, sizeof(ip));
		if (e->dport)
			jb_printf(&b, e->family == AF_INET6 ? " to [%s]:%u" : " to %s:%u", ip,
				  e->dport);
	} else if (is_network(r->kind)) {
		dest_ip(e, ip, sizeof(ip));
		jb_printf(&b, " %s", hook_str(e->hook));
		if (e->dport)
			jb_printf(&b, e->family == AF_INET6 ? " to [%s]:%u" : " to %s:%u", ip,
				  e->dport);
	}
	if (method_str(e->method) || r->reason) {
		jb_raw(&b, " (");
		if (method_str(e->method))
			jb_printf(&b, "%s%s", method_str(e->method), r->reason ? ": " : "");
		if (r->reason)
			jb_raw(&b, r->reason);
		jb_raw(&b, ")");
	}
	if (r->exception[0]) {
		jb_raw(&b, " allowed by exception ");
		jb_str(&b, r->exception, sizeof(r->exception));
	}
	return finish(&b);
}
