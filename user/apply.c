// SPDX-License-Identifier: GPL-2.0
/* The one apply path (apply.h): compile -> in force at once -> the walk in a
 * thread, its finds added as they come. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "apply.h"
#include "cmd/exit.h"
#include "fleet/trust.h"
#include "kernel/live.h"
#include "policy/compile.h"
#include "util/clock.h"
#include "util/crypto_api.h"
#include "util/file.h"
#include "util/log.h"

struct apply_scan {
	pthread_t thread;
	int efd; /* eventfd: 1 written when the walk ended */
	struct loader *l;
	const struct compiled_policy *c; /* the policy the walk is for */
	const volatile int *stop; /* SIGINT/SIGTERM of the caller */
	/* what the walk itself reads: set by a stop, or by a new policy
	 * (apply_scan_cancel) */
	volatile int cancel;
	struct content *ct; /* what the walk found */
	int err;
	__u32 gen; /* the generation it went into */
	__u64 load_id; /* ... holding this load */
	unsigned int added; /* rules added while walking */
	__u64 t0;
};

void applier_init(struct applier *a, const volatile int *stop, FILE *summary)
{
	memset(a, 0, sizeof(*a));
	loader_init(&a->l);
	a->stop = stop;
	a->summary = summary;
}

static int resolve_kinode(void *ctx, int fd, __u32 *dev, __u64 *ino, __s64 *igen)
{
	__u32 g;

	if (!kinode_fd_gen(ctx, fd, dev, ino, &g)) {
		*igen = g;
		return 0;
	}
	return kinode_fd(ctx, fd, dev, ino);
}

/* Whether `p` has a sha256 identifier (a policy without one needs no
 * digest cache). */
static int has_digests(const struct policy *p)
{
	size_t i, j;

	for (i = 0; i < p->n_apps; i++)
		for (j = 0; j < p->apps[i].n_idents; j++)
			if (p->apps[i].idents[j].kind == IDENT_SHA256)
				return 1;
	return 0;
}

/* What a compile needs besides the AST. load: for a load, the kernel's view
 * of inodes (what exec sees, for the maps), and the digest cache read
 * meanwhile (a swap's longest step after compiling), unless the watch's
 * table replaces it, the compile is quiet (run's re-resolve, every second
 * while a path is missing: most of those are thrown away) or the policy,
 * when known (`p`: else it is parsed meanwhile), has no sha256 rule. Not
 * load: for verify, stat() only (no BPF iterator, no cache). */
static void compile_begin(struct applier *a, const struct policy *p, int quiet, int load)
{
	if (!load)
		return;
	if (!a->k)
		a->k = kinode_new();
	if (!a->ct && !a->cache && !quiet && (!p || has_digests(p)))
		a->cache = content_read_cache_start();
}

/* The end of a compile: its exit status of cli.md, and the lines that say
 * why on standard error. */
static int compile_status(int err, const struct diag *d, const char *what, int quiet, int load)
{
	if (!err && d->quiet_absent && d->absent)
		pr_warn("%s: %d path(s), directories or packages of the policy are not on this machine (yet); each is caught once it appears while appban run runs (--verbose lists them)\n",
			what, d->absent);
	if (err == -ENOMEM) {
		pr_err("out of memory compiling %s\n", what);
		return EXIT_KERNEL;
	}
	if (err) {
		if (!quiet)
			pr_err("%s: %d error(s)%s\n", what, d->errors,
			       load ? "; nothing changed" : "");
		return EXIT_INVALID;
	}
	return EXIT_OK;
}

static int compile_ast(struct applier *a, const struct policy *p, const char *what,
		       const struct apply_opts *o, struct compiled_policy **out, struct diag *d,
		       int quiet, int load)
{
	struct compile_opts copts = { .force_monitor = o->monitor };

	compile_begin(a, p, quiet, load);
	if (load) {
		copts.resolve = resolve_kinode;
		copts.resolve_ctx = a->k;
	}
	return compile_status(policy_compile(p, &copts, out, d), d, what, quiet, load);
}

int apply_compile_policy(struct applier *a, const struct policy *p, const char *what,
			 const struct apply_opts *o, struct compiled_policy **out, struct diag *d,
			 int quiet)
{
	return compile_ast(a, p, what, o, out, d, quiet, 1);
}

/* With trusted keys configured (load, run): the file's bytes read once,
 * their signature and serial checked (fleet/trust.h), and those bytes
 * compiled, so that what was checked is what goes in force. */
