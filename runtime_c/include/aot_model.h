/* Descriptor of a compiled model: what the generated model.c exports and what the RPC
 * server serves. Generated code fills these tables; nothing here allocates. */
#ifndef AOT_MODEL_H
#define AOT_MODEL_H

#include <stdint.h>

#define AOT_MAX_DIMS 6

/* Element types: the same codes as aot/ir.py DTYPE_CODES. */
enum {
    AOT_DTYPE_FLOAT32 = 0,
    AOT_DTYPE_INT8 = 1,
    AOT_DTYPE_UINT8 = 2,
    AOT_DTYPE_INT16 = 3,
    AOT_DTYPE_INT32 = 4,
    AOT_DTYPE_INT64 = 5,
    AOT_DTYPE_BOOL = 6          /* one byte, 0 or 1 */
};

/* Status codes returned by the model and the RPC server. */
enum {
    AOT_OK = 0,
    AOT_ERR_ARG = 1,       /* bad argument (index, offset, length) */
    AOT_ERR_MODEL = 2      /* the model reported a failure */
};

typedef struct {
    const char *name;
    uint8_t dtype;             /* AOT_DTYPE_* */
    uint8_t ndim;
    int32_t shape[AOT_MAX_DIMS];
    float scale;               /* 0 when not quantised */
    int32_t zero_point;
    uint32_t offset;           /* byte offset in the arena */
    uint32_t bytes;
} aot_tensor_desc_t;

typedef struct {
    const char *name;          /* model name */
    const char *hash;          /* hex digest of the model file */
    uint32_t arena_bytes;
    uint16_t n_inputs;
    uint16_t n_outputs;
    const aot_tensor_desc_t *inputs;
    const aot_tensor_desc_t *outputs;
    uint16_t n_ops;
    const char *const *op_names;  /* n_ops entries, e.g. "conv2d" */
    const uint32_t *op_macs;      /* n_ops entries */
    int (*run)(uint8_t *arena);   /* arena: arena_bytes, aligned as <PREFIX>_ARENA_ALIGN;
                                     returns AOT_OK */
    uint8_t *arena;               /* the static arena model.c defines (NULL if built with
                                     -DAOT_EXTERNAL_ARENA: the caller hands one to run) */
    uint32_t state_bytes;         /* the state area: variable tensors kept from one run to the
                                     next (0: the model keeps no state) */
    uint8_t *state;               /* the static state area model.c defines (NULL if none, or
                                     built with -DAOT_EXTERNAL_ARENA) */
    void (*reset)(uint8_t *state);  /* restores a state area to its initial values and makes it
                                     the one run reads and updates */
} aot_model_t;

/* Helpers over one input/output tensor `t` of a descriptor, `data` pointing at its bytes in an
 * arena (arena + t->offset). The generated <prefix>.h wraps them per model:
 * <prefix>_quantize_input, <prefix>_dequantize_output, <prefix>_top_k. No heap, no <math.h>. */

/* Bytes of one element of an AOT_DTYPE_* (0 for an unknown code). */
static inline uint32_t aot_dtype_bytes(uint8_t dtype)
{
    switch (dtype) {
    case AOT_DTYPE_INT8: case AOT_DTYPE_UINT8: case AOT_DTYPE_BOOL: return 1u;
    case AOT_DTYPE_INT16: return 2u;
    case AOT_DTYPE_FLOAT32: case AOT_DTYPE_INT32: return 4u;
    case AOT_DTYPE_INT64: return 8u;
    default: return 0u;
    }
}

/* Elements of a tensor. */
static inline uint32_t aot_tensor_elements(const aot_tensor_desc_t *t)
{
    uint32_t size = aot_dtype_bytes(t->dtype);
    return size ? t->bytes / size : 0u;
}

/* One float quantised as TFLite's QUANTIZE does (reference_ops::AffineQuantize):
 * round(v / scale) half away from zero, plus the zero point, clamped to [lo, hi]. A NaN gives lo. */
static inline int32_t aot_quantize_value(float v, float scale, int32_t zero_point, int32_t lo, int32_t hi)
{
    float x = v / scale;
    int64_t q;
    float frac;
    if (!(x > -2147483648.0f)) {
        return lo;
    }
    if (x >= 2147483648.0f) {
        return hi;
    }
    q = (int64_t)x;                /* toward zero; |x| < 2^31 */
    frac = x - (float)q;           /* exact: q is x without its fraction */
    if (frac >= 0.5f) {
        q++;
    } else if (frac <= -0.5f) {
        q--;
    }
    q += zero_point;
    if (q < lo) {
        return lo;
    }
    if (q > hi) {
        return hi;
    }
    return (int32_t)q;
}

/* n floats into tensor t: quantised with its scale and zero point (int8, uint8, int16), or
 * copied (float32). AOT_ERR_ARG if n is not t's element count or t is of another type. */
