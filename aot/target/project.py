"""Standalone projects: a folder that builds the RPC firmware of one model without microaot.

``write_project(model_dir, board, out_dir, template)`` writes, around ``model_dir`` (a compiled
model folder: `microaot compile`'s output; aot.driver.project.generate_project emits one),

    model/            a copy of model_dir (model.c, model.h, aot_model.h, ..., metadata.json)
    runtime/include/  runtime_c headers        runtime/src/  the RPC server, framing, CRC, main
    boards/...        the board's start-up code, HAL and linker scripts, same layout as boards/
    Makefile          (template make)  or  CMakeLists.txt + toolchain.cmake  (template cmake)
    project.json      what was generated, how to build it and where the firmware lands
    README.md         build, flash and run commands

Template app is the make template's build around an application instead of the RPC server:
app/main.c runs one inference on a sample input (app/sample_input.h) and prints the top class,
its score and the counter on the board's UART (aot/target/app.py). The make and app Makefiles
also build the model alone as a static library (``make lib`` -> build/lib<prefix>.a), and the
cmake template defines it as ``<prefix>_model`` (add_library STATIC, PUBLIC include folders).

or, for template zephyr, a Zephyr application (zephyr_app/: CMakeLists.txt, prj.conf,
src/hal_zephyr.c, boards/*.overlay|*.conf) with model/ and runtime/ and a microaot.cmake that
names the board; its zephyr/module.yml (+ zephyr/CMakeLists.txt, zephyr/Kconfig) also makes the
folder a Zephyr module that adds the model, as a library, to an existing west workspace. Flags come from aot.target.build.recipe(), the same as `microaot run` uses, with the
board's paths rewritten to the copies; no file of a project refers back to microaot.
The layout and the flows are documented in docs/project.md.
"""
from __future__ import annotations

import json
import re
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import numpy as np

from aot import __version__
from aot.core.errors import AotError
from aot.core.resources import data_dir
from aot.target import runtime
from aot.target.app import SampleError, write_app
from aot.target.boards import Board, boards_dir
from aot.target.build import IMAGE_FORMATS, recipe
from codegen_c.generate import DEFAULT_DESCRIPTOR

TEMPLATES = ("make", "cmake", "zephyr", "app")
MARKER = "project.json"
_ROOT = "@ROOT@"   # stands for the project folder in relocated flags until a template renders them


class ProjectError(AotError):
    """The project cannot be generated (board without a Zephyr name, folder in use, ...)."""


@dataclass
class Project:
    directory: Path
    template: str
    board: str | None                   # microaot board name
    zephyr_board: str | None
    build: list[str]                    # the command that builds it, run in ``directory``
    firmware: str                       # the built firmware, relative to ``directory``
    images: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)   # every file written, relative, sorted
    library: str | None = None          # the model as a static library (make lib / cmake target)

    def to_json(self) -> dict:
        return {"generator": f"microaot {__version__}", "template": self.template, "board": self.board,
                "zephyr_board": self.zephyr_board, "build": self.build, "firmware": self.firmware,
                "images": self.images, "library": self.library, "files": self.files}


# ---- path relocation: the board's files under boards/ become the project's boards/ --------

class _Relocator:
    """Copies the board files a firmware needs into out_dir/boards/ (the same layout as the
    microaot boards folder) and rewrites absolute paths in flags to ``@ROOT@boards/...``."""

    def __init__(self, out_dir: Path):
        self.out_dir = out_dir
        self.src_root = boards_dir().resolve()
        self.pattern = re.compile(re.escape(str(self.src_root)) + r"((?:/[^\s/'\";,]+)*)")
        self.copied: dict[Path, str] = {}   # source -> project-relative path

    def rel(self, path: Path) -> str:
        path = Path(path).resolve()
        try:
            return "boards/" + path.relative_to(self.src_root).as_posix()
        except ValueError:
            raise ProjectError(f"{path} is outside the boards folder {self.src_root}: cannot copy it into a project") from None

    def copy_file(self, path: Path) -> str:
        path = Path(path).resolve()
        if path not in self.copied:
            rel = self.rel(path)
            (self.out_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, self.out_dir / rel)
            self.copied[path] = rel
        return self.copied[path]

    def copy_dir(self, path: Path) -> str:
        """A folder named by -I or -L: its headers and linker scripts (not its C files)."""
        for f in sorted(Path(path).iterdir()):
            if f.is_file() and f.suffix in (".h", ".ld"):
                self.copy_file(f)
        return self.rel(path)

    def flag(self, text: str) -> str:
        def sub(m: re.Match) -> str:
            path = Path(m.group(0))
            if path.is_file():
                return _ROOT + self.copy_file(path)
            if path.is_dir():
                return _ROOT + self.copy_dir(path)
            raise ProjectError(f"flag {text!r} names {path}, which does not exist")
        return self.pattern.sub(sub, text)


