"""The RPC server fuzzed (tests/fuzz/rpc_fuzz.c): 10^4 mutants of the seed corpus
(tests/fuzz/rpc_corpus: a valid frame of each command, a session, a truncated frame) through the
frame decoder and the command handlers, under AddressSanitizer and UndefinedBehaviorSanitizer;
with clang installed, also a short libFuzzer run (coverage-guided) of the same harness."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from aot.core.resources import data_dir
from aot.rpc.protocol import Cmd, Frame, StreamDecoder
from aot.target.build import WARNING_CFLAGS
from tests.fuzz.rpc_corpus import FOLDER, corpus

HERE = Path(__file__).parent
CORPUS = sorted(FOLDER.glob("*.bin"))
SANITIZE = ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-g", "-O1"]
# RUN repeats of the mock model are slow to fuzz; 4 keeps the cap's check reachable (repeat 5+).
DEFINES = ["-DAOT_PROFILE", "-DAOT_RPC_MAX_REPEAT=4"]


def _sources() -> list[str]:
    src = data_dir("runtime_c") / "src"
    return [str(src / f) for f in ("aot_crc.c", "aot_framing.c", "aot_rpc_server.c", "aot_profile.c")] + [
        str(HERE.parent / "rpc" / "fixtures" / "mock_model.c"), str(HERE / "rpc_fuzz.c")]


def _build(cc: str, out: Path, *flags: str) -> Path:
    if shutil.which(cc) is None:
        pytest.skip(f"{cc} not installed")
    cmd = [cc, "-std=c99", *WARNING_CFLAGS, *SANITIZE, *flags, *DEFINES, f"-I{data_dir('runtime_c') / 'include'}",
           *_sources(), "-o", str(out), "-lm"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, f"{' '.join(cmd)}\n{proc.stderr}"
    return out


def test_corpus_has_a_valid_frame_of_each_command():
    assert {p.stem: p.read_bytes() for p in CORPUS} == corpus()  # `python -m tests.fuzz.rpc_corpus` rewrites them
    commands = set()
    for path in CORPUS:
        for frame in StreamDecoder().feed(path.read_bytes()):
            if path.stem.startswith("truncated"):  # a broken frame on purpose, then a valid one
                continue
            assert isinstance(frame, Frame), f"{path.name}: {frame}"
            commands.add(frame.cmd)
    assert commands == set(Cmd)


def test_random_driver_finds_nothing(tmp_path):
    exe = _build("gcc", tmp_path / "rpc_fuzz")
    proc = subprocess.run([str(exe), "10000", "1", *map(str, CORPUS)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    replies = int(proc.stdout.split(" reply bytes")[0].rsplit(" ", 1)[1])
    assert replies > 10000 * 9  # most mutants reach a handler and get at least a header back


def test_libfuzzer_finds_nothing(tmp_path):
    exe = _build("clang", tmp_path / "rpc_libfuzzer", "-DAOT_LIBFUZZER", "-fsanitize=fuzzer")
    work = tmp_path / "corpus"  # libFuzzer adds the inputs it finds interesting to it
    shutil.copytree(FOLDER, work)
    proc = subprocess.run([str(exe), "-runs=10000", "-max_len=2048", "-seed=1", str(work)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]

