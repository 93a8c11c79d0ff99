// SPDX-License-Identifier: GPL-2.0
/* Parser of the policy language, version 1 (shared/spec/policy.md): lines of
 * tokens from lex.c -> struct policy; every error reported, with its position. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lex.h"
#include "parse.h"

#define POLICY_FILE_MAX (16u << 20)
#define PATH_LEN_MAX 4095	/* PATH_MAX with its NUL */
#define BASE_NAME_MAX 255	/* NAME_MAX */
#define APP_ID_MAX 255		/* Flatpak's limit */

enum stmt {
	ST_POLICY, ST_SERIAL, ST_MODE, ST_APP, ST_ALLOW,
	ST_DESCRIPTION, ST_PATH, ST_DIR, ST_SHA256, ST_NAME, ST_FLATPAK, ST_SNAP,
	ST_DENY, ST_AUDIT,
	ST_USER, ST_GROUP, ST_UID, ST_GID, ST_UNTIL,
	ST_UNKNOWN,
};

enum { IN_TOP = 1, IN_APP = 2, IN_ALLOW = 4 };

static const struct stmt_def {
	const char *kw;
	unsigned int where;
	unsigned int nargs;
	const char *arg;	/* what the argument is, for messages */
} stmts[ST_UNKNOWN] = {
	[ST_POLICY] = { "policy", IN_TOP, 1, "a name" },
	[ST_SERIAL] = { "serial", IN_TOP, 1, "an unsigned 64-bit number" },
	[ST_MODE] = { "mode", IN_TOP, 1, "enforce or monitor" },
	[ST_APP] = { "app", IN_TOP | IN_ALLOW, 1, "an app name" },
	[ST_ALLOW] = { "allow", IN_TOP, 1, "a name" },
	[ST_DESCRIPTION] = { "description", IN_APP, 1, "a text; quote it if it has spaces" },
	[ST_PATH] = { "path", IN_APP, 1, "an absolute path; quote it if it has spaces" },
	[ST_DIR] = { "dir", IN_APP, 1, "an absolute path; quote it if it has spaces" },
	[ST_SHA256] = { "sha256", IN_APP, 1, "64 hexadecimal digits" },
	[ST_NAME] = { "name", IN_APP, 1, "an executable's base name" },
	[ST_FLATPAK] = { "flatpak", IN_APP, 1, "a Flatpak application ID" },
	[ST_SNAP] = { "snap", IN_APP, 1, "a Snap name" },
	[ST_DENY] = { "deny", IN_APP, 1, "exec or network" },
	[ST_AUDIT] = { "audit", IN_APP, 0, "" },
	[ST_USER] = { "user", IN_ALLOW, 1, "a user name" },
	[ST_GROUP] = { "group", IN_ALLOW, 1, "a group name" },
	[ST_UID] = { "uid", IN_ALLOW, 1, "a number from 0 to 4294967294" },
	[ST_GID] = { "gid", IN_ALLOW, 1, "a number from 0 to 4294967294" },
	[ST_UNTIL] = { "until", IN_ALLOW, 1, "a date YYYY-MM-DD" },
};

static const char *const expected[] = {
	[IN_TOP] = "policy, serial, mode, app or allow",
	[IN_APP] = "description, path, dir, sha256, name, flatpak, snap, deny or audit",
	[IN_ALLOW] = "app, user, group, uid, gid or until",
};

/* Names seen so far (apps, exceptions): open addressing, power-of-two size. */
struct name_slot {
	char *key;
	size_t idx;
};

struct name_set {
	struct name_slot *slots;
	size_t cap;
	size_t n;
};

/* The block being read. What a block needs is checked when it closes; a
 * statement whose keyword was recognised counts even if its argument was
 * wrong, so that one mistake gives one error. */
struct block {
	unsigned int where;	/* IN_TOP: no block open */
	size_t idx;		/* in policy.apps or policy.allows */
	struct src_loc loc;
	int damaged;		/* an unknown statement or a one-line block: no checks */
	int pending_brace;	/* the opening line had no "{": accept one alone next */
	int tried_ident, tried_action, tried_app, tried_principal;
	int has_action, has_desc, has_until;
	struct src_loc action_loc, desc_loc, until_loc;
};

