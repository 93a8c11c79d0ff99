/* SPDX-License-Identifier: GPL-2.0 */
/* The daemon's policy directory (`policy-dir`, docs/fleet.md): watched with
 * inotify; its policy files and their signatures, read whole. */
#ifndef __APPBAN_DROPDIR_H
#define __APPBAN_DROPDIR_H

#include <stddef.h>
#include <stdint.h>

#define DROP_FILE_MAX (64u << 20) /* a policy file, also once gunzipped */
#define DROP_SIG_MAX 4096 /* a .minisig is some 300 bytes */

struct drop_file {
	char path[4096]; /* DIR/NAME.policy or DIR/NAME.policy.gz */
	char *raw; /* the file's bytes, as signed */
	size_t raw_len;
	char *text; /* the policy text: raw, or raw gunzipped */
	size_t text_len;
	char *sig; /* PATH.minisig, or NULL when there is none */
	size_t sig_len;
	int err; /* not read: -errno (-EFBIG: over DROP_FILE_MAX; -EBADMSG: bad gzip) */
	uint64_t mtime_ns; /* the later of the file's and its signature's */
};

struct dropdir;

/* Watch dir (made, mode 0755, when missing). 0 or -errno. */
int dropdir_open(const char *dir, struct dropdir **out);
void dropdir_free(struct dropdir *d);
/* Readable when something in the directory changed. */
int dropdir_fd(const struct dropdir *d);
/* Take the pending notifications: 1 when a file that counts changed (a
 * policy or a signature, not a temporary name), 0 when none did, -errno. */
int dropdir_read(struct dropdir *d);
/* 1 for a name the directory ignores: starting with ".", ending in "~",
 * ".tmp", ".part" or ".swp" (write elsewhere, then mv in). */
int dropdir_ignored(const char *name);

/* The policy files in the directory now (NAME.policy, NAME.policy.gz),
 * sorted by path, each with its signature when there is one. */
int dropdir_list(struct dropdir *d, struct drop_file **out, size_t *n);
void drop_files_free(struct drop_file *f, size_t n);

/* gzip data -> text, at most max bytes out (-EFBIG past it, -EBADMSG for
 * data that is not gzip). */
int gunzip_buf(const char *in, size_t in_len, size_t max, char **out, size_t *out_len);

#endif /* __APPBAN_DROPDIR_H */
