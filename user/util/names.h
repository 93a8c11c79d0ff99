/* SPDX-License-Identifier: GPL-2.0 */
/* The one table of each set of names that people read: match kinds and
 * actions (bpf/abi.h), as the policy language, status, check and the events
 * spell them. */
#ifndef __APPBAN_UTIL_NAMES_H
#define __APPBAN_UTIL_NAMES_H

/* APPBAN_MATCH_*: "path", "dir", "sha256", "name", "flatpak", "snap",
 * "fileless"; "none" for 0, "unknown" out of range. */
const char *match_str(unsigned int match);
/* APPBAN_ACTION_*: "deny exec", "deny network", "audit"; "none" for 0. */
const char *action_str(unsigned int action);

#endif /* __APPBAN_UTIL_NAMES_H */