struct parser {
	struct lexer lx;
	struct diag *d;
	struct policy *p;
	struct block b;
	struct name_set app_names;
	struct name_set allow_names;
	size_t apps_seen;
	int has_policy, has_serial, has_mode;
	struct src_loc policy_loc, serial_loc;
	int err;		/* -ENOMEM: stop */
};

#define ESC(buf, s) lex_escape(buf, sizeof(buf), s)

/* Arrays of struct policy have no capacity field: it is implied by the count
 * (8, then powers of two), so that appending stays amortised O(1). */
static void *room_for_one(void *arr, size_t n, size_t size)
{
	size_t cap;

	if (n && (n < 8 || (n & (n - 1))))
		return arr;
	cap = n ? n * 2 : 8;
	if (cap < n || cap > SIZE_MAX / size)
		return NULL;
	return realloc(arr, cap * size);
}

#define APPEND(ps, arr, n)                                                  \
	({                                                                  \
		void *__q = room_for_one(arr, n, sizeof(*(arr)));           \
		if (__q)                                                    \
			(arr) = __q;                                        \
		else                                                        \
			(ps)->err = -ENOMEM;                                \
		__q ? memset(&(arr)[(n)++], 0, sizeof(*(arr))) : NULL;      \
	})

static size_t name_hash(const char *s)
{
	size_t h = 14695981039346656037ull & SIZE_MAX;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static struct name_slot *set_slot(const struct name_set *s, const char *key)
{
	size_t i = name_hash(key) & (s->cap - 1);

	while (s->slots[i].key && strcmp(s->slots[i].key, key))
		i = (i + 1) & (s->cap - 1);
	return &s->slots[i];
}

static int set_find(const struct name_set *s, const char *key, size_t *idx)
{
	struct name_slot *slot;

	if (!s->cap)
		return 0;
	slot = set_slot(s, key);
	if (slot->key)
		*idx = slot->idx;
	return !!slot->key;
}

static int set_add(struct name_set *s, const char *key, size_t idx)
{
	struct name_set bigger = { 0 };
	struct name_slot *slot;
	size_t i;

	if ((s->n + 1) * 2 > s->cap) {
		bigger.cap = s->cap ? s->cap * 2 : 64;
		bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots));
		if (!bigger.slots)
			return -ENOMEM;
		for (i = 0; i < s->cap; i++)
			if (s->slots[i].key)
				*set_slot(&bigger, s->slots[i].key) = s->slots[i];
		bigger.n = s->n;
		free(s->slots);
		*s = bigger;
	}
	slot = set_slot(s, key);
	slot->key = strdup(key);
	if (!slot->key)
		return -ENOMEM;
	slot->idx = idx;
	s->n++;
	return 0;
}

static void set_free(struct name_set *s)
{
	size_t i;

	for (i = 0; i < s->cap; i++)
		free(s->slots[i].key);
	free(s->slots);
}

static struct src_loc after(const struct token *t)
{
	struct src_loc loc = { t->loc.line, t->end_col };

	return loc;
}

static char *dup_text(struct parser *ps, const struct token *t)
{
	char *s = strdup(t->text);

	if (!s)
		ps->err = -ENOMEM;
	return s;
}

/* Copy a name as written into a NAME field, cut at 63 bytes on a character
 * boundary (only for messages when the name is invalid). */
static void copy_name(char *dst, const char *s)
{
	size_t n = strlen(s);

	if (n > POLICY_NAME_MAX) {
		n = POLICY_NAME_MAX;
		while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
}

static int is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

static int check_name(struct parser *ps, const struct token *t)
{
	char q[LEX_ESC_SIZE];
	size_t i;

	for (i = 0; i < t->len && is_name_char(t->text[i]); i++)
		;
	if (i < t->len || !t->len) {
		diag_error(ps->d, t->loc, "invalid name \"%s\" (a name is 1 to %d letters, digits, \"_\", \".\" or \"-\")",
			   ESC(q, t->text), POLICY_NAME_MAX);
		return 0;
	}
	if (t->len > POLICY_NAME_MAX) {
		diag_error(ps->d, t->loc, "name longer than %d characters: \"%s\"",
			   POLICY_NAME_MAX, ESC(q, t->text));
		return 0;
	}
	return 1;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	uint64_t n = 0;

	if (!*s)
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || n > (max - (uint64_t)(*s - '0')) / 10)
			return 0;
		n = n * 10 + (uint64_t)(*s - '0');
	}
	*v = n;
	return 1;
}

