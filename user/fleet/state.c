// SPDX-License-Identifier: GPL-2.0
/*
 * The state directory (state.h):
 *   DIR/serials/NAME.serial  "SERIAL SHA256-HEX\n": the high-water mark
 *   DIR/layers/NAME.policy   the last good file of a layer in force
 *   DIR/layers/NAME.policy.minisig   its signature, when it had one
 *   DIR/layers/NAME.origin   where it came from (a path or a URL)
 * NAME is a policy name ([A-Za-z0-9_.-]{1,63}); "." and ".." are valid
 * policy names, so every file name has a suffix.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleet/state.h"
#include "util/file.h"
#include "util/hex.h"

#define STATE_MARK_MAX 256
#define STATE_LAYER_MAX (64u << 20) /* as a policy from a source */

static int valid_name(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > 63)
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

static int mkdir_p(const char *dir)
{
	char buf[PATH_MAX];
	char *p;

	if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

int state_open(struct fleet_state *st, const char *dir)
{
	char sub[PATH_MAX + 16];
	int err;

	if (dir[0] != '/')
		return -EINVAL;
	/* room for the longest name below it */
	if (strlen(dir) + 96 >= sizeof(st->dir))
		return -ENAMETOOLONG;
	strcpy(st->dir, dir);
	err = mkdir_p(dir);
	if (err)
		return err;
	snprintf(sub, sizeof(sub), "%s/serials", dir);
	if (mkdir(sub, 0700) && errno != EEXIST)
		return -errno;
	snprintf(sub, sizeof(sub), "%s/layers", dir);
	if (mkdir(sub, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

static int path_of(const struct fleet_state *st, char *out, size_t size, const char *fmt,
		   const char *name)
{
	char rel[128];

	if (!valid_name(name))
		return -EINVAL;
	snprintf(rel, sizeof(rel), fmt, name);
	/* (state_open left room for it) */
	if (strlen(st->dir) + 1 + strlen(rel) >= size)
		return -ENAMETOOLONG;
	strcpy(out, st->dir);
	strcat(out, "/");
	strcat(out, rel);
	return 0;
}

int state_serial_get(const struct fleet_state *st, const char *name, uint64_t *serial,
		     uint8_t sha[32])
{
	char path[PATH_MAX], *buf = NULL, *end;
	size_t len;
	int err;

	err = path_of(st, path, sizeof(path), "serials/%s.serial", name);
	if (err)
		return err;
	err = file_read_all(path, STATE_MARK_MAX, &buf, &len);
	if (err)
		return err == -EFBIG ? -EBADMSG : err;
	err = -EBADMSG;
	if (len < 67 || buf[len - 1] != '\n' || buf[0] < '0' || buf[0] > '9')
		goto out;
	errno = 0;
	*serial = strtoull(buf, &end, 10);
	if (errno || *end != ' ' || (size_t)(end - buf) + 66 != len)
		goto out;
	if (sha256_from_hex(end + 1, 64, sha, NULL))
		goto out;
	err = 0;
out:
	free(buf);
	return err;
}

int state_serial_check(const struct fleet_state *st, const char *name, uint64_t serial,
		       const uint8_t sha[32])
{
	uint8_t mark_sha[32];
	uint64_t mark;
	int err;

	err = state_serial_get(st, name, &mark, mark_sha);
	if (err == -ENOENT)
		return SERIAL_NEWER;
	if (err)
		return err;
	if (serial > mark)
		return SERIAL_NEWER;
	if (serial < mark)
		return SERIAL_LOWER;
	return memcmp(sha, mark_sha, 32) ? SERIAL_OTHER_BYTES : SERIAL_SAME;
}

int state_serial_commit(const struct fleet_state *st, const char *name, uint64_t serial,
			const uint8_t sha[32])
{
	char path[PATH_MAX], line[96], hex[65];
	uint8_t mark_sha[32];
	uint64_t mark;
	int err, n;

	err = state_serial_get(st, name, &mark, mark_sha);
	if (!err && mark > serial)
		return 0;
	if (err && err != -ENOENT)
		return err;
	err = path_of(st, path, sizeof(path), "serials/%s.serial", name);
	if (err)
		return err;
	sha256_to_hex(sha, hex);
	n = snprintf(line, sizeof(line), "%" PRIu64 " %s\n", serial, hex);
	return file_write_atomic(path, line, (size_t)n, 0600, 1);
}

int state_layer_save(const struct fleet_state *st, const char *name, const char *buf, size_t len,
		     const char *sig, size_t sig_len, const char *origin)
{
	char path[PATH_MAX];
	int err;

	/* the signature first: a crash between the two leaves the old policy
	 * with a signature that does not verify it, which the start refuses
	 * and reports, never a new policy taken without its signature */
	err = path_of(st, path, sizeof(path), "layers/%s.policy.minisig", name);
	if (err)
		return err;
	if (sig)
		err = file_write_atomic(path, sig, sig_len, 0600, 1);
	else if (unlink(path) && errno != ENOENT)
		err = -errno;
	if (err)
		return err;
	err = path_of(st, path, sizeof(path), "layers/%s.origin", name);
	if (!err)
		err = file_write_atomic(path, origin, strlen(origin), 0600, 1);
	if (err)
		return err;
	err = path_of(st, path, sizeof(path), "layers/%s.policy", name);
	if (err)
		return err;
	return file_write_atomic(path, buf, len, 0600, 1);
}

int state_layer_drop(const struct fleet_state *st, const char *name)
{
	char path[PATH_MAX];
	int err;

	err = path_of(st, path, sizeof(path), "layers/%s.policy", name);
	if (err)
		return err;
	if (unlink(path) && errno != ENOENT)
		return -errno;
	path_of(st, path, sizeof(path), "layers/%s.policy.minisig", name);
	if (unlink(path) && errno != ENOENT)
		return -errno;
	path_of(st, path, sizeof(path), "layers/%s.origin", name);
	if (unlink(path) && errno != ENOENT)
		return -errno;
	return 0;
}

void state_layers_free(struct state_layer *l, size_t n)
{
	size_t i;

	for (i = 0; l && i < n; i++) {
		free(l[i].buf);
		free(l[i].sig);
	}
	free(l);
}

static int read_origin(const char *dir, const char *name, char *out, size_t size)
{
	char path[PATH_MAX + 96], *buf = NULL;
	size_t len;
	int err;

	snprintf(path, sizeof(path), "%s/%s.origin", dir, name);
	out[0] = '\0';
	err = file_read_all(path, size - 1, &buf, &len);
	if (err == -ENOENT)
		return 0;
	if (err)
		return err;
	memcpy(out, buf, len + 1);
	free(buf);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct state_layer *)a)->name, ((const struct state_layer *)b)->name);
}

int state_layers_load(const struct fleet_state *st, struct state_layer **out, size_t *n_out)
{
	struct state_layer *l = NULL, *nl;
	char dir[PATH_MAX + 16], path[PATH_MAX + 96], sig[PATH_MAX + 128];
	size_t n = 0, cap = 0, nlen;
	struct dirent *de;
	DIR *d;
	int err = 0;

	snprintf(dir, sizeof(dir), "%s/layers", st->dir);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? (*out = NULL, *n_out = 0, 0) : -errno;
	while ((de = readdir(d))) {
		nlen = strlen(de->d_name);
		if (nlen <= 7 || strcmp(de->d_name + nlen - 7, ".policy"))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 4;
			nl = realloc(l, cap * sizeof(*l));
			if (!nl) {
				err = -ENOMEM;
				break;
			}
			l = nl;
		}
		memset(&l[n], 0, sizeof(l[n]));
		if (nlen - 7 >= sizeof(l[n].name))
			continue;
		memcpy(l[n].name, de->d_name, nlen - 7);
		l[n].name[nlen - 7] = '\0';
		if (!valid_name(l[n].name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		snprintf(sig, sizeof(sig), "%s.minisig", path);
		err = file_read_all(path, STATE_LAYER_MAX, &l[n].buf, &l[n].len);
		if (err)
			break;
		err = file_read_all(sig, STATE_MARK_MAX * 16, &l[n].sig, &l[n].sig_len);
		n++;
		if (err == -ENOENT)
			err = 0;
		if (err)
			break;
		err = read_origin(dir, l[n - 1].name, l[n - 1].origin, sizeof(l[n - 1].origin));
		if (err)
			break;
	}
	closedir(d);
	if (err) {
		state_layers_free(l, n);
		return err;
	}
	if (n)
		qsort(l, n, sizeof(*l), by_name);
	*out = l;
	*n_out = n;
	return 0;
}
