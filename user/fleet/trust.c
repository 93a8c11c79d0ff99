// SPDX-License-Identifier: GPL-2.0
/* Trusted keys, and the checks of load and run (trust.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "fleet/trust.h"
#include "util/crypto_api.h"
#include "util/file.h"
#include "util/log.h"

int trusted_keys_load(const struct fleet_config *cfg, const char *config_path,
		      struct trusted_key **out, size_t *n)
{
	struct trusted_key *k = calloc(cfg->n_keys + 1, sizeof(*k));
	struct ms_error e;
	size_t i;

	if (!k)
		return -ENOMEM;
	for (i = 0; i < cfg->n_keys; i++) {
		snprintf(k[i].path, sizeof(k[i].path), "%s", cfg->keys[i].path);
		k[i].role = cfg->keys[i].role;
		if (ms_pubkey_load(cfg->keys[i].path, &k[i].pk, &e)) {
			pr_err("%s:%u:%u: cannot use the key: %s\n", config_path,
			       cfg->keys[i].loc.line, cfg->keys[i].loc.col, e.msg);
			free(k);
			return -EINVAL;
		}
	}
	*out = k;
	*n = cfg->n_keys;
	return 0;
}

static void msgf(char *msg, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, size, fmt, ap);
	va_end(ap);
}

int trusted_keys_verify(const struct trusted_key *keys, size_t n, const char *origin,
			const char *raw, size_t raw_len, const char *sig, size_t sig_len,
			enum fleet_key_role *role, char *msg, size_t size)
{
	struct ms_error e = { { 0 } };
	char sig_name[4200], id[17];
	struct ms_sig s;
	size_t i;

	snprintf(sig_name, sizeof(sig_name), "%s.minisig", origin);
	if (!sig) {
		msgf(msg, size, "no signature (%s) and trusted keys are configured", sig_name);
		return -EPERM;
	}
	if (ms_sig_parse(sig_name, sig, sig_len, &s, &e)) {
		msgf(msg, size, "%s", e.msg);
		return -EPERM;
	}
	for (i = 0; i < n; i++) {
		if (memcmp(keys[i].pk.keynum, s.keynum, MS_KEYNUM_LEN))
			continue;
		if (ms_verify(&keys[i].pk, &s, sig_name, origin, raw, raw_len, &e)) {
			msgf(msg, size, "%s", e.msg);
			return -EPERM;
		}
		*role = keys[i].role;
		return 0;
	}
	ms_keynum_str(s.keynum, id);
	msgf(msg, size, "%s: signed with key %s, which is not a trusted key", sig_name, id);
	return -EPERM;
}

int trust_open(struct trust *t, const char *path, int allow_unsigned)
{
	struct fleet_config *cfg = NULL;
	const char *env = getenv("APPBAN_CONFIG");
	struct diag d;
	int err, dflt = !path && !(env && *env);

	memset(t, 0, sizeof(*t));
	t->allow_unsigned = allow_unsigned;
	snprintf(t->config_path, sizeof(t->config_path), "%s",
		 path ? path : (env && *env ? env : APPBAN_CONFIG_DEFAULT));
	if (dflt && access(t->config_path, F_OK) && errno == ENOENT)
		return 0;
	diag_init(&d, stderr, t->config_path);
	err = fleet_config_parse_file(t->config_path, &cfg, &d);
	if (err) {
		if (err != -ENOMEM)
			pr_err("%s: the configuration has errors; nothing changed\n",
			       t->config_path);
		return err;
	}
	err = trusted_keys_load(cfg, t->config_path, &t->keys, &t->n_keys);
	if (!err && t->n_keys) {
		err = state_open(&t->st, cfg->state_dir);
		if (err)
			pr_err("cannot open the state directory %s: %s; nothing changed\n",
			       cfg->state_dir, strerror(-err));
	}
	fleet_config_free(cfg);
	if (err)
		trust_close(t);
	return err;
}

/* The override of a signature check is a fact for the site's logs, not only
 * for this terminal: the system log (authpriv), as sudo does. */
