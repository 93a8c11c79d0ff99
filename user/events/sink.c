// SPDX-License-Identifier: GPL-2.0
/* The sink dispatcher: one bounded queue and one thread per sink. The
 * daemon's thread packs the records into blocks and puts each block into
 * every queue at once (what a full queue has no room for is a loss counted
 * for that sink); each thread writes its records in batches, retries with
 * a backoff while its target fails, and reports what it lost into itself
 * once a write works again. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "events/format.h"
#include "events/sink_int.h"
#include "util/clock.h"
#include "util/log.h"

#define QUEUE_RECORDS 65536 /* per sink */
#define QUEUE_BYTES (32u << 20) /* per sink, of formatted records */
#define BATCH 1024 /* records per write of a sink's thread, at most */
/* The daemon's thread packs records into blocks of this size (a larger
 * record gets a block of its own) and hands a block to every sink at once:
 * one allocation, and per sink one lock and at most one wake-up, for some
 * hundred records (one of each per record was a tenth of the daemon's time
 * in a flood). A block not full is handed over by sinks_flush. */
#define BLOCK_BYTES (64u << 10)
/* Blocks of BLOCK_BYTES done with are kept for the next ones (each sink
 * gives them back to the daemon's thread under its lock), so that a flood
 * does not grow and trim the heap over and over: fresh pages were an eighth
 * of the daemon's time, page faults and TLB flushes. */
#define POOL_BLOCKS 16 /* kept by the daemon's thread: 1 MiB */
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define STOP_WAIT_MS 2000 /* for a sink stuck at exit */
/* A sink busy in the last HOT_NS sleeps at most NAP_NS between looks at its
 * queue, and is woken only for a quarter batch: a wake-up per record made
 * the daemon and the sink's thread take turns on the lock (62,000 records/s
 * at most). Idle, it sleeps until woken. */
#define HOT_NS (100 * NSEC_PER_MSEC)
#define NAP_NS NSEC_PER_MSEC
#define WAKE_AT 64
/* The sinks' threads yield the CPU to the daemon's thread when both want
 * it: a sink's queue holds 65,536 records, the kernel's ring buffer some
 * 11,000, whose loss would be every output's (and user space's part of
 * enforcement: the starts the kernel could not check). */
#define SINK_NICE 5

/* Records packed one after another (struct sink_msg and its strings, each
 * aligned), shared by the sinks that queued them. */
struct sink_block {
	atomic_int refs; /* the runs of it queued or being written, + its filler */
	size_t n; /* records */
	size_t used, cap; /* bytes of data */
	char data[];
};

struct sinks {
	struct sink **s;
	size_t n;
	int want_text;
	struct sink_block *cur; /* being filled by sinks_push; NULL: none */
	struct sink_block *pool[POOL_BLOCKS]; /* free, of BLOCK_BYTES */
	size_t n_pool;
};

#define MSG_ALIGN 8

static size_t msg_bytes(size_t json_len, size_t text_len, size_t exe_len)
{
	size_t n = sizeof(struct sink_msg) + json_len + text_len + exe_len + 3;

	return (n + MSG_ALIGN - 1) & ~(size_t)(MSG_ALIGN - 1);
}

static struct sink_msg *block_first(struct sink_block *b)
{
	return (struct sink_msg *)b->data;
}

static struct sink_msg *msg_next(struct sink_msg *m)
{
	return (struct sink_msg *)((char *)m + m->size);
}

/* Where each record's strings are (once the block is where it stays). */
static void msg_point(struct sink_msg *m, int has_text)
{
	char *p = m->data;

	m->json = p;
	p += m->json_len + 1;
	m->text = has_text ? p : NULL;
	p += m->text_len + 1;
	m->exe = p;
}

static struct sink_block *block_new(size_t cap)
{
	struct sink_block *b = malloc(sizeof(*b) + cap);

	if (!b)
		return NULL;
	atomic_init(&b->refs, 1);
	b->n = 0;
	b->used = 0;
	b->cap = cap;
	return b;
}

static void block_put(struct sink_block *b)
{
	if (b && atomic_fetch_sub(&b->refs, 1) == 1)
		free(b);
}

/* Drop a reference in a sink's thread: a block of BLOCK_BYTES whose last it
 * was goes to *spare (n_spare of max), for the sink to give back. */
