// SPDX-License-Identifier: GPL-2.0
/* Parser of the daemon's configuration file (docs/configuration.md): lines
 * of tokens from the policy language's lexer -> struct fleet_config. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fleet/config.h"
#include "fleet/config_int.h"
#include "policy/lex.h"

#define CONFIG_FILE_MAX (1u << 20) /* a configuration is a few hundred bytes */

/* keyword, where, arguments (least, most), once only, usage, what each argument is */
#define STMT(kw, where, min, max, once, usage, ...) \
	{                                           \
		kw, where, min, max, once, usage,   \
		{                                   \
			__VA_ARGS__                 \
		}                                   \
	}

const struct cstmt_def cfg_stmts[CS_UNKNOWN] = {
	[CS_ENGINE] = STMT("engine", IN_TOP, 1, 1, 1, "engine auto|lsm|fallback",
			   "auto, lsm or fallback"),
	[CS_STATE_DIR] = STMT("state-dir", IN_TOP, 1, 1, 1, "state-dir DIR", "an absolute path"),
	[CS_POLICY_DIR] = STMT("policy-dir", IN_TOP, 1, 1, 1, "policy-dir DIR", "an absolute path"),
	[CS_KEY] = STMT("key", IN_TOP, 2, 2, 0, "key PATH base|exceptions",
			"the key file's absolute path", "the key's role: base or exceptions"),
	[CS_SOURCE] = STMT("source", IN_TOP, 1, 1, 0, "source URL { ... }", "a URL"),
	[CS_HEARTBEAT] =
		STMT("heartbeat", IN_TOP, 1, 1, 1, "heartbeat SECONDS", "a number of seconds"),
	[CS_RATE_LIMIT] = STMT("rate-limit", IN_TOP, 3, 3, 1, "rate-limit N/s burst M",
			       "a rate N/s", "\"burst M\"", "a number of records"),
	[CS_SINK] = STMT("sink", IN_TOP, 1, 2, 0, "sink file|syslog|journald|audit",
			 "file, syslog, journald or audit"),
	[CS_EVERY] = STMT("every", IN_SOURCE, 1, 1, 1, "every SECONDS", "a number of seconds"),
	[CS_CA] = STMT("ca", IN_SOURCE, 1, 1, 1, "ca FILE", "an absolute path"),
	[CS_CLIENT_CERT] =
		STMT("client-cert", IN_SOURCE, 1, 1, 1, "client-cert FILE", "an absolute path"),
	[CS_CLIENT_KEY] =
		STMT("client-key", IN_SOURCE, 1, 1, 1, "client-key FILE", "an absolute path"),
	[CS_PIN] = STMT("pin", IN_SOURCE, 1, 1, 0, "pin sha256//BASE64", "sha256//BASE64"),
	[CS_MAX_SIZE] = STMT("max-size", IN_FILE, 1, 1, 1, "max-size SIZE", "a size, e.g. 10M"),
	[CS_KEEP] = STMT("keep", IN_FILE, 1, 1, 1, "keep N", "a number of files"),
	[CS_COMPRESS] = STMT("compress", IN_FILE, 1, 1, 1, "compress yes|no", "yes or no"),
	[CS_FACILITY] =
		STMT("facility", IN_SYSLOG, 1, 1, 1, "facility NAME", "a facility, e.g. authpriv"),
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

#define ESC(buf, s) lex_escape(buf, sizeof(buf), s)

void cfg_open_block(struct cfg_parser *ps, unsigned int where, size_t idx, struct src_loc loc,
		    const char *label)
{
	memset(&ps->b, 0, sizeof(ps->b));
	ps->b.where = where;
	ps->b.idx = idx;
	ps->b.loc = loc;
	snprintf(ps->b.label, sizeof(ps->b.label), "%s", label);
}

static void close_block(struct cfg_parser *ps, int check)
{
	struct cfg_block *b = &ps->b;

	if (check && b->where == IN_SOURCE && b->seen[CS_CLIENT_KEY].line &&
	    !b->seen[CS_CLIENT_CERT].line)
		diag_error(ps->d, b->seen[CS_CLIENT_KEY],
			   "client-key without client-cert (add \"client-cert FILE\")");
	memset(b, 0, sizeof(*b));
	b->where = IN_TOP;
}

static void report_unterminated(struct cfg_parser *ps, struct src_loc at)
{
	diag_error(ps->d, at, "unterminated block \"%s\" (opened at %u:%u; close it with \"}\")",
		   ps->b.label, ps->b.loc.line, ps->b.loc.col);
}

void cfg_open_skip(struct cfg_parser *ps, const struct token *t, size_t n)
{
	char q[LEX_ESC_SIZE], label[LABEL_SIZE];

	snprintf(label, sizeof(label), "%s%s%s", t[0].text,
		 n > 1 && t[1].kind <= TOK_STRING ? " " : "",
		 n > 1 && t[1].kind <= TOK_STRING ? ESC(q, t[1].text) : "");
	cfg_open_block(ps, IN_SKIP, 0, t[0].loc, label);
}

static enum cstmt lookup(const char *kw)
{
	unsigned int i;

	for (i = 0; i < CS_UNKNOWN; i++)
		if (!strcmp(kw, cfg_stmts[i].kw))
			return (enum cstmt)i;
	return CS_UNKNOWN;
}

/* The raw line ends with "{": for a line whose lexical error hid its tokens. */
static int line_ends_with_brace(const struct cfg_parser *ps)
{
	size_t end = ps->lx.pos;

	while (end > ps->line_start && strchr("\r\n \t", ps->lx.buf[end - 1]))
		end--;
	return end > ps->line_start && ps->lx.buf[end - 1] == '{';
}

static int rbrace_line(struct cfg_parser *ps, const struct token *t, size_t n)
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

static void lbrace_line(struct cfg_parser *ps, const struct token *t, size_t n,
			unsigned int pending)
{
	if (pending && n == 1 && !ps->lx.bad && ps->b.where == IN_TOP) {
		diag_error(ps->d, t[0].loc,
			   "\"{\" must end the line that opens the block (write \"%s {\")",
			   ps->pending_label);
		cfg_open_block(ps, pending, ps->pending_idx, t[0].loc, ps->pending_label);
		return;
	}
	diag_error(
		ps->d, t[0].loc,
		"unexpected \"{\" (a block opens with \"{\" at the end of its source or sink line)");
}

static int parse_line(struct cfg_parser *ps)
{
	const struct token *t = ps->lx.toks;
	size_t n = ps->lx.n_toks, end, nargs;
	unsigned int pending = ps->pending_where;
	const struct cstmt_def *def;
	struct cfg_block *b = &ps->b;
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
	def = &cfg_stmts[st];
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
			cfg_open_skip(ps, t, n);
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
			cfg_open_skip(ps, t, n);
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
			diag_error(ps->d, cfg_after(&t[nargs]),
				   "missing argument after \"%s\" (expected %s)",
				   ESC(q, t[nargs].text), def->args[nargs]);
		else
			diag_error(ps->d, t[def->max_args + 1].loc, "unexpected \"%s\" (usage: %s)",
				   ESC(q, t[def->max_args + 1].text), def->usage);
		if (opener && end < n)
			cfg_open_skip(ps, t, n);
		else if (close)
			close_block(ps, 1);
		return 0;
	}
	if (st == CS_SOURCE)
		err = cfg_source_open(ps, t, end < n);
	else if (st == CS_SINK)
		err = cfg_sink_open(ps, t, nargs, end < n);
	else if (b->where == IN_TOP)
		err = cfg_top_stmt(ps, st, t);
	else if (b->where == IN_SOURCE)
		err = cfg_source_stmt(ps, st, t);
	else
		err = cfg_sink_stmt(ps, st, t);
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
	struct cfg_parser ps = { .d = d };
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
