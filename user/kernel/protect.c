// SPDX-License-Identifier: GPL-2.0
/* The doors of issues 3 and 15, engine by engine. Each line here is backed
 * by an integration test (tests/integration/t_sidedoors.sh, t_tamper.sh,
 * ...), the open ones too. */
#include <stddef.h>
#include <string.h>

#include "kernel/protect.h"

#define STR_(x) #x
#define STR(x) STR_(x)

#define PASSED_SOCKET_HOW                                                                   \
	"a connected socket or a listener passed in or inherited: killed at its first use " \
	"(read, write, send, receive, sendfile, splice, preadv2/pwritev2, accept"

/* The fallback engine's passed-socket line where io_uring is not all seen:
 * the io_uring programs are not loaded (before 5.19), or this kernel keeps
 * a request's files where they do not look (docs/engines.md). */
static const char *uring_how(unsigned int f)
{
	if (f & APPBAN_FEAT_URING) {
		f &= APPBAN_FEAT_URING_FIXED | APPBAN_FEAT_URING_SPLICE;
		if (f == (APPBAN_FEAT_URING_FIXED | APPBAN_FEAT_URING_SPLICE))
			return NULL;
		if (f == APPBAN_FEAT_URING_FIXED)
			return PASSED_SOCKET_HOW
				", and requests through io_uring at their submission, also on a "
				"registered (fixed) file; a splice through io_uring is killed "
				"whatever its files: this kernel keeps its input where appban does "
				"not read it)";
		return f ? PASSED_SOCKET_HOW
			       ", and requests through io_uring at their submission; on a "
			       "registered (fixed) file only its socket requests (send, receive, "
			       "accept: killed whatever the file), not its reads and writes: this "
			       "kernel's table of fixed files is of a layout appban does not read)" :
			   PASSED_SOCKET_HOW
			       ", and requests through io_uring at their submission; on a "
			       "registered (fixed) file only its socket requests (send, receive, "
			       "accept: killed whatever the file), not its reads and writes, and a "
			       "splice is killed whatever its files: this kernel keeps a request's "
			       "files where appban does not read them)";
	}
	return PASSED_SOCKET_HOW "); not through io_uring (this kernel's io_uring submission "
				 "tracepoint does not give the request: before 5.19)";
}

struct door {
	const char *name;
	const char *lsm, *lsm_how;
	const char *fallback, *fallback_how;
};

static const struct door doors[] = {
	{ "exec", "refused", "execve fails with EPERM (bprm_check_security)", "killed",
	  "SIGKILL at exec, before the first instruction (sched_process_exec)" },
	{ "fexecve", "refused", "execveat/fexecve of a descriptor: as exec", "killed",
	  "execveat/fexecve of a descriptor: as exec" },
	{ "dynamic-loader", "refused", "ld.so FILE: the executable mapping fails (mmap_file)",
	  "killed", "ld.so FILE: killed at the PROT_EXEC mmap of the file" },
	{ "mprotect", "refused", "a mapping of the file made executable later (file_mprotect)",
	  "killed", "a mapping of the file made executable later: killed at mprotect" },
	{ "script", "refused", "a #! script named by a rule: its exec fails", "killed",
	  "a #! script named by a rule: the interpreter is killed when it opens it (also "
	  "through #!/usr/bin/env or a link of another name)" },
	{ "other-mounts", "refused",
	  "the same file through a bind mount, another mount namespace, a chroot or an overlay",
	  "killed",
	  "the same file through a bind mount, another mount namespace, a chroot or an overlay" },
	{ "network", "refused", "socket, connect, bind, send, receive, listen, accept: EPERM",
	  "refused", "socket creation, connect, bind, sendmsg: EPERM (cgroup v2 root hooks)" },
	{ "passed-socket", "refused",
	  "a socket passed in or inherited: send/receive fail (sendfile and splice too)", "killed",
	  PASSED_SOCKET_HOW ", and requests through io_uring at their submission, also on a "
			    "registered (fixed) file)" },
#if defined(__aarch64__)
	/* arm64 kernels with CONFIG_COMPAT run AArch32 processes; their
	 * syscalls (compat) fire no syscall tracepoint there either. */
	{ "32-bit-syscalls", "refused",
	  "an AArch32 (compat) process: the same hooks as every entry", "open",
	  "an AArch32 (compat) process's syscalls reach no per-syscall tracepoint: its "
	  "executable mapping of a banned file, its use of a passed socket and its tampering "
	  "with the pins are not seen (its exec and its network are, as any process's)" },
#else
	{ "32-bit-syscalls", "refused",
	  "int $0x80 from a 64-bit process: the same hooks as every entry", "open",
	  "int $0x80 from a 64-bit process reaches no per-syscall tracepoint: an executable "
	  "mapping of a banned file that way is not seen" },
#endif
	{ "emulator", "open",
	  "an emulator (qemu-user) reading a banned program runs it: ban the emulator by path",
	  "open",
	  "an emulator (qemu-user) reading a banned program runs it: ban the emulator by path" },
	{ "tamper", "refused",
	  "writing appban's maps, detaching its programs, removing its pins, unmounting their "
	  "file system, signalling its daemon: EPERM for all but appban",
	  "reported",
	  "off: without BPF LSM the kernel cannot refuse them; attempts are reported as "
	  "tamper-detected events" },
	{ "interpreter-argument", "open",
	  "an interpreter given a banned script as an argument (python3 app.py) is the "
	  "interpreter running: ban the script's content or the interpreter",
	  "open",
	  "an interpreter given a banned script as an argument (python3 app.py) is the "
	  "interpreter running: ban the script's content or the interpreter" },
};

