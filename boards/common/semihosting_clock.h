/* The host clock of the QEMU boards' byte timeout (aot_hal_getc): semihosting SYS_ELAPSED ticks
 * since QEMU started, at SYS_TICKFREQ Hz, which QEMU answers from its host monotonic
 * clock. Virtual time under -icount advances only as fast as QEMU executes instructions (a 500 ms
 * byte timeout took ~20 s of wall time), while the link's peer lives in host time.
 *
 * The including HAL first defines its architecture's semihosting trap:
 *   uint32_t aot_semihosting_call(uint32_t op, void *arg)
 * (boards/common/cmsdk/hal_cmsdk.c: BKPT 0xAB; boards/common/riscv/riscv_semihosting.h: EBREAK). */
#ifndef AOT_SEMIHOSTING_CLOCK_H
#define AOT_SEMIHOSTING_CLOCK_H

#include <stdint.h>

#define SYS_ELAPSED 0x30u
#define SYS_TICKFREQ 0x31u

/* The ticks of SYS_TICKFREQ in a millisecond (at least 1). */
static uint32_t aot_host_ticks_per_ms(void)
{
    static uint32_t ticks_per_ms;
    if (ticks_per_ms == 0) {
        uint32_t hz = aot_semihosting_call(SYS_TICKFREQ, 0);
        ticks_per_ms = hz >= 1000u && hz != 0xFFFFFFFFu ? hz / 1000u : 1u;
    }
    return ticks_per_ms;
}

/* The host clock in ticks, and the ticks of ms milliseconds: a timeout compares tick counts, so
 * no 64-bit division links __udivmoddi4 (~700 bytes of flash) into every firmware. */
static uint64_t aot_host_clock(void)
{
    uint32_t elapsed[2] = {0, 0};
    (void)aot_semihosting_call(SYS_ELAPSED, elapsed);
    return ((uint64_t)elapsed[1] << 32) | elapsed[0];
}

static uint64_t aot_host_ticks(uint32_t ms)
{
    return (uint64_t)ms * aot_host_ticks_per_ms();
}

#endif
