"""Import layering of aot/ and codegen_c/ (docs: /work/tools/CONTEXT.md, issue 11 item 3), read
from the source with ast, nothing imported:

(a) no import cycle among modules, counting imports inside functions too;
(b) the groups import only lower groups:
      aot.core < aot.ops < {aot.frontends, aot.passes, aot.planner} < codegen_c < aot.target < aot.driver < aot.cli
    (aot.rpc sits beside aot.target and imports only aot.core), and no cycle among the groups;
(c) an import inside a function needs a reason: aot/cli.py (start-up time), an optional package
    (OPTIONAL), or an entry of ALLOWED naming it.

An edge is an `import x` / `from x import y` (y when it is a submodule of x, else x), resolved
relative imports included, plus ``importlib.import_module(f"pkg.{name}")`` as an edge to every
module directly in pkg (a registry lookup by name: counted in (a) and (b), not in (c)). Importing
a submodule also runs its packages' __init__.py; those implicit edges are not counted.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("aot", "codegen_c")

# group -> rank; a module belongs to the longest group that is it or a package above it
# ("aot" itself, the root package holding __version__, only by exact name).
GROUPS = {
    "aot": 0, "aot.core": 0,
    "aot.ops": 1,
    "aot.frontends": 2, "aot.passes": 2, "aot.planner": 2,
    "codegen_c": 3,
    "aot.target": 4, "aot.rpc": 4,
    "aot.driver": 5,
    "aot.cli": 6, "aot.__main__": 6,
}
# groups that may import only these groups (besides themselves)
ONLY = {"aot.rpc": {"aot.core"}}

OPTIONAL = {"matplotlib", "torch", "onnxruntime", "ai_edge_quantizer", "ai_edge_litert"}   # packages a function may import when it needs them
ALLOWED = {   # (importer, imported): why this import sits inside a function
    ("aot.frontends", "aot.frontends.tflite"):
        "read_model imports the frontend of the model's format only: the tflite and onnx packages "
        "take ~0.1 s each to import, and every command pays for what it imports",
    ("aot.frontends", "aot.frontends.onnx"):
        "read_model imports the frontend of the model's format only: the tflite and onnx packages "
        "take ~0.1 s each to import, and every command pays for what it imports",
}


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str       # a module of PACKAGES, or a third-party dotted name
    line: int
    in_function: bool
    dynamic: bool = False

    def __str__(self) -> str:
        return f"{self.importer}:{self.line} imports {self.imported}"


def find_modules(root: Path, packages=PACKAGES) -> dict[str, Path]:
    modules = {}
    for pkg in packages:
        for path in sorted((root / pkg).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def _resolve(name: str, modules: dict[str, Path]) -> str:
    """A first-party dotted name as the module it is or lies in (``aot.rpc.client.RpcClient``
    -> ``aot.rpc.client``); third-party names are kept."""
    parts = name.split(".")
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in modules:
            return ".".join(parts[:n])
    return name


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> list[Import]:
    is_package = path.name == "__init__.py"
    found: list[Import] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        if isinstance(node, ast.Import):
            found.extend(Import(module, _resolve(a.name, modules), node.lineno, in_function) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".") if is_package else module.split(".")[:-1]
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for a in node.names:
                sub = f"{base}.{a.name}"
                found.append(Import(module, sub if sub in modules else _resolve(base, modules), node.lineno, in_function))
        elif isinstance(node, ast.Call) and _is_import_module(node.func):
            prefix = _constant_prefix(node.args[0]) if node.args else ""
            package = prefix.rstrip(".")
            if prefix.endswith(".") and package in modules:
                found.extend(Import(module, m, node.lineno, in_function, dynamic=True) for m in modules
                             if m.rpartition(".")[0] == package)
        inner = in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    visit(ast.parse(path.read_text(), str(path)), False)
    return list(dict.fromkeys(found))   # `from x import a, b` of one module x: one edge


def _is_import_module(func: ast.AST) -> bool:
    return (isinstance(func, ast.Attribute) and func.attr == "import_module"
            and isinstance(func.value, ast.Name) and func.value.id == "importlib")


def _constant_prefix(arg: ast.AST) -> str:
    """The constant start of an f-string or string argument ("aot.ops." of f"aot.ops.{kind}")."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    if isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
        return arg.values[0].value
    return ""


