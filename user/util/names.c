// SPDX-License-Identifier: GPL-2.0
/* Names of match kinds and actions: one table each (bpf/abi.h's numbering). */
#include "util/names.h"

static const char *const match_names[] = { "none", "path",    "dir",  "sha256",
					   "name", "flatpak", "snap", "fileless" };

static const char *const action_names[] = { "none", "deny exec", "deny network", "audit" };

const char *match_str(unsigned int match)
{
	return match < sizeof(match_names) / sizeof(match_names[0]) ? match_names[match] :
								      "unknown";
}

const char *action_str(unsigned int action)
{
	return action < sizeof(action_names) / sizeof(action_names[0]) ? action_names[action] :
									 "unknown";
}
