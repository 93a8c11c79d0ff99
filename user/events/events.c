// SPDX-License-Identifier: GPL-2.0
/* Reads the kernel's ring buffer and turns each event into a record with
 * names: the app and policy names live in the pinned maps, per generation. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "content/content.h"
#include "events/digest_memo.h"
#include "events/events.h"
#include "util/clock.h"

/* What a generation held when it was last seen, so that events of a
 * generation already cleared by a swap still get their names. */
struct gen_cache {
	struct appban_meta meta;
	struct appban_app *apps; /* meta.n_apps of them, room for cap */
	size_t cap;
};

/* The path each net-banned process was started from (NET_MARKED events),
 * for its network events: the kernel's socket hooks only know a base name. */
#define EXE_CACHE_SIZE 1024
struct exe_cache_entry {
	uint32_t pid;
	char path[APPBAN_NAME_LEN];
};

/* How often a reader looks whether the policy was unloaded (its pins gone):
 * a directory listing, not worth doing after every batch of a flood. */
#define UNLOADED_CHECK_NS (50 * NSEC_PER_MSEC)

struct event_reader {
	struct exe_cache_entry exe_cache[EXE_CACHE_SIZE];
	struct digest_memo memo; /* of the kernel's digest cache */
	struct loader *l;
	struct ring_buffer *rb;
	record_cb cb;
	void *ctx;
	struct gen_cache gens[APPBAN_GENS];
	uint64_t lost_reported;
	uint64_t active_load_id;
	unsigned int gens_checked; /* bit per generation: meta read this batch */
	uint64_t real_off; /* CLOCK_REALTIME - CLOCK_BOOTTIME, per batch */
	int delivered;
	int cb_err;
	uint64_t unloaded_checked; /* mono ns of the last check_unloaded */
	const struct content *ct;
};

void event_reader_set_content(struct event_reader *r, const struct content *ct)
{
	r->ct = ct;
	digest_memo_clear(&r->memo);
}

/* A name of the maps (NUL-terminated within its array) into a record's. */
static void copy_name(char *dst, size_t len, const char *src, size_t src_len)
{
	size_t n = strnlen(src, src_len < len ? src_len : len - 1);

	memcpy(dst, src, n);
	dst[n] = 0;
}

/* process.hash.sha256: the digests of this process's table (the scan, the
 * watch), else what the kernel's digest cache holds (what the kernel hashed
 * at exec: lsm engine with IMA, memfd copies included; what user space
 * hashed). emitted_ns: the kernel's time of the event, for the memo; 0 for
 * a record made in user space (looked up). */
static void record_hash(struct event_reader *r, struct record *rec, uint64_t emitted_ns)
{
	struct appban_digest_cache_key k;
	struct appban_digest_cache_val v;
	__u8 d[SCAN_SHA256_LEN];
	const char *known;
	uint64_t at;

	if (!rec->ev || !rec->ev->ino)
		return;
	if (!content_lookup(r->ct, rec->ev->dev, rec->ev->ino, d)) {
		sha256_to_hex(d, rec->sha256);
		return;
	}
	if (r->l->dcache_fd < 0)
		return;
	known = digest_memo_get(&r->memo, rec->ev->dev, rec->ev->ino, emitted_ns,
				r->l->dcache_writes);
	if (known) {
		memcpy(rec->sha256, known, sizeof(rec->sha256));
		return;
	}
	memset(&k, 0, sizeof(k));
	k.dev = rec->ev->dev;
	k.ino = rec->ev->ino;
	at = boot_ns(); /* (before the lookup: what it finds was written by then) */
	if (!bpf_map_lookup_elem(r->l->dcache_fd, &k, &v))
		sha256_to_hex(v.sha256, rec->sha256);
	digest_memo_put(&r->memo, k.dev, k.ino, at, r->l->dcache_writes, rec->sha256);
}

