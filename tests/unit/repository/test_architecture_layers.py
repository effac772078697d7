"""The layers in docs/architecture.md hold: imports run downwards only, and never in a loop.

Why a test: a module that imports from a layer above it (the edge reaching into the library
patches, a store reaching into a server entry point) is how a small project turns into one
where nothing can be tested or moved alone. Every import counts, including the ones inside
functions, because a lazy import is still a dependency. The benchmarks and the tests are
checked too: two benchmark modules that import each other cannot be read or changed alone
either.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

# From the ground up; a module may import from its own layer and the ones below it.
LAYERS: tuple[tuple[str, ...], ...] = (
    (
        "sedorum.vocabulary",
        "sedorum.conversation_events",
        "sedorum.contact_patterns",
        "sedorum.settings",
        "sedorum.safety",
        "sedorum.content",
        "sedorum.nlp",
        "sedorum.server.routing",
    ),
    ("sedorum.edge", "sedorum.handoff", "sedorum.insights", "sedorum.stores"),
    (
        "sedorum.rasa_ext",
        "sedorum.patches",
        "sedorum.channels",
        "sedorum.web",
        "actions",
    ),
    ("sedorum.server",),
    # How a conversation or a message is judged, for the tests and the benchmarks alike.
    ("evaluation",),
    # What drives the product from outside: the benchmarks, the fakes of the messaging
    # platforms and the test fixtures. Then the test modules, which may use all of it.
    ("bench", "fakes", "tests.fakes", "tests.ports", "tests.conftest"),
    ("tests",),
)
PACKAGES = ("sedorum", "actions", "evaluation", "fakes", "bench", "tests")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for pkg in PACKAGES for p in sorted((ROOT / pkg).rglob("*.py"))}


def _imports(name: str, path: Path) -> set[str]:
    """Every project module this one imports, at the top or inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return {m for m in found if m.split(".")[0] in PACKAGES}


def _layer(module: str) -> int | None:
    for index, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return index
    return None


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        graph[name] = {m for m in _imports(name, path) if m in modules and m != name}
    return graph


def test_every_module_belongs_to_a_layer() -> None:
    unplaced = [m for m in _modules() if m not in {"sedorum"} and _layer(m) is None]
    assert unplaced == [], f"add these to a layer in LAYERS and in docs/architecture.md: {unplaced}"


def test_no_import_runs_from_a_lower_layer_to_a_higher_one() -> None:
    upward = []
    for name, targets in _graph().items():
        here = _layer(name)
        for target in targets:
            there = _layer(target)
            if here is not None and there is not None and there > here:
                upward.append(f"{name} (layer {here}) -> {target} (layer {there})")
    assert upward == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_loops() -> None:
    # A package's __init__ re-exporting its own modules is not a loop between concerns.
    graph = {
        name: {t for t in targets if not (name.endswith(t.rpartition(".")[0]) and t.startswith(name + "."))}
        for name, targets in _graph().items()
    }
    assert _cycles(graph) == []


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": set()}, []),
    ],
)
def test_the_loop_finder_finds_loops(graph: dict[str, set[str]], expected: list[list[str]]) -> None:
    assert _cycles(graph) == expected


def test_an_upward_import_is_seen(tmp_path: Path) -> None:
    source = "def f():\n    from sedorum.server import stack\n"
    path = ROOT / "sedorum" / "edge" / "inputs.py"
    tree_imports = _imports("sedorum.edge.inputs", path)
    assert "sedorum.server.stack" not in tree_imports
    fake = tmp_path / "fake.py"
    fake.write_text(source)
    assert "sedorum.server.stack" in _imports("sedorum.edge.fake", fake)
    assert _layer("sedorum.server.stack") > _layer("sedorum.edge.fake")  # type: ignore[operator]
