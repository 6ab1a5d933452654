/* Firmware entry point: bring up the board, then serve the model over the RPC forever. */
#include "aot_hal.h"
#include "aot_model.h"
#include "aot_rpc.h"

int main(void)
{
    aot_hal_init();
    aot_rpc_serve(&aot_model, aot_model.arena);
    return 0;
}
