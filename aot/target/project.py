"""Standalone projects: a folder that builds the RPC firmware of one model (or several) without microaot.

``write_project(model_dir, board, out_dir, template)`` writes, around ``model_dir`` (a compiled
model folder: `microaot compile`'s output; aot.driver.project.generate_project emits one),

    model/            a copy of model_dir (model.c, model.h, aot_model.h, ..., metadata.json);
                      for several model folders (each compiled with its own prefix) their files
                      together, each shared runtime file (aot_dsp.c, headers) once, each model's
                      metadata.json and memory.txt in model/<prefix>/, and aot_models.c: the
                      table main.c serves (-DAOT_MODEL_TABLE)
    runtime/include/  runtime_c headers        runtime/src/  the RPC server, framing, CRC, main
    boards/...        the board's start-up code, HAL and linker scripts, same layout as boards/
    Makefile          (template make)  or  CMakeLists.txt + toolchain.cmake  (template cmake)
    project.json      what was generated, how to build it and where the firmware lands
    README.md         build, flash and run commands

Template app is the make template's build around an application instead of the RPC server:
app/main.c runs one inference on a sample input (app/sample_input.h) and prints the top class,
its score and the counter on the board's UART (aot/target/app.py). The make and app Makefiles
also build the model(s) alone as a static library (``make lib`` -> build/lib<prefix>.a), and the
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
from typing import Sequence

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
    library: str | None = None          # the model(s) as a static library (make lib / cmake target)

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
    env.filters["prefix_of"] = prefix_of
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


def write_project(model_dir: Path | str | Sequence[Path | str], board: Board | None, out_dir: Path | str,
                  template: str, *, profile: bool = False, zephyr_board: str | None = None,
                  sample: dict[str, np.ndarray] | None = None, sample_note: str = "") -> Project:
    """Write a standalone project (see the module docstring) around the compiled model folder
    ``model_dir`` (or a list of them, each compiled with its own prefix: one firmware serving
    them all, RPC model index = position in the list) and return what it holds. Template app
    (one model) needs ``sample`` (input name -> array in the input's dtype, or float32 for a
    quantised input) and ``sample_note`` (where it came from, for app/sample_input.h)."""
    if template not in TEMPLATES:
        raise ProjectError(f"unknown template {template!r}; one of {', '.join(TEMPLATES)}")
    if template != "zephyr" and board is None:
        raise ProjectError(f"template {template} needs --board")
    if template != "zephyr" and zephyr_board:
        raise ProjectError("--zephyr-board is only for --template zephyr")
    if template == "app" and profile:
        raise ProjectError("--profile builds the RPC firmware's profiler; template app has no RPC server")
    model_dirs = [model_dir] if isinstance(model_dir, (str, Path)) else list(model_dir)
    model_dirs, out_dir = [Path(d).resolve() for d in model_dirs], Path(out_dir).resolve()
    metas = [_model_metadata(d) for d in model_dirs]
    if template in ("zephyr", "app") and len(metas) > 1:
        raise ProjectError(f"template {template} serves one model, not {len(metas)}: use --template make or cmake "
                           "for a firmware with several models")
    if (template == "app") != (sample is not None):
        raise ProjectError("a sample input is for template app only" if sample is not None
                           else "template app needs a sample input")
    if template == "zephyr" and metas[0]["descriptor"] != DEFAULT_DESCRIPTOR:
        raise ProjectError(f"template zephyr serves a model compiled with the default prefix (model), "
                           f"not {metas[0]['descriptor']}: compile without --prefix")
    descriptors = [m["descriptor"] for m in metas]
    if len(set(descriptors)) != len(descriptors):
        raise ProjectError(f"models with the same C prefix ({', '.join(descriptors)}) cannot share a firmware: "
                           "give each its own --prefix")
    for d in model_dirs:
        if d.is_relative_to(out_dir) or out_dir.is_relative_to(d):
            raise ProjectError(f"the model folder {d} and the project folder {out_dir} overlap")
    _prepare(out_dir)
    if len(model_dirs) == 1:
        shutil.copytree(model_dirs[0], out_dir / "model", dirs_exist_ok=True)
    else:
        _merge_models(model_dirs, descriptors, out_dir / "model")
    env = _env()
    common = {"version": __version__, "model": " + ".join(m["model"] for m in metas),
              "source": ", ".join(m["source"] for m in metas), "sha256": metas[0]["sha256"], "models": metas,
              "board": board, "profile": profile, "template": template}

    if template == "zephyr":
        project = _zephyr(board, out_dir, env, common, profile, zephyr_board_of(board, zephyr_board))
        _zephyr_module(out_dir, env, common, prefix_of(descriptors[0]))
    else:
        app = None if sample is None else (sample, sample_note, metas[0])
        project = _bare_metal(board, out_dir, env, common, template, profile, descriptors, app)
    _render(env, "README.md.j2", out_dir / "README.md", project=project, prefix=library_prefix(descriptors), **common)
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


# Per-model files of a compiled model folder: in a several-model project, model/<prefix>/<name>.
_PER_MODEL_FILES = ("metadata.json", "memory.txt")
MODEL_TABLE = "aot_models.c"


def _merge_models(model_dirs: list[Path], descriptors: list[str], dest: Path) -> None:
    """Several compiled model folders into one model/ folder: files with one name (the runtime's
    aot_dsp.c and headers, copied by codegen beside each model) must be the same and are kept
    once, so each is compiled once; then the table main.c serves with -DAOT_MODEL_TABLE."""
    dest.mkdir(parents=True, exist_ok=True)
    for d, descriptor in zip(model_dirs, descriptors):
        for f in sorted(p for p in d.iterdir() if p.is_file()):
            target = dest / prefix_of(descriptor) / f.name if f.name in _PER_MODEL_FILES else dest / f.name
            if target.exists() and target.read_bytes() != f.read_bytes():
                raise ProjectError(f"{f.name} of {d} differs from the one of another model: compile the models "
                                   "with one microaot and distinct --prefix values")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, target)
    lines = ["/* Generated by microaot: the models this firmware serves over the RPC, in RPC model index",
             " * order (runtime/src/main.c built with -DAOT_MODEL_TABLE; docs/rpc.md). */",
             '#include "aot_model.h"', ""]
    lines += [f"extern const aot_model_t {d};" for d in descriptors]
    lines += ["", "const aot_model_t *const aot_models[] = {" + ", ".join(f"&{d}" for d in descriptors) + "};",
              f"const uint8_t aot_models_count = {len(descriptors)};", ""]
    (dest / MODEL_TABLE).write_text("\n".join(lines))


def _serve_flags(descriptors: list[str]) -> list[str]:
    """How main.c finds what it serves: its default aot_model, -DAOT_MODEL=<prefix>_model, or the
    table of aot_models.c."""
    if len(descriptors) > 1:
        return ["-DAOT_MODEL_TABLE"]
    return [] if descriptors[0] == DEFAULT_DESCRIPTOR else [f"-DAOT_MODEL={descriptors[0]}"]


def prefix_of(descriptor: str) -> str:
    """The C API prefix of a model whose descriptor is ``descriptor`` (codegen_c.generate.descriptor_name)."""
    return "model" if descriptor == DEFAULT_DESCRIPTOR else descriptor.removesuffix("_model")


def library_prefix(descriptors: list[str]) -> str:
    """What the model library is named after: the model's prefix, or the prefixes joined by '_'."""
    return "_".join(prefix_of(d) for d in descriptors)


