"""`microaot compile -o DIR --archive OUT.tar`: a deterministic tar of the compiled model."""
from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
import tarfile

import pytest
from project_helpers import MODELS, ROOT

from aot.core.errors import AotError
from aot.target.archive import write_archive

KWS = MODELS / "kws_ref_model_int8.tflite"


def compile_cli(out, archive, *extra, env=None):
    r = subprocess.run([sys.executable, "-m", "aot", "compile", str(KWS), "-o", str(out), "--archive", str(archive),
                        "--json", *extra], cwd=ROOT, capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_same_model_gives_the_same_bytes(tmp_path):
    a = compile_cli(tmp_path / "a", tmp_path / "a.tar")
    compile_cli(tmp_path / "b", tmp_path / "b.tar")
    assert a["archive"] == str(tmp_path / "a.tar")
    assert (tmp_path / "a.tar").read_bytes() == (tmp_path / "b.tar").read_bytes()


def test_layout_and_fixed_metadata(tmp_path):
    compile_cli(tmp_path / "out", tmp_path / "m.tar")
    with tarfile.open(tmp_path / "m.tar") as tar:
        members = tar.getmembers()
        names = [m.name for m in members]
        assert names == sorted(names)
        assert all(n.startswith("kws_ref_model_int8/") for n in names)
        for m in members:
            assert (m.mtime, m.uid, m.gid, m.uname, m.gname) == (0, 0, 0, "", "")
            assert m.isfile() and m.mode == 0o644
        files = {n.split("/", 1)[1]: tar.extractfile(n).read() for n in names}
    on_disk = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    assert files == on_disk
    for required in ("model.c", "model.h", "aot_model.h", "aot_fixedpoint.h", "metadata.json", "memory.txt"):
        assert required in files
    assert json.loads(files["metadata.json"])["model"] == "kws_ref_model_int8"


def test_gzip_is_deterministic_too(tmp_path):
    compile_cli(tmp_path / "a", tmp_path / "a.tar.gz")
    compile_cli(tmp_path / "b", tmp_path / "b.tgz")
    a, b = (tmp_path / "a.tar.gz").read_bytes(), (tmp_path / "b.tgz").read_bytes()
    assert a == b and a[4:8] == b"\0\0\0\0"        # gzip header MTIME = 0
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(a))) as tar:
        assert "kws_ref_model_int8/model.c" in tar.getnames()


def test_source_date_epoch_sets_the_mtime(tmp_path):
    import os
    compile_cli(tmp_path / "a", tmp_path / "a.tar", env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000"})
    with tarfile.open(tmp_path / "a.tar") as tar:
        assert {m.mtime for m in tar.getmembers()} == {1700000000}


def test_subfolders_and_bad_names(tmp_path):
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "sub" / "x.c").write_text("int x;\n")
    (src / "a.h").write_text("\n")
    write_archive(src, tmp_path / "o.tar", "top")
    with tarfile.open(tmp_path / "o.tar") as tar:
        assert tar.getnames() == ["top/a.h", "top/sub", "top/sub/x.c"]
        assert tar.getmember("top/sub").isdir()
    with pytest.raises(AotError, match=r"\.tar"):
        write_archive(src, tmp_path / "o.zip", "top")
