/* SPDX-License-Identifier: GPL-2.0 */
/* Arguments of policy statements (docs/policy.md): names, numbers,
 * dates and identifiers, checked and converted; errors reported at the argument. */
#ifndef __APPBAN_PARSE_ARG_H
#define __APPBAN_PARSE_ARG_H

#include <stddef.h>
#include <stdint.h>

#include "policy/lex.h"
#include "policy/ast.h"

/* The functions below return 0, or -EINVAL after reporting the error at t. */

/* NAME: [A-Za-z0-9_.-]{1,63} */
int arg_name(struct diag *d, const struct token *t);
/* until YYYY-MM-DD: *until is the end of that day, UTC (the next day's 00:00:00). */
int arg_until(struct diag *d, const struct token *t, int64_t *until);
/* The day YYYY-MM-DD whose end is `end` (as arg_until made it), into buf
 * (11 bytes at least). */
void arg_day_str(int64_t end, char *buf, size_t len);
/* The value of an identifier, val a copy of t->text: normalised in place
 * (a digest in lowercase). */
int arg_ident(struct diag *d, enum ident_kind kind, const struct token *t, char *val);

/* A decimal number from 0 to max, digits only: 0 or -EINVAL (no report). */
int arg_u64(const char *s, uint64_t max, uint64_t *v);
/* s into a NAME field, cut at 63 bytes on a character boundary. */
void arg_copy_name(char *dst, const char *s);
/* The policy's default name: the file's base name without .policy, made a NAME. */
void arg_default_name(char *dst, const char *filename);

#endif /* __APPBAN_PARSE_ARG_H */
