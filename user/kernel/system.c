// SPDX-License-Identifier: GPL-2.0
/* What the kernel and the system offer appban: the bpf, trace and cgroup v2
 * file systems (mounted when missing), the overlay module, BPF LSM and IMA. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "fallback.skel.h"
#include "kernel/kinode.h"
#include "policy/allow.h"
#include "kernel/features.h"
#include "kernel/genmap.h"
#include "kernel/loader.h"
#include "kernel/mapbatch.h"
#include "util/log.h"
#include "lsm.skel.h"
#include "util/clock.h"
#include "kernel/loader_int.h"

#define BPF_FS_MAGIC 0xcafe4a11

#define CGROUP2_SUPER_MAGIC 0x63677270

/* bpffs at /sys/fs/bpf, mounted when the system has not. */
int sys_ensure_bpffs(void)
{
	struct statfs sfs;

	if (statfs("/sys/fs/bpf", &sfs) == 0 && sfs.f_type == BPF_FS_MAGIC)
		return 0;
	mkdir("/sys/fs/bpf", 0700);
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700")) {
		pr_warn("cannot mount the BPF file system on /sys/fs/bpf: %s\n", strerror(errno));
		return -errno;
	}
	return 0;
}

/* tracefs, where libbpf finds the syscall tracepoints of the fallback engine. */
void sys_ensure_tracefs(void)
{
	if (access("/sys/kernel/tracing/events", F_OK) == 0 ||
	    access("/sys/kernel/debug/tracing/events", F_OK) == 0)
		return;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL))
		pr_info("cannot mount tracefs on /sys/kernel/tracing: %s\n", strerror(errno));
}

/* The cgroup v2 root, where the fallback engine's socket hooks attach. */
int sys_cgroup2_root(void)
{
	static const char fallback_dir[] = "/run/appban-cgroup2";
	char line[4096];
	int fd = -1;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "re");
	while (f && fgets(line, sizeof(line), f)) {
		char root[PATH_MAX], mnt[PATH_MAX], *sep = strstr(line, " - ");

		if (!sep || strncmp(sep, " - cgroup2 ", 11))
			continue;
		if (sscanf(line, "%*d %*d %*s %4095s %4095s", root, mnt) != 2 || strcmp(root, "/"))
			continue;
		fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0)
			break;
	}
	if (f)
		fclose(f);
	if (fd >= 0)
		return fd;
	mkdir(fallback_dir, 0700);
	if (mount("cgroup2", fallback_dir, "cgroup2", 0, NULL) && errno != EBUSY) {
		pr_warn("no cgroup v2 hierarchy and cannot mount one: %s\n", strerror(errno));
		return -errno;
	}
	fd = open(fallback_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Where overlayfs is a module (Debian), its types are in BTF only while it is
 * loaded, and the programs see through an overlay only if they were: load it
 * first. No overlay at all is fine: then there is no overlay to see through. */
void sys_load_overlay(void)
{
	char *const argv[] = { "modprobe", "-q", "overlay", NULL };
	char line[64];
	FILE *f = fopen("/proc/filesystems", "re");
	int found = 0, status;
	pid_t pid;

	while (f && !found && fgets(line, sizeof(line), f))
		found = strcmp(line, "nodev\toverlay\n") == 0;
	if (f)
		fclose(f);
	if (found || posix_spawn(&pid, "/sbin/modprobe", NULL, NULL, argv, environ))
		return;
	waitpid(pid, &status, 0);
}

/* IMA built into the kernel and the helper bpf_ima_file_hash() (5.18): the
 * lsm engine can hash at exec. Without IMA the helper exists but fails;
 * without the helper (5.11 to 5.17 have IMA's ima_file_hash() but not it)
 * the whole object would be refused: the program is not loaded at all. */
int sys_has_ima(void)
{
	const struct btf *vmlinux = kernel_btf();

	return vmlinux && btf__find_by_name_kind(vmlinux, "ima_file_hash", BTF_KIND_FUNC) >= 0 &&
	       kernel_has_enum_value("bpf_func_id", "BPF_FUNC_ima_file_hash") > 0;
}

/* The algorithm IMA hashes with, as named on the kernel command line
 * (ima_hash=), else in the kernel's build configuration where /boot has it
 * (CONFIG_IMA_DEFAULT_HASH); "" when neither says. */
static void ima_hash_algo(char *algo, size_t len)
{
	static const char cfg_key[] = "CONFIG_IMA_DEFAULT_HASH=\"";
	char line[4096], path[128], *p;
	struct utsname u;
	FILE *f;
	size_t n;

	algo[0] = 0;
	f = fopen("/proc/cmdline", "re");
	if (f) {
		if (fgets(line, sizeof(line), f)) {
			for (p = strstr(line, "ima_hash="); p; p = strstr(p + 1, "ima_hash=")) {
				if (p != line && p[-1] != ' ')
					continue;
				p += strlen("ima_hash=");
				n = strcspn(p, " \n");
				snprintf(algo, len, "%.*s", (int)n, p);
			}
		}
		fclose(f);
	}
	if (algo[0] || uname(&u))
		return;
	snprintf(path, sizeof(path), "/boot/config-%s", u.release);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, cfg_key, sizeof(cfg_key) - 1))
			continue;
		p = line + sizeof(cfg_key) - 1;
		n = strcspn(p, "\"");
		snprintf(algo, len, "%.*s", (int)n, p);
		break;
	}
	fclose(f);
}

