"""inspect's tables cut long tensor names in the middle as memory.txt does (aot.core.text.short)."""
import json

import numpy as np
import pytest

from aot import cli
from aot.core.text import short
from tests.tflite_builder import TFLiteBuilder

LONG = {role: f"model/block_{role}/" + "very_long_layer_scope_" * 8 + role for role in ("input", "hidden", "output")}


@pytest.fixture
def long_names(tmp_path):
    b = TFLiteBuilder()
    x = b.add_tensor(LONG["input"], (1, 8), "float32")
    h = b.add_tensor(LONG["hidden"], (1, 8), "float32")
    c = b.add_tensor("c", (1, 8), "float32", data=np.arange(8, dtype=np.float32).reshape(1, 8))
    y = b.add_tensor(LONG["output"], (1, 8), "float32")
    b.add_op("RELU", [x], [h])
    b.add_op("ADD", [h, c], [y])
    b.set_io([x], [y])
    path = tmp_path / "long_names.tflite"
    path.write_bytes(b.finish())
    return path


def lines_of(capsys, argv):
    assert cli.main(argv) == 0
    return capsys.readouterr().out.splitlines()


@pytest.mark.parametrize("extra", [[], ["--memory", "--board", "host"], ["--layers"]])
def test_inspect_tables_cut_long_names(long_names, capsys, extra):
    out = lines_of(capsys, ["inspect", str(long_names), *extra])
    text = "\n".join(out)
    assert all(name not in text for name in LONG.values())  # each is longer than any column
    assert any(short(LONG["output"]) in line or short(LONG["output"], 24) in line for line in out)
    assert max(map(len, out)) < 160, max(out, key=len)
    # the JSON keeps the full names
    j = json.loads("\n".join(lines_of(capsys, ["inspect", str(long_names), *extra, "--json"])))
    assert LONG["output"] in json.dumps(j)


def test_short_cuts_in_the_middle():
    cut = short(LONG["output"])
    assert len(cut) == 48 and "..." in cut
    assert LONG["output"].startswith(cut.split("...")[0]) and LONG["output"].endswith(cut.split("...")[1])
    assert short("conv") == "conv"
