/* RPC server: decode requests from the HAL byte stream, run the model, reply.
 * Payload layouts: docs/rpc.md. No heap, no libc; two static frame buffers. */
#include "aot_rpc.h"
#include "aot_hal.h"
#include "aot_profile.h"

#define INFO_STR_CAP 100u   /* INFO: 17 fixed bytes + 4 strings x (1 + 100) <= 512 */
#define NAME_STR_CAP 255u   /* TENSOR_INFO name */
#define OP_STR_CAP 64u      /* OP_INFO names */
#define PROFILE_MAX_VALUES ((AOT_RPC_MAX_PAYLOAD - 4u) / 4u)

static aot_frame_decoder_t rx;
static uint8_t tx[AOT_RPC_MAX_FRAME];

/* ---- little-endian reply writer; writes past the payload limit are dropped ---- */
typedef struct {
    uint8_t *p;
    uint16_t n;
} writer_t;

static void w_u8(writer_t *w, uint8_t v)
{
    if (w->n < AOT_RPC_MAX_PAYLOAD) {
        w->p[w->n++] = v;
    }
}

static void w_u16(writer_t *w, uint16_t v)
{
    w_u8(w, (uint8_t)(v & 0xFFu));
    w_u8(w, (uint8_t)(v >> 8));
}

static void w_u32(writer_t *w, uint32_t v)
{
    w_u16(w, (uint16_t)(v & 0xFFFFu));
    w_u16(w, (uint16_t)(v >> 16));
}

static void w_u64(writer_t *w, uint64_t v)
{
    w_u32(w, (uint32_t)(v & 0xFFFFFFFFu));
    w_u32(w, (uint32_t)(v >> 32));
}

static void w_f32(writer_t *w, float f)
{
    union {
        float f;
        uint32_t u;
    } pun;
    pun.f = f;
    w_u32(w, pun.u);
}

static uint16_t str_len(const char *s, uint16_t cap)
{
    uint16_t n = 0;
    if (s == 0) {
        return 0;
    }
    while (n < cap && s[n] != '\0') {
        n++;
    }
    return n;
}

/* u8 length + bytes, truncated to cap (<= 255) */
static void w_str(writer_t *w, const char *s, uint16_t cap)
{
    uint16_t i, n = str_len(s, cap);
    w_u8(w, (uint8_t)n);
    for (i = 0; i < n; i++) {
        w_u8(w, (uint8_t)s[i]);
    }
}

static uint16_t r_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t r_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* offset/len inside [0, size) without overflow */
static int in_range(uint32_t offset, uint32_t len, uint32_t size)
{
    return offset <= size && len <= size - offset;
}

/* ---- command handlers: return a status, fill w ---- */
static uint8_t do_info(const aot_model_t *m, uint8_t index, uint8_t n_models, writer_t *w)
{
    uint8_t flags = 0;
    uint16_t profile_ops = 0;
#ifdef AOT_PROFILE
    flags |= 1u;
    profile_ops = AOT_PROFILE_MAX_OPS;
#endif
    w_u8(w, flags);
    w_u16(w, (uint16_t)AOT_RPC_MAX_PAYLOAD);
    w_u8(w, n_models);
    w_u8(w, index);
    w_u32(w, m->arena_bytes);
    w_u16(w, m->n_inputs);
    w_u16(w, m->n_outputs);
    w_u16(w, m->n_ops);
    w_u16(w, profile_ops);
    w_str(w, aot_hal_counter_unit(), INFO_STR_CAP);
    w_str(w, aot_hal_board_name(), INFO_STR_CAP);
    w_str(w, m->name, INFO_STR_CAP);
    w_str(w, m->hash, INFO_STR_CAP);
    w_u32(w, m->state_bytes);
    return AOT_RPC_OK;
}

static uint8_t do_tensor_info(const aot_model_t *m, const uint8_t *in, uint16_t n, writer_t *w)
{
    const aot_tensor_desc_t *t;
    uint8_t kind, i, ndim;
    uint16_t index;
    if (n != 3) {
        return AOT_RPC_ERR_LENGTH;
    }
    kind = in[0];
    index = r_u16(in + 1);
    if (kind == 0 && index < m->n_inputs) {
        t = &m->inputs[index];
    } else if (kind == 1 && index < m->n_outputs) {
        t = &m->outputs[index];
    } else {
        return AOT_RPC_ERR_ARG;
    }
    ndim = t->ndim <= AOT_MAX_DIMS ? t->ndim : AOT_MAX_DIMS;
    w_u8(w, kind);
    w_u16(w, index);
    w_u8(w, t->dtype);
    w_u8(w, ndim);
    for (i = 0; i < ndim; i++) {
        w_u32(w, (uint32_t)t->shape[i]);
    }
    w_f32(w, t->scale);
    w_u32(w, (uint32_t)t->zero_point);
    w_u32(w, t->offset);
    w_u32(w, t->bytes);
    w_str(w, t->name, NAME_STR_CAP);
    return AOT_RPC_OK;
}

