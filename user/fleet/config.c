// SPDX-License-Identifier: GPL-2.0
/* Parser of the daemon's configuration file (docs/configuration.md): lines
 * of tokens from the policy language's lexer -> struct fleet_config. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fleet/config.h"
#include "fleet/config_int.h"
#include "fleet/url.h"
#include "policy/lex.h"

#define CONFIG_FILE_MAX (1u << 20) /* a configuration is a few hundred bytes */
#define LABEL_SIZE (LEX_ESC_SIZE + 32) /* "sink syslog ADDRESS" and the like */

enum cstmt {
	CS_ENGINE,
	CS_STATE_DIR,
	CS_POLICY_DIR,
	CS_KEY,
	CS_SOURCE,
	CS_HEARTBEAT,
	CS_RATE_LIMIT,
	CS_SINK,
	CS_EVERY,
	CS_CA,
	CS_CLIENT_CERT,
	CS_CLIENT_KEY,
	CS_PIN,
	CS_MAX_SIZE,
	CS_KEEP,
	CS_COMPRESS,
	CS_FACILITY,
	CS_UNKNOWN,
};

/* Where a statement may be: IN_SKIP is the block of a line that was wrong
 * (an unknown sink kind...): its lines are skipped up to its "}". */
enum { IN_TOP = 1, IN_SOURCE = 2, IN_FILE = 4, IN_SYSLOG = 8, IN_SKIP = 16 };

static const struct cstmt_def {
	const char *kw;
	unsigned int where;
	unsigned int min_args, max_args;
	int once; /* at most once at the top level, or in its block */
	const char *usage;
	const char *args[3]; /* what each argument is, for "missing" messages */
} stmts[CS_UNKNOWN] = {
	[CS_ENGINE] = { "engine",
			IN_TOP,
			1,
			1,
			1,
			"engine auto|lsm|fallback",
			{ "auto, lsm or fallback" } },
	[CS_STATE_DIR] = { "state-dir", IN_TOP, 1, 1, 1, "state-dir DIR", { "an absolute path" } },
	[CS_POLICY_DIR] = { "policy-dir", IN_TOP, 1, 1, 1, "policy-dir DIR", { "an absolute path" } },
	[CS_KEY] = { "key",
		     IN_TOP,
		     2,
		     2,
		     0,
		     "key PATH base|exceptions",
		     { "the key file's absolute path", "the key's role: base or exceptions" } },
	[CS_SOURCE] = { "source", IN_TOP, 1, 1, 0, "source URL { ... }", { "a URL" } },
	[CS_HEARTBEAT] = { "heartbeat",
			   IN_TOP,
			   1,
			   1,
			   1,
			   "heartbeat SECONDS",
			   { "a number of seconds" } },
	[CS_RATE_LIMIT] = { "rate-limit",
			    IN_TOP,
			    3,
			    3,
			    1,
			    "rate-limit N/s burst M",
			    { "a rate N/s", "\"burst M\"", "a number of records" } },
	[CS_SINK] = { "sink",
		      IN_TOP,
		      1,
		      2,
		      0,
		      "sink file|syslog|journald|audit",
		      { "file, syslog, journald or audit" } },
	[CS_EVERY] = { "every", IN_SOURCE, 1, 1, 1, "every SECONDS", { "a number of seconds" } },
	[CS_CA] = { "ca", IN_SOURCE, 1, 1, 1, "ca FILE", { "an absolute path" } },
	[CS_CLIENT_CERT] = { "client-cert",
			     IN_SOURCE,
			     1,
			     1,
			     1,
			     "client-cert FILE",
			     { "an absolute path" } },
	[CS_CLIENT_KEY] = { "client-key",
			    IN_SOURCE,
			    1,
			    1,
			    1,
			    "client-key FILE",
			    { "an absolute path" } },
	[CS_PIN] = { "pin", IN_SOURCE, 1, 1, 0, "pin sha256//BASE64", { "sha256//BASE64" } },
	[CS_MAX_SIZE] = { "max-size", IN_FILE, 1, 1, 1, "max-size SIZE", { "a size, e.g. 10M" } },
	[CS_KEEP] = { "keep", IN_FILE, 1, 1, 1, "keep N", { "a number of files" } },
	[CS_COMPRESS] = { "compress", IN_FILE, 1, 1, 1, "compress yes|no", { "yes or no" } },
	[CS_FACILITY] = { "facility",
			  IN_SYSLOG,
			  1,
			  1,
			  1,
			  "facility NAME",
			  { "a facility, e.g. authpriv" } },
};

