/* Per-operator profiler: the generated entry function calls aot_profile_begin(i) /
 * aot_profile_end(i) around operator i (only when built with -DAOT_PROFILE). Stores the
 * aot_hal_cycles() delta of each operator of the last inference; served by RPC PROFILE.
 * Operators must not nest (one start time is kept). */
#include "aot_hal.h"
#include "aot_model.h"
#include "aot_profile.h"

#ifdef AOT_PROFILE

static uint32_t op_start;
static uint32_t op_delta[AOT_PROFILE_MAX_OPS];

void aot_profile_reset(void)
{
    uint16_t i;
    for (i = 0; i < AOT_PROFILE_MAX_OPS; i++) {
        op_delta[i] = 0;
    }
}

void aot_profile_begin(uint16_t op_index)
{
    (void)op_index;
    op_start = aot_hal_cycles();
}

void aot_profile_end(uint16_t op_index)
{
    uint32_t now = aot_hal_cycles();
    if (op_index < AOT_PROFILE_MAX_OPS) {
        op_delta[op_index] = now - op_start;
    }
}

uint32_t aot_profile_get(uint16_t op_index)
{
    return op_index < AOT_PROFILE_MAX_OPS ? op_delta[op_index] : 0u;
}

#else
/* Built without -DAOT_PROFILE: nothing (ISO C wants a declaration in every file). */
typedef int aot_profile_disabled_t;
#endif
