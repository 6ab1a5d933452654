"""Render <prefix>.c / <prefix>.h (model.c / model.h by default; and copy the runtime headers they include) for a planned Graph."""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import jinja2

from aot import ops as aot_ops
from aot.core.ir import DTYPE_CODES, Graph
from aot.core.resources import data_dir
from aot.core.text import short
from aot.planner import Plan
from aot.planner.plan import SCRATCH
from codegen_c import cexpr
from codegen_c.cfmt import c_float, c_ident, c_string, c_values, ctype
from codegen_c.context import ConstArray, LoweringContext
from codegen_c.kernel import Kernel, KernelChoice
from codegen_c.registry import resolve
from codegen_c.share import render_key, share

DEFAULT_DESCRIPTOR = "aot_model"   # the default prefix's descriptor: the runtime's main.c serves it
RUNTIME_HEADERS = ("aot_model.h", "aot_fixedpoint.h", "aot_dsp.h")  # copied beside model.c


@dataclass
class GeneratedModel:
    files: list[Path]
    weights_bytes: int
    descriptor: str    # the aot_model_t global <prefix>.c defines
    arena_bytes: int
    op_consts: list[list[ConstArray]]  # per op: the constant arrays its lowering added (an array shared by ops: its first)


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
        "offset": plan.offset(name), "bytes": t.nbytes, "elements": t.size,
    }


def _op_comment(g: Graph, plan: Plan, i: int, kernel: Kernel, choice: KernelChoice, where: int | None) -> str:
    """The comment that opens op ``i``'s function: its source op, tensors, kernel, memory
    (``where``: the input it overwrites, None if not in place)."""
    op = g.ops[i]

    def tensor(name: str) -> str:
        t = g.tensor(name)
        shape = "x".join(map(str, t.shape)) or "scalar"
        where = "constant" if t.is_const else f"{'state' if t.variable else 'arena'} +{plan.offset(name)}"
        return f"{short(name)} {t.dtype}[{shape}] {where}"

    lines = [f"op {i}: {op.kind} ({op.name or 'no source name'})"]
    lines += [f"  in  {tensor(n)}" for n in op.inputs if n is not None]
    lines += [f"  out {tensor(n)}" for n in op.outputs]
    knobs = ", ".join(f"{k}={v}" for k, v in choice.knobs) or "defaults"
    lines.append(f"kernel {kernel.name} ({kernel.template}), knobs: {knobs}")
    memory = [f"in place over input {where}" if where is not None else "not in place"]
    scratch = plan.offsets.get(f"{SCRATCH}{i}")
    if scratch is not None:
        memory.append(f"scratch {plan.scratch()[i]} B at arena +{scratch}")
    lines.append(", ".join(memory))
    return "/* " + "\n * ".join(line.replace("*/", "* /") for line in lines) + " */\n"


def _state_init(g: Graph, plan: Plan, ctx: LoweringContext) -> list[dict]:
    """How ``<prefix>_reset`` sets each variable tensor after zeroing the state area: a fill of
    one value, or a copy of a constant array; none for a tensor that starts at zero."""
    steps = []
    for name, offset in plan.state.items():
        t = g.tensor(name)
        value = t.initial_value().reshape(-1)
        if not value.any():
            continue
        fill = value[0] if (value == value[0]).all() else None
        steps.append({"name": short(name).replace("*/", "* /"), "ctype": ctype(t.dtype), "offset": offset, "count": t.size,
                      "fill": None if fill is None else c_values([fill], t.dtype),
                      "array": None if fill is not None else ctx.weight(f"{name}.init", value, t.dtype)})
    return steps


def descriptor_name(prefix: str) -> str:
    """The global aot_model_t the generated code defines: ``aot_model`` for the default prefix
    (the name the runtime's main.c serves), ``<prefix>_model`` otherwise, so that models with
    different prefixes link into one program."""
    return DEFAULT_DESCRIPTOR if prefix == "model" else f"{prefix}_model"