static uint8_t do_op_info(const aot_model_t *m, const uint8_t *in, uint16_t n, writer_t *w)
{
    uint16_t first, op, count = 0;
    if (n != 2) {
        return AOT_RPC_ERR_LENGTH;
    }
    first = r_u16(in);
    if (first > m->n_ops) {
        return AOT_RPC_ERR_ARG;
    }
    w_u16(w, first);
    w_u16(w, 0); /* count, patched below */
    for (op = first; op < m->n_ops; op++) {
        const char *name = m->op_names ? m->op_names[op] : 0;
        if (w->n + 4u + 1u + str_len(name, OP_STR_CAP) > AOT_RPC_MAX_PAYLOAD) {
            break;
        }
        w_u32(w, m->op_macs ? m->op_macs[op] : 0u);
        w_str(w, name, OP_STR_CAP);
        count++;
    }
    w->p[2] = (uint8_t)(count & 0xFFu);
    w->p[3] = (uint8_t)(count >> 8);
    return AOT_RPC_OK;
}

static uint8_t do_write_input(const aot_model_t *m, const uint8_t *in, uint16_t n)
{
    uint8_t *arena = m->arena;
    const aot_tensor_desc_t *t;
    uint32_t offset, len, i;
    uint8_t *dst;
    if (n < 6) {
        return AOT_RPC_ERR_LENGTH;
    }
    if (arena == 0) {
        return AOT_RPC_ERR_MODEL;
    }
    if (r_u16(in) >= m->n_inputs) {
        return AOT_RPC_ERR_ARG;
    }
    t = &m->inputs[r_u16(in)];
    offset = r_u32(in + 2);
    len = (uint32_t)n - 6u;
    if (!in_range(offset, len, t->bytes)) {
        return AOT_RPC_ERR_ARG;
    }
    dst = arena + t->offset + offset;
    for (i = 0; i < len; i++) {
        dst[i] = in[6 + i];
    }
    return AOT_RPC_OK;
}

static uint8_t do_read_output(const aot_model_t *m, const uint8_t *in, uint16_t n, writer_t *w)
{
    const uint8_t *arena = m->arena;
    const aot_tensor_desc_t *t;
    uint32_t offset, len, i;
    if (n != 8) {
        return AOT_RPC_ERR_LENGTH;
    }
    if (arena == 0) {
        return AOT_RPC_ERR_MODEL;
    }
    if (r_u16(in) >= m->n_outputs) {
        return AOT_RPC_ERR_ARG;
    }
    t = &m->outputs[r_u16(in)];
    offset = r_u32(in + 2);
    len = r_u16(in + 6);
    if (len > AOT_RPC_MAX_PAYLOAD || !in_range(offset, len, t->bytes)) {
        return AOT_RPC_ERR_ARG;
    }
    for (i = 0; i < len; i++) {
        w_u8(w, arena[t->offset + offset + i]);
    }
    return AOT_RPC_OK;
}

static uint8_t do_reset(const aot_model_t *m, uint16_t n)
{
    if (n != 0) {
        return AOT_RPC_ERR_LENGTH;
    }
    if (m->state_bytes == 0) {
        return AOT_RPC_OK;
    }
    if (m->state == 0 || m->reset == 0) {
        return AOT_RPC_ERR_MODEL;
    }
    m->reset(m->state);
    return AOT_RPC_OK;
}

/* total / done (done > 0, total < done * 2^32: a sum of done uint32 values) by binary long
 * division: a 64-bit `/` would link libgcc's __udivmoddi4, ~700 bytes, into every firmware. */
static uint32_t mean_u32(uint64_t total, uint32_t done)
{
    uint64_t r = total >> 32; /* < done */
    uint32_t q = 0;
    for (int bit = 31; bit >= 0; --bit) {
        r = (r << 1) | (((uint32_t)total >> bit) & 1u);
        q <<= 1;
        if (r >= done) {
            r -= done;
            q |= 1u;
        }
    }
    return q;
}

static uint8_t do_run(const aot_model_t *m, const uint8_t *in, uint16_t n, writer_t *w)
{
    uint8_t *arena = m->arena;
    uint32_t repeat, done = 0, t0, dt, lo = 0xFFFFFFFFu, hi = 0;
    uint64_t total = 0;
    int rc = AOT_OK;
    if (n != 4) {
        return AOT_RPC_ERR_LENGTH;
    }
    if (arena == 0) {
        return AOT_RPC_ERR_MODEL;
    }
    repeat = r_u32(in);
    if (repeat == 0 || repeat > AOT_RPC_MAX_REPEAT) {
        return AOT_RPC_ERR_ARG;
    }
    while (done < repeat) {
#ifdef AOT_PROFILE
        aot_profile_reset();
#endif
        t0 = aot_hal_cycles();
        rc = m->run(arena);
        dt = aot_hal_cycles() - t0;
        total += dt;
        lo = dt < lo ? dt : lo;
        hi = dt > hi ? dt : hi;
        done++;
        if (rc != AOT_OK) {
            break;
        }
    }
    w_u32(w, (uint32_t)rc);
    w_u32(w, done);
    w_u64(w, total);
    w_u32(w, mean_u32(total, done));
    w_u32(w, lo);
    w_u32(w, hi);
    return AOT_RPC_OK;
}

