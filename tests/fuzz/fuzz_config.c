// SPDX-License-Identifier: GPL-2.0
/* libFuzzer harness of the daemon's configuration parser: any bytes in, a
 * configuration or errors out, never a crash, a leak or undefined behaviour
 * (ASan + UBSan); an error always has a message and refuses the file. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fleet/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fleet_config *c = NULL;
	struct diag d;
	int err;

	diag_init(&d, NULL, "fuzz.conf");
	err = fleet_config_parse_buf((const char *)data, size, &c, &d);
	if (err && !d.errors && err != -ENOMEM)
		abort(); /* refused without saying why */
	if (d.errors && !d.last[0])
		abort();
	if (!err && (!c || d.errors))
		abort(); /* errors must refuse the configuration */
	fleet_config_free(c);
	return 0;
}
