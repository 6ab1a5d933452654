/* Firmware entry point: bring up the board, then serve the model over the RPC forever. */
#include "aot_hal.h"
#include "aot_model.h"
#include "aot_rpc.h"

/* The descriptor served: the default prefix's aot_model, or the one a project built from a
 * prefixed model names with -DAOT_MODEL=<prefix>_model. */
#ifndef AOT_MODEL
#define AOT_MODEL aot_model
#endif
extern const aot_model_t AOT_MODEL;

int main(void)
{
    aot_hal_init();
    aot_rpc_serve(&AOT_MODEL, AOT_MODEL.arena);
    return 0;
}
