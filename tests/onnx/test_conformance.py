"""ONNX backend node tests for every operator we import: each case passes (NumPy reference vs
the expected outputs, generated C on the host vs the reference) or is rejected up front."""
import pytest

from tests.onnx import conformance


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    return conformance.run(build_dir=tmp_path_factory.mktemp("conformance"))


def test_no_case_fails(cases):
    failed = [f"{c.name}: {c.reason}" for c in cases if c.status == "failed"]
    assert not failed, "\n".join(failed)


def test_rejections_give_a_reason(cases):
    assert all(c.reason for c in cases if c.status == "unsupported")


def test_core_operators_pass(cases):
    """The operators of plain CNNs pass every case they do not reject for a type."""
    counts = conformance.summary(cases)
    for op in ("Conv", "Gemm", "Relu", "MaxPool", "AveragePool", "Softmax", "Reshape", "Transpose", "Concat"):
        assert counts[op]["passed"] >= 1 and counts[op]["failed"] == 0, op
