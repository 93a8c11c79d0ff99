// SPDX-License-Identifier: GPL-2.0
/* Which files make the policy in force (layers.h). */
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/dropdir.h"
#include "fleet/layers.h"
#include "policy/parse.h"
#include "util/crypto_api.h"

/* A message, cut where it must be (paths and URLs can be long). */
static void __attribute__((format(printf, 3, 4))) msgf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

const char *refusal_reason_str(enum refusal_reason r)
{
	switch (r) {
	case REFUSED_SIZE:
		return "size";
	case REFUSED_SIGNATURE:
		return "signature";
	case REFUSED_KEY_ROLE:
		return "key-role";
	case REFUSED_ROLLBACK:
		return "rollback";
	case REFUSED_PARSE:
		return "parse";
	case REFUSED_COMPILE:
		return "compile";
	case REFUSED_SECOND_BASE:
		return "second-base";
	case REFUSED_STATE:
		return "state";
	}
	return "unknown";
}

/* (only reached from layerset_pick and layerset_restore, which opened
 * libcrypto) */
static void sha256_of(const void *a, size_t a_len, const void *b, size_t b_len, const char *c,
		      uint8_t out[32])
{
	EVP_MD_CTX *ctx = cr.EVP_MD_CTX_new();
	unsigned int n = 32;

	memset(out, 0, 32);
	if (!ctx)
		return;
	cr.EVP_DigestInit_ex(ctx, cr.EVP_sha256(), NULL);
	if (a_len)
		cr.EVP_DigestUpdate(ctx, a, a_len);
	/* (a separator: the digest of a file and of a file + signature differ) */
	cr.EVP_DigestUpdate(ctx, "\0", 1);
	if (b_len)
		cr.EVP_DigestUpdate(ctx, b, b_len);
	if (c)
		cr.EVP_DigestUpdate(ctx, c, strlen(c) + 1);
	cr.EVP_DigestFinal_ex(ctx, out, &n);
	cr.EVP_MD_CTX_free(ctx);
}

static void layer_release(struct layer *l)
{
	if (l->text != l->raw)
		free(l->text);
	free(l->raw);
	free(l->sig);
	policy_free(l->ast);
	memset(l, 0, sizeof(*l));
}

void layers_free(struct layer *l, size_t n)
{
	size_t i;

	for (i = 0; l && i < n; i++)
		if (!l[i].borrowed)
			layer_release(&l[i]);
	free(l);
}

/* A refusal, once per (file, signature, reason). */
static void refuse(struct layerset *ls, const struct candidate *c, enum refusal_reason why,
		   const struct policy *p, const char *msg, refusal_cb cb, void *ctx)
{
	struct refusal r = {
		.reason = why,
		.origin = c->origin,
		.is_url = c->is_url,
		.message = msg,
	};
	uint8_t key[32], (*nr)[32];
	size_t i;

	sha256_of(c->raw, c->raw_len, c->sig, c->sig_len, refusal_reason_str(why), key);
	for (i = 0; i < ls->n_reported; i++)
		if (!memcmp(ls->reported[i], key, 32))
			return;
	nr = realloc(ls->reported, (ls->n_reported + 1) * sizeof(*nr));
	if (nr) {
		ls->reported = nr;
		memcpy(ls->reported[ls->n_reported++], key, 32);
	}
	if (p) {
		r.name = p->name;
		r.has_serial = 1;
		r.serial = p->serial;
	}
	cb(ctx, &r);
}

void layerset_forget_reported(struct layerset *ls)
{
	free(ls->reported);
	ls->reported = NULL;
	ls->n_reported = 0;
}

enum verdict { V_ACCEPT, V_REFUSE, V_WAIT };

/* The signature of c against the trusted keys: V_ACCEPT with *role, or a
 * refusal (V_WAIT while its other half may still come). */
