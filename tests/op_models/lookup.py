"""Single-op models: EMBEDDING_LOOKUP. Its ids come from an ARG_MAX over a (L, n) input (random
int32 inputs would fall outside the table, which tflite-micro refuses to run), the table has at
least n rows; an int8 table is looked up into int8 (raw rows) or, zero point 0, into float32."""
from __future__ import annotations

import numpy as np
import tflite

from tests.op_models.base import Model, T, i32, random_quant, random_shape


def make_embedding_lookup(rng: np.random.Generator, dtype: str = "float32") -> bytes:
    m = Model(rng, dtype)
    count, n = (int(v) for v in rng.integers(1, 7, 2))
    x = m.input("x", (count, n))
    ids = m.tensor("ids", (count,), dtype="int32")
    m.b.add_op("ARG_MAX", [x.index, i32(m, "axis", [1])], [ids.index], output_type=tflite.TensorType.INT32)
    shape = (n + int(rng.integers(0, 4)), *random_shape(rng, int(rng.integers(1, 4))))
    if not m.q:
        table = m.b.add_tensor("table", shape, "float32", data=rng.uniform(-1, 1, shape).astype(np.float32))
        return m.finish("EMBEDDING_LOOKUP", [ids, table], [m.output((count, *shape[1:]))], table=None)
    hybrid = bool(rng.random() < 0.5)
    scale, zp = random_quant(rng)
    zp = 0 if hybrid else zp
    table = m.b.add_tensor("table", shape, "int8", data=rng.integers(-128, 128, shape, dtype=np.int8),
                           scale=scale, zero_point=zp)
    y: T = m.output((count, *shape[1:]), dtype="float32") if hybrid else m.output((count, *shape[1:]), quant=(scale, zp))
    return m.finish("EMBEDDING_LOOKUP", [ids, table], [y], table=None)


GENERATORS = {"embedding_lookup": (make_embedding_lookup, ("int8", "float32"))}