static const char *expected(unsigned int where)
{
	switch (where) {
	case IN_SOURCE:
		return "every, ca, client-cert, client-key or pin";
	case IN_FILE:
		return "max-size, keep or compress";
	case IN_SYSLOG:
		return "facility";
	default:
		return "engine, state-dir, policy-dir, key, source, heartbeat, rate-limit or sink";
	}
}

static const char *block_name(unsigned int where)
{
	return where == IN_SOURCE ? "source" : where == IN_FILE ? "sink file" : "sink syslog";
}

struct block {
	unsigned int where; /* IN_TOP: no block open */
	size_t idx; /* in sources or sinks */
	struct src_loc loc;
	char label[LABEL_SIZE]; /* "source URL", for messages */
	struct src_loc seen[CS_UNKNOWN]; /* once-only statements met in it */
};

struct parser {
	struct lexer lx;
	size_t line_start; /* in lx.buf, of the line being read */
	struct diag *d;
	struct fleet_config *c;
	struct block b;
	struct src_loc seen[CS_UNKNOWN]; /* once-only statements met at the top level */
	/* The last source or sink line had no "{": a "{" alone on the next
	 * line is reported, then opens its block all the same. */
	unsigned int pending_where;
	size_t pending_idx;
	char pending_label[LABEL_SIZE];
};

#define ESC(buf, s) lex_escape(buf, sizeof(buf), s)

/* A zeroed new last element of arr (n elements), or NULL: out of memory.
 * A configuration has a few of each: grown one at a time. */
#define APPEND(arr, n)                                                  \
	({                                                              \
		void *__q = reallocarray(arr, (n) + 1, sizeof(*(arr))); \
		if (__q)                                                \
			(arr) = __q;                                    \
		__q ? memset(&(arr)[(n)++], 0, sizeof(*(arr))) : NULL;  \
	})

static struct src_loc after(const struct token *t)
{
	struct src_loc loc = { t->loc.line, t->end_col };

	return loc;
}

/* Replace *dst with a copy of s. */
static int set_str(char **dst, const char *s)
{
	char *p = strdup(s);

	if (!p)
		return -ENOMEM;
	free(*dst);
	*dst = p;
	return 0;
}

static void open_block(struct parser *ps, unsigned int where, size_t idx, struct src_loc loc,
		       const char *label)
{
	memset(&ps->b, 0, sizeof(ps->b));
	ps->b.where = where;
	ps->b.idx = idx;
	ps->b.loc = loc;
	snprintf(ps->b.label, sizeof(ps->b.label), "%s", label);
}

static void close_block(struct parser *ps, int check)
{
	struct block *b = &ps->b;

	if (check && b->where == IN_SOURCE && b->seen[CS_CLIENT_KEY].line &&
	    !b->seen[CS_CLIENT_CERT].line)
		diag_error(ps->d, b->seen[CS_CLIENT_KEY],
			   "client-key without client-cert (add \"client-cert FILE\")");
	memset(b, 0, sizeof(*b));
	b->where = IN_TOP;
}

static void report_unterminated(struct parser *ps, struct src_loc at)
{
	diag_error(ps->d, at, "unterminated block \"%s\" (opened at %u:%u; close it with \"}\")",
		   ps->b.label, ps->b.loc.line, ps->b.loc.col);
}