def _bare_metal(board: Board, out_dir: Path, env: jinja2.Environment, common: dict, template: str,
                profile: bool, descriptors: list[str], app: tuple | None = None) -> Project:
    """``descriptors``: the aot_model_t(s) the runtime's main.c serves (_serve_flags); ``app``:
    (sample, note, metadata) for template app, whose app/main.c replaces the RPC server."""
    r = recipe(board, profile=profile)
    rel = _Relocator(out_dir)
    program_srcs, runtime_inc = _copy_runtime(out_dir, [] if app else runtime.runtime_sources(profile))
    if app:   # the application in place of the RPC server and its main
        sample, note, meta = app
        try:
            program_srcs = write_app(env, out_dir, meta, prefix_of(descriptors[0]), descriptors[0], board.counter,
                                     sample, note, common)
        except SampleError as e:
            raise ProjectError(f"sample input: {e}") from None
    board_srcs = [rel.copy_file(p) for p in r.board_sources]
    runtime_dir = runtime.runtime_include_dir().resolve()
    include_dirs = [runtime_inc, *(rel.copy_dir(d) for d in r.include_dirs if Path(d).resolve() != runtime_dir), "model"]
    cflags = [rel.flag(f) for f in r.cflags] + ([] if app else _serve_flags(descriptors))
    ldflags = [rel.flag(f) for f in r.ldflags]
    ldlibs = [rel.flag(f) for f in r.ldlibs]
    _check_no_escape(out_dir, [*cflags, *ldflags, *ldlibs])

    model_srcs = sorted(f"model/{p.name}" for p in (out_dir / "model").glob("*.c"))
    prefix = library_prefix(descriptors)
    values = dict(
        common, cc=board.cc, objcopy=board.binutil("objcopy"), size=board.binutil("size"), ar=board.binutil("ar"),
        prefix=prefix, library=f"lib{prefix}.a", app=bool(app), model_table=MODEL_TABLE,
        model_sources=[s for s in model_srcs if s != f"model/{MODEL_TABLE}"],   # the models, not the RPC's table
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
