"""The house: no import circle anywhere in src/, arrows one way, small rooms.

Every import counts, also those inside functions and under TYPE_CHECKING: a lazy import
is still a dependency, and a circle of them is still a knot to untie when changing one side.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PKG = SRC / "microsession"


def module_name(path: Path) -> str:
    rel = path.relative_to(SRC).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PKG.rglob("*.py")}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The modules of ours that `name` imports (a package's __init__ is not counted for
    `from pkg import sub`: only the submodule)."""
    found: set[str] = set()
    is_pkg = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in known:
                    found.add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = name.split(".") if is_pkg else name.split(".")[:-1]
                parent = parent[: len(parent) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            subs = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in known]
            if subs:
                found.update(subs)
            elif base in known:
                found.add(base)
    found.discard(name)
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {name: imports_of(name, path, set(mods)) for name, path in mods.items()}


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in g[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def test_no_import_circle_in_src():
    assert cycles(graph()) == []


def test_the_circle_finder_finds_a_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_arrows_point_one_way():
    """core imports nothing of ours but core; store only core; schedule, cli and control never ui."""
    allowed = {
        "microsession.core": ("microsession.core",),
        "microsession.store": ("microsession.core", "microsession.store"),
        "microsession.schedule": ("microsession.schedule", "microsession.core", "microsession.store",
                                  "microsession.paths", "microsession.trace"),
        "microsession.control": ("microsession.control", "microsession.core", "microsession.paths",
                                 "microsession.trace"),
        "microsession.cli": ("microsession.cli", "microsession.core", "microsession.store",
                             "microsession.schedule", "microsession.control", "microsession.paths",
                             "microsession.trace", "microsession.app", "microsession.__init__",
                             "microsession"),
    }
    wrong = []
    for name, deps in graph().items():
        for floor, ok in allowed.items():
            if name == floor or name.startswith(floor + "."):
                wrong += [f"{name} -> {d}" for d in deps
                          if not any(d == o or d.startswith(o + ".") for o in ok)]
    assert wrong == []


def test_rooms_stay_small():
    """A folder of ours holds at most 24 modules (the largest hold 20); a module at most 400 lines."""
    crowded = {str(d.relative_to(SRC)): n for d in [PKG, *[p for p in PKG.rglob("*") if p.is_dir()]]
               if (n := len([f for f in d.glob("*.py") if f.name != "__init__.py"])) > 24}
    assert crowded == {}
    long = {str(p.relative_to(SRC)): n for p in PKG.rglob("*.py") if (n := len(p.read_text().splitlines())) > 400}
    assert long == {}
