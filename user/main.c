// SPDX-License-Identifier: GPL-2.0
/* appban's command line (shared/spec/cli.md): each command parses its options
 * and calls parse -> compile -> loader, or loader -> events -> format. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "compile.h"
#include "content.h"
#include "default_policy.h"
#include "events.h"
#include "format.h"
#include "kinode.h"
#include "live.h"
#include "loader.h"
#include "log.h"
#include "parse.h"
#include "protect.h"
#include "watch.h"

/* Exit statuses of cli.md. */
enum {
	EXIT_OK = 0,
	EXIT_INVALID = 1,
	EXIT_USAGE = 2,
	EXIT_KERNEL = 3,
	EXIT_NOT_LOADED = 4,
};

/* The only global: set by SIGINT/SIGTERM, read by the event loop. */
static volatile sig_atomic_t stop_requested;

static volatile sig_atomic_t reload_requested;

static void on_hup(int sig)
{
	(void)sig;
	reload_requested = 1;
}

static void on_signal(int sig)
{
	stop_requested = sig;
}

static void usage(FILE *f)
{
	fputs("usage: appban [--verbose] COMMAND [ARGS]\n"
	      "  load [--monitor] [--no-kill] [--engine lsm|fallback] POLICY\n"
	      "  unload\n"
	      "  status [--json]\n"
	      "  run [--json] [--keep] [--monitor] [--no-kill] [--engine lsm|fallback] [POLICY]\n"
	      "  check [--json] FILE...\n"
	      "  (events, compile, keygen, daemon: not in this version yet)\n",
	      f);
}

struct load_opts {
	int monitor;
	enum appban_engine engine;
	int json;
	int keep;
	int no_kill;	/* leave running processes of newly banned apps alone */
};

static int parse_engine(const char *s, enum appban_engine *out)
{
	if (!strcmp(s, "lsm"))
		*out = APPBAN_ENGINE_LSM;
	else if (!strcmp(s, "fallback"))
		*out = APPBAN_ENGINE_FALLBACK;
	else
		return -EINVAL;
	return 0;
}

