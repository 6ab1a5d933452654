#ifndef STUB_ZEPHYR_DEVICETREE_H
#define STUB_ZEPHYR_DEVICETREE_H

#include <zephyr/device.h>

/* One chosen node, as if an overlay said chosen { microaot,uart = &stub_uart; }. */
extern const struct device stub_uart;
#define DT_HAS_CHOSEN(prop) DT_CHOSEN_##prop##_EXISTS
#define DT_CHOSEN(prop) DT_CHOSEN_##prop
#define DT_CHOSEN_microaot_uart_EXISTS 1
#define DT_CHOSEN_microaot_uart stub_uart

#endif
