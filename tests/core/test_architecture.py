"""The shape of collab_core, read from the source with ast: no import circles, arrows only run down,
no streamlit, and mem0 only behind the memory index.

Every import statement counts, also ones inside functions and under TYPE_CHECKING: a lazy import
hides a circle from Python, not from the reader.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "collab_core"

# The top of the house: the modules that exist to use everything below them.
TOP = ("collab_core.__main__", "collab_core.cli", "collab_core.ops", "collab_core.evals")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "versions" not in p.parts}


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """Everything the module imports (dotted names), with relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in MODULES else target)
    return found


GRAPH = {name: {t for t in _imports(name, path) if t in MODULES and t != name} for name, path in MODULES.items()}
ALL_IMPORTS = {name: _imports(name, path) for name, path in MODULES.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _in(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_the_graph_sees_the_house():
    assert "collab_core.hub" in GRAPH and "collab_core.memory.index" in GRAPH
    assert "collab_core.memory.index" in GRAPH["collab_core.hub"]


def test_no_import_circles():
    assert _cycles(GRAPH) == []


def test_the_circle_check_finds_a_circle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_collab_core_never_imports_streamlit():
    offenders = sorted(n for n, imps in ALL_IMPORTS.items() if any(_in(i, ("streamlit",)) for i in imps))
    assert offenders == []


def test_only_the_memory_index_imports_mem0():
    offenders = sorted(n for n, imps in ALL_IMPORTS.items() if any(_in(i, ("mem0",)) for i in imps))
    assert offenders == ["collab_core.memory.index"]


def test_arrows_run_down():
    """Only the top (cli, ops, evals) uses the hub, ops or evals; only __main__ uses the cli."""
    rules = {
        "collab_core.cli": ("collab_core.__main__", "collab_core.cli"),
        "collab_core.hub": TOP,
        "collab_core.ops": TOP,
        "collab_core.evals": ("collab_core.__main__", "collab_core.cli", "collab_core.evals"),
    }
    broken = [
        f"{src} -> {dst}"
        for src, targets in GRAPH.items()
        for dst in targets
        for layer, allowed in rules.items()
        if _in(dst, (layer,)) and not _in(src, allowed)
    ]
    assert broken == []


def test_no_module_over_about_500_lines():
    sizes = {n: len(p.read_text(encoding="utf-8").splitlines()) for n, p in MODULES.items()}
    # The memory index keeps its one Mem0 seam in one file (its helpers share private state).
    allowed = {"collab_core.memory.index": 650}
    assert {n: s for n, s in sizes.items() if s > allowed.get(n, 560)} == {}
