/* CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, MSB first, no final xor).
 * Bitwise: no table in flash; a full frame costs ~4k shift/xor steps. */
#include "aot_rpc.h"

uint16_t aot_crc16(uint16_t crc, const uint8_t *data, uint32_t len)
{
    uint32_t i;
    int bit;
    for (i = 0; i < len; i++) {
        crc = (uint16_t)(crc ^ ((uint16_t)data[i] << 8));
        for (bit = 0; bit < 8; bit++) {
            if (crc & 0x8000u) {
                crc = (uint16_t)(((uint32_t)crc << 1) ^ 0x1021u);
            } else {
                crc = (uint16_t)((uint32_t)crc << 1);
            }
        }
    }
    return crc;
}
