// SPDX-License-Identifier: GPL-2.0
/* appban load POLICY: put POLICY in force (apply.h) and, when it has sha256
 * rules, wait for the walk that adds the files found; the summary line comes
 * when the policy is in force, the walk's line when it has ended. */
#include <signal.h>
#include <stdio.h>

#include "cmd/cmd.h"
#include "fleet/trust.h"

int cmd_load(int argc, char **argv)
{
	static const volatile int no_stop;
	struct compiled_policy *c = NULL;
	struct policy_source src = { 0 };
	struct load_opts o;
	struct applier a;
	struct trust t;
	int i, rc;

	i = parse_load_opts(argc, argv, &o, 0);
	if (i < 0 || argc - i != 1) {
		cmd_usage(stderr, argv[0]);
		return EXIT_USAGE;
	}
	src.path = argv[i];
	if (trust_open(&t, o.config, o.unsigned_ok))
		return EXIT_INVALID;
	applier_init(&a, &no_stop, stdout);
	a.trust = &t;
	/* load exits right after: the old generation is cleared by a child. */
	a.l.clear_in_background = 1;
	rc = apply_compile(&a, &src, &o.apply, &c, 0);
	if (!rc)
		rc = apply_policy(&a, c, &o.apply);
	if (!rc)
		rc = apply_scan_end(&a, &o.apply);
	applier_close(&a);
	trust_close(&t);
	return rc;
}
