"""No module of cmgr imports a layer above its own (docs/architecture.md): cli -> jobs ->
render -> store, core -> sources -> the shared base (config, errors, fileio, resources)."""

from __future__ import annotations

import ast
from pathlib import Path

import cmgr

RANK = {"cli": 5, "jobs": 4, "render": 3, "store": 2, "core": 2, "sources": 1}
# Known upward edges being removed elsewhere in issue 11 (atomic_path moving to cmgr.fileio;
# config's field names moving to the domain vocabulary). Delete an entry when its edge is gone:
# the test then keeps it gone.
KNOWN = {("cmgr.store.db", "cmgr.render.output"), ("cmgr.store.maintenance", "cmgr.render.output"),
         ("cmgr.config", "cmgr.sources.fields")}


def rank(module: str) -> int:
    parts = module.split(".")
    return RANK.get(parts[1], 0) if len(parts) > 1 else 0


def imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names)


def test_no_module_imports_a_layer_above_it():
    root = Path(cmgr.__file__).parent
    upward = set()
    for path in root.rglob("*.py"):
        module = ".".join(path.relative_to(root.parent).with_suffix("").parts)
        if module == "cmgr.__main__":  # the entry point runs the CLI
            continue
        for target in imports(path):
            if target.startswith("cmgr.") and rank(target) > rank(module):
                upward.add((module, target))
    assert upward - KNOWN == set()
    assert KNOWN - upward == set(), "an edge in KNOWN is gone: delete it from KNOWN"
