// SPDX-License-Identifier: GPL-2.0
/* Lexer of the policy language (docs/policy.md, lexical rules): one line
 * at a time, so that the parser can resynchronise at the next line after an error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/lex.h"

#define ESC_MAX_CHARS 60 /* of a text quoted in a message */

void lex_init(struct lexer *lx, const char *buf, size_t len, struct diag *d)
{
	memset(lx, 0, sizeof(*lx));
	lx->buf = buf;
	lx->len = len;
	lx->d = d;
	lx->eof.line = 1;
	lx->eof.col = 1;
	lx->what = "policy";
	/* A byte order mark is invisible in editors: skip it, not counted. */
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		lx->pos = 3;
}

void lex_fini(struct lexer *lx)
{
	free(lx->text);
	lx->text = NULL;
}

unsigned int utf8_seq_len(const unsigned char *s, size_t avail)
{
	unsigned int n, i;

	if (!avail)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0; /* continuation byte, overlong 2-byte form, beyond U+10FFFF */
	if (avail < n)
		return 0;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || /* overlong */
	    (s[0] == 0xed && s[1] >= 0xa0) || /* UTF-16 surrogate */
	    (s[0] == 0xf0 && s[1] < 0x90) || /* overlong */
	    (s[0] == 0xf4 && s[1] >= 0x90)) /* beyond U+10FFFF */
		return 0;
	return n;
}

const char *lex_escape(char *out, size_t size, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned int chars = 0, n;
	size_t o = 0, tn;
	char tmp[8];

	if (!size)
		return out;
	while (*u) {
		n = 1;
		if (*u == '"' || *u == '\\') {
			tmp[0] = '\\';
			tmp[1] = (char)*u;
			tn = 2;
		} else if (*u == '\n' || *u == '\t') {
			tmp[0] = '\\';
			tmp[1] = *u == '\n' ? 'n' : 't';
			tn = 2;
		} else if (*u < 0x20 || *u == 0x7f ||
			   !(n = utf8_seq_len(u, strnlen((const char *)u, 4)))) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", *u);
			tn = 4;
			n = 1;
		} else {
			memcpy(tmp, u, n);
			tn = n;
		}
		if (chars == ESC_MAX_CHARS || o + tn + 4 > size) {
			if (o + 4 <= size) {
				memcpy(out + o, "...", 3);
				o += 3;
			}
			break;
		}
		memcpy(out + o, tmp, tn);
		o += tn;
		u += n;
		chars++;
	}
	out[o < size ? o : size - 1] = '\0';
	return out;
}

/* Check the character at i; 0 (after reporting) when it cannot be there. */
static unsigned int take_char(struct lexer *lx, size_t i, size_t end, unsigned int col,
			      int in_comment)
{
	const unsigned char *s = (const unsigned char *)lx->buf + i;
	struct src_loc loc = { lx->line, col };
	unsigned int n;

	if (*s >= 0x20 && *s < 0x7f) /* printable ASCII: nearly every byte */
		return 1;
	if (!*s) {
		diag_error(lx->d, loc, "NUL byte (a %s must be a text file)", lx->what);
		return 0;
	}
	n = utf8_seq_len(s, end - i);
	if (!n) {
		diag_error(lx->d, loc, "invalid UTF-8 (byte 0x%02x): a %s must be UTF-8 text", *s,
			   lx->what);
		return 0;
	}
	if (!in_comment && ((*s < 0x20 && *s != '\t') || *s == 0x7f)) {
		diag_error(lx->d, loc, "control character U+%04X not allowed here", *s);
		return 0;
	}
	return n;
}

static unsigned int count_cols(const char *s, size_t n)
{
	unsigned int cols = 0;
	size_t i;

	for (i = 0; i < n; i++)
		cols += ((unsigned char)s[i] & 0xc0) != 0x80;
	return cols;
}

static struct token *new_token(struct lexer *lx, enum tok_kind kind, unsigned int col)
{
	struct token *t;

	if (lx->n_toks == LEX_MAX_TOKENS)
		lx->n_toks--; /* the last one replaces the one before */
	t = &lx->toks[lx->n_toks++];
	t->kind = kind;
	t->text = kind == TOK_LBRACE ? "{" : kind == TOK_RBRACE ? "}" : "";
	t->len = kind == TOK_LBRACE || kind == TOK_RBRACE;
	t->loc.line = lx->line;
	t->loc.col = col;
	t->end_col = col + 1;
	return t;
}

/* Bytes that a word (W) or a string (S) takes as they are, with nothing to
 * check: printable ASCII, less what ends a word or starts an escape. They
 * are copied a run at a time; all else goes through take_char. */
enum { PLAIN_W = 1, PLAIN_S = 2, PLAIN_WS = 3 };
static const unsigned char plain[256] = {
	[' '] = PLAIN_S,	  ['!'] = PLAIN_WS,	    ['"'] = 0,
	['#'] = PLAIN_S,	  ['$' ... '+'] = PLAIN_WS, [','] = PLAIN_S,
	['-' ... '['] = PLAIN_WS, ['\\'] = PLAIN_W,	    [']' ... 'z'] = PLAIN_WS,
	['{'] = PLAIN_S,	  ['|'] = PLAIN_WS,	    ['}'] = PLAIN_S,
	['~'] = PLAIN_WS,
};

