/* Host (Linux, gcc) HAL: fd 0/1 are the serial line (a pty under aot.host.HostSession),
 * raw read()/write() with poll() timeouts; the counter is CLOCK_MONOTONIC in nanoseconds.
 * When the line hangs up (EOF, POLLHUP, EIO) the process exits: no orphaned firmware. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "aot_hal.h"

static unsigned char rx_buf[256];
static size_t rx_len, rx_pos;

static void line_gone(void)
{
    _exit(0);
}

void aot_hal_init(void)
{
    rx_len = 0;
    rx_pos = 0;
}

void aot_hal_putc(uint8_t byte)
{
    for (;;) {
        ssize_t n = write(1, &byte, 1);
        if (n == 1) {
            return;
        }
        if (n < 0 && errno != EINTR && errno != EAGAIN) {
            line_gone();
        }
    }
}

int aot_hal_getc(int32_t timeout_ms)
{
    while (rx_pos == rx_len) {
        struct pollfd p;
        ssize_t n;
        int r;
        p.fd = 0;
        p.events = POLLIN;
        p.revents = 0;
        r = poll(&p, 1, timeout_ms < 0 ? -1 : (int)timeout_ms);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            line_gone();
        }
        if (r == 0) {
            return -1;
        }
        if (!(p.revents & POLLIN)) {
            line_gone(); /* POLLHUP / POLLERR / POLLNVAL without data */
        }
        n = read(0, rx_buf, sizeof rx_buf);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }
        if (n <= 0) {
            line_gone();
        }
        rx_len = (size_t)n;
        rx_pos = 0;
    }
    return rx_buf[rx_pos++];
}

uint32_t aot_hal_cycles(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}

const char *aot_hal_counter_unit(void)
{
    return "ns";
}

#ifndef AOT_BOARD_NAME /* aot/build.py passes -DAOT_BOARD_NAME="<board>" */
#define AOT_BOARD_NAME "host"
#endif

const char *aot_hal_board_name(void)
{
    return AOT_BOARD_NAME;
}
