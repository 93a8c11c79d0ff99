/* SPDX-License-Identifier: GPL-2.0 */
/* Policy language version 1.1 (docs/policy.md): text -> AST. Syntax and
 * the checks that need only the text; what needs the machine (paths, users)
 * is checked by compile.c. */
#ifndef __APPBAN_PARSE_H
#define __APPBAN_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "policy/ast.h"
#include "policy/diag.h"

/* The largest policy file read (1,000,000 sha256 identifiers take some
 * 80 MiB). */
#define POLICY_FILE_MAX (256u << 20)

/* Parse a whole policy held in memory. Every problem is reported through d
 * (all of them, not only the first). Returns 0 and *out on success, -EINVAL
 * when d counted an error (then *out is NULL), -ENOMEM. `filename` gives the
 * default policy name. */
int policy_parse_buf(const char *filename, const char *buf, size_t len, struct policy **out,
		     struct diag *d);
/* Read and parse a file; a file that cannot be read is reported through d
 * at 1:1 and returns -errno. */
int policy_parse_file(const char *path, struct policy **out, struct diag *d);

/* The same with flags: */
/* a file of allow blocks without app (an exceptions file) is one layer of
 * a composed policy (compose.h), not an error; see policy.exceptions_only. */
#define POLICY_PARSE_LAYER 0x1u
int policy_parse_buf_as(const char *filename, const char *buf, size_t len, unsigned int flags,
			struct policy **out, struct diag *d);
int policy_parse_file_as(const char *path, unsigned int flags, struct policy **out, struct diag *d);

void policy_free(struct policy *p);

#endif /* __APPBAN_PARSE_H */
