// SPDX-License-Identifier: GPL-2.0
/* What each statement of the daemon's configuration file does to struct
 * fleet_config; config.c has cut the line and checked its place and its
 * number of arguments. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/config_int.h"
#include "fleet/url.h"

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

/* The once-only statement kw: 1 the first time, else 0 after reporting. */
static int once(struct cfg_parser *ps, struct src_loc *seen, const struct token *kw)
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
static int key_stmt(struct cfg_parser *ps, const struct token *t)
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

int cfg_top_stmt(struct cfg_parser *ps, enum cstmt st, const struct token *t)
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

static struct fleet_source *cur_source(struct cfg_parser *ps)
{
	return &ps->c->sources[ps->b.idx];
}

static struct fleet_sink *cur_sink(struct cfg_parser *ps)
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

int cfg_source_stmt(struct cfg_parser *ps, enum cstmt st, const struct token *t)
{
	struct fleet_source *s = cur_source(ps);
	const struct token *v = &t[1];
	uint64_t n;

	if (cfg_stmts[st].once && !once(ps, &ps->b.seen[st], t))
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

int cfg_sink_stmt(struct cfg_parser *ps, enum cstmt st, const struct token *t)
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
int cfg_source_open(struct cfg_parser *ps, const struct token *t, int brace)
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
		cfg_open_block(ps, IN_SOURCE, c->n_sources - 1, t[0].loc, label);
	else {
		ps->pending_where = IN_SOURCE;
		ps->pending_idx = c->n_sources - 1;
		snprintf(ps->pending_label, sizeof(ps->pending_label), "%s", label);
	}
	return 0;
}

static const char *const sink_kinds[] = {
	[FLEET_SINK_FILE] = "file",
	[FLEET_SINK_SYSLOG] = "syslog",
	[FLEET_SINK_JOURNALD] = "journald",
	[FLEET_SINK_AUDIT] = "audit",
};

/* `sink KIND [ARG] [{]`: nargs arguments after "sink". */
int cfg_sink_open(struct cfg_parser *ps, const struct token *t, size_t nargs, int brace)
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
		diag_error(ps->d, cfg_after(&t[1]),
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
		cfg_open_block(ps, IN_SKIP, 0, t[0].loc, label);
		return 0;
	}
	if (brace) {
		cfg_open_block(ps, k == FLEET_SINK_FILE ? IN_FILE : IN_SYSLOG, c->n_sinks - 1,
			       t[0].loc, label);
	} else {
		ps->pending_where = k == FLEET_SINK_FILE ? IN_FILE : IN_SYSLOG;
		ps->pending_idx = c->n_sinks - 1;
		snprintf(ps->pending_label, sizeof(ps->pending_label), "%s", label);
	}
	return 0;
skip:
	if (brace)
		cfg_open_skip(ps, t, nargs + 1);
	return 0;
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
