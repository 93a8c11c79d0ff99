// SPDX-License-Identifier: GPL-2.0
/* appban status [--json]: the engine and why, the policy in force, its
 * counters, and which protections this kernel gives and how; with a daemon
 * running, what it says of itself: sources, sinks, followers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "events/format.h"
#include "fleet/control_client.h"
#include "kernel/features.h"
#include "kernel/live.h"
#include "kernel/loader.h"
#include "kernel/protect.h"
#include "policy/allow.h"
#include "policy/parse_arg.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/names.h"

/* The policy's `expires` day ("" for none), and whether it is past: a
 * stale policy is still the one in force (fleet.md, freeze attacks). */
static int policy_stale(const struct appban_meta *meta, char *day, size_t len)
{
	day[0] = 0;
	if (!meta->expires)
		return 0;
	arg_day_str(meta->expires, day, len);
	return allow_now_wall_ns() / (int64_t)NSEC_PER_SEC >= meta->expires;
}

/* The daemon's part: its own lines, or why there are none. */
/* How the fallback engine watches system calls (docs/kernels.md). */
static const char *syscall_programs(const struct appban_state *st)
{
	if (st->features & APPBAN_FEAT_RAW_SYSCALLS)
		return "raw";
	if (st->features & APPBAN_FEAT_NO_SYSCALL_TP)
		return "none";
	return "tracepoints";
}

static void print_daemon_text(const char *text, int err)
{
	if (text)
		fputs(text, stdout), fputs("\n", stdout);
	else if (err == -ENOENT || err == -ECONNREFUSED)
		printf("daemon:      not running (nothing answers on %s)\n", control_socket_path());
	else
		printf("daemon:      cannot ask it on %s: %s\n", control_socket_path(),
		       strerror(-err));
}

