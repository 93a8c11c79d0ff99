// SPDX-License-Identifier: GPL-2.0
/* From `allow` blocks to the exception entries the kernel looks up at a
 * deny: (app, uid) and (app, gid) pairs, each with the block that made it. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "policy/allow.h"
#include "policy/parse_arg.h"
#include "util/clock.h"

#define NS_PER_SEC ((int64_t)NSEC_PER_SEC)

int64_t allow_now_wall_ns(void)
{
	const char *fake = getenv("APPBAN_TEST_NOW");
	char *end;
	long long s;

	if (fake && *fake) {
		errno = 0;
		s = strtoll(fake, &end, 10);
		/* (in ns, int64 ends in 2262) */
		if (!errno && !*end && s > 0 && s < INT64_MAX / NS_PER_SEC)
			return (int64_t)s * NS_PER_SEC;
	}
	return (int64_t)clock_ns(CLOCK_REALTIME);
}

__u64 allow_until_boot_ns_at(int64_t until, int64_t now_wall_ns, __u64 now_boot_ns)
{
	/* wall = boot + offset, so the end on the boot clock is until - offset. */
	int64_t offset = now_wall_ns - (int64_t)now_boot_ns;
	int64_t end = until * NS_PER_SEC - offset;

	return end > 0 ? (__u64)end : 1;
}

__u64 allow_until_boot_ns(int64_t until)
{
	if (!until)
		return 0;
	return allow_until_boot_ns_at(until, allow_now_wall_ns(), boot_ns());
}

/* getpwnam_r / getgrnam_r need a buffer whose size no one knows in advance
 * (a large LDAP group): grown on ERANGE. */
#define NSS_BUF_MAX (1 << 24)

/* One NSS lookup of a user (group 0) or a group (group 1) by name. */
static int nss_id(const char *name, int group, __u32 *id)
{
	struct passwd pw, *pres = NULL;
	struct group gr, *gres = NULL;
	size_t len = 1024;
	char *buf = NULL, *p;
	int err, found;

	for (;;) {
		p = realloc(buf, len);
		if (!p) {
			free(buf);
			return -ENOMEM;
		}
		buf = p;
		err = group ? getgrnam_r(name, &gr, buf, len, &gres) :
			      getpwnam_r(name, &pw, buf, len, &pres);
		if (err != ERANGE || len >= NSS_BUF_MAX)
			break;
		len *= 2;
	}
	found = group ? gres != NULL : pres != NULL;
	if (!err && found)
		*id = group ? gres->gr_gid : pres->pw_uid;
	free(buf);
	if (err)
		return -err;
	return found ? 0 : -ENOENT;
}

int nss_user_id(const char *name, __u32 *uid)
{
	return nss_id(name, 0, uid);
}

int nss_group_id(const char *name, __u32 *gid)
{
	return nss_id(name, 1, gid);
}

/* The numeric id of a principal, or an error reported at its place (in
 * `file`, the allow's: NULL for the policy's own). */
static int principal_id(const struct principal *pr, const char *file, __u32 *kind, __u32 *id,
			struct diag *d)
{
	int is_user = pr->kind == PRINCIPAL_USER || pr->kind == PRINCIPAL_UID;
	int err;

	*kind = is_user ? APPBAN_EXC_UID : APPBAN_EXC_GID;
	switch (pr->kind) {
	case PRINCIPAL_UID:
	case PRINCIPAL_GID:
		*id = pr->id;
		return 0;
	case PRINCIPAL_USER:
		err = nss_user_id(pr->name, id);
		break;
	case PRINCIPAL_GROUP:
	default:
		err = nss_group_id(pr->name, id);
		break;
	}
	if (err == -ENOENT)
		diag_error_in(d, file, pr->loc, "unknown %s \"%s\"", is_user ? "user" : "group",
			      pr->name);
	else if (err)
		diag_error_in(d, file, pr->loc, "cannot look up %s \"%s\": %s",
			      is_user ? "user" : "group", pr->name, strerror(-err));
	return err;
}

static int exc_cmp(const void *a, const void *b)
{
	const struct compiled_exc *x = a, *y = b;

	return memcmp(&x->key, &y->key, sizeof(x->key));
}

/* Later is better; 0 (no end) is best. */
static int later(int64_t a, int64_t b)
{
	return !a ? b != 0 : b && a > b;
}

/* Sort, and keep one entry per (app, kind, id): the longest lasting. */
static void excs_dedup(struct compiled_policy *c)
{
	size_t i, n = 0;

	if (!c->meta.n_exc_entries)
		return;
	qsort(c->excs, c->meta.n_exc_entries, sizeof(*c->excs), exc_cmp);
	for (i = 0; i < c->meta.n_exc_entries; i++) {
		struct compiled_exc *e = &c->excs[i];

		if (n && !exc_cmp(&c->excs[n - 1], e)) {
			if (later(c->allows[e->val.allow].until,
				  c->allows[c->excs[n - 1].val.allow].until))
				c->excs[n - 1] = *e;
			continue;
		}
		c->excs[n++] = *e;
	}
	c->meta.n_exc_entries = n;
}

int compile_allows(const struct policy *p, struct compiled_policy *c, struct diag *d)
{
	int64_t now_s = allow_now_wall_ns() / NS_PER_SEC;
	size_t i, j, k, n = 0, cap = 0;
	char day[32];

	if (p->n_allows > APPBAN_MAX_ALLOWS) {
		diag_error_in(d, p->allows[APPBAN_MAX_ALLOWS].file,
			      p->allows[APPBAN_MAX_ALLOWS].loc,
			      "more than %d allow blocks in one policy", APPBAN_MAX_ALLOWS);
		return 0;
	}
	for (i = 0; i < p->n_allows; i++)
		cap += p->allows[i].n_apps * p->allows[i].n_principals;
	c->allows = calloc(p->n_allows ? p->n_allows : 1, sizeof(*c->allows));
	c->excs = calloc(cap ? cap : 1, sizeof(*c->excs));
	if (!c->allows || !c->excs)
		return -ENOMEM;
	c->meta.n_allows = p->n_allows;
	for (i = 0; i < p->n_allows; i++) {
		const struct allow *a = &p->allows[i];
		struct compiled_allow *ca = &c->allows[i];

		snprintf(ca->name, sizeof(ca->name), "%s", a->name);
		ca->until = a->has_until ? a->until : 0;
		if (ca->until && ca->until <= now_s) {
			arg_day_str(ca->until, day, sizeof(day));
			diag_warn_in(d, a->file, a->until_loc,
				     "allow \"%s\" ended on %s (until is in the past): %s", a->name,
				     day, "it does not apply");
			ca->expired = 1;
		}
		for (j = 0; j < a->n_principals; j++) {
			__u32 kind, id;

			if (principal_id(&a->principals[j], a->file, &kind, &id, d) || ca->expired)
				continue;
			for (k = 0; k < a->n_apps; k++) {
				struct compiled_exc *e = &c->excs[n++];

				memset(e, 0, sizeof(*e));
				e->key.app = a->apps[k].app_index;
				e->key.kind = kind;
				e->key.id = id;
				e->val.allow = i;
			}
		}
	}
	c->meta.n_exc_entries = n;
	excs_dedup(c);
	if (c->meta.n_exc_entries > APPBAN_MAX_EXC_ENTRIES) {
		diag_error_in(d, p->allows[0].file, p->allows[0].loc,
			      "allow blocks make %u (app, user or group) pairs, more than %d",
			      c->meta.n_exc_entries, APPBAN_MAX_EXC_ENTRIES);
	}
	return 0;
}
