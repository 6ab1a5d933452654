"""Boards: what a target is, read from ``boards/<name>/board.toml``.

A board says which compiler and flags build firmware for it, which C files it adds to the
runtime (start-up code, HAL), how much flash and RAM it has, which counter its HAL reports,
and how to reach it: a QEMU command line, the host itself, or a serial port.
The schema is documented in docs/boards.md.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from aot.core.errors import AotError
from aot.core.resources import data_dir

RUN_KINDS = ("qemu", "host", "port")
COUNTER_UNITS = ("instructions", "cycles", "ns")
# CPU features a kernel may require (codegen_c kernel declarations): "dsp" = the Armv7E-M SIMD32
# instructions (SMLAD, SXTB16, SSAT16; Cortex-M4/M7/M33/M55); "mve" = Helium (Cortex-M55); "fpu" = a
# single-precision FPU with fused multiply-add (VFMA.F32: Cortex-M4F/M7/M55 built hard-float).
FEATURES = ("dsp", "mve", "fpu")


class BoardError(AotError):
    """A board name is unknown or its board.toml is malformed."""


@dataclass(frozen=True)
class Board:
    name: str
    dir: Path
    cc: str
    description: str = ""
    cpu: str = ""
    cflags: tuple[str, ...] = ()
    ldflags: tuple[str, ...] = ()
    sources: tuple[Path, ...] = ()          # board C files (start-up, HAL), absolute paths
    include_dirs: tuple[Path, ...] = ()     # extra -I folders, absolute paths
    counter: str = "cycles"                 # unit of aot_hal_cycles(): instructions | cycles | ns
    flash_bytes: int | None = None          # None: unbounded (host)
    ram_bytes: int | None = None
    stack_bytes: int | None = None          # stack reserved in RAM (bare metal)
    qemu: tuple[str, ...] = ()              # command template with {elf} and {serial}
    run: str = "port"                       # qemu | host | port
    port: str | None = None                 # serial port of a real board, e.g. /dev/ttyACM0
    baudrate: int = 115200
    zephyr_board: str | None = None
    features: tuple[str, ...] = ()          # CPU features kernels may use (FEATURES)
    extra: dict = field(default_factory=dict)  # keys this module does not interpret

    def binutil(self, tool: str) -> str:
        """The binutils program that matches the compiler: arm-none-eabi-gcc -> arm-none-eabi-<tool>."""
        cc = Path(self.cc).name
        prefix = cc[: -len("gcc")] if cc.endswith("gcc") else ""
        return prefix + tool

    @property
    def size_tool(self) -> str:
        return self.binutil("size")


def boards_dir() -> Path:
    return data_dir("boards")


def list_boards() -> list[str]:
    """Names of every board folder that holds a board.toml, sorted."""
    return sorted(p.parent.name for p in boards_dir().glob("*/board.toml"))


def load_board(name: str) -> Board:
    path = boards_dir() / name / "board.toml"
    if not path.is_file():
        known = ", ".join(list_boards()) or "none"
        raise BoardError(f"unknown board {name!r}; known boards: {known}")
    return parse_board(path)


def _expand(text: str, board_dir: Path) -> str:
    return text.replace("{board_dir}", str(board_dir)).replace("{boards_dir}", str(board_dir.parent))


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise BoardError(f"{path}: {exc}") from exc


_PATH_KEYS = ("sources", "include_dirs")


def _read_base(base: Path, board_toml: Path, depth: int = 0) -> dict:
    """A partial board.toml shared by a family of boards (e.g. boards/common/cmsdk/cmsdk.toml),
    itself possibly inheriting another. Its relative paths are relative to its own folder."""
    if not base.is_file():
        raise BoardError(f"{board_toml}: inherit: {base} does not exist")
    if depth > 8:
        raise BoardError(f"{board_toml}: inherit chain too deep at {base}")
    base = base.resolve()
    data = _read_toml(base)
    for key in _PATH_KEYS:
        if key in data:
            data[key] = [str((base.parent / p).resolve()) for p in data[key]]
    if "inherit" in data:
        data = _merge(_read_base(base.parent / data.pop("inherit"), base, depth + 1), data)
    return data


def _merge(base: dict, board: dict) -> dict:
    """Lists are concatenated (base first); other keys of the board replace the base's."""
    merged = dict(base)
    for key, value in board.items():
        if isinstance(value, list) and isinstance(base.get(key), list):
            merged[key] = base[key] + value
        else:
            merged[key] = value
    return merged


def parse_board(path: Path) -> Board:
    """Read one board.toml. Relative paths in it are relative to its folder; flags may use
    {board_dir} and {boards_dir}; ``inherit = "<path>"`` merges a shared partial board.toml
    underneath it."""
    path = Path(path).resolve()
    board_dir = path.parent
    data = _read_toml(path)
    if "inherit" in data:
        data = _merge(_read_base(board_dir / data.pop("inherit"), path), data)

    def fail(msg: str) -> BoardError:
        return BoardError(f"{path}: {msg}")

    known = {f for f in Board.__dataclass_fields__} - {"dir", "extra"}
    for key in ("name", "cc"):
        if not isinstance(data.get(key), str):
            raise fail(f"missing string key {key!r}")
    if data["name"] != board_dir.name:
        raise fail(f"name {data['name']!r} differs from its folder {board_dir.name!r}")

    def str_list(key: str) -> tuple[str, ...]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(f"{key!r} must be a list of strings")
        return tuple(_expand(v, board_dir) for v in value)

    def paths(key: str) -> tuple[Path, ...]:
        out = tuple((board_dir / p).resolve() for p in str_list(key))
        for p in out:
            if not p.exists():
                raise fail(f"{key}: {p} does not exist")
        return out

    qemu = str_list("qemu")
    # Without an explicit run: a QEMU command means qemu; a board without memory limits is
    # the host itself; anything else is a real board behind a serial port.
    run = data.get("run", "qemu" if qemu else "host" if "flash_bytes" not in data else "port")
    if run not in RUN_KINDS:
        raise fail(f"run must be one of {', '.join(RUN_KINDS)}, not {run!r}")
    if run == "qemu" and not qemu:
        raise fail("run = 'qemu' needs a qemu command")
    counter = data.get("counter", "cycles")
    if counter not in COUNTER_UNITS:
        raise fail(f"counter must be one of {', '.join(COUNTER_UNITS)}, not {counter!r}")
    features = tuple(data.get("features", ()))
    unknown = [f for f in features if f not in FEATURES]
    if not isinstance(data.get("features", []), list) or unknown:
        raise fail(f"features must be a list of {', '.join(FEATURES)}, not {data.get('features')!r}")
    for key in ("flash_bytes", "ram_bytes", "stack_bytes", "baudrate"):
        if key in data and (not isinstance(data[key], int) or data[key] <= 0):
            raise fail(f"{key} must be a positive integer")

    return Board(
        name=data["name"],
        dir=board_dir,
        cc=data["cc"],
        description=data.get("description", ""),
        cpu=data.get("cpu", ""),
        cflags=str_list("cflags"),
        ldflags=str_list("ldflags"),
        sources=paths("sources"),
        include_dirs=paths("include_dirs"),
        counter=counter,
        flash_bytes=data.get("flash_bytes"),
        ram_bytes=data.get("ram_bytes"),
        stack_bytes=data.get("stack_bytes"),
        qemu=qemu,
        run=run,
        port=data.get("port"),
        baudrate=data.get("baudrate", 115200),
        zephyr_board=data.get("zephyr_board"),
        features=features,
        extra={k: v for k, v in data.items() if k not in known},
    )
