// SPDX-License-Identifier: GPL-2.0
/* A source's check, run in its worker thread: the two conditional GETs on
 * the source's libcurl handle, the limits, and what each failure is called;
 * and the handle's options, set once when the source is made. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fleet/source_int.h"
#include "fleet/url.h"
#include "util/log.h"

#define VALIDATOR_MAX 512 /* an ETag or a date longer than this is not kept */
#define MAX_REDIRS 5
#define LOW_SPEED_LIMIT 1024 /* bytes/s... */
#define LOW_SPEED_TIME 30 /* ...for this many seconds: a stalled transfer */

void source_job_fail(struct job *j, enum source_err e, const char *fmt, ...)
{
	va_list ap;

	j->outcome = SOURCE_FAILED;
	j->err = e;
	va_start(ap, fmt);
	vsnprintf(j->error, sizeof(j->error), fmt, ap);
	va_end(ap);
}

/* "64 MiB", "512 KiB", "1000 bytes". */
static const char *size_text(char *buf, size_t size, uint64_t n)
{
	if (n && !(n & ((1 << 20) - 1)))
		snprintf(buf, size, "%llu MiB", (unsigned long long)(n >> 20));
	else if (n && !(n & 1023))
		snprintf(buf, size, "%llu KiB", (unsigned long long)(n >> 10));
	else
		snprintf(buf, size, "%llu bytes", (unsigned long long)n);
	return buf;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct body *b = arg;
	size_t n = size * nmemb, cap;
	char *p;

	if (n > b->max - b->len) {
		b->too_big = 1;
		return 0; /* CURLE_WRITE_ERROR */
	}
	if (b->len + n > b->cap) {
		cap = b->cap ? b->cap : 16384;
		while (cap < b->len + n)
			cap *= 2;
		if (cap > b->max)
			cap = b->max;
		p = realloc(b->buf, cap);
		if (!p) {
			b->nomem = 1;
			return 0;
		}
		b->buf = p;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, data, n);
	b->len += n;
	return n;
}

/* Called by libcurl at least once a second, even while it resolves or connects. */
static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct source *s = arg;

	return atomic_load(&s->cancel);
}

/* The header name's value from the last response, if it can be sent back
 * as it is: printable ASCII only (no header splitting through a validator). */
