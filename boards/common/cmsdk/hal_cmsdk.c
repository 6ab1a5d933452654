/* HAL for the Arm MPS2/MPS3 FPGA images (QEMU mps2-an385/an386/an500, mps3-an547):
 * CMSDK APB UART in poll mode and a free-running hardware timer.
 *
 * Board cflags select the addresses and the timer:
 *   AOT_UART_BASE   base of the CMSDK APB UART (0x40004000 on mps2, 0x49303000 on an547)
 *   AOT_TIMER_HZ    frequency of the timer (25 MHz on mps2, 32 MHz on an547)
 *   AOT_TIMER_CMSDK_BASE       32-bit CMSDK APB timer counting down (mps2 TIMER0 0x40000000)
 *   or AOT_TIMER_SSE_COUNTER   64-bit SSE-300 system counter (an547: control frame 0x58100000,
 *                              read frame 0x48101000)
 *   AOT_BOARD_NAME  the board's name as a string literal (added by aot/build.py)
 *
 * Under `qemu-system-arm -icount shift=0` virtual time advances exactly 1 ns per guest
 * instruction, so timer ticks x (1e9 / AOT_TIMER_HZ) is the number of guest instructions
 * executed (x40 at 25 MHz, x31.25 at 32 MHz), to within one tick. aot_hal_cycles() returns
 * that instruction count, modulo 2^32.
 *
 * With AOT_SEMIHOSTING (every QEMU board) aot_hal_getc's timeout is measured on the host's clock
 * instead: semihosting SYS_ELAPSED, which QEMU answers from its host monotonic clock. Virtual
 * time advances only as fast as QEMU executes instructions (a 500 ms byte timeout took ~20 s of
 * wall time), and the link's peer lives in host time. Only the timeout uses it: aot_hal_cycles
 * stays the exact instruction count. */
#include "aot_hal.h"

#if !defined(AOT_UART_BASE) || !defined(AOT_TIMER_HZ) || !defined(AOT_BOARD_NAME)
#error "board cflags must define AOT_UART_BASE, AOT_TIMER_HZ and AOT_BOARD_NAME"
#endif
#if defined(AOT_TIMER_CMSDK_BASE) == defined(AOT_TIMER_SSE_COUNTER)
#error "board cflags must define exactly one of AOT_TIMER_CMSDK_BASE, AOT_TIMER_SSE_COUNTER"
#endif

#define REG32(addr) (*(volatile uint32_t *)(addr))

/* CMSDK APB UART */
#define UART_DATA REG32(AOT_UART_BASE + 0x00u)
#define UART_STATE REG32(AOT_UART_BASE + 0x04u)
#define UART_CTRL REG32(AOT_UART_BASE + 0x08u)
#define UART_BAUDDIV REG32(AOT_UART_BASE + 0x10u)
#define UART_STATE_TXFULL 0x1u
#define UART_STATE_RXFULL 0x2u
#define UART_CTRL_TXEN 0x1u
#define UART_CTRL_RXEN 0x2u
#define UART_BAUD 115200u

/* Instructions (ns) per timer tick in Q8 fixed point: exact for 25 MHz (40) and 32 MHz (31.25). */
#define NS_PER_TICK_Q8 ((1000000000ull << 8) / (AOT_TIMER_HZ))
#if ((1000000000ull << 8) % (AOT_TIMER_HZ)) != 0
#error "AOT_TIMER_HZ must divide 256e9: the tick-to-instruction ratio would not be exact"
#endif

#ifdef AOT_TIMER_CMSDK_BASE
/* CMSDK APB timer: VALUE counts down from RELOAD at the system clock and reloads at 0. */
#define TIMER_CTRL REG32(AOT_TIMER_CMSDK_BASE + 0x00u)
#define TIMER_VALUE REG32(AOT_TIMER_CMSDK_BASE + 0x04u)
#define TIMER_RELOAD REG32(AOT_TIMER_CMSDK_BASE + 0x08u)
#define TIMER_CTRL_EN 0x1u

static void timer_start(void)
{
    TIMER_CTRL = 0;
    TIMER_RELOAD = 0xFFFFFFFFu;
    TIMER_VALUE = 0xFFFFFFFFu;
    TIMER_CTRL = TIMER_CTRL_EN;
}

/* 64-bit tick count: the 32-bit elapsed count extended in software (it wraps every 171 s of
 * virtual time at 25 MHz; any two reads that far apart would be a very long inference). */
static uint64_t timer_ticks(void)
{
    static uint32_t last;
    static uint64_t high;
    uint32_t now = 0xFFFFFFFFu - TIMER_VALUE;
    if (now < last) {
        high += 1ull << 32;
    }
    last = now;
    return high | now;
}
#else
/* SSE-300 system counter (Armv8-M system counter): 64 bits, counts at MAINCLK once enabled. */
#define CNT_CONTROL_CR REG32(0x58100000u)
#define CNT_READ_CV_LO REG32(0x48101000u)
#define CNT_READ_CV_HI REG32(0x48101004u)
#define CNT_CR_EN 0x1u

static void timer_start(void)
{
    CNT_CONTROL_CR |= CNT_CR_EN;
}

static uint64_t timer_ticks(void)
{
    uint32_t hi, lo;
    do {
        hi = CNT_READ_CV_HI;
        lo = CNT_READ_CV_LO;
    } while (hi != CNT_READ_CV_HI);
    return ((uint64_t)hi << 32) | lo;
}
#endif

void aot_hal_init(void)
{
    UART_CTRL = 0;
    UART_BAUDDIV = (AOT_TIMER_HZ) / UART_BAUD;
    UART_CTRL = UART_CTRL_TXEN | UART_CTRL_RXEN;
    timer_start();
}

void aot_hal_putc(uint8_t byte)
{
    while (UART_STATE & UART_STATE_TXFULL) {
    }
    UART_DATA = byte;
}

#ifdef AOT_SEMIHOSTING
static uint32_t aot_semihosting_call(uint32_t op, void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

#include "semihosting_clock.h"

static uint64_t timeout_clock(void)
{
    return aot_host_clock();
}

static uint64_t timeout_ticks(uint32_t ms)
{
    return aot_host_ticks(ms);
}
#else
static uint64_t timeout_clock(void)
{
    return timer_ticks();
}

static uint64_t timeout_ticks(uint32_t ms)
{
    return (uint64_t)ms * ((AOT_TIMER_HZ) / 1000u);
}
#endif

int aot_hal_getc(int32_t timeout_ms)
{
    const uint64_t span = timeout_ms < 0 ? 0 : timeout_ticks((uint32_t)timeout_ms);
    const uint64_t start = timeout_ms < 0 ? 0 : timeout_clock();
    for (;;) {
        if (UART_STATE & UART_STATE_RXFULL) {
            return (int)(UART_DATA & 0xFFu);
        }
        if (timeout_ms >= 0 && timeout_clock() - start >= span) {
            return -1;
        }
    }
}

uint32_t aot_hal_cycles(void)
{
    return (uint32_t)((timer_ticks() * NS_PER_TICK_Q8) >> 8);
}

const char *aot_hal_counter_unit(void)
{
    return "instructions";
}

const char *aot_hal_board_name(void)
{
    return AOT_BOARD_NAME;
}