/* Options shared by load and run. Returns the index of the first operand or -1. */
static int parse_load_opts(int argc, char **argv, struct load_opts *o, int allow_run_opts)
{
	static const struct option opts[] = {
		{ "monitor", no_argument, NULL, 'm' }, { "engine", required_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'j' },    { "keep", no_argument, NULL, 'k' },
		{ "no-kill", no_argument, NULL, 'K' }, { NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'm':
			o->monitor = 1;
			break;
		case 'K':
			o->no_kill = 1;
			break;
		case 'e':
			if (parse_engine(optarg, &o->engine)) {
				fprintf(stderr, "appban: unknown engine \"%s\" (expected lsm or fallback)\n",
					optarg);
				return -1;
			}
			break;
		case 'j':
		case 'k':
			if (!allow_run_opts) {
				fprintf(stderr, "appban: --%s is an option of run, not of load\n",
					c == 'j' ? "json" : "keep");
				return -1;
			}
			if (c == 'j')
				o->json = 1;
			else
				o->keep = 1;
			break;
		default:
			return -1;
		}
	}
	return optind;
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

/* Text or bundle -> compiled policy. Returns 0, or EXIT_INVALID with every
 * problem already reported as FILE:LINE:COL. */
static int compile_source(const char *path, const char *text, size_t len,
			  const struct load_opts *o, struct kinode *k,
			  struct compiled_policy **out, int quiet)
{
	struct compile_opts copts = { .force_monitor = o->monitor, .resolve = resolve_kinode };
	struct policy *p = NULL;
	struct diag d;
	int err;

	copts.resolve_ctx = k;

	diag_init(&d, quiet ? NULL : stderr, path);
	if (text)
		err = policy_parse_buf(path, text, len, &p, &d);
	else
		err = policy_parse_file(path, &p, &d);
	if (!err)
		err = policy_compile(p, &copts, out, &d);
	policy_free(p);
	if (err == -ENOMEM) {
		fprintf(stderr, "appban: out of memory compiling %s\n", path);
		return EXIT_KERNEL;
	}
	if (err) {
		if (!quiet)
			fprintf(stderr, "appban: %s: %d error(s); nothing changed\n", path, d.errors);
		return EXIT_INVALID;
	}
	return EXIT_OK;
}

static int load_compiled(struct loader *l, const struct compiled_policy *c,
			 const struct load_opts *o, int *fresh)
{
	int err = loader_load(l, c, o->engine, fresh);

	if (err == -EEXIST)
		return EXIT_USAGE;
	if (err) {
		fprintf(stderr,
			"appban: the kernel refused the policy: %s (run with --verbose for the kernel's log; appban needs root: CAP_BPF, CAP_SYS_ADMIN, CAP_PERFMON, CAP_NET_ADMIN)\n",
			strerror(-err));
		return EXIT_KERNEL;
	}
	live_after_load(l, o->no_kill);
	return EXIT_OK;
}

/* sha256 rules: find the files with a banned content (scan through the
 * digest cache) and add their inodes. *ct is kept for `run`. */
static int find_content(struct compiled_policy *c, struct content **ct, struct kinode *k)
{
	int err, n;

	*ct = NULL;
	if (!c->n_digests)
		return EXIT_OK;
	err = content_scan(ct, &stop_requested);
	if (err) {
		fprintf(stderr, "appban: the content scan failed: %s; nothing changed\n",
			strerror(-err));
		return EXIT_KERNEL;
	}
	n = content_apply(*ct, c, k);
	if (n < 0)
		return EXIT_KERNEL;
	pr_info("content scan: %d file(s) with a banned content\n", n);
	return EXIT_OK;
}

/* A swap with sha256 rules, before it: the files of the digest cache with a
 * banned content, each rule bound to the file's change time. */
static int content_before_swap(struct compiled_policy *c, struct cache_read *r)
{
	int n = content_from_cache(c, r);

	if (n < 0) {
		fprintf(stderr, "appban: cannot read the digest cache: %s; nothing changed\n",
			strerror(-n));
		return EXIT_KERNEL;
	}
	pr_info("content: %d file(s) with a banned content known from the digest cache; the scan follows the swap\n",
		n);
	return EXIT_OK;
}

/* ... and after it: the walk, whose finds (files new or changed since the
 * last scan, and those confirmed) go into the generation just swapped in,
 * unless another load replaced it meanwhile; then the running processes of
 * the files found are dealt with. */
static int content_after_swap(struct loader *l, const struct compiled_policy *c,
			      const struct load_opts *o)
{
	struct compiled_policy found = { .digests = c->digests, .n_digests = c->n_digests };
	__u32 gen = l->state.active_gen & 1;
	struct appban_meta meta = { 0 };
	struct content *ct = NULL;
	struct kinode *k;
	int err, n;

	if (loader_meta(l, gen, &meta))
		return EXIT_KERNEL;
	err = content_scan(&ct, &stop_requested);
	if (err) {
		fprintf(stderr,
			"appban: the content scan failed: %s; the new policy is in force, its sha256 rules on the files the digest cache knew\n",
			strerror(-err));
		return EXIT_KERNEL;
	}
	k = kinode_new();
	n = content_apply(ct, &found, k);
	kinode_free(k);
	content_free(ct);
	err = n < 0 ? n : loader_add_inode_rules(l, gen, meta.load_id, found.inodes, found.n_inodes);
	free(found.inodes);
	if (err == -ESTALE) {
		pr_info("content scan: another load replaced this policy meanwhile\n");
		return EXIT_OK;
	}
	if (err) {
		fprintf(stderr,
			"appban: cannot add the files found by the content scan: %s; the new policy is in force, its sha256 rules on the files the digest cache knew\n",
			strerror(-err));
		return EXIT_KERNEL;
	}
	pr_info("content scan: %d file(s) with a banned content\n", n);
	if (n > 0)
		live_after_load(l, o->no_kill);
	return EXIT_OK;
}

static void print_summary(FILE *f, struct loader *l, const struct compiled_policy *c, int fresh)
{
	char reason[256];
	unsigned int n = 0, i;

	for (i = 0; i < 8; i++)
		n += c->meta.n_idents[i];
	engine_reason_str(&l->state, reason, sizeof(reason));
	fprintf(f, "appban: policy %s serial %llu %s: %s mode, %u apps, %u identifiers; engine %s (%s)\n",
		c->meta.name, (unsigned long long)c->meta.serial, fresh ? "loaded" : "swapped in",
		c->meta.mode == APPBAN_MODE_MONITOR ? "monitor" : "enforce", c->meta.n_apps, n,
		engine_str(l->state.engine), reason);
}

static int cmd_load(int argc, char **argv)
{
	struct compiled_policy *c = NULL;
	struct cache_read *cache;
	struct content *ct = NULL;
	struct kinode *k;
	struct load_opts o;
	struct loader l;
	int i, rc, fresh, walk_after, pinned;

	i = parse_load_opts(argc, argv, &o, 0);
	if (i < 0 || argc - i != 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	/* A policy in force (a swap) and sha256 rules: the walk of the scan
	 * roots, most of a swap's time, comes after the swap. Until the new
	 * policy is in force the old one is; from then on it covers every
	 * file seen by the last scan, and the walk adds what changed since.
	 * That cache is read while the policy compiles, before it is known
	 * whether the policy has sha256 rules (dropped if not). */
	pinned = loader_pinned();
	cache = pinned ? content_read_cache_start() : NULL;
	k = kinode_new();
	loader_init(&l);
	rc = compile_source(argv[i], NULL, 0, &o, k, &c, 0);
	walk_after = !rc && c->n_digests && pinned;
	if (walk_after) {
		rc = content_before_swap(c, cache);
	} else {
		content_read_cache_drop(cache);
		if (!rc)
			rc = find_content(c, &ct, k);
	}
	kinode_free(k);
	content_free(ct);
	if (rc) {
		compiled_free(c);
		return rc;
	}
	l.clear_in_background = 1;
	rc = load_compiled(&l, c, &o, &fresh);
	if (!rc) {
		/* The moment the policy is in force, whatever the walk says. */
		print_summary(stdout, &l, c, fresh);
		fflush(stdout);
	}
	if (!rc && walk_after)
		rc = content_after_swap(&l, c, &o);
	loader_close(&l);
	compiled_free(c);
	return rc;
}

static int cmd_unload(int argc, char **argv)
{
	if (argc != 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	return loader_unload() ? EXIT_KERNEL : EXIT_OK;
}

static const char *const match_names[8] = { NULL,   "path",	"dir",	"sha256",
					    "name", "flatpak", "snap", NULL };

static int cmd_status(int argc, char **argv)
{
	int json = argc == 2 && !strcmp(argv[1], "--json");
	struct protection prot[PROTECT_MAX];
	struct loader_status st;
	char reason[256];
	struct loader l;
	int i, err, n_prot;

	if (argc > 2 || (argc == 2 && !json)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	loader_init(&l);
	err = loader_adopt_ro(&l);
	if (err == -ENOENT) {
		if (json)
			puts("{\"loaded\":false}");
		else
			puts("appban: no policy loaded");
		return EXIT_NOT_LOADED;
	}
	if (!err)
		err = loader_status(&l, &st);
	if (err) {
		fprintf(stderr, "appban: cannot read the pinned state: %s\n", strerror(-err));
		loader_close(&l);
		return EXIT_KERNEL;
	}
	engine_reason_str(&st.state, reason, sizeof(reason));
	n_prot = protections(&st.state, &st.meta, prot);
	live_protection(&st.state, &st.meta, &prot[n_prot++]);
	if (json) {
		char buf[8192];
		struct jbuf b = { .p = buf, .cap = sizeof(buf) };

		jb_printf(&b, "{\"loaded\":true,\"engine\":\"%s\"", engine_str(st.state.engine));
		jb_kstr(&b, "engine_reason", reason, sizeof(reason));
		jb_raw(&b, ",\"policy\":{\"name\":");
		jb_str(&b, st.meta.name, sizeof(st.meta.name));
		jb_printf(&b, ",\"serial\":%llu},\"mode\":\"%s\",\"apps\":%u,\"exceptions\":%u",
			  (unsigned long long)st.meta.serial,
			  st.meta.mode == APPBAN_MODE_MONITOR ? "monitor" : "enforce", st.meta.n_apps,
			  st.meta.n_allows);
		jb_raw(&b, ",\"identifiers\":{");
		for (i = 1; i <= 6; i++)
			jb_printf(&b, "%s\"%s\":%u", i > 1 ? "," : "", match_names[i],
				  st.meta.n_idents[i]);
		jb_printf(&b,
			  "},\"counters\":{\"exec_blocked\":%llu,\"network_blocked\":%llu,\"audits\":%llu,\"events_lost\":%llu,\"tamper\":%llu,\"kernel_hashed\":%llu,\"kernel_hash_failed\":%llu}",
			  (unsigned long long)st.counters[APPBAN_CNT_EXEC_BLOCKED],
			  (unsigned long long)st.counters[APPBAN_CNT_NET_BLOCKED],
			  (unsigned long long)st.counters[APPBAN_CNT_AUDITS],
			  (unsigned long long)st.counters[APPBAN_CNT_EVENTS_LOST],
			  (unsigned long long)st.counters[APPBAN_CNT_TAMPER],
			  (unsigned long long)st.counters[APPBAN_CNT_KHASH],
			  (unsigned long long)st.counters[APPBAN_CNT_KHASH_FAIL]);
		jb_printf(&b, ",\"content_hashing\":\"%s\"",
			  st.state.khash == APPBAN_KHASH_IMA ? "kernel" : "user");
		jb_raw(&b, ",\"protections\":{");
		for (i = 0; i < n_prot; i++) {
			jb_printf(&b, "%s\"%s\":{\"state\":\"%s\"", i ? "," : "", prot[i].name,
				  prot[i].state);
			jb_kstr(&b, "how", prot[i].how, 512);
			jb_raw(&b, "}");
		}
		jb_raw(&b, "}}");
		puts(buf);
	} else {
		printf("engine:      %s (%s)\n", engine_str(st.state.engine), reason);
		printf("policy:      %s, serial %llu, %s mode\n", st.meta.name,
		       (unsigned long long)st.meta.serial,
		       st.meta.mode == APPBAN_MODE_MONITOR ? "monitor" : "enforce");
		printf("apps:        %u\nexceptions:  %u (allow blocks)\nidentifiers:",
		       st.meta.n_apps, st.meta.n_allows);
		for (i = 1; i <= 6; i++)
			printf(" %s %u%s", match_names[i], st.meta.n_idents[i], i < 6 ? "," : "\n");
		printf("counters:    exec blocked %llu, network blocked %llu, audits %llu, events lost %llu, tamper %llu\n",
		       (unsigned long long)st.counters[APPBAN_CNT_EXEC_BLOCKED],
		       (unsigned long long)st.counters[APPBAN_CNT_NET_BLOCKED],
		       (unsigned long long)st.counters[APPBAN_CNT_AUDITS],
		       (unsigned long long)st.counters[APPBAN_CNT_EVENTS_LOST],
		       (unsigned long long)st.counters[APPBAN_CNT_TAMPER]);
		printf("hashing:     %s",
		       st.state.khash == APPBAN_KHASH_IMA
			       ? "in the kernel at exec (IMA) and in user space"
			       : "in user space (scan at load, appban run's watch)");
		if (st.state.khash == APPBAN_KHASH_IMA)
			printf(": %llu files hashed in the kernel, %llu failures",
			       (unsigned long long)st.counters[APPBAN_CNT_KHASH],
			       (unsigned long long)st.counters[APPBAN_CNT_KHASH_FAIL]);
		printf("\n");
		printf("protections:\n");
		for (i = 0; i < n_prot; i++)
			printf("  %-21s %-9s %s\n", prot[i].name, prot[i].state, prot[i].how);
	}
	loader_close(&l);
	return EXIT_OK;
}

static const char *action_name(__u8 action)
{
	switch (action) {
	case APPBAN_ACTION_DENY_EXEC:
		return "deny exec";
	case APPBAN_ACTION_DENY_NETWORK:
		return "deny network";
	case APPBAN_ACTION_AUDIT:
		return "audit";
	}
	return "none";
}

/* appban check [--json] FILE...: 0 none matched, 5 one did, 1 a file could
 * not be examined, 4 no policy loaded. */
#define EXIT_MATCHED 5

static int cmd_check(int argc, char **argv)
{
	int i = 1, json = 0, matched = 0, bad = 0, err;
	struct loader_status st;
	struct check_result res;
	struct kinode *k;
	struct loader l;

	if (argc > 1 && !strcmp(argv[1], "--json")) {
		json = 1;
		i++;
	}
	if (i >= argc || argv[i][0] == '-') {
		usage(stderr);
		return EXIT_USAGE;
	}
	loader_init(&l);
	err = loader_adopt_ro(&l);
	if (err == -ENOENT) {
		fprintf(stderr, "appban: no policy loaded\n");
		return EXIT_NOT_LOADED;
	}
	if (err || (err = loader_status(&l, &st))) {
		fprintf(stderr, "appban: cannot read the pinned state: %s\n", strerror(-err));
		loader_close(&l);
		return EXIT_KERNEL;
	}
	l.state = st.state;
	k = kinode_new();
	for (; i < argc; i++) {
		char buf[8192], exc[1024];
		struct jbuf b = { .p = buf, .cap = sizeof(buf) };

		err = check_file(&l, k, argv[i], &res);
		if (err) {
			bad = 1;
			fprintf(stderr, "appban: %s: %s\n", argv[i], strerror(-err));
			if (!json)
				continue;
			jb_raw(&b, "{\"file\":");
			jb_str(&b, argv[i], 4096);
			jb_kstr(&b, "error", strerror(-err), 256);
			jb_raw(&b, "}");
			puts(buf);
			continue;
		}
		matched |= res.matched;
		if (json) {
			jb_raw(&b, "{\"file\":");
			jb_str(&b, argv[i], 4096);
			jb_kstr(&b, "executable", res.real, sizeof(res.real));
			jb_printf(&b, ",\"matched\":%s", res.matched ? "true" : "false");
			if (res.matched) {
				jb_kstr(&b, "app", res.app_info.name, sizeof(res.app_info.name));
				if (res.app_info.description[0])
					jb_kstr(&b, "description", res.app_info.description,
						sizeof(res.app_info.description));
				jb_printf(&b, ",\"identifier\":\"%s\",\"action\":\"%s\"",
					  match_names[res.match & 7] ? match_names[res.match & 7] : "?",
					  action_name(res.app_info.action));
				jb_kstr(&b, "outcome",
					check_outcome(&st.state, &st.meta, res.app_info.action), 256);
				check_exceptions(&l, l.state.active_gen, res.app, exc, sizeof(exc));
				jb_raw(&b, ",\"exceptions\":[");
				/* names are [A-Za-z0-9_.-]: ", " only separates them */
				for (char *s = strtok(exc, ", "), *sep = ""; s;
				     s = strtok(NULL, ", "), sep = ",") {
					jb_raw(&b, sep);
					jb_str(&b, s, APPBAN_APP_NAME_LEN);
				}
				jb_raw(&b, "]");
			}
			jb_raw(&b, "}");
			puts(buf);
		} else if (res.matched) {
			int n_exc = check_exceptions(&l, l.state.active_gen, res.app, exc,
						     sizeof(exc));

			printf("%s: app %s (%s), %s: %s%s%s%s%s%s%s\n", argv[i], res.app_info.name,
			       match_names[res.match & 7] ? match_names[res.match & 7] : "?",
			       action_name(res.app_info.action),
			       check_outcome(&st.state, &st.meta, res.app_info.action),
			       res.app_info.description[0] ? " [" : "", res.app_info.description,
			       res.app_info.description[0] ? "]" : "",
			       n_exc ? " (except for those of allow " : "", n_exc ? exc : "",
			       n_exc ? ")" : "");
		} else {
			printf("%s: no match, starts\n", argv[i]);
		}
	}
	kinode_free(k);
	loader_close(&l);
	return bad ? EXIT_INVALID : matched ? EXIT_MATCHED : EXIT_OK;
}

struct run_ctx {
	int json;
	char line[4096];
	/* content rules while running */
	struct loader *l;
	struct compiled_policy **c;
	struct content *ct;
	struct kinode *k;
	struct event_reader *r;
	int overflowed;		/* fanotify lost events: scan again */
	unsigned long overflows;
	__u64 load_id;		/* of the policy run put in force; its rules only there */
	int reload;		/* SIGHUP: read the policy file again */
};

/* Could this file be run (x bit, ELF or #!)? Others are not worth hashing. */
static int runnable(int fd, const struct stat *st)
{
	char magic[4] = { 0 };

	if (st->st_mode & 0111)
		return 1;
	if (pread(fd, magic, sizeof(magic), 0) < 2)
		return 0;
	return !memcmp(magic, "\x7f" "ELF", 4) || (magic[0] == '#' && magic[1] == '!');
}

static void kill_banned_start(struct run_ctx *rc, pid_t pid, int app, __u32 dev, __u64 ino,
			      int fd);

/* A file written, or executed, while running: hash it; banned content gets
 * an inode rule in the generation in force, and a start of it is killed. A
 * file executed is hashed again unless known in this version (size, change
 * time): truncate(2) by path changes a file without a write event. */
static int on_watch(const struct watch_event *ev, void *arg)
{
	struct run_ctx *rc = arg;
	struct appban_rule rule = { .match = APPBAN_MATCH_SHA256 };
	struct hashcache_key key;
	__u8 d[SCAN_SHA256_LEN];
	struct stat st;
	__s64 igen = -1;
	__u32 dev, g;
	__u64 ino;
	int app;

	if (ev->overflow) {
		rc->overflowed = 1;
		rc->overflows++;
		return 0;
	}
	if (fstat(ev->fd, &st) || !S_ISREG(st.st_mode) || !runnable(ev->fd, &st))
		return 0;
	if (!kinode_fd_gen(rc->k, ev->fd, &dev, &ino, &g))
		igen = g;
	else if (kinode_fd(rc->k, ev->fd, &dev, &ino))
		return 0;
	content_key_of(&st, dev, &key);
	key.ino = ino;
	if (!ev->exec || content_lookup_exact(rc->ct, &key, d)) {
		__u8 before[SCAN_SHA256_LEN];
		int was_banned = !content_lookup(rc->ct, dev, ino, before) &&
				 content_banned(*rc->c, before) >= 0;

		if (scan_hash_fd(ev->fd, d, &st))
			return 0;
		content_key_of(&st, dev, &key);
		key.ino = ino;
		content_add(rc->ct, &key, igen, NULL, d);
		/* Rewritten in place with a content no longer banned: its
		 * rule (same inode, same generation) would hold on. */
		if (was_banned && content_banned(*rc->c, d) < 0)
			loader_drop_content_rule(rc->l, rc->load_id, dev, ino);
	}
	app = content_banned(*rc->c, d);
	if (app < 0)
		return 0;
	rule.app = app;
	/* Bound to this file, not to its inode number (reused once deleted). */
	if (igen >= 0) {
		rule.bind = APPBAN_BIND_GEN;
		rule.igen = (__u64)igen;
	} else {
		rule.bind = APPBAN_BIND_CTIME;
		rule.ctime_ns = (__u64)key.ctime_sec * 1000000000ull + key.ctime_nsec;
	}
	switch (loader_add_rule_now(rc->l, rc->load_id, dev, ino, &rule)) {
	case 0:
		if (igen >= 0)
			compiled_add_inode(*rc->c, dev, ino, app, APPBAN_MATCH_SHA256, igen);
		else
			compiled_add_inode_ctime(*rc->c, dev, ino, app, APPBAN_MATCH_SHA256,
						 rule.ctime_ns);
		break;
	case -ESTALE: /* another load's policy is in force: not ours to apply */
		return 0;
	}
	if (ev->exec)
		kill_banned_start(rc, ev->pid, app, dev, ino, ev->fd);
	return 0;
}

/* A start of a file with banned content that the kernel let through (a
 * memfd copy, or a file unseen until its exec): killed from here. */
static void kill_banned_start(struct run_ctx *rc, pid_t pid, int app, __u32 dev, __u64 ino,
			      int fd)
{
	struct appban_event e = {
		.type = APPBAN_EV_EXEC_BLOCKED, .gen = rc->l->state.active_gen,
		.app = app, .pid = pid, .dev = dev, .ino = ino,
		.match = APPBAN_MATCH_SHA256, .method = APPBAN_METHOD_SIGKILL,
		.hook = APPBAN_HOOK_EXEC, .exception = APPBAN_NO_EXCEPTION,
	};
	char link[64];
	ssize_t n;
	int exc;

	/* The file being executed: the process may still be in its exec. */
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, e.filename, sizeof(e.filename) - 1);
	if (n > 0)
		e.filename[n] = 0;
	/* An exception covers deny exec, as in the kernel's decide(). */
	exc = check_exception_pid(rc->l, e.gen, app, pid);
	if (exc >= 0) {
		e.type = APPBAN_EV_EXEC_AUDITED;
		e.method = APPBAN_METHOD_NONE;
		e.exception = exc;
		event_reader_deliver(rc->r, &e, REC_EXEC_AUDITED);
		return;
	}
	if (kill(pid, SIGKILL) == 0)
		event_reader_deliver(rc->r, &e, REC_EXEC_BLOCKED);
}

/* A fileless exec (memfd, deleted file) reported by the kernel: its content
 * may be banned. */
#define FILELESS_WAIT_TRIES 100
#define FILELESS_WAIT_US 2000
static void check_fileless(struct run_ctx *rc, const struct appban_event *ev)
{
	__u8 d[SCAN_SHA256_LEN];
	struct stat st;
	char link[64];
	int fd = -1, app, i;

	/* The lsm engine reports the exec before it is done: wait (briefly)
	 * until /proc/PID/exe is the file the kernel reported. */
	snprintf(link, sizeof(link), "/proc/%u/exe", ev->pid);
	for (i = 0; i < FILELESS_WAIT_TRIES; i++) {
		fd = open(link, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return;
		if (!fstat(fd, &st) && st.st_ino == ev->ino)
			break;
		close(fd);
		fd = -1;
		usleep(FILELESS_WAIT_US);
	}
	if (fd < 0)
		return;
	if (!scan_hash_fd(fd, d, &st)) {
		struct hashcache_key key;
		__u64 id;

		content_key_of(&st, ev->dev, &key);
		key.ino = ev->ino;
		content_add(rc->ct, &key, -1, NULL, d);
		app = content_banned(*rc->c, d);
		if (app >= 0 && !loader_in_force(rc->l, &id) && id == rc->load_id)
			kill_banned_start(rc, ev->pid, app, ev->dev, ev->ino, fd);
	}
	close(fd);
}

static int print_record(const struct record *r, void *arg)
{
	struct run_ctx *rc = arg;
	int n = rc->json ? format_json(r, rc->line, sizeof(rc->line))
			 : format_text(r, rc->line, sizeof(rc->line));

	if (n < 0)
		return 0;
	/* Flushed by cmd_run once per batch of events, not per line: a write
	 * per event halved the rate the reader keeps up with in a flood. */
	if (fputs(rc->line, stdout) == EOF)
		return -EPIPE;
	if (rc->ct && r->kind == REC_EXEC_AUDITED && r->ev &&
	    r->ev->match == APPBAN_MATCH_FILELESS)
		check_fileless(rc, r->ev);
	return 0;
}

static __u64 now_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* While running, a path or directory of the policy that did not exist is
 * looked for again every second and the policy swapped when it appears. */
static void reresolve(struct run_ctx *ctx, const char *src, const char *text, size_t len,
		      const struct load_opts *o, struct content *ct)
{
	struct compiled_policy *c = NULL, **cur = ctx->c;
	struct loader *l = ctx->l;
	int fresh;

	if (compile_source(src, text, len, o, ctx->k, &c, 1))
		return;
	if (content_apply(ct, c, ctx->k) < 0) {
		compiled_free(c);
		return;
	}
	if (!compiled_equal(c, *cur) && !loader_load(l, c, APPBAN_ENGINE_NONE, &fresh)) {
		pr_info("a path of the policy appeared or changed; policy updated\n");
		loader_in_force(l, &ctx->load_id);
		live_after_load(l, o->no_kill);
		compiled_free(*cur);
		*cur = c;
		return;
	}
	(*cur)->unresolved = c->unresolved;
	compiled_free(c);
}

/* Files written while nothing read the watch (its queue overflowed, or on a
 * file system mounted since) were not seen: the walk, through the digest
 * cache, finds them; the policy in force gets what it adds. */
static void rescan(struct run_ctx *ctx, const char *src, const char *text, size_t text_len,
		   const struct load_opts *o, struct content **ct, const char *why)
{
	struct content *nct = NULL;

	pr_warn("%s; scanning again\n", why);
	if (content_scan(&nct, &stop_requested))
		return;
	if (src)
		reresolve(ctx, src, text, text_len, o, nct);
	event_reader_set_content(ctx->r, nct);
	ctx->ct = nct;
	content_free(*ct);
	*ct = nct;
}

/*
 * SIGHUP: read POLICY again and swap it in. The files' digests come from the
 * table that the walk at start made and that the watch, started before that
 * walk, has kept current since: no walk, a reload costs compiling and
 * writing the maps. A policy that gains sha256 rules has no table yet: that
 * one walks (the watch first). A bad file changes nothing.
 */
static void reload(struct run_ctx *ctx, const char *src, const struct load_opts *o,
		   struct content **ct, struct watch **w)
{
	struct compiled_policy *c = NULL;
	struct timespec t0, t1;
	int fresh, n, err, walked = 0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (compile_source(src, NULL, 0, o, ctx->k, &c, 0)) {
		fprintf(stderr, "appban: %s not reloaded; the policy in force is unchanged\n", src);
		return;
	}
	if (c->n_digests && !*ct) {
		if (!*w && (err = watch_new(w)))
			pr_warn("cannot watch the file systems for new files (%s): a copy of a banned file made from now on is not caught\n",
				strerror(-err));
		if (find_content(c, ct, ctx->k)) {
			compiled_free(c);
			return;
		}
		walked = 1;
		ctx->ct = *ct;
		event_reader_set_content(ctx->r, *ct);
	} else {
		n = content_apply(*ct, c, ctx->k);
		if (n < 0) {
			compiled_free(c);
			fprintf(stderr, "appban: out of memory; %s not reloaded\n", src);
			return;
		}
	}
	err = loader_load(ctx->l, c, APPBAN_ENGINE_NONE, &fresh);
	if (err) {
		fprintf(stderr, "appban: the kernel refused %s: %s; the policy in force is unchanged\n",
			src, strerror(-err));
		compiled_free(c);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	loader_in_force(ctx->l, &ctx->load_id);
	compiled_free(*ctx->c);
	*ctx->c = c;
	print_summary(stderr, ctx->l, c, 0);
	fprintf(stderr, "appban: reloaded %s in %.1f ms%s\n", src,
		(double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
		walked ? ", after a walk of the scan roots" :
		*ct ? ", the files' digests as the watch kept them (no walk)" : "");
	event_reader_policy_loaded(ctx->r);
	live_after_load(ctx->l, o->no_kill);
}

static int cmd_run(int argc, char **argv)
{
	struct run_ctx *ctx = calloc(1, sizeof(*ctx));
	struct compiled_policy *c = NULL;
	struct event_reader *r = NULL;
	struct content *ct = NULL;
	struct watch *w = NULL;
	struct kinode *k = NULL;
	const char *src = NULL, *text = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	size_t text_len = 0;
	struct load_opts o;
	struct loader l;
	int i, rc = EXIT_OK, fresh = 0, loaded_self = 0, err;
	__u64 next_resolve;

	if (!ctx)
		return EXIT_KERNEL;
	i = parse_load_opts(argc, argv, &o, 1);
	if (i < 0 || argc - i > 1) {
		usage(stderr);
		free(ctx);
		return EXIT_USAGE;
	}
	ctx->json = o.json;
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	loader_init(&l);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (i < argc) {
		src = argv[i];
	} else if (loader_adopt(&l) == 0) {
		loaded_self = 0;
	} else {
		src = DEFAULT_POLICY_NAME;
		text = default_policy_text;
		text_len = sizeof(default_policy_text) - 1;
	}
	if (src) {
		k = kinode_new();
		rc = compile_source(src, text, text_len, &o, k, &c, 0);
		if (rc)
			goto out;
		/* The watch before the walk: a file written while the walk
		 * runs waits in the watch's queue, read once loaded. No gap
		 * between the two, so the table the walk makes stays current
		 * as long as run runs (a reload needs no walk). */
		if (c->n_digests && (err = watch_new(&w)))
			pr_warn("cannot watch the file systems for new files (%s): a copy of a banned file made from now on is not caught\n",
				strerror(-err));
		rc = find_content(c, &ct, k);
		if (rc)
			goto out;
		rc = load_compiled(&l, c, &o, &fresh);
		if (rc)
			goto out;
		loaded_self = 1;
		loader_in_force(&l, &ctx->load_id);
		print_summary(stderr, &l, c, fresh);
	}
	err = event_reader_new(&l, print_record, ctx, &r);
	if (err) {
		fprintf(stderr, "appban: cannot read the event ring buffer: %s\n", strerror(-err));
		rc = EXIT_KERNEL;
		goto out_unload;
	}
	if (event_reader_policy_loaded(r) == -EPIPE || fflush(stdout) == EOF)
		goto out_unload;
	loader_set_reader(&l, getpid());
	event_reader_set_content(r, ct);
	ctx->l = &l;
	ctx->c = &c;
	ctx->ct = ct;
	ctx->k = k;
	ctx->r = r;
	next_resolve = now_mono_ms() + 1000;
	while (!stop_requested) {
		struct pollfd pfd[3] = { { .fd = event_reader_fd(r), .events = POLLIN },
					 { .fd = w ? watch_fd(w) : -1, .events = POLLIN },
					 { .fd = w ? watch_mounts_fd(w) : -1, .events = POLLPRI } };

		/* Wait on all, then take what is there without waiting. */
		if (poll(pfd, 3, 200) < 0 && errno != EINTR)
			break;
		if (w && (pfd[1].revents & POLLIN))
			watch_read(w, on_watch, ctx);
		err = event_reader_poll(r, 0);
		/* Every line of the batch out before waiting again. */
		if (err == -EPIPE || fflush(stdout) == EOF)
			break;
		if (err == -ENOENT) {
			/* Unloaded by `appban unload`: nothing left to stream. */
			loaded_self = 0;
			break;
		}
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "appban: reading events failed: %s\n", strerror(-err));
			rc = EXIT_KERNEL;
			break;
		}
		/* A file system mounted since the watch began: marked now; what
		 * it held before is for the walk. */
		if (w && (pfd[2].revents & (POLLPRI | POLLERR)) && watch_refresh(w) > 0 && ct)
			rescan(ctx, src, text, text_len, &o, &ct,
			       "a file system was mounted: it is watched from now on");
		if (reload_requested) {
			reload_requested = 0;
			/* What was written before the signal is in the queue. */
			if (w)
				watch_read(w, on_watch, ctx);
			if (!src || text)
				pr_warn("SIGHUP: no policy file to read again (the built-in or the loaded policy is in force)\n");
			else
				ctx->reload = 1;
		}
		if (ctx->overflowed && ct) {
			char why[96];

			ctx->overflowed = 0;
			snprintf(why, sizeof(why), "the file system watch lost events (queue overflow %lu)",
				 ctx->overflows);
			rescan(ctx, src, text, text_len, &o, &ct, why);
		}
		if (ctx->reload) {
			ctx->reload = 0;
			reload(ctx, src, &o, &ct, &w);
			if (fflush(stdout) == EOF)
				break;
		}
		if (c && c->unresolved && now_mono_ms() >= next_resolve) {
			reresolve(ctx, src, text, text_len, &o, ct);
			next_resolve = now_mono_ms() + 1000;
		}
	}
out_unload:
	fflush(stdout);
	event_reader_free(r);
	loader_set_reader(&l, 0);
	loader_close(&l);
	if (loaded_self && !o.keep && loader_unload())
		rc = EXIT_KERNEL;
out:
	watch_free(w);
	kinode_free(k);
	content_free(ct);
	compiled_free(c);
	free(ctx);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{ "load", cmd_load },	  { "unload", cmd_unload }, { "status", cmd_status }, { "check", cmd_check },
		{ "run", cmd_run },
	};
	size_t i;

	while (argc > 1 && (!strcmp(argv[1], "--verbose") || !strcmp(argv[1], "-v"))) {
		log_set_level(log_get_level() < LVL_DEBUG ? log_get_level() + 1 : LVL_DEBUG);
		argv++;
		argc--;
	}
	log_hook_libbpf();
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	if (!strcmp(argv[1], "events") ||
	    !strcmp(argv[1], "compile") || !strcmp(argv[1], "keygen") ||
	    !strcmp(argv[1], "daemon")) {
		fprintf(stderr, "appban: \"%s\" is not available in this version yet\n", argv[1]);
		return EXIT_USAGE;
	}
	fprintf(stderr, "appban: unknown command \"%s\"\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
