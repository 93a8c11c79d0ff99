// SPDX-License-Identifier: GPL-2.0
/* Arguments of policy statements: what each one may be, and the message that
 * says so when it is not. Used by parse.c, one argument at a time. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "policy/parse_arg.h"

#define PATH_LEN_MAX 4095 /* PATH_MAX with its NUL */
#define BASE_NAME_MAX 255 /* NAME_MAX */
#define APP_ID_MAX 255 /* Flatpak's limit */

#define ESC(buf, s) lex_escape(buf, sizeof(buf), s)

static int is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

int arg_name(struct diag *d, const struct token *t)
{
	char q[LEX_ESC_SIZE];
	size_t i;

	for (i = 0; i < t->len && is_name_char(t->text[i]); i++)
		;
	if (i < t->len || !t->len) {
		diag_error(
			d, t->loc,
			"invalid name \"%s\" (a name is 1 to %d letters, digits, \"_\", \".\" or \"-\")",
			ESC(q, t->text), POLICY_NAME_MAX);
		return -EINVAL;
	}
	if (t->len > POLICY_NAME_MAX) {
		diag_error(d, t->loc, "name longer than %d characters: \"%s\"", POLICY_NAME_MAX,
			   ESC(q, t->text));
		return -EINVAL;
	}
	return 0;
}

int arg_u64(const char *s, uint64_t max, uint64_t *v)
{
	uint64_t n = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || n > (max - (uint64_t)(*s - '0')) / 10)
			return -EINVAL;
		n = n * 10 + (uint64_t)(*s - '0');
	}
	*v = n;
	return 0;
}

/* Days since 1970-01-01 of a date of the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned int m, unsigned int d)
{
	int64_t era, yoe, doy;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

int arg_until(struct diag *d, const struct token *t, int64_t *until)
{
	static const char *const months[] = {
		"January", "February", "March",	    "April",   "May",	   "June",
		"July",	   "August",   "September", "October", "November", "December",
	};
	static const unsigned char mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	const char *s = t->text;
	unsigned int y = 0, m, day, i, len;
	char q[LEX_ESC_SIZE];

	/* The text ends with a NUL, which stops the loop on a short one. */
	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : s[i] < '0' || s[i] > '9')
			break;
	if (i < 10 || t->len != 10) {
		diag_error(d, t->loc, "invalid date \"%s\" (expected YYYY-MM-DD, e.g. 2026-12-31)",
			   ESC(q, s));
		return -EINVAL;
	}
	for (i = 0; i < 4; i++)
		y = y * 10 + (unsigned int)(s[i] - '0');
	m = (unsigned int)(s[5] - '0') * 10 + (unsigned int)(s[6] - '0');
	day = (unsigned int)(s[8] - '0') * 10 + (unsigned int)(s[9] - '0');
	if (y < 1970) {
		diag_error(d, t->loc, "invalid date \"%s\" (year before 1970)", s);
		return -EINVAL;
	}
	if (m < 1 || m > 12) {
		diag_error(d, t->loc, "invalid date \"%s\" (month must be 01 to 12)", s);
		return -EINVAL;
	}
	len = mdays[m - 1] + (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
	if (day < 1 || day > len) {
		diag_error(d, t->loc, "invalid date \"%s\" (%s %u has %u days)", s, months[m - 1],
			   y, len);
		return -EINVAL;
	}
	*until = (days_from_civil(y, m, day) + 1) * 86400;
	return 0;
}

void arg_day_str(int64_t end, char *buf, size_t len)
{
	time_t last_day = (time_t)(end - 86400);
	struct tm tm;

	if (!gmtime_r(&last_day, &tm) || !strftime(buf, len, "%Y-%m-%d", &tm))
		snprintf(buf, len, "?");
}

