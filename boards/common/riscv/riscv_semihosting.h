/* Semihosting on RISC-V (the RISC-V semihosting spec, which reuses Arm's operation numbers):
 * a0 = operation, a1 = argument, answered by the debugger or, here, QEMU run with
 * -semihosting-config enable=on. The trap is the uncompressed sequence
 * slli zero,zero,0x1f / ebreak / srai zero,zero,7, which must not cross a page: .balign 16. */
#ifndef AOT_RISCV_SEMIHOSTING_H
#define AOT_RISCV_SEMIHOSTING_H

#include <stdint.h>

#define SYS_EXIT 0x18u
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u  /* QEMU exits with status 0; any other reason: 1 */
#define ADP_STOPPED_RUNTIME_ERROR 0x20023u

static inline uint32_t aot_semihosting_call(uint32_t op, void *arg)
{
    register uint32_t a0 __asm__("a0") = op;
    register void *a1 __asm__("a1") = arg;
    __asm__ volatile(".option push\n\t.option norvc\n\t.balign 16\n\t"
                     "slli zero, zero, 0x1f\n\tebreak\n\tsrai zero, zero, 7\n\t.option pop"
                     : "+r"(a0)
                     : "r"(a1)
                     : "memory");
    return a0;
}

#endif
