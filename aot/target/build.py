"""Build a firmware (or a host executable): runtime + board + generated model sources.

Output in out_dir: firmware.elf (firmware for host), firmware.map, obj/<group>/*.o with their
.su/.ci, build.json (input hash and sizes), and for real boards firmware.bin / firmware.hex.

One compiler call per C file (in parallel), then one link. Every object gets a ``.su`` and
a ``.ci`` file for the stack bound (aot/target/stack_usage.py). A build whose inputs (sources,
headers, linker scripts, flags, compiler) hash the same as the last one in ``out_dir`` is not
redone. Errors raise aot.core.errors.BuildError with the compiler's first error lines; a model
that does not fit the board's memory fails at link time and is reported with the region,
what the firmware needs and what the board has.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from aot.core.errors import BuildError
from aot.target import runtime
from aot.target.boards import Board
from aot.target.stack_usage import StackBound, stack_bound
from aot.target.toolchain import install_hint

# The warnings every C file of a firmware (runtime, board, generated model) compiles clean with,
# on gcc and arm-none-eabi-gcc; the tests that compile C themselves use these too.
WARNING_CFLAGS = ("-Wall", "-Wextra", "-Wconversion", "-Wsign-conversion", "-Werror")
COMMON_CFLAGS = ("-std=c99", "-O2", *WARNING_CFLAGS, "-ffunction-sections", "-fdata-sections")
# Only for the stack bound of aot/target/stack_usage.py: they do not change the code, and a
# standalone project (aot/target/project.py) leaves them out.
ANALYSIS_CFLAGS = ("-fstack-usage", "-fcallgraph-info=su")
STAMP = "build.json"
_REGION_OVERFLOW = re.compile(r"region `(\w+)' overflowed by (\d+) bytes")
_ERROR_LINE = re.compile(r"\berror\b|undefined reference|overflowed|cannot find|No such file", re.I)
MAX_ERROR_LINES = 12


@dataclass
class BuildResult:
    executable: Path
    text: int
    rodata: int
    data: int
    bss: int
    stack: StackBound = field(default_factory=lambda: StackBound(0))
    cached: bool = False

    @property
    def flash_bytes(self) -> int:
        return self.text + self.rodata + self.data

    @property
    def ram_bytes(self) -> int:
        """Static RAM: .data + .bss (the arena included)."""
        return self.data + self.bss

    @property
    def ram_total_bytes(self) -> int:
        """Static RAM plus the stack bound."""
        return self.ram_bytes + self.stack.bytes


@dataclass(frozen=True)
class Recipe:
    """What a firmware for one board is made of, whoever builds it: build_sources() here, or
    the Makefile / CMakeLists.txt of a standalone project (aot/target/project.py).

    A compile is ``cc cflags -I<include_dirs> -c file.c``; the link is
    ``cc ldflags objects ldlibs -o executable`` (ldlibs after the objects: -T, -l, specs)."""
    board: Board
    board_sources: tuple[Path, ...]     # the board's start-up code and HAL
    include_dirs: tuple[Path, ...]      # runtime headers, board folders, then the caller's
    cflags: tuple[str, ...]             # COMMON_CFLAGS, board cflags, -D defines; no -I
    ldflags: tuple[str, ...]            # before the objects
    ldlibs: tuple[str, ...]             # after the objects: the board's ldflags
    executable: str                     # "firmware" (host) or "firmware.elf"
    images: tuple[str, ...]             # flashable images beside it (real boards): .bin, .hex


def recipe(board: Board, *, profile: bool = False, include_dirs=()) -> Recipe:
    """Flags, board files and include folders of a firmware for ``board``."""
    cflags = (*COMMON_CFLAGS, *board.cflags, f'-DAOT_BOARD_NAME="{board.name}"',
              *(["-DAOT_PROFILE"] if profile else []))
    ldflags = [*board.cflags, "-Wl,--gc-sections"]
    if board.stack_bytes:
        ldflags.append(f"-Wl,--defsym=__stack_size={board.stack_bytes}")
    return Recipe(
        board=board,
        board_sources=tuple(board.sources) or tuple(sorted(board.dir.glob("*.c"))),
        include_dirs=(runtime.runtime_include_dir(), board.dir, *board.include_dirs, *map(Path, include_dirs)),
        cflags=cflags, ldflags=tuple(ldflags), ldlibs=tuple(board.ldflags),
        executable="firmware" if board.run == "host" else "firmware.elf",
        images=(".bin", ".hex") if board.run == "port" else (),
    )


def build(board: Board, model_dir: Path, out_dir: Path, *, profile: bool = False,
          extra_cflags=()) -> BuildResult:
    """Compile runtime_c, the board's sources and every model_dir/*.c into out_dir."""
    model_dir = Path(model_dir)
    model_sources = sorted(model_dir.glob("*.c"))
    if not model_sources:
        raise BuildError(f"no C sources in {model_dir}")
    return build_sources(board, {"runtime": runtime.runtime_sources(profile), "model": model_sources},
                         out_dir, include_dirs=[model_dir], profile=profile, extra_cflags=extra_cflags)


