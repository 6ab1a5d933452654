#!/usr/bin/env bash
# The main job: compile the bundled MLPerf Tiny KWS model, run it on an emulated Cortex-M4
# (QEMU mps2-an386) through the serial RPC, and check it matches the NumPy reference.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh
microaot run models/kws_ref_model_int8.tflite --board qemu-mps2-an386 "$@"
