// SPDX-License-Identifier: GPL-2.0
/* libcurl's functions, opened when first needed (curl_api.h). */
#include "fleet/curl_api.h"
#include "util/dl.h"

struct curl_api cu;

#define SYM(field, name)                 \
	{                                \
		name, (void **)&cu.field \
	}

static const struct dl_sym curl_syms[] = {
	SYM(global_init, "curl_global_init"),
	SYM(global_cleanup, "curl_global_cleanup"),
	SYM(easy_init, "curl_easy_init"),
	SYM(easy_setopt, "curl_easy_setopt"),
	SYM(easy_perform, "curl_easy_perform"),
	SYM(easy_getinfo, "curl_easy_getinfo"),
	SYM(easy_cleanup, "curl_easy_cleanup"),
	SYM(easy_strerror, "curl_easy_strerror"),
	SYM(easy_header, "curl_easy_header"),
	SYM(slist_append, "curl_slist_append"),
	SYM(slist_free_all, "curl_slist_free_all"),
	SYM(url, "curl_url"),
	SYM(url_set, "curl_url_set"),
	SYM(url_get, "curl_url_get"),
	SYM(url_cleanup, "curl_url_cleanup"),
	SYM(free, "curl_free"),
};

static struct dl_lib curl_lib = {
	.soname = "libcurl.so.4",
	.package = "libcurl4",
	.syms = curl_syms,
	.n_syms = sizeof(curl_syms) / sizeof(curl_syms[0]),
};

int curl_api_load(void)
{
	return dl_load(&curl_lib);
}
