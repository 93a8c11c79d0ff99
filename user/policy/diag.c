// SPDX-License-Identifier: GPL-2.0
/* Diagnostics for policy files: one line per message, in the form that
 * editors and CI annotate (FILE:LINE:COL: error: MESSAGE). */
#include <stdarg.h>
#include <string.h>

#include "policy/diag.h"

void diag_init(struct diag *d, FILE *out, const char *file)
{
	memset(d, 0, sizeof(*d));
	d->out = out;
	d->file = file;
}

static void diag_emit(struct diag *d, const char *file, struct src_loc loc, const char *kind,
		      const char *fmt, va_list ap)
{
	if (!file)
		file = d->file ? d->file : "<input>";
	vsnprintf(d->last, sizeof(d->last), fmt, ap);
	if (d->out)
		fprintf(d->out, "%s:%u:%u: %s: %s\n", file, loc.line, loc.col, kind, d->last);
}

void diag_error(struct diag *d, struct src_loc loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_emit(d, NULL, loc, "error", fmt, ap);
	va_end(ap);
	d->errors++;
}

void diag_warn(struct diag *d, struct src_loc loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_emit(d, NULL, loc, "warning", fmt, ap);
	va_end(ap);
	d->warnings++;
}

void diag_error_in(struct diag *d, const char *file, struct src_loc loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_emit(d, file, loc, "error", fmt, ap);
	va_end(ap);
	d->errors++;
}

void diag_warn_in(struct diag *d, const char *file, struct src_loc loc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_emit(d, file, loc, "warning", fmt, ap);
	va_end(ap);
	d->warnings++;
}

void diag_absent(struct diag *d, struct src_loc loc, const char *fmt, ...)
{
	FILE *out = d->out;
	va_list ap;

	if (d->quiet_absent)
		d->out = NULL;
	va_start(ap, fmt);
	diag_emit(d, NULL, loc, "warning", fmt, ap);
	va_end(ap);
	d->out = out;
	d->warnings++;
	d->absent++;
}