static int compile_trusted(struct applier *a, const struct policy_source *src,
			   const struct apply_opts *o, struct compiled_policy **out, struct diag *d,
			   int quiet)
{
	struct policy *p = NULL;
	char *raw = NULL;
	size_t len = 0;
	int err, overridden = 0;

	a->trust_pending = 0;
	if (src->text) {
		/* the built-in policy: signed by nobody */
		raw = (char *)src->text;
		len = src->len;
	} else {
		err = file_read_all(src->path, POLICY_FILE_MAX, &raw, &len);
		if (err) {
			pr_err("%s:1:1: error: cannot read policy file: %s\n", src->path,
			       strerror(-err));
			return EXIT_INVALID;
		}
	}
	err = policy_parse_buf(src->path, raw, len, &p, d);
	if (err) {
		if (raw != src->text)
			free(raw);
		return compile_status(err, d, src->path, quiet, 1);
	}
	err = trust_check(a->trust, src->path, raw, len, p->name, p->serial, &overridden);
	if (!err) {
		/* (trust_check opened libcrypto) */
		cr.SHA256((const unsigned char *)raw, len, a->trust_sha);
		snprintf(a->trust_name, sizeof(a->trust_name), "%s", p->name);
		a->trust_serial = p->serial;
	}
	if (raw != src->text)
		free(raw);
	if (err) {
		/* (the reason is printed) */
		policy_free(p);
		return err == -ENOMEM ? EXIT_KERNEL : EXIT_INVALID;
	}
	err = compile_ast(a, p, src->path, o, out, d, quiet, 1);
	policy_free(p);
	if (!err && overridden)
		(*out)->meta.flags |= APPBAN_META_UNSIGNED;
	a->trust_pending = !err;
	return err;
}

static int compile(struct applier *a, const struct policy_source *src, const struct apply_opts *o,
		   struct compiled_policy **out, int quiet, int load)
{
	struct policy *p = NULL;
	struct diag d;
	int err;

	diag_init(&d, quiet ? NULL : stderr, src->path);
	/* The built-in policy names apps most machines never had: one line
	 * for all of them, each with --verbose. */
	d.quiet_absent = src->text && log_get_level() < LVL_INFO;
	if (src->ast)
		return compile_ast(a, src->ast, src->path, o, out, &d, quiet, load);
	/* Before the parse: the cache is read while the policy is parsed too. */
	compile_begin(a, NULL, quiet, load);
	if (load && a->trust && a->trust->n_keys)
		return compile_trusted(a, src, o, out, &d, quiet);
	if (src->text)
		err = policy_parse_buf(src->path, src->text, src->len, &p, &d);
	else
		err = policy_parse_file(src->path, &p, &d);
	if (err)
		return compile_status(err, &d, src->path, quiet, load);
	err = compile_ast(a, p, src->path, o, out, &d, quiet, load);
	policy_free(p);
	return err;
}

int apply_compile(struct applier *a, const struct policy_source *src, const struct apply_opts *o,
		  struct compiled_policy **out, int quiet)
{
	return compile(a, src, o, out, quiet, 1);
}

int apply_compile_only(struct applier *a, const struct policy_source *src,
		       struct compiled_policy **out)
{
	static const struct apply_opts o;

	return compile(a, src, &o, out, 0, 0);
}

static void print_summary(struct applier *a, const struct compiled_policy *c)
{
	char reason[256];
	unsigned int n = 0, i;

	if (!a->summary)
		return;
	for (i = 0; i < 8; i++)
		n += c->meta.n_idents[i];
	engine_reason_str(&a->l.state, reason, sizeof(reason));
	fprintf(a->summary,
		"appban: policy %s serial %llu %s: %s mode, %u apps, %u identifiers; engine %s (%s)\n",
		c->meta.name, (unsigned long long)c->meta.serial,
		a->fresh ? "loaded" : "swapped in",
		c->meta.mode == APPBAN_MODE_MONITOR ? "monitor" : "enforce", c->meta.n_apps, n,
		engine_str(a->l.state.engine), reason);
	fflush(a->summary);
}

/* A file the walk found with a banned content: in force now, bound to the
 * change time it was hashed at, if the load is still the one in force. */
static void found_now(void *ctx, __u32 dev, __u64 ino, __u32 app, __u64 ctime_ns)
{
	struct apply_scan *s = ctx;
	struct appban_rule r = {
		.app = app,
		.match = APPBAN_MATCH_SHA256,
		.bind = APPBAN_BIND_CTIME,
		.ctime_ns = ctime_ns,
	};

	if (!loader_add_rule_now(s->l, s->load_id, dev, ino, &r))
		s->added++;
}

static void *scan_main(void *arg)
{
	struct apply_scan *s = arg;
	struct content_found f = { .c = s->c, .fn = found_now, .ctx = s };
	__u64 one = 1;

	s->err = content_scan(&s->ct, &s->cancel, &f);
	if (write(s->efd, &one, sizeof(one)) < 0)
		s->err = s->err ? s->err : -errno;
	return NULL;
}

static int scan_start(struct applier *a)
{
	struct apply_scan *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	s->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->efd < 0) {
		err = -errno;
		free(s);
		return err;
	}
	s->l = &a->l;
	s->c = a->c;
	s->stop = a->stop;
	s->gen = a->l.state.active_gen & 1;
	s->load_id = a->load_id;
	s->t0 = mono_ns();
	err = pthread_create(&s->thread, NULL, scan_main, s);
	if (err) {
		close(s->efd);
		free(s);
		return -err;
	}
	a->scan = s;
	return 0;
}

int apply_scan_fd(const struct applier *a)
{
	return a->scan ? a->scan->efd : -1;
}

void apply_scan_cancel(struct applier *a)
{
	if (a->scan)
		a->scan->cancel = 1;
}

