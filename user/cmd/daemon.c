// SPDX-License-Identifier: GPL-2.0
/*
 * appban daemon [--config FILE] (docs/fleet.md): the policy in force is
 * composed from one base and any number of exceptions files, found in the
 * policy directory (inotify) and at the configured URLs (libcurl), each
 * checked before anything changes (fleet/layers.c); the loop and the
 * events are `run`'s (session.c). At start, before any network: the pinned
 * policy is adopted, or the last good composition of the state directory
 * put in force. SIGHUP reads the configuration again and checks every
 * source now; SIGTERM stops the daemon and leaves the policy pinned.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "events/format.h"
#include "events/ratelimit.h"
#include "events/sink.h"
#include "fleet/config.h"
#include "fleet/control.h"
#include "fleet/control_proto.h"
#include "fleet/dropdir.h"
#include "fleet/layers.h"
#include "fleet/source.h"
#include "fleet/state.h"
#include "fleet/status.h"
#include "policy/compose.h"
#include "policy/parse.h"
#include "session.h"
#include "util/clock.h"
#include "util/heap.h"
#include "util/hex.h"
#include "util/log.h"
#include "util/notify.h"

#define DIR_SETTLE_NS (5 * NSEC_PER_MSEC) /* notifications merged this long */
#define STALE_EVERY_NS (24ull * 3600 * NSEC_PER_SEC)

struct daemon {
	struct session s;
	const char *config_path;
	struct fleet_config *cfg;
	struct fleet_state st;
	struct trusted_key *keys;
	size_t n_keys;
	struct layerset ls;
	struct dropdir *dd;
	struct drop_file *files; /* the directory at the last look */
	size_t n_files;
	struct source **src;
	size_t n_src;
	struct source_result *fetched; /* per source: what it offers now */
	int *src_gone; /* per source: answered 404/410 */
	int *src_failing; /* per source: the last check failed (for -recovered) */
	/* the composition picked, waiting for session.c to call apply */
	struct layer *next;
	size_t n_next;
	struct policy *composed; /* the AST in force (s.src.ast) */
	int composed_borrowed; /* ... the base layer's own (a base alone) */
	uint64_t look_at_ns; /* look at the sources' files again (mono; 0: no) */
	uint64_t recheck_real_ns; /* a pair waiting for its other half (real) */
	uint64_t next_heartbeat, next_stale, watchdog_every, next_watchdog;
	/* the control socket: followers and status (NULL: none could be made) */
	struct control *ctl;
	int ctl_idx; /* its place among daemon_fds' descriptors; -1: none */
	uint64_t started_real_ns, dir_looked_real_ns;
	int json;
	int stdout_null; /* standard output is /dev/null (StandardOutput=null) */
	struct sinks *sinks; /* the configured sinks (events/sink.h) */
	struct ratelimit *rl; /* rate-limit N/s burst M; NULL: off */
	uint64_t next_rl_report; /* mono ns of the next events-suppressed due; 0: none */
	char line[16384];
	char text[16384];
	char extra[8192];
};

static uint64_t real_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

/* ---- records ------------------------------------------------------- */

/* Standard output is the null device (systemd's StandardOutput=null, the
 * usual setting beside sink journald): nothing to write there. */
static int stdout_is_null(void)
{
	struct stat st;

	return !fstat(STDOUT_FILENO, &st) && S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 &&
	       minor(st.st_rdev) == 3;
}

/* What the rate limit applies to: the records of an app's use (never the
 * configuration's records, nor tamper attempts, which name no app). */
static int rate_limited(enum record_kind k)
{
	return k == REC_EXEC_BLOCKED || k == REC_EXEC_AUDITED || k == REC_NET_BLOCKED ||
	       k == REC_NET_AUDITED || k == REC_PROCESS_KILLED || k == REC_CONN_CLOSED;
}

/* Formatted once (JSON, and text when a sink or --text wants it), then to
 * standard output and every sink; a record the rate limit holds back is
 * counted (events-suppressed), written nowhere. */
