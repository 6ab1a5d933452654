/* Start-up code shared by the bare-metal RISC-V boards (machine mode, one hart): jump to the
 * linked address of the code, set gp, sp and the trap vector, copy .data, zero .bss, call main.
 *
 * The linker script (boards/common/riscv/sections.ld) provides the symbols used here and puts
 * _start first, at the start of FLASH. A chip may start from an alias of its flash (the GD32VF103
 * from address 0): the first jump is absolute (LUI + JALR, not PC-relative) so that everything
 * after it, the PC-relative `la` of gp and sp included, runs at the linked addresses.
 * With -DAOT_SEMIHOSTING (QEMU boards run with semihosting), returning from main, or any trap
 * (the HALs enable no interrupt: a trap is a fault), ends the emulator with exit status 0 (main
 * returned 0) or 1, as on the Cortex-M QEMU boards; on silicon the core parks in a loop a
 * debugger can inspect. */
#include <stdint.h>

#ifdef AOT_SEMIHOSTING
#include "riscv_semihosting.h"
#endif

extern uint32_t __data_load__[], __data_start__[], __data_end__[];
extern uint32_t __bss_start__[], __bss_end__[];

int main(void);
void _start(void);
void aot_reset(void);
void aot_trap(void);

static void halt(int failed) __attribute__((noreturn));
static void halt(int failed)
{
#if defined(AOT_SEMIHOSTING) && __riscv_xlen == 64
    /* 64-bit semihosting: SYS_EXIT takes a block {reason, exit status} */
    uintptr_t block[2] = {failed ? ADP_STOPPED_RUNTIME_ERROR : ADP_STOPPED_APPLICATION_EXIT, (uintptr_t)(failed != 0)};
    (void)aot_semihosting_call(SYS_EXIT, block);
#elif defined(AOT_SEMIHOSTING)
    (void)aot_semihosting_call(SYS_EXIT, (void *)(uintptr_t)(failed ? ADP_STOPPED_RUNTIME_ERROR
                                                                     : ADP_STOPPED_APPLICATION_EXIT));
#else
    (void)failed;
#endif
    for (;;) {
    }
}

__attribute__((naked, section(".text.start"))) void _start(void)
{
    __asm__ volatile(".option push\n\t.option norelax\n\t"
#if __riscv_xlen == 32 /* rv64: LUI sign-extends; the 64-bit boards start at their linked address */
                     "lui t0, %hi(1f)\n\t"
                     "jalr zero, %lo(1f)(t0)\n"
                     "1:\n\t"
#endif
                     "la gp, __global_pointer$\n\t"
                     ".option pop\n\t"
                     "la sp, __stack_top__\n\t"
                     "la t0, aot_trap\n\t"
                     "csrw mtvec, t0\n\t"
                     "j aot_reset");
}

void aot_reset(void)
{
    for (uint32_t *src = __data_load__, *dst = __data_start__; dst < __data_end__;) {
        *dst++ = *src++;
    }
    for (uint32_t *dst = __bss_start__; dst < __bss_end__;) {
        *dst++ = 0;
    }
    halt(main() != 0);
}

/* mtvec in direct mode: the handler must be 4-byte aligned. */
__attribute__((aligned(4))) void aot_trap(void)
{
    halt(1);
}

/* picolibc's exit() and abort() end here. */
void _exit(int status) __attribute__((noreturn));
void _exit(int status)
{
    halt(status != 0);
}
