// SPDX-License-Identifier: GPL-2.0
/* Text around the content scan (scan.h): digests as hex, the default roots
 * to scan, the progress bar and the summary line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "content/scan.h"

static const char *const issue_names[SCAN_I__COUNT] = {
	[SCAN_I_DIR_UNREADABLE] = "unreadable directories",
	[SCAN_I_UNREADABLE] = "unreadable files",
	[SCAN_I_VANISHED] = "vanished",
	[SCAN_I_CHANGED] = "changed while read",
	[SCAN_I_TOO_DEEP] = "too deep",
	[SCAN_I_ROOT_MISSING] = "missing roots",
	[SCAN_I_PSEUDO_FS] = "kernel file systems",
	[SCAN_I_SEEN_DIR] = "directories seen twice",
	[SCAN_I_SYMLINK] = "symbolic links",
	[SCAN_I_SPECIAL] = "devices, fifos, sockets",
};

const char *scan_issue_str(enum scan_issue_kind k)
{
	return (unsigned int)k < SCAN_I__COUNT ? issue_names[k] : "?";
}

/* ---- default roots ---- */

static const char *const fixed_roots[] = {
	"/opt",
	"/usr",
	"/home",
	"/tmp",
	"/var/tmp",
	"/dev/shm",
	"/var/lib/flatpak",
	"/var/lib/snapd/snap",
	"/snap",
};

/* p equal to or below dir. */
static int below(const char *p, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(p, dir, n) && (p[n] == '\0' || p[n] == '/' || (n == 1 && dir[0] == '/'));
}

int scan_default_roots(char ***out, int *n_out)
{
	const char *path = getenv("PATH");
	char *copy, *tok, *save, **l = NULL, **real = NULL;
	size_t nfixed = sizeof(fixed_roots) / sizeof(fixed_roots[0]), cap, n = 0, i, j, k;
	int err = -ENOMEM;

	copy = strdup(path && *path ?
			      path :
			      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	if (!copy)
		return -ENOMEM;
	cap = nfixed + 1;
	for (i = 0; copy[i]; i++)
		cap += copy[i] == ':';
	l = calloc(cap, sizeof(*l));
	real = calloc(cap, sizeof(*real));
	if (!l || !real)
		goto out;
	for (tok = strtok_r(copy, ":", &save); tok; tok = strtok_r(NULL, ":", &save))
		if (tok[0] == '/' && !(l[n++] = strdup(tok)))
			goto out;
	for (i = 0; i < nfixed; i++)
		if (!(l[n++] = strdup(fixed_roots[i])))
			goto out;
	/* Compare where they lead: /bin is usr/bin on a merged /usr. */
	for (i = 0; i < n; i++) {
		real[i] = realpath(l[i], NULL);
		if (!real[i] && !(real[i] = strdup(l[i])))
			goto out;
	}
	/* Keep a root unless another one holds it (the first of equal ones). */
	for (i = 0, k = 0; i < n; i++) {
		int drop = 0;

		for (j = 0; j < n && !drop; j++)
			if (j != i && below(real[i], real[j]) &&
			    (strcmp(real[i], real[j]) || j < i))
				drop = 1;
		if (drop)
			free(l[i]);
		else
			l[k++] = l[i];
	}
	*out = l;
	*n_out = (int)k;
	l = NULL;
	n = 0;
	err = 0;
out:
	for (i = 0; l && i < n; i++)
		free(l[i]);
	for (i = 0; real && i < cap; i++)
		free(real[i]);
	free(real);
	free(l);
	free(copy);
	return err;
}

void scan_roots_free(char **roots, int n)
{
	int i;

	for (i = 0; roots && i < n; i++)
		free(roots[i]);
	free(roots);
}

/* ---- presentation ---- */

void scan_printer_init(struct scan_printer *p, FILE *out)
{
	p->out = out ? out : stderr;
	p->tty = isatty(fileno(p->out));
	p->drawn = 0;
}

static double mb_per_s(__u64 bytes, __u64 ns)
{
	return ns ? (double)bytes / 1e6 / ((double)ns / 1e9) : 0.0;
}

void scan_format_summary(const struct scan_stats *st, char *buf, size_t size)
{
	size_t len;
	int i, first = 1;

	len = (size_t)snprintf(
		buf, size,
		"scan: %llu executables (%llu hashed, %llu from cache), %llu other files, %.1f MB hashed in %.2f s (%.0f MB/s)",
		(unsigned long long)(st->hashed + st->cached), (unsigned long long)st->hashed,
		(unsigned long long)st->cached, (unsigned long long)(st->not_exec + st->links),
		(double)st->bytes_hashed / 1e6, (double)st->nsec / 1e9,
		mb_per_s(st->bytes_hashed, st->nsec));
	for (i = 0; i < SCAN_I__COUNT && len < size; i++) {
		if (!st->issues[i])
			continue;
		len += (size_t)snprintf(buf + len, size - len, "%s %llu %s",
					first ? "; skipped:" : ",",
					(unsigned long long)st->issues[i], issue_names[i]);
		first = 0;
	}
}

void scan_print_progress(const struct scan_progress *pg, void *printer)
{
	struct scan_printer *p = printer;
	const struct scan_stats *st = &pg->st;
	char line[512], bar[21];
	struct winsize ws;
	unsigned int width = 80;
	__u64 done, total;
	int i, fill;

	if (pg->done) {
		if (p->drawn)
			fprintf(p->out, "\r\033[K");
		p->drawn = 0;
		scan_format_summary(st, line, sizeof(line));
		fprintf(p->out, "appban: %s\n", line);
		fflush(p->out);
		return;
	}
	if (!p->tty)
		return;
	if (!ioctl(fileno(p->out), TIOCGWINSZ, &ws) && ws.ws_col > 20)
		width = ws.ws_col;
	done = pg->bytes_live + st->bytes_cached;
	total = st->bytes_found > done ? st->bytes_found : done;
	fill = total ? (int)(done * 20 / total) : 0;
	for (i = 0; i < 20; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[20] = '\0';
	snprintf(line, sizeof(line), "scan [%s] %llu files, %.0f/%.0f%s MB, %.0f MB/s", bar,
		 (unsigned long long)(st->hashed + st->cached), (double)done / 1e6,
		 (double)total / 1e6, pg->walk_done ? "" : "+", mb_per_s(pg->bytes_live, st->nsec));
	if (strlen(line) >= width)
		line[width - 1] = '\0';
	fprintf(p->out, "\r%s\033[K", line);
	fflush(p->out);
	p->drawn = 1;
}
