"""Help at 80 columns, in Chinese and in English: no line wider than the terminal, no Chinese word
split across lines, metavars in words (cli/help_format.py)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cmgr.cli.help_format import display_width, is_cjk, short_help, wrap, wrap_text

ROOT = Path(__file__).resolve().parents[2]

# Renders `--help` of every command and group of the app, in the language of the environment.
RENDER_ALL = """
import json, typer
from typer.testing import CliRunner
from cmgr.cli.app import app

def walk(command, path=()):
    yield path
    for name, sub in sorted((getattr(command, "commands", None) or {}).items()):
        yield from walk(sub, (*path, name))

runner = CliRunner()
out = {}
for path in walk(typer.main.get_command(app)):
    result = runner.invoke(app, [*path, "--help"], prog_name="cmgr")
    out[" ".join(("cmgr", *path))] = [result.exit_code, result.stdout]
print(json.dumps(out, ensure_ascii=False))
"""

TYPE_METAVAR = re.compile(r"<[A-Za-z][\w\[\]|,. ]*>")


def _render_all(lang: str) -> dict[str, tuple[int, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CMGR_", "LC_", "LANG"))}
    env.update(CMGR_LANG=lang, COLUMNS="80", LINES="40")
    done = subprocess.run([sys.executable, "-c", RENDER_ALL], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def split_words(text: str) -> list[str]:
    """Places where a line ends and the next goes on inside one paragraph between two CJK
    characters. Before the first heading (the command's description) a paragraph's lines share
    their indent; in a section (选项：, Options:) a row's continuation is indented deeper."""
    found = []
    lines = text.splitlines()
    in_section = False
    for before, after in zip(lines, lines[1:], strict=False):
        if not after.strip():
            continue
        if after and not after.startswith(" "):  # a heading (or the usage line)
            in_section = after.rstrip().endswith((":", "："))
            continue
        if not before.strip():
            continue
        continues = (_indent(after) > 2) if in_section else _indent(after) == _indent(before)
        if continues and is_cjk(before.rstrip()[-1:]) and is_cjk(after.lstrip()[:1]):
            found.append(f"{before.rstrip()!r} / {after.strip()!r}")
    return found


@pytest.fixture(scope="module", params=["zh", "en"])
def helps(request):
    return request.param, _render_all(request.param)


def test_every_help_fits_80_columns_without_split_words_or_type_metavars(helps):
    lang, rendered = helps
    assert len(rendered) > 40  # every command and group, not a few
    problems = []
    for name, (code, text) in rendered.items():
        if code != 0:
            problems.append(f"{name}: exit {code}")
        for line in text.splitlines():
            if display_width(line) > 80:
                problems.append(f"{name}: {display_width(line)} columns: {line!r}")
        problems += [f"{name}: split word {s}" for s in split_words(text)]
        problems += [f"{name}: type metavar {m}" for m in TYPE_METAVAR.findall(text)]
    assert not problems, f"[{lang}]\n" + "\n".join(problems)


def test_help_speaks_the_language_asked_for(helps):
    lang, rendered = helps
    text = rendered["cmgr import"][1]
    if lang == "zh":
        assert text.startswith("用法：cmgr import [选项]") and "选项：" in text
        assert "显示此帮助并退出。" in text and "[默认：table]" in text
        assert "--format table|json" in text
    else:
        assert text.startswith("Usage: cmgr import [OPTIONS]") and "Options:" in text
        assert "Show this message and exit." in text and "[default: table]" in text


def test_wrapping_counts_cjk_as_two_columns_and_breaks_after_punctuation():
    text = "客户编码或名称的一部分，按客户名册；找不到时列出相近的客户。then English words follow"
    lines = wrap(text, 24)
    assert all(display_width(line) <= 24 for line in lines), lines
    assert lines[0] == "客户编码或名称的一部分，"  # 24 columns, broken after the comma
    assert lines[1] == "按客户名册；"
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_a_chinese_run_longer_than_the_line_is_cut_by_columns():
    lines = wrap("这是一个没有任何标点而且比一行还要长的中文句子", 20, "  ", "  ")
    assert all(display_width(line) <= 20 for line in lines), lines
    assert len(lines) == 3 and lines[0] == "  这是一个没有任何标"


def test_paragraph_lines_join_without_a_space_inside_chinese():
    assert wrap_text("第一行中文\n第二行中文\nand English", 78) == "第一行中文第二行中文 and English"


def test_short_help_is_the_first_sentence_cut_by_display_width():
    assert short_help("导入公司系统的导出文件。再次导入相同的行不会重复。", 40) == "导入公司系统的导出文件。"
    cut = short_help("按档位和访销日安排下周的访问，写出访问日程表和签到记录簿，并保存访问计划", 30)
    assert display_width(cut) <= 30 and cut.endswith("…") and "，…" not in cut
