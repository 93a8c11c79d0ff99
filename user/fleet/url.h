/* SPDX-License-Identifier: GPL-2.0 */
/* The URLs a source may name (docs/configuration.md, source): https://, or
 * http:// to a loopback host; checked on the text alone, never resolved. */
#ifndef __APPBAN_FLEET_URL_H
#define __APPBAN_FLEET_URL_H

#include <stddef.h>

/* 1 when host names this machine without asking any resolver:
 * "localhost", an IPv4 address of 127.0.0.0/8 in dotted-quad form, or the
 * IPv6 loopback ::1 (with or without brackets); else 0. */
int url_host_is_loopback(const char *host);

/* HOST[:PORT] of s (len bytes): HOST a name, an IPv4 address or an IPv6
 * address in brackets, copied without them into host[host_size]; *port
 * 0 when absent. Returns 0, or -EINVAL with why, as url_check. */
int url_hostport(const char *s, size_t len, char *host, size_t host_size, unsigned int *port,
		 char *why, size_t size);

/* Check a source URL: scheme https:// (or http:// to a loopback host), a
 * host, an optional port from 1 to 65535, a path naming a file, no
 * credentials, query or fragment (the signature is at URL + ".minisig").
 * Returns 0 (*http 1 for a loopback http:// URL), or -EINVAL with why, a
 * sentence without the URL, in why[size]. */
int url_check(const char *url, int *http, char *why, size_t size);

#endif /* __APPBAN_FLEET_URL_H */