static enum verdict check_signature(const struct layerset *ls, const struct candidate *c,
				    uint64_t now_ns, enum fleet_key_role *role, char *msg,
				    size_t size)
{
	int recent = now_ns < c->changed_ns + LAYERS_PAIR_GRACE_NS;

	*role = FLEET_KEY_BASE;
	if (!ls->n_keys)
		return V_ACCEPT; /* no key configured: signatures are optional */
	if (!trusted_keys_verify(ls->keys, ls->n_keys, c->origin, c->raw, c->raw_len, c->sig,
				 c->sig_len, role, msg, size))
		return V_ACCEPT;
	return recent ? V_WAIT : V_REFUSE;
}

/* The first error message of a parse, from its diagnostics' text. */
static void first_line(const char *text, char *msg, size_t size)
{
	const char *nl = text ? strchr(text, '\n') : NULL;
	size_t n = text ? (nl ? (size_t)(nl - text) : strlen(text)) : 0;

	if (n >= size)
		n = size - 1;
	if (n)
		memcpy(msg, text, n);
	msg[n] = '\0';
}

static int dup_buf(const char *src, size_t len, char **out)
{
	*out = NULL;
	if (!src)
		return 0;
	*out = malloc(len + 1);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, src, len);
	(*out)[len] = '\0';
	return 0;
}

/* Check one candidate: V_ACCEPT with *l filled (owned), V_REFUSE after
 * reporting, V_WAIT. -ENOMEM. */
static int check_candidate(struct layerset *ls, const struct candidate *c, uint64_t now_ns,
			   struct layer *l, refusal_cb cb, void *ctx)
{
	struct policy *p = NULL;
	enum fleet_key_role role;
	enum verdict v;
	struct diag d;
	char msg[1200], *dtext = NULL;
	size_t dlen = 0;
	FILE *mem;
	int err, sv;

	memset(l, 0, sizeof(*l));
	if (c->read_err) {
		if (c->read_err == -EFBIG) {
			refuse(ls, c, REFUSED_SIZE, NULL, "larger than 64 MiB", cb, ctx);
		} else {
			msgf(msg, sizeof(msg), "cannot read: %s",
			     c->read_err == -EBADMSG ? "not gzip data, or damaged" :
						       strerror(-c->read_err));
			refuse(ls, c, REFUSED_PARSE, NULL, msg, cb, ctx);
		}
		return V_REFUSE;
	}
	v = check_signature(ls, c, now_ns, &role, msg, sizeof(msg));
	if (v == V_WAIT)
		return V_WAIT;
	if (v == V_REFUSE) {
		refuse(ls, c, REFUSED_SIGNATURE, NULL, msg, cb, ctx);
		return V_REFUSE;
	}
	/* parsed only once its signature holds: the messages go to a buffer */
	mem = open_memstream(&dtext, &dlen);
	if (!mem)
		return -ENOMEM;
	diag_init(&d, mem, c->origin);
	err = policy_parse_buf_as(c->origin, c->text, c->text_len, POLICY_PARSE_LAYER, &p, &d);
	fclose(mem);
	if (err == -ENOMEM) {
		free(dtext);
		return -ENOMEM;
	}
	if (err) {
		first_line(dtext, msg, sizeof(msg));
		refuse(ls, c, REFUSED_PARSE, NULL, msg[0] ? msg : "the policy does not parse", cb,
		       ctx);
		free(dtext);
		return V_REFUSE;
	}
	free(dtext);
	if (role == FLEET_KEY_EXCEPTIONS && !p->exceptions_only) {
		snprintf(
			msg, sizeof(msg),
			"signed with an exceptions key, which may sign only an exceptions file (allow blocks), not a base policy");
		refuse(ls, c, REFUSED_KEY_ROLE, p, msg, cb, ctx);
		policy_free(p);
		return V_REFUSE;
	}
	l->is_base = !p->exceptions_only;
	snprintf(l->name, sizeof(l->name), "%s", p->name);
	l->serial = p->serial;
	l->expires = p->has_expires ? p->expires : 0;
	sha256_of(c->raw, c->raw_len, NULL, 0, NULL, l->sha);
	sv = state_serial_check(ls->st, l->name, l->serial, l->sha);
	if (sv < 0) {
		msgf(msg, sizeof(msg), "cannot read the high-water serial of \"%s\" in %s: %s",
		     l->name, ls->st->dir, sv == -EBADMSG ? "the file is damaged" : strerror(-sv));
		refuse(ls, c, REFUSED_STATE, p, msg, cb, ctx);
		policy_free(p);
		return V_REFUSE;
	}
	if (sv == SERIAL_LOWER || sv == SERIAL_OTHER_BYTES) {
		if (sv == SERIAL_LOWER)
			msgf(msg, sizeof(msg),
			     "serial %" PRIu64
			     " is lower than the last one accepted for \"%s\" (rollback)",
			     l->serial, l->name);
		else
			msgf(msg, sizeof(msg),
			     "serial %" PRIu64
			     " of \"%s\" was accepted before with other content: a change needs a higher serial",
			     l->serial, l->name);
		refuse(ls, c, REFUSED_ROLLBACK, p, msg, cb, ctx);
		policy_free(p);
		return V_REFUSE;
	}
	l->ast = p;
	l->is_new = sv == SERIAL_NEWER;
	snprintf(l->origin, sizeof(l->origin), "%s", c->origin);
	if (dup_buf(c->raw, c->raw_len, &l->raw) || dup_buf(c->sig, c->sig_len, &l->sig)) {
		layer_release(l);
		return -ENOMEM;
	}
	l->raw_len = c->raw_len;
	l->sig_len = c->sig ? c->sig_len : 0;
	if (c->text == c->raw) {
		l->text = l->raw;
	} else if (dup_buf(c->text, c->text_len, &l->text)) {
		layer_release(l);
		return -ENOMEM;
	}
	l->text_len = c->text_len;
	return V_ACCEPT;
}

