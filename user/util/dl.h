/* SPDX-License-Identifier: GPL-2.0 */
/* Libraries that only some uses need, opened when first needed (dlopen),
 * not at every start: libcurl alone pulls in some thirty libraries, and
 * mapping and relocating them cost ~35 ms of every `appban` command here
 * (a first load's path ban, `status`, each test); libcrypto is 4.6 MB
 * that a load of path rules does not need before its ban. systemd does
 * the same for its optional libraries. */
#ifndef __APPBAN_DL_H
#define __APPBAN_DL_H

#include <stddef.h>

struct dl_sym {
	const char *name;
	void **addr; /* where the function's address goes */
};

/* Open soname (RTLD_NOW) and resolve every symbol of syms, once: later
 * calls return the first call's result. Thread-safe. 0, or -ENOENT (the
 * library is not installed) / -ENOSYS (a symbol is missing: too old) after
 * an error that names the library and the Debian package to install. */
struct dl_lib {
	const char *soname;
	const char *package; /* the Debian package that ships soname */
	const struct dl_sym *syms;
	size_t n_syms;
	/* filled in: */
	int state; /* 0 not tried, 1 open, < 0 the error */
};
int dl_load(struct dl_lib *lib);

#endif /* __APPBAN_DL_H */
