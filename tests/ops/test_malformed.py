"""Every malformed variant of a valid model is reported as a ModelError, never a crash."""
import pytest

from aot.core.errors import ModelError
from aot.frontends.tflite import load_tflite
from tests.malformed import malformed_variants
from tests.op_models import CASES, make

_BASE = {f"{op}-{dtype}": make(op, 0, dtype) for op, dtype in CASES}
_VARIANTS = [(f"{base}-{name}", data) for base, model in _BASE.items()
             for name, data in malformed_variants(model).items()]


@pytest.mark.parametrize("data", [d for _, d in _VARIANTS], ids=[i for i, _ in _VARIANTS])
def test_malformed_model_is_a_model_error(data):
    with pytest.raises(ModelError):
        load_tflite(data)


def test_variants_differ_from_the_model():
    model = make("conv_2d", 0)
    assert all(v != model for v in malformed_variants(model).values())