/* The once-only statement kw: 1 the first time, else 0 after reporting. */
static int once(struct parser *ps, struct src_loc *seen, const struct token *kw)
{
	if (seen->line) {
		diag_error(ps->d, kw->loc, "%s given twice (first at %u:%u)", kw->text, seen->line,
			   seen->col);
		return 0;
	}
	*seen = kw->loc;
	return 1;
}

/* The statements below report a wrong argument through ps->d and return 0;
 * they fail (-ENOMEM) only when memory is short. */
static int key_stmt(struct parser *ps, const struct token *t)
{
	struct fleet_config *c = ps->c;
	char q[LEX_ESC_SIZE];
	enum fleet_key_role role;
	struct fleet_key *k;
	size_t i;

	if (cfg_arg_path(ps->d, "key", &t[1]))
		return 0;
	if (!strcmp(t[2].text, "base")) {
		role = FLEET_KEY_BASE;
	} else if (!strcmp(t[2].text, "exceptions")) {
		role = FLEET_KEY_EXCEPTIONS;
	} else {
		diag_error(ps->d, t[2].loc, "unknown key role \"%s\" (expected base or exceptions)",
			   ESC(q, t[2].text));
		return 0;
	}
	for (i = 0; i < c->n_keys; i++) {
		if (!strcmp(c->keys[i].path, t[1].text)) {
			diag_error(ps->d, t[1].loc, "key \"%s\" given twice (first at %u:%u)",
				   ESC(q, t[1].text), c->keys[i].loc.line, c->keys[i].loc.col);
			return 0;
		}
	}
	k = APPEND(c->keys, c->n_keys);
	if (!k)
		return -ENOMEM;
	k->role = role;
	k->loc = t[0].loc;
	k->path = strdup(t[1].text);
	return k->path ? 0 : -ENOMEM;
}

static int top_stmt(struct parser *ps, enum cstmt st, const struct token *t)
{
	struct fleet_config *c = ps->c;
	const struct token *v = &t[1];
	char q[LEX_ESC_SIZE];
	uint64_t n;

	if (st == CS_KEY)
		return key_stmt(ps, t);
	if (!once(ps, &ps->seen[st], t))
		return 0;
	switch (st) {
	case CS_ENGINE:
		if (!strcmp(v->text, "auto"))
			c->engine = FLEET_ENGINE_AUTO;
		else if (!strcmp(v->text, "lsm"))
			c->engine = FLEET_ENGINE_LSM;
		else if (!strcmp(v->text, "fallback"))
			c->engine = FLEET_ENGINE_FALLBACK;
		else
			diag_error(ps->d, v->loc,
				   "unknown engine \"%s\" (expected auto, lsm or fallback)",
				   ESC(q, v->text));
		return 0;
	case CS_STATE_DIR:
		if (cfg_arg_path(ps->d, t->text, v))
			return 0;
		return set_str(&c->state_dir, v->text);
	case CS_POLICY_DIR:
		if (cfg_arg_path(ps->d, t->text, v))
			return 0;
		return set_str(&c->policy_dir, v->text);
	case CS_HEARTBEAT:
		if (!cfg_arg_uint(ps->d, "heartbeat", "seconds", v, FLEET_HEARTBEAT_MIN,
				  FLEET_HEARTBEAT_MAX, &n))
			c->heartbeat = (unsigned int)n;
		return 0;
	case CS_RATE_LIMIT:
		if (cfg_arg_rate(ps->d, v, &c->rate))
			return 0;
		if (strcmp(t[2].text, "burst")) {
			diag_error(
				ps->d, t[2].loc,
				"expected \"burst\" after the rate (rate-limit N/s burst M), not \"%s\"",
				ESC(q, t[2].text));
			c->rate = 0;
			return 0;
		}
		if (cfg_arg_uint(ps->d, "burst", "records", &t[3], 1, FLEET_RATE_MAX, &n))
			c->rate = 0;
		else
			c->burst = (unsigned int)n;
		return 0;
	default:
		return 0;
	}
}

