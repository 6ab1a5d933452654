/* Serial RPC between the host and a board running a compiled model.
 * The byte-level format is specified in docs/rpc.md; aot/rpc/protocol.py is the host side.
 *
 * Frame (all multi-byte fields little-endian):
 *   0 magic0 0xA5 | 1 magic1 0x5A | 2 version | 3 cmd | 4..5 seq | 6 status | 7..8 length |
 *   9.. payload (length bytes, <= AOT_RPC_MAX_PAYLOAD) | CRC-16/CCITT-FALSE over bytes 2..8+length
 */
#ifndef AOT_RPC_H
#define AOT_RPC_H

#include <stdint.h>

#include "aot_model.h"

#define AOT_RPC_MAGIC0 0xA5u
#define AOT_RPC_MAGIC1 0x5Au
#define AOT_RPC_VERSION 2u  /* 2: a firmware serves several models; payloads start with a model index */
#define AOT_RPC_HEADER_BYTES 9u
#define AOT_RPC_CRC_BYTES 2u
#define AOT_RPC_MAX_PAYLOAD 512u  /* protocol constant: the host relies on it */
#define AOT_RPC_MAX_FRAME (AOT_RPC_HEADER_BYTES + AOT_RPC_MAX_PAYLOAD + AOT_RPC_CRC_BYTES)
#define AOT_RPC_REPLY_FLAG 0x80u  /* reply cmd = request cmd | AOT_RPC_REPLY_FLAG */

/* Longest silence tolerated inside a frame before the partial frame is dropped. */
#ifndef AOT_RPC_BYTE_TIMEOUT_MS
#define AOT_RPC_BYTE_TIMEOUT_MS 500
#endif

/* Most inferences one RUN may ask for: a larger repeat is refused (ERR_ARG), so one frame cannot
 * keep a device busy for longer than this many inferences (the server reads no byte meanwhile). */
#ifndef AOT_RPC_MAX_REPEAT
#define AOT_RPC_MAX_REPEAT 1000u
#endif

/* Commands (request payload -> reply payload in docs/rpc.md). Every command but PING is about
 * one model: its payload starts with the u8 index of the model in the table aot_rpc_serve()
 * was given (ERR_ARG if >= the number of models). */
enum {
    AOT_RPC_CMD_PING = 0x01,
    AOT_RPC_CMD_INFO = 0x02,
    AOT_RPC_CMD_TENSOR_INFO = 0x03,
    AOT_RPC_CMD_OP_INFO = 0x04,
    AOT_RPC_CMD_WRITE_INPUT = 0x05,
    AOT_RPC_CMD_READ_OUTPUT = 0x06,
    AOT_RPC_CMD_RUN = 0x07,
    AOT_RPC_CMD_PROFILE = 0x08,
    AOT_RPC_CMD_RESET = 0x09    /* restore the model's state area to its initial values */
};

/* Reply status codes (frame byte 6). 0..2 are the AOT_OK / AOT_ERR_* codes of aot_model.h. */
enum {
    AOT_RPC_OK = AOT_OK,
    AOT_RPC_ERR_ARG = AOT_ERR_ARG,          /* bad model / tensor index, offset, length, repeat */
    AOT_RPC_ERR_MODEL = AOT_ERR_MODEL,      /* the model has no arena */
    AOT_RPC_ERR_CRC = 3,                    /* request CRC mismatch */
    AOT_RPC_ERR_LENGTH = 4,                 /* length field > AOT_RPC_MAX_PAYLOAD or wrong for cmd */
    AOT_RPC_ERR_COMMAND = 5,                /* unknown command */
    AOT_RPC_ERR_VERSION = 6,                /* unsupported protocol version */
    AOT_RPC_ERR_TRUNCATED = 7,              /* silence for AOT_RPC_BYTE_TIMEOUT_MS inside a frame */
    AOT_RPC_ERR_UNSUPPORTED = 8             /* e.g. PROFILE on a build without -DAOT_PROFILE */
};

/* CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no final xor.
 * Chainable: crc = aot_crc16(crc, ...), starting from AOT_CRC16_INIT. */
#define AOT_CRC16_INIT 0xFFFFu
uint16_t aot_crc16(uint16_t crc, const uint8_t *data, uint32_t len);

/* ---- Frame decoder: an explicit state machine over a buffer holding one candidate frame.
 * On any rejection it drops the first byte and rescans the buffered bytes for the next magic,
 * so a frame hidden behind garbage or a broken frame is still found. */
enum {
    AOT_FRAME_HUNT = 0,  /* looking for magic0 */
    AOT_FRAME_MAGIC,     /* have magic0, need magic1 */
    AOT_FRAME_HEADER,    /* collecting the 9-byte header */
    AOT_FRAME_PAYLOAD,   /* collecting the payload */
    AOT_FRAME_CRC        /* collecting the 2 CRC bytes */
};

/* aot_frame_poll / aot_frame_timeout results. */
enum {
    AOT_FRAME_NEED_MORE = 0,
    AOT_FRAME_READY = 1,  /* a valid frame starts at buf[0]; call aot_frame_consume when done */
    AOT_FRAME_ERROR = 2   /* a candidate was rejected: see error, and cmd/seq if header_valid */
};

typedef struct {
    uint8_t buf[AOT_RPC_MAX_FRAME];
    uint16_t n;            /* bytes held in buf */
    uint8_t state;         /* AOT_FRAME_HUNT.. */
    uint8_t header_valid;  /* the fields below come from a complete header */
    uint8_t version;
    uint8_t cmd;
    uint8_t status;
    uint8_t error;         /* AOT_RPC_ERR_* of the last AOT_FRAME_ERROR */
    uint16_t seq;
    uint16_t len;
} aot_frame_decoder_t;

void aot_frame_init(aot_frame_decoder_t *d);
/* Append one received byte. Returns 0, or -1 if the buffer is full (cannot happen when the
 * caller polls until AOT_FRAME_NEED_MORE after every push). */
int aot_frame_push(aot_frame_decoder_t *d, uint8_t byte);
/* Advance the state machine over the buffered bytes. Call repeatedly until NEED_MORE. */
int aot_frame_poll(aot_frame_decoder_t *d);
/* Payload of the READY frame. */
const uint8_t *aot_frame_payload(const aot_frame_decoder_t *d);
/* Drop the READY frame, keeping any bytes that followed it. */
void aot_frame_consume(aot_frame_decoder_t *d);
/* The line went silent inside a frame: reject the candidate (error AOT_RPC_ERR_TRUNCATED)
 * and rescan. Returns AOT_FRAME_ERROR, or AOT_FRAME_NEED_MORE if nothing was buffered. */
int aot_frame_timeout(aot_frame_decoder_t *d);
/* Write a complete frame into out (AOT_RPC_HEADER_BYTES + len + AOT_RPC_CRC_BYTES bytes).
 * The payload may already sit at out + AOT_RPC_HEADER_BYTES (payload == that pointer).
 * Returns the frame length, or 0 if len > AOT_RPC_MAX_PAYLOAD. */
uint16_t aot_frame_encode(uint8_t *out, uint8_t cmd, uint16_t seq, uint8_t status,
                          const uint8_t *payload, uint16_t len);

/* ---- Server: answer requests on the HAL byte stream forever about the n_models (1..255)
 * descriptors of models[], each run on its own arena (model->arena; NULL: ERR_MODEL). */
void aot_rpc_serve(const aot_model_t *const *models, uint8_t n_models);

#endif
