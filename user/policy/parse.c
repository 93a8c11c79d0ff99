// SPDX-License-Identifier: GPL-2.0
/* Parser of the policy language, version 1.1 (docs/policy.md): lines of
 * tokens from lex.c -> struct policy; every error reported, with its position. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/lex.h"
#include "policy/names.h"
#include "policy/parse.h"
#include "policy/parse_arg.h"

enum stmt {
	ST_POLICY,
	ST_SERIAL,
	ST_MODE,
	ST_APP,
	ST_ALLOW,
	ST_DESCRIPTION,
	ST_PATH,
	ST_DIR,
	ST_SHA256,
	ST_NAME,
	ST_FLATPAK,
	ST_SNAP,
	ST_DENY,
	ST_AUDIT,
	ST_USER,
	ST_GROUP,
	ST_UID,
	ST_GID,
	ST_UNTIL,
	ST_EXPIRES,
	ST_UNKNOWN,
};

enum { IN_TOP = 1, IN_APP = 2, IN_ALLOW = 4 };

static const struct stmt_def {
	const char *kw;
	unsigned int where;
	unsigned int nargs;
	const char *arg; /* what the argument is, for messages */
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
	[ST_DENY] = { "deny", IN_APP | IN_TOP, 1, "exec, network or fileless-exec" },
	[ST_AUDIT] = { "audit", IN_APP, 0, "" },
	[ST_USER] = { "user", IN_ALLOW, 1, "a user name" },
	[ST_GROUP] = { "group", IN_ALLOW, 1, "a group name" },
	[ST_UID] = { "uid", IN_ALLOW, 1, "a number from 0 to 4294967294" },
	[ST_GID] = { "gid", IN_ALLOW, 1, "a number from 0 to 4294967294" },
	[ST_UNTIL] = { "until", IN_ALLOW, 1, "a date YYYY-MM-DD" },
	[ST_EXPIRES] = { "expires", IN_TOP, 1, "a date YYYY-MM-DD" },
};

static const char *const expected[] = {
	[IN_TOP] = "policy, serial, mode, expires, deny fileless-exec, app or allow",
	[IN_APP] = "description, path, dir, sha256, name, flatpak, snap, deny or audit",
	[IN_ALLOW] = "app, user, group, uid, gid or until",
};

/* The block being read. What a block needs is checked when it closes; a
 * statement whose keyword was recognised counts even if its argument was
 * wrong, so that one mistake gives one error. */
struct block {
	unsigned int where; /* IN_TOP: no block open */
	size_t idx; /* in policy.apps or policy.allows */
	struct src_loc loc;
	int damaged; /* an unknown statement or a one-line block: no checks */
	int pending_brace; /* the opening line had no "{": accept one alone next */
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
	int has_policy, has_serial, has_mode, has_expires;
	struct src_loc policy_loc, serial_loc, expires_loc, fileless_loc;
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

/* A zeroed new last element of arr (n elements), or NULL: out of memory. */
#define APPEND(arr, n)                                                 \
	({                                                             \
		void *__q = room_for_one(arr, n, sizeof(*(arr)));      \
		if (__q)                                               \
			(arr) = __q;                                   \
		__q ? memset(&(arr)[(n)++], 0, sizeof(*(arr))) : NULL; \
	})

static struct src_loc after(const struct token *t)
{
	struct src_loc loc = { t->loc.line, t->end_col };

