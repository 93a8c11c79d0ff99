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
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "kernel/features.h"

struct kfeature {
	/* an enum and one of its enumerators, or NULL and a kernel function */
	const char *enum_name, *value;
	const char *what; /* for people, with what it is used for */
	const char *since; /* the mainline version that brought it */
};

/* Every engine needs these, in both builds of the objects. */
static const struct kfeature needed[] = {
	{ "bpf_func_id", "BPF_FUNC_ringbuf_reserve", "the BPF ring buffer (events)", "5.8" },
	{ "bpf_func_id", "BPF_FUNC_ktime_get_boot_ns",
	  "bpf_ktime_get_boot_ns() (exceptions' expiry)", "5.8" },
};

/* The objects built for 5.17 need these besides; where one is missing, the
 * compat objects (bpf/compat.h) load instead, which do without them. */
static const struct kfeature modern[] = {
	{ "bpf_func_id", "BPF_FUNC_get_current_task_btf",
	  "bpf_get_current_task_btf() (identity of the caller)", "5.11" },
	{ "bpf_map_type", "BPF_MAP_TYPE_TASK_STORAGE", "BPF task storage (scripts)", "5.11" },
	{ "bpf_prog_type", "BPF_PROG_TYPE_SYSCALL",
	  "BPF_PROG_TYPE_SYSCALL programs (events of running processes banned by a load)", "5.14" },
	{ "bpf_func_id", "BPF_FUNC_loop", "bpf_loop() (dir rules, pin paths)", "5.17" },
	{ "bpf_func_id", "BPF_FUNC_find_vma", "bpf_find_vma() (mprotect of a banned mapping)",
	  "5.17" },
};

/* ... and the compat objects need these instead. */
static const struct kfeature compat[] = {
	{ NULL, "bpf_prog_test_run_raw_tp",
	  "BPF_PROG_TEST_RUN of raw tracepoint programs (events of running processes banned by "
	  "a load)",
	  "5.10" },
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

static int has(const struct btf *btf, const struct kfeature *f)
{
	if (!f->enum_name)
		return btf__find_by_name_kind(btf, f->value, BTF_KIND_FUNC) >= 0;
	return enum_has(btf, f->enum_name, f->value);
}

/* The features of `set` (n of them) that the kernel lacks, named into buf
 * after `off` bytes; returns how many. */
static int lacking(const struct btf *btf, const struct kfeature *set, size_t n, char *buf,
		   size_t len, size_t *off, int before)
{
	size_t i;
	int k = 0;

	for (i = 0; i < n; i++) {
		if (has(btf, &set[i]))
			continue;
		if (*off < len)
			*off += (size_t)snprintf(buf + *off, len - *off, "%s%s (%s)",
						 before + k ? ", " : "", set[i].what, set[i].since);
		k++;
	}
	return k;
}

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

int kernel_compat(void)
{
	const struct btf *btf = kernel_btf();
	const char *test = getenv("APPBAN_TEST_COMPAT");
	size_t off = 0;
	char none[1];

	/* For tests only: the compat objects on a kernel that has it all. */
	if (test && !strcmp(test, "1"))
		return 1;
	return btf && lacking(btf, modern, N_OF(modern), none, 0, &off, 0) > 0;
}

int kernel_lacks(char *buf, size_t len)
{
	const struct btf *btf = kernel_btf();
	size_t off = 0;

	if (len)
		buf[0] = 0;
	if (!btf)
		return -errno;
	return lacking(btf, modern, N_OF(modern), buf, len, &off, 0);
}

int kernel_has_enum_value(const char *enum_name, const char *value)
{
	const struct btf *btf = kernel_btf();

	return btf ? enum_has(btf, enum_name, value) : -errno;
}

int kernel_missing(char *buf, size_t len)
{
	const struct btf *btf = kernel_btf();
	size_t off = 0;
	int n;

	if (len)
		buf[0] = 0;
	if (!btf)
		return -errno;
	n = lacking(btf, needed, N_OF(needed), buf, len, &off, 0);
	if (kernel_compat())
		n += lacking(btf, compat, N_OF(compat), buf, len, &off, n);
	return n;
}
