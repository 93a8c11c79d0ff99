/* SPDX-License-Identifier: GPL-2.0 */
/* libcurl, opened when the daemon has a source (util/dl.h): its functions
 * through this table. Only the HTTPS sources use it. */
#ifndef __APPBAN_FLEET_CURL_API_H
#define __APPBAN_FLEET_CURL_API_H

#include <curl/curl.h>

struct curl_api {
	CURLcode (*global_init)(long flags);
	void (*global_cleanup)(void);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *c, CURLoption opt, ...);
	CURLcode (*easy_perform)(CURL *c);
	CURLcode (*easy_getinfo)(CURL *c, CURLINFO info, ...);
	void (*easy_cleanup)(CURL *c);
	const char *(*easy_strerror)(CURLcode rc);
	CURLHcode (*easy_header)(CURL *c, const char *name, size_t index, unsigned int origin,
				 int request, struct curl_header **hout);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
	CURLU *(*url)(void);
	CURLUcode (*url_set)(CURLU *u, CURLUPart what, const char *part, unsigned int flags);
	CURLUcode (*url_get)(const CURLU *u, CURLUPart what, char **part, unsigned int flags);
	void (*url_cleanup)(CURLU *u);
	void (*free)(void *p);
};

/* Filled by curl_api_load. */
extern struct curl_api cu;

/* Open libcurl.so.4 once; 0, or -errno after an error naming the package. */
int curl_api_load(void);

#endif /* __APPBAN_FLEET_CURL_API_H */
