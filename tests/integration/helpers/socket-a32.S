/* SPDX-License-Identifier: GPL-2.0 */
/* Test helper: an AArch32 program (marker-a32.S says why) that asks for an
 * IPv4 TCP socket: "socket: ok", exit 0, or "socket: refused", exit 1.
 * Built only for ARCH=arm64 (helpers.mk). */
	.syntax unified
	.arm
	.text
	.global _start
_start:
	mov	r0, #2			@ AF_INET
	mov	r1, #1			@ SOCK_STREAM
	mov	r2, #0
	ldr	r7, =281		@ __NR_socket (EABI)
	svc	#0
	cmp	r0, #0
	blt	refused
	adr	r1, ok
	mov	r2, #(ok_end - ok)
	mov	r4, #0
	b	say
refused:
	adr	r1, no
	mov	r2, #(no_end - no)
	mov	r4, #1
say:
	mov	r0, #1			@ stdout
	mov	r7, #4			@ __NR_write
	svc	#0
	mov	r0, r4
	mov	r7, #1			@ __NR_exit
	svc	#0
	.ltorg
ok:
	.ascii	"socket: ok\n"
ok_end:
no:
	.ascii	"socket: refused\n"
no_end:
