/* SPDX-License-Identifier: GPL-2.0 */
/* The fleet's state directory (docs/fleet.md): per policy name its
 * high-water serial (anti-rollback: it survives a reboot and an unload) and
 * the last accepted file of each layer in force, with its signature, from
 * which the daemon puts the composition back in force before any network.
 * Every write is atomic (util/file.h). */
#ifndef __APPBAN_STATE_H
#define __APPBAN_STATE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#define STATE_DIR_DEFAULT "/var/lib/appban"

struct fleet_state {
	char dir[PATH_MAX];
};

/* Make (mode 0700) or open the directory. 0 or -errno. */
int state_open(struct fleet_state *st, const char *dir);

/* What a policy file is against its name's high-water mark. */
enum serial_verdict {
	SERIAL_NEWER = 0, /* higher than the mark, or no mark yet: take it */
	SERIAL_SAME = 1, /* the mark's serial and the same bytes: nothing new */
	SERIAL_LOWER = 2, /* rollback: refused */
	SERIAL_OTHER_BYTES = 3, /* the mark's serial with other bytes: refused */
};

/* Judge `serial` of a file whose content has digest sha against the mark of
 * `name`. Returns a verdict (>= 0), or -errno when the mark cannot be read
 * (-EBADMSG: a damaged mark, never taken for "no mark"). */
int state_serial_check(const struct fleet_state *st, const char *name, uint64_t serial,
		       const uint8_t sha[32]);
/* Raise the mark of `name` to serial (never lowers it). 0 or -errno. */
int state_serial_commit(const struct fleet_state *st, const char *name, uint64_t serial,
			const uint8_t sha[32]);
/* The mark of name: 0, -ENOENT (none), -EBADMSG, -errno. */
int state_serial_get(const struct fleet_state *st, const char *name, uint64_t *serial,
		     uint8_t sha[32]);

/* The last good file of a layer, its signature (sig NULL: none), and where
 * it came from (a path of the policy directory or a URL). */
int state_layer_save(const struct fleet_state *st, const char *name, const char *buf, size_t len,
		     const char *sig, size_t sig_len, const char *origin);
/* Forget a layer (an exceptions file removed from its source). */
int state_layer_drop(const struct fleet_state *st, const char *name);

struct state_layer {
	char name[64];
	char *buf; /* the policy file's bytes (NUL-terminated) */
	size_t len;
	char *sig; /* its .minisig, or NULL */
	size_t sig_len;
	char origin[4096]; /* "" when not recorded */
};

/* Every saved layer, sorted by name; free with state_layers_free. */
int state_layers_load(const struct fleet_state *st, struct state_layer **out, size_t *n);
void state_layers_free(struct state_layer *l, size_t n);

#endif /* __APPBAN_STATE_H */
