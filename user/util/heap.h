/* SPDX-License-Identifier: GPL-2.0 */
/* The main thread's heap on transparent huge pages, for the first load. */
#ifndef __APPBAN_HEAP_H
#define __APPBAN_HEAP_H

/* Call first in main. See heap.c. */
void heap_use_huge_pages(void);

#endif /* __APPBAN_HEAP_H */
