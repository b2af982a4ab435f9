"""Where packaged data lives: installed wheel (cmgr/templates, cmgr/sample_data) or a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def packaged_dir(name: str) -> Path:
    """`templates` or `sample_data`: inside the installed package, else at the repo's top level."""
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"cmgr's {name} directory is missing from this installation")


def data_file(name: str) -> Path:
    """A file shipped in cmgr/data (default lexicon, ...)."""
    return _PACKAGE / "data" / name
