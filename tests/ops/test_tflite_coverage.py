"""Every (builtin, dtype) the TFLite frontend claims (``CONVERTERS`` of aot/frontends/tflite_ops/,
which ``microaot ops`` lists) is exercised by a single-op generator of tests/op_models/, so the
oracle tests (tflite-micro and the host C) cover each claim; and no generator tests a builtin the
frontend does not claim."""
import tflite

from aot.core.ir import DTYPES
from aot.frontends.tflite_ops import CONVERTERS
from tests.op_models import CASES, make

_NAMES = {v: k for k, v in vars(tflite.BuiltinOperator).items() if not k.startswith("_")}


def _builtins(model: bytes) -> set[str]:
    m = tflite.Model.GetRootAsModel(model, 0)
    return {_NAMES[max(m.OperatorCodes(i).BuiltinCode(), m.OperatorCodes(i).DeprecatedBuiltinCode())]
            for i in range(m.OperatorCodesLength())}


def _generated() -> set[tuple[str, str]]:
    return {(b, dtype) for op, dtype in CASES for b in _builtins(make(op, 0, dtype))}


def test_every_claim_has_a_generator():
    claimed = {(name, dtype) for name, (_, dtypes) in CONVERTERS.items() for dtype in dtypes}
    missing = sorted(claimed - _generated())
    assert not missing, f"claimed by the frontend but never generated in the tests: {missing}"


def test_every_generated_builtin_is_claimed():
    unclaimed = sorted({b for b, _ in _generated()} - set(CONVERTERS))
    assert not unclaimed, f"generated but not in CONVERTERS: {unclaimed}"


def test_dtypes_are_known():
    bad = {name: dtypes for name, (_, dtypes) in CONVERTERS.items() if not dtypes or not set(dtypes) <= set(DTYPES)}
    assert not bad, f"unknown or no dtypes: {bad}"
