"""Every IR kind has its four faces, findable by its name: the reference (aot/ops/<kind>.py:
check, reference, macs, TRAITS), its kernel declarations (codegen_c/ops/<kind>.py KERNELS), their
templates (templates/ops/), and tests: a single-op generator of tests/op_models/ whose model
imports to that kind, so the oracle tests (tflite-micro, host C; tests/ops/test_tflite_*.py and
the per-kind tests/ops/test_<kind>.py) exercise it."""
from pathlib import Path

import pytest

from aot import ops
from aot.frontends.tflite import load_tflite
from codegen_c.registry import declared
from tests.op_models import CASES, make

ROOT = Path(__file__).resolve().parents[2]


def _kinds_generated() -> set[str]:
    return {op.kind for name, dtype in CASES for op in load_tflite(make(name, 0, dtype)).ops}


GENERATED = _kinds_generated()


@pytest.mark.parametrize("kind", ops.KINDS)
def test_kind_has_its_faces(kind):
    module = ops.get(kind)
    assert all(callable(getattr(module, f, None)) for f in ("check", "reference", "macs")), kind
    assert isinstance(module.TRAITS, ops.OpTraits), kind
    kernels = declared(kind)
    assert kernels and kernels[0].name == "portable", f"{kind}: the reference C kernel is declared first"
    for k in kernels:
        assert (ROOT / "templates" / k.template).is_file(), f"{kind}: {k.template} missing"
    assert kind in GENERATED, f"{kind}: no single-op generator in tests/op_models/ imports to it"