def build_sources(board: Board, sources: dict[str, list[Path]], out_dir: Path, *,
                  include_dirs=(), profile: bool = False, extra_cflags=()) -> BuildResult:
    """Compile the given groups of C files plus the board's sources and link them.

    ``sources`` maps a group name (a sub-folder of out_dir/obj) to its files; build() passes
    the runtime and the model, tests pass small firmware of their own."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # Parallel builds into one folder (test workers sharing a cache) take turns; the later
    # ones then find the first one's result in the cache.
    with open(out_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _build_locked(board, sources, out_dir, include_dirs, profile, extra_cflags)


def _build_locked(board: Board, sources: dict[str, list[Path]], out_dir: Path, include_dirs,
                  profile: bool, extra_cflags) -> BuildResult:
    r = recipe(board, profile=profile, include_dirs=include_dirs)
    groups = {"board": list(r.board_sources)}
    groups.update({name: [Path(p).resolve() for p in files] for name, files in sources.items()})
    include_dirs = list(r.include_dirs)
    cflags = [*r.cflags, *ANALYSIS_CFLAGS, *(f"-I{d}" for d in include_dirs), *extra_cflags]
    exe = out_dir / r.executable
    ldflags = [*r.ldflags, f"-Wl,-Map={out_dir / 'firmware.map'}"]

    key = _input_hash(board, groups, include_dirs, cflags, ldflags)
    stamp = out_dir / STAMP
    if exe.is_file() and stamp.is_file():
        try:
            saved = json.loads(stamp.read_text())
            if saved.get("key") == key:
                return _result_from_json(saved["result"], exe)
        except (ValueError, KeyError, TypeError):
            pass

    _check_tool(board.cc, board)
    obj_root = out_dir / "obj"
    shutil.rmtree(obj_root, ignore_errors=True)
    jobs = []
    for group, files in groups.items():
        for i, src in enumerate(files):
            obj = obj_root / group / f"{i:02d}_{src.stem}.o"
            obj.parent.mkdir(parents=True, exist_ok=True)
            jobs.append((src, obj))

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        failures = [f for f in pool.map(lambda job: _compile(board.cc, cflags, *job), jobs) if f]
    if failures:
        raise BuildError(f"compiling for board {board.name} failed:\n" + "\n".join(failures))

    exe.unlink(missing_ok=True)
    _link(board, [obj for _, obj in jobs], exe, ldflags)
    if r.images:
        _flash_images(board, exe, r.images)
    sizes = section_sizes(board, exe)
    result = BuildResult(exe, stack=stack_bound(obj_root), **sizes)
    stamp.write_text(json.dumps({"key": key, "result": _result_to_json(result)}, indent=1))
    return result


def _check_tool(tool: str, board: Board) -> None:
    if shutil.which(tool) is None:
        raise BuildError(f"compiler {tool!r} for board {board.name} not found on PATH{install_hint(tool)}")


def _compile(cc: str, cflags: list[str], src: Path, obj: Path) -> str | None:
    # -fcallgraph-info names its .ci after the output (obj.ci); -fstack-usage likewise (obj.su).
    cmd = [cc, *cflags, "-c", str(src), "-o", str(obj)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=obj.parent)
    if proc.returncode != 0:
        return f"{src}:\n" + _first_errors(proc.stderr)
    return None


def _first_errors(stderr: str) -> str:
    lines = stderr.splitlines()
    errors = [ln for ln in lines if _ERROR_LINE.search(ln)]
    return "\n".join((errors or lines)[:MAX_ERROR_LINES])


def _link(board: Board, objs: list[Path], exe: Path, ldflags: list[str]) -> None:
    cmd = [board.cc, *ldflags, *map(str, objs), *board.ldflags, "-o", str(exe)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode == 0:
        return
    overflows = _REGION_OVERFLOW.findall(proc.stderr)
    if overflows:
        raise BuildError("; ".join(overflow_message(board, region, int(n)) for region, n in overflows))
    raise BuildError(f"linking for board {board.name} failed:\n" + _first_errors(proc.stderr))


IMAGE_FORMATS = {".bin": "binary", ".hex": "ihex"}   # objcopy -O <format> per image suffix


def _flash_images(board: Board, exe: Path, suffixes: tuple[str, ...]) -> None:
    """firmware.bin and firmware.hex beside the ELF, for flashing tools that want them."""
    tool = board.binutil("objcopy")
    for suffix in suffixes:
        fmt = IMAGE_FORMATS[suffix]
        proc = subprocess.run([tool, "-O", fmt, str(exe), str(exe.with_suffix(suffix))],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise BuildError(f"{tool} -O {fmt} failed: {proc.stderr.strip()}")


def overflow_message(board: Board, region: str, excess: int) -> str:
    """'model needs N bytes of RAM but board X has M (region RAM)' from the linker's overflow."""
    limit = board.ram_bytes if region.upper().startswith("RAM") else board.flash_bytes
    kind = "RAM" if region.upper().startswith("RAM") else "flash"
    if limit is None:
        return f"model does not fit board {board.name}: region {region} overflowed by {excess} bytes"
    stack = board.stack_bytes
    what = f" (data + bss + {stack} bytes of stack)" if kind == "RAM" and stack else ""
    return (f"model needs {limit + excess} bytes of {kind}{what} but board {board.name} has "
            f"{limit} (region {region} overflowed by {excess} bytes)")


