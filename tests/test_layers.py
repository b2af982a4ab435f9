"""No module of cmgr imports a layer above its own (docs/architecture.md).

Every import counts, the lazy ones inside functions too: a lazy upward import is still a
dependency, only a hidden one. A module missing from LAYERS fails the test, so a new module
is placed on purpose.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "cmgr"

# Bottom to top. A name stands for the module and everything below it; the longest match wins.
LAYERS: dict[str, int] = {
    # 0: words, errors and plumbing every layer may use
    "cmgr": 0, "cmgr.domain": 0, "cmgr.errors": 0, "cmgr.resources": 0, "cmgr.fileio": 0,
    "cmgr.logging_setup": 0,
    # 1: the effective configuration
    "cmgr.config": 1,
    # 2: reading exports, the database, pure logic
    "cmgr.sources": 2, "cmgr.store": 2, "cmgr.core": 2,
    # 3: documents
    "cmgr.render": 3,
    # 4: the use cases, each a command's work end to end
    "cmgr.jobs": 4,
    # 5: the command line
    "cmgr.cli": 5, "cmgr.__main__": 5,
}
LAYER_NAMES = ["domain/errors/resources/fileio", "config", "sources/store/core", "render",
               "jobs (use cases)", "cli"]

# (importing module, imported module) pairs allowed for now, each with the reason. Empty: keep
# it so; an entry here is a debt with a name.
KNOWN_EXCEPTIONS: dict[tuple[str, str], str] = {}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> int | None:
    best = None
    for name, layer in LAYERS.items():
        if (module == name or module.startswith(name + ".")) and (
                best is None or len(name) > len(best[0])):
            best = (name, layer)
    return None if best is None else best[1]


def imports_of(path: Path, module: str) -> list[tuple[str, int]]:
    """Every cmgr module `path` imports, with its line (``from cmgr import x`` names x)."""
    tree = ast.parse(path.read_text("utf-8"), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            found.append((base, node.lineno))
            # `from cmgr.core import visit_plan` imports the submodule cmgr.core.visit_plan.
            found += [(f"{base}.{a.name}", node.lineno) for a in node.names
                      if (PACKAGE.parent / Path(*f"{base}.{a.name}".split("."))).with_suffix(".py").exists()
                      or (PACKAGE.parent / Path(*f"{base}.{a.name}".split("."))).is_dir()]
    return [(name, line) for name, line in found if name == "cmgr" or name.startswith("cmgr.")]


def _modules() -> list[tuple[Path, str]]:
    return [(p, _module_name(p)) for p in sorted(PACKAGE.rglob("*.py"))]


def test_every_module_has_a_layer():
    missing = [m for _, m in _modules() if layer_of(m) is None]
    assert not missing, f"add these modules to LAYERS in {__file__}: {missing}"


def test_no_module_imports_a_layer_above_its_own():
    upward = []
    for path, module in _modules():
        own = layer_of(module)
        for imported, line in imports_of(path, module):
            theirs = layer_of(imported)
            if theirs is None or own is None or theirs <= own:
                continue
            if (module, imported) in KNOWN_EXCEPTIONS:
                continue
            upward.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {module} "
                          f"({LAYER_NAMES[own]}) imports {imported} ({LAYER_NAMES[theirs]})")
    assert not upward, "upward imports:\n" + "\n".join(upward)


def test_known_exceptions_are_still_needed():
    """An exception whose import is gone must leave the list."""
    present = {(m, i) for p, m in _modules() for i, _ in imports_of(p, m)}
    stale = [pair for pair in KNOWN_EXCEPTIONS if pair not in present]
    assert not stale, f"remove from KNOWN_EXCEPTIONS: {stale}"


def test_the_walk_sees_lazy_and_relative_imports(tmp_path):
    """The checker itself: an import inside a function, and a relative one, are found."""
    source = tmp_path / "cmgr" / "store"
    source.mkdir(parents=True)
    probe = source / "probe.py"
    probe.write_text("def f():\n    from cmgr.render.output import expand_out\n"
                     "from ..cli import app\n", "utf-8")
    global PACKAGE
    saved, PACKAGE = PACKAGE, tmp_path / "cmgr"
    try:
        names = {n for n, _ in imports_of(probe, "cmgr.store.probe")}
    finally:
        PACKAGE = saved
    assert {"cmgr.render.output", "cmgr.cli"} <= names
    assert layer_of("cmgr.render.output") > layer_of("cmgr.store.probe")
