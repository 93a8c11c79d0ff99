// SPDX-License-Identifier: GPL-2.0
/* libFuzzer harness of the control socket's lines (fleet/control_proto.c):
 * a request as the daemon reads it (up to its first '\n', at most 255
 * bytes), and the daemon's first and last lines as `appban events` and
 * `appban status` read them. Never a crash or undefined behaviour; a
 * refused request always says why; an accepted one encodes back to itself. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleet/control_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[CONTROL_REQUEST_MAX], enc[CONTROL_REQUEST_MAX];
	struct control_request req;
	enum control_end end;
	const char *why;
	uint64_t lost;
	size_t n = size < sizeof(line) - 1 ? size : sizeof(line) - 1;
	char *nl;
	int len;

	memcpy(line, data, n);
	line[n] = 0;
	nl = memchr(line, '\n', n);
	if (nl)
		*nl = 0;
	if (control_parse_request(line, &req, &why)) {
		if (!why || !why[0])
			abort();
	} else {
		len = control_encode_request(&req, enc, sizeof(enc));
		if (len <= 0 || enc[len - 1] != '\n')
			abort();
		enc[len - 1] = 0;
		if (strcmp(enc, line))
			abort(); /* two spellings of one request */
	}
	if (!control_parse_first(line, &why) && why)
		abort();
	if (!control_parse_end(line, &end, &lost)) {
		len = control_encode_end(end, lost, enc, sizeof(enc));
		if (len <= 0)
			abort();
		enc[len - 1] = 0;
		if (strcmp(enc, line))
			abort();
	}
	return 0;
}
