"""`inspect --memory --plot`: the SVG's labels lie inside the picture, the PNG is the same chart drawn by matplotlib."""
import math
import re
import sys
import xml.etree.ElementTree as ET

import pytest

from aot import cli
from aot.driver.compiler import compile_file
from aot.driver.plot import write_plot
from tests.models_list import model_path

HELLO = model_path("hello_world_int8")
SVG = "{http://www.w3.org/2000/svg}"
# Our own estimate of rendered text, independent of the writer's: a sans-serif character is at most
# 0.65 em wide (DejaVu Sans digits are 0.64 em, lowercase narrower), ascent 0.8 em, descent 0.25 em.
EM_WIDTH, ASCENT, DESCENT = 0.65, 0.8, 0.25


def text_corners(el, font_size):
    """The four corners of a <text>'s estimated box after its rotate() transform."""
    size = float(el.get("font-size", font_size))
    x, y = float(el.get("x")), float(el.get("y"))
    w = len(el.text) * EM_WIDTH * size
    x0 = {"start": x, "middle": x - w / 2, "end": x - w}[el.get("text-anchor", "start")]
    corners = [(x0, y - ASCENT * size), (x0 + w, y - ASCENT * size), (x0, y + DESCENT * size), (x0 + w, y + DESCENT * size)]
    m = re.fullmatch(r"rotate\(([-\d.]+) ([-\d.]+) ([-\d.]+)\)", el.get("transform", "rotate(0 0 0)"))
    a, cx, cy = math.radians(float(m[1])), float(m[2]), float(m[3])
    return [(cx + (px - cx) * math.cos(a) - (py - cy) * math.sin(a), cy + (px - cx) * math.sin(a) + (py - cy) * math.cos(a))
            for px, py in corners]


def assert_labels_inside(svg_text):
    root = ET.fromstring(svg_text)
    x0, y0, width, height = map(float, root.get("viewBox").split())
    assert (x0, y0) == (0, 0) and (width, height) == (float(root.get("width")), float(root.get("height")))
    texts = list(root.iter(f"{SVG}text"))
    assert texts
    for el in texts:
        for px, py in text_corners(el, float(root.get("font-size"))):
            assert 0 <= px <= width and 0 <= py <= height, (el.text, px, py, width, height)
    return root, texts


def test_long_op_labels_and_title_are_not_clipped(tmp_path):
    cm = compile_file(HELLO)
    names = ["fully_connected_with_a_very_long_descriptive_kernel_name_" + "x" * i for i in range(len(cm.graph.ops))]
    path = tmp_path / "arena.svg"
    write_plot(cm.plan, path, "a_model_whose_name_is_longer_than_the_plot_is_wide_" * 3, names)
    root, texts = assert_labels_inside(path.read_text())
    labels = [t for t in texts if t.text.split(" ", 1)[-1] in names]
    assert len(labels) == len(names)
    # one label per op step, side by side: their (rotated) columns do not overlap
    columns = sorted((min(x for x, _ in text_corners(t, 11)), max(x for x, _ in text_corners(t, 11))) for t in labels)
    assert all(a[1] <= b[0] for a, b in zip(columns, columns[1:])), columns


@pytest.mark.parametrize("name", ["hello_world_int8", "ic_resnet8_int8"])
def test_cli_svg_labels_inside(name, tmp_path, capsys):
    plot = tmp_path / "arena.svg"
    assert cli.main(["inspect", str(model_path(name)), "--memory", "--board", "host", "--plot", str(plot), "-q"]) == 0
    _, texts = assert_labels_inside(plot.read_text())
    ops = len(compile_file(model_path(name)).graph.ops)
    assert {f"{i} " for i in range(ops)} <= {t.text.split(" ", 1)[0] + " " for t in texts}


def test_png_is_the_same_chart(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    from matplotlib.image import imread

    plot = tmp_path / "arena.png"
    assert cli.main(["inspect", str(HELLO), "--memory", "--board", "host", "--plot", str(plot), "--json"]) == 0
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pixels = imread(plot)
    height, width = pixels.shape[:2]
    assert 300 <= height <= 2000 and 600 <= width <= 3000, pixels.shape
    assert pixels[..., :3].std() > 0.05  # not a blank image: boxes, labels


def test_png_without_matplotlib_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # `import matplotlib...` raises ImportError
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    plot = tmp_path / "arena.png"
    assert cli.main(["inspect", str(HELLO), "--memory", "--board", "host", "--plot", str(plot)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install microaot[plot]" in err and not plot.exists()


@pytest.mark.parametrize("name, says", [("arena.pdf", "not .pdf"), ("arena", "without an extension")])
def test_unknown_plot_extension_is_one_line(tmp_path, capsys, name, says):
    assert cli.main(["inspect", str(HELLO), "--memory", "--plot", str(tmp_path / name)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and ".svg or .png" in err and says in err
