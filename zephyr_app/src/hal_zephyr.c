/* HAL for Zephyr (runtime_c/include/aot_hal.h): the only Zephyr-specific C file of the app.
 * The RPC server, framing, profiler and main() are runtime_c's, the same as on bare metal.
 *
 * UART: the devicetree's chosen `microaot,uart` (boards/<board>.overlay), else `zephyr,console`;
 *   polled with uart_poll_in / uart_poll_out (prj.conf turns the console and the boot banner
 *   off, so nothing but RPC replies goes out on that line).
 * Counter: k_cycle_get_32(), the kernel's hardware cycle counter (SysTick on Cortex-M: CPU
 *   cycles at CONFIG_SYS_CLOCK_HW_CYCLES_PER_SEC), reported as "cycles".
 * Timeouts: k_uptime_get(), milliseconds. */
#include <zephyr/device.h>
#include <zephyr/devicetree.h>
#include <zephyr/drivers/uart.h>
#include <zephyr/kernel.h>

#include "aot_hal.h"

#if DT_HAS_CHOSEN(microaot_uart)
#define AOT_UART_NODE DT_CHOSEN(microaot_uart)
#elif DT_HAS_CHOSEN(zephyr_console)
#define AOT_UART_NODE DT_CHOSEN(zephyr_console)
#else
#error "no UART for the RPC: set chosen { microaot,uart = &...; } in boards/<board>.overlay"
#endif

/* microaot.cmake names the microaot board; a bare `west build` reports the Zephyr board. */
#ifndef AOT_BOARD_NAME
#ifdef CONFIG_BOARD_TARGET
#define AOT_BOARD_NAME CONFIG_BOARD_TARGET
#else
#define AOT_BOARD_NAME CONFIG_BOARD
#endif
#endif

static const struct device *const uart = DEVICE_DT_GET(AOT_UART_NODE);

void aot_hal_init(void)
{
    /* Without its UART the firmware cannot talk: park the thread (a debugger sees why). */
    while (!device_is_ready(uart)) {
        k_sleep(K_FOREVER);
    }
}

void aot_hal_putc(uint8_t byte)
{
    uart_poll_out(uart, byte);
}

int aot_hal_getc(int32_t timeout_ms)
{
    const int64_t start = k_uptime_get();
    unsigned char c;

    for (;;) {
        if (uart_poll_in(uart, &c) == 0) {
            return c;
        }
        if (timeout_ms >= 0 && k_uptime_get() - start >= timeout_ms) {
            return -1;
        }
        /* Let threads of the same priority run; a byte at 115200 baud takes 87 us. */
        k_yield();
    }
}

uint32_t aot_hal_cycles(void)
{
    return k_cycle_get_32();
}

const char *aot_hal_counter_unit(void)
{
    return "cycles";
}

const char *aot_hal_board_name(void)
{
    return AOT_BOARD_NAME;
}
