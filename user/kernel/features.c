// SPDX-License-Identifier: GPL-2.0
/* The kernel's BPF features, from the kernel's own BTF: an enumerator of
 * bpf_func_id is a helper the kernel has (its verifier knows it), one of
 * bpf_map_type or bpf_prog_type a map or program type. Reading the BTF costs
 * no program load and names exactly what is missing, where a refused load
 * says only EINVAL. Backported kernels (vendor and handset kernels) have
 * features of later versions: what counts is the enumerator, not uname. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <bpf/btf.h>

#include "kernel/features.h"

struct kfeature {
	const char *enum_name, *value;
	const char *what; /* for people, with what it is used for */
	const char *since; /* the mainline version that brought it */
};

/* Every engine needs these: they are in the code both objects share. */
static const struct kfeature needed[] = {
	{ "bpf_func_id", "BPF_FUNC_ringbuf_reserve", "the BPF ring buffer (events)", "5.8" },
	{ "bpf_func_id", "BPF_FUNC_ktime_get_boot_ns",
	  "bpf_ktime_get_boot_ns() (exceptions' expiry)", "5.8" },
	{ "bpf_func_id", "BPF_FUNC_get_current_task_btf",
	  "bpf_get_current_task_btf() (identity of the caller)", "5.11" },
	{ "bpf_map_type", "BPF_MAP_TYPE_TASK_STORAGE", "BPF task storage (scripts)", "5.11" },
	{ "bpf_prog_type", "BPF_PROG_TYPE_SYSCALL",
	  "BPF_PROG_TYPE_SYSCALL programs (events of running processes banned by a load)", "5.14" },
	{ "bpf_func_id", "BPF_FUNC_loop", "bpf_loop() (dir rules, pin paths)", "5.17" },
	{ "bpf_func_id", "BPF_FUNC_find_vma", "bpf_find_vma() (mprotect of a banned mapping)",
	  "5.17" },
};

static struct btf *kbtf;
static int kbtf_err;
static pthread_once_t kbtf_once = PTHREAD_ONCE_INIT;

static void kbtf_load(void)
{
	kbtf = btf__load_vmlinux_btf();
	kbtf_err = kbtf ? 0 : (errno ? errno : ENOENT);
}

const struct btf *kernel_btf(void)
{
	pthread_once(&kbtf_once, kbtf_load);
	if (!kbtf)
		errno = kbtf_err;
	return kbtf;
}

static int enum_has(const struct btf *btf, const char *enum_name, const char *value)
{
	const struct btf_type *t;
	const struct btf_enum *e;
	int id, i;

	id = btf__find_by_name_kind(btf, enum_name, BTF_KIND_ENUM);
	if (id < 0)
		return 0;
	t = btf__type_by_id(btf, id);
	e = btf_enum(t);
	for (i = 0; i < btf_vlen(t); i++)
		if (!strcmp(btf__name_by_offset(btf, e[i].name_off), value))
			return 1;
	return 0;
}

int kernel_has_enum_value(const char *enum_name, const char *value)
{
	const struct btf *btf = kernel_btf();

	return btf ? enum_has(btf, enum_name, value) : -errno;
}

int kernel_missing(char *buf, size_t len)
{
	const struct btf *btf = kernel_btf();
	size_t i, off = 0;
	int n = 0;

	if (len)
		buf[0] = 0;
	if (!btf)
		return -errno;
	for (i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		if (enum_has(btf, needed[i].enum_name, needed[i].value))
			continue;
		if (off < len)
			off += (size_t)snprintf(buf + off, len - off, "%s%s (%s)", n ? ", " : "",
						needed[i].what, needed[i].since);
		n++;
	}
	return n;
}