# ---- rendering -----------------------------------------------------------------------------

def _make_word(text: str) -> str:
    """One shell word in a Makefile recipe: shell-quoted, with make's $ and # escaped."""
    return shlex.quote(text.replace(_ROOT, "")).replace("$", "$$").replace("#", "\\#")


def _cmake_word(text: str) -> str:
    """One quoted CMake argument; @ROOT@ becomes ${CMAKE_CURRENT_SOURCE_DIR}/."""
    quoted = text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
    return '"' + quoted.replace(_ROOT, "${CMAKE_CURRENT_SOURCE_DIR}/") + '"'


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(data_dir("templates") / "project")),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters["make_word"] = _make_word
    env.filters["cmake_word"] = _cmake_word
    return env


def _render(env: jinja2.Environment, name: str, dest: Path, **values) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(env.get_template(name).render(**values))


# ---- the generator -------------------------------------------------------------------------

def _prepare(out_dir: Path) -> None:
    if out_dir.exists() and any(out_dir.iterdir()) and not (out_dir / MARKER).is_file():
        raise ProjectError(f"{out_dir} exists and is not empty (and is not a microaot project): "
                           "choose a new folder")
    if out_dir.exists():   # regenerating: drop what an earlier generation wrote
        old = json.loads((out_dir / MARKER).read_text()) if (out_dir / MARKER).is_file() else {}
        for rel in old.get("files", []):
            path = (out_dir / rel).resolve()
            if path.is_relative_to(out_dir) and path.is_file():
                path.unlink()
    out_dir.mkdir(parents=True, exist_ok=True)


def _copy_runtime(out_dir: Path, sources: list[Path]) -> tuple[list[str], str]:
    inc = out_dir / "runtime" / "include"
    inc.mkdir(parents=True, exist_ok=True)
    for h in sorted(runtime.runtime_include_dir().glob("*.h")):
        shutil.copyfile(h, inc / h.name)
    src = out_dir / "runtime" / "src"
    src.mkdir(parents=True, exist_ok=True)
    for c in sources:
        shutil.copyfile(c, src / c.name)
    return [f"runtime/src/{c.name}" for c in sources], "runtime/include"


def zephyr_board_of(board: Board | None, zephyr_board: str | None) -> str:
    if zephyr_board:
        return zephyr_board
    if board is None:
        raise ProjectError("template zephyr needs --board (a microaot board with a zephyr_board key) "
                           "or --zephyr-board")
    if not board.zephyr_board:
        raise ProjectError(f"board {board.name} has no zephyr_board in its board.toml; "
                           "give the Zephyr board with --zephyr-board")
    return board.zephyr_board


def zephyr_board_file(zephyr_board: str, suffix: str) -> str:
    """boards/<name>.overlay|.conf as Zephyr looks it up: 'mps2/an386' -> boards/mps2_an386.overlay."""
    return f"boards/{zephyr_board.replace('/', '_')}{suffix}"


