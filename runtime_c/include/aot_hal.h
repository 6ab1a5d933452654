/* Hardware abstraction layer: the only functions a board must provide.
 * One implementation per board in boards/<name>/hal.c (Zephyr: zephyr_app/src/hal_zephyr.c). */
#ifndef AOT_HAL_H
#define AOT_HAL_H

#include <stdint.h>

/* Bring up the UART (or stdio on the host) and the cycle/instruction counter. */
void aot_hal_init(void);

/* Send one byte; blocks until it is accepted. */
void aot_hal_putc(uint8_t byte);

/* Receive one byte. timeout_ms < 0 waits forever. Returns the byte (0..255) or -1 on timeout. */
int aot_hal_getc(int32_t timeout_ms);

/* Free-running counter: CPU cycles on silicon (DWT->CYCCNT), guest instructions under
 * QEMU -icount shift=0 (timer ticks x 40), nanoseconds on the host. Wraps at 2^32. */
uint32_t aot_hal_cycles(void);

/* Name of the counter unit reported to the host: "cycles", "instructions" or "ns". */
const char *aot_hal_counter_unit(void);

/* Board name, reported by the RPC info command. */
const char *aot_hal_board_name(void);

#endif