static void block_put_spare(struct sink_block *b, struct sink_block **spare, size_t *n_spare,
			    size_t max)
{
	if (atomic_fetch_sub(&b->refs, 1) != 1)
		return;
	if (b->cap == BLOCK_BYTES && *n_spare < max)
		spare[(*n_spare)++] = b;
	else
		free(b);
}

/* A block to fill: one kept if it is large enough. */
static struct sink_block *block_get(struct sinks *ss, size_t need)
{
	struct sink_block *b;

	if (need > BLOCK_BYTES || !ss->n_pool)
		return block_new(need > BLOCK_BYTES ? need : BLOCK_BYTES);
	b = ss->pool[--ss->n_pool];
	atomic_init(&b->refs, 1);
	b->n = 0;
	b->used = 0;
	return b;
}

/* The filler's (daemon's thread) last reference, or a block a sink gave
 * back: kept in the pool while it has room. */
static void block_keep(struct sinks *ss, struct sink_block *b)
{
	if (b->cap == BLOCK_BYTES && ss->n_pool < POOL_BLOCKS)
		ss->pool[ss->n_pool++] = b;
	else
		free(b);
}

/* Pack a record into b (which has room: msg_bytes). */
static struct sink_msg *block_add(struct sink_block *b, const struct record *r, const char *json,
				  size_t json_len, const char *text, size_t text_len)
{
	const struct appban_event *e = r->ev;
	size_t exe_len = e && e->filename[0] ? strnlen(e->filename, sizeof(e->filename)) : 0;
	struct sink_msg *m = (struct sink_msg *)(b->data + b->used);
	const char *eng;
	size_t eng_len;
	char *p;

	m->size = (uint32_t)msg_bytes(json_len, text ? text_len : 0, exe_len);
	m->kind = r->kind;
	/* as format_json writes them: one place decides */
	m->alert = record_is_alert(r->kind);
	m->failed = !strcmp(record_outcome(r->kind), "failure");
	m->ts_real_ns = r->ts_real_ns;
	m->has_proc = e && r->kind != REC_TAMPER_BLOCKED && r->kind != REC_TAMPER_DETECTED;
	m->pid = e ? e->pid : 0;
	m->uid = e ? e->uid : 0;
	memcpy(m->app, r->rule, sizeof(m->app));
	m->app[sizeof(m->app) - 1] = 0;
	memcpy(m->policy, r->policy_name, sizeof(m->policy));
	m->policy[sizeof(m->policy) - 1] = 0;
	m->serial = r->policy_serial;
	m->monitor = r->monitor;
	eng = r->engine ? r->engine : "none";
	eng_len = strnlen(eng, sizeof(m->engine) - 1);
	memcpy(m->engine, eng, eng_len);
	m->engine[eng_len] = 0;
	m->json_len = json_len;
	m->text_len = text ? text_len : 0;
	p = m->data;
	memcpy(p, json, json_len);
	p[json_len] = 0;
	p += json_len + 1;
	if (text)
		memcpy(p, text, text_len);
	p[m->text_len] = 0;
	p += m->text_len + 1;
	memcpy(p, exe_len ? e->filename : "", exe_len);
	p[exe_len] = 0;
	msg_point(m, !!text);
	b->used += m->size;
	b->n++;
	return m;
}

/* The block is complete: given back what it does not use (a block handed
 * over with a few records must not hold 64 KiB while a sink keeps them),
 * its records pointing into where it now is. */
static struct sink_block *block_seal(struct sink_block *b)
{
	struct sink_block *nb = b;
	struct sink_msg *m;
	size_t i;

	if (b->used < b->cap / 2) {
		nb = realloc(b, sizeof(*b) + b->used);
		if (!nb)
			nb = b;
		nb->cap = nb->used;
	}
	if (nb != b)
		for (i = 0, m = block_first(nb); i < nb->n; i++, m = msg_next(m))
			msg_point(m, m->text != NULL);
	return nb;
}

/* A block of one record (a sink's own events-lost). */
static struct sink_block *block_of_one(const struct record *r, const char *json, size_t json_len,
				       const char *text, size_t text_len)
{
	size_t exe_len =
		r->ev && r->ev->filename[0] ? strnlen(r->ev->filename, sizeof(r->ev->filename)) : 0;
	struct sink_block *b = block_new(msg_bytes(json_len, text ? text_len : 0, exe_len));

	if (b)
		block_add(b, r, json, json_len, text, text_len);
	return b;
}

