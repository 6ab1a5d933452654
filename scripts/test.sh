#!/usr/bin/env bash
# The whole test suite (host, QEMU, RPC faults), two workers in parallel.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh
python -m pytest -n "${MICROAOT_TEST_WORKERS:-2}" -q "$@"
