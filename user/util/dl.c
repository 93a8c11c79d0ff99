// SPDX-License-Identifier: GPL-2.0
/* dlopen of an optional library and its symbols, once (dl.h). */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>

#include "util/dl.h"
#include "util/log.h"

static pthread_mutex_t dl_lock = PTHREAD_MUTEX_INITIALIZER;

static int dl_open(struct dl_lib *lib)
{
	void *h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
	size_t i;

	if (!h) {
		pr_err("cannot open %s (%s): install the Debian package %s\n", lib->soname,
		       dlerror(), lib->package);
		return -ENOENT;
	}
	for (i = 0; i < lib->n_syms; i++) {
		*lib->syms[i].addr = dlsym(h, lib->syms[i].name);
		if (!*lib->syms[i].addr) {
			pr_err("%s has no %s: a newer %s is needed\n", lib->soname,
			       lib->syms[i].name, lib->package);
			dlclose(h);
			return -ENOSYS;
		}
	}
	/* kept open for the life of the process */
	return 1;
}

int dl_load(struct dl_lib *lib)
{
	int st;

	pthread_mutex_lock(&dl_lock);
	if (!lib->state)
		lib->state = dl_open(lib);
	st = lib->state;
	pthread_mutex_unlock(&dl_lock);
	return st < 0 ? st : 0;
}