void sink_wrote(struct sink *s, size_t n)
{
	atomic_fetch_add(&s->written, n);
}

void sink_lost(struct sink *s, size_t n)
{
	atomic_fetch_add(&s->lost, n);
}

void sink_error(struct sink *s, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	int same;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&s->mu);
	same = !strcmp(s->error, msg);
	memcpy(s->error, msg, sizeof(msg));
	pthread_mutex_unlock(&s->mu);
	if (!same)
		pr_warn("sink %s: %s\n", s->name, msg);
}

/* Sleep ms, or less if the sink is told to stop. */
static void nap(struct sink *s, unsigned int ms)
{
	struct timespec ts;
	uint64_t t = clock_ns(CLOCK_MONOTONIC) + (uint64_t)ms * NSEC_PER_MSEC;

	ts.tv_sec = t / NSEC_PER_SEC;
	ts.tv_nsec = t % NSEC_PER_SEC;
	pthread_mutex_lock(&s->mu);
	if (!s->stop)
		pthread_cond_timedwait(&s->cv, &s->mu, &ts);
	pthread_mutex_unlock(&s->mu);
}

int sink_stopping(struct sink *s)
{
	int st;

	pthread_mutex_lock(&s->mu);
	st = s->stop;
	pthread_mutex_unlock(&s->mu);
	return st;
}

/* Once a write worked: what this sink lost since its last report, as an
 * events-lost record written into itself (tried once; still counted). */
static void report_lost(struct sink *s)
{
	uint64_t lost = atomic_load(&s->lost);
	struct record rec = { .kind = REC_EVENTS_LOST };
	struct sink_block *b;
	struct sink_msg *m;
	char json[SINK_NAME_LEN + 1024], text[SINK_NAME_LEN + 256];
	int jn, tn = 0;

	if (lost <= s->lost_reported)
		return;
	rec.ts_real_ns = clock_ns(CLOCK_REALTIME);
	rec.engine = s->engine;
	memcpy(rec.policy_name, s->policy, sizeof(rec.policy_name));
	rec.policy_serial = s->serial;
	rec.monitor = s->monitor;
	rec.lost = lost - s->lost_reported;
	rec.sink = s->name;
	jn = format_json(&rec, json, sizeof(json));
	if (s->want_text)
		tn = format_text(&rec, text, sizeof(text));
	if (jn < 0 || tn < 0)
		return;
	b = block_of_one(&rec, json, (size_t)jn, s->want_text ? text : NULL, (size_t)tn);
	if (!b)
		return;
	m = block_first(b);
	if (s->ops->write(s, &m, 1) == 1)
		s->lost_reported = lost;
	block_put(b);
}

/* Take up to max records from the head of the queue into batch, and a
 * reference to each block they are in into held (*n_held). Under s->mu. */
static size_t take(struct sink *s, struct sink_msg **batch, size_t max, struct sink_block **held,
		   size_t *n_held)
{
	size_t k = 0, i;

	*n_held = 0;
	while (k < max && s->spans) {
		struct sink_span *sp = &s->q[s->head];
		size_t want = sp->n < max - k ? sp->n : max - k;
		struct sink_msg *m = sp->first;

		for (i = 0; i < want; i++, m = msg_next(m)) {
			batch[k++] = m;
			s->bytes -= m->size;
		}
		s->n -= want;
		if (want == sp->n) {
			/* the queue's reference goes to the batch */
			held[(*n_held)++] = sp->b;
			s->head = (s->head + 1) % s->cap;
			s->spans--;
		} else {
			atomic_fetch_add(&sp->b->refs, 1);
			held[(*n_held)++] = sp->b;
			sp->first = m;
			sp->n -= want;
		}
	}
	return k;
}

/* Blocks done with go to s->spare (as many as it has room for); those left
 * in spent[] are for the caller to free, out of the lock. Under s->mu. */
static void give_back(struct sink *s, struct sink_block **spent, size_t *n_spent)
{
	while (*n_spent && s->n_spare < SINK_SPARE_BLOCKS)
		s->spare[s->n_spare++] = spent[--*n_spent];
}