/* A layer in force kept in next: borrowed (its owner stays in_force until
 * the commit moves it). */
static void borrow(struct layer *dst, const struct layer *src)
{
	*dst = *src;
	dst->borrowed = 1;
	dst->is_new = 0;
}

static int by_layer_name(const void *a, const void *b)
{
	return strcmp(((const struct layer *)a)->name, ((const struct layer *)b)->name);
}

int layerset_pick(struct layerset *ls, const struct candidate *c, size_t n, uint64_t now_ns,
		  int (*absent)(void *ctx, const struct layer *l), refusal_cb cb, void *ctx,
		  struct layer **next_out, size_t *n_next_out, uint64_t *recheck_ns)
{
	struct layer *acc = calloc(n ? n : 1, sizeof(*acc));
	struct layer *next = calloc(n + ls->n_in_force + 1, sizeof(*next));
	const struct candidate **from = calloc(n ? n : 1, sizeof(*from));
	struct layer *base = NULL, *cur_base;
	size_t i, j, n_acc = 0, n_next = 0;
	int v, changed, err = 0;

	*next_out = NULL;
	*n_next_out = 0;
	*recheck_ns = 0;
	if (!acc || !next || !from) {
		err = -ENOMEM;
		goto out;
	}
	/* signatures, digests: none is skipped for want of the library */
	err = crypto_api_load();
	if (err)
		goto out;
	/* every file judged on its own */
	for (i = 0; i < n; i++) {
		v = check_candidate(ls, &c[i], now_ns, &acc[n_acc], cb, ctx);
		if (v < 0) {
			err = v;
			goto out;
		}
		if (v == V_WAIT) {
			uint64_t t = c[i].changed_ns + LAYERS_PAIR_GRACE_NS;

			if (!*recheck_ns || t < *recheck_ns)
				*recheck_ns = t;
		}
		if (v != V_ACCEPT)
			continue;
		/* one name from two places (the directory and a URL): the
		 * higher serial wins; one serial with two contents is refused */
		for (j = 0; j < n_acc; j++) {
			if (strcmp(acc[j].name, acc[n_acc].name))
				continue;
			if (acc[j].serial == acc[n_acc].serial &&
			    memcmp(acc[j].sha, acc[n_acc].sha, 32)) {
				char msg[512];

				msgf(msg, sizeof(msg),
				     "serial %" PRIu64
				     " of \"%s\" is also offered by %s with other content",
				     acc[j].serial, acc[j].name, from[j]->origin);
				refuse(ls, &c[i], REFUSED_ROLLBACK, acc[n_acc].ast, msg, cb, ctx);
			} else if (acc[n_acc].serial > acc[j].serial) {
				layer_release(&acc[j]);
				acc[j] = acc[n_acc];
				from[j] = &c[i];
				memset(&acc[n_acc], 0, sizeof(acc[n_acc]));
				break;
			}
			layer_release(&acc[n_acc]);
			break;
		}
		if (j == n_acc) {
			from[n_acc] = &c[i];
			n_acc++;
		}
	}

