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
	/* once open, a read without the lock (every hash asks): the state is
	 * published after the symbols, with release order */
	int st = __atomic_load_n(&lib->state, __ATOMIC_ACQUIRE);

	if (st)
		return st < 0 ? st : 0;
	pthread_mutex_lock(&dl_lock);
	st = lib->state;
	if (!st) {
		st = dl_open(lib);
		__atomic_store_n(&lib->state, st, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&dl_lock);
	return st < 0 ? st : 0;
}
