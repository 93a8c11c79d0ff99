// SPDX-License-Identifier: GPL-2.0
/* Arguments of configuration statements: what each one may be, and the
 * message that says so when it is not. Used by config.c, one argument at a time. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/config_int.h"
#include "fleet/url.h"
#include "policy/parse_arg.h"
#include "util/base64.h"

#define ESC(buf, s) lex_escape(buf, sizeof(buf), s)

#define PIN_PREFIX "sha256//"
#define PIN_B64_LEN 44 /* base64 of 32 bytes: 43 characters and one "=" */

/* RFC 5424's facilities that syslog(3) names; 12 to 15 have no name there. */
static const char *const facilities[24] = {
	[0] = "kern",	   [1] = "user",    [2] = "mail",    [3] = "daemon",  [4] = "auth",
	[5] = "syslog",	   [6] = "lpr",	    [7] = "news",    [8] = "uucp",    [9] = "cron",
	[10] = "authpriv", [11] = "ftp",    [16] = "local0", [17] = "local1", [18] = "local2",
	[19] = "local3",   [20] = "local4", [21] = "local5", [22] = "local6", [23] = "local7",
};

const char *fleet_facility_str(unsigned int facility)
{
	return facility < 24 ? facilities[facility] : NULL;
}

int cfg_arg_path(struct diag *d, const char *what, const struct token *t)
{
	char q[LEX_ESC_SIZE];

	if (t->text[0] != '/') {
		diag_error(d, t->loc,
			   "%s must be an absolute path (starting with \"/\"), not \"%s\"", what,
			   ESC(q, t->text));
		return -EINVAL;
	}
	if (t->len > CFG_PATH_LEN_MAX) {
		diag_error(d, t->loc, "%s: path longer than %d bytes", what, CFG_PATH_LEN_MAX);
		return -EINVAL;
	}
	if (memchr(t->text, '\n', t->len)) {
		diag_error(d, t->loc, "%s: a path cannot hold a newline", what);
		return -EINVAL;
	}
	return 0;
}

int cfg_arg_uint(struct diag *d, const char *what, const char *unit, const struct token *t,
		 uint64_t min, uint64_t max, uint64_t *v)
{
	char q[LEX_ESC_SIZE];

	if (arg_u64(t->text, UINT64_MAX, v) || *v < min || *v > max) {
		diag_error(d, t->loc, "%s must be a number%s%s from %llu to %llu, not \"%s\"", what,
			   unit ? " of " : "", unit ? unit : "", (unsigned long long)min,
			   (unsigned long long)max, ESC(q, t->text));
		return -EINVAL;
	}
	return 0;
}

/* n bytes as the largest unit that divides it: 1K, 10M, 1T. */
static void size_str(char *buf, size_t size, uint64_t n)
{
	static const char units[] = "KMGT";
	int u = -1;

	while (n && !(n & 1023) && u < 3) {
		n >>= 10;
		u++;
	}
	if (u < 0)
		snprintf(buf, size, "%llu", (unsigned long long)n);
	else
		snprintf(buf, size, "%llu%c", (unsigned long long)n, units[u]);
}

int cfg_arg_size(struct diag *d, const char *what, const struct token *t, uint64_t min,
		 uint64_t max, uint64_t *v)
{
	char q[LEX_ESC_SIZE], lo[24], hi[24], num[24];
	unsigned int shift = 0;
	size_t len = t->len;
	uint64_t n;

	if (len) {
		switch (t->text[len - 1]) {
		case 'K':
		case 'k':
			shift = 10;
			break;
		case 'M':
		case 'm':
			shift = 20;
			break;
		case 'G':
		case 'g':
			shift = 30;
			break;
		}
	}
	if (shift)
		len--;
	if (len && len < sizeof(num)) {
		memcpy(num, t->text, len);
		num[len] = '\0';
	} else {
		num[0] = '\0';
	}
	if (arg_u64(num, UINT64_MAX >> shift, &n) || (n << shift) < min || (n << shift) > max) {
		size_str(lo, sizeof(lo), min);
		size_str(hi, sizeof(hi), max);
		diag_error(
			d, t->loc,
			"%s must be a size from %s to %s (bytes, or a number and K, M or G), not \"%s\"",
			what, lo, hi, ESC(q, t->text));
		return -EINVAL;
	}
	*v = n << shift;
	return 0;
}