def generate(g: Graph, plan: Plan, out_dir: Path, *, prefix: str = "model", model_hash: str = "",
             kernels: dict[int, KernelChoice] | None = None) -> GeneratedModel:
    """``kernels`` {op index: KernelChoice}, the driver's choice (aot/driver/choose.py; default:
    every op's reference kernel): each op's function is its kernel's template, rendered with
    its lowering's variables (its scratch buffer is already in the plan)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    env = _env()
    ctx = LoweringContext(g, plan, state=f"{c_ident(prefix)}_state")
    rendered, comments, calls, runtime, op_consts = [], [], [], set(), []
    for i, op in enumerate(g.ops):
        fn = f"op{i}_{op.kind}"
        known = len(ctx.consts)
        choice = (kernels or {}).get(i, KernelChoice())
        where = plan.overwritten_input(i, op.inputs, op.outputs[0] if op.outputs else None)
        kernel = resolve(op, g, choice, where)
        x = g.tensor(op.inputs[0])
        w = g.tensor(op.inputs[1]) if len(op.inputs) > 1 and op.inputs[1] is not None else x
        variables = kernel.lower(i, op, ctx, dict(choice.knobs))
        scratch = plan.offsets.get(f"{SCRATCH}{i}")
        body = env.get_template(kernel.template).render(fn=fn, T=ctype(x.dtype), WT=ctype(w.dtype), scratch=scratch, **variables)
        rendered.append((fn, body))
        comments.append(_op_comment(g, plan, i, kernel, choice, where))
        runtime.update(kernel.runtime)
        calls.append({"fn": fn, "index": i, "name": op.name})
        op_consts.append(list(ctx.consts.values())[known:])
    arrays = {c.ident: c.ctype for c in ctx.consts.values()}
    functions = [c + f for c, f in zip(comments, share([render_key(fn, body, arrays) for fn, body in rendered], arrays))]
    prefix = c_ident(prefix)
    state_init = _state_init(g, plan, ctx)
    common = {
        "prefix": prefix, "PREFIX": prefix.upper(), "descriptor": descriptor_name(prefix),
        "model_name": c_string(g.name), "model_hash": c_string(model_hash),
        "arena_bytes": plan.arena_bytes, "state_bytes": plan.state_bytes, "alignment": plan.alignment, "largest_op_bytes": plan.largest_op_bytes, "planner": plan.planner,
        "inputs": [_tensor_desc(g, plan, n) for n in g.inputs], "outputs": [_tensor_desc(g, plan, n) for n in g.outputs],
        "op_kinds": [op.kind for op in g.ops], "op_macs": [aot_ops.get(op.kind).macs(op, g) for op in g.ops],
        "kernel_headers": sorted(f for f in runtime if f.endswith(".h")),
    }
    files = []
    header = env.get_template("model.h.j2").render(**common)
    source = env.get_template("model.c.j2").render(kernels=functions, calls=calls, consts=list(ctx.consts.values()),
                                                   state_init=state_init, **common)
    for name, text in ((f"{prefix}.h", header), (f"{prefix}.c", source)):
        (out_dir / name).write_text(text)
        files.append(out_dir / name)
    runtime_include = data_dir("runtime_c") / "include"
    for name in sorted(set(RUNTIME_HEADERS) | {f for f in runtime if f.endswith(".h")}):  # and the kernels' headers
        shutil.copyfile(runtime_include / name, out_dir / name)
        files.append(out_dir / name)
    for name in sorted(f for f in runtime if f.endswith(".c")):  # the kernels' runtime sources
        shutil.copyfile(data_dir("runtime_c") / "src" / name, out_dir / name)
        files.append(out_dir / name)
    weights = sum(c.nbytes for c in ctx.consts.values())
    return GeneratedModel(files, weights, common["descriptor"], plan.arena_bytes, op_consts)
