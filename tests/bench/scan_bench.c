// SPDX-License-Identifier: GPL-2.0
/* Benchmark driver of the content scan (tests/bench/scan.sh): scans the
 * roots given, with or without a cache, and prints what it hashed. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content/hashcache.h"
#include "content/scan.h"

struct out {
	FILE *list;
};

static void print_entry(const struct scan_entry *e, void *ctx)
{
	struct out *o = ctx;
	char hex[65];

	sha256_to_hex(e->sha256, hex);
	fprintf(o->list, "%s  %s\n", hex, e->path);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: scan_bench [--threads N] [--xbit-only] [--cache FILE] [--list FILE] [--stats FILE] ROOT...\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "threads", required_argument, NULL, 't' },
		{ "xbit-only", no_argument, NULL, 'x' },
		{ "cache", required_argument, NULL, 'c' },
		{ "list", required_argument, NULL, 'l' },
		{ "stats", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct scan_opts o = { 0 };
	struct scan_result r;
	struct scan_printer pr;
	struct hashcache *cache = NULL;
	const char *cache_path = NULL, *stats_path = NULL;
	struct out out = { NULL };
	size_t i;
	int c, err;

	while ((c = getopt_long(argc, argv, "t:xc:l:s:", lo, NULL)) != -1) {
		switch (c) {
		case 't':
			o.threads = atoi(optarg);
			break;
		case 'x':
			o.rule = SCAN_XBIT_ONLY;
			break;
		case 'c':
			cache_path = optarg;
			break;
		case 'l':
			out.list = fopen(optarg, "w");
			if (!out.list) {
				perror(optarg);
				return 1;
			}
			break;
		case 's':
			stats_path = optarg;
			break;
		default:
			usage();
			return 2;
		}
	}
	if (cache_path && hashcache_load(cache_path, &cache))
		return 1;
	if (optind < argc) {
		o.roots = (const char *const *)&argv[optind];
		o.n_roots = argc - optind;
	}
	o.cache = cache;
	scan_printer_init(&pr, stderr);
	o.progress = scan_print_progress;
	o.progress_ctx = &pr;
	if (out.list) {
		o.on_entry = print_entry;
		o.entry_ctx = &out;
	}
	err = scan_run(&o, &r);
	for (i = 0; i < r.n_issues && i < 10; i++)
		fprintf(stderr, "scan_bench: %s: %s%s%s\n", r.issues[i].path,
			scan_issue_str(r.issues[i].kind), r.issues[i].err ? ": " : "",
			r.issues[i].err ? strerror(r.issues[i].err) : "");
	if (stats_path) {
		FILE *f = fopen(stats_path, "w");

		if (f) {
			fprintf(f,
				"files %llu\nhashed %llu\ncached %llu\nbytes_hashed %llu\nbytes_cached %llu\nnsec %llu\nissues %zu\n",
				(unsigned long long)r.st.files, (unsigned long long)r.st.hashed,
				(unsigned long long)r.st.cached,
				(unsigned long long)r.st.bytes_hashed,
				(unsigned long long)r.st.bytes_cached,
				(unsigned long long)r.st.nsec, r.n_issues);
			fclose(f);
		}
	}
	if (!err && cache)
		err = hashcache_save(cache);
	if (err)
		fprintf(stderr, "scan_bench: %s\n", strerror(-err));
	if (out.list)
		fclose(out.list);
	scan_result_free(&r);
	hashcache_free(cache);
	return err ? 1 : 0;
}