static int64_t days_from_civil(int64_t y, unsigned int m, unsigned int d)
{
	int64_t era, yoe, doy;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/* until YYYY-MM-DD: the end of that day, UTC, as the next day's 00:00:00. */
static void parse_until(struct parser *ps, const struct token *v, struct allow *a)
{
	static const char *const months[] = { "January", "February", "March", "April",
		"May", "June", "July", "August", "September", "October", "November", "December" };
	static const unsigned char mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	const char *s = v->text;
	unsigned int y = 0, m, d, i, len;
	char q[LEX_ESC_SIZE];

	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : s[i] < '0' || s[i] > '9')
			break;
	if (i < 10 || v->len != 10) {
		diag_error(ps->d, v->loc, "invalid date \"%s\" (expected YYYY-MM-DD, e.g. 2026-12-31)",
			   ESC(q, s));
		return;
	}
	for (i = 0; i < 4; i++)
		y = y * 10 + (unsigned int)(s[i] - '0');
	m = (unsigned int)(s[5] - '0') * 10 + (unsigned int)(s[6] - '0');
	d = (unsigned int)(s[8] - '0') * 10 + (unsigned int)(s[9] - '0');
	if (y < 1970) {
		diag_error(ps->d, v->loc, "invalid date \"%s\" (year before 1970)", s);
		return;
	}
	if (m < 1 || m > 12) {
		diag_error(ps->d, v->loc, "invalid date \"%s\" (month must be 01 to 12)", s);
		return;
	}
	len = mdays[m - 1] + (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
	if (d < 1 || d > len) {
		diag_error(ps->d, v->loc, "invalid date \"%s\" (%s %u has %u days)", s,
			   months[m - 1], y, len);
		return;
	}
	a->has_until = 1;
	a->until = (days_from_civil(y, m, d) + 1) * 86400;
	a->until_loc = v->loc;
}

/* The argument of path, dir, sha256, name, flatpak or snap: 1 if valid,
 * normalised in place (lowercase digest). */
static int check_ident(struct parser *ps, enum ident_kind kind, const struct token *v,
		       char *val)
{
	char q[LEX_ESC_SIZE];
	size_t i, dots = 0;

	switch (kind) {
	case IDENT_PATH:
	case IDENT_DIR:
		if (val[0] != '/') {
			diag_error(ps->d, v->loc, "%s must be absolute: \"%s\"",
				   ident_kind_str(kind), ESC(q, val));
			return 0;
		}
		if (v->len > PATH_LEN_MAX) {
			diag_error(ps->d, v->loc, "%s longer than %d bytes", ident_kind_str(kind),
				   PATH_LEN_MAX);
			return 0;
		}
		return 1;
	case IDENT_SHA256:
		for (i = 0; i < v->len && i < 64; i++) {
			if (val[i] >= 'A' && val[i] <= 'F')
				val[i] = (char)(val[i] - 'A' + 'a');
			else if (!((val[i] >= '0' && val[i] <= '9') || (val[i] >= 'a' && val[i] <= 'f')))
				break;
		}
		if (i != 64 || v->len != 64) {
			diag_error(ps->d, v->loc, "bad SHA-256 digest: expected 64 hexadecimal digits, not \"%s\"",
				   ESC(q, v->text));
			return 0;
		}
		return 1;
	case IDENT_NAME:
		if (!v->len || v->len > BASE_NAME_MAX || strchr(val, '/') ||
		    !strcmp(val, ".") || !strcmp(val, "..")) {
			diag_error(ps->d, v->loc, "invalid executable name \"%s\" (expected a base name: 1 to %d bytes, no \"/\")",
				   ESC(q, val), BASE_NAME_MAX);
			return 0;
		}
		return 1;
	case IDENT_FLATPAK:
		/* Reverse DNS, at least three non-empty elements of [A-Za-z0-9_-]. */
		for (i = 0; i < v->len && is_name_char(val[i]); i++) {
			if (val[i] == '.' && (!i || val[i - 1] == '.'))
				break;
			dots += val[i] == '.';
		}
		if (i < v->len || dots < 2 || val[i - 1] == '.' || v->len > APP_ID_MAX) {
			diag_error(ps->d, v->loc, "invalid Flatpak application ID \"%s\" (expected a reverse-DNS ID such as org.example.App)",
				   ESC(q, val));
			return 0;
		}
		return 1;
	case IDENT_SNAP:
		return check_name(ps, v);
	}
	return 0;
}

static struct app *cur_app(struct parser *ps)
{
	return &ps->p->apps[ps->b.idx];
}

static struct allow *cur_allow(struct parser *ps)
{
	return &ps->p->allows[ps->b.idx];
}

static void app_stmt(struct parser *ps, enum stmt st, const struct token *t)
{
	static const enum ident_kind kinds[] = {
		[ST_PATH] = IDENT_PATH, [ST_DIR] = IDENT_DIR, [ST_SHA256] = IDENT_SHA256,
		[ST_NAME] = IDENT_NAME, [ST_FLATPAK] = IDENT_FLATPAK, [ST_SNAP] = IDENT_SNAP,
	};
	struct app *a = cur_app(ps);
	const struct token *v = &t[1];
	char q[LEX_ESC_SIZE];
	struct ident *id;
	char *val;

	if (st == ST_DESCRIPTION) {
		if (ps->b.has_desc) {
			diag_error(ps->d, t[0].loc, "app \"%s\" has two descriptions (first at %u:%u)",
				   ESC(q, a->name), ps->b.desc_loc.line, ps->b.desc_loc.col);
			return;
		}
		ps->b.has_desc = 1;
		ps->b.desc_loc = t[0].loc;
		a->description = dup_text(ps, v);
		return;
	}
	if (st == ST_DENY || st == ST_AUDIT) {
		if (ps->b.has_action) {
			diag_error(ps->d, t[0].loc, "app \"%s\" has two actions (first at %u:%u)",
				   ESC(q, a->name), ps->b.action_loc.line, ps->b.action_loc.col);
			return;
		}
		ps->b.has_action = 1;
		ps->b.action_loc = t[0].loc;
		if (st == ST_AUDIT)
			a->action = APP_ACTION_AUDIT;
		else if (!strcmp(v->text, "exec"))
			a->action = APP_ACTION_DENY_EXEC;
		else if (!strcmp(v->text, "network"))
			a->action = APP_ACTION_DENY_NETWORK;
		else
			diag_error(ps->d, v->loc, "unknown action \"deny %s\" (expected \"deny exec\", \"deny network\" or \"audit\")",
				   ESC(q, v->text));
		a->action_loc = t[0].loc;
		return;
	}
	val = dup_text(ps, v);
	if (!val)
		return;
	if (!check_ident(ps, kinds[st], v, val)) {
		free(val);
		return;
	}
	id = APPEND(ps, a->idents, a->n_idents);
	if (!id) {
		free(val);
		return;
	}
	id->kind = kinds[st];
	id->value = val;
	id->loc = t[0].loc;
	id->value_loc = v->loc;
}

static void allow_stmt(struct parser *ps, enum stmt st, const struct token *t)
{
	struct allow *a = cur_allow(ps);
	const struct token *v = &t[1];
	struct principal *pr;
	struct app_ref *ref;
	char q[LEX_ESC_SIZE];
	uint64_t id;
	char *name;

	switch (st) {
	case ST_APP:
		if (!check_name(ps, v) || !(name = dup_text(ps, v)))
			return;
		ref = APPEND(ps, a->apps, a->n_apps);
		if (!ref) {
			free(name);
			return;
		}
		ref->name = name;
		ref->loc = v->loc;
		return;
	case ST_USER:
	case ST_GROUP:
		if (!check_name(ps, v) || !(name = dup_text(ps, v)))
			return;
		pr = APPEND(ps, a->principals, a->n_principals);
		if (!pr) {
			free(name);
			return;
		}
		pr->kind = st == ST_USER ? PRINCIPAL_USER : PRINCIPAL_GROUP;
		pr->name = name;
		pr->loc = v->loc;
		return;
	case ST_UID:
	case ST_GID:
		if (!parse_u64(v->text, UINT32_MAX - 1, &id)) {
			diag_error(ps->d, v->loc, "%s must be a number from 0 to 4294967294, not \"%s\"",
				   stmts[st].kw, ESC(q, v->text));
			return;
		}
		pr = APPEND(ps, a->principals, a->n_principals);
		if (!pr)
			return;
		pr->kind = st == ST_UID ? PRINCIPAL_UID : PRINCIPAL_GID;
		pr->id = (uint32_t)id;
		pr->loc = v->loc;
		return;
	default: /* ST_UNTIL */
		if (ps->b.has_until) {
			diag_error(ps->d, t[0].loc, "allow \"%s\" has two until dates (first at %u:%u)",
				   ESC(q, a->name), ps->b.until_loc.line, ps->b.until_loc.col);
			return;
		}
		ps->b.has_until = 1;
		ps->b.until_loc = t[0].loc;
		parse_until(ps, v, a);
	}
}

static int once(struct parser *ps, int *seen, struct src_loc *first, const struct token *kw)
{
	if (*seen) {
		diag_error(ps->d, kw->loc, "%s given twice (first at %u:%u)", kw->text,
			   first->line, first->col);
		return 0;
	}
	*seen = 1;
	*first = kw->loc;
	return 1;
}

static void top_stmt(struct parser *ps, enum stmt st, const struct token *t)
{
	struct policy *p = ps->p;
	const struct token *v = &t[1];
	char q[LEX_ESC_SIZE];

	if (st == ST_POLICY) {
		if (once(ps, &ps->has_policy, &ps->policy_loc, t) && check_name(ps, v)) {
			memcpy(p->name, v->text, v->len + 1);
			p->has_name = 1;
		}
	} else if (st == ST_SERIAL) {
		if (once(ps, &ps->has_serial, &ps->serial_loc, t) &&
		    !parse_u64(v->text, UINT64_MAX, &p->serial))
			diag_error(ps->d, v->loc, "serial must be an unsigned 64-bit number (0 to %llu), not \"%s\"",
				   (unsigned long long)UINT64_MAX, ESC(q, v->text));
	} else if (once(ps, &ps->has_mode, &p->mode_loc, t)) {
		if (!strcmp(v->text, "monitor"))
			p->monitor = 1;
		else if (strcmp(v->text, "enforce"))
			diag_error(ps->d, v->loc, "unknown mode \"%s\" (expected enforce or monitor)",
				   ESC(q, v->text));
	}
}

static void close_block(struct parser *ps, int check)
{
	struct block *b = &ps->b;
	char q[LEX_ESC_SIZE];

	if (check && !b->damaged && b->where == IN_APP) {
		ESC(q, cur_app(ps)->name);
		if (!b->tried_ident)
			diag_error(ps->d, b->loc, "app \"%s\" has no identifier (add path, dir, sha256, name, flatpak or snap)",
				   q);
		if (!b->tried_action)
			diag_error(ps->d, b->loc, "app \"%s\" has no action (add \"deny exec\", \"deny network\" or \"audit\")",
				   q);
	} else if (check && !b->damaged && b->where == IN_ALLOW) {
		ESC(q, cur_allow(ps)->name);
		if (!b->tried_app)
			diag_error(ps->d, b->loc, "allow \"%s\" lists no app (add \"app NAME\")", q);
		if (!b->tried_principal)
			diag_error(ps->d, b->loc, "allow \"%s\" lists no user or group (add user, group, uid or gid)",
				   q);
	}
	memset(b, 0, sizeof(*b));
	b->where = IN_TOP;
}

static void report_unterminated(struct parser *ps, struct src_loc at)
{
	const char *name = ps->b.where == IN_APP ? cur_app(ps)->name : cur_allow(ps)->name;
	char q[LEX_ESC_SIZE];

	diag_error(ps->d, at, "unterminated block \"%s %s\" (opened at %u:%u)",
		   ps->b.where == IN_APP ? "app" : "allow", ESC(q, name), ps->b.loc.line,
		   ps->b.loc.col);
}

/* `app NAME {` or `allow NAME {`: every such line opens a block, even a
 * wrong one, so that the lines after it are read as its statements. */
static void open_block(struct parser *ps, enum stmt st, const struct token *t, size_t n)
{
	struct name_set *set = st == ST_APP ? &ps->app_names : &ps->allow_names;
	const struct token *name = n > 1 && t[1].kind <= TOK_STRING ? &t[1] : NULL;
	struct block *b = &ps->b;
	char q[LEX_ESC_SIZE], q2[LEX_ESC_SIZE];
	size_t i = name ? 2 : 1, idx, first;
	struct src_loc *loc;
	char *dst;

	if (b->where != IN_TOP) {
		report_unterminated(ps, t[0].loc);
		close_block(ps, 1);
	}
	if (st == ST_APP) {
		ps->apps_seen++;
		dst = APPEND(ps, ps->p->apps, ps->p->n_apps) ? ps->p->apps[ps->p->n_apps - 1].name : NULL;
		idx = ps->p->n_apps - 1;
	} else {
		dst = APPEND(ps, ps->p->allows, ps->p->n_allows) ? ps->p->allows[ps->p->n_allows - 1].name : NULL;
		idx = ps->p->n_allows - 1;
	}
	if (!dst)
		return;
	memset(b, 0, sizeof(*b));
	b->where = st == ST_APP ? IN_APP : IN_ALLOW;
	b->idx = idx;
	b->loc = t[0].loc;
	loc = st == ST_APP ? &cur_app(ps)->loc : &cur_allow(ps)->loc;
	*loc = t[0].loc;
	if (name)
		copy_name(dst, name->text);
	if (ps->lx.bad) {
		b->damaged = 1;
		return;
	}
	if (name) {
		if (check_name(ps, name)) {
			if (set_find(set, name->text, &first)) {
				loc = st == ST_APP ? &ps->p->apps[first].loc : &ps->p->allows[first].loc;
				diag_error(ps->d, name->loc, "duplicate %s \"%s\" (first defined at %u:%u)",
					   t[0].text, name->text, loc->line, loc->col);
			} else if (set_add(set, name->text, idx)) {
				ps->err = -ENOMEM;
			}
		}
	} else {
		diag_error(ps->d, n > 1 ? t[1].loc : after(&t[0]), "missing name after \"%s\" (expected %s NAME {)",
			   t[0].text, t[0].text);
		b->damaged = 1;
	}
	if (i >= n) {
		b->pending_brace = 1;
		if (!name)
			return;
		diag_error(ps->d, after(&t[n - 1]), "missing \"{\" at the end of the line (expected %s NAME {)",
			   t[0].text);
	} else if (t[i].kind != TOK_LBRACE) {
		diag_error(ps->d, t[i].loc, "expected \"{\" after \"%s %s\", not \"%s\"", t[0].text,
			   ESC(q, dst), ESC(q2, t[i].text));
	} else if (i + 1 < n) {
		diag_error(ps->d, t[i + 1].loc, "unexpected \"%s\" after \"{\" (a block's statements go on their own lines)",
			   ESC(q, t[i + 1].text));
		b->damaged = 1;
		if (t[n - 1].kind == TOK_RBRACE)
			close_block(ps, 0);
	}
}

static enum stmt lookup(const char *kw)
{
	unsigned int i;

	for (i = 0; i < ST_UNKNOWN; i++)
		if (!strcmp(kw, stmts[i].kw))
			return (enum stmt)i;
	return ST_UNKNOWN;
}

static void parse_line(struct parser *ps)
{
	const struct token *t = ps->lx.toks;
	size_t n = ps->lx.n_toks, i;
	const struct stmt_def *def;
	struct block *b = &ps->b;
	char q[LEX_ESC_SIZE];
	int pending = b->pending_brace, close = 0;
	enum stmt st;

	if (!n)
		return;
	b->pending_brace = 0;
	if (t[0].kind == TOK_RBRACE) {
		if (b->where == IN_TOP)
			diag_error(ps->d, t[0].loc, "unexpected \"}\": no block is open");
		if (n > 1)
			diag_error(ps->d, t[1].loc, "unexpected \"%s\" after \"}\" (a \"}\" must be alone on its line)",
				   ESC(q, t[1].text));
		if (b->where != IN_TOP)
			close_block(ps, 1);
		return;
	}
	if (t[0].kind == TOK_LBRACE) {
		if (!pending || n > 1 || ps->lx.bad)
			diag_error(ps->d, t[0].loc, "unexpected \"{\" (a block opens with \"{\" at the end of its \"app NAME\" or \"allow NAME\" line)");
		return;
	}
	if (t[0].kind == TOK_STRING) {
		diag_error(ps->d, t[0].loc, "expected a statement (%s), not a string",
			   expected[b->where]);
		return;
	}
	st = lookup(t[0].text);
	if (st == ST_UNKNOWN) {
		diag_error(ps->d, t[0].loc, "unknown statement \"%s\" (expected %s)",
			   ESC(q, t[0].text), expected[b->where]);
		b->damaged = b->where != IN_TOP;
		return;
	}
	def = &stmts[st];
	for (i = 1; i < n && t[i].kind != TOK_LBRACE; i++)
		;
	if ((st == ST_APP || st == ST_ALLOW) && (b->where == IN_TOP || i < n)) {
		open_block(ps, st, t, n);
		return;
	}
	if (!(def->where & b->where)) {
		if (b->where == IN_TOP)
			diag_error(ps->d, t[0].loc, "\"%s\" is only allowed inside an %s block",
				   def->kw, def->where & IN_APP ? "app" : "allow");
		else
			diag_error(ps->d, t[0].loc, "\"%s\" is not allowed in an %s block (expected %s)",
				   def->kw, b->where == IN_APP ? "app" : "allow", expected[b->where]);
		b->damaged = 1;
		return;
	}
	b->tried_ident |= st >= ST_PATH && st <= ST_SNAP;
	b->tried_action |= st == ST_DENY || st == ST_AUDIT;
	b->tried_app |= st == ST_APP;
	b->tried_principal |= st >= ST_USER && st <= ST_GID;
	if (ps->lx.bad)
		return;
	if (n > 1 && t[n - 1].kind == TOK_RBRACE && b->where != IN_TOP) {
		diag_error(ps->d, t[n - 1].loc, "\"}\" must be alone on its line");
		n--;
		close = 1;
	}
	if (n - 1 < def->nargs)
		diag_error(ps->d, after(&t[n - 1]), "missing argument after \"%s\" (expected %s)",
			   def->kw, def->arg);
	else if (n - 1 > def->nargs)
		diag_error(ps->d, t[def->nargs + 1].loc, "unexpected \"%s\" (%s takes %s)",
			   ESC(q, t[def->nargs + 1].text), def->kw,
			   def->nargs ? "one argument" : "no argument");
	else if (b->where == IN_TOP)
		top_stmt(ps, st, t);
	else if (b->where == IN_APP)
		app_stmt(ps, st, t);
	else
		allow_stmt(ps, st, t);
	if (close)
		close_block(ps, 1);
}

/* The file's base name without .policy, made a valid NAME. */
static void default_name(struct policy *p, const char *filename)
{
	const char *base = filename ? strrchr(filename, '/') : NULL;
	size_t len, i, o = 0;

	base = base ? base + 1 : filename ? filename : "";
	len = strlen(base);
	if (len > 7 && !strcmp(base + len - 7, ".policy"))
		len -= 7;
	for (i = 0; i < len && o < POLICY_NAME_MAX; i++) {
		if (((unsigned char)base[i] & 0xc0) == 0x80)
			continue; /* one "_" for a multibyte character */
		p->name[o++] = is_name_char(base[i]) ? base[i] : '_';
	}
	p->name[o] = '\0';
	if (!o)
		strcpy(p->name, "policy");
}

static void resolve_refs(struct parser *ps)
{
	char q[LEX_ESC_SIZE], q2[LEX_ESC_SIZE];
	struct allow *a;
	size_t i, j;

	for (i = 0; i < ps->p->n_allows; i++) {
		a = &ps->p->allows[i];
		for (j = 0; j < a->n_apps; j++)
			if (!set_find(&ps->app_names, a->apps[j].name, &a->apps[j].app_index))
				diag_error(ps->d, a->apps[j].loc, "unknown app \"%s\" in allow \"%s\"",
					   ESC(q, a->apps[j].name), ESC(q2, a->name));
	}
}

int policy_parse_buf(const char *filename, const char *buf, size_t len,
		     struct policy **out, struct diag *d)
{
	struct parser ps = { .d = d };
	struct src_loc start = { 1, 1 };
	int errors = d->errors, err = 0;

	*out = NULL;
	if (len > POLICY_FILE_MAX) {
		diag_error(d, start, "policy larger than 16 MiB (%zu bytes)", len);
		return -EINVAL;
	}
	ps.p = calloc(1, sizeof(*ps.p));
	if (!ps.p)
		return -ENOMEM;
	ps.b.where = IN_TOP;
	lex_init(&ps.lx, buf ? buf : "", buf ? len : 0, d);
	while (!ps.err && (err = lex_line(&ps.lx)) > 0)
		parse_line(&ps);
	if (err < 0)
		ps.err = err;
	if (ps.err)
		goto out;
	if (ps.b.where != IN_TOP) {
		report_unterminated(&ps, ps.lx.eof);
		close_block(&ps, 0);
	}
	resolve_refs(&ps);
	if (!ps.apps_seen)
		diag_error(d, ps.lx.eof, "policy has no app (empty or truncated file?)");
	if (!ps.p->has_name)
		default_name(ps.p, filename);
	if (d->errors > errors)
		ps.err = -EINVAL;
out:
	lex_fini(&ps.lx);
	set_free(&ps.app_names);
	set_free(&ps.allow_names);
	if (ps.err) {
		policy_free(ps.p);
		return ps.err;
	}
	*out = ps.p;
	return 0;
}

int policy_parse_file(const char *path, struct policy **out, struct diag *d)
{
	struct src_loc start = { 1, 1 };
	size_t len = 0, cap = 0;
	char *buf = NULL, *q;
	ssize_t r;
	int fd, err;

	*out = NULL;
	if (!d->file)
		d->file = path;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		diag_error(d, start, "cannot open policy file: %s", strerror(-err));
		return err;
	}
	for (;;) {
		if (len == cap) {
			if (cap > POLICY_FILE_MAX) {
				diag_error(d, start, "policy file larger than 16 MiB: refusing to read it");
				err = -EFBIG;
				goto out;
			}
			cap = cap ? cap * 2 : 65536;
			if (cap > POLICY_FILE_MAX)
				cap = POLICY_FILE_MAX + 1;
			q = realloc(buf, cap);
			if (!q) {
				err = -ENOMEM;
				goto out;
			}
			buf = q;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			diag_error(d, start, "cannot read policy file: %s", strerror(-err));
			goto out;
		}
		if (!r)
			break;
		len += (size_t)r;
	}
	err = policy_parse_buf(path, buf, len, out, d);
out:
	free(buf);
	close(fd);
	return err;
}

