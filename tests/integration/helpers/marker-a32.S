/* SPDX-License-Identifier: GPL-2.0 */
/* Test helper: an AArch32 program (a 32-bit ARM process on an arm64 kernel
 * with CONFIG_COMPAT, as old handset apps are), no libc: it says that its
 * code ran and exits 0. Built only for ARCH=arm64 (helpers.mk). */
	.syntax unified
	.arm
	.text
	.global _start
_start:
	mov	r0, #1			@ stdout
	adr	r1, msg
	mov	r2, #(msg_end - msg)
	mov	r7, #4			@ __NR_write (EABI)
	svc	#0
	mov	r0, #0
	mov	r7, #1			@ __NR_exit
	svc	#0
msg:
	.ascii	"appban-marker ran (AArch32)\n"
msg_end:
