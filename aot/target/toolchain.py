"""How to install a missing build or run tool: the Debian packages scripts/setup.sh installs."""
from __future__ import annotations

from pathlib import Path

# program name (every arm-none-eabi-* / riscv64-unknown-elf-* program under that prefix) -> apt packages, as scripts/setup.sh installs them
_APT = {
    "arm-none-eabi-": "gcc-arm-none-eabi libnewlib-arm-none-eabi",
    "riscv64-unknown-elf-": "gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf",
    "qemu-system-arm": "qemu-system-arm",
    "qemu-system-riscv32": "qemu-system-misc",
    "gcc": "gcc libc6-dev",
    "cc": "gcc libc6-dev",
    "size": "binutils",
}


def install_hint(tool: str) -> str:
    """' (install it: sudo apt-get install ...)' for a program we know, '' otherwise."""
    name = Path(tool).name
    prefix = next((p for p in _APT if p.endswith("-") and name.startswith(p)), name)
    packages = _APT.get(prefix)
    if packages is None:
        return ""
    return f" (install it: sudo apt-get install {packages}, or run scripts/setup.sh)"
