/* SPDX-License-Identifier: GPL-2.0 */
/* The daemon's part of `appban status` (docs/control.md): what it composed,
 * its sources and its sinks, as JSON members or text lines, from a view
 * that the daemon fills (this file knows nothing of the daemon itself). */
#ifndef __APPBAN_FLEET_STATUS_H
#define __APPBAN_FLEET_STATUS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "events/format.h"
#include "fleet/layers.h"
#include "fleet/source.h"

/* One sink, as the status shows it. */
struct sink_status {
	const char *type; /* "file", "syslog", "journald", "audit" */
	const char *target; /* the path or address; NULL for none */
	uint64_t written, lost, queued;
	int failing; /* its last write failed (it retries) */
	const char *last_error; /* NULL: none */
};

struct daemon_view {
	const char *config_path;
	time_t started; /* wall clock */
	int stale;
	const struct layer *layers; /* in force, the base first */
	size_t n_layers;
	const char *policy_dir;
	size_t n_files; /* in the policy directory at the last look */
	time_t dir_looked; /* when (0: never) */
	struct source *const *src;
	size_t n_src;
	const int *src_failing, *src_gone; /* per source */
	const struct sink_status *sinks;
	size_t n_sinks;
};

/* JSON: the members after "pid" (",\"config\":...,\"sinks\":[...]");
 * text: the lines after status's own. */
void daemon_status_write(const struct daemon_view *v, struct jbuf *b, int json);

#endif /* __APPBAN_FLEET_STATUS_H */