static struct fleet_source *cur_source(struct parser *ps)
{
	return &ps->c->sources[ps->b.idx];
}

static struct fleet_sink *cur_sink(struct parser *ps)
{
	return &ps->c->sinks[ps->b.idx];
}

/* pin may be given more than once: a server's next key is pinned with its
 * current one before the key changes. curl takes them joined with ";". */
static int add_pin(struct fleet_source *s, const char *pin)
{
	size_t len = s->pin ? strlen(s->pin) : 0;
	char *p;

	p = realloc(s->pin, len + strlen(pin) + 2);
	if (!p)
		return -ENOMEM;
	if (len)
		p[len++] = ';';
	strcpy(p + len, pin);
	s->pin = p;
	return 0;
}

static int source_stmt(struct parser *ps, enum cstmt st, const struct token *t)
{
	struct fleet_source *s = cur_source(ps);
	const struct token *v = &t[1];
	uint64_t n;

	if (stmts[st].once && !once(ps, &ps->b.seen[st], t))
		return 0;
	if (st == CS_EVERY) {
		if (!cfg_arg_uint(ps->d, "every", "seconds", v, FLEET_EVERY_MIN, FLEET_EVERY_MAX,
				  &n))
			s->every = (unsigned int)n;
		return 0;
	}
	if (s->http) {
		diag_error(
			ps->d, t->loc,
			"\"%s\" has no effect on a plain http:// source (TLS settings need https://)",
			t->text);
		return 0;
	}
	if (st == CS_PIN)
		return cfg_arg_pin(ps->d, v) ? 0 : add_pin(s, v->text);
	if (cfg_arg_path(ps->d, t->text, v))
		return 0;
	return set_str(st == CS_CA	    ? &s->ca :
		       st == CS_CLIENT_CERT ? &s->client_cert :
					      &s->client_key,
		       v->text);
}

static int sink_stmt(struct parser *ps, enum cstmt st, const struct token *t)
{
	struct fleet_sink *s = cur_sink(ps);
	const struct token *v = &t[1];
	uint64_t n;

	if (!once(ps, &ps->b.seen[st], t))
		return 0;
	switch (st) {
	case CS_MAX_SIZE:
		cfg_arg_size(ps->d, "max-size", v, FLEET_FILE_MAX_SIZE_MIN, FLEET_FILE_MAX_SIZE_MAX,
			     &s->max_size);
		return 0;
	case CS_KEEP:
		if (!cfg_arg_uint(ps->d, "keep", "files", v, 0, FLEET_FILE_KEEP_MAX, &n))
			s->keep = (unsigned int)n;
		return 0;
	case CS_COMPRESS:
		cfg_arg_yes_no(ps->d, "compress", v, &s->compress);
		return 0;
	default:
		cfg_arg_facility(ps->d, v, &s->facility);
		return 0;
	}
}

/* `source URL [{]`: the source is kept even when its URL is wrong, so that
 * the statements of its block are checked too (the configuration is refused
 * anyway). */
static int source_open(struct parser *ps, const struct token *t, int brace)
{
	struct fleet_config *c = ps->c;
	char q[LEX_ESC_SIZE], why[256], label[LABEL_SIZE];
	struct fleet_source *s;
	size_t i;

	for (i = 0; i < c->n_sources; i++) {
		if (!strcmp(c->sources[i].url, t[1].text)) {
			diag_error(ps->d, t[1].loc, "source \"%s\" given twice (first at %u:%u)",
				   ESC(q, t[1].text), c->sources[i].loc.line,
				   c->sources[i].loc.col);
			break;
		}
	}
	s = APPEND(c->sources, c->n_sources);
	if (!s)
		return -ENOMEM;
	s->loc = t[0].loc;
	s->every = FLEET_EVERY_DEFAULT;
	s->url = strdup(t[1].text);
	if (!s->url)
		return -ENOMEM;
	if (url_check(s->url, &s->http, why, sizeof(why)))
		diag_error(ps->d, t[1].loc, "source URL \"%s\" %s", ESC(q, t[1].text), why);
	snprintf(label, sizeof(label), "source %s", ESC(q, t[1].text));
	if (brace)
		open_block(ps, IN_SOURCE, c->n_sources - 1, t[0].loc, label);
	else {
		ps->pending_where = IN_SOURCE;
		ps->pending_idx = c->n_sources - 1;
		snprintf(ps->pending_label, sizeof(ps->pending_label), "%s", label);
	}
	return 0;
}