uint64_t boot_to_real_ns(uint64_t boot)
{
	int64_t off = (int64_t)clock_ns(CLOCK_REALTIME) - (int64_t)boot_ns();

	return boot + off;
}

/* Refresh the cache of generation gen if the maps hold a newer load of it. */
static struct gen_cache *gen_get(struct event_reader *r, uint32_t gen)
{
	struct gen_cache *g = &r->gens[gen & 1];
	struct appban_meta meta;

	/* Once per batch of events: a lookup per event was a tenth of the
	 * reader's time in a flood. A generation is rewritten only two swaps
	 * later, which the events of one batch do not span in practice. */
	if (r->gens_checked & (1u << (gen & 1)))
		return g;
	if (loader_meta(r->l, gen, &meta) || !meta.n_apps)
		return g;
	r->gens_checked |= 1u << (gen & 1);
	if (meta.load_id == g->meta.load_id)
		return g;
	if (meta.n_apps > g->cap) {
		struct appban_app *apps = realloc(g->apps, meta.n_apps * sizeof(*apps));

		if (!apps)
			return g;
		g->apps = apps;
		g->cap = meta.n_apps;
	}
	loader_apps(r->l, gen, g->apps, meta.n_apps);
	/* The meta again: a swap while reading means read again next time. */
	g->meta = meta;
	if (loader_meta(r->l, gen, &meta) || meta.load_id != g->meta.load_id)
		g->meta.load_id = 0;
	return g;
}

static void record_fill(struct event_reader *r, struct record *rec, uint32_t gen)
{
	struct gen_cache *g = gen_get(r, gen);

	rec->engine = engine_str(r->l->state.engine);
	copy_name(rec->policy_name, sizeof(rec->policy_name), g->meta.name, sizeof(g->meta.name));
	rec->policy_serial = g->meta.serial;
	rec->monitor = g->meta.mode == APPBAN_MODE_MONITOR;
	rec->n_apps = g->meta.n_apps;
	rec->policy_unsigned = !!(g->meta.flags & APPBAN_META_UNSIGNED);
}

static int deliver(struct event_reader *r, const struct record *rec)
{
	int err = r->cb(rec, r->ctx);

	r->delivered++;
	if (err && !r->cb_err)
		r->cb_err = err;
	return err;
}

/* The name of the exception that allowed an audited use. */
static void record_exception(struct event_reader *r, struct record *rec,
			     const struct appban_event *e)
{
	struct appban_allow a;

	if ((rec->kind != REC_EXEC_AUDITED && rec->kind != REC_NET_AUDITED) ||
	    e->exception == APPBAN_NO_EXCEPTION ||
	    e->exception >= r->gens[e->gen & 1].meta.n_allows ||
	    loader_allow(r->l, e->gen, e->exception, &a))
		return;
	snprintf(rec->exception, sizeof(rec->exception), "%s", a.name);
}