static void *sink_thread(void *arg)
{
	struct sink *s = arg;
	struct sink_msg *batch[BATCH];
	struct sink_block *held[BATCH], *spent[BATCH];
	size_t n_held = 0, n_spent = 0;
	unsigned int backoff = 0;
	size_t k, done, i;
	int r, more = 1;
	uint64_t busy_ns = 0, now;
	int give_up = 0; /* stopping, and the target failed: the rest is lost */
	struct timespec ts;

	/* (a thread's own nice value, on Linux; best effort) */
	errno = 0;
	r = getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid));
	if (errno == 0 && r < 19)
		(void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid),
				  r + SINK_NICE > 19 ? 19 : r + SINK_NICE);

	for (;;) {
		pthread_mutex_lock(&s->mu);
		give_back(s, spent, &n_spent);
		while (!s->n && !s->stop) {
			if (more && s->ops->idle) {
				pthread_mutex_unlock(&s->mu);
				more = s->ops->idle(s);
				pthread_mutex_lock(&s->mu);
				continue;
			}
			now = clock_ns(CLOCK_MONOTONIC);
			if (now - busy_ns < HOT_NS) {
				/* (the condition variable runs on CLOCK_MONOTONIC) */
				now += NAP_NS;
				ts.tv_sec = now / NSEC_PER_SEC;
				ts.tv_nsec = now % NSEC_PER_SEC;
				s->waiting = 2;
				pthread_cond_timedwait(&s->cv, &s->mu, &ts);
			} else {
				s->waiting = 1;
				pthread_cond_wait(&s->cv, &s->mu);
			}
			s->waiting = 0;
		}
		if (!s->n && s->stop) {
			pthread_mutex_unlock(&s->mu);
			break;
		}
		k = take(s, batch, BATCH, held, &n_held);
		atomic_store(&s->queued, s->n);
		pthread_mutex_unlock(&s->mu);
		while (n_spent)
			free(spent[--n_spent]); /* (no room left in spare) */
		more = 1;
		busy_ns = clock_ns(CLOCK_MONOTONIC);
		if (give_up) {
			sink_lost(s, k);
			for (i = 0; i < n_held; i++)
				block_put_spare(held[i], spent, &n_spent, BATCH);
			continue;
		}

		memcpy(s->policy, batch[k - 1]->policy, sizeof(s->policy));
		memcpy(s->engine, batch[k - 1]->engine, sizeof(s->engine));
		s->serial = batch[k - 1]->serial;
		s->monitor = batch[k - 1]->monitor;
		for (done = 0; done < k;) {
			uint64_t w0 = atomic_load(&s->written);

			r = s->ops->write(s, batch + done, k - done);
			if (r > 0) {
				done += (size_t)r;
				/* consumed, but lost: not working yet */
				if (atomic_load(&s->written) == w0)
					continue;
				if (atomic_load(&s->failing)) {
					atomic_store(&s->failing, 0);
					pr_warn("sink %s: works again\n", s->name);
				}
				backoff = 0;
				report_lost(s);
				continue;
			}
			atomic_store(&s->failing, 1);
			if (sink_stopping(s)) {
				/* at exit, a target that fails does not hold the daemon */
				sink_lost(s, k - done);
				give_up = 1;
				break;
			}
			backoff = backoff ? backoff * 2 : BACKOFF_MIN_MS;
			if (backoff > BACKOFF_MAX_MS)
				backoff = BACKOFF_MAX_MS;
			nap(s, backoff);
		}
		for (i = 0; i < n_held; i++)
			block_put_spare(held[i], spent, &n_spent, BATCH);
	}
	while (n_spent)
		free(spent[--n_spent]);
	while (s->ops->idle && s->ops->idle(s) > 0)
		;
	s->ops->close(s);
	return NULL;
}

static const struct sink_ops *ops_of(enum fleet_sink_kind k)
{
	switch (k) {
	case FLEET_SINK_FILE:
		return &sink_file_ops;
	case FLEET_SINK_SYSLOG:
		return &sink_syslog_ops;
	case FLEET_SINK_JOURNALD:
		return &sink_journald_ops;
	case FLEET_SINK_AUDIT:
		return &sink_audit_ops;
	}
	return NULL;
}