static void open_skip(struct parser *ps, const struct token *t, size_t n)
{
	char q[LEX_ESC_SIZE], label[LABEL_SIZE];

	snprintf(label, sizeof(label), "%s%s%s", t[0].text,
		 n > 1 && t[1].kind <= TOK_STRING ? " " : "",
		 n > 1 && t[1].kind <= TOK_STRING ? ESC(q, t[1].text) : "");
	open_block(ps, IN_SKIP, 0, t[0].loc, label);
}

static const char *const sink_kinds[] = {
	[FLEET_SINK_FILE] = "file",
	[FLEET_SINK_SYSLOG] = "syslog",
	[FLEET_SINK_JOURNALD] = "journald",
	[FLEET_SINK_AUDIT] = "audit",
};

/* `sink KIND [ARG] [{]`: nargs arguments after "sink". */
static int sink_open(struct parser *ps, const struct token *t, size_t nargs, int brace)
{
	struct fleet_config *c = ps->c;
	char q[LEX_ESC_SIZE], label[LABEL_SIZE];
	const char *arg = nargs > 1 ? t[2].text : NULL;
	struct src_loc arg_loc = nargs > 1 ? t[2].loc : t[1].loc;
	struct fleet_sink *s;
	unsigned int k;
	size_t i;
	int err;

	for (k = 0; k < 4 && strcmp(t[1].text, sink_kinds[k]); k++)
		;
	if (k == 4) {
		diag_error(ps->d, t[1].loc,
			   "unknown sink \"%s\" (expected file, syslog, journald or audit)",
			   ESC(q, t[1].text));
		goto skip;
	}
	if ((k == FLEET_SINK_JOURNALD || k == FLEET_SINK_AUDIT) && arg) {
		diag_error(ps->d, t[2].loc, "unexpected \"%s\" (sink %s takes no argument)",
			   ESC(q, arg), sink_kinds[k]);
		goto skip;
	}
	if (k == FLEET_SINK_FILE && !arg) {
		diag_error(ps->d, after(&t[1]),
			   "missing argument after \"file\" (expected the file's absolute path)");
		goto skip;
	}
	if (k == FLEET_SINK_FILE && cfg_arg_path(ps->d, "sink file", &t[2]))
		goto skip;
	if (k == FLEET_SINK_SYSLOG && !arg)
		arg = FLEET_SYSLOG_ADDRESS;
	for (i = 0; i < c->n_sinks; i++) {
		if (c->sinks[i].kind != k ||
		    (arg &&
		     strcmp(arg, k == FLEET_SINK_FILE ? c->sinks[i].path : c->sinks[i].address)))
			continue;
		diag_error(ps->d, nargs > 1 ? t[2].loc : t[1].loc,
			   "sink %s%s%s given twice (first at %u:%u)", sink_kinds[k],
			   arg ? " " : "", arg ? ESC(q, arg) : "", c->sinks[i].loc.line,
			   c->sinks[i].loc.col);
		goto skip;
	}
	s = APPEND(c->sinks, c->n_sinks);
	if (!s)
		return -ENOMEM;
	s->kind = (enum fleet_sink_kind)k;
	s->loc = t[0].loc;
	if (k == FLEET_SINK_FILE) {
		s->max_size = FLEET_FILE_MAX_SIZE_DEFAULT;
		s->keep = FLEET_FILE_KEEP_DEFAULT;
		s->compress = 1;
		s->path = strdup(arg);
		if (!s->path)
			return -ENOMEM;
	} else if (k == FLEET_SINK_SYSLOG) {
		s->facility = FLEET_SYSLOG_FACILITY_DEFAULT;
		s->address = strdup(arg);
		if (!s->address)
			return -ENOMEM;
		err = cfg_arg_syslog_address(ps->d, arg, arg_loc, s);
		if (err && err != -EINVAL)
			return err;
	}
	snprintf(label, sizeof(label), "sink %s%s%s", sink_kinds[k], arg ? " " : "",
		 arg ? ESC(q, arg) : "");
	if (k == FLEET_SINK_JOURNALD || k == FLEET_SINK_AUDIT) {
		if (!brace)
			return 0;
		diag_error(ps->d, t[nargs + 1].loc, "sink %s has no settings (remove its block)",
			   sink_kinds[k]);
		open_block(ps, IN_SKIP, 0, t[0].loc, label);
		return 0;
	}
	if (brace) {
		open_block(ps, k == FLEET_SINK_FILE ? IN_FILE : IN_SYSLOG, c->n_sinks - 1, t[0].loc,
			   label);
	} else {
		ps->pending_where = k == FLEET_SINK_FILE ? IN_FILE : IN_SYSLOG;
		ps->pending_idx = c->n_sinks - 1;
		snprintf(ps->pending_label, sizeof(ps->pending_label), "%s", label);
	}
	return 0;
skip:
	if (brace)
		open_skip(ps, t, nargs + 1);
	return 0;
}

