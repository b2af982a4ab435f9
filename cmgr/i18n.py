"""The user's language: Chinese by default, English on request.

Every message, prompt, hint, help text and table header is written in Chinese in the code and
passed through `tr()`; the English catalogue (`cmgr/locale/en/*.toml`, one file per area, each
line `"中文 {name}" = "English {name}"`) maps it. The Chinese text is the message id, as in
gettext with a source language: a message missing from the catalogue prints in Chinese, never
as an id, and `tests/test_i18n.py` fails on it.

The language is chosen once per process, before the command modules build their help:
`--lang en|zh` on the command line, else `CMGR_LANG`, else an English locale
(`LC_ALL`/`LC_MESSAGES`/`LANG` starting with `en`), else Chinese. `C`/`POSIX` locales (servers,
cron) count as no request, so a cron mail stays Chinese.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

LANGUAGES = ("zh", "en")
_CATALOGUE_DIR = Path(__file__).parent / "locale"

_language: str | None = None
_catalogues: dict[str, dict[str, str]] = {}


def resolve_language(argv: Sequence[str], environ: Mapping[str, str]) -> str:
    """The language a command line and environment ask for ('zh' or 'en')."""
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        value = None
        if arg == "--lang" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--lang="):
            value = arg.split("=", 1)[1]
        if value is not None:
            return _normalise(value) or "zh"
    requested = _normalise(environ.get("CMGR_LANG", ""))
    if requested:
        return requested
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:  # the first one set decides, as in POSIX
            return "en" if value.lower().startswith("en") else "zh"
    return "zh"


def _normalise(value: str) -> str | None:
    value = value.strip().lower().replace("-", "_")
    if value.startswith("en"):
        return "en"
    if value.startswith("zh") or value in ("cn", "chinese", "中文"):
        return "zh"
    return None


def language() -> str:
    global _language
    if _language is None:
        _language = resolve_language(sys.argv[1:], os.environ)
    return _language


def set_language(lang: str) -> None:
    """Switch the language for the rest of the process (the `--lang` option, tests)."""
    global _language
    _language = _normalise(lang) or "zh"


def catalogue(lang: str) -> dict[str, str]:
    """The messages of one language, Chinese id -> text (empty for Chinese)."""
    if lang not in _catalogues:
        import tomllib

        merged: dict[str, str] = {}
        folder = _CATALOGUE_DIR / lang
        for path in sorted(folder.glob("*.toml")) if folder.is_dir() else ():
            with path.open("rb") as fh:
                merged.update(tomllib.load(fh))
        _catalogues[lang] = merged
    return _catalogues[lang]


def tr(message: str, /, **params: object) -> str:
    """`message` (Chinese) in the user's language, with `{name}` placeholders filled."""
    lang = language()
    text = message if lang == "zh" else catalogue(lang).get(message, message)
    return text.format(**params) if params else text


def is_english() -> bool:
    return language() == "en"
