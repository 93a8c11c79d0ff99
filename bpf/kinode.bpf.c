// SPDX-License-Identifier: GPL-2.0
/* The inode of a file as the kernel sees it at exec: on overlayfs, stat()
 * reports the lower layer's device while exec sees the overlay inode, so the
 * loader asks the kernel through an iterator over its own descriptors. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "abi.h"

char LICENSE[] SEC("license") = "GPL";

/* Set by the loader before load: only its own descriptors are reported. */
const volatile __u32 target_tgid = 0;

SEC("iter/task_file")
int appban_kinode(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct appban_kinode rec = { 0 };
	struct inode *inode;

	if (!task || !file || task->tgid != target_tgid)
		return 0;
	inode = BPF_CORE_READ(file, f_inode);
	rec.fd = ctx->fd;
	rec.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	rec.ino = BPF_CORE_READ(inode, i_ino);
	rec.igen = BPF_CORE_READ(inode, i_generation);
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}