/* The fallback engine on a kernel that cannot keep a syscall tracepoint
 * program attached (no BPF link for a perf event before 5.15): what those
 * programs did is off. */
#define NO_TP_WHY \
	"no syscall tracepoint program: this kernel has no BPF link for a perf event (5.15)"

static void no_syscall_tp(struct protection *p)
{
	if (!strcmp(p->name, "dynamic-loader")) {
		p->state = "open";
		p->how =
			"ld.so FILE: the executable mapping of a banned file is not seen (" NO_TP_WHY
			")";
	} else if (!strcmp(p->name, "mprotect")) {
		p->state = "open";
		p->how = "a mapping of the file made executable later is not seen (" NO_TP_WHY ")";
	} else if (!strcmp(p->name, "script")) {
		p->state = "open";
		p->how =
			"a #! script named by a rule runs: its interpreter's open of it is not seen "
			"(" NO_TP_WHY ")";
	} else if (!strcmp(p->name, "passed-socket")) {
		p->state = "open";
		p->how =
			"a socket passed in or inherited: connect and sendto of an unconnected one "
			"fail (cgroup hooks), a connected one or a listener is not seen (" NO_TP_WHY
			")";
	} else if (!strcmp(p->name, "tamper")) {
		p->state = "open";
		p->how =
			"only a signal to the event reader is reported (tamper-detected); writes to "
			"appban's maps, changes of its links, removal of its pins and unmounts are "
			"not seen (" NO_TP_WHY ")";
	}
}

int protections(const struct appban_state *st, const struct appban_meta *meta,
		struct protection *out)
{
	int lsm = st->engine == APPBAN_ENGINE_LSM;
	int monitor = meta->mode == APPBAN_MODE_MONITOR;
	int compat = !!(st->features & APPBAN_FEAT_COMPAT);
	int n = 0;
	size_t i;

