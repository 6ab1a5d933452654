"""Fitting the kernels' cost model (codegen_c/cost.py) to measurements.

A measurement (aot/driver/tune.py ``measure``: every option of every op, profiled on a board)
gives one point per op and option: the cost model's kernel key ("conv2d/int8/dsp:cols=0"), the
option ("dsp:cols=0"), the op's cost terms under it, and the instructions counted. Only ops with a choice (two options or more) give
points: the policy never compares the others. The points are kept beside the coefficients
(codegen_c/costs/<cpu>.points.json, one list, each point naming its source "model#op"), so a
refit from one more model (`microaot tune --refit`) replaces that model's points and fits every
kernel again from all of them.

Each kernel's coefficients are the non-negative least-squares fit of its points' counts on
their terms, each point weighted by 1 / count (relative errors: a small op counts as much as a
large one), made robust by iterative reweighting (Huber: a point whose error is far beyond the
median's counts less, so one odd shape, e.g. a window mostly in the padding, does not skew the
rest); reported with all the points' RMS and largest relative error. ``recompute`` gives stored
points the current terms and keys (after a change of the terms, without measuring again).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from aot.core.errors import AotError
from aot.driver import choose
from aot.driver.compiler import compile_file
from aot.driver.report import table
from aot.driver.tune import Measurement
from codegen_c import cost
from codegen_c.kernel import KernelChoice


class CostFitError(AotError):
    """The cost model cannot be fitted for this board."""


def points(m: Measurement, source: str) -> list[dict]:
    """The fit's points of one measured model (``source``: its name in the points file)."""
    g, plan, feats = m.compiled.graph, m.compiled.plan, m.compiled.features
    out = []
    for i, counts in sorted(m.counts.items()):
        if len(m.options[i]) < 2:
            continue
        op = g.ops[i]
        for key, count in sorted(counts.items()):
            c = KernelChoice.parse(key)
            kernel = choose.kernel_of(g, i, c, feats, choose.in_place_input(plan, i, g))
            out.append({"kernel": cost.key(op, g, c), "variant": key, "terms": cost.terms(op, g, kernel, dict(c.knobs)),
                        "count": count, "source": f"{source}#{i}"})
    return out


def recompute(pts: list[dict], board, model_file) -> list[dict]:
    """``pts`` with their terms and kernel keys computed again from their models
    (``model_file(name)``: the path of the model a point's source names)."""
    out, compiled = [], {}
    for p in pts:
        name, index = p["source"].rsplit("#", 1)
        if name not in compiled:
            compiled[name] = compile_file(model_file(name), board=board)
        cm, i = compiled[name], int(index)
        c = KernelChoice.parse(p["variant"])
        kernel = choose.kernel_of(cm.graph, i, c, board.features, choose.in_place_input(cm.plan, i, cm.graph))
        op = cm.graph.ops[i]
        out.append({**p, "kernel": cost.key(op, cm.graph, c), "terms": cost.terms(op, cm.graph, kernel, dict(c.knobs))})
    return out


ROBUST_ROUNDS = 6  # fits, each reweighting the points by the previous one's errors
HUBER = 3.0  # errors up to this many times the median error keep their full weight