static inline int aot_tensor_quantize(const aot_tensor_desc_t *t, uint8_t *data, const float *values, uint32_t n)
{
    uint32_t i;
    if (n != aot_tensor_elements(t)) {
        return AOT_ERR_ARG;
    }
    for (i = 0; i < n; i++) {
        switch (t->dtype) {
        case AOT_DTYPE_FLOAT32:
            ((float *)(void *)data)[i] = values[i];
            break;
        case AOT_DTYPE_INT8:
            ((int8_t *)(void *)data)[i] = (int8_t)aot_quantize_value(values[i], t->scale, t->zero_point, -128, 127);
            break;
        case AOT_DTYPE_UINT8:
            data[i] = (uint8_t)aot_quantize_value(values[i], t->scale, t->zero_point, 0, 255);
            break;
        case AOT_DTYPE_INT16:
            ((int16_t *)(void *)data)[i] = (int16_t)aot_quantize_value(values[i], t->scale, t->zero_point, -32768, 32767);
            break;
        default:
            return AOT_ERR_ARG;
        }
    }
    return AOT_OK;
}

/* Element i of tensor t as an integer (int8, uint8, bool, int16, int32). */
static inline int32_t aot_tensor_int(const aot_tensor_desc_t *t, const uint8_t *data, uint32_t i)
{
    switch (t->dtype) {
    case AOT_DTYPE_INT8: return ((const int8_t *)(const void *)data)[i];
    case AOT_DTYPE_INT16: return ((const int16_t *)(const void *)data)[i];
    case AOT_DTYPE_INT32: return ((const int32_t *)(const void *)data)[i];
    default: return data[i];
    }
}

/* Tensor t's n elements as floats: scale * (q - zero_point) as TFLite's DEQUANTIZE (int8, uint8,
 * int16; int32 too), or copied (float32). AOT_ERR_ARG if n is not t's element count or t is
 * of another type. */
static inline int aot_tensor_dequantize(const aot_tensor_desc_t *t, const uint8_t *data, float *values, uint32_t n)
{
    uint32_t i;
    if (n != aot_tensor_elements(t)) {
        return AOT_ERR_ARG;
    }
    if (t->dtype == AOT_DTYPE_FLOAT32) {
        for (i = 0; i < n; i++) {
            values[i] = ((const float *)(const void *)data)[i];
        }
        return AOT_OK;
    }
    if (t->dtype != AOT_DTYPE_INT8 && t->dtype != AOT_DTYPE_UINT8 && t->dtype != AOT_DTYPE_INT16 &&
        t->dtype != AOT_DTYPE_INT32) {
        return AOT_ERR_ARG;
    }
    for (i = 0; i < n; i++) {
        values[i] = t->scale * (float)((int64_t)aot_tensor_int(t, data, i) - t->zero_point);
    }
    return AOT_OK;
}

/* Does element a of tensor t come before element b in top-k order: larger first, on a tie the
 * lower index first? (float32, or an integer type as aot_tensor_int reads it) */
static inline int aot_tensor_before(const aot_tensor_desc_t *t, const uint8_t *data, uint32_t a, uint32_t b)
{
    if (t->dtype == AOT_DTYPE_FLOAT32) {
        float x = ((const float *)(const void *)data)[a], y = ((const float *)(const void *)data)[b];
        return x > y || (!(x < y) && a < b);
    } else {
        int32_t x = aot_tensor_int(t, data, a), y = aot_tensor_int(t, data, b);
        return x > y || (x == y && a < b);
    }
}

/* Indices of the k largest elements of tensor t, largest first (ties: lower index first);
 * returns how many it wrote, min(k, elements). O(k * elements), no memory beyond `indices`.
 * Reads int8, uint8, bool, int16, int32 and float32 (NaNs: unspecified places); 0 for others. */
static inline uint32_t aot_tensor_top_k(const aot_tensor_desc_t *t, const uint8_t *data, uint32_t k, uint32_t *indices)
{
    uint32_t n = aot_tensor_elements(t), j, i;
    if (t->dtype == AOT_DTYPE_INT64) {
        return 0u;
    }
    if (k > n) {
        k = n;
    }
    for (j = 0; j < k; j++) {     /* the first element after indices[j - 1] in top-k order */
        uint32_t best = n;
        for (i = 0; i < n; i++) {
            if ((j == 0 || aot_tensor_before(t, data, indices[j - 1], i)) &&
                (best == n || aot_tensor_before(t, data, i, best))) {
                best = i;
            }
        }
        if (best == n) {          /* only with NaNs, which order nothing */
            return j;
        }
        indices[j] = best;
    }
    return k;
}

/* Per-operator profiling hooks. The generated entry function wraps every operator in
 * AOT_PROFILE_BEGIN(i) / AOT_PROFILE_END(i). They cost nothing unless the firmware is
 * built with -DAOT_PROFILE, in which case the runtime's profiler records
 * aot_hal_cycles() deltas per operator. */
#ifdef AOT_PROFILE
void aot_profile_begin(uint16_t op_index);
void aot_profile_end(uint16_t op_index);
#define AOT_PROFILE_BEGIN(i) aot_profile_begin(i)
#define AOT_PROFILE_END(i) aot_profile_end(i)
#else
#define AOT_PROFILE_BEGIN(i) ((void)0)
#define AOT_PROFILE_END(i) ((void)0)
#endif

/* The generated model.c defines exactly one model descriptor; the runtime's main() finds it
 * through this symbol. */
extern const aot_model_t aot_model;

#endif