static uint8_t do_profile(const aot_model_t *m, const uint8_t *in, uint16_t n, writer_t *w)
{
#ifdef AOT_PROFILE
    uint16_t first, count, i;
    if (n != 4) {
        return AOT_RPC_ERR_LENGTH;
    }
    first = r_u16(in);
    count = r_u16(in + 2);
    if (first > m->n_ops) {
        return AOT_RPC_ERR_ARG;
    }
    if (count > m->n_ops - first) {
        count = (uint16_t)(m->n_ops - first);
    }
    if (count > PROFILE_MAX_VALUES) {
        count = PROFILE_MAX_VALUES;
    }
    w_u16(w, first);
    w_u16(w, count);
    for (i = 0; i < count; i++) {
        w_u32(w, aot_profile_get((uint16_t)(first + i)));
    }
    return AOT_RPC_OK;
#else
    (void)m;
    (void)in;
    (void)n;
    (void)w;
    return AOT_RPC_ERR_UNSUPPORTED;
#endif
}

static void send_frame(uint8_t cmd, uint16_t seq, uint8_t status, uint16_t len)
{
    uint16_t i, total = aot_frame_encode(tx, cmd, seq, status, tx + AOT_RPC_HEADER_BYTES, len);
    for (i = 0; i < total; i++) {
        aot_hal_putc(tx[i]);
    }
}

/* Commands about one model: payload byte 0 is the model index (docs/rpc.md). */
static uint8_t model_command(const aot_model_t *m, uint8_t cmd, const uint8_t *in, uint16_t n, writer_t *w)
{
    switch (cmd) {
    case AOT_RPC_CMD_TENSOR_INFO:
        return do_tensor_info(m, in, n, w);
    case AOT_RPC_CMD_OP_INFO:
        return do_op_info(m, in, n, w);
    case AOT_RPC_CMD_WRITE_INPUT:
        return do_write_input(m, in, n);
    case AOT_RPC_CMD_READ_OUTPUT:
        return do_read_output(m, in, n, w);
    case AOT_RPC_CMD_RUN:
        return do_run(m, in, n, w);
    case AOT_RPC_CMD_PROFILE:
        return do_profile(m, in, n, w);
    case AOT_RPC_CMD_RESET:
        return do_reset(m, n);
    default:
        return AOT_RPC_ERR_COMMAND;
    }
}

static void handle(const aot_model_t *const *models, uint8_t n_models, const aot_frame_decoder_t *d)
{
    const uint8_t *in = aot_frame_payload(d);
    uint16_t n = d->len;
    writer_t w;
    uint8_t status;
    w.p = tx + AOT_RPC_HEADER_BYTES;
    w.n = 0;
    if (d->cmd == AOT_RPC_CMD_PING) {
        for (w.n = 0; w.n < n; w.n++) {
            w.p[w.n] = in[w.n];
        }
        status = AOT_RPC_OK;
    } else if (d->cmd < AOT_RPC_CMD_INFO || d->cmd > AOT_RPC_CMD_RESET) {
        status = AOT_RPC_ERR_COMMAND;
    } else if (n == 0) {
        status = AOT_RPC_ERR_LENGTH;
    } else if (in[0] >= n_models) {
        status = AOT_RPC_ERR_ARG;
    } else if (d->cmd == AOT_RPC_CMD_INFO) {
        status = n == 1 ? do_info(models[in[0]], in[0], n_models, &w) : AOT_RPC_ERR_LENGTH;
    } else {
        status = model_command(models[in[0]], d->cmd, in + 1, (uint16_t)(n - 1u), &w);
    }
    if (status != AOT_RPC_OK) {
        w.n = 0; /* error replies carry no payload */
    }
    send_frame((uint8_t)(d->cmd | AOT_RPC_REPLY_FLAG), d->seq, status, w.n);
}

void aot_rpc_serve(const aot_model_t *const *models, uint8_t n_models)
{
    int r, c;
    aot_frame_init(&rx);
    for (;;) {
        r = aot_frame_poll(&rx);
        if (r == AOT_FRAME_NEED_MORE) {
            c = aot_hal_getc(rx.n ? AOT_RPC_BYTE_TIMEOUT_MS : -1);
            if (c >= 0) {
                (void)aot_frame_push(&rx, (uint8_t)c);
                continue;
            }
            r = aot_frame_timeout(&rx);
        }
        if (r == AOT_FRAME_READY) {
            if (!(rx.cmd & AOT_RPC_REPLY_FLAG)) { /* never answer a reply (echoing line) */
                handle(models, n_models, &rx);
            }
            aot_frame_consume(&rx);
        } else if (r == AOT_FRAME_ERROR && rx.header_valid && !(rx.cmd & AOT_RPC_REPLY_FLAG)) {
            send_frame((uint8_t)(rx.cmd | AOT_RPC_REPLY_FLAG), rx.seq, rx.error, 0);
        }
    }
}
