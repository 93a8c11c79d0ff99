// SPDX-License-Identifier: GPL-2.0
/* appban check [--json] FILE...: which app and identifier of the loaded
 * policy match each file, and what would happen; nothing is executed.
 * 0 none matched, 5 one did, 1 a file could not be examined, 4 nothing loaded. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "events/format.h"
#include "kernel/check.h"
#include "kernel/kinode.h"
#include "kernel/loader.h"
#include "util/log.h"
#include "util/names.h"

int cmd_check(int argc, char **argv)
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
		cmd_usage(stderr, argv[0]);
		return EXIT_USAGE;
	}
	loader_init(&l);
	err = loader_adopt_ro(&l);
	if (err == -ENOENT) {
		pr_err("no policy loaded\n");
		return EXIT_NOT_LOADED;
	}
	if (err || (err = loader_status(&l, &st))) {
		pr_err("cannot read the pinned state: %s\n", strerror(-err));
		loader_close(&l);
		return EXIT_KERNEL;
	}
	l.state = st.state;
	k = kinode_new();
	for (; i < argc; i++) {
		char buf[16384], exc[4096];
		struct jbuf b = { .p = buf, .cap = sizeof(buf) };

		err = check_file(&l, k, argv[i], &res);
		if (err) {
			bad = 1;
			pr_err("%s: %s\n", argv[i], strerror(-err));
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
					  match_str(res.match), action_str(res.app_info.action));
				jb_kstr(&b, "outcome",
					check_outcome(&st.state, &st.meta, res.app_info.action),
					256);
				check_exceptions(&l, l.state.active_gen, res.app, exc, sizeof(exc));
				jb_raw(&b, ",\"exceptions\":[");
				/* names are [A-Za-z0-9_.-], LAYER/NAME for a layer's:
				 * ", " only separates them */
				for (char *s = strtok(exc, ", "), *sep = ""; s;
				     s = strtok(NULL, ", "), sep = ",") {
					jb_raw(&b, sep);
					jb_str(&b, s, APPBAN_ALLOW_NAME_LEN);
				}
				jb_raw(&b, "]");
			}
			jb_raw(&b, "}");
			puts(buf);
		} else if (res.matched) {
			int n_exc =
				check_exceptions(&l, l.state.active_gen, res.app, exc, sizeof(exc));

			printf("%s: app %s (%s), %s: %s%s%s%s%s%s%s\n", argv[i], res.app_info.name,
			       match_str(res.match), action_str(res.app_info.action),
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
