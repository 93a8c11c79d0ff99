/* SPDX-License-Identifier: GPL-2.0 */
/* The trusted keys of the configuration (docs/fleet.md, "Signed policies"),
 * for every command that puts a policy file in force: the daemon (through
 * layers.c), and `appban load` / `appban run`, which, once at least one key
 * is configured, refuse a policy that no trusted base key signed (unless
 * --unsigned, which is logged) or whose serial is below its name's
 * high-water mark in the state directory. With no key configured (a single
 * laptop), signatures are optional and no mark is read or written. */
#ifndef __APPBAN_FLEET_TRUST_H
#define __APPBAN_FLEET_TRUST_H

#include <stddef.h>
#include <stdint.h>

#include "fleet/config.h"
#include "fleet/minisign.h"
#include "fleet/state.h"

/* (FLEET_CONFIG_PATH of config.h) */
#define APPBAN_CONFIG_DEFAULT FLEET_CONFIG_PATH

/* A key of the configuration (config.h), read. */
struct trusted_key {
	char path[4096];
	enum fleet_key_role role;
	struct ms_pubkey pk;
};

/* Read the keys of cfg. 0, or -errno after saying which key and why (at
 * its place in config_path). */
int trusted_keys_load(const struct fleet_config *cfg, const char *config_path,
		      struct trusted_key **out, size_t *n);
/* raw (the file from `origin`, as signed) against its signature sig (NULL:
 * none) and the keys: 0 with *role of the key that signed it, or -EPERM
 * with msg saying why (no signature, unreadable, bad, unknown key). */
int trusted_keys_verify(const struct trusted_key *keys, size_t n, const char *origin,
			const char *raw, size_t raw_len, const char *sig, size_t sig_len,
			enum fleet_key_role *role, char *msg, size_t size);

/* What load and run check a policy file against. */
struct trust {
	char config_path[4096];
	struct trusted_key *keys;
	size_t n_keys;
	struct fleet_state st; /* when n_keys */
	int allow_unsigned; /* --unsigned: a missing or bad signature is let through */
};

/* Read the configuration: path, else $APPBAN_CONFIG, else
 * APPBAN_CONFIG_DEFAULT. A default file that does not exist means no key.
 * 0, or -errno after the error (FILE:LINE:COL) was printed. */
int trust_open(struct trust *t, const char *path, int allow_unsigned);
/* The policy `name` `serial`, whose bytes are raw, read from path (its
 * signature: path.minisig). 0: take it (*overridden = 1 when only
 * --unsigned let it through: say so in the policy's meta); -EPERM after
 * saying why (on standard error, FILE: ...), -errno. */
int trust_check(struct trust *t, const char *path, const char *raw, size_t raw_len,
		const char *name, uint64_t serial, int *overridden);
/* The policy (sha: SHA-256 of its file) is in force: raise its name's
 * high-water mark. 0 or -errno. */
int trust_commit(struct trust *t, const char *name, uint64_t serial, const unsigned char sha[32]);
void trust_close(struct trust *t);

#endif /* __APPBAN_FLEET_TRUST_H */