static char *dup_or_null(const char *s, int *fail)
{
	char *p;

	if (!s)
		return NULL;
	p = strdup(s);
	if (!p)
		*fail = 1;
	return p;
}

static void sink_destroy(struct sink *s)
{
	if (!s)
		return;
	free(s->cfg.path);
	free(s->cfg.address);
	free(s->cfg.socket);
	free(s->cfg.host);
	free(s->q);
	while (s->n_spare)
		free(s->spare[--s->n_spare]);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s);
}

static int sink_start(const struct fleet_sink *c, struct sink **out)
{
	struct sink *s = calloc(1, sizeof(*s));
	pthread_condattr_t ca;
	int fail = 0, err;

	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	s->cfg = *c;
	s->cfg.path = dup_or_null(c->path, &fail);
	s->cfg.address = dup_or_null(c->address, &fail);
	s->cfg.socket = dup_or_null(c->socket, &fail);
	s->cfg.host = dup_or_null(c->host, &fail);
	s->cap = QUEUE_RECORDS; /* (runs of one record at the least) */
	s->q = calloc(s->cap, sizeof(*s->q));
	if (fail || !s->q) {
		sink_destroy(s);
		return -ENOMEM;
	}
	s->ops = ops_of(c->kind);
	snprintf(s->name, sizeof(s->name), "%s%s%s", fleet_sink_kind_str(c->kind),
		 c->kind == FLEET_SINK_FILE || c->kind == FLEET_SINK_SYSLOG ? " " : "",
		 c->kind == FLEET_SINK_FILE   ? c->path :
		 c->kind == FLEET_SINK_SYSLOG ? c->address :
						"");
	snprintf(s->engine, sizeof(s->engine), "none");
	s->want_text = c->kind == FLEET_SINK_JOURNALD;
	err = s->ops ? s->ops->open(s, &s->cfg) : -EINVAL;
	if (err) {
		pr_err("cannot set up sink %s: %s\n", s->name, strerror(-err));
		sink_destroy(s);
		return err;
	}
	err = -pthread_create(&s->thread, NULL, sink_thread, s);
	if (err) {
		pr_err("cannot start the thread of sink %s: %s\n", s->name, strerror(-err));
		s->ops->close(s);
		sink_destroy(s);
		return err;
	}
	s->started = 1;
	*out = s;
	return 0;
}

/* Tell the thread to stop once its queue is written; wait for it a while. */
static void sink_stop(struct sink *s)
{
	struct timespec ts;
	uint64_t t;
	int err;

	pthread_mutex_lock(&s->mu);
	s->stop = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	t = clock_ns(CLOCK_REALTIME) + STOP_WAIT_MS * NSEC_PER_MSEC;
	ts.tv_sec = t / NSEC_PER_SEC;
	ts.tv_nsec = t % NSEC_PER_SEC;
	err = pthread_timedjoin_np(s->thread, NULL, &ts);
	if (err) {
		/* stuck in a write (a receiver that takes nothing): left to the
		 * process's exit, with its memory */
		pr_warn("sink %s: still writing after %u ms at exit; %llu records not written\n",
			s->name, STOP_WAIT_MS, (unsigned long long)atomic_load(&s->queued));
		pthread_detach(s->thread);
		return;
	}
	if (atomic_load(&s->lost))
		pr_warn("sink %s: %llu records written, %llu lost\n", s->name,
			(unsigned long long)atomic_load(&s->written),
			(unsigned long long)atomic_load(&s->lost));
	while (s->spans) {
		block_put(s->q[s->head].b);
		s->head = (s->head + 1) % s->cap;
		s->spans--;
	}
	sink_destroy(s);
}

int sinks_new(const struct fleet_sink *cfg, size_t n, struct sinks **out)
{
	struct sinks *ss = calloc(1, sizeof(*ss));
	size_t i;
	int err;

	if (!ss)
		return -ENOMEM;
	ss->s = calloc(n + 1, sizeof(*ss->s));
	if (!ss->s) {
		free(ss);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		err = sink_start(&cfg[i], &ss->s[i]);
		if (err) {
			sinks_free(ss);
			return err;
		}
		ss->n++;
		ss->want_text |= ss->s[i]->want_text;
	}
	*out = ss;
	return 0;
}

int sinks_want_text(const struct sinks *s)
{
	return s && s->want_text;
}

