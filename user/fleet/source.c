// SPDX-License-Identifier: GPL-2.0
/* HTTPS sources: a check (policy, then its signature) runs in a thread of its
 * own (source_fetch.c), ends with a write to an eventfd, and its result is
 * taken on the daemon's thread, which alone changes the source. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <unistd.h>

#include "fleet/source_int.h"
#include "util/clock.h"
#include "util/log.h"

/* libcurl (and libcrypto) are opened here, not at every start of appban
 * (fleet/curl_api.h, util/crypto_api.h). */
static int lib_state; /* 0 not yet, 1 ready, < 0 failed */

int source_lib_init(void)
{
	CURLcode rc;
	int err;

	if (lib_state)
		return lib_state < 0 ? lib_state : 0;
	err = curl_api_load();
	/* (and libcrypto: each file fetched is digested, in the workers) */
	if (!err)
		err = crypto_api_load();
	if (err) {
		lib_state = err;
		return err;
	}
	rc = cu.global_init(CURL_GLOBAL_DEFAULT);
	if (rc) {
		pr_err("cannot initialise libcurl: %s\n", cu.easy_strerror(rc));
		lib_state = -EIO;
		return -EIO;
	}
	lib_state = 1;
	return 0;
}

void source_lib_fini(void)
{
	if (lib_state > 0)
		cu.global_cleanup();
	lib_state = 0;
}

static const char *const err_names[] = {
	[SOURCE_ERR_NONE] = "",
	[SOURCE_ERR_HTTP] = "http",
	[SOURCE_ERR_SIZE] = "size",
	[SOURCE_ERR_TLS] = "tls",
	[SOURCE_ERR_NETWORK] = "network",
	[SOURCE_ERR_TIMEOUT] = "timeout",
	[SOURCE_ERR_PROTOCOL] = "protocol",
	[SOURCE_ERR_REFUSED] = "refused",
	[SOURCE_ERR_INTERNAL] = "internal",
};

const char *source_err_str(enum source_err e)
{
	return (unsigned int)e < sizeof(err_names) / sizeof(err_names[0]) ? err_names[e] : "?";
}

static void job_clear(struct job *j)
{
	int i;

	for (i = 0; i < 2; i++) {
		free(j->body[i].buf);
		free(j->etag[i]);
		free(j->last_modified[i]);
	}
	memset(j, 0, sizeof(*j));
}

static void forget(struct source *s)
{
	int i;

	for (i = 0; i < 2; i++) {
		free(s->file[i].etag);
		free(s->file[i].last_modified);
		s->file[i].etag = NULL;
		s->file[i].last_modified = NULL;
		s->file[i].has_digest = 0;
	}
	free(s->sig_cache);
	s->sig_cache = NULL;
	s->sig_cache_len = 0;
}

static void set_error(struct source *s, enum source_err e, const char *text)
{
	s->last_err = e;
	s->last_error_time = time(NULL);
	snprintf(s->last_error, sizeof(s->last_error), "%s", text);
}

/* What a 200 brought becomes what the next request is conditional on. */
static int remember(struct source *s, struct job *j, int which)
{
	struct remote *f = &s->file[which];
	char *copy = NULL;

	if (!j->got[which])
		return 0;
	if (which == SIG) {
		copy = malloc(j->body[SIG].len ? j->body[SIG].len : 1);
		if (!copy)
			return -ENOMEM;
		memcpy(copy, j->body[SIG].buf, j->body[SIG].len);
		free(s->sig_cache);
		s->sig_cache = copy;
		s->sig_cache_len = j->body[SIG].len;
	}
	free(f->etag);
	free(f->last_modified);
	f->etag = j->etag[which];
	f->last_modified = j->last_modified[which];
	j->etag[which] = NULL;
	j->last_modified[which] = NULL;
	memcpy(f->digest, j->digest[which], SHA256_DIGEST_LENGTH);
	f->has_digest = 1;
	return 0;
}

int source_result(struct source *s, struct source_result *r)
{
	struct job *j = &s->job;
	uint64_t v, now;
	ssize_t n;

	memset(r, 0, sizeof(*r));
	if (!s->busy)
		return -EAGAIN;
	n = read(s->efd, &v, sizeof(v));
	if (n < 0)
		return -errno;
	pthread_join(s->thread, NULL);
	s->busy = 0;
	now = mono_ns();
	s->last_check = time(NULL);
	s->failures_before = s->sched.failures;
	/* Both files are remembered together or not at all: a policy whose
	 * signature could not be fetched must not be "unchanged" next time. */
	if (j->outcome != SOURCE_FAILED && (remember(s, j, POLICY) || remember(s, j, SIG))) {
		forget(s);
		source_job_fail(j, SOURCE_ERR_INTERNAL, "%s: out of memory", s->file[POLICY].url);
	}
	r->outcome = j->outcome;
	r->err = j->err;
	r->http_status = j->status;
	r->gone = j->gone;
	if (j->outcome == SOURCE_FAILED) {
		memcpy(r->error, j->error, sizeof(r->error));
		set_error(s, j->err, j->error);
		if (j->gone)
			forget(s); /* back again later: new to the daemon */
		schedule_failure(&s->sched, now);
	} else {
		if (j->outcome == SOURCE_CHANGED) {
			r->policy = j->body[POLICY].buf;
			r->policy_len = j->body[POLICY].len;
			r->sig = j->body[SIG].buf;
			r->sig_len = j->body[SIG].len;
			j->body[POLICY].buf = NULL;
			j->body[SIG].buf = NULL;
			s->last_change = s->last_check;
		}
		schedule_success(&s->sched, now);
	}
	job_clear(j);
	if (s->forget_after) {
		s->forget_after = 0;
		forget(s);
	}
	if (s->again) {
		s->again = 0;
		schedule_now(&s->sched, now);
	}
	return 0;
}

