/* SPDX-License-Identifier: GPL-2.0 */
/* A parsed policy: what parse.c makes of the text, and what the argument
 * checks (parse_arg.c) and the compiler (compile.c, allow.c) read. */
#ifndef __APPBAN_AST_H
#define __APPBAN_AST_H

#include <stddef.h>
#include <stdint.h>

#include "policy/diag.h"
#include "util/names.h"

#define POLICY_NAME_MAX 63 /* [A-Za-z0-9_.-]{1,63} */
/* An allow block's name in a composed policy: LAYER/NAME (compose.h). */
#define ALLOW_NAME_MAX (2 * POLICY_NAME_MAX + 1)

enum ident_kind {
	IDENT_PATH,
	IDENT_DIR,
	IDENT_SHA256,
	IDENT_NAME,
	IDENT_FLATPAK,
	IDENT_SNAP,
};

enum app_action {
	APP_ACTION_NONE, /* only while parsing: a missing action is an error */
	APP_ACTION_DENY_EXEC,
	APP_ACTION_DENY_NETWORK,
	APP_ACTION_AUDIT,
};

struct ident {
	enum ident_kind kind;
	char *value; /* path, dir, lowercase hex digest, name, app id */
	struct src_loc loc; /* of the keyword */
	struct src_loc value_loc;
};

struct app {
	char name[POLICY_NAME_MAX + 1];
	struct src_loc loc; /* of the keyword `app` */
	char *description; /* NULL when absent */
	enum app_action action;
	struct src_loc action_loc;
	struct ident *idents;
	size_t n_idents;
};

enum principal_kind {
	PRINCIPAL_USER, /* name: resolved at load */
	PRINCIPAL_UID,
	PRINCIPAL_GROUP, /* name: resolved at load */
	PRINCIPAL_GID,
};

struct principal {
	enum principal_kind kind;
	char *name; /* USER, GROUP */
	uint32_t id; /* UID, GID */
	struct src_loc loc;
};

/* app_index of a reference in an exceptions file: its app is in the base
 * policy, found when the file is composed with it (compose.h). */
#define APP_REF_UNRESOLVED SIZE_MAX

struct app_ref {
	char *name;
	size_t app_index; /* index into policy.apps, checked by the parser */
	struct src_loc loc;
};

struct allow {
	char name[ALLOW_NAME_MAX + 1]; /* NAME; LAYER/NAME when it came from an exceptions file */
	/* The file it is written in, for messages, when not the policy's own
	 * (d->file): the exceptions file of a composition. Owned. */
	char *file;
	struct src_loc loc;
	struct app_ref *apps;
	size_t n_apps;
	struct principal *principals;
	size_t n_principals;
	int has_until;
	int64_t until; /* seconds since the epoch: end of that day, UTC (next day 00:00:00) */
	struct src_loc until_loc;
};

struct policy {
	char name[POLICY_NAME_MAX + 1]; /* `policy NAME`, else the file's base name without .policy */
	int has_name;
	char *file; /* the file name it was parsed under (owned), for messages; NULL: none given */
	/* An exceptions file: allow blocks and no app (docs/policy.md,
	 * "Exception files"). Its app references are APP_REF_UNRESOLVED. */
	int exceptions_only;
	uint64_t serial;
	int monitor; /* mode monitor */
	int deny_fileless; /* deny fileless-exec: refuse executing memfd or deleted files */
	struct src_loc mode_loc;
	int has_expires;
	int64_t expires; /* `expires`: seconds since the epoch, end of that day UTC (as until) */
	struct src_loc expires_loc; /* of the date */
	struct app *apps;
	size_t n_apps;
	struct allow *allows;
	size_t n_allows;
};

/* "path", "dir", ...: an identifier kind is its match kind less one
 * (APPBAN_MATCH_PATH is 1). */
static inline const char *ident_kind_str(enum ident_kind k)
{
	return match_str((unsigned int)k + 1);
}

/* "deny exec", ...: the actions are numbered as APPBAN_ACTION_*. */
static inline const char *app_action_str(enum app_action a)
{
	return action_str((unsigned int)a);
}

#endif /* __APPBAN_AST_H */