int cfg_arg_yes_no(struct diag *d, const char *what, const struct token *t, int *v)
{
	char q[LEX_ESC_SIZE];

	if (!strcmp(t->text, "yes")) {
		*v = 1;
	} else if (!strcmp(t->text, "no")) {
		*v = 0;
	} else {
		diag_error(d, t->loc, "%s must be yes or no, not \"%s\"", what, ESC(q, t->text));
		return -EINVAL;
	}
	return 0;
}

int cfg_arg_rate(struct diag *d, const struct token *t, unsigned int *rate)
{
	char q[LEX_ESC_SIZE], num[24];
	uint64_t n;

	if (t->len < 3 || t->len - 2 >= sizeof(num) || strcmp(t->text + t->len - 2, "/s"))
		goto bad;
	memcpy(num, t->text, t->len - 2);
	num[t->len - 2] = '\0';
	if (arg_u64(num, FLEET_RATE_MAX, &n) || !n)
		goto bad;
	*rate = (unsigned int)n;
	return 0;
bad:
	diag_error(d, t->loc,
		   "rate-limit must be records per second, N/s with N from 1 to %d, not \"%s\"",
		   FLEET_RATE_MAX, ESC(q, t->text));
	return -EINVAL;
}

int cfg_arg_pin(struct diag *d, const struct token *t)
{
	const size_t plen = sizeof(PIN_PREFIX) - 1;
	char q[LEX_ESC_SIZE];
	uint8_t sha[32];

	/* canonical padded base64 of exactly 32 bytes (util/base64.c) */
	if (t->len != plen + PIN_B64_LEN || strncmp(t->text, PIN_PREFIX, plen) ||
	    base64_decode(t->text + plen, PIN_B64_LEN, sha, sizeof(sha)))
		goto bad;
	return 0;
bad:
	diag_error(
		d, t->loc,
		"pin must be sha256// and the base64 of the server key's 32-byte SHA-256 (44 characters, as curl's --pinnedpubkey), not \"%s\"",
		ESC(q, t->text));
	return -EINVAL;
}

int cfg_arg_facility(struct diag *d, const struct token *t, unsigned int *facility)
{
	char q[LEX_ESC_SIZE];
	unsigned int i;

	for (i = 0; i < 24; i++) {
		if (facilities[i] && !strcmp(t->text, facilities[i])) {
			*facility = i;
			return 0;
		}
	}
	diag_error(
		d, t->loc,
		"unknown syslog facility \"%s\" (expected kern, user, mail, daemon, auth, syslog, lpr, news, uucp, cron, authpriv, ftp or local0 to local7)",
		ESC(q, t->text));
	return -EINVAL;
}

int cfg_arg_syslog_address(struct diag *d, const char *address, struct src_loc loc,
			   struct fleet_sink *s)
{
	char q[LEX_ESC_SIZE], why[160], host[256];
	unsigned int port;
	const char *rest;

	if (!strncmp(address, "unix:", 5)) {
		rest = address + 5;
		if (rest[0] != '/') {
			diag_error(
				d, loc,
				"syslog address unix: needs an absolute path (unix:/dev/log), not \"%s\"",
				ESC(q, address));
			return -EINVAL;
		}
		if (strlen(rest) > 107) { /* sun_path */
			diag_error(d, loc, "syslog socket path longer than 107 bytes: \"%s\"",
				   ESC(q, address));
			return -EINVAL;
		}
		s->transport = FLEET_SYSLOG_UNIX;
		s->socket = strdup(rest);
		return s->socket ? 0 : -ENOMEM;
	}
	if (strncmp(address, "udp:", 4) && strncmp(address, "tcp:", 4)) {
		diag_error(
			d, loc,
			"syslog address must be unix:/PATH, udp:HOST:PORT or tcp:HOST:PORT, not \"%s\"",
			ESC(q, address));
		return -EINVAL;
	}
	rest = address + 4;
	if (url_hostport(rest, strlen(rest), host, sizeof(host), &port, why, sizeof(why))) {
		diag_error(d, loc, "syslog address \"%s\" %s", ESC(q, address), why);
		return -EINVAL;
	}
	if (!port) {
		diag_error(d, loc,
			   "syslog address \"%s\" has no port (%.3s:HOST:PORT, e.g. port 514)",
			   ESC(q, address), address);
		return -EINVAL;
	}
	s->transport = address[0] == 'u' ? FLEET_SYSLOG_UDP : FLEET_SYSLOG_TCP;
	s->port = (uint16_t)port;
	s->host = strdup(host);
	return s->host ? 0 : -ENOMEM;
}
