"""Layers: no import cycle inside the package, and one home for each small shared helper.

The import graph is read statically (``ast``), so it sees every import, including the ones placed
inside functions. Those count on purpose: an import moved into a function (to keep ``--help`` fast,
or to dodge a circular import at load time) defers the cost, not the dependency. Two modules that
import each other, lazily or not, cannot be understood, tested or reused apart, and the lazy edge
becomes a load-time crash the day someone hoists it. Imports under ``if TYPE_CHECKING:`` count too:
a layer that needs another's types depends on it. Modules loaded by name through ``importlib`` (the
check registry's ``_MODULES``) are not edges: the registry is above the checks it lists.
"""

from __future__ import annotations

import ast
import graphlib
import itertools
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "genjudge"

# Edges allowed while a move made by another change is pending. Each entry must still exist
# (test_pending_edges_still_exist), so an allowance cannot outlive its reason.
PENDING: dict[tuple[str, str], str] = {}

# Small helpers that have exactly one home: name -> the module that defines it. No other module of
# the package may define a function of that name, nor any of the retired names of its old copies.
HOMES: dict[str, str] = {
    "as_text": "genjudge.io.canonical",
    "canonical_json": "genjudge.io.canonical",
    "format_interval": "genjudge.formatting",
    "format_number": "genjudge.formatting",
    "is_absent": "genjudge.io.canonical",
    "judge_rubric_keys": "genjudge.checks.base",
    "precision_recall_f1": "genjudge.stats.classification",
    "run_judge": "genjudge.validation.judging",
    "slice_groups": "genjudge.slicing",
    "slicings": "genjudge.slicing",
}
RETIRED: dict[str, str] = {
    "_as_text": "genjudge.io.canonical.as_text",
    "_canonical": "genjudge.io.canonical.canonical_json",
    "describe": "genjudge.formatting.format_number",
    "fmt": "genjudge.formatting.format_number",
    "_absent": "genjudge.io.canonical.is_absent",
    "_is_missing": "genjudge.io.canonical.is_absent",
}


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _imports(name: str, path: Path, known: dict[str, Path]) -> list[tuple[str, int]]:
    """(imported package module, line) for every import statement anywhere in the file."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            # `from pkg import sub` imports the submodule; `from pkg import name` imports pkg.
            targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in known else module for a in node.names]
        else:
            continue
        found += [(t, node.lineno) for t in targets if t in known and t != name]
    return found


def import_graph() -> dict[str, dict[str, int]]:
    """module -> {imported module: first line}, over the genjudge package."""
    known = _modules()
    graph: dict[str, dict[str, int]] = {}
    for name, path in known.items():
        edges = graph.setdefault(name, {})
        for target, line in _imports(name, path, known):
            edges.setdefault(target, line)
    return graph


def find_cycle(graph: dict[str, dict[str, int]]) -> list[str] | None:
    try:
        graphlib.TopologicalSorter({m: set(e) for m, e in graph.items()}).prepare()
    except graphlib.CycleError as exc:
        return list(exc.args[1])
    return None


def test_find_cycle_names_a_cycle():
    graph = {"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3}, "d": {"a": 4}}
    cycle = find_cycle(graph)
    assert cycle is not None and cycle[0] == cycle[-1] and set(cycle) == {"a", "b", "c"}
    assert find_cycle({"a": {"b": 1}, "b": {}}) is None


def test_graph_sees_imports_inside_functions():
    graph = import_graph()
    # genjudge/runner.py imports the report builder inside run_async, not at the top.
    assert "genjudge.report.build" in graph["genjudge.runner"]


def test_no_import_cycles():
    graph = import_graph()
    for (source, target), _why in PENDING.items():
        graph.get(source, {}).pop(target, None)
    cycle = find_cycle(graph)
    if cycle:
        # graphlib lists the cycle against the import direction; print it as "a imports b".
        steps = list(reversed(cycle))
        where = [
            f"{a} -> {b} ({_modules()[a].relative_to(PACKAGE.parent)}:{graph[a][b]})"
            for a, b in itertools.pairwise(steps)
        ]
        raise AssertionError("import cycle:\n  " + "\n  ".join(where))


def test_pending_edges_still_exist():
    graph = import_graph()
    for (source, target), why in PENDING.items():
        assert target in graph.get(source, {}), (
            f"{source} -> {target} is gone ({why}): remove it from PENDING"
        )


# The layers, lowest first: a module may import its own layer and the ones below, never above.
# The package root (genjudge/__init__.py, the front door) is left out: it sits on top, and its
# cycles are caught by test_no_import_cycles.
LAYERS: list[set[str]] = [
    {"_version", "errors", "records", "formatting", "progress", "redact"},
    {"io", "config", "store", "slicing", "plugins", "provenance"},
    {"stats", "llm", "structure", "labels", "frame"},
    {"extraction", "embed", "judge"},
    {"checks"},
    {
        "aggregate",
        "aggregate_clusters",
        "engines",
        "findings",
        "generation",
        "harness",
        "operations",
        "outcome",
        "preflight",
    },
    {"report", "validation", "coverage", "coverage_ppi", "comparison", "gating", "monitor"},
    {"runner", "run_state", "run_stream"},
    {"api"},
    {"service"},
    {"cli", "__main__"},
]


def _layer(module: str) -> int | None:
    top = module.split(".")[1] if "." in module else None
    return next((i for i, names in enumerate(LAYERS) if top in names), None)


def test_every_top_level_module_has_a_layer():
    tops = {m.split(".")[1] for m in _modules() if "." in m}
    assert tops == set().union(*LAYERS), f"place these in LAYERS: {sorted(tops ^ set().union(*LAYERS))}"


def test_no_module_imports_a_higher_layer():
    upward = [
        f"{source} -> {target} ({_modules()[source].relative_to(PACKAGE.parent)}:{line})"
        for source, edges in import_graph().items()
        for target, line in edges.items()
        if (source, target) not in PENDING
        and None not in (_layer(source), _layer(target))
        and _layer(target) > _layer(source)  # type: ignore[operator]
    ]
    assert not upward, "imports from a higher layer:\n  " + "\n  ".join(upward)


def _defined_functions() -> dict[str, list[str]]:
    """function name -> modules defining it at module level or as a nested function."""
    out: dict[str, list[str]] = {}
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                out.setdefault(node.name, []).append(name)
    return out


def test_shared_helpers_have_one_home():
    defined = _defined_functions()
    for helper, home in HOMES.items():
        assert defined.get(helper) == [home], (
            f"{helper} should be defined once, in {home}: {defined.get(helper)}"
        )
    for retired, home in RETIRED.items():
        assert retired not in defined, f"{defined[retired]} define {retired}: use {home} instead"


def test_no_two_public_classes_share_a_name():
    import importlib

    owners: dict[str, set[str]] = {}
    for name in _modules():
        if name.startswith("genjudge.cli") or name.endswith("__main__"):
            continue
        module = importlib.import_module(name)
        for public in getattr(module, "__all__", []):
            obj = getattr(module, public)
            if isinstance(obj, type):
                owners.setdefault(public, set()).add(f"{obj.__module__}.{obj.__qualname__}")
    shared = {name: sorted(where) for name, where in owners.items() if len(where) > 1}
    assert not shared, f"public classes with one name: {shared}"
