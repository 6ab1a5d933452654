"""Unsupported models are rejected up front with every problem listed, never a traceback."""
import pytest

from aot.core.errors import UnsupportedError
from aot.driver.compiler import compile_file
from tests.models_list import REJECTED, model_path


@pytest.mark.parametrize("name,reason", sorted(REJECTED.items()))
def test_rejected_with_reason(name, reason):
    with pytest.raises(UnsupportedError) as e:
        compile_file(model_path(name))
    assert reason in str(e.value)
    assert all(loc.startswith("#") for loc, _, _ in e.value.problems)


def test_hybrid_lists_every_conv():
    with pytest.raises(UnsupportedError) as e:
        compile_file(model_path("kws_ref_model_float32_hybrid"))
    assert [loc for loc, _, _ in e.value.problems] == ["#0", "#2", "#4", "#6", "#8"]
