/* HAL for the Sipeed Longan Nano (GD32VF103CBT6), by register writes, no vendor library.
 *
 * Clock: the 8 MHz IRC8M the chip boots with (no PLL): the flash needs no wait states, and
 * AOT_CPU_HZ must match. UART: USART0 on PA9 (TX, alternate function push-pull) / PA10 (RX,
 * floating input), 115200 8N1, polled; wire a 3.3 V USB-serial adapter to them.
 * Counter: the mcycle CSR, core clock cycles (the Bumblebee core's mcountinhibit, CSR 0x320, is
 * cleared so that it counts); the byte timeout reads all 64 bits (mcycleh:mcycle). */
#include "aot_hal.h"

#ifndef AOT_CPU_HZ
#error "board cflags must define AOT_CPU_HZ"
#endif

#define REG32(addr) (*(volatile uint32_t *)(addr))

#define RCU_BASE 0x40021000u
#define RCU_APB2EN REG32(RCU_BASE + 0x18u)
#define RCU_APB2EN_PAEN (1u << 2)
#define RCU_APB2EN_USART0EN (1u << 14)

#define GPIOA_BASE 0x40010800u
#define GPIOA_CTL1 REG32(GPIOA_BASE + 0x04u) /* pins 8..15, 4 bits each: CTL[1:0] MD[1:0] */
#define PIN_AF_PP_50MHZ 0xBu
#define PIN_INPUT_FLOATING 0x4u

#define USART0_BASE 0x40013800u
#define USART_STAT REG32(USART0_BASE + 0x00u)
#define USART_DATA REG32(USART0_BASE + 0x04u)
#define USART_BAUD REG32(USART0_BASE + 0x08u)
#define USART_CTL0 REG32(USART0_BASE + 0x0Cu)
#define USART_STAT_ORERR (1u << 3)
#define USART_STAT_RBNE (1u << 5)
#define USART_STAT_TBE (1u << 7)
#define USART_CTL0_REN (1u << 2)
#define USART_CTL0_TEN (1u << 3)
#define USART_CTL0_UEN (1u << 13)
#define UART_BAUD 115200u

void aot_hal_init(void)
{
    RCU_APB2EN |= RCU_APB2EN_PAEN | RCU_APB2EN_USART0EN;
    (void)RCU_APB2EN; /* read back: the clocks are on before the peripherals are touched */

    /* PA9 (bits 4..7 of CTL1): alternate function push-pull; PA10 (bits 8..11): floating input */
    GPIOA_CTL1 = (GPIOA_CTL1 & ~0xFF0u) | (PIN_AF_PP_50MHZ << 4) | (PIN_INPUT_FLOATING << 8);

    USART_CTL0 = 0;
    USART_BAUD = (AOT_CPU_HZ + UART_BAUD / 2u) / UART_BAUD; /* APB2 = the core clock, 16x oversampling */
    USART_CTL0 = USART_CTL0_UEN | USART_CTL0_REN | USART_CTL0_TEN;

    __asm__ volatile("csrw 0x320, zero"); /* mcountinhibit: mcycle and minstret count */
}

void aot_hal_putc(uint8_t byte)
{
    while (!(USART_STAT & USART_STAT_TBE)) {
    }
    USART_DATA = byte;
}

/* mcycleh:mcycle, read so that a carry between the two halves is not torn. */
static uint64_t cycles64(void)
{
    uint32_t hi, lo, again;
    do {
        __asm__ volatile("csrr %0, mcycleh" : "=r"(hi));
        __asm__ volatile("csrr %0, mcycle" : "=r"(lo));
        __asm__ volatile("csrr %0, mcycleh" : "=r"(again));
    } while (hi != again);
    return ((uint64_t)hi << 32) | lo;
}

int aot_hal_getc(int32_t timeout_ms)
{
    const uint64_t start = cycles64();
    const uint64_t limit = (uint64_t)(timeout_ms < 0 ? 0 : timeout_ms) * (AOT_CPU_HZ / 1000u);
    for (;;) {
        const uint32_t stat = USART_STAT;
        if (stat & USART_STAT_RBNE) {
            return (int)(USART_DATA & 0xFFu);
        }
        if (stat & USART_STAT_ORERR) {
            (void)USART_DATA; /* STAT then DATA clears the overrun; the lost byte fails the frame's CRC */
        }
        if (timeout_ms >= 0 && cycles64() - start >= limit) {
            return -1;
        }
    }
}

uint32_t aot_hal_cycles(void)
{
    uint32_t count;
    __asm__ volatile("csrr %0, mcycle" : "=r"(count));
    return count;
}

const char *aot_hal_counter_unit(void)
{
    return "cycles";
}

const char *aot_hal_board_name(void)
{
    return AOT_BOARD_NAME;
}
