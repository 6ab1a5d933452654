/* Start-up code shared by every bare-metal Cortex-M board (ARMv7-M and ARMv8-M mainline):
 * vector table, reset handler (FPU/MVE enable, .data copy, .bss zeroing, call main) and
 * default exception handlers.
 *
 * The linker script (boards/common/cortexm/sections.ld) provides the symbols used here.
 * With -DAOT_SEMIHOSTING (QEMU boards run with -semihosting), returning from main or taking
 * a fault ends the emulator with an exit status, so a crashed firmware is seen at once by the
 * host instead of hanging; on silicon a fault parks the core in a loop a debugger can inspect. */
#include <stdint.h>

extern uint32_t __data_load__[], __data_start__[], __data_end__[];
extern uint32_t __bss_start__[], __bss_end__[];
extern uint32_t __stack_top__[];

int main(void);
void Reset_Handler(void);
void Default_Handler(void);

#define SCB_CPACR (*(volatile uint32_t *)0xE000ED88u)

#ifdef AOT_SEMIHOSTING
/* Semihosting SYS_EXIT: QEMU exits with status 0 for ADP_Stopped_ApplicationExit, 1 otherwise. */
static void semihosting_exit(uint32_t reason)
{
    register uint32_t r0 __asm__("r0") = 0x18u;
    register uint32_t r1 __asm__("r1") = reason;
    __asm__ volatile("bkpt 0xAB" : : "r"(r0), "r"(r1) : "memory");
}
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u
#define ADP_STOPPED_RUNTIME_ERROR 0x20023u
#endif

static void halt(int failed) __attribute__((noreturn));
static void halt(int failed)
{
#ifdef AOT_SEMIHOSTING
    semihosting_exit(failed ? ADP_STOPPED_RUNTIME_ERROR : ADP_STOPPED_APPLICATION_EXIT);
#else
    (void)failed;
#endif
    for (;;) {
    }
}

void Reset_Handler(void)
{
#if defined(__ARM_FP) || defined(__ARM_FEATURE_MVE)
    /* Full access to CP10/CP11 (FPU, and MVE on ARMv8.1-M) before any code may use them:
     * the copy loops below can be vectorised. */
    SCB_CPACR |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
    for (uint32_t *src = __data_load__, *dst = __data_start__; dst < __data_end__;) {
        *dst++ = *src++;
    }
    for (uint32_t *dst = __bss_start__; dst < __bss_end__;) {
        *dst++ = 0;
    }
    halt(main() != 0);
}

void Default_Handler(void)
{
    halt(1);
}

/* newlib's exit() and abort() end here (instead of libnosys's endless loop). */
void _exit(int status) __attribute__((noreturn));
void _exit(int status)
{
    halt(status != 0);
}

void NMI_Handler(void) __attribute__((weak, alias("Default_Handler")));
void HardFault_Handler(void) __attribute__((weak, alias("Default_Handler")));
void MemManage_Handler(void) __attribute__((weak, alias("Default_Handler")));
void BusFault_Handler(void) __attribute__((weak, alias("Default_Handler")));
void UsageFault_Handler(void) __attribute__((weak, alias("Default_Handler")));
void SecureFault_Handler(void) __attribute__((weak, alias("Default_Handler")));
void SVC_Handler(void) __attribute__((weak, alias("Default_Handler")));
void DebugMon_Handler(void) __attribute__((weak, alias("Default_Handler")));
void PendSV_Handler(void) __attribute__((weak, alias("Default_Handler")));
void SysTick_Handler(void) __attribute__((weak, alias("Default_Handler")));

/* System exceptions only: the HALs poll, no peripheral interrupt is enabled. */
__attribute__((section(".vectors"), used)) void (*const aot_vector_table[16])(void) = {
    (void (*)(void))__stack_top__,
    Reset_Handler,
    NMI_Handler,
    HardFault_Handler,
    MemManage_Handler,
    BusFault_Handler,
    UsageFault_Handler,
    SecureFault_Handler, /* ARMv8-M mainline; reserved on ARMv7-M */
    0,
    0,
    0,
    SVC_Handler,
    DebugMon_Handler,
    0,
    PendSV_Handler,
    SysTick_Handler,
};