static void log_override(const char *path, const char *name, uint64_t serial, const char *why)
{
	openlog("appban", LOG_PID, LOG_AUTHPRIV);
	syslog(LOG_WARNING, "policy %s serial %llu (%s) put in force with --unsigned by uid %u: %s",
	       name, (unsigned long long)serial, path, (unsigned int)getuid(), why);
	closelog();
	pr_warn("%s: %s; put in force anyway (--unsigned, logged)\n", path, why);
}

int trust_check(struct trust *t, const char *path, const char *raw, size_t raw_len,
		const char *name, uint64_t serial, int *overridden)
{
	unsigned char sha[SHA256_DIGEST_LENGTH];
	enum fleet_key_role role = FLEET_KEY_BASE;
	char msg[1024], *sig_path = NULL, *sig = NULL;
	size_t sig_len = 0;
	int err, v;

	*overridden = 0;
	if (!t->n_keys)
		return 0;
	/* The signature, and the digest of the anti-rollback check even with
	 * --unsigned: never skipped for want of the library. */
	if (crypto_api_load()) {
		pr_err("%s: cannot check the policy against the keys of %s without libcrypto; nothing changed\n",
		       path, t->config_path);
		return -ELIBACC;
	}
	if (asprintf(&sig_path, "%s.minisig", path) < 0)
		return -ENOMEM;
	err = file_read_all(sig_path, 1 << 16, &sig, &sig_len);
	if (err && err != -ENOENT) {
		snprintf(msg, sizeof(msg), "cannot read %s: %s", sig_path, strerror(-err));
		err = -EPERM;
	} else {
		err = trusted_keys_verify(t->keys, t->n_keys, path, raw, raw_len, err ? NULL : sig,
					  sig_len, &role, msg, sizeof(msg));
	}
	free(sig);
	free(sig_path);
	if (!err && role != FLEET_KEY_BASE) {
		snprintf(msg, sizeof(msg),
			 "signed with a key of role %s, which may sign exceptions files only",
			 fleet_key_role_str(role));
		err = -EPERM;
	}
	if (err == -EPERM && t->allow_unsigned) {
		log_override(path, name, serial, msg);
		*overridden = 1;
		err = 0;
	} else if (err == -EPERM) {
		pr_err("%s: %s (keys of %s); nothing changed (load --unsigned overrides, logged)\n",
		       path, msg, t->config_path);
		return err;
	}
	if (err)
		return err;
	/* Anti-rollback, even with --unsigned: it overrides the signature only. */
	cr.SHA256((const unsigned char *)raw, raw_len, sha);
	v = state_serial_check(&t->st, name, serial, sha);
	if (v == SERIAL_LOWER || v == SERIAL_OTHER_BYTES) {
		uint64_t mark = 0;

		state_serial_get(&t->st, name, &mark, sha);
		pr_err("%s: rollback: policy %s serial %llu %s (the high-water mark in %s is %llu); nothing changed\n",
		       path, name, (unsigned long long)serial,
		       v == SERIAL_LOWER ? "is older than the last one in force" :
					   "has other bytes than the file of that serial in force",
		       t->st.dir, (unsigned long long)mark);
		return -EPERM;
	}
	if (v < 0) {
		pr_err("%s: cannot read the high-water mark of %s in %s: %s; nothing changed\n",
		       path, name, t->st.dir, strerror(-v));
		return -EPERM;
	}
	return 0;
}

int trust_commit(struct trust *t, const char *name, uint64_t serial, const unsigned char sha[32])
{
	int err;

	if (!t->n_keys)
		return 0;
	err = state_serial_commit(&t->st, name, serial, sha);
	if (err)
		pr_warn("cannot write the high-water mark of %s in %s: %s\n", name, t->st.dir,
			strerror(-err));
	return err;
}

void trust_close(struct trust *t)
{
	free(t->keys);
	t->keys = NULL;
	t->n_keys = 0;
}
