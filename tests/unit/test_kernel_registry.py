"""The kernel contract (codegen_c/kernel.py): every op declares its kernels in one place, and the
planner, the choice policy and code generation read the declarations as data."""
from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from aot import ops
from aot.core.resources import data_dir
from aot.driver.compiler import compile_file, emit
from aot.target.boards import FEATURES, load_board
from codegen_c import ops as c_ops
from codegen_c.kernel import Kernel, KernelChoice
from codegen_c.registry import candidates, declared

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "models"


@pytest.mark.parametrize("kind", ops.KINDS)
def test_every_op_declares_its_kernels(kind):
    kernels = declared(kind)
    assert kernels and all(isinstance(k, Kernel) for k in kernels)
    first = kernels[0]
    assert not first.features and not first.in_place_only, "the first kernel is the reference every core has"
    forms = [(k.name, k.in_place_only) for k in kernels]
    assert len(forms) == len(set(forms)), f"{kind}: two kernels share a name in the same form"
    for k in kernels:
        assert (data_dir("templates") / k.template).is_file(), k.template
        assert k.features <= set(FEATURES), k.features
        if k.in_place_only:
            assert any(o.name == k.name and not o.in_place_only for o in kernels), \
                f"{kind}: in-place kernel {k.name!r} stands in for no kernel of that name"


def _names(tree: ast.AST) -> set[str]:
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


@pytest.mark.parametrize("path", ["aot/planner/inplace.py", "aot/planner/search.py", "aot/planner/plan.py",
                                  "aot/planner/liveness.py", "aot/driver/choose.py", "codegen_c/registry.py",
                                  "codegen_c/kernel.py", "codegen_c/generate.py"])
def test_planner_and_policy_name_no_operator(path):
    """The planner, the selection policy and the renderer know kernels, buffers and sizes:
    no string of theirs is an operator kind, and they never test ``op.kind``."""
    tree = ast.parse((ROOT / path).read_text())
    assert not _names(tree) & set(ops.KINDS), f"{path} names {sorted(_names(tree) & set(ops.KINDS))}"
    compares = [n for n in ast.walk(tree) if isinstance(n, ast.Compare)
                and any(isinstance(s, ast.Attribute) and s.attr == "kind" for s in [n.left, *n.comparators])]
    assert not compares, f"{path} line {compares[0].lineno} tests an op kind"


def test_plan_scratch_is_the_chosen_kernels_declaration():
    """Every scratch buffer in a DSP build's plan is what its op's chosen kernel declares."""
    cm = compile_file(MODELS / "kws_ref_model_int8.tflite", board=load_board("qemu-mps2-an386"))
    scratch = {int(b.name.split("#")[1]): b.size for b in cm.plan.buffers if b.name.startswith("scratch#")}
    assert scratch, "kws has DSP kernels with scratch"
    for i, op in enumerate(cm.graph.ops):
        where = cm.plan.overwritten_input(i, op.inputs, op.outputs[0])
        kernel = next(k for k in candidates(op, cm.graph, cm.features, where) if k.name == cm.variants[i].name)
        assert kernel.scratch(op, cm.graph, dict(cm.variants[i].knobs)) == scratch.get(i, 0), (i, op.kind)


def test_a_new_kernel_family_is_a_local_declaration(monkeypatch, tmp_path):
    """A kernel for a new CPU feature, declared in one op's list, is chosen on boards with that
    feature (preferred: declared last) and rendered from its template; elsewhere nothing changes."""
    module = c_ops.get("fully_connected")
    reference = module.KERNELS[0]
    family = Kernel("next", reference.template, reference.lower, features=frozenset({"mve"}))
    an386 = load_board("qemu-mps2-an386")
    model = MODELS / "hello_world_int8.tflite"
    before = compile_file(model, board=an386)
    monkeypatch.setattr(module, "KERNELS", (*module.KERNELS, family))
    with_mve = compile_file(model, board=dataclasses.replace(an386, features=("dsp", "mve")))
    fcs = [i for i, op in enumerate(with_mve.graph.ops) if op.kind == "fully_connected"]
    assert fcs and all(with_mve.variants[i] == KernelChoice("next") for i in fcs)
    emit(with_mve, tmp_path)
    assert "kernel next (ops/fully_connected.c.j2)" in (tmp_path / "model.c").read_text()
    without = compile_file(model, board=an386)
    assert without.variants == before.variants


def test_choice_keys_round_trip():
    for key in ("portable", "dsp", "dsp:groups=2", "dsp:cols=0"):
        assert KernelChoice.parse(key).key == key
    assert KernelChoice.parse("dsp:groups=2").knob("groups") == 2
