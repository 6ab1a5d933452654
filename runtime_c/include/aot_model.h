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
    int (*run)(uint8_t *arena);   /* arena: arena_bytes, 16-byte aligned; returns AOT_OK */
    uint8_t *arena;               /* the static arena model.c defines (NULL if built with
                                     -DAOT_EXTERNAL_ARENA: the caller hands one to run) */
} aot_model_t;

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