void source_result_clear(struct source_result *r)
{
	free(r->policy);
	free(r->sig);
	r->policy = NULL;
	r->sig = NULL;
	r->policy_len = 0;
	r->sig_len = 0;
}

int source_start(struct source *s)
{
	sigset_t all, old;
	int err;

	if (s->busy)
		return -EBUSY;
	job_clear(&s->job);
	atomic_store(&s->cancel, 0);
	/* The daemon's signals are its main thread's, never the worker's. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(&s->thread, NULL, source_worker, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		char text[SOURCE_ERROR_SIZE];

		snprintf(text, sizeof(text), "%s: cannot start a thread for the check: %s",
			 s->file[POLICY].url, strerror(err));
		set_error(s, SOURCE_ERR_INTERNAL, text);
		schedule_failure(&s->sched, mono_ns());
		return -err;
	}
	s->busy = 1;
	return 0;
}

void source_check_now(struct source *s)
{
	if (s->busy)
		s->again = 1;
	else
		schedule_now(&s->sched, mono_ns());
}

void source_refused(struct source *s, const char *why)
{
	char text[SOURCE_ERROR_SIZE];

	snprintf(text, sizeof(text), "%s: refused: %s", s->file[POLICY].url, why);
	set_error(s, SOURCE_ERR_REFUSED, text);
	if (s->busy) {
		s->forget_after = 1;
		return;
	}
	forget(s);
	/* The check that brought it counted as a success: undo that. */
	s->sched.failures = s->failures_before;
	schedule_failure(&s->sched, mono_ns());
}

const char *source_url(const struct source *s)
{
	return s->file[POLICY].url;
}

int source_fd(const struct source *s)
{
	return s->efd;
}

uint64_t source_next_due(const struct source *s)
{
	return s->busy ? UINT64_MAX : s->sched.due;
}

void source_get_status(const struct source *s, struct source_status *st)
{
	uint64_t now = mono_ns();

	memset(st, 0, sizeof(*st));
	st->url = s->file[POLICY].url;
	st->last_check = s->last_check;
	st->last_change = s->last_change;
	st->last_error_time = s->last_error_time;
	st->last_error = s->last_error;
	st->last_err = s->last_err;
	st->failures = s->sched.failures;
	st->busy = s->busy;
	st->next_due = source_next_due(s);
	if (!s->busy)
		st->next_check =
			time(NULL) +
			(time_t)(st->next_due > now ? (st->next_due - now) / NSEC_PER_SEC : 0);
}

static int dup_opt(char **dst, const char *src)
{
	if (!src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

int source_new(const struct fleet_source *cfg, const struct source_limits *lim, struct source **out)
{
	struct source *s;
	uint64_t seed = 0;
	int err;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->efd = -1;
	err = source_check_url(cfg->url, &s->http);
	if (err)
		goto err;
	if (lim)
		s->lim = *lim;
	if (!s->lim.max_size)
		s->lim.max_size = SOURCE_MAX_SIZE;
	if (!s->lim.connect_timeout)
		s->lim.connect_timeout = SOURCE_CONNECT_TIMEOUT;
	if (!s->lim.timeout)
		s->lim.timeout = SOURCE_TIMEOUT;
	err = -ENOMEM;
	s->file[POLICY].url = strdup(cfg->url);
	if (!s->file[POLICY].url || asprintf(&s->file[SIG].url, "%s.minisig", cfg->url) < 0 ||
	    dup_opt(&s->ca, cfg->ca) || dup_opt(&s->client_cert, cfg->client_cert) ||
	    dup_opt(&s->client_key, cfg->client_key) || dup_opt(&s->pin, cfg->pin))
		goto err;
	s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->efd < 0) {
		err = -errno;
		pr_err("source %s: cannot make an eventfd: %s\n", cfg->url, strerror(-err));
		goto err;
	}
	err = source_setup_curl(s, cfg);
	if (err)
		goto err;
	/* Jitter that differs from one device to the next: a fleet that boots
	 * at 9:00 does not ask at 9:05 all at once. */
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed = mono_ns() ^ ((uint64_t)getpid() << 32);
	schedule_init(&s->sched,
		      (uint64_t)(cfg->every ? cfg->every : FLEET_EVERY_DEFAULT) * NSEC_PER_SEC,
		      mono_ns(), seed);
	*out = s;
	return 0;
err:
	source_free(s);
	return err;
}

void source_free(struct source *s)
{
	int i;

	if (!s)
		return;
	if (s->busy) {
		atomic_store(&s->cancel, 1);
		pthread_join(s->thread, NULL);
	}
	job_clear(&s->job);
	forget(s);
	for (i = 0; i < 2; i++)
		free(s->file[i].url);
	if (s->curl)
		cu.easy_cleanup(s->curl);
	if (s->efd >= 0)
		close(s->efd);
	free(s->ca);
	free(s->client_cert);
	free(s->client_key);
	free(s->pin);
	free(s);
}