static int print_record(const struct record *r, void *arg)
{
	struct daemon *d = arg;
	int n, tn = -1;

	if (d->rl && rate_limited(r->kind) && !ratelimit_take(d->rl, r->rule, r->kind, mono_ns())) {
		if (!d->next_rl_report)
			d->next_rl_report = mono_ns() + NSEC_PER_SEC;
		return 0;
	}
	n = format_json(r, d->line, sizeof(d->line));
	if ((!d->json && !d->stdout_null) || sinks_want_text(d->sinks))
		tn = format_text(r, d->text, sizeof(d->text));
	/* the followers' copies are queued, never waited for (what the rate
	 * limit holds back, they do not get either); the lines formatted
	 * here serve them too */
	control_publish_lines(d->ctl, r, n >= 0 ? d->line : NULL, n >= 0 ? (size_t)n : 0,
			      tn >= 0 ? d->text : NULL, tn >= 0 ? (size_t)tn : 0);
	if (n >= 0)
		sinks_push(d->sinks, r, d->line, (size_t)n, tn >= 0 ? d->text : NULL,
			   tn >= 0 ? (size_t)tn : 0);
	/* (a line to /dev/null is a copy and, now and then, a system call
	 * for nothing) */
	if (d->stdout_null || (d->json ? n < 0 : tn < 0))
		return 0;
	return fputs(d->json ? d->line : d->text, stdout) == EOF ? -EPIPE : 0;
}

/* A record of the daemon's own, through the event reader when it runs
 * (its common fields: the policy in force), else straight to the printer. */
static void emit(struct daemon *d, struct record *rec)
{
	if (d->s.e.r) {
		event_reader_emit(d->s.e.r, rec);
	} else {
		rec->ts_real_ns = real_ns();
		rec->engine = "none";
		print_record(rec, d);
	}
	fflush(stdout);
	sinks_flush(d->sinks);
}

static void on_suppressed(void *ctx, const char *app, int action, uint64_t n)
{
	struct daemon *d = ctx;
	struct record rec = { .kind = REC_EVENTS_SUPPRESSED };

	snprintf(rec.rule, sizeof(rec.rule), "%s", app);
	rec.suppressed = n;
	rec.suppressed_kind = (enum record_kind)action;
	emit(d, &rec);
}

/* One events-suppressed record per app and action whose first held-back
 * record is a second old (all of them when flush). */
static void suppressed_report(struct daemon *d, int flush)
{
	if (d->rl && (flush || (d->next_rl_report && mono_ns() >= d->next_rl_report)))
		d->next_rl_report = ratelimit_report(d->rl, mono_ns(), flush, on_suppressed, d);
}

static void on_refusal(void *ctx, const struct refusal *rf)
{
	struct daemon *d = ctx;
	struct record rec = { .kind = REC_POLICY_REFUSED };

	rec.reason = refusal_reason_str(rf->reason);
	if (rf->is_url)
		rec.url = rf->origin;
	else
		rec.file_path = rf->origin;
	rec.file_policy = rf->name;
	rec.has_file_serial = rf->has_serial;
	rec.file_serial = rf->serial;
	rec.message = rf->message;
	pr_warn("%s refused (%s): %s\n", rf->origin, rec.reason, rf->message);
	emit(d, &rec);
	/* a source fetches both files again at its next check (a policy
	 * published before its signature, or an ETag that did not change) */
	for (size_t i = 0; rf->is_url && i < d->n_src; i++)
		if (!strcmp(source_url(d->src[i]), rf->origin))
			source_refused(d->src[i], rf->message);
}

static const struct layer *base_layer(const struct daemon *d)
{
	return d->ls.n_in_force && d->ls.in_force[0].is_base ? &d->ls.in_force[0] : NULL;
}

static int is_stale(const struct daemon *d)
{
	const struct layer *b = base_layer(d);

	return b && b->expires && (int64_t)(real_ns() / NSEC_PER_SEC) >= b->expires;
}

