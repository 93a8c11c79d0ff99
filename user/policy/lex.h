/* SPDX-License-Identifier: GPL-2.0 */
/* Lexer of the policy language: cuts a buffer into lines and each line into
 * words, strings and braces, checking UTF-8 and counting columns in code points. */
#ifndef __APPBAN_LEX_H
#define __APPBAN_LEX_H

#include <stddef.h>

#include "policy/diag.h"

enum tok_kind {
	TOK_WORD,
	TOK_STRING,
	TOK_LBRACE,
	TOK_RBRACE,
};

struct token {
	enum tok_kind kind;
	const char *text; /* decoded, NUL-terminated; valid until the next line */
	size_t len;
	struct src_loc loc; /* first character (the quote of a string) */
	unsigned int end_col; /* column just after the last character */
};

/* A statement has at most 4 tokens: past this, only the first ones (for the
 * message about the junk) and the last one (a "}" closing the block) count. */
#define LEX_MAX_TOKENS 16

struct lexer {
	const char *buf;
	size_t len;
	size_t pos; /* start of the next line */
	unsigned int line; /* of the tokens below */
	struct diag *d;
	struct token toks[LEX_MAX_TOKENS]; /* of the current line, comments removed */
	size_t n_toks;
	char *text; /* decoded texts of the tokens */
	size_t cap_text;
	int bad; /* the line had a lexical error (already reported); toks
				 * holds the tokens before it */
	struct src_loc eof; /* just after the last character read */
	const char *what; /* the kind of file, for messages: "policy" by default */
};

void lex_init(struct lexer *lx, const char *buf, size_t len, struct diag *d);
/* Lex the next line: 1 when a line was read, 0 at the end of the input, -ENOMEM. */
int lex_line(struct lexer *lx);
void lex_fini(struct lexer *lx);

/* Bytes of the valid UTF-8 sequence at s (avail bytes readable), 0 if invalid. */
unsigned int utf8_seq_len(const unsigned char *s, size_t avail);

/* s made printable for a message (quotes, backslashes and control characters
 * escaped, long texts cut with "..."), written to out, which is returned. */
#define LEX_ESC_SIZE 128
const char *lex_escape(char *out, size_t size, const char *s);

#endif /* __APPBAN_LEX_H */