# Sections by name, as `size -A` prints them. Everything else (debug info, .stack, .comment,
# the ELF loader's tables of a host executable) is not counted.
_TEXT = (".text", ".init", ".fini", ".plt", ".ARM.exidx", ".ARM.extab")
_RODATA = (".rodata", ".eh_frame")
_DATA = (".data", ".init_array", ".fini_array", ".got", ".tdata")
_BSS = (".bss", ".tbss", ".sbss")


def section_sizes(board: Board, exe: Path) -> dict[str, int]:
    """text, rodata, data and bss bytes of an executable, from `<prefix>size -A`."""
    tool = board.size_tool
    if shutil.which(tool) is None:
        raise BuildError(f"{tool!r} not found on PATH{install_hint(tool)}")
    proc = subprocess.run([tool, "-A", str(exe)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise BuildError(f"{tool} failed: {proc.stderr.strip()}")
    sizes = dict(text=0, rodata=0, data=0, bss=0)
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) != 3 or not parts[1].isdigit():
            continue
        name, size = parts[0], int(parts[1])
        for kind, prefixes in (("text", _TEXT), ("rodata", _RODATA), ("data", _DATA), ("bss", _BSS)):
            if any(name == p or name.startswith(p + ".") for p in prefixes):
                sizes[kind] += size
                break
    return sizes


def _input_hash(board: Board, groups: dict[str, list[Path]], include_dirs: list[Path],
                cflags: list[str], ldflags: list[str]) -> str:
    h = hashlib.sha256()
    h.update(json.dumps([board.cc, cflags, ldflags, list(board.ldflags)]).encode())
    cc = shutil.which(board.cc)
    if cc:
        info = Path(cc).resolve().stat()
        h.update(f"{cc}:{info.st_size}:{info.st_mtime_ns}".encode())
    files: set[Path] = {p for sources in groups.values() for p in sources}
    dirs = {*include_dirs, board.dir, *(p.parent for p in board.sources)}
    for d in dirs:
        files.update(p for p in Path(d).glob("*") if p.suffix in (".h", ".ld", ".toml") and p.is_file())
    for p in sorted(files):
        h.update(str(p).encode())
        h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def _result_to_json(r: BuildResult) -> dict:
    return dict(text=r.text, rodata=r.rodata, data=r.data, bss=r.bss, stack=asdict(r.stack))


def _result_from_json(d: dict, exe: Path) -> BuildResult:
    return BuildResult(exe, d["text"], d["rodata"], d["data"], d["bss"], StackBound(**d["stack"]), cached=True)
