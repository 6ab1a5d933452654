/* Frame decoder / encoder (format: aot_rpc.h, docs/rpc.md). No heap, no libc.
 *
 * The decoder keeps the bytes of the current candidate frame in d->buf, starting at the
 * candidate's magic0. States: HUNT -> MAGIC -> HEADER -> PAYLOAD -> CRC -> READY.
 * Any rejection (bad magic1, version, length, CRC, or a silent line inside a frame) drops
 * buf[0] and rescans the remaining bytes for the next magic0, so a valid frame that follows
 * garbage or a broken frame is never lost. */
#include "aot_rpc.h"

static void drop(aot_frame_decoder_t *d, uint16_t k)
{
    uint16_t i;
    if (k >= d->n) {
        d->n = 0;
        return;
    }
    for (i = k; i < d->n; i++) {
        d->buf[i - k] = d->buf[i];
    }
    d->n = (uint16_t)(d->n - k);
}

/* Restart the hunt at the first magic0 at index >= from. */
static void resync(aot_frame_decoder_t *d, uint16_t from)
{
    uint16_t i = from;
    while (i < d->n && d->buf[i] != AOT_RPC_MAGIC0) {
        i++;
    }
    drop(d, i);
    d->state = AOT_FRAME_HUNT;
}

static int reject(aot_frame_decoder_t *d, uint8_t error)
{
    d->error = error;
    resync(d, 1);
    return AOT_FRAME_ERROR;
}

void aot_frame_init(aot_frame_decoder_t *d)
{
    d->n = 0;
    d->state = AOT_FRAME_HUNT;
    d->header_valid = 0;
    d->version = 0;
    d->cmd = 0;
    d->status = 0;
    d->error = AOT_RPC_OK;
    d->seq = 0;
    d->len = 0;
}

int aot_frame_push(aot_frame_decoder_t *d, uint8_t byte)
{
    if (d->n == 0 && byte != AOT_RPC_MAGIC0) {
        return 0; /* garbage between frames: never buffered */
    }
    if (d->n >= AOT_RPC_MAX_FRAME) {
        return -1;
    }
    d->buf[d->n++] = byte;
    return 0;
}

int aot_frame_poll(aot_frame_decoder_t *d)
{
    for (;;) {
        switch (d->state) {
        case AOT_FRAME_HUNT:
            d->header_valid = 0;
            if (d->n == 0) {
                return AOT_FRAME_NEED_MORE;
            }
            if (d->buf[0] != AOT_RPC_MAGIC0) {
                resync(d, 0);
                continue;
            }
            d->state = AOT_FRAME_MAGIC;
            continue;
        case AOT_FRAME_MAGIC:
            if (d->n < 2) {
                return AOT_FRAME_NEED_MORE;
            }
            if (d->buf[1] != AOT_RPC_MAGIC1) {
                resync(d, 1);
                continue;
            }
            d->state = AOT_FRAME_HEADER;
            continue;
        case AOT_FRAME_HEADER:
            if (d->n < AOT_RPC_HEADER_BYTES) {
                return AOT_FRAME_NEED_MORE;
            }
            d->version = d->buf[2];
            d->cmd = d->buf[3];
            d->seq = (uint16_t)(d->buf[4] | (d->buf[5] << 8));
            d->status = d->buf[6];
            d->len = (uint16_t)(d->buf[7] | (d->buf[8] << 8));
            d->header_valid = 1;
            if (d->version != AOT_RPC_VERSION) {
                return reject(d, AOT_RPC_ERR_VERSION);
            }
            if (d->len > AOT_RPC_MAX_PAYLOAD) {
                return reject(d, AOT_RPC_ERR_LENGTH);
            }
            d->state = AOT_FRAME_PAYLOAD;
            continue;
        case AOT_FRAME_PAYLOAD:
            if (d->n < AOT_RPC_HEADER_BYTES + d->len) {
                return AOT_FRAME_NEED_MORE;
            }
            d->state = AOT_FRAME_CRC;
            continue;
        case AOT_FRAME_CRC: {
            uint16_t end = (uint16_t)(AOT_RPC_HEADER_BYTES + d->len);
            uint16_t got;
            if (d->n < end + AOT_RPC_CRC_BYTES) {
                return AOT_FRAME_NEED_MORE;
            }
            got = (uint16_t)(d->buf[end] | (d->buf[end + 1] << 8));
            if (aot_crc16(AOT_CRC16_INIT, d->buf + 2, (uint32_t)end - 2u) != got) {
                return reject(d, AOT_RPC_ERR_CRC);
            }
            return AOT_FRAME_READY;
        }
        default:
            d->state = AOT_FRAME_HUNT;
            continue;
        }
    }
}

const uint8_t *aot_frame_payload(const aot_frame_decoder_t *d)
{
    return d->buf + AOT_RPC_HEADER_BYTES;
}

void aot_frame_consume(aot_frame_decoder_t *d)
{
    drop(d, (uint16_t)(AOT_RPC_HEADER_BYTES + d->len + AOT_RPC_CRC_BYTES));
    d->state = AOT_FRAME_HUNT;
}

int aot_frame_timeout(aot_frame_decoder_t *d)
{
    if (d->n == 0) {
        return AOT_FRAME_NEED_MORE;
    }
    return reject(d, AOT_RPC_ERR_TRUNCATED);
}

uint16_t aot_frame_encode(uint8_t *out, uint8_t cmd, uint16_t seq, uint8_t status,
                          const uint8_t *payload, uint16_t len)
{
    uint8_t *dst = out + AOT_RPC_HEADER_BYTES;
    uint16_t i, crc, end;
    if (len > AOT_RPC_MAX_PAYLOAD) {
        return 0;
    }
    if (payload != dst && len > 0) {
        if (payload < dst) { /* copy backwards: safe if the regions overlap */
            for (i = len; i > 0; i--) {
                dst[i - 1] = payload[i - 1];
            }
        } else {
            for (i = 0; i < len; i++) {
                dst[i] = payload[i];
            }
        }
    }
    out[0] = AOT_RPC_MAGIC0;
    out[1] = AOT_RPC_MAGIC1;
    out[2] = AOT_RPC_VERSION;
    out[3] = cmd;
    out[4] = (uint8_t)(seq & 0xFFu);
    out[5] = (uint8_t)(seq >> 8);
    out[6] = status;
    out[7] = (uint8_t)(len & 0xFFu);
    out[8] = (uint8_t)(len >> 8);
    end = (uint16_t)(AOT_RPC_HEADER_BYTES + len);
    crc = aot_crc16(AOT_CRC16_INIT, out + 2, (uint32_t)end - 2u);
    out[end] = (uint8_t)(crc & 0xFFu);
    out[end + 1] = (uint8_t)(crc >> 8);
    return (uint16_t)(end + AOT_RPC_CRC_BYTES);
}
