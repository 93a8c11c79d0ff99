/* SPDX-License-Identifier: GPL-2.0 */
/* Which ways around a ban are closed on this kernel, and how: what
 * `appban status` lists under "protections". */
#ifndef __APPBAN_PROTECT_H
#define __APPBAN_PROTECT_H

#include "abi.h"

struct protection {
	const char *name; /* stable key: exec, dynamic-loader, ... */
	const char *state; /* refused, killed, reported, open */
	const char *how; /* one line for people */
};

/* Fill `out` (at least PROTECT_MAX entries) for this engine and policy;
 * returns the number of entries. */
#define PROTECT_MAX 24
int protections(const struct appban_state *st, const struct appban_meta *meta,
		struct protection *out);

#endif /* __APPBAN_PROTECT_H */