def _nnls(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least squares with non-negative coefficients: solve, drop the most negative term, again."""
    active = [j for j in range(x.shape[1]) if np.any(x[:, j])]
    coef = np.zeros(x.shape[1])
    while active:
        sol = np.linalg.lstsq(x[:, active], y, rcond=None)[0]
        if sol.min() >= 0:
            coef[active] = sol
            break
        active.pop(int(np.argmin(sol)))
    return coef


def fit(pts: list[dict]) -> dict[str, dict]:
    """{kernel key: {"coef", "points", "rms_rel", "p90_rel", "max_rel"}} fitted to ``pts``: the
    coefficients, and the points' RMS, 90th percentile and largest relative error."""
    kernels: dict[str, list[dict]] = {}
    for p in pts:
        kernels.setdefault(p["kernel"], []).append(p)
    out = {}
    for key, group in sorted(kernels.items()):
        names = sorted({t for p in group for t in p["terms"]})
        x = np.array([[p["terms"].get(t, 0.0) for t in names] for p in group], dtype=float)
        y = np.array([p["count"] for p in group], dtype=float)
        w = base = 1.0 / np.maximum(y, 1.0)
        scale = np.maximum(np.abs(x).max(axis=0), 1e-12)
        for _ in range(ROBUST_ROUNDS):
            coef = _nnls(x / scale * w[:, None], y * w) / scale
            rel = (x @ coef - y) * base
            spread = HUBER * max(float(np.median(np.abs(rel))), 1e-3)
            w = base * np.sqrt(np.minimum(1.0, spread / np.maximum(np.abs(rel), 1e-12)))
        out[key] = {"coef": {t: float(c) for t, c in zip(names, coef) if c > 0}, "points": len(group),
                    "rms_rel": round(float(np.sqrt(np.mean(rel ** 2))), 4),
                    "p90_rel": round(float(np.quantile(np.abs(rel), 0.9)), 4), "max_rel": round(float(np.abs(rel).max()), 4)}
    return out


def points_path(cpu: str) -> Path:
    return cost.COSTS_DIR / f"{cpu}.points.json"


def load_points(cpu: str) -> list[dict]:
    path = points_path(cpu)
    return json.loads(path.read_text()) if path.exists() else []


def refit(board, new: list[dict], replace_all: bool = False) -> dict[str, dict]:
    """Add ``new`` points to ``board``'s CPU's (replacing earlier points of the same models; all
    of them with ``replace_all``), fit, and write the points and the coefficients."""
    if not board.cpu:
        raise CostFitError(f"board {board.name} names no cpu: there is no cost model to refit")
    models = {p["source"].split("#")[0] for p in new}
    kept = [] if replace_all else [p for p in load_points(board.cpu) if p["source"].split("#")[0] not in models]
    pts = kept + new
    kernels = fit(pts)
    points_path(board.cpu).parent.mkdir(parents=True, exist_ok=True)
    points_path(board.cpu).write_text(json.dumps(pts, separators=(",", ":")) + "\n")
    cost.save(board.cpu, board.name, kernels)
    return kernels


def predict(kernels: dict[str, dict], point: dict) -> float:
    return sum(c * point["terms"].get(t, 0.0) for t, c in kernels[point["kernel"]]["coef"].items())


def choices(pts: list[dict], kernels: dict[str, dict]) -> dict:
    """How well the model chooses: over the measured ops, how often the option it models fastest
    is the measured fastest, and the measured instructions lost when it is not (regret: the
    modelled choice's count / the fastest count - 1; mean and worst)."""
    by_op: dict[str, list[dict]] = {}
    for p in pts:
        by_op.setdefault(p["source"], []).append(p)
    regrets = []
    for source, group in sorted(by_op.items()):
        fastest = min(group, key=lambda p: p["count"])
        modelled = min(group, key=lambda p: predict(kernels, p))
        regrets.append((modelled["count"] / max(fastest["count"], 1) - 1, source))
    worst = max(regrets, default=(0.0, ""))
    return {"ops": len(regrets), "agree": sum(r == 0 for r, _ in regrets),
            "mean_regret": sum(r for r, _ in regrets) / max(len(regrets), 1), "worst_regret": worst[0], "worst_op": worst[1]}


def choices_text(c: dict) -> str:
    return (f"the model picks each op's measured fastest option in {c['agree']} of {c['ops']} ops; instructions lost: "
            f"{100 * c['mean_regret']:.2f}% on average, {100 * c['worst_regret']:.0f}% at worst ({c['worst_op']})")


def report(kernels: dict[str, dict]) -> str:
    """The fitted coefficients and the fit error, one row per kernel."""
    rows = [[key, e["points"], f"{100 * e['rms_rel']:.1f}%", f"{100 * e['p90_rel']:.1f}%", f"{100 * e['max_rel']:.1f}%",
             ", ".join(f"{t} {c:.3g}" for t, c in sorted(e["coef"].items()))] for key, e in kernels.items()]
    return table(["kernel", "points", "rms error", "90% within", "max error", "instructions = sum of coefficient x term"],
                 rows, "lrrrrl")
