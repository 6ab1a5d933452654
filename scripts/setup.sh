#!/usr/bin/env bash
# Installs whatever is missing on a fresh Debian machine (Python 3.11): the ARM and RISC-V toolchains,
# newlib, picolibc, QEMU and clang (libFuzzer) from apt, then microaot and its test and plot extras into .venv (which sees the
# system's site-packages, so what is already installed is not fetched again).
# Sourced by scripts/demo.sh and scripts/test.sh; leaves .venv/bin first on PATH.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

need=()
command -v gcc >/dev/null || need+=(gcc libc6-dev)
command -v arm-none-eabi-gcc >/dev/null || need+=(gcc-arm-none-eabi)
[ -f /usr/lib/arm-none-eabi/newlib/libc.a ] || [ -d /usr/lib/arm-none-eabi/newlib ] || need+=(libnewlib-arm-none-eabi)
command -v qemu-system-arm >/dev/null || need+=(qemu-system-arm)
command -v riscv64-unknown-elf-gcc >/dev/null || need+=(gcc-riscv64-unknown-elf)   # boards/qemu-riscv32-virt
[ -f /usr/lib/picolibc/riscv64-unknown-elf/picolibc.specs ] || need+=(picolibc-riscv64-unknown-elf)
command -v qemu-system-riscv32 >/dev/null || need+=(qemu-system-misc)
command -v clang >/dev/null || need+=(clang)   # libFuzzer: tests/fuzz/test_rpc_fuzz.py fuzzes the C RPC server
python3 -c "import venv, ensurepip" 2>/dev/null || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: apt-get install ${need[*]}" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv --system-site-packages .venv
fi
export PATH="$PWD/.venv/bin:$PATH"
echo "setup: pip install -e .[test,plot,quantize-tflite]" >&2
python -m pip install -q --disable-pip-version-check -e ".[test,plot,quantize-tflite]" 2>&1 | grep -v -E "^(WARNING: Location|DEPRECATION)" >&2 || true
python -c "import aot, tflite, onnx, serial, elftools, tflite_micro, onnxruntime, matplotlib" || { echo "setup: the Python packages did not install" >&2; exit 1; }