	for (i = 0; i < sizeof(doors) / sizeof(doors[0]) && n < PROTECT_MAX - 1; i++) {
		out[n].name = doors[i].name;
		out[n].state = lsm ? doors[i].lsm : doors[i].fallback;
		out[n].how = lsm ? doors[i].lsm_how : doors[i].fallback_how;
		if (!lsm && !strcmp(doors[i].name, "passed-socket") && uring_how(st->features))
			out[n].how = uring_how(st->features);
		/* The compat programs (a kernel without the BPF features of
		 * 5.17: docs/kernels.md). */
		if (compat && !lsm && !strcmp(doors[i].name, "mprotect")) {
			out[n].state = "open";
			out[n].how =
				"a mapping of the file made executable later is not seen: this "
				"kernel lacks bpf_find_vma() (5.17); ld.so FILE, which maps it "
				"executable at once, is still killed";
		}
		if ((st->features & APPBAN_FEAT_NO_OVERLAY) &&
		    !strcmp(doors[i].name, "other-mounts"))
			out[n].how =
				"the same file through a bind mount, another mount namespace or "
				"a chroot; through an overlay only by the overlay's own path "
				"and inode, not its layers' (this kernel has no BTF for "
				"overlayfs: a module, without CONFIG_DEBUG_INFO_BTF_MODULES, 5.11)";
		if (compat && !lsm && !strcmp(doors[i].name, "network"))
			out[n].how =
				"socket creation, connect, bind, sendmsg: EPERM (cgroup v2 root "
				"hooks); their events name no parent pid: on this kernel these "
				"hooks cannot read the task";
		if (compat && !lsm && !strcmp(doors[i].name, "script"))
			out[n].how =
				"a #! script named by a rule: the interpreter is killed when "
				"it opens it (also through #!/usr/bin/env or a link of another "
				"name); the window is kept in a map by process (no task storage "
				"before 5.11) as large as the tasks the kernel allows";
		if (!lsm && (st->features & APPBAN_FEAT_NO_SYSCALL_TP))
			no_syscall_tp(&out[n]);
		if ((st->features & APPBAN_FEAT_NO_FORK_KILL) && !strcmp(doors[i].name, "network"))
			out[n].how =
				lsm ? "socket, connect, bind, send, receive, listen, accept: "
				      "EPERM; a child whose mark cannot be written at its "
				      "fork is refused the same, not killed (no BPF "
				      "trampoline for schedule_tail here)" :
				      "socket creation, connect, bind, sendmsg: EPERM (cgroup "
				      "v2 root hooks); a child whose mark cannot be written at "
				      "its fork is refused the same, not killed (no BPF "
				      "trampoline for schedule_tail here)";
		if (monitor && out[n].state[0] != 'o')
			out[n].state = "reported";
		n++;
	}
	if (compat && n < PROTECT_MAX - 3) {
		out[n].name = "dir-depth";
		out[n].state = monitor ? "reported" : lsm ? "refused" : "killed";
		out[n].how = "dir rules look at up to " STR(
			APPBAN_COMPAT_MAX_ANCESTORS) " directories above a file (no bpf_loop() "
						     "before 5.17): a file with more above it is "
						     "refused as if a dir rule named it (fail closed)";
		n++;
	}
	if (meta->n_idents[APPBAN_MATCH_SHA256] && n < PROTECT_MAX - 2) {
		out[n].name = "content";
		out[n].state = monitor ? "reported" : lsm ? "refused" : "killed";
		if (lsm && st->khash == APPBAN_KHASH_IMA)
			out[n].how =
				"sha256: hashed in the kernel at every exec (IMA, "
				"bpf_ima_file_hash; once per file until it changes): "
				"copies and files written later are refused at their first start; "
				"a file IMA cannot hash is refused too, unless appban run runs with "
				"this policy (then it hashes the file and kills a banned start)";
		else
			out[n].how = "sha256: files present at load (scan), and while appban run "
				     "runs, files written or started later (fanotify: banned at "
				     "their first write, or killed at a start) and any start the "
				     "kernel cannot check (killed, then refused by its digest); "
				     "not hashed in the kernel (needs the lsm engine and a kernel "
				     "with IMA)";
		n++;
	}
	out[n].name = "fileless-exec";
	if (!lsm && (st->features & APPBAN_FEAT_NO_SYSCALL_TP)) {
		out[n].state = (meta->flags & APPBAN_META_DENY_FILELESS) && !monitor ? "killed" :
										       "reported";
		out[n].how =
			"exec of a memfd or deleted file (refused with \"deny fileless-exec\"); "
			"its private executable mapping by ld.so is not seen (" NO_TP_WHY ")";
	} else if (!(meta->flags & APPBAN_META_DENY_FILELESS) || monitor) {
		out[n].state = "reported";
		out[n].how = "exec (or private executable mapping: ld.so) of a memfd or deleted "
			     "file: reported (\"deny fileless-exec\" refuses it)";
	} else {
		out[n].state = lsm ? "refused" : "killed";
		out[n].how = "exec (or private executable mapping: ld.so) of a memfd or deleted "
			     "file (deny fileless-exec)";
	}
	return n + 1;
}