	/* the base: the one in force, updated, or replaced once its file is
	 * gone; any other base is a second one */
	cur_base = ls->n_in_force && ls->in_force[0].is_base ? &ls->in_force[0] : NULL;
	for (i = 0; i < n_acc; i++)
		if (acc[i].is_base && cur_base && !strcmp(acc[i].name, cur_base->name))
			base = &acc[i];
	for (i = 0; i < n_acc; i++) {
		if (!acc[i].is_base || &acc[i] == base)
			continue;
		if (!base && (!cur_base || absent(ctx, cur_base))) {
			base = &acc[i];
			continue;
		}
		{
			char msg[512];

			msgf(msg, sizeof(msg),
			     "a base policy \"%s\" is in force already (from %s): one base at a time; remove it first",
			     base ? base->name : cur_base->name,
			     base ? base->origin : cur_base->origin);
			refuse(ls, from[i], REFUSED_SECOND_BASE, acc[i].ast, msg, cb, ctx);
		}
	}
	if (base) {
		next[n_next++] = *base;
		memset(base, 0, sizeof(*base));
	} else if (cur_base) {
		borrow(&next[n_next++], cur_base);
	}
	/* the exceptions files: those offered now, and those in force whose
	 * origin still has them (a newer file refused leaves the old one in) */
	for (i = 0; i < n_acc; i++) {
		if (acc[i].is_base || !acc[i].name[0])
			continue;
		if (n_next && !strcmp(next[0].name, acc[i].name)) {
			refuse(ls, from[i], REFUSED_PARSE, acc[i].ast,
			       "an exceptions file has the name of the base policy", cb, ctx);
			continue;
		}
		next[n_next++] = acc[i];
		memset(&acc[i], 0, sizeof(acc[i]));
	}
	for (i = 0; i < ls->n_in_force; i++) {
		const struct layer *l = &ls->in_force[i];

		if (l->is_base)
			continue;
		for (j = 0; j < n_next; j++)
			if (!strcmp(next[j].name, l->name))
				break;
		if (j == n_next && !absent(ctx, l))
			borrow(&next[n_next++], l);
	}
	if (n_next > 1)
		qsort(next + 1, n_next - 1, sizeof(*next), by_layer_name);

	changed = n_next != ls->n_in_force;
	for (i = 0; !changed && i < n_next; i++)
		changed = strcmp(next[i].name, ls->in_force[i].name) ||
			  memcmp(next[i].sha, ls->in_force[i].sha, 32);
	if (!changed) {
		layers_free(next, n_next);
		next = NULL;
		err = 0;
		goto out;
	}
	*next_out = next;
	*n_next_out = n_next;
	next = NULL;
	err = 1;
out:
	for (i = 0; acc && i < n; i++)
		layer_release(&acc[i]);
	free(acc);
	free(from);
	free(next);
	return err;
}

