// SPDX-License-Identifier: GPL-2.0
/* The reader at the end of `appban run --json` in `make bench`: counts the
 * lines on stdin, checks that each is one JSON object ({...}), and writes
 * the first line to FIRST as soon as it arrives (the policy-loaded event:
 * the writer is ready). At end of input prints "LINES BAD".
 *   jsonlines FIRST */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static char buf[1 << 16];
	unsigned long long lines = 0, bad = 0;
	char first = 0, last = '\n', prev = 0;
	FILE *f = NULL;
	ssize_t n, i;

	if (argc != 2) {
		fprintf(stderr, "usage: jsonlines FIRST < lines\n");
		return 2;
	}
	while ((n = read(0, buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++) {
			char c = buf[i];

			if (last == '\n')
				first = c;
			if (c == '\n') {
				if (first != '{' || prev != '}')
					bad++;
				if (++lines == 1 && f) {
					fclose(f);
					f = NULL;
				}
			} else if (lines == 0) {
				if (!f && !(f = fopen(argv[1], "w")))
					return perror(argv[1]), 1;
				fputc(c, f);
			}
			prev = last = c;
		}
	}
	if (f)
		fclose(f);
	printf("%llu %llu\n", lines, bad);
	return 0;
}
