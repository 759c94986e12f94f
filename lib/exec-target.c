// SPDX-License-Identifier: GPL-2.0
/*
 * The program mmb-exec-exit's fork-exec variant executes: no libc, no
 * dynamic loader, one exit_group system call, so the op measures exec and
 * the teardown of two mms and nothing a C runtime would add.
 */
void _start(void) __attribute__((noreturn, naked));

#if defined(__x86_64__)
void _start(void)
{
	__asm__ volatile("mov $231, %eax\n\t"	/* exit_group */
			 "xor %edi, %edi\n\t"
			 "syscall");
}
#elif defined(__aarch64__)
void _start(void)
{
	__asm__ volatile("mov x8, #94\n\t"	/* exit_group */
			 "mov x0, #0\n\t"
			 "svc #0");
}
#else
#error "mmb-exec-target: add this architecture's exit_group"
#endif
