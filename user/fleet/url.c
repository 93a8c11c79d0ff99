// SPDX-License-Identifier: GPL-2.0
/* Source URLs checked as text: a daemon must refuse plain http:// to another
 * machine before any resolver or socket is involved. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "fleet/url.h"

#define URL_LEN_MAX 4096
#define HOST_LEN_MAX 253 /* of a DNS name */

int url_host_is_loopback(const char *host)
{
	char buf[INET6_ADDRSTRLEN];
	size_t len = strlen(host);
	struct in6_addr a6;
	struct in_addr a4;

	if (!strcasecmp(host, "localhost"))
		return 1;
	/* inet_pton takes only the dotted quad: "127.1" or "0x7f.0.0.1" are
	 * names here, never loopback. */
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
		if (len - 2 >= sizeof(buf))
			return 0;
		memcpy(buf, host + 1, len - 2);
		buf[len - 2] = '\0';
		host = buf;
	}
	return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

static int fail(char *why, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, size, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_';
}

int url_hostport(const char *s, size_t len, char *host, size_t host_size, unsigned int *port,
		 char *why, size_t size)
{
	const char *host_end, *end = s + len, *h = s, *p;
	struct in6_addr a6;
	unsigned int n = 0;
	size_t hlen, i;

	*port = 0;
	if (len && s[0] == '[') {
		host_end = memchr(s, ']', len);
		if (!host_end)
			return fail(why, size, "has an IPv6 address without its \"]\"");
		h = s + 1;
		hlen = (size_t)(host_end - h);
		host_end++;
		if (host_end < end && *host_end != ':')
			return fail(why, size, "has text after the IPv6 address's \"]\"");
	} else {
		host_end = memrchr(s, ':', len);
		if (!host_end)
			host_end = end;
		hlen = (size_t)(host_end - s);
	}
	if (!hlen)
		return fail(why, size, "has no host");
	if (hlen >= host_size || hlen > HOST_LEN_MAX)
		return fail(why, size, "has a host longer than %d characters", HOST_LEN_MAX);
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (h != s) {
		if (inet_pton(AF_INET6, host, &a6) != 1)
			return fail(why, size, "has an invalid IPv6 address \"%s\"", host);
	} else {
		for (i = 0; i < hlen; i++)
			if (!host_char(host[i]))
				return fail(
					why, size,
					"has an invalid host (letters, digits, \"-\", \".\", \"_\", or an IPv6 address in brackets)");
	}
	if (host_end == end)
		return 0;
	for (p = host_end + 1; p < end && *p >= '0' && *p <= '9' && n <= 65535; p++)
		n = n * 10 + (unsigned int)(*p - '0');
	if (p == host_end + 1 || p < end || !n || n > 65535)
		return fail(why, size, "has an invalid port (a number from 1 to 65535)");
	*port = n;
	return 0;
}

int url_check(const char *url, int *http, char *why, size_t size)
{
	char host[HOST_LEN_MAX + 1];
	const char *auth, *end, *path, *p;
	unsigned int port;
	int is_http, err;

	*http = 0;
	if (strlen(url) > URL_LEN_MAX)
		return fail(why, size, "is longer than %d characters", URL_LEN_MAX);
	for (p = url; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return fail(
				why, size,
				"has a space, a control or a non-ASCII character (percent-encode it)");
	if (!strncasecmp(url, "https://", 8)) {
		is_http = 0;
		auth = url + 8;
	} else if (!strncasecmp(url, "http://", 7)) {
		is_http = 1;
		auth = url + 7;
	} else {
		return fail(
			why, size,
			"must start with https:// (http:// only to a loopback host: 127.0.0.0/8, [::1] or localhost)");
	}
	end = auth + strcspn(auth, "/?#");
	if (memchr(auth, '@', (size_t)(end - auth)))
		return fail(
			why, size,
			"has credentials (USER@HOST), which would show in status and logs: use client-cert and client-key");
	err = url_hostport(auth, (size_t)(end - auth), host, sizeof(host), &port, why, size);
	if (err)
		return err;
	path = end;
	if (*path != '/')
		return fail(why, size, "has %s: the signature is fetched at URL + \".minisig\"",
			    *path ? "a query or a fragment" : "no path: name the policy file");
	if (strpbrk(path, "?#"))
		return fail(
			why, size,
			"has a query or a fragment, which the signature's URL (URL + \".minisig\") would break");
	if (path[strlen(path) - 1] == '/')
		return fail(why, size, "names a directory: name the policy file (.../NAME.policy)");
	if (is_http && !url_host_is_loopback(host))
		return fail(
			why, size,
			"uses plain http:// to another machine: use https:// (http:// only to a loopback host: 127.0.0.0/8, [::1] or localhost)");
	*http = is_http;
	return 0;
}