static enum cstmt lookup(const char *kw)
{
	unsigned int i;

	for (i = 0; i < CS_UNKNOWN; i++)
		if (!strcmp(kw, stmts[i].kw))
			return (enum cstmt)i;
	return CS_UNKNOWN;
}

/* The raw line ends with "{": for a line whose lexical error hid its tokens. */
static int line_ends_with_brace(const struct parser *ps)
{
	size_t end = ps->lx.pos;

	while (end > ps->line_start && strchr("\r\n \t", ps->lx.buf[end - 1]))
		end--;
	return end > ps->line_start && ps->lx.buf[end - 1] == '{';
}

static int rbrace_line(struct parser *ps, const struct token *t, size_t n)
{
	char q[LEX_ESC_SIZE];

	if (ps->b.where == IN_TOP)
		diag_error(ps->d, t[0].loc, "unexpected \"}\": no block is open");
	if (n > 1)
		diag_error(ps->d, t[1].loc,
			   "unexpected \"%s\" after \"}\" (a \"}\" must be alone on its line)",
			   ESC(q, t[1].text));
	if (ps->b.where != IN_TOP)
		close_block(ps, 1);
	return 0;
}

static void lbrace_line(struct parser *ps, const struct token *t, size_t n, unsigned int pending)
{
	if (pending && n == 1 && !ps->lx.bad && ps->b.where == IN_TOP) {
		diag_error(ps->d, t[0].loc,
			   "\"{\" must end the line that opens the block (write \"%s {\")",
			   ps->pending_label);
		open_block(ps, pending, ps->pending_idx, t[0].loc, ps->pending_label);
		return;
	}
	diag_error(
		ps->d, t[0].loc,
		"unexpected \"{\" (a block opens with \"{\" at the end of its source or sink line)");
}

