#ifndef STUB_ZEPHYR_DRIVERS_UART_H
#define STUB_ZEPHYR_DRIVERS_UART_H

#include <zephyr/device.h>

/* 0 and *p_char set if a byte was there, -1 if none: never blocks (as in Zephyr). */
int uart_poll_in(const struct device *dev, unsigned char *p_char);
void uart_poll_out(const struct device *dev, unsigned char out_char);

#endif