/* Queue the n records of b from first (as many as the queue has room for;
 * the others are lost for this sink, counted); one lock, one wake-up. */
static void push_span(struct sinks *ss, struct sink *s, struct sink_block *b,
		      struct sink_msg *first, size_t n)
{
	struct sink_msg *m = first;
	size_t k = 0, bytes = 0;

	pthread_mutex_lock(&s->mu);
	while (s->n_spare)
		block_keep(ss, s->spare[--s->n_spare]);
	while (k < n && s->n + k < QUEUE_RECORDS && s->bytes + bytes + m->size <= QUEUE_BYTES &&
	       s->spans < s->cap) {
		bytes += m->size;
		m = msg_next(m);
		k++;
	}
	if (k) {
		atomic_fetch_add(&b->refs, 1);
		s->q[(s->head + s->spans) % s->cap] = (struct sink_span){ b, first, k };
		s->spans++;
		s->n += k;
		s->bytes += bytes;
		atomic_store(&s->queued, s->n);
		if (s->waiting == 1 || (s->waiting == 2 && s->n >= WAKE_AT))
			pthread_cond_signal(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
	if (k < n)
		sink_lost(s, n - k);
}

void sinks_flush(struct sinks *ss)
{
	struct sink_block *b;
	size_t i;

	if (!ss || !ss->cur)
		return;
	b = block_seal(ss->cur);
	ss->cur = NULL;
	for (i = 0; i < ss->n && b->n; i++)
		push_span(ss, ss->s[i], b, block_first(b), b->n);
	/* the filler's reference */
	if (atomic_fetch_sub(&b->refs, 1) == 1)
		block_keep(ss, b);
}

void sinks_push(struct sinks *ss, const struct record *r, const char *json, size_t json_len,
		const char *text, size_t text_len)
{
	const char *t = ss && ss->want_text ? text : NULL;
	size_t exe_len, need, i;

	if (!ss || !ss->n)
		return;
	exe_len = r->ev && r->ev->filename[0] ? strnlen(r->ev->filename, sizeof(r->ev->filename)) :
						0;
	need = msg_bytes(json_len, t ? text_len : 0, exe_len);
	if (ss->cur && ss->cur->used + need > ss->cur->cap)
		sinks_flush(ss);
	if (!ss->cur)
		ss->cur = block_get(ss, need);
	if (!ss->cur) {
		for (i = 0; i < ss->n; i++)
			sink_lost(ss->s[i], 1);
		return;
	}
	block_add(ss->cur, r, json, json_len, t, text_len);
}

void sinks_free(struct sinks *ss)
{
	size_t i;

	if (!ss)
		return;
	sinks_flush(ss);
	for (i = 0; i < ss->n; i++)
		sink_stop(ss->s[i]);
	while (ss->n_pool)
		free(ss->pool[--ss->n_pool]);
	free(ss->s);
	free(ss);
}

static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

int sinks_same_config(const struct sinks *ss, const struct fleet_sink *cfg, size_t n)
{
	size_t i;

	if (!ss)
		return n == 0;
	if (ss->n != n)
		return 0;
	for (i = 0; i < n; i++) {
		const struct fleet_sink *a = &ss->s[i]->cfg, *b = &cfg[i];

		if (a->kind != b->kind || !same_str(a->path, b->path) ||
		    a->max_size != b->max_size || a->keep != b->keep ||
		    a->compress != b->compress || !same_str(a->address, b->address) ||
		    a->facility != b->facility)
			return 0;
	}
	return 1;
}

size_t sinks_stats(struct sinks *ss, struct sink_stats *out, size_t max)
{
	size_t i;

	if (!ss)
		return 0;
	for (i = 0; i < ss->n && i < max; i++) {
		struct sink *s = ss->s[i];

		snprintf(out[i].name, sizeof(out[i].name), "%s", s->name);
		out[i].written = atomic_load(&s->written);
		out[i].lost = atomic_load(&s->lost);
		out[i].queued = atomic_load(&s->queued);
		out[i].failing = atomic_load(&s->failing);
		pthread_mutex_lock(&s->mu);
		memcpy(out[i].error, s->error, sizeof(out[i].error));
		pthread_mutex_unlock(&s->mu);
	}
	return ss->n;
}