static int parse_line(struct parser *ps)
{
	const struct token *t = ps->lx.toks;
	size_t n = ps->lx.n_toks, end, nargs;
	unsigned int pending = ps->pending_where;
	const struct cstmt_def *def;
	struct block *b = &ps->b;
	int opener, close = 0, err;
	char q[LEX_ESC_SIZE];
	enum cstmt st;

	if (!n)
		return 0;
	ps->pending_where = 0;
	if (t[0].kind == TOK_RBRACE)
		return rbrace_line(ps, t, n);
	if (t[0].kind == TOK_LBRACE) {
		if (b->where != IN_SKIP)
			lbrace_line(ps, t, n, pending);
		return 0;
	}
	st = t[0].kind == TOK_WORD ? lookup(t[0].text) : CS_UNKNOWN;
	opener = st == CS_SOURCE || st == CS_SINK;
	if (b->where == IN_SKIP && !opener) {
		if (n > 1 && t[n - 1].kind == TOK_RBRACE)
			close_block(ps, 0);
		return 0;
	}
	if (t[0].kind == TOK_STRING) {
		diag_error(ps->d, t[0].loc, "expected a statement (%s), not a string",
			   expected(b->where));
		return 0;
	}
	if (st == CS_UNKNOWN) {
		diag_error(ps->d, t[0].loc, "unknown statement \"%s\" (expected %s)",
			   ESC(q, t[0].text), expected(b->where));
		return 0;
	}
	def = &stmts[st];
	if (opener && b->where != IN_TOP) {
		report_unterminated(ps, t[0].loc);
		close_block(ps, 1);
	}
	if (!(def->where & b->where)) {
		if (b->where == IN_TOP)
			diag_error(ps->d, t[0].loc, "\"%s\" is only allowed inside a %s block",
				   def->kw, block_name(def->where));
		else
			diag_error(ps->d, t[0].loc,
				   "\"%s\" is not allowed in a %s block (expected %s)", def->kw,
				   block_name(b->where), expected(b->where));
		return 0;
	}
	if (ps->lx.bad) {
		/* Reported by the lexer; the tokens after the error are lost. */
		if (opener && line_ends_with_brace(ps))
			open_skip(ps, t, n);
		return 0;
	}
	/* A block opens with "{" at the end of a source or sink line; a
	 * statement in a block may not close it on the same line. */
	for (end = 1; end < n && t[end].kind <= TOK_STRING; end++)
		;
	nargs = end - 1;
	if (end < n && opener && t[end].kind == TOK_LBRACE && end + 1 < n) {
		diag_error(
			ps->d, t[end + 1].loc,
			"unexpected \"%s\" after \"{\" (a block's statements go on their own lines)",
			ESC(q, t[end + 1].text));
		if (t[n - 1].kind != TOK_RBRACE)
			open_skip(ps, t, n);
		return 0;
	}
	if (end < n && !(opener && t[end].kind == TOK_LBRACE)) {
		if (t[end].kind == TOK_RBRACE && end == n - 1 && b->where != IN_TOP) {
			diag_error(ps->d, t[end].loc, "\"}\" must be alone on its line");
			close = 1;
		} else {
			diag_error(ps->d, t[end].loc, "unexpected \"%s\" (%s has no block)",
				   t[end].text, def->kw);
			return 0;
		}
	}
	if (nargs < def->min_args || nargs > def->max_args) {
		if (nargs < def->min_args)
			diag_error(ps->d, after(&t[nargs]),
				   "missing argument after \"%s\" (expected %s)",
				   ESC(q, t[nargs].text), def->args[nargs]);
		else
			diag_error(ps->d, t[def->max_args + 1].loc, "unexpected \"%s\" (usage: %s)",
				   ESC(q, t[def->max_args + 1].text), def->usage);
		if (opener && end < n)
			open_skip(ps, t, n);
		else if (close)
			close_block(ps, 1);
		return 0;
	}
	if (st == CS_SOURCE)
		err = source_open(ps, t, end < n);
	else if (st == CS_SINK)
		err = sink_open(ps, t, nargs, end < n);
	else if (b->where == IN_TOP)
		err = top_stmt(ps, st, t);
	else if (b->where == IN_SOURCE)
		err = source_stmt(ps, st, t);
	else
		err = sink_stmt(ps, st, t);
	if (close)
		close_block(ps, 1);
	return err;
}

