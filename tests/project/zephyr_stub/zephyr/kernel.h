/* A tiny stand-in for the Zephyr APIs zephyr_app/src/hal_zephyr.c uses, so that the Zephyr
 * app's C (HAL + runtime + model) compiles and runs on the host: the UART is stdin/stdout
 * (aot.host.HostSession puts a pty there), the clocks are CLOCK_MONOTONIC. Not Zephyr. */
#ifndef STUB_ZEPHYR_KERNEL_H
#define STUB_ZEPHYR_KERNEL_H

#include <stdint.h>

#define CONFIG_BOARD "zephyr_stub"

typedef struct {
    int32_t ms;
} k_timeout_t;
#define K_FOREVER ((k_timeout_t){-1})

int64_t k_uptime_get(void);
uint32_t k_cycle_get_32(void);
void k_yield(void);
int32_t k_sleep(k_timeout_t timeout);

#endif
