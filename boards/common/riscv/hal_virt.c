/* HAL for the QEMU RISC-V `virt` machine: ns16550a UART in poll mode, the minstret CSR as counter.
 *
 * Board cflags select the UART:
 *   AOT_UART_BASE   base of the ns16550a (0x10000000 on virt; byte registers)
 *   AOT_BOARD_NAME  the board's name as a string literal (added by aot/build.py)
 *
 * aot_hal_cycles() reads minstret, the machine-mode count of instructions retired. Under QEMU it
 * counts guest instructions only with -icount (without it QEMU returns host ticks), so the board's
 * qemu command has -icount shift=0; its low 32 bits wrap like the Arm counters.
 *
 * aot_hal_getc's timeout is measured on the host's clock through semihosting SYS_ELAPSED, as on
 * the Cortex-M QEMU boards (boards/common/cmsdk/hal_cmsdk.c): the CLINT's mtime runs on virtual
 * time under -icount, which advances only as fast as QEMU executes instructions, while the link's
 * peer lives in host time; a partial RPC frame then costs its 500 ms of wall time. */
#include "aot_hal.h"
#include "riscv_semihosting.h"
#include "semihosting_clock.h"

#if !defined(AOT_UART_BASE) || !defined(AOT_BOARD_NAME)
#error "board cflags must define AOT_UART_BASE and AOT_BOARD_NAME"
#endif

#define REG8(addr) (*(volatile uint8_t *)(addr))
#define UART_THR REG8(AOT_UART_BASE + 0u) /* write: transmit holding register */
#define UART_RBR REG8(AOT_UART_BASE + 0u) /* read: receive buffer register */
#define UART_LCR REG8(AOT_UART_BASE + 3u)
#define UART_LSR REG8(AOT_UART_BASE + 5u)
#define LSR_DATA_READY 0x01u
#define LSR_THR_EMPTY 0x20u
#define LCR_8N1 0x03u

/* The FIFOs stay off: switching them on clears them, losing bytes the host sent before start-up
 * reached this point. With them off QEMU holds further bytes back until RBR has been read. */
void aot_hal_init(void)
{
    UART_LCR = LCR_8N1;
}

void aot_hal_putc(uint8_t byte)
{
    while (!(UART_LSR & LSR_THR_EMPTY)) {
    }
    UART_THR = byte;
}

int aot_hal_getc(int32_t timeout_ms)
{
    const uint64_t span = timeout_ms < 0 ? 0 : aot_host_ticks((uint32_t)timeout_ms);
    const uint64_t start = timeout_ms < 0 ? 0 : aot_host_clock();
    for (;;) {
        if (UART_LSR & LSR_DATA_READY) {
            return (int)UART_RBR;
        }
        if (timeout_ms >= 0 && aot_host_clock() - start >= span) {
            return -1;
        }
    }
}

uint32_t aot_hal_cycles(void)
{
    uint32_t count;
    __asm__ volatile("csrr %0, minstret" : "=r"(count));
    return count;
}

const char *aot_hal_counter_unit(void)
{
    return "instructions";
}

const char *aot_hal_board_name(void)
{
    return AOT_BOARD_NAME;
}