static void stale_check(struct daemon *d)
{
	struct record rec = { .kind = REC_POLICY_STALE };
	const struct layer *b = base_layer(d);
	char msg[256];
	time_t t;
	struct tm tm;

	if (!is_stale(d))
		return;
	t = (time_t)b->expires - 1;
	gmtime_r(&t, &tm);
	snprintf(
		msg, sizeof(msg),
		"policy %s expired at the end of %04d-%02d-%02d (UTC): it stays in force; a newer one is expected",
		b->name, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	rec.message = msg;
	emit(d, &rec);
}

static void heartbeat(struct daemon *d)
{
	struct record rec = { .kind = REC_HEARTBEAT };
	char hex[65], *p = d->extra, *end = d->extra + sizeof(d->extra);
	char text[1024], *t = text, *tend = text + sizeof(text);
	size_t i;

	p += snprintf(p, (size_t)(end - p), ",\"appban.layers\":[");
	t += snprintf(t, (size_t)(tend - t), " layers:");
	for (i = 0; i < d->ls.n_in_force && p < end - 256; i++) {
		const struct layer *l = &d->ls.in_force[i];

		sha256_to_hex(l->sha, hex);
		p += snprintf(p, (size_t)(end - p),
			      "%s{\"name\":\"%s\",\"kind\":\"%s\",\"serial\":%" PRIu64
			      ",\"sha256\":\"%s\"}",
			      i ? "," : "", l->name, l->is_base ? "base" : "exceptions", l->serial,
			      hex);
		if (t < tend - 96)
			t += snprintf(t, (size_t)(tend - t), " %s serial %" PRIu64, l->name,
				      l->serial);
	}
	if (base_layer(d)) {
		sha256_to_hex(base_layer(d)->sha, hex);
		p += snprintf(p, (size_t)(end - p), "],\"appban.policy.sha256\":\"%s\"", hex);
	} else {
		p += snprintf(p, (size_t)(end - p), "]");
	}
	snprintf(p, (size_t)(end - p), ",\"appban.stale\":%s,\"appban.sources\":%zu",
		 is_stale(d) ? "true" : "false", d->n_src);
	if (t < tend - 32)
		snprintf(t, (size_t)(tend - t), "%s", is_stale(d) ? ", stale" : "");
	rec.extra_json = d->extra;
	rec.extra_text = text;
	emit(d, &rec);
}

/* ---- configuration -------------------------------------------------- */

static void keys_free(struct trusted_key *k)
{
	free(k);
}

static void sources_free(struct daemon *d)
{
	size_t i;

	for (i = 0; i < d->n_src; i++) {
		source_free(d->src[i]);
		source_result_clear(&d->fetched[i]);
	}
	free(d->src);
	free(d->fetched);
	free(d->src_gone);
	free(d->src_failing);
	d->src = NULL;
	d->fetched = NULL;
	d->src_gone = d->src_failing = NULL;
	d->n_src = 0;
}

static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* The same source, configured the same way: it is kept across a SIGHUP
 * (with what it remembers: ETag, Last-Modified, its schedule). */
static int same_source(const struct fleet_source *a, const struct fleet_source *b)
{
	return !strcmp(a->url, b->url) && a->every == b->every && same_str(a->ca, b->ca) &&
	       same_str(a->client_cert, b->client_cert) && same_str(a->client_key, b->client_key) &&
	       same_str(a->pin, b->pin);
}

/* The sources of cfg: a source configured as before is kept as it is; what
 * a source of the same URL had fetched is kept. 0 or -errno (said). */
static int sources_setup(struct daemon *d, const struct fleet_config *cfg)
{
	struct source **src = calloc(cfg->n_sources + 1, sizeof(*src));
	struct source_result *fetched = calloc(cfg->n_sources + 1, sizeof(*fetched));
	int *gone = calloc(cfg->n_sources + 1, sizeof(int));
	int *failing = calloc(cfg->n_sources + 1, sizeof(int));
	int *kept = calloc(d->n_src + 1, sizeof(int));
	size_t i, j;
	int err;

	if (!src || !fetched || !gone || !failing || !kept) {
		err = -ENOMEM;
		goto err;
	}
	for (i = 0; i < cfg->n_sources; i++) {
		for (j = 0; j < d->n_src; j++)
			if (!kept[j] && same_source(&d->cfg->sources[j], &cfg->sources[i]))
				break;
		if (j < d->n_src) {
			/* (moved below, once nothing can fail any more) */
			kept[j] = 1;
			continue;
		}
		/* libcurl is opened by the first source (not by every start) */
		err = source_lib_init();
		if (!err)
			err = source_new(&cfg->sources[i], NULL, &src[i]);
		if (err) {
			pr_err("%s:%u:%u: cannot use source %s: %s\n", d->config_path,
			       cfg->sources[i].loc.line, cfg->sources[i].loc.col,
			       cfg->sources[i].url, strerror(-err));
			goto err;
		}
	}
	for (i = 0; i < cfg->n_sources; i++)
		for (j = 0; j < d->n_src; j++) {
			if (strcmp(source_url(d->src[j]), cfg->sources[i].url))
				continue;
			if (!src[i] && kept[j] &&
			    same_source(&d->cfg->sources[j], &cfg->sources[i])) {
				src[i] = d->src[j];
				d->src[j] = NULL;
			}
			fetched[i] = d->fetched[j];
			memset(&d->fetched[j], 0, sizeof(d->fetched[j]));
			gone[i] = d->src_gone[j];
			failing[i] = d->src_failing[j];
			break;
		}
	free(kept);
	sources_free(d);
	d->src = src;
	d->fetched = fetched;
	d->src_gone = gone;
	d->src_failing = failing;
	d->n_src = cfg->n_sources;
	return 0;
err:
	for (i = 0; src && i < cfg->n_sources; i++)
		source_free(src[i]);
	free(src);
	free(fetched);
	free(gone);
	free(failing);
	free(kept);
	return err;
}

/* Read the configuration (at start, and at SIGHUP: an error leaves the
 * daemon as it was). 0 or -errno (said). */
static int configure(struct daemon *d)
{
	struct fleet_config *cfg = NULL;
	struct trusted_key *keys = NULL;
	struct dropdir *dd = NULL;
	struct fleet_state st;
	struct diag dg;
	struct sinks *sinks = NULL;
	int new_sinks = 0;
	size_t n_keys = 0;
	int err;

	diag_init(&dg, stderr, d->config_path);
	err = fleet_config_parse_file(d->config_path, &cfg, &dg);
	if (err) {
		pr_err("%s: %d error(s); the daemon %s\n", d->config_path, dg.errors,
		       d->cfg ? "goes on as it was" : "does not start");
		return err;
	}
	err = state_open(&st, cfg->state_dir);
	if (err) {
		pr_err("cannot use the state directory %s: %s\n", cfg->state_dir, strerror(-err));
		goto err;
	}
	err = trusted_keys_load(cfg, d->config_path, &keys, &n_keys);
	if (err)
		goto err;
	err = dropdir_open(cfg->policy_dir, &dd);
	if (err) {
		pr_err("cannot watch the policy directory %s: %s\n", cfg->policy_dir,
		       strerror(-err));
		goto err;
	}
	if (!d->cfg || !sinks_same_config(d->sinks, cfg->sinks, cfg->n_sinks)) {
		err = sinks_new(cfg->sinks, cfg->n_sinks, &sinks);
		if (err)
			goto err;
		new_sinks = 1;
	}
	err = sources_setup(d, cfg);
	if (err)
		goto err;
	if (new_sinks) {
		sinks_free(d->sinks);
		d->sinks = sinks;
		sinks = NULL;
	}
	if (!d->cfg || d->cfg->rate != cfg->rate || d->cfg->burst != cfg->burst) {
		suppressed_report(d, 1);
		ratelimit_free(d->rl);
		d->rl = cfg->rate ? ratelimit_new(cfg->rate, cfg->burst) : NULL;
		d->next_rl_report = 0;
		if (cfg->rate && !d->rl)
			pr_warn("out of memory for the rate limit: records are not limited\n");
	}
	fleet_config_free(d->cfg);
	d->cfg = cfg;
	d->st = st;
	keys_free(d->keys);
	d->keys = keys;
	d->n_keys = n_keys;
	d->ls.st = &d->st;
	d->ls.keys = keys;
	d->ls.n_keys = n_keys;
	dropdir_free(d->dd);
	d->dd = dd;
	return 0;
err:
	sinks_free(sinks);
	dropdir_free(dd);
	keys_free(keys);
	fleet_config_free(cfg);
	return err;
}

/* ---- composition ---------------------------------------------------- */

/* Is a layer in force gone from where it came from? */
static int layer_absent(void *ctx, const struct layer *l)
{
	struct daemon *d = ctx;
	size_t i;

	for (i = 0; i < d->n_src; i++)
		if (!strcmp(source_url(d->src[i]), l->origin))
			return d->src_gone[i];
	if (d->cfg && !strncmp(l->origin, d->cfg->policy_dir, strlen(d->cfg->policy_dir)) &&
	    l->origin[strlen(d->cfg->policy_dir)] == '/') {
		for (i = 0; i < d->n_files; i++)
			if (!strcmp(d->files[i].path, l->origin))
				return 0;
		return 1;
	}
	/* a source no longer configured, or a directory no longer used */
	return 1;
}

/* Look at every file offered now and pick the next composition. */
static void look(struct daemon *d)
{
	struct candidate *c = calloc(d->n_files + d->n_src + 1, sizeof(*c));
	size_t i, n = 0;
	uint64_t recheck = 0;
	int err;

	d->look_at_ns = 0;
	if (!c)
		return;
	/* What a look and the swap after it allocate (the files, their
	 * ASTs, the compiled policy, the maps' batches: some 15 MB for
	 * 20,000 identifiers) from the heap on huge pages, as the first
	 * load's (util/heap.c): after heap_settle each was faulted in again
	 * 4 KiB at a time, ~2,450 faults of ~10 us each on a virtual
	 * machine per drop; ~1,550 now. Given back after the swap
	 * (session.c), or below when nothing is to be applied. */
	heap_use_huge_pages();
	d->dir_looked_real_ns = real_ns();
	drop_files_free(d->files, d->n_files);
	d->files = NULL;
	d->n_files = 0;
	err = dropdir_list(d->dd, &d->files, &d->n_files);
	if (err)
		pr_warn("cannot list the policy directory %s: %s\n", d->cfg->policy_dir,
			strerror(-err));
	for (i = 0; i < d->n_files; i++) {
		const struct drop_file *f = &d->files[i];

		c[n++] = (struct candidate){
			.origin = f->path,
			.raw = f->raw,
			.raw_len = f->raw_len,
			.text = f->text,
			.text_len = f->text_len,
			.sig = f->sig,
			.sig_len = f->sig_len,
			.read_err = f->err,
			.changed_ns = f->mtime_ns,
		};
	}
	for (i = 0; i < d->n_src; i++) {
		const struct source_result *r = &d->fetched[i];

		if (!r->policy)
			continue;
		c[n++] = (struct candidate){
			.origin = source_url(d->src[i]),
			.is_url = 1,
			.raw = r->policy,
			.raw_len = r->policy_len,
			.text = r->policy,
			.text_len = r->policy_len,
			.sig = r->sig,
			.sig_len = r->sig_len,
			/* what a web server publishes comes whole: no pair to wait for */
			.changed_ns = 0,
		};
	}
	layers_free(d->next, d->n_next);
	d->next = NULL;
	d->n_next = 0;
	err = layerset_pick(&d->ls, c, n, real_ns(), layer_absent, on_refusal, d, &d->next,
			    &d->n_next, &recheck);
	free(c);
	d->recheck_real_ns = recheck;
	if (err < 0)
		pr_err("cannot compose the policy: %s\n", strerror(-err));
	if (err > 0)
		session_request_apply(&d->s);
	else
		heap_settle();
}

/* Compose layers (the base first) into one AST. 0 or -errno. */
static int compose(struct daemon *d, const struct layer *l, size_t n, struct policy **out,
		   int quiet)
{
	struct policy *layers[n ? n : 1];
	struct diag dg;
	size_t i;

	if (!n || !l[0].is_base)
		return -ENOENT;
	for (i = 1; i < n; i++)
		layers[i - 1] = l[i].ast;
	diag_init(&dg, quiet ? NULL : stderr, l[0].origin);
	return policy_compose(l[0].ast, layers, n - 1, out, &dg);
}

/* Put a composition in force. 0, or an exit status of cli.md. */
static int put_in_force(struct daemon *d, const struct layer *l, size_t n, int quiet)
{
	struct policy_source src = { 0 };
	struct policy *p = NULL;
	int err, borrowed = 0;

	if (n == 1 && l[0].is_base && l[0].ast->n_apps) {
		/* A base alone composes into a copy of itself: its own AST
		 * instead, which its layer keeps alive as long as it is in
		 * force (for 20,000 identifiers the copy was 40,000
		 * allocations and ~470 page faults of a drop). */
		p = l[0].ast;
		borrowed = 1;
	} else {
		err = compose(d, l, n, &p, quiet);
		if (err)
			return err == -ENOMEM ? EXIT_KERNEL : EXIT_INVALID;
	}
	src.path = l[0].origin;
	src.ast = p;
	/* A load may take long (seconds, tens under emulation): the control
	 * socket answers meanwhile. What the status hook reads (the layers in
	 * force, the files, the sources, the sinks' counters) does not change
	 * before session_apply returns; records it emits take the lock. */
	control_busy_begin(d->ctl);
	err = session_apply(&d->s, &src, quiet);
	control_busy_end(d->ctl);
	if (err) {
		if (!borrowed)
			policy_free(p);
		return err;
	}
	if (!d->composed_borrowed)
		policy_free(d->composed);
	d->composed = p;
	d->composed_borrowed = borrowed;
	return EXIT_OK;
}

/* A composition that does not compile: which of its new layers fails with
 * the base in force (or alone, for a new base) is refused; the others are
 * tried again. */
static void find_failing(struct daemon *d)
{
	struct layer *nx = d->next;
	size_t i, n = d->n_next;
	struct compiled_policy *c = NULL;

	for (i = 0; i < n; i++) {
		struct layer trial[2];
		struct policy *p = NULL;
		struct policy_source src = { .path = nx[i].origin };
		size_t k = 0;
		struct candidate cand = {
			.origin = nx[i].origin,
			.raw = nx[i].raw,
			.raw_len = nx[i].raw_len,
			.sig = nx[i].sig,
			.sig_len = nx[i].sig_len,
			.is_url = !!strstr(nx[i].origin, "://"),
		};

		if (!nx[i].is_new)
			continue;
		if (!nx[i].is_base)
			trial[k++] = nx[0];
		trial[k++] = nx[i];
		if (compose(d, trial, k, &p, 1))
			continue;
		src.ast = p;
		if (apply_compile_only(&d->s.a, &src, &c)) {
			struct refusal rf = {
				.reason = REFUSED_COMPILE,
				.origin = nx[i].origin,
				.is_url = cand.is_url,
				.name = nx[i].name,
				.has_serial = 1,
				.serial = nx[i].serial,
				.message =
					"the policy does not compile on this machine (the errors are in the daemon's log)",
			};

			on_refusal(d, &rf);
		}
		compiled_free(c);
		c = NULL;
		policy_free(p);
	}
}

/* session.c: no walk under way, put the picked composition in force. */
static void apply_next(void *arg)
{
	struct daemon *d = arg;
	int err;

	if (!d->next)
		return;
	err = put_in_force(d, d->next, d->n_next, 0);
	if (err) {
		find_failing(d);
		layers_free(d->next, d->n_next);
		d->next = NULL;
		d->n_next = 0;
		return;
	}
	err = layerset_commit(&d->ls, d->next, d->n_next);
	d->next = NULL;
	d->n_next = 0;
	if (err)
		pr_warn("cannot write the state directory %s: %s; the policy is in force, but a restart may not find it\n",
			d->st.dir, strerror(-err));
	stale_check(d);
}

/* ---- status (docs/control.md, fleet/status.c) ------------------------ */

#define STATUS_MAX_SINKS 32

/* One entry per `sink` line of the configuration, in its order, from the
 * sinks' counters (events/sink.h): st holds the strings out points at. */
static size_t daemon_sinks_status(const struct daemon *d, struct sink_stats *st,
				  struct sink_status *out, size_t max)
{
	size_t i, n = sinks_stats(d->sinks, st, max);
	char *sp;

	if (n > max)
		n = max;
	for (i = 0; i < n; i++) {
		/* st's name is appban.sink's: "file PATH", "journald"... */
		sp = strchr(st[i].name, ' ');
		if (sp)
			*sp = 0;
		out[i] = (struct sink_status){
			.type = st[i].name,
			.target = sp ? sp + 1 : NULL,
			.written = st[i].written,
			.lost = st[i].lost,
			.queued = st[i].queued,
			.failing = st[i].failing,
			.last_error = st[i].error[0] ? st[i].error : NULL,
		};
	}
	return n;
}

/* control.c: the daemon's part of the status. */
static void daemon_status(void *arg, struct jbuf *b, int json)
{
	struct daemon *d = arg;
	struct sink_status sinks[STATUS_MAX_SINKS];
	struct sink_stats *st = calloc(STATUS_MAX_SINKS, sizeof(*st)); /* 4 KiB each */
	struct daemon_view v = {
		.config_path = d->config_path,
		.started = (time_t)(d->started_real_ns / NSEC_PER_SEC),
		.stale = is_stale(d),
		.layers = d->ls.in_force,
		.n_layers = d->ls.n_in_force,
		.policy_dir = d->cfg->policy_dir,
		.n_files = d->n_files,
		.dir_looked = (time_t)(d->dir_looked_real_ns / NSEC_PER_SEC),
		.src = d->src,
		.n_src = d->n_src,
		.src_failing = d->src_failing,
		.src_gone = d->src_gone,
		.sinks = sinks,
	};

	v.n_sinks = st ? daemon_sinks_status(d, st, sinks, STATUS_MAX_SINKS) : 0;
	daemon_status_write(&v, b, json);
	free(st);
}

static const struct control_hooks daemon_control_hooks = {
	.status = daemon_status,
};

/* ---- the loop's hooks ----------------------------------------------- */

static int daemon_fds(void *arg, struct pollfd *pfd, int max)
{
	struct daemon *d = arg;
	int n = 0;
	size_t i;

	/* before the loop waits: the followers' queued records go out, and
	 * the records of this turn to the sinks */
	control_flush(d->ctl);
	sinks_flush(d->sinks);
	pfd[n++] = (struct pollfd){ .fd = dropdir_fd(d->dd), .events = POLLIN };
	d->ctl_idx = -1;
	if (d->ctl) {
		d->ctl_idx = n;
		pfd[n++] = (struct pollfd){ .fd = control_fd(d->ctl), .events = POLLIN };
	}
	for (i = 0; i < d->n_src && n < max; i++)
		pfd[n++] = (struct pollfd){ .fd = source_fd(d->src[i]), .events = POLLIN };
	return n;
}

static void source_done(struct daemon *d, size_t i)
{
	struct source_result r;
	struct record rec = { 0 };

	if (source_result(d->src[i], &r))
		return;
	if (r.outcome == SOURCE_FAILED) {
		if (r.gone && !d->src_gone[i]) {
			d->src_gone[i] = 1;
			source_result_clear(&d->fetched[i]);
			d->look_at_ns = mono_ns();
		}
		if (!r.gone && !d->src_failing[i]) {
			d->src_failing[i] = 1;
			rec.kind = REC_SOURCE_FAILED;
			rec.url = source_url(d->src[i]);
			rec.message = r.error;
			pr_warn("%s\n", r.error);
			emit(d, &rec);
		}
		source_result_clear(&r);
		return;
	}
	d->src_gone[i] = 0;
	if (d->src_failing[i]) {
		d->src_failing[i] = 0;
		rec.kind = REC_SOURCE_RECOVERED;
		rec.url = source_url(d->src[i]);
		emit(d, &rec);
	}
	if (r.outcome == SOURCE_CHANGED) {
		source_result_clear(&d->fetched[i]);
		d->fetched[i] = r;
		d->look_at_ns = mono_ns();
		return;
	}
	source_result_clear(&r);
}

static void daemon_ready(void *arg, const struct pollfd *pfd, int n)
{
	struct daemon *d = arg;
	int first_src = d->ctl_idx >= 0 ? d->ctl_idx + 1 : 1; /* after the socket's */
	size_t i;

	if (n > 0 && (pfd[0].revents & POLLIN) && dropdir_read(d->dd) > 0 && !d->look_at_ns)
		d->look_at_ns = mono_ns() + DIR_SETTLE_NS;
	if (d->ctl_idx >= 0 && d->ctl_idx < n && (pfd[d->ctl_idx].revents & POLLIN))
		control_service(d->ctl);
	for (i = 0; i < d->n_src && (int)i + first_src < n; i++)
		if (pfd[i + first_src].revents & POLLIN)
			source_done(d, i);
}

/* Timers: sources due, the directory settled, a pair's grace over, the
 * heartbeat, the stale check, the watchdog. */
static int daemon_timeout(void *arg)
{
	struct daemon *d = arg;
	uint64_t now = mono_ns(), due = now + 200 * NSEC_PER_MSEC;
	size_t i;

	for (i = 0; i < d->n_src; i++) {
		if (source_next_due(d->src[i]) <= now)
			source_start(d->src[i]);
		if (source_next_due(d->src[i]) < due)
			due = source_next_due(d->src[i]);
	}
	if (d->recheck_real_ns && real_ns() >= d->recheck_real_ns) {
		d->recheck_real_ns = 0;
		d->look_at_ns = now;
	}
	if (d->look_at_ns && now >= d->look_at_ns)
		look(d);
	if (now >= d->next_heartbeat) {
		heartbeat(d);
		d->next_heartbeat = now + (uint64_t)d->cfg->heartbeat * NSEC_PER_SEC;
	}
	if (now >= d->next_stale) {
		stale_check(d);
		d->next_stale = now + STALE_EVERY_NS;
	}
	if (d->watchdog_every && now >= d->next_watchdog) {
		notify_watchdog();
		d->next_watchdog = now + d->watchdog_every;
	}
	suppressed_report(d, 0);
	if (d->next_rl_report && d->next_rl_report < due)
		due = d->next_rl_report;
	if (d->look_at_ns && d->look_at_ns < due)
		due = d->look_at_ns;
	return due <= now ? 0 : (int)((due - now) / NSEC_PER_MSEC) + 1;
}

static void daemon_hup(void *arg)
{
	struct daemon *d = arg;
	size_t i;

	pr_warn("SIGHUP: reading %s again, checking every source now\n", d->config_path);
	if (!configure(d)) {
		layerset_forget_reported(&d->ls);
		for (i = 0; i < d->n_src; i++)
			source_check_now(d->src[i]);
	}
	d->look_at_ns = mono_ns();
}

static const struct session_hooks daemon_hooks = {
	.fds = daemon_fds,
	.ready = daemon_ready,
	.hup = daemon_hup,
	.apply = apply_next,
	.timeout_ms = daemon_timeout,
};

/* ---- start ---------------------------------------------------------- */

/* Before any network: the pinned policy adopted, or the last good
 * composition of the state directory put in force. */
static int start_enforcing(struct daemon *d)
{
	int err;

	err = layerset_restore(&d->ls, on_refusal, d);
	if (err)
		pr_warn("cannot read the last good policy in %s: %s\n", d->st.dir, strerror(-err));
	if (!loader_adopt(&d->s.a.l)) {
		pr_info("adopted the policy in force\n");
		return 0;
	}
	if (!base_layer(d)) {
		pr_warn("no policy in force yet: waiting for one in %s%s\n", d->cfg->policy_dir,
			d->n_src ? " or from the sources" : "");
		return 0;
	}
	err = put_in_force(d, d->ls.in_force, d->ls.n_in_force, 0);
	if (err)
		pr_err("the last good policy of %s could not be put in force (exit status %d); waiting for a new one\n",
		       d->st.dir, err);
	return 0;
}

int cmd_daemon(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "text", no_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon *d = calloc(1, sizeof(*d));
	struct apply_opts ao = { 0 };
	enum session_end end;
	struct record rec = { 0 };
	int opt, ret = EXIT_OK, err;

	if (!d)
		return EXIT_KERNEL;
	d->config_path = getenv("APPBAN_CONFIG") && *getenv("APPBAN_CONFIG") ?
				 getenv("APPBAN_CONFIG") :
				 FLEET_CONFIG_PATH;
	d->json = 1;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			d->config_path = optarg;
			break;
		case 't':
			d->json = 0;
			break;
		default:
			cmd_usage(stderr, argv[0]);
			free(d);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		cmd_usage(stderr, argv[0]);
		free(d);
		return EXIT_USAGE;
	}
	/* whole batches (the loop flushes after each, emit after each record
	 * of its own): a write per line was a system call per record */
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	d->stdout_null = stdout_is_null();
	d->ctl_idx = -1;
	if (configure(d)) {
		ret = EXIT_INVALID;
		goto out;
	}
	d->started_real_ns = real_ns();
	/* followers and status; enforcement goes on without them, but never
	 * two daemons on the same pins */
	err = control_open(control_socket_path(), &daemon_control_hooks, d, &d->ctl);
	if (err == -EADDRINUSE) {
		ret = EXIT_USAGE;
		goto out;
	}
	if (err)
		pr_warn("no control socket: `appban events` and `appban status` cannot reach this daemon\n");
	ao.engine = d->cfg->engine == FLEET_ENGINE_LSM	    ? APPBAN_ENGINE_LSM :
		    d->cfg->engine == FLEET_ENGINE_FALLBACK ? APPBAN_ENGINE_FALLBACK :
							      APPBAN_ENGINE_NONE;
	session_init(&d->s, &ao, stderr);
	session_signals();
	/* the events begin with the first policy in force */
	session_set_printer(&d->s, print_record, d);
	start_enforcing(d);
	if (!d->s.e.r && loader_pinned()) {
		err = session_stream_begin(&d->s, print_record, d);
		if (err && err != -EPIPE)
			pr_warn("cannot read events: %s\n", strerror(-err));
	}
	rec.kind = REC_DAEMON_STARTED;
	emit(d, &rec);
	d->next_stale = mono_ns();
	d->next_heartbeat = mono_ns();
	d->watchdog_every = notify_watchdog_interval_ns();
	/* the directory at once: what was dropped while the daemon was down */
	look(d);
	notify_ready(base_layer(d) ? "enforcing" : "no policy yet");
	ret = session_loop(&d->s, &daemon_hooks, d, &end);
	notify_stopping();
	suppressed_report(d, 1);
	rec = (struct record){ .kind = REC_DAEMON_STOPPED };
	emit(d, &rec);
out:
	control_close(d->ctl);
	session_close(&d->s);
	/* (after the last record: each sink writes what it has queued) */
	sinks_free(d->sinks);
	ratelimit_free(d->rl);
	layers_free(d->next, d->n_next);
	layers_free(d->ls.in_force, d->ls.n_in_force);
	layerset_forget_reported(&d->ls);
	if (!d->composed_borrowed)
		policy_free(d->composed);
	drop_files_free(d->files, d->n_files);
	dropdir_free(d->dd);
	sources_free(d);
	keys_free(d->keys);
	fleet_config_free(d->cfg);
	source_lib_fini();
	free(d);
	return ret;
}