def write_project(model_dir: Path | str, board: Board | None, out_dir: Path | str, template: str, *,
                  profile: bool = False, zephyr_board: str | None = None,
                  sample: dict[str, np.ndarray] | None = None, sample_note: str = "") -> Project:
    """Write a standalone project (see the module docstring) around the compiled model folder
    ``model_dir`` and return what it holds. Template app needs ``sample`` (input name -> array
    in the input's dtype) and ``sample_note`` (where it came from, for app/sample_input.h)."""
    if template not in TEMPLATES:
        raise ProjectError(f"unknown template {template!r}; one of {', '.join(TEMPLATES)}")
    if template != "zephyr" and board is None:
        raise ProjectError(f"template {template} needs --board")
    if template != "zephyr" and zephyr_board:
        raise ProjectError("--zephyr-board is only for --template zephyr")
    if template == "app" and profile:
        raise ProjectError("--profile builds the RPC firmware's profiler; template app has no RPC server")
    if (template == "app") != (sample is not None):
        raise ProjectError("a sample input is for template app only" if sample is not None
                           else "template app needs a sample input")
    model_dir, out_dir = Path(model_dir).resolve(), Path(out_dir).resolve()
    meta = _model_metadata(model_dir)
    if template == "zephyr" and meta["descriptor"] != DEFAULT_DESCRIPTOR:
        raise ProjectError(f"template zephyr serves a model compiled with the default prefix (model), "
                           f"not {meta['descriptor']}: compile without --prefix")
    if model_dir.is_relative_to(out_dir) or out_dir.is_relative_to(model_dir):
        raise ProjectError(f"the model folder {model_dir} and the project folder {out_dir} overlap")
    _prepare(out_dir)
    shutil.copytree(model_dir, out_dir / "model", dirs_exist_ok=True)
    env = _env()
    common = {"version": __version__, "model": meta["model"], "source": meta["source"], "sha256": meta["sha256"],
              "board": board, "profile": profile, "template": template}

    if template == "zephyr":
        project = _zephyr(board, out_dir, env, common, profile, zephyr_board_of(board, zephyr_board))
        _zephyr_module(out_dir, env, common, prefix_of(meta["descriptor"]))
    else:
        app = None if sample is None else (sample, sample_note, meta)
        project = _bare_metal(board, out_dir, env, common, template, profile, meta["descriptor"], app)
    _render(env, "README.md.j2", out_dir / "README.md", project=project, prefix=prefix_of(meta["descriptor"]), **common)
    project.files = sorted(p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*")
                           if p.is_file() and p.name != MARKER) + [MARKER]
    (out_dir / MARKER).write_text(json.dumps(project.to_json(), indent=2) + "\n")
    return project


def _model_metadata(model_dir: Path) -> dict:
    """The compiled model's name, source file name, hash and descriptor (its metadata.json; a
    folder compiled before the descriptor was recorded: the default prefix's)."""
    try:
        meta = json.loads((model_dir / "metadata.json").read_text())
        return {**{key: meta[key] for key in ("model", "source", "sha256", "inputs", "outputs")},
                "descriptor": meta.get("descriptor", DEFAULT_DESCRIPTOR)}
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ProjectError(f"{model_dir} is not a compiled model folder (microaot compile's output): "
                           f"its metadata.json cannot be read ({type(e).__name__}: {e})") from None


def prefix_of(descriptor: str) -> str:
    """The C API prefix of a model whose descriptor is ``descriptor`` (codegen_c.generate.descriptor_name)."""
    return "model" if descriptor == DEFAULT_DESCRIPTOR else descriptor.removesuffix("_model")