int sys_ima_hashes_sha256(void)
{
	char algo[64];

	ima_hash_algo(algo, sizeof(algo));
	if (!algo[0] || !strcmp(algo, "sha256"))
		return 1;
	pr_info("IMA hashes with %s, not sha256: sha256 rules are checked in user space (the scan, run's watch), not in the kernel at exec\n",
		algo);
	return 0;
}

int sys_has_overlay_btf(void)
{
	const struct btf *vmlinux = kernel_btf();

	return (vmlinux && btf__find_by_name_kind(vmlinux, "ovl_inode", BTF_KIND_STRUCT) >= 0) ||
	       access("/sys/kernel/btf/overlay", F_OK) == 0;
}

int sys_tp_takes(const char *tp, const char *first_arg_struct)
{
	const struct btf *vmlinux = kernel_btf();
	const struct btf_type *t;
	const struct btf_param *prm;
	int id;

	if (!vmlinux)
		return 0;
	id = btf__find_by_name_kind(vmlinux, tp, BTF_KIND_TYPEDEF);
	/* typedef -> pointer -> function prototype (void *__data, arg1, ...) */
	t = id < 0 ? NULL : btf__type_by_id(vmlinux, id);
	t = t ? btf__type_by_id(vmlinux, t->type) : NULL;
	t = t && btf_is_ptr(t) ? btf__type_by_id(vmlinux, t->type) : NULL;
	if (!t || !btf_is_func_proto(t) || btf_vlen(t) < 2)
		return 0;
	prm = btf_params(t);
	t = btf__type_by_id(vmlinux, prm[1].type);
	t = t && btf_is_ptr(t) ? btf__type_by_id(vmlinux, t->type) : NULL;
	return t && btf_is_struct(t) &&
	       !strcmp(btf__name_by_offset(vmlinux, t->name_off), first_arg_struct);
}

/* Has struct `name` (a member of its anonymous members too) a member
 * `member`? The type of that member, or 0. */
static int struct_member_type(const struct btf *btf, int id, const char *member)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_member *m;
	int i, sub;

	while (t && (btf_is_typedef(t) || btf_is_mod(t)))
		t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_composite(t))
		return 0;
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++) {
		const char *n = btf__name_by_offset(btf, m[i].name_off);

		if (n && !strcmp(n, member))
			return (int)m[i].type;
		if ((!n || !n[0]) && (sub = struct_member_type(btf, (int)m[i].type, member)))
			return sub;
	}
	return 0;
}

static int struct_has(const struct btf *btf, const char *name, const char *member)
{
	int id = btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT);

	return id > 0 && struct_member_type(btf, id, member) > 0;
}

int sys_uring_file_table_known(void)
{
	const struct btf *b = kernel_btf();

	if (!b || !struct_has(b, "io_ring_ctx", "file_table"))
		return 0;
	/* 6.13 on: file_table.data.nodes[i]->file_ptr */
	if (struct_has(b, "io_file_table", "data"))
		return struct_has(b, "io_rsrc_data", "nodes") &&
		       struct_has(b, "io_rsrc_node", "file_ptr");
	/* 5.19 to 6.12: file_table.files[i].file_ptr, nr_user_files long */
	return struct_has(b, "io_file_table", "files") &&
	       struct_has(b, "io_fixed_file", "file_ptr") &&
	       struct_has(b, "io_ring_ctx", "nr_user_files");
}

int sys_uring_splice_known(void)
{
	const struct btf *b = kernel_btf();

	return b && (struct_has(b, "io_kiocb", "cmd") || struct_has(b, "io_kiocb", "splice")) &&
	       struct_has(b, "io_splice", "splice_fd_in") && struct_has(b, "io_splice", "flags");
}

int sys_lsm_active(void)
{
	char buf[512] = "";
	FILE *f = fopen("/sys/kernel/security/lsm", "re");

	if (!f) {
		mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL);
		f = fopen("/sys/kernel/security/lsm", "re");
	}
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	for (char *tok = strtok(buf, ",\n"); tok; tok = strtok(NULL, ",\n"))
		if (!strcmp(tok, "bpf"))
			return 1;
	return 0;
}

/* A no-op program of `type` for kernel function `func`, loaded (the verifier
 * and the BTF id are what a refusal comes from) and with `attach` attached a
 * moment (a trampoline the kernel cannot build shows only there). 0 or the
 * kernel's -errno. */
static int probe_btf_func(enum bpf_prog_type type, enum bpf_attach_type attach_type,
			  const char *func, int attach)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = attach_type);
	const struct btf *vmlinux = kernel_btf();
	int id, fd, link, err = 0;

	if (!vmlinux)
		return -errno;
	id = btf__find_by_name_kind(vmlinux, func, BTF_KIND_FUNC);
	if (id < 0)
		return id;
	opts.attach_btf_id = id;
	fd = bpf_prog_load(type, "appban_probe", "GPL", insns, 2, &opts);
	if (fd < 0)
		return -errno;
	if (attach) {
		link = bpf_raw_tracepoint_open(NULL, fd);
		if (link < 0)
			err = -errno;
		else
			close(link);
	}
	close(fd);
	return err;
}

/* Does the kernel take an lsm program at all? A two-instruction program on
 * bprm_check_security costs a millisecond; the lsm object, opened,
 * relocated and given its maps before the kernel refuses its first program,
 * a quarter of a second of a first load. */
int sys_lsm_probe(void)
{
	return probe_btf_func(BPF_PROG_TYPE_LSM, BPF_LSM_MAC, "bpf_lsm_bprm_check_security", 0);
}

int sys_fexit_probe(const char *func)
{
	return probe_btf_func(BPF_PROG_TYPE_TRACING, BPF_TRACE_FEXIT, func, 1);
}
