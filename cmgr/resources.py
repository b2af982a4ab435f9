"""Where packaged data lives: installed wheel (cmgr/templates, cmgr/sample_data) or a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def packaged_dir(name: str) -> Path:
    """`templates` or `sample_data`: inside the installed package, else at the repo's top level."""
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    from cmgr.i18n import tr

    raise FileNotFoundError(tr("这个安装中缺少 cmgr 的 {name} 目录", name=name))


def data_file(name: str) -> Path:
    """A file shipped in cmgr/data (default lexicon, ...)."""
    return _PACKAGE / "data" / name
