"""The layout a newcomer can change (issue 13): modules and classes stay small, no import cycles, no
late-binding workarounds inside the package, and dependencies point down the data flow."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "cookiescan"
MAX_MODULE_LINES = 520  # "~500"
MAX_CLASS_LINES = 210  # "~200"
# Layers, lowest first: a module may import its own layer or lower ones, never a higher one.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("version", "errors", "units", "resources", "models", "party", "progress"),
    ("config", "known", "signals", "evidence.errors"),
    ("browser", "collect", "classify", "declared", "notice", "evidence"),
    ("consent", "rules"),
    ("scan", "analyse", "repeat", "diff", "schema", "report"),
    ("pipeline",),
    ("batch", "demo"),
    ("cli", "__main__"),
)
ROOT = "pipeline"  # cookiescan/__init__.py re-exports audit(): it sits where the pipeline does


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def _name(path: Path) -> str:
    rel = path.relative_to(PACKAGE).with_suffix("")
    parts = [p for p in rel.parts if p != "__init__"]
    return ".".join(parts)


def _layer(module: str) -> int | None:
    if module == "":
        module = ROOT
    best: tuple[int, int] | None = None  # (prefix length, layer)
    for i, layer in enumerate(LAYERS):
        for prefix in layer:
            if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), i)
    return None if best is None else best[1]


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(imported cookiescan module, whether only for type checking) for every import in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for sub in ast.walk(node):
                type_only.add(id(sub))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.startswith("cookiescan"):
            base = node.module.removeprefix("cookiescan").lstrip(".")
            for alias in node.names:
                sub = f"{base}.{alias.name}" if base else alias.name
                target = sub if (PACKAGE / sub.replace(".", "/")).with_suffix(".py").exists() or (
                    PACKAGE / sub.replace(".", "/")).is_dir() else base
                out.append((target, id(node) in type_only))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("cookiescan."):
                    out.append((alias.name.removeprefix("cookiescan."), id(node) in type_only))
    return out


@pytest.mark.parametrize("path", _modules(), ids=_name)
def test_module_is_small(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{_name(path)} has {lines} lines (limit ~500): split it along its seams"


@pytest.mark.parametrize("path", _modules(), ids=_name)
def test_classes_are_small(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    big = [(n.name, (n.end_lineno or n.lineno) - n.lineno + 1) for n in ast.walk(tree)
           if isinstance(n, ast.ClassDef) and (n.end_lineno or n.lineno) - n.lineno + 1 > MAX_CLASS_LINES]
    assert not big, f"{_name(path)}: classes over ~200 lines: {big}"


@pytest.mark.parametrize("path", _modules(), ids=_name)
def test_no_late_binding_workarounds(path: Path) -> None:
    """No importlib.import_module / __import__, no try/except around an import of the package's own modules
    (importlib.resources and importlib.metadata are how package data and versions are read: fine)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name in ("importlib", "importlib.util") for a in node.names):
            pytest.fail(f"{_name(path)} imports importlib: import the module statically")
        if isinstance(node, ast.ImportFrom) and node.module in ("importlib", "importlib.util") and any(
                a.name not in ("resources", "metadata") for a in node.names):
            pytest.fail(f"{_name(path)} uses importlib to load code: import the module statically")
        if isinstance(node, ast.Name) and node.id in ("import_module", "__import__"):
            pytest.fail(f"{_name(path)} loads a module by name")
        if isinstance(node, ast.Try):
            for sub in node.body:
                if isinstance(sub, ast.ImportFrom) and (sub.module or "").startswith("cookiescan"):
                    pytest.fail(f"{_name(path)}: try/except around an import of {sub.module}")


@pytest.mark.parametrize("path", _modules(), ids=_name)
def test_dependencies_point_down_the_data_flow(path: Path) -> None:
    me = _name(path)
    mine = _layer(me)
    assert mine is not None, f"{me} is in no layer of tests/test_architecture.py: place it in the data flow"
    for target, type_only in _imports(path):
        theirs = _layer(target)
        if theirs is None or type_only:
            continue
        assert theirs <= mine, f"{me} (layer {mine}) imports {target} (layer {theirs}), which is further down the flow"


def test_no_import_cycles() -> None:
    graph: dict[str, set[str]] = {}
    for path in _modules():
        me = _name(path)
        graph[me] = {t for t, type_only in _imports(path) if not type_only and t != me}

    seen: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        seen[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in graph:
                continue
            if seen.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt):], nxt]
                # a package __init__ re-exporting its submodules is not a cycle of the data flow
                if not all(c == cycle[0] or c.startswith(cycle[0] + ".") or cycle[0].startswith(c + ".")
                           for c in cycle):
                    pytest.fail("import cycle: " + " -> ".join(cycle))
            elif nxt not in seen:
                visit(nxt)
        stack.pop()
        seen[node] = 2

    for module in sorted(graph):
        if module not in seen:
            visit(module)
