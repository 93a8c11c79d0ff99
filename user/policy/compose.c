// SPDX-License-Identifier: GPL-2.0
/* A base policy and its exceptions files composed into one policy: the base
 * copied, each layer's allow blocks added as LAYER/NAME with their app lines
 * resolved against the base. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/allow.h"
#include "policy/compose.h"
#include "policy/lex.h"
#include "policy/names.h"
#include "policy/parse.h"
#include "policy/parse_arg.h"
#include "util/clock.h"

#define ESC(buf, s) lex_escape(buf, sizeof(buf), s)

/* A copy of s, or NULL; *nomem set when s was not NULL and memory ran out. */
static char *dup_str(const char *s, int *nomem)
{
	char *c;

	if (!s)
		return NULL;
	c = strdup(s);
	if (!c)
		*nomem = 1;
	return c;
}

/* dst is zeroed; on -ENOMEM it holds what policy_free can free. */
static int copy_app(struct app *dst, const struct app *src)
{
	int nomem = 0;
	size_t i;

	memcpy(dst->name, src->name, sizeof(dst->name));
	dst->loc = src->loc;
	dst->action = src->action;
	dst->action_loc = src->action_loc;
	dst->description = dup_str(src->description, &nomem);
	if (!src->n_idents)
		return nomem ? -ENOMEM : 0;
	dst->idents = calloc(src->n_idents, sizeof(*dst->idents));
	if (!dst->idents)
		return -ENOMEM;
	dst->n_idents = src->n_idents;
	for (i = 0; i < src->n_idents && !nomem; i++) {
		dst->idents[i] = src->idents[i];
		dst->idents[i].value = dup_str(src->idents[i].value, &nomem);
	}
	return nomem ? -ENOMEM : 0;
}

/* An allow block but its app lines: name, file, place, people and end.
 * layer: NULL to keep the name, else the block is LAYER/NAME. */
static int copy_allow_head(struct allow *dst, const struct allow *src, const char *layer,
			   const char *file)
{
	size_t ll = layer ? strlen(layer) : 0, nl = strlen(src->name), i;
	int nomem = 0;

	/* compose_layer checked that LAYER/NAME fits (two NAMEs of 63 do). */
	if (layer) {
		memcpy(dst->name, layer, ll);
		dst->name[ll++] = '/';
	}
	memcpy(dst->name + ll, src->name, nl + 1);
	dst->file = dup_str(file, &nomem);
	dst->loc = src->loc;
	dst->has_until = src->has_until;
	dst->until = src->until;
	dst->until_loc = src->until_loc;
	if (!src->n_principals)
		return nomem ? -ENOMEM : 0;
	dst->principals = calloc(src->n_principals, sizeof(*dst->principals));
	if (!dst->principals)
		return -ENOMEM;
	dst->n_principals = src->n_principals;
	for (i = 0; i < src->n_principals && !nomem; i++) {
		dst->principals[i] = src->principals[i];
		dst->principals[i].name = dup_str(src->principals[i].name, &nomem);
	}
	return nomem ? -ENOMEM : 0;
}

/* Room for n app lines in dst. */
static int refs_room(struct allow *dst, size_t n)
{
	if (!n)
		return 0;
	dst->apps = calloc(n, sizeof(*dst->apps));
	return dst->apps ? 0 : -ENOMEM;
}

/* One app line of dst: ref, pointing at app index idx. */
static int add_ref(struct allow *dst, const struct app_ref *ref, size_t idx)
{
	struct app_ref *r = &dst->apps[dst->n_apps];

	*r = *ref;
	r->app_index = idx;
	r->name = strdup(ref->name);
	if (!r->name)
		return -ENOMEM;
	dst->n_apps++;
	return 0;
}

/* The base, whole; room for n_allows allow blocks in all. */
static int copy_base(struct policy *p, const struct policy *base, size_t n_allows)
{
	size_t i, j;
	int err, nomem = 0;

	memcpy(p->name, base->name, sizeof(p->name));
	p->has_name = base->has_name;
	p->file = dup_str(base->file, &nomem);
	p->serial = base->serial;
	p->monitor = base->monitor;
	p->deny_fileless = base->deny_fileless;
	p->mode_loc = base->mode_loc;
	p->has_expires = base->has_expires;
	p->expires = base->expires;
	p->expires_loc = base->expires_loc;
	if (nomem)
		return -ENOMEM;
	p->apps = calloc(base->n_apps, sizeof(*p->apps));
	p->allows = calloc(n_allows ? n_allows : 1, sizeof(*p->allows));
	if (!p->apps || !p->allows)
		return -ENOMEM;
	for (i = 0; i < base->n_apps; i++) {
		p->n_apps++;
		err = copy_app(&p->apps[i], &base->apps[i]);
		if (err)
			return err;
	}
	for (i = 0; i < base->n_allows; i++) {
		const struct allow *src = &base->allows[i];
		struct allow *dst = &p->allows[p->n_allows++];

		err = copy_allow_head(dst, src, NULL, src->file);
		if (!err)
			err = refs_room(dst, src->n_apps);
		for (j = 0; j < src->n_apps && !err; j++)
			err = add_ref(dst, &src->apps[j], src->apps[j].app_index);
		if (err)
			return err;
	}
	return 0;
}