/* appban.reason of a kernel event (enum appban_event_reason), NULL for none. */
static const char *event_reason_str(__u8 reason)
{
	switch (reason) {
	case APPBAN_EVR_CONTENT_UNHASHABLE:
		return "content-unhashable";
	case APPBAN_EVR_NET_MARK_LOST:
		return "net-mark-lost";
	}
	return NULL;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct event_reader *r = ctx;
	const struct appban_event *e = data;
	struct record rec = { 0 };
	struct gen_cache *g;

	if (size < sizeof(*e))
		return 0;
	switch (e->type) {
	case APPBAN_EV_NET_MARKED: {
		struct exe_cache_entry *c = &r->exe_cache[e->pid % EXE_CACHE_SIZE];

		c->pid = e->pid;
		memcpy(c->path, e->filename, sizeof(c->path));
		c->path[sizeof(c->path) - 1] = 0;
		return 0;
	}
	case APPBAN_EV_EXEC_BLOCKED:
		rec.kind = REC_EXEC_BLOCKED;
		break;
	case APPBAN_EV_EXEC_AUDITED:
		rec.kind = REC_EXEC_AUDITED;
		break;
	case APPBAN_EV_NET_BLOCKED:
		rec.kind = REC_NET_BLOCKED;
		break;
	case APPBAN_EV_NET_AUDITED:
		rec.kind = REC_NET_AUDITED;
		break;
	case APPBAN_EV_TAMPER_BLOCKED:
		rec.kind = REC_TAMPER_BLOCKED;
		break;
	case APPBAN_EV_TAMPER_DETECTED:
		rec.kind = REC_TAMPER_DETECTED;
		break;
	case APPBAN_EV_PROCESS_KILLED:
		rec.kind = REC_PROCESS_KILLED;
		break;
	case APPBAN_EV_CONN_CLOSED:
		rec.kind = REC_CONN_CLOSED;
		break;
	case APPBAN_EV_CONTENT_UNKNOWN:
		rec.kind = REC_CONTENT_UNKNOWN;
		break;
	default:
		return 0;
	}
	record_fill(r, &rec, e->gen);
	g = &r->gens[e->gen & 1];
	rec.reason = event_reason_str(e->reason);
	if (e->match == APPBAN_MATCH_FILELESS)
		snprintf(rec.rule, sizeof(rec.rule), "fileless-exec");
	else if (e->app == APPBAN_NO_APP && rec.reason)
		/* no app matched: the record names why it was decided */
		snprintf(rec.rule, sizeof(rec.rule), "%s", rec.reason);
	else if (g->apps && e->app < g->meta.n_apps)
		copy_name(rec.rule, sizeof(rec.rule), g->apps[e->app].name,
			  sizeof(g->apps[e->app].name));
	record_exception(r, &rec, e);
	rec.ts_real_ns = e->ts_boot_ns + r->real_off;
	rec.ev = e;
	record_hash(r, &rec, e->ts_boot_ns);
	if (rec.kind == REC_NET_BLOCKED || rec.kind == REC_NET_AUDITED) {
		/* The kernel has only the base name; the process is alive. */
		struct appban_event full = *e;
		char link[64];
		ssize_t n;

		struct exe_cache_entry *c = &r->exe_cache[e->pid % EXE_CACHE_SIZE];

		snprintf(link, sizeof(link), "/proc/%u/exe", e->pid);
		if (c->pid == e->pid && c->path[0]) {
			memcpy(full.filename, c->path, sizeof(full.filename));
			rec.ev = &full;
			return deliver(r, &rec);
		}
		n = readlink(link, full.filename, sizeof(full.filename) - 1);
		if (n > 0) {
			full.filename[n] = 0;
			rec.ev = &full;
			return deliver(r, &rec);
		}
	}
	return deliver(r, &rec);
}

int event_reader_new(struct loader *l, record_cb cb, void *ctx, struct event_reader **out)
{
	struct event_reader *r;
	struct loader_status st;
	int err;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->l = l;
	r->cb = cb;
	r->ctx = ctx;
	r->rb = ring_buffer__new(l->events_fd, on_event, r, NULL);
	if (!r->rb) {
		err = -errno;
		free(r);
		return err;
	}
	/* Losses from before this reader started are not ours to report. */
	if (!loader_status(l, &st)) {
		r->lost_reported = st.counters[APPBAN_CNT_EVENTS_LOST];
		r->active_load_id = st.meta.load_id;
	}
	*out = r;
	return 0;
}

int event_reader_policy_loaded(struct event_reader *r)
{
	struct record rec = { .kind = REC_POLICY_LOADED };
	struct loader_status st;
	int err;

	err = loader_status(r->l, &st);
	if (err)
		return err;
	r->gens_checked = 0; /* a swap: read the metas again */
	digest_memo_clear(&r->memo); /* (and maybe another digest cache) */
	r->l->state = st.state;
	r->active_load_id = st.meta.load_id;
	record_fill(r, &rec, st.state.active_gen);
	rec.ts_real_ns = boot_to_real_ns(boot_ns());
	return deliver(r, &rec);
}