int cmd_status(int argc, char **argv)
{
	int json = argc == 2 && !strcmp(argv[1], "--json");
	struct protection prot[PROTECT_MAX];
	struct loader_status st;
	char reason[256], day[32], missing[768], lacks[768];
	struct loader l;
	int i, err, n_prot, stale, derr, n_missing, n_lacks;
	char *daemon = NULL;

	if (argc > 2 || (argc == 2 && !json)) {
		cmd_usage(stderr, argv[0]);
		return EXIT_USAGE;
	}
	/* the daemon first: it may run with nothing loaded yet */
	derr = control_status(json, &daemon);
	loader_init(&l);
	err = loader_adopt_ro(&l);
	if (err == -ENOENT) {
		/* Why none may be loaded on this kernel at all. */
		n_missing = kernel_missing(missing, sizeof(missing));
		n_lacks = kernel_lacks(lacks, sizeof(lacks));
		if (json) {
			printf("{\"loaded\":false,\"daemon\":%s", daemon ? daemon : "null");
			if (n_missing > 0)
				printf(",\"kernel_missing\":\"%s\",\"min_kernel\":\"%s\"", missing,
				       APPBAN_MIN_KERNEL);
			else if (n_lacks > 0)
				printf(",\"kernel_lacks\":\"%s\",\"programs\":\"compat\"", lacks);
			puts("}");
		} else {
			puts("appban: no policy loaded");
			if (n_missing > 0)
				printf("kernel:      lacks what appban needs: %s; no engine can load (appban needs Linux %s or later)\n",
				       missing, APPBAN_MIN_KERNEL);
			else if (n_lacks > 0)
				printf("kernel:      lacks %s: a load would use the compat programs, some protections weaker\n",
				       lacks);
			print_daemon_text(daemon, derr);
		}
		free(daemon);
		return EXIT_NOT_LOADED;
	}
	if (!err)
		err = loader_status(&l, &st);
	if (err) {
		pr_err("cannot read the pinned state: %s\n", strerror(-err));
		loader_close(&l);
		free(daemon);
		return EXIT_KERNEL;
	}
	engine_reason_str(&st.state, reason, sizeof(reason));
	stale = policy_stale(&st.meta, day, sizeof(day));
	n_lacks = kernel_lacks(lacks, sizeof(lacks));
	if (n_lacks <= 0)
		lacks[0] = 0;
	n_prot = protections(&st.state, &st.meta, prot);
	live_protection(&st.state, &st.meta, &prot[n_prot++]);
	if (json) {
		char buf[8192];
		struct jbuf b = { .p = buf, .cap = sizeof(buf) };

		jb_printf(&b, "{\"loaded\":true,\"engine\":\"%s\"", engine_str(st.state.engine));
		jb_kstr(&b, "engine_reason", reason, sizeof(reason));
		jb_raw(&b, ",\"policy\":{\"name\":");
		jb_str(&b, st.meta.name, sizeof(st.meta.name));
		jb_printf(&b, ",\"serial\":%llu,\"expires\":", (unsigned long long)st.meta.serial);
		if (day[0])
			jb_str(&b, day, sizeof(day));
		else
			jb_raw(&b, "null");
		jb_printf(
			&b,
			",\"stale\":%s,\"unsigned\":%s},\"mode\":\"%s\",\"apps\":%u,\"exceptions\":%u",
			stale ? "true" : "false",
			st.meta.flags & APPBAN_META_UNSIGNED ? "true" : "false",
			st.meta.mode == APPBAN_MODE_MONITOR ? "monitor" : "enforce", st.meta.n_apps,
			st.meta.n_allows);
		jb_raw(&b, ",\"identifiers\":{");
		for (i = 1; i <= 6; i++)
			jb_printf(&b, "%s\"%s\":%u", i > 1 ? "," : "", match_str(i),
				  st.meta.n_idents[i]);
		jb_printf(
			&b,
			"},\"counters\":{\"exec_blocked\":%llu,\"network_blocked\":%llu,\"audits\":%llu,\"events_lost\":%llu,\"tamper\":%llu,\"kernel_hashed\":%llu,\"kernel_hash_failed\":%llu}",
			(unsigned long long)st.counters[APPBAN_CNT_EXEC_BLOCKED],
			(unsigned long long)st.counters[APPBAN_CNT_NET_BLOCKED],
			(unsigned long long)st.counters[APPBAN_CNT_AUDITS],
			(unsigned long long)st.counters[APPBAN_CNT_EVENTS_LOST],
			(unsigned long long)st.counters[APPBAN_CNT_TAMPER],
			(unsigned long long)st.counters[APPBAN_CNT_KHASH],
			(unsigned long long)st.counters[APPBAN_CNT_KHASH_FAIL]);
		jb_printf(&b, ",\"inode_rules\":%lld", st.inode_rules);
		jb_printf(&b, ",\"content_hashing\":\"%s\"",
			  st.state.khash == APPBAN_KHASH_IMA ? "kernel" : "user");
		jb_printf(&b, ",\"programs\":\"%s\"",
			  st.state.features & APPBAN_FEAT_COMPAT ? "compat" : "full");
		if (st.state.engine == APPBAN_ENGINE_FALLBACK)
			jb_printf(&b, ",\"syscall_programs\":\"%s\"", syscall_programs(&st.state));
		if (lacks[0])
			jb_kstr(&b, "kernel_lacks", lacks, sizeof(lacks));
		jb_raw(&b, ",\"protections\":{");
		for (i = 0; i < n_prot; i++) {
			jb_printf(&b, "%s\"%s\":{\"state\":\"%s\"", i ? "," : "", prot[i].name,
				  prot[i].state);
			jb_kstr(&b, "how", prot[i].how, 512);
			jb_raw(&b, "}");
		}
		jb_raw(&b, "}");
		printf("%s,\"daemon\":%s}\n", buf, daemon ? daemon : "null");
	} else {
		printf("engine:      %s (%s)\n", engine_str(st.state.engine), reason);
		if (st.state.features & APPBAN_FEAT_COMPAT)
			printf("kernel:      %s%s: compat programs in force, the protections below say what is weaker (all hold from Linux %s)\n",
			       lacks[0] ? "lacks " : "compat programs chosen for a test", lacks,
			       APPBAN_FULL_KERNEL);
		if (st.state.engine == APPBAN_ENGINE_FALLBACK &&
		    (st.state.features & APPBAN_FEAT_RAW_SYSCALLS))
			printf("syscalls:    watched by one raw sys_enter and one raw sys_exit program, run at every system call (no BPF link for a perf event before Linux 5.15: no tracepoint per call)\n");
		printf("policy:      %s, serial %llu, %s mode%s\n", st.meta.name,
		       (unsigned long long)st.meta.serial,
		       st.meta.mode == APPBAN_MODE_MONITOR ? "monitor" : "enforce",
		       st.meta.flags & APPBAN_META_UNSIGNED ?
			       " (UNSIGNED: put in force with --unsigned; trusted keys are configured)" :
			       "");
		if (!day[0])
			printf("expires:     never\n");
		else if (stale)
			printf("expires:     %s (stale: past that day; the policy stays in force)\n",
			       day);
		else
			printf("expires:     %s\n", day);
		printf("apps:        %u\nexceptions:  %u (allow blocks)\nidentifiers:",
		       st.meta.n_apps, st.meta.n_allows);
		for (i = 1; i <= 6; i++)
			printf(" %s %u%s", match_str(i), st.meta.n_idents[i], i < 6 ? "," : "\n");
		printf("counters:    exec blocked %llu, network blocked %llu, audits %llu, events lost %llu, tamper %llu\n",
		       (unsigned long long)st.counters[APPBAN_CNT_EXEC_BLOCKED],
		       (unsigned long long)st.counters[APPBAN_CNT_NET_BLOCKED],
		       (unsigned long long)st.counters[APPBAN_CNT_AUDITS],
		       (unsigned long long)st.counters[APPBAN_CNT_EVENTS_LOST],
		       (unsigned long long)st.counters[APPBAN_CNT_TAMPER]);
		if (st.inode_rules >= 0)
			printf("inode rules: %lld (files and directories of the policy, files found with a banned content)\n",
			       st.inode_rules);
		printf("hashing:     %s",
		       st.state.khash == APPBAN_KHASH_IMA ?
			       "in the kernel at exec (IMA) and in user space" :
			       "in user space (scan at load, appban run's watch)");
		if (st.state.khash == APPBAN_KHASH_IMA)
			printf(": %llu files hashed in the kernel, %llu failures",
			       (unsigned long long)st.counters[APPBAN_CNT_KHASH],
			       (unsigned long long)st.counters[APPBAN_CNT_KHASH_FAIL]);
		printf("\n");
		printf("protections:\n");
		for (i = 0; i < n_prot; i++)
			printf("  %-21s %-9s %s\n", prot[i].name, prot[i].state, prot[i].how);
		print_daemon_text(daemon, derr);
	}
	free(daemon);
	loader_close(&l);
	return EXIT_OK;
}