static int is_app_id(const char *s, size_t len)
{
	size_t i, dots = 0;

	/* Reverse DNS: at least three non-empty elements of [A-Za-z0-9_-]. */
	if (!len || len > APP_ID_MAX || s[0] == '.' || s[len - 1] == '.')
		return 0;
	for (i = 0; i < len; i++) {
		if (!is_name_char(s[i]) || (s[i] == '.' && s[i + 1] == '.'))
			return 0;
		dots += s[i] == '.';
	}
	return dots >= 2;
}

/* A hex digit in lower case; 0 for any other byte. */
static const unsigned char hex_lower[256] = {
	['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3', ['4'] = '4', ['5'] = '5',
	['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9', ['a'] = 'a', ['b'] = 'b',
	['c'] = 'c', ['d'] = 'd', ['e'] = 'e', ['f'] = 'f', ['A'] = 'a', ['B'] = 'b',
	['C'] = 'c', ['D'] = 'd', ['E'] = 'e', ['F'] = 'f',
};

int arg_ident(struct diag *d, enum ident_kind kind, const struct token *t, char *val)
{
	char q[LEX_ESC_SIZE];
	size_t i, len = t->len; /* (val may alias t: read once) */

	switch (kind) {
	case IDENT_PATH:
	case IDENT_DIR:
		if (val[0] != '/') {
			diag_error(d, t->loc, "%s must be absolute: \"%s\"", ident_kind_str(kind),
				   ESC(q, val));
			return -EINVAL;
		}
		if (t->len > PATH_LEN_MAX) {
			diag_error(d, t->loc, "%s longer than %d bytes", ident_kind_str(kind),
				   PATH_LEN_MAX);
			return -EINVAL;
		}
		return 0;
	case IDENT_SHA256:
		/* Lower case, by a table: the digits are random, and tests
		 * of ranges mispredicted (10,000 digests in a large policy). */
		for (i = 0; len == 64 && i < 64; i++) {
			unsigned char c = hex_lower[(unsigned char)val[i]];

			if (!c)
				break;
			val[i] = (char)c;
		}
		if (i != 64 || len != 64) {
			diag_error(d, t->loc,
				   "bad SHA-256 digest: expected 64 hexadecimal digits, not \"%s\"",
				   ESC(q, t->text));
			return -EINVAL;
		}
		return 0;
	case IDENT_NAME:
		if (!t->len || t->len > BASE_NAME_MAX || strchr(val, '/') || !strcmp(val, ".") ||
		    !strcmp(val, "..")) {
			diag_error(
				d, t->loc,
				"invalid executable name \"%s\" (expected a base name: 1 to %d bytes, no \"/\")",
				ESC(q, val), BASE_NAME_MAX);
			return -EINVAL;
		}
		return 0;
	case IDENT_FLATPAK:
		if (!is_app_id(val, t->len)) {
			diag_error(
				d, t->loc,
				"invalid Flatpak application ID \"%s\" (expected a reverse-DNS ID such as org.example.App)",
				ESC(q, val));
			return -EINVAL;
		}
		return 0;
	case IDENT_SNAP:
		return arg_name(d, t);
	}
	return -EINVAL;
}

void arg_copy_name(char *dst, const char *s)
{
	size_t n = strlen(s);

	if (n > POLICY_NAME_MAX) {
		n = POLICY_NAME_MAX;
		while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
}

void arg_default_name(char *dst, const char *filename)
{
	const char *base = filename ? strrchr(filename, '/') : NULL;
	size_t len, i, o = 0;

	base = base ? base + 1 : filename ? filename : "";
	len = strlen(base);
	if (len > 7 && !strcmp(base + len - 7, ".policy"))
		len -= 7;
	for (i = 0; i < len && o < POLICY_NAME_MAX; i++) {
		if (((unsigned char)base[i] & 0xc0) == 0x80)
			continue; /* one "_" for a multibyte character */
		dst[o++] = is_name_char(base[i]) ? base[i] : '_';
	}
	dst[o] = '\0';
	if (!o)
		strcpy(dst, "policy");
}
