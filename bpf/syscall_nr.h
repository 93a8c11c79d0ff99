/* SPDX-License-Identifier: GPL-2.0 */
/* The numbers of the system calls the fallback engine watches, on each
 * architecture it is built for: its raw sys_enter/sys_exit programs, used
 * where a syscall tracepoint cannot be kept attached (docs/kernels.md),
 * dispatch on them. Plain defines, so that tests/unit/test_syscall_nr.c checks
 * them against the kernel's own headers. */
#ifndef __APPBAN_SYSCALL_NR_H
#define __APPBAN_SYSCALL_NR_H

/* A syscall the architecture lacks: a number above 2^32, which no syscall
 * entry of these kernels passes (arm64's is a 32-bit int, sign-extended),
 * so its case is never taken. One each, as a switch's cases must differ. */
#define APPBAN_NR_ABSENT(k) (0x100000000LL + (k))

/* x86-64 (<asm/unistd_64.h>). Numbers with the x32 bit (0x40000000) and
 * 32-bit calls (int $0x80) are other tables, not watched here. */
#define APPBAN_X86_64_NR_read 0
#define APPBAN_X86_64_NR_write 1
#define APPBAN_X86_64_NR_open 2
#define APPBAN_X86_64_NR_mmap 9
#define APPBAN_X86_64_NR_mprotect 10
#define APPBAN_X86_64_NR_readv 19
#define APPBAN_X86_64_NR_writev 20
#define APPBAN_X86_64_NR_sendfile64 40 /* __NR_sendfile: sys_sendfile64 */
#define APPBAN_X86_64_NR_accept 43
#define APPBAN_X86_64_NR_sendto 44
#define APPBAN_X86_64_NR_recvfrom 45
#define APPBAN_X86_64_NR_sendmsg 46
#define APPBAN_X86_64_NR_recvmsg 47
#define APPBAN_X86_64_NR_rename 82
#define APPBAN_X86_64_NR_rmdir 84
#define APPBAN_X86_64_NR_unlink 87
#define APPBAN_X86_64_NR_umount 166 /* __NR_umount2: sys_umount */
#define APPBAN_X86_64_NR_unlinkat 263
#define APPBAN_X86_64_NR_renameat 264
#define APPBAN_X86_64_NR_splice 275
#define APPBAN_X86_64_NR_accept4 288
#define APPBAN_X86_64_NR_preadv 295
#define APPBAN_X86_64_NR_pwritev 296
#define APPBAN_X86_64_NR_recvmmsg 299
#define APPBAN_X86_64_NR_sendmmsg 307
#define APPBAN_X86_64_NR_renameat2 316
#define APPBAN_X86_64_NR_bpf 321
#define APPBAN_X86_64_NR_preadv2 327
#define APPBAN_X86_64_NR_pwritev2 328
#define APPBAN_X86_64_NR_openat 257
#define APPBAN_X86_64_NR_openat2 437
#define APPBAN_X86_64_NR_clone 56
#define APPBAN_X86_64_NR_fork 57
#define APPBAN_X86_64_NR_vfork 58
#define APPBAN_X86_64_NR_clone3 435

/* arm64 (<asm-generic/unistd.h>, with arm64's __ARCH_WANT_RENAMEAT and
 * __ARCH_WANT_SYS_CLONE3): no open, unlink, rmdir, rename, only their *at
 * forms; no fork, vfork, only clone. */
#define APPBAN_ARM64_NR_read 63
#define APPBAN_ARM64_NR_write 64
#define APPBAN_ARM64_NR_open APPBAN_NR_ABSENT(1)
#define APPBAN_ARM64_NR_mmap 222 /* __NR3264_mmap */
#define APPBAN_ARM64_NR_mprotect 226
#define APPBAN_ARM64_NR_readv 65
#define APPBAN_ARM64_NR_writev 66
#define APPBAN_ARM64_NR_sendfile64 71 /* __NR3264_sendfile: sys_sendfile64 */
#define APPBAN_ARM64_NR_accept 202
#define APPBAN_ARM64_NR_sendto 206
#define APPBAN_ARM64_NR_recvfrom 207
#define APPBAN_ARM64_NR_sendmsg 211
#define APPBAN_ARM64_NR_recvmsg 212
#define APPBAN_ARM64_NR_rename APPBAN_NR_ABSENT(2)
#define APPBAN_ARM64_NR_rmdir APPBAN_NR_ABSENT(3)
#define APPBAN_ARM64_NR_unlink APPBAN_NR_ABSENT(4)
#define APPBAN_ARM64_NR_umount 39 /* __NR_umount2: sys_umount */
#define APPBAN_ARM64_NR_unlinkat 35
#define APPBAN_ARM64_NR_renameat 38
#define APPBAN_ARM64_NR_splice 76
#define APPBAN_ARM64_NR_accept4 242
#define APPBAN_ARM64_NR_preadv 69
#define APPBAN_ARM64_NR_pwritev 70
#define APPBAN_ARM64_NR_recvmmsg 243
#define APPBAN_ARM64_NR_sendmmsg 269
#define APPBAN_ARM64_NR_renameat2 276
#define APPBAN_ARM64_NR_bpf 280
#define APPBAN_ARM64_NR_preadv2 286
#define APPBAN_ARM64_NR_pwritev2 287
#define APPBAN_ARM64_NR_openat 56
#define APPBAN_ARM64_NR_openat2 437
#define APPBAN_ARM64_NR_clone 220
#define APPBAN_ARM64_NR_fork APPBAN_NR_ABSENT(5)
#define APPBAN_ARM64_NR_vfork APPBAN_NR_ABSENT(6)
#define APPBAN_ARM64_NR_clone3 435

/* The largest of them: a quick test before anything else is read. */
#define APPBAN_NR_MAX_WATCHED 437

#if defined(__TARGET_ARCH_arm64)
#define APPBAN_NR(name) APPBAN_ARM64_NR_##name
#elif defined(__TARGET_ARCH_x86)
#define APPBAN_NR(name) APPBAN_X86_64_NR_##name
#endif

#endif /* __APPBAN_SYSCALL_NR_H */