/* The allow blocks of one exceptions file, appended to p. */
static int compose_layer(struct policy *p, const struct policy *layer, const char *file,
			 const struct name_set *base_apps, struct diag *d)
{
	char q[LEX_ESC_SIZE], day[32];
	size_t i, j, idx;
	int err;

	if (layer->has_expires && layer->expires <= allow_now_wall_ns() / (int64_t)NSEC_PER_SEC) {
		arg_day_str(layer->expires, day, sizeof(day));
		/* Stale stays in force, for a layer as for a base (fleet.md). */
		diag_warn_in(
			d, file, layer->expires_loc,
			"exceptions file \"%s\" expired on %s (expires is in the past): it is stale from the start; its exceptions apply all the same",
			layer->name, day);
	}
	for (i = 0; i < layer->n_allows; i++) {
		const struct allow *src = &layer->allows[i];
		struct allow *dst;
		size_t found = 0;

		/* The base may have dropped an app: warn, never block. */
		for (j = 0; j < src->n_apps; j++) {
			if (!name_set_find(base_apps, src->apps[j].name, &idx))
				found++;
			else
				diag_warn_in(
					d, file, src->apps[j].loc,
					"app \"%s\" is not in the base policy \"%s\": this line is ignored",
					ESC(q, src->apps[j].name), p->name);
		}
		if (strlen(layer->name) + 1 + strlen(src->name) > ALLOW_NAME_MAX) {
			/* Only an AST not from the parser has longer names. */
			diag_error_in(d, file, src->loc,
				      "allow name \"%s/%s\" longer than %d characters", layer->name,
				      src->name, ALLOW_NAME_MAX);
			continue;
		}
		if (!found) {
			diag_warn_in(
				d, file, src->loc,
				"allow \"%s\" names no app of the base policy \"%s\": this block is ignored",
				src->name, p->name);
			continue;
		}
		dst = &p->allows[p->n_allows++];
		err = copy_allow_head(dst, src, layer->name, file);
		if (!err)
			err = refs_room(dst, found);
		for (j = 0; j < src->n_apps && !err; j++)
			if (!name_set_find(base_apps, src->apps[j].name, &idx))
				err = add_ref(dst, &src->apps[j], idx);
		if (err)
			return err;
	}
	return 0;
}

/* What cannot be composed: a base without apps, a layer with apps, one
 * layer name twice. Reported in d. */
static int check_layers(const struct policy *base, struct policy *const *layers, size_t n_layers,
			struct diag *d)
{
	struct src_loc start = { 1, 1 };
	struct name_set names = { 0 };
	const struct policy *l;
	int errors = d->errors, err = 0;
	size_t i, first;

	if (base->exceptions_only || !base->n_apps)
		diag_error_in(
			d, base->file, start,
			"policy \"%s\" has no app: it cannot be the base of a composition (the base defines the apps its exceptions files name)",
			base->name);
	for (i = 0; i < n_layers && !err; i++) {
		l = layers[i];
		if (!l->exceptions_only) {
			diag_error_in(
				d, l->file ? l->file : l->name, l->n_apps ? l->apps[0].loc : start,
				"policy \"%s\" is not an exceptions file (it has %s): only one base policy is composed, with files of policy, serial, expires and allow blocks",
				l->name, l->n_apps ? "app blocks" : "no allow block");
		} else if (!name_set_find(&names, l->name, &first)) {
			diag_error_in(
				d, l->file ? l->file : l->name, start,
				"exceptions file \"%s\" given twice (also %s): a layer is known by its policy name; compose one file of each name",
				l->name, layers[first]->file ? layers[first]->file : l->name);
		} else {
			err = name_set_add(&names, l->name, i);
		}
	}
	name_set_free(&names);
	if (err)
		return err;
	return d->errors > errors ? -EINVAL : 0;
}

int policy_compose(const struct policy *base, struct policy *const *layers, size_t n_layers,
		   struct policy **out, struct diag *d)
{
	struct name_set base_apps = { 0 };
	struct policy *p = NULL;
	int errors = d->errors, err;
	size_t i, n_allows;

	*out = NULL;
	err = check_layers(base, layers, n_layers, d);
	if (err)
		return err;
	n_allows = base->n_allows;
	for (i = 0; i < n_layers; i++)
		n_allows += layers[i]->n_allows;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	err = copy_base(p, base, n_allows);
	for (i = 0; i < base->n_apps && n_layers && !err; i++)
		err = name_set_add(&base_apps, base->apps[i].name, i);
	for (i = 0; i < n_layers && !err; i++)
		err = compose_layer(p, layers[i],
				    layers[i]->file ? layers[i]->file : layers[i]->name, &base_apps,
				    d);
	name_set_free(&base_apps);
	if (!err && d->errors > errors)
		err = -EINVAL;
	if (err) {
		policy_free(p);
		return err;
	}
	*out = p;
	return 0;
}
