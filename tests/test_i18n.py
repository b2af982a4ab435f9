"""The message catalogue: every Chinese message in the code has its English, and the language
is chosen from --lang, CMGR_LANG and the locale in that order."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

import cmgr
from cmgr import i18n

ROOT = Path(cmgr.__file__).parent


def _tr_literals() -> dict[str, list[str]]:
    """Every string literal passed as the first argument of tr(...) in cmgr/, with where."""
    found: dict[str, list[str]] = {}
    for path in sorted(ROOT.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and node.args
                    and ((isinstance(node.func, ast.Name) and node.func.id == "tr")
                         or (isinstance(node.func, ast.Attribute) and node.func.attr == "tr"))):
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    where = f"{path.relative_to(ROOT.parent)}:{node.lineno}"
                    found.setdefault(first.value, []).append(where)
    return found


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_has_its_english():
    english = i18n.catalogue("en")
    missing = {msg: where for msg, where in _tr_literals().items() if msg not in english}
    assert not missing, "no English in cmgr/locale/en/*.toml for:\n" + "\n".join(
        f"  {where[0]}: {msg!r}" for msg, where in missing.items())


def test_english_placeholders_match_the_chinese():
    wrong = {zh: en for zh, en in i18n.catalogue("en").items() if _fields(zh) != _fields(en)}
    assert not wrong, wrong


def test_no_unused_english_entries():
    used = set(_tr_literals())
    unused = sorted(set(i18n.catalogue("en")) - used)
    assert not unused, "entries no tr() call uses (remove them): " + ", ".join(unused[:20])


@pytest.mark.parametrize(("argv", "env", "expected"), [
    ([], {}, "zh"),
    ([], {"LANG": "C.UTF-8"}, "zh"),
    ([], {"LANG": "en_US.UTF-8"}, "en"),
    ([], {"LANG": "zh_CN.UTF-8"}, "zh"),
    ([], {"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
    ([], {"CMGR_LANG": "en", "LANG": "zh_CN.UTF-8"}, "en"),
    (["--lang", "zh"], {"CMGR_LANG": "en"}, "zh"),
    (["--lang=en", "plan-week"], {}, "en"),
    (["import", "--", "--lang"], {"CMGR_LANG": "zh"}, "zh"),
])
def test_language_resolution(argv, env, expected):
    assert i18n.resolve_language(argv, env) == expected


def test_tr_fills_placeholders_in_either_language(monkeypatch):
    monkeypatch.setattr(i18n, "_language", "zh")
    assert i18n.tr("已取消") == "已取消"
    monkeypatch.setattr(i18n, "_language", "en")
    assert i18n.tr("已取消") == "cancelled"
    # a message the catalogue lacks still reads (in Chinese), never as an id
    assert i18n.tr("目录里没有的消息 {n}", n=3) == "目录里没有的消息 3"


def test_a_message_in_two_catalogue_files_has_one_english():
    import tomllib

    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for path in sorted((ROOT / "locale" / "en").glob("*.toml")):
        with path.open("rb") as fh:
            for zh, en in tomllib.load(fh).items():
                if zh in seen and seen[zh][1] != en:
                    clashes.append(f"{zh!r}: {seen[zh][0]} {seen[zh][1]!r} vs {path.name} {en!r}")
                seen.setdefault(zh, (path.name, en))
    assert not clashes, "\n".join(clashes)
