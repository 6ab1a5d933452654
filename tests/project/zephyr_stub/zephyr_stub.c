/* Host implementation of the stub Zephyr APIs (see zephyr/kernel.h). The line is fd 0/1;
 * when it hangs up the process exits, like boards/host/hal.c. */
#define _POSIX_C_SOURCE 200809L
#include <poll.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <zephyr/devicetree.h>
#include <zephyr/drivers/uart.h>
#include <zephyr/kernel.h>

const struct device stub_uart = {"stub_uart"};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int64_t k_uptime_get(void)
{
    return (int64_t)(now_ns() / 1000000u);
}

uint32_t k_cycle_get_32(void)
{
    return (uint32_t)now_ns();
}

void k_yield(void)
{
    struct timespec pause = {0, 20000}; /* 20 us: the host line needs no busier polling */
    nanosleep(&pause, NULL);
}

int32_t k_sleep(k_timeout_t timeout)
{
    (void)timeout;
    exit(3); /* only aot_hal_init() sleeps, when the UART is not ready: never here */
}

bool device_is_ready(const struct device *dev)
{
    return dev == &stub_uart;
}

int uart_poll_in(const struct device *dev, unsigned char *p_char)
{
    struct pollfd p = {0, POLLIN, 0};
    (void)dev;
    if (poll(&p, 1, 0) <= 0) {
        return -1;
    }
    if (read(0, p_char, 1) != 1) {
        _exit(0); /* hung up */
    }
    return 0;
}

void uart_poll_out(const struct device *dev, unsigned char out_char)
{
    (void)dev;
    if (write(1, &out_char, 1) != 1) {
        _exit(0);
    }
}
