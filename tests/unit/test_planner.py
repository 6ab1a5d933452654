"""The memory planner: every plan valid, the validator catches what it must, sizes exact."""
import numpy as np
import pytest

from aot.core.errors import AotError
from aot.frontends import load_model
from aot.planner import Buffer, Plan, plan_memory
from aot.planner.liveness import activation_buffers, largest_op_bytes
from aot.planner.plan import validate
from tests.models_list import INT8_MODELS, model_path


def random_buffers(rng, n):
    out = []
    for i in range(n):
        first = int(rng.integers(0, 20))
        out.append(Buffer(f"b{i}", int(rng.integers(1, 5000)), first, first + int(rng.integers(0, 6))))
    return out


@pytest.mark.parametrize("seed", range(20))
def test_random_plans_are_valid_and_at_least_the_peak(seed):
    rng = np.random.default_rng(seed)
    bufs = random_buffers(rng, int(rng.integers(1, 40)))
    plan = plan_memory(bufs, alignment=4)
    validate(plan)
    peak = max(sum(b.size for b in bufs if b.first <= t <= b.last) for t in range(30))
    assert plan.arena_bytes >= peak
    assert all(plan.offsets[b.name] % 4 == 0 for b in bufs)


def test_validator_rejects_overlap_misalignment_and_bounds():
    a, b = Buffer("a", 100, 0, 2), Buffer("b", 100, 1, 3)
    with pytest.raises(AotError, match="overlap"):
        validate(Plan([a, b], {"a": 0, "b": 52}, 200, 4, "manual"))
    with pytest.raises(AotError, match="aligned"):
        validate(Plan([a, b], {"a": 0, "b": 102}, 300, 4, "manual"))
    with pytest.raises(AotError, match="outside"):
        validate(Plan([a, b], {"a": 0, "b": 100}, 150, 4, "manual"))
    validate(Plan([a, Buffer("c", 100, 3, 4)], {"a": 0, "c": 0}, 100, 4, "manual"))  # disjoint lifetimes share


# Activation lower bounds from the models README (recomputed by liveness.largest_op_bytes).
README_LOWER_BOUNDS = {"kws_ref_model_int8": 16000, "vww_96_int8": 55296, "ic_resnet8_int8": 49152, "ad01_int8": 768,
                       "sww_ref_model_int8": 6656, "hello_world_int8": 32, "micro_speech_int8": 5960, "person_detect_int8": 55296,
                       "keyword_scrambled_int8": 288,  # (not in the README: the int16 QUANTIZE, 192 + 96 bytes)
                       "mnist_lstm_int8": 1344}  # (the LSTM's input and output, 784 + 560 bytes; its state is apart)


@pytest.mark.parametrize("name", INT8_MODELS)
def test_lower_bound_and_plan_on_real_models(name):
    g = load_model(model_path(name))
    assert largest_op_bytes(g) == README_LOWER_BOUNDS[name]
    plan = plan_memory(activation_buffers(g), 4, largest_op_bytes(g))
    assert plan.arena_bytes >= plan.largest_op_bytes
    assert {b.name for b in plan.buffers} == set(g.activations())
