/* SPDX-License-Identifier: GPL-2.0 */
/* The exit statuses of the command line (docs/cli.md). */
#ifndef __APPBAN_EXIT_H
#define __APPBAN_EXIT_H

enum {
	EXIT_OK = 0,
	EXIT_INVALID = 1, /* invalid input; a file could not be examined */
	EXIT_USAGE = 2, /* usage, or another engine in force */
	EXIT_KERNEL = 3, /* the kernel refused, or a system error */
	EXIT_NOT_LOADED = 4, /* nothing loaded */
	EXIT_MATCHED = 5, /* check: a file matched */
};

#endif /* __APPBAN_EXIT_H */
