// SPDX-License-Identifier: GPL-2.0
/* Leveled messages on standard error, every line prefixed with "appban: ". */
#include <stdarg.h>
#include <stdio.h>

#include <bpf/libbpf.h>

#include "util/log.h"

/* Set once from the command line before anything else runs. */
static enum log_level log_level = LVL_WARN;

void log_set_level(enum log_level lvl)
{
	log_level = lvl;
}

enum log_level log_get_level(void)
{
	return log_level;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	if (lvl > log_level)
		return;
	fputs("appban: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	/* One level down: libbpf's warnings are our info, its info our debug. */
	enum log_level lvl = level == LIBBPF_WARN ? LVL_INFO : LVL_DEBUG;

	if (lvl > log_level)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void log_hook_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
