/* HAL for the NUCLEO-F746ZG (STM32F746ZG), by register writes, no vendor library.
 *
 * Clock: the 16 MHz HSI the chip boots with (no PLL), so the flash needs no wait states and
 * cycle counts do not depend on the ART accelerator or the caches. AOT_CPU_HZ must match.
 * UART: USART3 on PD8 (TX) / PD9 (RX), alternate function 7, wired to the ST-LINK virtual COM
 * port; 115200 8N1, polled.
 * Counter: DWT->CYCCNT, core clock cycles. */
#include "aot_hal.h"

#ifndef AOT_CPU_HZ
#error "board cflags must define AOT_CPU_HZ"
#endif

#define REG32(addr) (*(volatile uint32_t *)(addr))

#define RCC_BASE 0x40023800u
#define RCC_AHB1ENR REG32(RCC_BASE + 0x30u)
#define RCC_APB1ENR REG32(RCC_BASE + 0x40u)
#define RCC_AHB1ENR_GPIODEN (1u << 3)
#define RCC_APB1ENR_USART3EN (1u << 18)

#define GPIOD_BASE 0x40020C00u
#define GPIOD_MODER REG32(GPIOD_BASE + 0x00u)
#define GPIOD_OSPEEDR REG32(GPIOD_BASE + 0x08u)
#define GPIOD_PUPDR REG32(GPIOD_BASE + 0x0Cu)
#define GPIOD_AFRH REG32(GPIOD_BASE + 0x24u)
#define GPIO_MODE_AF 2u
#define AF7_USART3 7u

#define USART3_BASE 0x40004800u
#define USART_CR1 REG32(USART3_BASE + 0x00u)
#define USART_BRR REG32(USART3_BASE + 0x0Cu)
#define USART_ISR REG32(USART3_BASE + 0x1Cu)
#define USART_ICR REG32(USART3_BASE + 0x20u)
#define USART_RDR REG32(USART3_BASE + 0x24u)
#define USART_TDR REG32(USART3_BASE + 0x28u)
#define USART_CR1_UE (1u << 0)
#define USART_CR1_RE (1u << 2)
#define USART_CR1_TE (1u << 3)
#define USART_ISR_ORE (1u << 3)
#define USART_ISR_RXNE (1u << 5)
#define USART_ISR_TXE (1u << 7)
#define USART_ICR_ORECF (1u << 3)
#define UART_BAUD 115200u

#define DEMCR REG32(0xE000EDFCu)
#define DEMCR_TRCENA (1u << 24)
#define DWT_CTRL REG32(0xE0001000u)
#define DWT_CYCCNT REG32(0xE0001004u)
#define DWT_LAR REG32(0xE0001FB0u)
#define DWT_CTRL_CYCCNTENA 1u
#define DWT_LAR_UNLOCK 0xC5ACCE55u

void aot_hal_init(void)
{
    RCC_AHB1ENR |= RCC_AHB1ENR_GPIODEN;
    RCC_APB1ENR |= RCC_APB1ENR_USART3EN;
    (void)RCC_APB1ENR; /* read back: the clock is on before the peripheral is touched */

    /* PD8, PD9: alternate function 7, high speed, pull-up on RX */
    GPIOD_MODER = (GPIOD_MODER & ~(0xFu << 16)) | (GPIO_MODE_AF << 16) | (GPIO_MODE_AF << 18);
    GPIOD_OSPEEDR |= 0xFu << 16;
    GPIOD_PUPDR = (GPIOD_PUPDR & ~(0xFu << 16)) | (1u << 18);
    GPIOD_AFRH = (GPIOD_AFRH & ~0xFFu) | (AF7_USART3 << 0) | (AF7_USART3 << 4);

    USART_CR1 = 0;
    USART_BRR = (AOT_CPU_HZ + UART_BAUD / 2u) / UART_BAUD; /* APB1 = HSI, oversampling by 16 */
    USART_CR1 = USART_CR1_UE | USART_CR1_RE | USART_CR1_TE;

    DEMCR |= DEMCR_TRCENA;
    DWT_LAR = DWT_LAR_UNLOCK; /* Cortex-M7: software access to the DWT is locked at reset */
    DWT_CYCCNT = 0;
    DWT_CTRL |= DWT_CTRL_CYCCNTENA;
}

void aot_hal_putc(uint8_t byte)
{
    while (!(USART_ISR & USART_ISR_TXE)) {
    }
    USART_TDR = byte;
}

int aot_hal_getc(int32_t timeout_ms)
{
    uint32_t start = DWT_CYCCNT;
    uint32_t per_ms = AOT_CPU_HZ / 1000u;
    uint32_t elapsed_ms = 0;
    for (;;) {
        uint32_t isr = USART_ISR;
        if (isr & USART_ISR_ORE) {
            USART_ICR = USART_ICR_ORECF; /* an overrun stalls RXNE until cleared */
        }
        if (isr & USART_ISR_RXNE) {
            return (int)(USART_RDR & 0xFFu);
        }
        if (timeout_ms >= 0) {
            /* count whole milliseconds so that timeouts longer than one CYCCNT wrap work */
            if (DWT_CYCCNT - start >= per_ms) {
                start += per_ms;
                elapsed_ms++;
            }
            if (elapsed_ms >= (uint32_t)timeout_ms) {
                return -1;
            }
        }
    }
}

uint32_t aot_hal_cycles(void)
{
    return DWT_CYCCNT;
}

const char *aot_hal_counter_unit(void)
{
    return "cycles";
}

const char *aot_hal_board_name(void)
{
    return AOT_BOARD_NAME;
}
