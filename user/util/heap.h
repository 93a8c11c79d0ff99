/* SPDX-License-Identifier: GPL-2.0 */
/* The main thread's heap on transparent huge pages, for the first load. */
#ifndef __APPBAN_HEAP_H
#define __APPBAN_HEAP_H

/* Call first in main, and in the daemon before the work of a new policy
 * (a heap_settle after it). See heap.c. */
void heap_use_huge_pages(void);

/* For a command that stays (run, the daemon), once a policy is in force:
 * give back what the load needed (a daemon on a handset is not a 48 MB
 * process) and let malloc trim its heap as usual from then on. */
void heap_settle(void);

#endif /* __APPBAN_HEAP_H */
