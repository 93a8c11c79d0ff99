/* SPDX-License-Identifier: GPL-2.0 */
/* What the configuration parser's files offer each other: its statements
 * and the parser's state (config.c), what each statement does
 * (config_stmt.c), their arguments checked and converted (config_arg.c). */
#ifndef __APPBAN_FLEET_CONFIG_INT_H
#define __APPBAN_FLEET_CONFIG_INT_H

#include <stdint.h>

#include "fleet/config.h"
#include "policy/lex.h"

#define CFG_PATH_LEN_MAX 4095 /* PATH_MAX with its NUL */
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

struct cstmt_def {
	const char *kw;
	unsigned int where;
	unsigned int min_args, max_args;
	int once; /* at most once at the top level, or in its block */
	const char *usage;
	const char *args[3]; /* what each argument is, for "missing" messages */
};

/* The statements, by enum cstmt (config.c). */
extern const struct cstmt_def cfg_stmts[CS_UNKNOWN];

struct cfg_block {
	unsigned int where; /* IN_TOP: no block open */
	size_t idx; /* in sources or sinks */
	struct src_loc loc;
	char label[LABEL_SIZE]; /* "source URL", for messages */
	struct src_loc seen[CS_UNKNOWN]; /* once-only statements met in it */
};

struct cfg_parser {
	struct lexer lx;
	size_t line_start; /* in lx.buf, of the line being read */
	struct diag *d;
	struct fleet_config *c;
	struct cfg_block b;
	struct src_loc seen[CS_UNKNOWN]; /* once-only statements met at the top level */
	/* The last source or sink line had no "{": a "{" alone on the next
	 * line is reported, then opens its block all the same. */
	unsigned int pending_where;
	size_t pending_idx;
	char pending_label[LABEL_SIZE];
};

static inline struct src_loc cfg_after(const struct token *t)
{
	struct src_loc loc = { t->loc.line, t->end_col };

	return loc;
}

/* config.c: open the block of a source or sink line (label: "source URL"),
 * or one whose lines are skipped up to its "}" (the line's n tokens name it). */
void cfg_open_block(struct cfg_parser *ps, unsigned int where, size_t idx, struct src_loc loc,
		    const char *label);
void cfg_open_skip(struct cfg_parser *ps, const struct token *t, size_t n);

/* config_stmt.c: one statement, its place and number of arguments checked
 * (t[0] the keyword); a wrong argument is reported through ps->d and
 * gives 0; -ENOMEM only when memory is short. brace: the line ends with "{". */
int cfg_top_stmt(struct cfg_parser *ps, enum cstmt st, const struct token *t);
int cfg_source_stmt(struct cfg_parser *ps, enum cstmt st, const struct token *t);
int cfg_sink_stmt(struct cfg_parser *ps, enum cstmt st, const struct token *t);
int cfg_source_open(struct cfg_parser *ps, const struct token *t, int brace);
/* nargs: the arguments after "sink". */
int cfg_sink_open(struct cfg_parser *ps, const struct token *t, size_t nargs, int brace);

/* The functions below return 0, or -EINVAL after reporting the error at t;
 * `what` names the statement in the message ("state-dir"). */

/* An absolute path of at most 4095 bytes. */
int cfg_arg_path(struct diag *d, const char *what, const struct token *t);
/* A decimal number from min to max; unit ("seconds") is for the message. */
int cfg_arg_uint(struct diag *d, const char *what, const char *unit, const struct token *t,
		 uint64_t min, uint64_t max, uint64_t *v);
/* A size: bytes, or a number followed by K, M or G (powers of 1024). */
int cfg_arg_size(struct diag *d, const char *what, const struct token *t, uint64_t min,
		 uint64_t max, uint64_t *v);
/* yes or no. */
int cfg_arg_yes_no(struct diag *d, const char *what, const struct token *t, int *v);
/* N/s, N from 1 to FLEET_RATE_MAX. */
int cfg_arg_rate(struct diag *d, const struct token *t, unsigned int *rate);
/* sha256//BASE64 of 32 bytes. */
int cfg_arg_pin(struct diag *d, const struct token *t);
/* A syslog facility's name -> its number. */
int cfg_arg_facility(struct diag *d, const struct token *t, unsigned int *facility);
/* unix:/PATH, udp:HOST:PORT or tcp:HOST:PORT into s (allocates s->socket
 * or s->host; errors reported at loc): -ENOMEM too. */
int cfg_arg_syslog_address(struct diag *d, const char *address, struct src_loc loc,
			   struct fleet_sink *s);

#endif /* __APPBAN_FLEET_CONFIG_INT_H */
