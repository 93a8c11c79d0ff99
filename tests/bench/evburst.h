/* SPDX-License-Identifier: GPL-2.0 */
/* The context of evburst.bpf.c's test run, written back with the counts. */
#ifndef __APPBAN_EVBURST_H
#define __APPBAN_EVBURST_H

#include "abi.h"

struct evburst_args {
	__u32 n; /* records to write */
	__u32 gen; /* generation of the loaded policy */
	__u32 n_apps; /* app index: i % n_apps */
	__u32 pid;
	__u32 dev;
	__u32 written; /* out */
	__u32 lost; /* out: the ring was full */
	__u32 pad;
	__u64 ino;
	char filename[APPBAN_NAME_LEN];
};

#endif /* __APPBAN_EVBURST_H */