/* Decode a word or string starting at *i into lx->text + *o. Returns 0, or
 * -EINVAL after reporting a lexical error. */
static int lex_text(struct lexer *lx, struct token *t, size_t *i, size_t end, unsigned int *col,
		    size_t *o)
{
	const char *b = lx->buf;
	struct src_loc loc;
	unsigned int n, mask;
	size_t run;
	char c;

	t->text = lx->text + *o;
	if (t->kind == TOK_STRING) {
		(*i)++;
		(*col)++;
	}
	mask = t->kind == TOK_WORD ? PLAIN_W : PLAIN_S;
	for (;;) {
		for (run = *i; run < end && (plain[(unsigned char)b[run]] & mask); run++)
			;
		if (run > *i) {
			memcpy(lx->text + *o, b + *i, run - *i);
			*o += run - *i;
			*col += (unsigned int)(run - *i);
			*i = run;
		}
		if (*i >= end) {
			if (t->kind == TOK_WORD)
				break;
			diag_error(lx->d, t->loc,
				   "unterminated string (a string ends with \" on the same line)");
			return -EINVAL;
		}
		c = b[*i];
		if (t->kind == TOK_WORD && (c == ' ' || c == '\t' || c == '#' || c == '{' ||
					    c == '}' || c == '"' || c == ','))
			break;
		if (t->kind == TOK_STRING && c == '"') {
			(*i)++;
			(*col)++;
			break;
		}
		if (t->kind == TOK_STRING && c == '\\' && *i + 1 < end) {
			c = b[*i + 1];
			if (c == 'n' || c == 't' || c == '"' || c == '\\') {
				lx->text[(*o)++] = c == 'n' ? '\n' : c == 't' ? '\t' : c;
				*i += 2;
				*col += 2;
				continue;
			}
			loc.line = lx->line;
			loc.col = *col;
			if (c > ' ' && c < 0x7f)
				diag_error(
					lx->d, loc,
					"invalid escape \"\\%c\" in string (expected \\\", \\\\, \\n or \\t)",
					c);
			else
				diag_error(
					lx->d, loc,
					"invalid escape in string (expected \\\", \\\\, \\n or \\t)");
			return -EINVAL;
		}
		n = take_char(lx, *i, end, *col, 0);
		if (!n)
			return -EINVAL;
		memcpy(lx->text + *o, b + *i, n);
		*o += n;
		*i += n;
		(*col)++;
	}
	t->len = (size_t)(lx->text + *o - t->text);
	lx->text[(*o)++] = '\0';
	t->end_col = *col;
	return 0;
}

int lex_line(struct lexer *lx)
{
	size_t start, end, next, i, o = 0, need;
	unsigned int col = 1, n;
	struct src_loc loc;
	struct token *t;
	const char *nl;
	char *text;
	char c;

	if (lx->pos >= lx->len)
		return 0;
	start = lx->pos;
	nl = memchr(lx->buf + start, '\n', lx->len - start);
	end = nl ? (size_t)(nl - lx->buf) : lx->len;
	next = nl ? end + 1 : end;
	if (end > start && lx->buf[end - 1] == '\r')
		end--; /* CRLF */
	/* A decoded text is never longer than its source; each one needs a NUL. */
	need = end - start + 2;
	if (need > lx->cap_text) {
		text = realloc(lx->text, need);
		if (!text)
			return -ENOMEM;
		lx->text = text;
		lx->cap_text = need;
	}
	lx->line++;
	lx->n_toks = 0;
	lx->bad = 0;
	for (i = start; i < end && !lx->bad;) {
		c = lx->buf[i];
		if (c == ' ' || c == '\t') {
			i++;
			col++;
		} else if (c == '#') {
			for (; i < end; i += n, col++) {
				n = take_char(lx, i, end, col, 1);
				if (!n) {
					lx->bad = 1;
					break;
				}
			}
		} else if (c == '{' || c == '}') {
			new_token(lx, c == '{' ? TOK_LBRACE : TOK_RBRACE, col);
			i++;
			col++;
		} else if (c == ',') {
			loc.line = lx->line;
			loc.col = col;
			diag_error(lx->d, loc, "unexpected \",\" (give one value per line)");
			lx->bad = 1;
		} else {
			t = new_token(lx, c == '"' ? TOK_STRING : TOK_WORD, col);
			if (lex_text(lx, t, &i, end, &col, &o)) {
				lx->n_toks--;
				lx->bad = 1;
			}
		}
	}
	if (i < end)
		col += count_cols(lx->buf + i, end - i);
	lx->eof.line = nl ? lx->line + 1 : lx->line;
	lx->eof.col = nl ? 1 : col;
	lx->pos = next;
	return 1;
}
