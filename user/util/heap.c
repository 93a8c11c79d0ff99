// SPDX-License-Identifier: GPL-2.0
/*
 * A first load touches some 30 MB of fresh memory in the main thread (the
 * kernel's BTF that libbpf parses for CO-RE, the ELF object, the compiled
 * policy). Each 4 KiB page of it is a page fault: on a virtual machine
 * these cost some 10 us, and libbpf's parse of a 5 MB BTF took 45 ms, of
 * which 40 were faults (docs/performance.md). glibc can put its heap on
 * transparent huge pages (GLIBC_TUNABLES=glibc.malloc.hugetlb=1) but only
 * from the environment at start; this does the same from inside: the heap
 * grows once by HEAP_RESERVE, that range is marked MADV_HUGEPAGE, and
 * malloc keeps it (trim threshold above it) for what follows, so one fault
 * maps 2 MiB. Where transparent huge pages are off ("never") the advice is
 * ignored and nothing changes. Only the main thread's arena: the walk's
 * threads hash into buffers of their own.
 */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "util/heap.h"

#define HEAP_RESERVE (48u << 20) /* covers the load of a 20,000-rule policy */
#define HEAP_MMAP_THRESHOLD (64 << 20) /* larger blocks: mmap'd, as before */
#define HEAP_TRIM_THRESHOLD (96 << 20) /* free memory kept at the heap's top */
#define THP_SIZE ((uintptr_t)2 << 20)

void heap_use_huge_pages(void)
{
	uintptr_t start, end;
	void *p;

	/* a block this size must come from the heap (brk), not from mmap */
	if (!mallopt(M_MMAP_THRESHOLD, HEAP_MMAP_THRESHOLD) ||
	    !mallopt(M_TRIM_THRESHOLD, HEAP_TRIM_THRESHOLD))
		return;
	p = malloc(HEAP_RESERVE);
	if (!p)
		return;
	start = ((uintptr_t)p + THP_SIZE - 1) & ~(THP_SIZE - 1);
	end = ((uintptr_t)p + HEAP_RESERVE) & ~(THP_SIZE - 1);
	/* best effort: a kernel without THP says EINVAL, and pages stay small */
	if (end > start)
		(void)madvise((void *)start, end - start, MADV_HUGEPAGE);
	free(p);
}

void heap_settle(void)
{
	/* glibc's defaults again: small blocks from the heap, its free top
	 * given back; then what is free now goes back to the kernel */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	mallopt(M_TRIM_THRESHOLD, 128 * 1024);
	malloc_trim(0);
}