int apply_scan_end(struct applier *a, const struct apply_opts *o)
{
	struct apply_scan *s = a->scan;
	struct compiled_policy found = { 0 };
	double secs;
	int err, n;

	if (!s)
		return EXIT_OK;
	a->scan = NULL;
	if (s->stop && *s->stop)
		s->cancel = 1;
	pthread_join(s->thread, NULL);
	close(s->efd);
	secs = (double)(mono_ns() - s->t0) / 1e9;
	err = s->err;
	if (err == -EINTR && !(s->stop && *s->stop)) {
		pr_warn("content scan stopped after %.1f s for a new policy, which walks again (from the digest cache)\n",
			secs);
		err = 0;
		goto out;
	}
	if (err == -EINTR) {
		pr_warn("content scan stopped after %.1f s; the policy stays in force with the files found so far\n",
			secs);
		goto out;
	}
	if (err) {
		pr_err("the content scan failed: %s; the policy is in force, its sha256 rules on the files found so far\n",
		       strerror(-err));
		goto out;
	}
	/* Every find again, now bound to the file's i_generation. */
	found.digests = s->c->digests;
	found.n_digests = s->c->n_digests;
	n = content_apply(s->ct, &found, a->k);
	err = n < 0 ? n :
		      loader_add_inode_rules(&a->l, s->gen, s->load_id, found.inodes,
					     found.n_inodes);
	free(found.inodes);
	if (err == -ESTALE) {
		pr_info("content scan: another load replaced this policy meanwhile\n");
		err = 0;
		goto out;
	}
	if (err) {
		pr_err("cannot add the files found by the content scan: %s; the policy is in force, its sha256 rules on the files found so far\n",
		       strerror(-err));
		goto out;
	}
	if (a->summary) {
		fprintf(a->summary,
			"appban: content scan done in %.1f s: %d file(s) with a banned content\n",
			secs, n);
		fflush(a->summary);
	}
	if (n > 0)
		live_after_load(&a->l, o->no_kill);
	if (a->keep_table && s->c == a->c) {
		a->ct = s->ct;
		s->ct = NULL;
	}
out:
	content_free(s->ct);
	free(s);
	return err ? EXIT_KERNEL : EXIT_OK;
}

int apply_policy(struct applier *a, struct compiled_policy *c, const struct apply_opts *o)
{
	struct cache_read *cache = a->cache;
	int err, walk = 0, n = 0, rc;

	a->cache = NULL;
	/* One walk at a time, for the policy in force: the old one stops. */
	apply_scan_cancel(a);
	apply_scan_end(a, o);
	if (c->n_digests && a->ct) {
		/* Kept current by run's watch since its walk: no walk. */
		content_read_cache_drop(cache);
		n = content_apply(a->ct, c, a->k);
	} else if (c->n_digests) {
		/* What the last walk knew, then a walk for what changed. */
		n = content_from_cache(c, cache);
		walk = 1;
	} else {
		content_read_cache_drop(cache);
	}
	if (n < 0 && n != -ENOENT) {
		pr_err("cannot read the digest cache: %s; nothing changed\n", strerror(-n));
		compiled_free(c);
		return EXIT_KERNEL;
	}
	if (n > 0)
		pr_info("content: %d file(s) with a banned content known before the walk\n", n);
	err = loader_load(&a->l, c, o->engine, &a->fresh);
	if (err) {
		compiled_free(c);
		if (err == -EEXIST)
			return EXIT_USAGE;
		pr_err("the kernel refused the policy: %s (run with --verbose for the kernel's log; appban needs root: CAP_BPF, CAP_SYS_ADMIN, CAP_PERFMON, CAP_NET_ADMIN)\n",
		       strerror(-err));
		return EXIT_KERNEL;
	}
	/* In force from here on. */
	compiled_free(a->c);
	a->c = c;
	if (a->trust_pending) {
		trust_commit(a->trust, a->trust_name, a->trust_serial, a->trust_sha);
		a->trust_pending = 0;
	}
	err = loader_in_force(&a->l, &a->load_id);
	if (err)
		pr_warn("cannot read which load is in force: %s; rules found later are not added\n",
			strerror(-err));
	print_summary(a, c);
	/* Not fatal: without the pins each load loads them itself. */
	if (a->fresh && live_pin_programs())
		pr_info("cannot pin the programs that act on running processes; each load will load them\n");
	live_after_load(&a->l, o->no_kill);
	rc = EXIT_OK;
	if (walk && !err) {
		err = scan_start(a);
		if (err) {
			pr_err("cannot start the content scan: %s; the policy is in force, its sha256 rules on the files the digest cache knew\n",
			       strerror(-err));
			rc = EXIT_KERNEL;
		}
	}
	return rc;
}

void applier_close(struct applier *a)
{
	struct apply_opts o = { .no_kill = 1 };

	apply_scan_end(a, &o);
	content_read_cache_drop(a->cache);
	content_free(a->ct);
	compiled_free(a->c);
	kinode_free(a->k);
	loader_close(&a->l);
	applier_init(a, a->stop, a->summary);
}
