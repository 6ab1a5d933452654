#ifndef STUB_ZEPHYR_DEVICE_H
#define STUB_ZEPHYR_DEVICE_H

#include <stdbool.h>

struct device {
    const char *name;
};

/* The devicetree node identifiers of zephyr/devicetree.h are device objects here. */
#define DEVICE_DT_GET(node_id) (&(node_id))

bool device_is_ready(const struct device *dev);

#endif
