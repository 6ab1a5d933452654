/* Per-operator profiler storage (runtime_c/src/aot_profile.c, built only with -DAOT_PROFILE).
 * aot_profile_begin/aot_profile_end themselves are declared in aot_model.h. */
#ifndef AOT_PROFILE_H
#define AOT_PROFILE_H

#include <stdint.h>

/* Operators beyond this index are not recorded (PROFILE reports 0 for them). */
#ifndef AOT_PROFILE_MAX_OPS
#define AOT_PROFILE_MAX_OPS 256
#endif

#ifdef AOT_PROFILE
/* Zero every recorded value (called before each inference). */
void aot_profile_reset(void);
/* aot_hal_cycles() delta of operator op_index in the last inference (0 if not recorded). */
uint32_t aot_profile_get(uint16_t op_index);
#endif

#endif
