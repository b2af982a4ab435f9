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

def texts(command):
    yield command.help or ""
    for param in command.params:
        yield getattr(param, "help", None) or ""
    for sub in (getattr(command, "commands", None) or {}).values():
        yield from texts(sub)

runner = CliRunner()
out = {}
root = typer.main.get_command(app)
for path in walk(root):
    result = runner.invoke(app, [*path, "--help"], prog_name="cmgr")
    out[" ".join(("cmgr", *path))] = [result.exit_code, result.stdout]
print(json.dumps({"helps": out, "sources": sorted(set(texts(root)))}, ensure_ascii=False))
"""

TYPE_METAVAR = re.compile(r"<[A-Za-z][\w\[\]|,. ]*>")


def _render_all(lang: str) -> tuple[dict[str, tuple[int, str]], str]:
    """Every help as rendered, and the help texts they were made from (joined)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CMGR_", "LC_", "LANG"))}
    env.update(CMGR_LANG=lang, COLUMNS="80", LINES="40")
    done = subprocess.run([sys.executable, "-c", RENDER_ALL], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    return data["helps"], "\n".join(data["sources"])


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def split_words(text: str, sources: str = "") -> list[str]:
    """Places where a line ends and the next goes on inside one paragraph between two CJK
    characters (not at a space the help text has there, in `sources`). Before the first heading
    (the command's description) a paragraph's lines share their indent; in a section (选项：,
    Options:) a row's continuation is indented deeper, and a row whose option names fill the
    first column alone has its help on the next line."""
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
        if in_section:
            names_alone = _indent(before) == 2 and not re.search(r"\S {2,}\S", before.strip())
            continues = _indent(after) > 2 and not names_alone
        else:
            continues = _indent(after) == _indent(before)
        end, start = before.rstrip()[-3:], after.lstrip()[:3]
        if (continues and is_cjk(end[-1:]) and is_cjk(start[:1])
                and f"{end} {start}" not in sources):
            found.append(f"{before.rstrip()!r} / {after.strip()!r}")
    return found


@pytest.fixture(scope="module", params=["zh", "en"])
def helps(request):
    return request.param, _render_all(request.param)


def test_every_help_fits_80_columns_without_split_words_or_type_metavars(helps):
    lang, (rendered, sources) = helps
    assert len(rendered) > 40  # every command and group, not a few
    problems = []
    for name, (code, text) in rendered.items():
        if code != 0:
            problems.append(f"{name}: exit {code}")
        for line in text.splitlines():
            if display_width(line) > 80:
                problems.append(f"{name}: {display_width(line)} columns: {line!r}")
        problems += [f"{name}: split word {s}" for s in split_words(text, sources)]
        problems += [f"{name}: type metavar {m}" for m in TYPE_METAVAR.findall(text)]
    assert not problems, f"[{lang}]\n" + "\n".join(problems)


def test_help_speaks_the_language_asked_for(helps):
    lang, (rendered, _) = helps
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


def test_the_split_word_check_finds_a_split_and_allows_a_break_at_a_space():
    split = "用法：cmgr x\n\n  这是一段很长的说明文字被从中\n  间断开了\n"
    assert split_words(split) == ["'  这是一段很长的说明文字被从中' / '间断开了'"]
    spaced = "用法：cmgr x\n\n选项：\n  --a 文本  访销日，例如 周二\n            或 周二、周五\n"
    assert split_words(spaced, sources="例如 周二 或 周二、周五") == []
    assert split_words(spaced.replace(" 或", "或"), sources="") != []
