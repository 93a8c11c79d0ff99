/* SPDX-License-Identifier: GPL-2.0 */
/* Diagnostics in the form FILE:LINE:COL: error|warning: MESSAGE, counted so
 * that a caller can refuse a policy with any error and leave the kernel as it was. */
#ifndef __APPBAN_DIAG_H
#define __APPBAN_DIAG_H

#include <stdio.h>

/* A position in a policy file: line and column, both 1-based; the column
 * counts characters (UTF-8 code points), a tab counting as one. */
struct src_loc {
	unsigned int line;
	unsigned int col;
};

struct diag {
	FILE *out; /* where messages go; NULL: nowhere (tests count them) */
	const char *file; /* file name printed before every message */
	int errors;
	int warnings;
	int absent; /* diag_absent calls */
	int quiet_absent; /* count them, print nothing (a summary is the caller's) */
	char last[512]; /* text of the last message, for tests */
};

void diag_init(struct diag *d, FILE *out, const char *file);
void diag_error(struct diag *d, struct src_loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void diag_warn(struct diag *d, struct src_loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The same about another file than d->file: a block that came from an
 * exceptions file into a composed policy (compose.h). file NULL: d->file.
 * Counted in d, with everything else of the composition. */
void diag_error_in(struct diag *d, const char *file, struct src_loc loc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void diag_warn_in(struct diag *d, const char *file, struct src_loc loc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A warning that a file, directory or package of the policy is not on this
 * machine (yet): counted in absent too, and not printed with quiet_absent. */
void diag_absent(struct diag *d, struct src_loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* __APPBAN_DIAG_H */