def all_imports(root: Path = ROOT, packages=PACKAGES) -> tuple[dict[str, Path], list[Import]]:
    modules = find_modules(root, packages)
    return modules, [i for m, p in modules.items() for i in imports_of(m, p, modules)]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Per strongly connected component with a cycle (Tarjan): one cycle through it, a -> ... -> a."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(v: str) -> None:   # recursion depth: the longest import chain (tens)
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1 or v in graph.get(v, ()):
                found.append(_cycle_in(graph, component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return found


def _cycle_in(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A shortest path from the component's first node back to itself, inside the component."""
    start = min(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        v = queue.pop(0)
        for w in sorted(graph.get(v, set()) & component):
            if w == start:
                return paths[v] + [start]
            if w not in paths:
                paths[w] = paths[v] + [w]
                queue.append(w)
    raise AssertionError(f"no cycle in {component}")


def group_of(module: str) -> str | None:
    best = None
    for g in GROUPS:
        if module == g or (g != "aot" and module.startswith(g + ".")):
            best = g if best is None or len(g) > len(best) else best
    return best


def first_party(imports: list[Import], modules: dict[str, Path]) -> list[Import]:
    return [i for i in imports if i.imported in modules and i.imported != i.importer]


# ---- the checks ---------------------------------------------------------------------------------

def test_no_import_cycle():
    modules, imports = all_imports()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for i in first_party(imports, modules):
        graph[i.importer].add(i.imported)
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n".join(_cycle_text(graph, c) for c in found)


def _cycle_text(graph: dict[str, set[str]], cycle: list[str]) -> str:
    """The cycle, and every module that imports its way round into it (its component)."""
    reach = _reachable(graph, cycle[0])
    component = sorted(m for m in reach if cycle[0] in _reachable(graph, m))
    return "  " + " -> ".join(cycle) + f"\n    (all of {', '.join(component)} import each other)"


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for w in graph.get(todo.pop(), ()):
            if w not in seen:
                seen.add(w)
                todo.append(w)
    return seen


def test_groups_import_only_lower_groups():
    modules, imports = all_imports()
    homeless = sorted(m for m in modules if group_of(m) is None)
    assert not homeless, f"modules in no group of GROUPS: {homeless}"
    wrong, group_graph = [], {g: set() for g in GROUPS}
    for i in first_party(imports, modules):
        src, dst = group_of(i.importer), group_of(i.imported)
        if src == dst:
            continue
        group_graph[src].add(dst)
        if GROUPS[dst] > GROUPS[src] or (src in ONLY and dst not in ONLY[src]):
            wrong.append(f"  {i} ({src} may not import {dst})")
    assert not wrong, "imports against the layering:\n" + "\n".join(wrong)
    found = cycles(group_graph)
    assert not found, "group cycles:\n" + "\n".join("  " + " -> ".join(c) for c in found)


def test_function_level_imports_have_a_reason():
    _, imports = all_imports()
    lazy = [i for i in imports if i.in_function and not i.dynamic]
    print("imports inside functions:\n" + "\n".join(f"  {i}" for i in lazy))
    assert all(reason.strip() for reason in ALLOWED.values())
    unexplained = [i for i in lazy if i.importer != "aot.cli" and i.imported.split(".")[0] not in OPTIONAL
                   and (i.importer, i.imported) not in ALLOWED]
    assert not unexplained, ("imports inside functions without a reason (import at module level, or add an "
                             "ALLOWED entry saying why):\n" + "\n".join(f"  {i}" for i in unexplained))
    stale = sorted(set(ALLOWED) - {(i.importer, i.imported) for i in lazy})
    assert not stale, f"ALLOWED entries no function imports any more: {stale}"


# ---- the checker itself ------------------------------------------------------------------------

def test_the_checker_finds_cycles_lazy_and_submodule_imports(tmp_path):
    files = {
        "pkg/__init__.py": "",
        "pkg/a.py": "from pkg import b\n",                           # submodule b, not the package
        "pkg/b.py": "import os\n\ndef f():\n    from .c import g\n",  # lazy, relative
        "pkg/c.py": "from pkg.a import thing\n\ndef g(): ...\n",       # a name of pkg.a: the module
        "pkg/reg.py": "import importlib\n\ndef get(k):\n    return importlib.import_module(f'pkg.{k}')\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    modules, imports = all_imports(tmp_path, ("pkg",))
    edges = {(i.importer, i.imported, i.in_function) for i in imports if i.imported in modules}
    assert {("pkg.a", "pkg.b", False), ("pkg.b", "pkg.c", True), ("pkg.c", "pkg.a", False)} <= edges
    assert {i.imported for i in imports if i.dynamic} == {"pkg.a", "pkg.b", "pkg.c", "pkg.reg"}
    graph = {m: {i.imported for i in first_party(imports, modules) if i.importer == m} for m in modules}
    assert cycles(graph) == [["pkg.a", "pkg.b", "pkg.c", "pkg.a"]]
    assert cycles({"x": {"y"}, "y": set()}) == []


@pytest.mark.parametrize("module, group", [("aot", "aot"), ("aot.core.ir", "aot.core"), ("aot.cli", "aot.cli"),
                                           ("codegen_c.ops.conv2d", "codegen_c"), ("aot.rpc.client", "aot.rpc"),
                                           ("aot.newthing", None)])
def test_group_of(module, group):
    assert group_of(module) == group