	return loc;
}

static struct app *cur_app(struct parser *ps)
{
	return &ps->p->apps[ps->b.idx];
}

static struct allow *cur_allow(struct parser *ps)
{
	return &ps->p->allows[ps->b.idx];
}

/* The statements below report a wrong argument through ps->d and return 0;
 * they fail (-ENOMEM) only when memory is short. */
static int app_stmt(struct parser *ps, enum stmt st, const struct token *t)
{
	static const enum ident_kind kinds[] = {
		[ST_PATH] = IDENT_PATH, [ST_DIR] = IDENT_DIR,	      [ST_SHA256] = IDENT_SHA256,
		[ST_NAME] = IDENT_NAME, [ST_FLATPAK] = IDENT_FLATPAK, [ST_SNAP] = IDENT_SNAP,
	};
	struct app *a = cur_app(ps);
	const struct token *v = &t[1];
	char q[LEX_ESC_SIZE];
	struct ident *id;
	char *val;

	if (st == ST_DESCRIPTION) {
		if (ps->b.has_desc) {
			diag_error(ps->d, t[0].loc,
				   "app \"%s\" has two descriptions (first at %u:%u)",
				   ESC(q, a->name), ps->b.desc_loc.line, ps->b.desc_loc.col);
			return 0;
		}
		ps->b.has_desc = 1;
		ps->b.desc_loc = t[0].loc;
		a->description = strdup(v->text);
		return a->description ? 0 : -ENOMEM;
	}
	if (st == ST_DENY || st == ST_AUDIT) {
		if (ps->b.has_action) {
			diag_error(ps->d, t[0].loc, "app \"%s\" has two actions (first at %u:%u)",
				   ESC(q, a->name), ps->b.action_loc.line, ps->b.action_loc.col);
			return 0;
		}
		ps->b.has_action = 1;
		ps->b.action_loc = t[0].loc;
		a->action_loc = t[0].loc;
		if (st == ST_AUDIT)
			a->action = APP_ACTION_AUDIT;
		else if (!strcmp(v->text, "exec"))
			a->action = APP_ACTION_DENY_EXEC;
		else if (!strcmp(v->text, "network"))
			a->action = APP_ACTION_DENY_NETWORK;
		else if (!strcmp(v->text, "fileless-exec"))
			diag_error(
				ps->d, v->loc,
				"\"deny fileless-exec\" is a policy-wide statement: write it outside any app block");
		else
			diag_error(
				ps->d, v->loc,
				"unknown action \"deny %s\" (expected \"deny exec\", \"deny network\" or \"audit\")",
				ESC(q, v->text));
		return 0;
	}
	val = strdup(v->text);
	if (!val)
		return -ENOMEM;
	if (arg_ident(ps->d, kinds[st], v, val)) {
		free(val); /* reported; the parser goes on */
		return 0;
	}
	id = APPEND(a->idents, a->n_idents);
	if (!id) {
		free(val);
		return -ENOMEM;
	}
	id->kind = kinds[st];
	id->value = val;
	id->loc = t[0].loc;
	id->value_loc = v->loc;
	return 0;
}

static int allow_stmt(struct parser *ps, enum stmt st, const struct token *t)
{
	struct allow *a = cur_allow(ps);
	const struct token *v = &t[1];
	struct principal *pr;
	struct app_ref *ref;
	char q[LEX_ESC_SIZE];
	char *name = NULL;
	uint64_t id = 0;

	if (st == ST_UNTIL) {
		if (ps->b.has_until) {
			diag_error(ps->d, t[0].loc,
				   "allow \"%s\" has two until dates (first at %u:%u)",
				   ESC(q, a->name), ps->b.until_loc.line, ps->b.until_loc.col);
			return 0;
		}
		ps->b.has_until = 1;
		ps->b.until_loc = t[0].loc;
		if (!arg_until(ps->d, v, &a->until)) {
			a->has_until = 1;
			a->until_loc = v->loc;
		}
		return 0;
	}
	if (st == ST_UID || st == ST_GID) {
		if (arg_u64(v->text, UINT32_MAX - 1, &id)) {
			diag_error(ps->d, v->loc,
				   "%s must be a number from 0 to 4294967294, not \"%s\"",
				   stmts[st].kw, ESC(q, v->text));
			return 0;
		}
	} else {
		if (arg_name(ps->d, v))
			return 0;
		name = strdup(v->text);
		if (!name)
			return -ENOMEM;
	}
	if (st == ST_APP) {
		ref = APPEND(a->apps, a->n_apps);
		if (!ref)
			goto err_nomem;
		ref->name = name;
		ref->loc = v->loc;
		return 0;
	}
	pr = APPEND(a->principals, a->n_principals);
	if (!pr)
		goto err_nomem;
	pr->kind = st == ST_USER  ? PRINCIPAL_USER :
		   st == ST_GROUP ? PRINCIPAL_GROUP :
		   st == ST_UID	  ? PRINCIPAL_UID :
				    PRINCIPAL_GID;
	pr->name = name;
	pr->id = (uint32_t)id;
	pr->loc = v->loc;
	return 0;
err_nomem:
	free(name);
	return -ENOMEM;
}

static int once(struct parser *ps, int *seen, struct src_loc *first, const struct token *kw)
{
	if (*seen) {
		diag_error(ps->d, kw->loc, "%s given twice (first at %u:%u)", kw->text, first->line,
			   first->col);
		return 0;
	}
	*seen = 1;
	*first = kw->loc;
	return 1;
}

static int top_stmt(struct parser *ps, enum stmt st, const struct token *t)
{
	struct policy *p = ps->p;
	const struct token *v = &t[1];
	char q[LEX_ESC_SIZE];

	if (st == ST_POLICY) {
		if (once(ps, &ps->has_policy, &ps->policy_loc, t) && !arg_name(ps->d, v)) {
			memcpy(p->name, v->text, v->len + 1);
			p->has_name = 1;
		}
	} else if (st == ST_SERIAL) {
		if (once(ps, &ps->has_serial, &ps->serial_loc, t) &&
		    arg_u64(v->text, UINT64_MAX, &p->serial))
			diag_error(
				ps->d, v->loc,
				"serial must be an unsigned 64-bit number (0 to %llu), not \"%s\"",
				(unsigned long long)UINT64_MAX, ESC(q, v->text));
	} else if (st == ST_EXPIRES) {
		/* A date in the past is the compiler's to report: it needs the clock. */
		if (once(ps, &ps->has_expires, &ps->expires_loc, t) &&
		    !arg_until(ps->d, v, &p->expires)) {
			p->has_expires = 1;
			p->expires_loc = v->loc;
		}
	} else if (st == ST_DENY) {
		/* The only top-level deny: executions of anonymous or deleted files. */
		if (strcmp(v->text, "fileless-exec")) {
			diag_error(
				ps->d, v->loc,
				"unknown top-level \"deny %s\" (expected \"deny fileless-exec\"; \"deny exec\" and \"deny network\" go inside an app block)",
				ESC(q, v->text));
		} else if (p->deny_fileless) {
			diag_error(ps->d, t->loc, "\"deny fileless-exec\" given twice");
		} else {
			p->deny_fileless = 1;
			ps->fileless_loc = t->loc;
		}
	} else if (once(ps, &ps->has_mode, &p->mode_loc, t)) {
		if (!strcmp(v->text, "monitor"))
			p->monitor = 1;
		else if (strcmp(v->text, "enforce"))
			diag_error(ps->d, v->loc,
				   "unknown mode \"%s\" (expected enforce or monitor)",
				   ESC(q, v->text));
	}
	return 0;
}

static void close_block(struct parser *ps, int check)
{
	struct block *b = &ps->b;
	char q[LEX_ESC_SIZE];

	if (check && !b->damaged && b->where == IN_APP) {
		ESC(q, cur_app(ps)->name);
		if (!b->tried_ident)
			diag_error(
				ps->d, b->loc,
				"app \"%s\" has no identifier (add path, dir, sha256, name, flatpak or snap)",
				q);
		if (!b->tried_action)
			diag_error(
				ps->d, b->loc,
				"app \"%s\" has no action (add \"deny exec\", \"deny network\" or \"audit\")",
				q);
	} else if (check && !b->damaged && b->where == IN_ALLOW) {
		ESC(q, cur_allow(ps)->name);
		if (!b->tried_app)
			diag_error(ps->d, b->loc, "allow \"%s\" lists no app (add \"app NAME\")",
				   q);
		if (!b->tried_principal)
			diag_error(
				ps->d, b->loc,
				"allow \"%s\" lists no user or group (add user, group, uid or gid)",
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
static int open_block(struct parser *ps, enum stmt st, const struct token *t, size_t n)
{
	struct name_set *set = st == ST_APP ? &ps->app_names : &ps->allow_names;
	const struct token *name = n > 1 && t[1].kind <= TOK_STRING ? &t[1] : NULL;
	struct policy *p = ps->p;
	struct block *b = &ps->b;
	char q[LEX_ESC_SIZE], q2[LEX_ESC_SIZE];
	size_t i = name ? 2 : 1, first;
	struct src_loc *first_loc;
	struct allow *allow;
	struct app *app;
	char *dst;

	if (b->where != IN_TOP) {
		report_unterminated(ps, t[0].loc);
		close_block(ps, 1);
	}
	memset(b, 0, sizeof(*b));
	b->loc = t[0].loc;
	if (st == ST_APP) {
		ps->apps_seen++;
		app = APPEND(p->apps, p->n_apps);
		if (!app)
			return -ENOMEM;
		app->loc = t[0].loc;
		dst = app->name;
		b->idx = p->n_apps - 1;
		b->where = IN_APP;
	} else {
		allow = APPEND(p->allows, p->n_allows);
		if (!allow)
			return -ENOMEM;
		allow->loc = t[0].loc;
		dst = allow->name;
		b->idx = p->n_allows - 1;
		b->where = IN_ALLOW;
	}
	if (name)
		arg_copy_name(dst, name->text);
	if (ps->lx.bad) {
		b->damaged = 1;
		return 0;
	}
	if (!name) {
		diag_error(ps->d, n > 1 ? t[1].loc : after(&t[0]),
			   "missing name after \"%s\" (expected %s NAME {)", t[0].text, t[0].text);
		b->damaged = 1;
	} else if (!arg_name(ps->d, name)) {
		if (!name_set_find(set, name->text, &first)) {
			first_loc = st == ST_APP ? &p->apps[first].loc : &p->allows[first].loc;
			diag_error(ps->d, name->loc, "duplicate %s \"%s\" (first defined at %u:%u)",
				   t[0].text, name->text, first_loc->line, first_loc->col);
		} else if (name_set_add(set, name->text, b->idx)) {
			return -ENOMEM;
		}
	}
	if (i >= n) {
		b->pending_brace = 1;
		if (name)
			diag_error(ps->d, after(&t[n - 1]),
				   "missing \"{\" at the end of the line (expected %s NAME {)",
				   t[0].text);
	} else if (t[i].kind != TOK_LBRACE) {
		diag_error(ps->d, t[i].loc, "expected \"{\" after \"%s %s\", not \"%s\"", t[0].text,
			   ESC(q, dst), ESC(q2, t[i].text));
	} else if (i + 1 < n) {
		diag_error(
			ps->d, t[i + 1].loc,
			"unexpected \"%s\" after \"{\" (a block's statements go on their own lines)",
			ESC(q, t[i + 1].text));
		b->damaged = 1;
		if (t[n - 1].kind == TOK_RBRACE)
			close_block(ps, 0);
	}
	return 0;
}

static enum stmt lookup(const char *kw)
{
	unsigned int i;

	/* (the first byte before the call: one line per identifier, and the
	 * common ones, sha256 and name, are far down the table) */
	for (i = 0; i < ST_UNKNOWN; i++)
		if (kw[0] == stmts[i].kw[0] && !strcmp(kw, stmts[i].kw))
			return (enum stmt)i;
	return ST_UNKNOWN;
}

static int parse_line(struct parser *ps)
{
	const struct token *t = ps->lx.toks;
	size_t n = ps->lx.n_toks, i;
	const struct stmt_def *def;
	struct block *b = &ps->b;
	char q[LEX_ESC_SIZE];
	int pending = b->pending_brace, close = 0, err;
	enum stmt st;

	if (!n)
		return 0;
	b->pending_brace = 0;
	if (t[0].kind == TOK_RBRACE) {
		if (b->where == IN_TOP)
			diag_error(ps->d, t[0].loc, "unexpected \"}\": no block is open");
		if (n > 1)
			diag_error(
				ps->d, t[1].loc,
				"unexpected \"%s\" after \"}\" (a \"}\" must be alone on its line)",
				ESC(q, t[1].text));
		if (b->where != IN_TOP)
			close_block(ps, 1);
		return 0;
	}
	if (t[0].kind == TOK_LBRACE) {
		if (!pending || n > 1 || ps->lx.bad)
			diag_error(
				ps->d, t[0].loc,
				"unexpected \"{\" (a block opens with \"{\" at the end of its \"app NAME\" or \"allow NAME\" line)");
		return 0;
	}
	if (t[0].kind == TOK_STRING) {
		diag_error(ps->d, t[0].loc, "expected a statement (%s), not a string",
			   expected[b->where]);
		return 0;
	}
	st = lookup(t[0].text);
	if (st == ST_UNKNOWN) {
		diag_error(ps->d, t[0].loc, "unknown statement \"%s\" (expected %s)",
			   ESC(q, t[0].text), expected[b->where]);
		b->damaged = b->where != IN_TOP;
		return 0;
	}
	def = &stmts[st];
	for (i = 1; i < n && t[i].kind != TOK_LBRACE; i++)
		;
	if ((st == ST_APP || st == ST_ALLOW) && (b->where == IN_TOP || i < n))
		return open_block(ps, st, t, n);
	if (!(def->where & b->where)) {
		if (b->where == IN_TOP)
			diag_error(ps->d, t[0].loc, "\"%s\" is only allowed inside an %s block",
				   def->kw, def->where & IN_APP ? "app" : "allow");
		else
			diag_error(ps->d, t[0].loc,
				   "\"%s\" is not allowed in an %s block (expected %s)", def->kw,
				   b->where == IN_APP ? "app" : "allow", expected[b->where]);
		b->damaged = 1;
		return 0;
	}
	b->tried_ident |= st >= ST_PATH && st <= ST_SNAP;
	b->tried_action |= st == ST_DENY || st == ST_AUDIT;
	b->tried_app |= st == ST_APP;
	b->tried_principal |= st >= ST_USER && st <= ST_GID;
	if (ps->lx.bad)
		return 0;
	if (n > 1 && t[n - 1].kind == TOK_RBRACE && b->where != IN_TOP) {
		diag_error(ps->d, t[n - 1].loc, "\"}\" must be alone on its line");
		n--;
		close = 1;
	}
	err = 0;
	if (n - 1 < def->nargs)
		diag_error(ps->d, after(&t[n - 1]), "missing argument after \"%s\" (expected %s)",
			   def->kw, def->arg);
	else if (n - 1 > def->nargs)
		diag_error(ps->d, t[def->nargs + 1].loc, "unexpected \"%s\" (%s takes %s)",
			   ESC(q, t[def->nargs + 1].text), def->kw,
			   def->nargs ? "one argument" : "no argument");
	else if (b->where == IN_TOP)
		err = top_stmt(ps, st, t);
	else if (b->where == IN_APP)
		err = app_stmt(ps, st, t);
	else
		err = allow_stmt(ps, st, t);
	if (close)
		close_block(ps, 1);
	return err;
}

/* An exceptions file (allow blocks, no app) only grants: what bans or sets
 * the mode is the base policy's. Its app references name the base's apps,
 * which the composition resolves. */
static void check_exceptions_file(struct parser *ps)
{
	static const char what[] =
		"is not allowed in an exceptions file (allow blocks without app): the base policy it is composed with";
	struct policy *p = ps->p;
	size_t i, j;

	if (ps->has_mode)
		diag_error(ps->d, p->mode_loc, "\"mode\" %s sets the mode; remove it", what);
	if (p->deny_fileless)
		diag_error(ps->d, ps->fileless_loc,
			   "\"deny fileless-exec\" %s decides it; remove it", what);
	for (i = 0; i < p->n_allows; i++)
		for (j = 0; j < p->allows[i].n_apps; j++)
			p->allows[i].apps[j].app_index = APP_REF_UNRESOLVED;
}

static void resolve_refs(struct parser *ps)
{
	char q[LEX_ESC_SIZE], q2[LEX_ESC_SIZE];
	struct allow *a;
	size_t i, j;

	for (i = 0; i < ps->p->n_allows; i++) {
		a = &ps->p->allows[i];
		for (j = 0; j < a->n_apps; j++)
			if (name_set_find(&ps->app_names, a->apps[j].name, &a->apps[j].app_index))
				diag_error(ps->d, a->apps[j].loc,
					   "unknown app \"%s\" in allow \"%s\"",
					   ESC(q, a->apps[j].name), ESC(q2, a->name));
	}
}

int policy_parse_buf_as(const char *filename, const char *buf, size_t len, unsigned int flags,
			struct policy **out, struct diag *d)
{
	struct parser ps = { .d = d };
	struct src_loc start = { 1, 1 };
	int errors = d->errors, err;

	*out = NULL;
	if (len > POLICY_FILE_MAX) {
		diag_error(d, start, "policy larger than 256 MiB (%zu bytes)", len);
		return -EINVAL;
	}
	ps.p = calloc(1, sizeof(*ps.p));
	if (!ps.p)
		return -ENOMEM;
	ps.p->file = filename ? strdup(filename) : NULL;
	if (filename && !ps.p->file) {
		free(ps.p);
		return -ENOMEM;
	}
	ps.b.where = IN_TOP;
	lex_init(&ps.lx, buf ? buf : "", buf ? len : 0, d);
	while ((err = lex_line(&ps.lx)) > 0) {
		err = parse_line(&ps);
		if (err)
			goto out;
	}
	if (err)
		goto out;
	if (ps.b.where != IN_TOP) {
		report_unterminated(&ps, ps.lx.eof);
		close_block(&ps, 0);
	}
	ps.p->exceptions_only = !ps.apps_seen && ps.p->n_allows;
	if (ps.p->exceptions_only)
		check_exceptions_file(&ps);
	else
		resolve_refs(&ps);
	if (!ps.apps_seen && !ps.p->exceptions_only)
		diag_error(d, ps.lx.eof, "policy has no app (empty or truncated file?)");
	else if (ps.p->exceptions_only && !(flags & POLICY_PARSE_LAYER))
		diag_error(
			d, ps.lx.eof,
			"policy has no app: this is an exceptions file (allow blocks only), which is composed with a base policy that defines its apps, not loaded alone");
	if (!ps.p->has_name)
		arg_default_name(ps.p->name, filename);
	if (d->errors > errors)
		err = -EINVAL;
out:
	lex_fini(&ps.lx);
	name_set_free(&ps.app_names);
	name_set_free(&ps.allow_names);
	if (err) {
		policy_free(ps.p);
		return err;
	}
	*out = ps.p;
	return 0;
}

int policy_parse_buf(const char *filename, const char *buf, size_t len, struct policy **out,
		     struct diag *d)
{
	return policy_parse_buf_as(filename, buf, len, 0, out, d);
}

int policy_parse_file_as(const char *path, unsigned int flags, struct policy **out, struct diag *d)
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
				diag_error(d, start,
					   "policy file larger than 256 MiB: refusing to read it");
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
	err = policy_parse_buf_as(path, buf, len, flags, out, d);
out:
	free(buf);
	close(fd);
	return err;
}

int policy_parse_file(const char *path, struct policy **out, struct diag *d)
{
	return policy_parse_file_as(path, 0, out, d);
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
	free(a->file);
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
	free(p->file);
	free(p);
}
