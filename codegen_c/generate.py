"""Render model.c / model.h (and copy the runtime headers they include) for a planned Graph."""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import jinja2

from aot import ops as aot_ops
from aot.core.ir import DTYPE_CODES, Graph
from aot.core.resources import data_dir
from aot.planner import Plan
from codegen_c import cexpr
from codegen_c import ops as c_ops
from codegen_c.cfmt import c_float, c_ident, c_string, ctype
from codegen_c.context import LoweringContext

RUNTIME_HEADERS = ("aot_model.h", "aot_fixedpoint.h", "aot_dsp.h")
DSP_RUNTIME_SOURCES = ("aot_dsp.c",)  # copied beside model.c when a kernel uses them


@dataclass
class GeneratedModel:
    files: list[Path]
    weights_bytes: int
    arena_bytes: int


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(data_dir("templates"))),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(cexpr.FILTERS)
    env.globals.update(cexpr.GLOBALS)
    return env


def _tensor_desc(g: Graph, plan: Plan, name: str) -> dict:
    t = g.tensor(name)
    quant = t.quant if t.quant is not None and t.quant.per_tensor else None
    return {
        "name": c_string(name), "dtype": DTYPE_CODES[t.dtype], "ndim": len(t.shape),
        "shape": ", ".join(str(d) for d in t.shape) or "0",
        "scale": c_float(quant.tensor_scale) if quant else "0.0f", "zero_point": quant.tensor_zero_point if quant else 0,
        "offset": plan.offset(name), "bytes": t.nbytes,
    }


def _template_name(env: jinja2.Environment, kind: str, in_place: bool) -> str:
    """ops/<kind>.c.j2, or its in-place twin ops/<kind>_inplace.c.j2 where the op writes over its
    input and the portable kernel's order is not already safe for that (add, softmax, reshape)."""
    if in_place and f"ops/{kind}_inplace.c.j2" in env.list_templates():
        return f"ops/{kind}_inplace.c.j2"
    return f"ops/{kind}.c.j2"


def generate(g: Graph, plan: Plan, out_dir: Path, *, prefix: str = "model", model_hash: str = "",
             variants: dict | None = None) -> GeneratedModel:
    """``variants`` {op index: codegen_c.variants.Variant}: ops/<kind>_<name>.c.j2 for those
    not portable (their scratch is already in the plan)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    env = _env()
    ctx = LoweringContext(g, plan)
    kernels, calls = [], []
    for i, op in enumerate(g.ops):
        fn = f"op{i}_{op.kind}"
        variant = (variants or {}).get(i)
        x = g.tensor(op.inputs[0])
        w = g.tensor(op.inputs[1]) if len(op.inputs) > 1 and op.inputs[1] is not None else x
        if variant is not None and variant.name != "portable":
            variables = c_ops.get(op.kind).lower_variant(i, op, ctx, variant, in_place=i in plan.in_place)
            template = f"ops/{op.kind}_{variant.name}.c.j2"
        else:
            variables = c_ops.get(op.kind).lower(i, op, ctx)
            template = _template_name(env, op.kind, i in plan.in_place)
        scratch = plan.offsets.get(f"scratch#{i}")
        kernels.append(env.get_template(template).render(fn=fn, T=ctype(x.dtype), WT=ctype(w.dtype), scratch=scratch, **variables))
        calls.append({"fn": fn, "index": i, "name": op.name})
    PREFIX = c_ident(prefix).upper()
    common = {
        "prefix": c_ident(prefix), "PREFIX": PREFIX, "model_name": c_string(g.name), "model_hash": c_string(model_hash),
        "arena_bytes": plan.arena_bytes, "largest_op_bytes": plan.largest_op_bytes, "planner": plan.planner,
        "inputs": [_tensor_desc(g, plan, n) for n in g.inputs], "outputs": [_tensor_desc(g, plan, n) for n in g.outputs],
        "op_kinds": [op.kind for op in g.ops], "op_macs": [aot_ops.get(op.kind).macs(op, g) for op in g.ops],
        "max_dims": 6,
        "dsp": any(v.name != "portable" for v in (variants or {}).values()),
    }
    files = []
    header = env.get_template("model.h.j2").render(**common)
    source = env.get_template("model.c.j2").render(kernels=kernels, calls=calls, consts=list(ctx.consts.values()), **common)
    for name, text in (("model.h", header), ("model.c", source)):
        (out_dir / name).write_text(text)
        files.append(out_dir / name)
    runtime_include = data_dir("runtime_c") / "include"
    for name in RUNTIME_HEADERS:
        shutil.copyfile(runtime_include / name, out_dir / name)
        files.append(out_dir / name)
    for name in DSP_RUNTIME_SOURCES if common["dsp"] else ():
        shutil.copyfile(data_dir("runtime_c") / "src" / name, out_dir / name)
        files.append(out_dir / name)
    weights = sum(c.nbytes for c in ctx.consts.values())
    return GeneratedModel(files, weights, plan.arena_bytes)