static char *validator(CURL *c, const char *name)
{
	struct curl_header *h;
	const char *v;

	if (cu.easy_header(c, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK)
		return NULL;
	for (v = h->value; *v; v++)
		if (*v < 0x20 || *v > 0x7e)
			return NULL;
	if (!*h->value || v - h->value > VALIDATOR_MAX)
		return NULL;
	return strdup(h->value);
}

static void describe(struct source *s, struct job *j, const char *url, CURLcode rc,
		     const struct body *b)
{
	const char *detail = s->errbuf[0] ? s->errbuf : cu.easy_strerror(rc);
	char size[32];

	switch (rc) {
	case CURLE_FILESIZE_EXCEEDED:
		source_job_fail(j, SOURCE_ERR_SIZE, "%s: larger than %s", url,
				size_text(size, sizeof(size), s->lim.max_size));
		break;
	case CURLE_WRITE_ERROR:
		if (b->too_big)
			source_job_fail(j, SOURCE_ERR_SIZE, "%s: larger than %s", url,
					size_text(size, sizeof(size), s->lim.max_size));
		else
			source_job_fail(j, SOURCE_ERR_INTERNAL, "%s: out of memory for the file",
					url);
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
		source_job_fail(j, SOURCE_ERR_TLS, "%s: TLS: certificate verify failed (%s%s): %s",
				url, s->ca ? "ca " : "the system's CAs", s->ca ? s->ca : "",
				detail);
		break;
	case CURLE_SSL_CACERT_BADFILE:
		source_job_fail(j, SOURCE_ERR_TLS, "%s: TLS: cannot use the CA file (ca %s): %s",
				url, s->ca ? s->ca : "of the system", detail);
		break;
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		source_job_fail(j, SOURCE_ERR_TLS,
				"%s: TLS: the server's public key does not match the pin (pin %s)",
				url, s->pin);
		break;
	case CURLE_SSL_CERTPROBLEM:
		source_job_fail(
			j, SOURCE_ERR_TLS,
			"%s: TLS: cannot use the client certificate (client-cert %s%s%s): %s", url,
			s->client_cert, s->client_key ? ", client-key " : "",
			s->client_key ? s->client_key : "", detail);
		break;
	case CURLE_SSL_CONNECT_ERROR:
		source_job_fail(j, SOURCE_ERR_TLS, "%s: TLS: handshake failed: %s", url, detail);
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		source_job_fail(j, SOURCE_ERR_NETWORK, "%s: cannot resolve the host: %s", url,
				detail);
		break;
	case CURLE_COULDNT_CONNECT:
		source_job_fail(j, SOURCE_ERR_NETWORK, "%s: cannot connect: %s", url, detail);
		break;
	case CURLE_OPERATION_TIMEDOUT:
		source_job_fail(j, SOURCE_ERR_TIMEOUT, "%s: timed out: %s", url, detail);
		break;
	case CURLE_UNSUPPORTED_PROTOCOL:
		source_job_fail(
			j, SOURCE_ERR_PROTOCOL,
			"%s: refused: %s (only https://, or http:// to this machine; no redirect to another scheme)",
			url, detail);
		break;
	case CURLE_TOO_MANY_REDIRECTS:
		source_job_fail(j, SOURCE_ERR_HTTP, "%s: more than %d redirects", url, MAX_REDIRS);
		break;
	case CURLE_ABORTED_BY_CALLBACK:
		source_job_fail(j, SOURCE_ERR_INTERNAL, "%s: stopped", url);
		break;
	case CURLE_OUT_OF_MEMORY:
		source_job_fail(j, SOURCE_ERR_INTERNAL, "%s: out of memory", url);
		break;
	default:
		source_job_fail(j, SOURCE_ERR_NETWORK, "%s: %s%s%s", url, cu.easy_strerror(rc),
				s->errbuf[0] ? ": " : "", s->errbuf);
		break;
	}
}

/* GET one file, conditional when it was fetched before. Returns the HTTP
 * status, or -1 after failing the job. */
static long fetch(struct source *s, int which, struct job *j)
{
	const struct remote *f = &s->file[which];
	struct body *b = &j->body[which];
	struct curl_slist *hdrs = NULL, *n;
	char line[VALIDATOR_MAX + 32];
	CURLcode rc;
	long code = 0;

	if (f->has_digest && f->etag) {
		snprintf(line, sizeof(line), "If-None-Match: %s", f->etag);
		n = cu.slist_append(hdrs, line);
		if (!n)
			goto nomem;
		hdrs = n;
	}
	if (f->has_digest && f->last_modified) {
		snprintf(line, sizeof(line), "If-Modified-Since: %s", f->last_modified);
		n = cu.slist_append(hdrs, line);
		if (!n)
			goto nomem;
		hdrs = n;
	}
	b->max = s->lim.max_size;
	s->errbuf[0] = '\0';
	if (cu.easy_setopt(s->curl, CURLOPT_URL, f->url) ||
	    cu.easy_setopt(s->curl, CURLOPT_HTTPHEADER, hdrs) ||
	    cu.easy_setopt(s->curl, CURLOPT_WRITEDATA, b))
		goto nomem;
	rc = cu.easy_perform(s->curl);
	cu.easy_setopt(s->curl, CURLOPT_HTTPHEADER, NULL);
	cu.slist_free_all(hdrs);
	if (rc) {
		describe(s, j, f->url, rc, b);
		return -1;
	}
	cu.easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
	j->status = code;
	if (code == 200) {
		/* An empty file still gives the daemon a buffer, never NULL. */
		if (!b->buf && !(b->buf = malloc(1))) {
			source_job_fail(j, SOURCE_ERR_INTERNAL, "%s: out of memory", f->url);
			return -1;
		}
		j->got[which] = 1;
		j->etag[which] = validator(s->curl, "ETag");
		j->last_modified[which] = validator(s->curl, "Last-Modified");
		cr.SHA256((const unsigned char *)b->buf, b->len, j->digest[which]);
	}
	return code;
nomem:
	cu.slist_free_all(hdrs);
	source_job_fail(j, SOURCE_ERR_INTERNAL, "%s: out of memory", f->url);
	return -1;
}

static void run_check(struct source *s, struct job *j)
{
	struct body *sig = &j->body[SIG];
	long st;

	st = fetch(s, POLICY, j);
	if (st < 0)
		return;
	if (st == 304 && s->file[POLICY].has_digest) {
		j->outcome = SOURCE_UNCHANGED;
		return;
	}
	if (st != 200) {
		j->gone = st == 404 || st == 410;
		source_job_fail(j, SOURCE_ERR_HTTP, "%s: HTTP %ld", s->file[POLICY].url, st);
		return;
	}
	st = fetch(s, SIG, j);
	if (st < 0)
		return;
	if (st == 304 && s->file[SIG].has_digest) {
		/* The policy changed and its signature did not (yet?): the
		 * daemon verifies the pair all the same. */
		sig->buf = malloc(s->sig_cache_len ? s->sig_cache_len : 1);
		if (!sig->buf) {
			source_job_fail(j, SOURCE_ERR_INTERNAL, "%s: out of memory",
					s->file[SIG].url);
			return;
		}
		memcpy(sig->buf, s->sig_cache, s->sig_cache_len);
		sig->len = s->sig_cache_len;
		memcpy(j->digest[SIG], s->file[SIG].digest, SHA256_DIGEST_LENGTH);
	} else if (st != 200) {
		source_job_fail(j, SOURCE_ERR_HTTP, "%s: HTTP %ld", s->file[SIG].url, st);
		return;
	}
	/* A server without validators sends the same bytes again: unchanged. */
	if (s->file[POLICY].has_digest && s->file[SIG].has_digest &&
	    !memcmp(j->digest[POLICY], s->file[POLICY].digest, SHA256_DIGEST_LENGTH) &&
	    !memcmp(j->digest[SIG], s->file[SIG].digest, SHA256_DIGEST_LENGTH))
		j->outcome = SOURCE_UNCHANGED;
	else
		j->outcome = SOURCE_CHANGED;
}

void *source_worker(void *arg)
{
	struct source *s = arg;
	uint64_t one = 1;

	run_check(s, &s->job);
	/* The counter cannot overflow: one write per check, read before the next. */
	while (write(s->efd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
	return NULL;
}

/* The URL again, as libcurl itself reads it: the text check of url.c and
 * libcurl's parser must agree that a plain http:// host is this machine. */
int source_check_url(const char *url, int *http)
{
	char why[256], *scheme = NULL, *host = NULL;
	CURLU *u;
	int err = 0;

	if (url_check(url, http, why, sizeof(why))) {
		pr_err("source %s: the URL %s\n", url, why);
		return -EINVAL;
	}
	u = cu.url();
	if (!u)
		return -ENOMEM;
	if (cu.url_set(u, CURLUPART_URL, url, 0) || cu.url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
	    cu.url_get(u, CURLUPART_HOST, &host, 0)) {
		pr_err("source %s: libcurl cannot read the URL\n", url);
		err = -EINVAL;
	} else if (strcmp(scheme, *http ? "http" : "https") ||
		   (*http && !url_host_is_loopback(host))) {
		pr_err("source %s: libcurl reads the host as \"%s\" (%s): refused\n", url, host,
		       scheme);
		err = -EINVAL;
	}
	cu.free(scheme);
	cu.free(host);
	cu.url_cleanup(u);
	return err;
}

/* Every option checked: a libcurl that ignored one of them (too old) must
 * not fetch with less than the configuration asks. */
#define SETOPT(opt, val)                                                                     \
	do {                                                                                 \
		CURLcode __rc = cu.easy_setopt(s->curl, opt, val);                           \
		if (__rc) {                                                                  \
			pr_err("source %s: libcurl refused option %s: %s\n", cfg->url, #opt, \
			       cu.easy_strerror(__rc));                                      \
			err = __rc == CURLE_OUT_OF_MEMORY ? -ENOMEM : -EINVAL;               \
			goto err;                                                            \
		}                                                                            \
	} while (0)

int source_setup_curl(struct source *s, const struct fleet_source *cfg)
{
	int err = 0;

	s->curl = cu.easy_init();
	if (!s->curl)
		return -ENOMEM;
	SETOPT(CURLOPT_NOSIGNAL, 1L);
	SETOPT(CURLOPT_ERRORBUFFER, s->errbuf);
	SETOPT(CURLOPT_PROTOCOLS_STR, s->http ? "http,https" : "https");
	SETOPT(CURLOPT_REDIR_PROTOCOLS_STR, "https");
	SETOPT(CURLOPT_FOLLOWLOCATION, 1L);
	SETOPT(CURLOPT_MAXREDIRS, (long)MAX_REDIRS);
	SETOPT(CURLOPT_CONNECTTIMEOUT, (long)s->lim.connect_timeout);
	SETOPT(CURLOPT_TIMEOUT, (long)s->lim.timeout);
	SETOPT(CURLOPT_LOW_SPEED_LIMIT, (long)LOW_SPEED_LIMIT);
	SETOPT(CURLOPT_LOW_SPEED_TIME, (long)LOW_SPEED_TIME);
	SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)s->lim.max_size);
	SETOPT(CURLOPT_WRITEFUNCTION, on_body);
	SETOPT(CURLOPT_NOPROGRESS, 0L);
	SETOPT(CURLOPT_XFERINFOFUNCTION, on_progress);
	SETOPT(CURLOPT_XFERINFODATA, s);
	SETOPT(CURLOPT_USERAGENT, "appban");
	SETOPT(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
	if (s->http)
		SETOPT(CURLOPT_PROXY, ""); /* this machine: never through a proxy */
	if (s->ca) {
		/* In place of the system's CAs, not beside them. */
		SETOPT(CURLOPT_CAINFO, s->ca);
		SETOPT(CURLOPT_CAPATH, (char *)NULL);
	}
	if (s->client_cert)
		SETOPT(CURLOPT_SSLCERT, s->client_cert);
	if (s->client_key)
		SETOPT(CURLOPT_SSLKEY, s->client_key);
	if (s->pin)
		SETOPT(CURLOPT_PINNEDPUBLICKEY, s->pin);
	return 0;
err:
	return err;
}