int layerset_commit(struct layerset *ls, struct layer *next, size_t n_next)
{
	size_t i, j;
	int err = 0, e;

	/* take over what next borrowed from the layers in force */
	for (i = 0; i < n_next; i++) {
		if (!next[i].borrowed)
			continue;
		for (j = 0; j < ls->n_in_force; j++)
			if (!strcmp(ls->in_force[j].name, next[i].name) &&
			    ls->in_force[j].raw == next[i].raw) {
				memset(&ls->in_force[j], 0, sizeof(ls->in_force[j]));
				break;
			}
		next[i].borrowed = 0;
	}
	/* the layers that left: forgotten by the state directory */
	for (j = 0; j < ls->n_in_force; j++) {
		const char *name = ls->in_force[j].name;

		if (!name[0])
			continue;
		for (i = 0; i < n_next; i++)
			if (!strcmp(next[i].name, name))
				break;
		if (i == n_next && (e = state_layer_drop(ls->st, name)) && !err)
			err = e;
	}
	layers_free(ls->in_force, ls->n_in_force);
	for (i = 0; i < n_next; i++) {
		if (!next[i].is_new && !next[i].saved_once)
			continue;
		e = state_serial_commit(ls->st, next[i].name, next[i].serial, next[i].sha);
		if (!e)
			e = state_layer_save(ls->st, next[i].name, next[i].raw, next[i].raw_len,
					     next[i].sig, next[i].sig_len, next[i].origin);
		if (e && !err)
			err = e;
		next[i].is_new = 0;
		next[i].saved_once = 0;
	}
	ls->in_force = next;
	ls->n_in_force = n_next;
	return err;
}

int layerset_restore(struct layerset *ls, refusal_cb cb, void *ctx)
{
	struct state_layer *sl = NULL;
	struct layer *l;
	size_t n = 0, i, k = 0;
	int err, v;

	err = crypto_api_load();
	if (!err)
		err = state_layers_load(ls->st, &sl, &n);
	if (err)
		return err;
	l = calloc(n + 1, sizeof(*l));
	if (!l) {
		state_layers_free(sl, n);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		const unsigned char *b = (const unsigned char *)sl[i].buf;
		char origin[4200], *text = NULL;
		size_t text_len = 0;
		struct candidate c = {
			.origin = origin,
			.raw = sl[i].buf,
			.raw_len = sl[i].len,
			.text = sl[i].buf,
			.text_len = sl[i].len,
			.sig = sl[i].sig,
			.sig_len = sl[i].sig_len,
		};

		/* a NAME.policy.gz is kept as it came (its signature is of
		 * those bytes) */
		if (sl[i].len >= 2 && b[0] == 0x1f && b[1] == 0x8b) {
			c.read_err =
				gunzip_buf(sl[i].buf, sl[i].len, DROP_FILE_MAX, &text, &text_len);
			c.text = text;
			c.text_len = text_len;
		}
		/* checked as when it came: a key removed since, or a file
		 * changed in the state directory, is refused at start too */
		snprintf(origin, sizeof(origin), "%s/layers/%s.policy", ls->st->dir, sl[i].name);
		v = check_candidate(ls, &c, UINT64_MAX - LAYERS_PAIR_GRACE_NS, &l[k], cb, ctx);
		free(text);
		if (v < 0) {
			err = v;
			break;
		}
		if (v != V_ACCEPT)
			continue;
		/* (gzip files are kept as their text) */
		snprintf(l[k].origin, sizeof(l[k].origin), "%s", sl[i].origin);
		k++;
	}
	state_layers_free(sl, n);
	if (err) {
		layers_free(l, k);
		return err;
	}
	/* the base first: at most one (the state directory holds what was
	 * composed); then the exceptions files by name */
	for (i = 0; i < k; i++)
		if (l[i].is_base) {
			struct layer t = l[0];

			l[0] = l[i];
			l[i] = t;
			break;
		}
	if (k > 1)
		qsort(l + 1, k - 1, sizeof(*l), by_layer_name);
	layers_free(ls->in_force, ls->n_in_force);
	ls->in_force = l;
	ls->n_in_force = k;
	return 0;
}