static void app_clear(struct app *a)
{
	size_t i;

	for (i = 0; i < a->n_idents; i++)
		free(a->idents[i].value);
	free(a->idents);
	free(a->description);
}

static void allow_clear(struct allow *a)
{
	size_t i;

	for (i = 0; i < a->n_apps; i++)
		free(a->apps[i].name);
	for (i = 0; i < a->n_principals; i++)
		free(a->principals[i].name);
	free(a->apps);
	free(a->principals);
}

void policy_free(struct policy *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n_apps; i++)
		app_clear(&p->apps[i]);
	for (i = 0; i < p->n_allows; i++)
		allow_clear(&p->allows[i]);
	free(p->apps);
	free(p->allows);
	free(p);
}

const char *ident_kind_str(enum ident_kind k)
{
	static const char *const s[] = {
		[IDENT_PATH] = "path", [IDENT_DIR] = "dir", [IDENT_SHA256] = "sha256",
		[IDENT_NAME] = "name", [IDENT_FLATPAK] = "flatpak", [IDENT_SNAP] = "snap",
	};

	return (unsigned int)k < sizeof(s) / sizeof(s[0]) ? s[k] : "?";
}

const char *app_action_str(enum app_action a)
{
	static const char *const s[] = {
		[APP_ACTION_NONE] = "none", [APP_ACTION_DENY_EXEC] = "deny exec",
		[APP_ACTION_DENY_NETWORK] = "deny network", [APP_ACTION_AUDIT] = "audit",
	};

	return (unsigned int)a < sizeof(s) / sizeof(s[0]) ? s[a] : "?";
}
