/* Firmware entry point: bring up the board, then serve the model(s) over the RPC forever.
 *
 * One model: the default prefix's aot_model, or the descriptor a project built from a prefixed
 * model names with -DAOT_MODEL=<prefix>_model.
 * Several models: built with -DAOT_MODEL_TABLE and a C file defining the table (a multi-model
 * project generates model/aot_models.c, see docs/project.md):
 *     const aot_model_t *const aot_models[] = { &kws_model, &hw_model };
 *     const uint8_t aot_models_count = 2;
 * RPC model index i is aot_models[i]. */
#include "aot_hal.h"
#include "aot_model.h"
#include "aot_rpc.h"

#ifdef AOT_MODEL_TABLE
extern const aot_model_t *const aot_models[];
extern const uint8_t aot_models_count;
#else
#ifndef AOT_MODEL
#define AOT_MODEL aot_model
#endif
extern const aot_model_t AOT_MODEL;
static const aot_model_t *const aot_models[] = {&AOT_MODEL};
#define aot_models_count 1u
#endif

int main(void)
{
    aot_hal_init();
    aot_rpc_serve(aot_models, (uint8_t)aot_models_count);
    return 0;
}
