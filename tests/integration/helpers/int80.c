// SPDX-License-Identifier: GPL-2.0
/* Test helper: maps FILE executable through the 32-bit system call entry
 * (int $0x80, old_mmap) from this 64-bit process, and says what happened:
 * "int80 mmap: mapped", "int80 mmap: EPERM"... (exit 0 when mapped, 1 on
 * EPERM, 4 on another error, 3 where there is no such entry). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

int main(int argc, char **argv)
{
#if defined(__x86_64__)
	unsigned int *a;
	long ret;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: int80 FILE\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		perror(argv[1]);
		return 3;
	}
	/* old_mmap takes its six arguments in a struct the 32-bit entry can
	 * address: below 4 GiB. */
	a = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (a == MAP_FAILED) {
		perror("mmap MAP_32BIT");
		return 3;
	}
	a[0] = 0;
	a[1] = 4096;
	a[2] = PROT_READ | PROT_EXEC;
	a[3] = MAP_PRIVATE;
	a[4] = (unsigned int)fd;
	a[5] = 0;
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(90L), "b"((unsigned long)a)
			 : "memory", "r8", "r9", "r10", "r11");
	ret = (int)ret; /* the 32-bit entry returns in eax */
	if (ret < 0 && ret > -4096) {
		printf("int80 mmap: %s\n", strerrorname_np((int)-ret));
		return -ret == EPERM ? 1 : 4;
	}
	printf("int80 mmap: mapped\n");
	return 0;
#else
	(void)argc;
	(void)argv;
	printf("int80 mmap: no 32-bit entry on this architecture\n");
	return 3;
#endif
}
