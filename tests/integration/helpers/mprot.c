// SPDX-License-Identifier: GPL-2.0
/* Test helper: mprot FILE maps FILE readable, then makes the mapping
 * executable with mprotect (the way around an executable mmap). Prints
 * "mprotect: ok" and exits 0 when the kernel let it, or names the error
 * and exits 1. The mprotect door of docs/engines.md. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	void *p;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: mprot FILE\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "mprot: open %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "mprot: mmap: %s\n", strerror(errno));
		return 2;
	}
	if (mprotect(p, 4096, PROT_READ | PROT_EXEC)) {
		printf("mprotect: %s\n", strerror(errno));
		return 1;
	}
	printf("mprotect: ok\n");
	return 0;
}
