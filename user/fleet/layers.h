/* SPDX-License-Identifier: GPL-2.0 */
/* Which files make the policy in force (docs/fleet.md, "Layers"): one base
 * and any number of exceptions files, from the policy directory and the
 * sources, each checked (size, signature and its key's role, parse,
 * anti-rollback) before anything in force changes. Pure decisions: the
 * caller composes, compiles and swaps what this module picks, then commits
 * it (serials and last good files into the state directory). */
#ifndef __APPBAN_LAYERS_H
#define __APPBAN_LAYERS_H

#include <stddef.h>
#include <stdint.h>

#include "fleet/config.h"
#include "fleet/minisign.h"
#include "fleet/state.h"
#include "fleet/trust.h"
#include "policy/ast.h"

/* One file as a source offers it now. */
struct candidate {
	const char *origin; /* a path of the policy directory, or a URL */
	int is_url;
	const char *raw; /* the bytes as signed */
	size_t raw_len;
	const char *text; /* the policy text (raw, or raw gunzipped) */
	size_t text_len;
	const char *sig; /* its .minisig, or NULL */
	size_t sig_len;
	int read_err; /* the file could not be read: -errno (-EFBIG: too large) */
	uint64_t changed_ns; /* CLOCK_REALTIME of its last change (the later of
			      * the file's and its signature's) */
};

/* A file that the composition holds. */
struct layer {
	char name[64];
	int is_base;
	uint64_t serial;
	int64_t expires; /* 0: none */
	uint8_t sha[32]; /* of raw */
	char *raw, *text, *sig; /* text == raw unless gunzipped */
	size_t raw_len, text_len, sig_len;
	char origin[4096];
	struct policy *ast;
	int is_new; /* not committed yet */
	int saved_once; /* to write into the state directory even if not new */
	int borrowed; /* a layer of ls->in_force that next points at */
};

/* Why a file was refused: appban.reason of docs/events.md. */
enum refusal_reason {
	REFUSED_SIZE,
	REFUSED_SIGNATURE,
	REFUSED_KEY_ROLE,
	REFUSED_ROLLBACK,
	REFUSED_PARSE,
	REFUSED_COMPILE,
	REFUSED_SECOND_BASE,
	REFUSED_STATE, /* the state directory could not be read */
};
const char *refusal_reason_str(enum refusal_reason r);

struct refusal {
	enum refusal_reason reason;
	const char *origin;
	int is_url;
	const char *name; /* the file's policy name, when it parsed */
	int has_serial;
	uint64_t serial;
	const char *message;
};

typedef void (*refusal_cb)(void *ctx, const struct refusal *r);

/* How long a policy whose signature is missing or does not match waits
 * for its other half before it is refused (either may arrive first). */
#define LAYERS_PAIR_GRACE_NS (3ull * 1000000000ull)

struct layerset {
	const struct fleet_state *st;
	const struct trusted_key *keys; /* none: signatures are optional */
	size_t n_keys;
	struct layer *in_force; /* the composition in force: the base first */
	size_t n_in_force;
	uint8_t (*reported)[32]; /* refusals already reported (once per file) */
	size_t n_reported;
};

/*
 * Judge every file offered now (c, n: all sources together; `offered` tells
 * which layer names' origins positively no longer offer them is the caller's
 * job through `absent`) and pick the next composition into *next (the base
 * first, then the exceptions files by name). Refusals go to cb, each file
 * once. A file waiting for its signature sets *recheck_ns (CLOCK_REALTIME)
 * to when to look again (0: no wait). Returns 1 when *next differs from the
 * composition in force, 0 when not (*next NULL), -ENOMEM.
 *
 * absent(ctx, layer) says whether a layer in force is gone from its
 * origin: an exceptions layer that is gone ends (revocation); a base never
 * ends this way.
 */
int layerset_pick(struct layerset *ls, const struct candidate *c, size_t n, uint64_t now_ns,
		  int (*absent)(void *ctx, const struct layer *l), refusal_cb cb, void *ctx,
		  struct layer **next, size_t *n_next, uint64_t *recheck_ns);
/* The composition `next` is in force: it becomes ls->in_force, its serials
 * and files go into the state directory, the layers it dropped out of it.
 * Takes next. 0, or -errno of the state directory (in force anyway). */
int layerset_commit(struct layerset *ls, struct layer *next, size_t n_next);
/* Frees what a composition owns (not what it borrowed). */
void layers_free(struct layer *l, size_t n);
/* Read the last good composition from the state directory (at start). */
int layerset_restore(struct layerset *ls, refusal_cb cb, void *ctx);
/* Forget refusals reported (a SIGHUP: report again). */
void layerset_forget_reported(struct layerset *ls);

#endif /* __APPBAN_LAYERS_H */
