// SPDX-License-Identifier: GPL-2.0
/* appban unload: make every program inert, remove the pins (logged); a
 * child detaches the programs after it returns (user/kernel/pins.c). */
#include <stdio.h>

#include "cmd/cmd.h"
#include "kernel/loader.h"

int cmd_unload(int argc, char **argv)
{
	if (argc != 1) {
		cmd_usage(stderr, argv[0]);
		return EXIT_USAGE;
	}
	return loader_unload() ? EXIT_KERNEL : EXIT_OK;
}