def _bare_metal(board: Board, out_dir: Path, env: jinja2.Environment, common: dict, template: str,
                profile: bool, descriptor: str, app: tuple | None = None) -> Project:
    """``descriptor``: the aot_model_t the runtime's main.c serves (-DAOT_MODEL=... unless the default);
    ``app``: (sample, note, metadata) for template app, whose app/main.c replaces the RPC server."""
    r = recipe(board, profile=profile)
    rel = _Relocator(out_dir)
    program_srcs, runtime_inc = _copy_runtime(out_dir, [] if app else runtime.runtime_sources(profile))
    prefix = prefix_of(descriptor)
    if app:   # the application in place of the RPC server and its main
        sample, note, meta = app
        try:
            program_srcs = write_app(env, out_dir, meta, prefix, descriptor, board.counter, sample, note, common)
        except SampleError as e:
            raise ProjectError(f"sample input: {e}") from None
    board_srcs = [rel.copy_file(p) for p in r.board_sources]
    runtime_dir = runtime.runtime_include_dir().resolve()
    include_dirs = [runtime_inc, *(rel.copy_dir(d) for d in r.include_dirs if Path(d).resolve() != runtime_dir), "model"]
    serves = not app and descriptor != DEFAULT_DESCRIPTOR
    cflags = [rel.flag(f) for f in r.cflags] + ([f"-DAOT_MODEL={descriptor}"] if serves else [])
    ldflags = [rel.flag(f) for f in r.ldflags]
    ldlibs = [rel.flag(f) for f in r.ldlibs]
    _check_no_escape(out_dir, [*cflags, *ldflags, *ldlibs])

    model_srcs = sorted(f"model/{p.name}" for p in (out_dir / "model").glob("*.c"))
    values = dict(
        common, cc=board.cc, objcopy=board.binutil("objcopy"), size=board.binutil("size"), ar=board.binutil("ar"),
        prefix=prefix, library=f"lib{prefix}.a", model_sources=model_srcs, app=bool(app),
        cross=board.run != "host", cpu=board.cpu or "unknown",
        sources=[*board_srcs, *program_srcs, *model_srcs],   # the link order of aot.target.build
        include_dirs=include_dirs,
        cflags=cflags, ldflags=ldflags, ldlibs=ldlibs,
        linker_scripts=sorted(p for p in rel.copied.values() if p.endswith(".ld")),
        executable=r.executable, images=[(s, IMAGE_FORMATS[s]) for s in r.images],
    )
    if template in ("make", "app"):
        _render(env, "make/Makefile.j2", out_dir / "Makefile", **values)
        build = ["make"]
    else:
        _render(env, "cmake/CMakeLists.txt.j2", out_dir / "CMakeLists.txt", **values)
        _render(env, "cmake/toolchain.cmake.j2", out_dir / "toolchain.cmake", **values)
        build = ["cmake", "-B", "build", "-S", ".", "&&", "cmake", "--build", "build"]
    stem = r.executable.removesuffix(".elf")
    library = f"build/lib{prefix}_model.a" if template == "cmake" else f"build/lib{prefix}.a"
    return Project(out_dir, template, board.name, board.zephyr_board, build, f"build/{r.executable}",
                   [f"build/{stem}{s}" for s in r.images], library=library)


def _check_no_escape(out_dir: Path, flags: list[str]) -> None:
    """No flag may still name a file of the microaot installation."""
    roots = {str(data_dir("boards").parent), str(data_dir("runtime_c").parent)}
    for f in flags:
        if any(root in f for root in roots):
            raise ProjectError(f"flag {f!r} refers to the microaot installation; a project must not")


def _zephyr(board: Board | None, out_dir: Path, env: jinja2.Environment, common: dict,
            profile: bool, zephyr_board: str) -> Project:
    app = data_dir("zephyr_app")
    for f in sorted(app.rglob("*")):
        if f.is_file() and f.name != ".keep":
            dest = out_dir / f.relative_to(app)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, dest)
    # every runtime file, the profiler too: AOT_PROFILE is a CMake option of the app
    _copy_runtime(out_dir, runtime.runtime_sources(True))
    _render(env, "zephyr/microaot.cmake.j2", out_dir / "microaot.cmake", zephyr_board=zephyr_board,
            board_name=board.name if board else zephyr_board, **common)
    return Project(out_dir, "zephyr", board.name if board else None, zephyr_board,
                   ["west", "build", "-b", zephyr_board, "."], "build/zephyr/zephyr.elf",
                   ["build/zephyr/zephyr.bin", "build/zephyr/zephyr.hex"])


def _zephyr_module(out_dir: Path, env: jinja2.Environment, common: dict, prefix: str) -> None:
    """zephyr/module.yml, zephyr/CMakeLists.txt, zephyr/Kconfig: the folder as a Zephyr module
    (ZEPHYR_EXTRA_MODULES or west.yml) whose Kconfig option builds model/*.c as a library."""
    for name in ("module.yml", "CMakeLists.txt", "Kconfig"):
        _render(env, f"zephyr/module/{name}.j2", out_dir / "zephyr" / name, prefix=prefix,
                PREFIX=prefix.upper(), **common)