int event_reader_emit(struct event_reader *r, struct record *rec)
{
	struct loader_status st;

	/* the policy in force, when there is one (a daemon may have none yet) */
	if (r && !loader_status(r->l, &st)) {
		r->l->state = st.state;
		record_fill(r, rec, st.state.active_gen);
	}
	rec->ts_real_ns = boot_to_real_ns(boot_ns());
	if (!r)
		return 0;
	return deliver(r, rec);
}

/* The policy was unloaded: its pins are gone (the maps live on while this
 * reader holds them, so the last events are still read). */
static int check_unloaded(struct event_reader *r)
{
	struct record rec = { .kind = REC_POLICY_UNLOADED };
	uint64_t now = mono_ns();

	if (now - r->unloaded_checked < UNLOADED_CHECK_NS)
		return 0;
	r->unloaded_checked = now;
	if (loader_pinned())
		return 0;
	ring_buffer__consume(r->rb);
	record_fill(r, &rec, r->l->state.active_gen);
	rec.by_known = !loader_unloaded_by(r->l, &rec.by_pid, &rec.by_uid);
	rec.ts_real_ns = boot_to_real_ns(boot_ns());
	deliver(r, &rec);
	return -ENOENT;
}

/* Lost events and swaps made by another process. */
static void check_state(struct event_reader *r)
{
	struct appban_state state;
	struct appban_meta meta;
	__u64 lost;

	if (loader_events_state(r->l, &state, &meta, &lost))
		return;
	if (lost > r->lost_reported) {
		struct record rec = { .kind = REC_EVENTS_LOST };

		record_fill(r, &rec, state.active_gen);
		rec.lost = lost - r->lost_reported;
		rec.ts_real_ns = boot_to_real_ns(boot_ns());
		r->lost_reported = lost;
		deliver(r, &rec);
	}
	if (meta.load_id && meta.load_id != r->active_load_id)
		event_reader_policy_loaded(r);
}

int event_reader_poll(struct event_reader *r, int timeout_ms)
{
	int n;

	r->delivered = 0;
	r->gens_checked = 0;
	r->real_off = boot_to_real_ns(0);
	n = ring_buffer__poll(r->rb, timeout_ms);
	if (n < 0 && n != -EINTR)
		return n;
	/* Drain what is left so the loss check below sees a settled ring. */
	if (n > 0)
		ring_buffer__consume(r->rb);
	check_state(r);
	if (!r->cb_err && check_unloaded(r))
		return r->cb_err ? r->cb_err : -ENOENT;
	if (r->cb_err) {
		n = r->cb_err;
		r->cb_err = 0;
		return n;
	}
	return n == -EINTR ? n : r->delivered;
}

int event_reader_fd(const struct event_reader *r)
{
	return ring_buffer__epoll_fd(r->rb);
}

int event_reader_deliver(struct event_reader *r, const struct appban_event *e,
			 enum record_kind kind)
{
	struct record rec = { .kind = kind, .ev = e };
	struct gen_cache *g;

	r->gens_checked = 0; /* outside a batch: up to date */
	record_fill(r, &rec, e->gen);
	g = &r->gens[e->gen & 1];
	if (g->apps && e->app < g->meta.n_apps)
		snprintf(rec.rule, sizeof(rec.rule), "%s", g->apps[e->app].name);
	record_exception(r, &rec, e);
	rec.ts_real_ns = boot_to_real_ns(boot_ns());
	record_hash(r, &rec, 0);
	return deliver(r, &rec);
}

void event_reader_free(struct event_reader *r)
{
	int i;

	if (!r)
		return;
	ring_buffer__free(r->rb);
	for (i = 0; i < APPBAN_GENS; i++)
		free(r->gens[i].apps);
	free(r);
}
