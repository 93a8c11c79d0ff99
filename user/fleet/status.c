// SPDX-License-Identifier: GPL-2.0
/* The daemon's part of `appban status` (status.h, docs/control.md): the
 * layers, sources and sinks of a daemon_view, as JSON or text. */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "fleet/status.h"

/* A time for the status: RFC 3339 UTC to the second, or "never"/null. */
static void status_time(struct jbuf *b, const char *key, time_t t, int json)
{
	char ts[32];
	struct tm tm;

	if (!t) {
		if (json)
			jb_printf(b, ",\"%s\":null", key);
		else
			jb_printf(b, "%s never", key);
		return;
	}
	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (json)
		jb_printf(b, ",\"%s\":\"%s\"", key, ts);
	else
		jb_printf(b, "%s %s", key, ts);
}

/* Each source of the configuration: the policy directory first, then every
 * `source URL` with what source_get_status knows. */
static void sources(const struct daemon_view *v, struct jbuf *b, int json)
{
	time_t looked = v->dir_looked;
	struct source_status st;
	size_t i;

	if (json) {
		jb_raw(b, "[{\"kind\":\"policy-dir\"");
		jb_kstr(b, "path", v->policy_dir, 4096);
		jb_printf(b, ",\"files\":%zu", v->n_files);
		status_time(b, "last_check", looked, 1);
		jb_raw(b, "}");
	} else {
		jb_printf(b, "source:      %s (policy directory, inotify): %zu file%s, ",
			  v->policy_dir, v->n_files, v->n_files == 1 ? "" : "s");
		status_time(b, "last look", looked, 0);
		jb_raw(b, "\n");
	}
	for (i = 0; i < v->n_src; i++) {
		source_get_status(v->src[i], &st);
		if (!json) {
			jb_printf(b, "source:      %s: ", st.url);
			status_time(b, "last check", st.last_check, 0);
			status_time(b, ", last change", st.last_change, 0);
			if (st.last_error && st.last_error[0]) {
				jb_printf(b, ", last error (%s) ", source_err_str(st.last_err));
				jb_str(b, st.last_error, SOURCE_ERROR_SIZE);
				status_time(b, " at", st.last_error_time, 0);
			} else {
				jb_raw(b, ", no error");
			}
			if (st.busy)
				jb_raw(b, ", checking now");
			else
				status_time(b, ", next check", st.next_check, 0);
			if (st.failures)
				jb_printf(b, " (%u failure%s in a row)", st.failures,
					  st.failures == 1 ? "" : "s");
			jb_raw(b, "\n");
			continue;
		}
		jb_raw(b, ",{\"kind\":\"url\"");
		jb_kstr(b, "url", st.url, 4096);
		status_time(b, "last_check", st.last_check, 1);
		status_time(b, "last_change", st.last_change, 1);
		if (st.last_error && st.last_error[0]) {
			jb_kstr(b, "last_error", st.last_error, SOURCE_ERROR_SIZE);
			jb_printf(b, ",\"last_error_kind\":\"%s\"", source_err_str(st.last_err));
		} else {
			jb_raw(b, ",\"last_error\":null,\"last_error_kind\":null");
		}
		status_time(b, "last_error_time", st.last_error_time, 1);
		status_time(b, "next_check", st.next_check, 1);
		jb_printf(b, ",\"failures\":%u,\"checking\":%s,\"failing\":%s,\"gone\":%s}",
			  st.failures, st.busy ? "true" : "false",
			  v->src_failing[i] ? "true" : "false", v->src_gone[i] ? "true" : "false");
	}
	if (json)
		jb_raw(b, "]");
}

static void sinks(const struct daemon_view *v, struct jbuf *b, int json)
{
	const struct sink_status *sk = v->sinks;
	size_t i, n = v->n_sinks;

	if (!json && !n)
		jb_raw(b, "sinks:       none configured (events go to standard output)\n");
	if (json)
		jb_raw(b, "[");
	for (i = 0; i < n; i++) {
		if (json) {
			jb_printf(b, "%s{\"type\":\"%s\",\"target\":", i ? "," : "", sk[i].type);
			if (sk[i].target)
				jb_str(b, sk[i].target, 4096);
			else
				jb_raw(b, "null");
			jb_printf(b,
				  ",\"written\":%" PRIu64 ",\"lost\":%" PRIu64
				  ",\"queued\":%" PRIu64 ",\"failing\":%s,\"last_error\":",
				  sk[i].written, sk[i].lost, sk[i].queued,
				  sk[i].failing ? "true" : "false");
			if (sk[i].last_error)
				jb_str(b, sk[i].last_error, 1024);
			else
				jb_raw(b, "null");
			jb_raw(b, "}");
			continue;
		}
		jb_printf(b, "sink:        %s%s%s: written %" PRIu64 ", lost %" PRIu64, sk[i].type,
			  sk[i].target ? " " : "", sk[i].target ? sk[i].target : "", sk[i].written,
			  sk[i].lost);
		if (sk[i].queued)
			jb_printf(b, ", queued %" PRIu64, sk[i].queued);
		if (sk[i].failing)
			jb_raw(b, ", failing (retrying)");
		if (sk[i].last_error) {
			jb_raw(b, ", last error ");
			jb_str(b, sk[i].last_error, 1024);
		}
		jb_raw(b, "\n");
	}
	if (json)
		jb_raw(b, "]");
}

void daemon_status_write(const struct daemon_view *v, struct jbuf *b, int json)
{
	time_t started = v->started;
	size_t i;

	if (!json) {
		jb_printf(b, "daemon:      pid %d, config %s, ", (int)getpid(), v->config_path);
		status_time(b, "running since", started, 0);
		jb_printf(b, "%s\nlayers:     ", v->stale ? ", policy stale" : "");
		for (i = 0; i < v->n_layers; i++)
			jb_printf(b, "%s %s serial %" PRIu64 " (%s)", i ? "," : "",
				  v->layers[i].name, v->layers[i].serial,
				  v->layers[i].is_base ? "base" : "exceptions");
		jb_raw(b, v->n_layers ? "\n" : " none yet\n");
		sources(v, b, 0);
		sinks(v, b, 0);
		return;
	}
	jb_kstr(b, "config", v->config_path, 4096);
	status_time(b, "started", started, 1);
	jb_printf(b, ",\"stale\":%s,\"layers\":[", v->stale ? "true" : "false");
	for (i = 0; i < v->n_layers; i++) {
		const struct layer *l = &v->layers[i];

		jb_raw(b, i ? ",{\"name\":" : "{\"name\":");
		jb_str(b, l->name, sizeof(l->name));
		jb_printf(b, ",\"kind\":\"%s\",\"serial\":%" PRIu64,
			  l->is_base ? "base" : "exceptions", l->serial);
		jb_kstr(b, "origin", l->origin, sizeof(l->origin));
		jb_raw(b, "}");
	}
	jb_raw(b, "],\"sources\":");
	sources(v, b, 1);
	jb_raw(b, ",\"sinks\":");
	sinks(v, b, 1);
}