static int set_defaults(struct fleet_config *c)
{
	c->heartbeat = FLEET_HEARTBEAT_DEFAULT;
	c->state_dir = strdup(FLEET_STATE_DIR);
	c->policy_dir = strdup(FLEET_POLICY_DIR);
	return c->state_dir && c->policy_dir ? 0 : -ENOMEM;
}

int fleet_config_parse_buf(const char *buf, size_t len, struct fleet_config **out, struct diag *d)
{
	struct parser ps = { .d = d };
	struct src_loc start = { 1, 1 };
	int errors = d->errors, err;

	*out = NULL;
	if (len > CONFIG_FILE_MAX) {
		diag_error(d, start, "configuration larger than 1 MiB (%zu bytes)", len);
		return -EINVAL;
	}
	ps.c = calloc(1, sizeof(*ps.c));
	if (!ps.c)
		return -ENOMEM;
	err = set_defaults(ps.c);
	if (err)
		goto out;
	ps.b.where = IN_TOP;
	lex_init(&ps.lx, buf ? buf : "", buf ? len : 0, d);
	ps.lx.what = "configuration file";
	for (;;) {
		ps.line_start = ps.lx.pos;
		err = lex_line(&ps.lx);
		if (err <= 0)
			break;
		err = parse_line(&ps);
		if (err)
			break;
	}
	if (err)
		goto out;
	if (ps.b.where != IN_TOP) {
		report_unterminated(&ps, ps.lx.eof);
		close_block(&ps, 1);
	}
	if (d->errors > errors)
		err = -EINVAL;
out:
	lex_fini(&ps.lx);
	if (err) {
		fleet_config_free(ps.c);
		return err;
	}
	*out = ps.c;
	return 0;
}

int fleet_config_parse_file(const char *path, struct fleet_config **out, struct diag *d)
{
	struct src_loc start = { 1, 1 };
	size_t len = 0, cap = CONFIG_FILE_MAX + 1;
	char *buf;
	ssize_t r;
	int fd, err;

	*out = NULL;
	if (!d->file)
		d->file = path;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		diag_error(d, start, "cannot open the configuration file: %s%s", strerror(-err),
			   err == -ENOENT ? " (appban daemon --config FILE names another one)" :
					    "");
		return err;
	}
	/* One byte more than allowed: a larger file is seen without reading it all. */
	buf = malloc(cap);
	if (!buf) {
		err = -ENOMEM;
		goto out;
	}
	while (len < cap) {
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			diag_error(d, start, "cannot read the configuration file: %s",
				   strerror(-err));
			goto out;
		}
		if (!r)
			break;
		len += (size_t)r;
	}
	err = fleet_config_parse_buf(buf, len, out, d);
out:
	free(buf);
	close(fd);
	return err;
}

void fleet_config_free(struct fleet_config *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n_keys; i++)
		free(c->keys[i].path);
	for (i = 0; i < c->n_sources; i++) {
		free(c->sources[i].url);
		free(c->sources[i].ca);
		free(c->sources[i].client_cert);
		free(c->sources[i].client_key);
		free(c->sources[i].pin);
	}
	for (i = 0; i < c->n_sinks; i++) {
		free(c->sinks[i].path);
		free(c->sinks[i].address);
		free(c->sinks[i].socket);
		free(c->sinks[i].host);
	}
	free(c->keys);
	free(c->sources);
	free(c->sinks);
	free(c->state_dir);
	free(c->policy_dir);
	free(c);
}

const char *fleet_engine_str(enum fleet_engine e)
{
	return e == FLEET_ENGINE_LSM ? "lsm" : e == FLEET_ENGINE_FALLBACK ? "fallback" : "auto";
}

const char *fleet_key_role_str(enum fleet_key_role r)
{
	return r == FLEET_KEY_EXCEPTIONS ? "exceptions" : "base";
}

const char *fleet_sink_kind_str(enum fleet_sink_kind k)
{
	return (unsigned int)k < 4 ? sink_kinds[k] : "?";
}
