"""Help text that reads well in Chinese at 80 columns: wrapped by display width, metavars in words.

Click wraps by characters and breaks only at spaces, so a Chinese line is twice as wide as it
counts and a run of Chinese is broken anywhere. `HelpFormatter` counts a CJK character as two
columns, breaks at spaces and after Chinese punctuation, never between two CJK characters
(unless a run is longer than the line), and aligns option columns by display width. It also
puts click's own words (Usage, Options, default, required...) in the user's language.

`dress_command()` gives every option without an explicit metavar one from its type, in words
(整数/N, 文件/FILE, 日期/DATE...), never `<int range>` or `<list[str]>`; an argument shows its
name (and its choices), not `<str>`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from contextlib import contextmanager
from typing import Any, get_args

try:  # typer >= 0.2x vendors click
    from typer import _click as click
except ImportError:  # pragma: no cover - older typer on plain click
    import click

from cmgr.i18n import tr

# Break after these (closing punctuation), and before the opening ones.
_BREAK_AFTER = set("，。；：、）》」』】〕！？”’")
_BREAK_BEFORE = set("（《「『【〔“‘")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def char_width(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str) -> int:
    """Columns `text` takes on a terminal (CJK and full-width characters count 2)."""
    text = _ANSI.sub("", text)
    if text.isascii():
        return len(text)
    return sum(char_width(ch) for ch in text)


def is_cjk(ch: str) -> bool:
    """A CJK ideograph (or kana/hangul): the characters a line must not be broken between."""
    return bool(ch) and (
        "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\u3040" <= ch <= "\u30ff"
        or "\uac00" <= ch <= "\ud7af" or "\U00020000" <= ch <= "\U0003134f")


def _segments(text: str) -> list[tuple[str, bool]]:
    """`text` cut where a line may break: (piece, followed by a space)."""
    pieces: list[tuple[str, bool]] = []
    current = ""
    for ch in text:
        if ch.isspace():
            if current:
                pieces.append((current, True))
                current = ""
            elif pieces:
                pieces[-1] = (pieces[-1][0], True)
            continue
        if ch in _BREAK_BEFORE and current:
            pieces.append((current, False))
            current = ""
        current += ch
        if ch in _BREAK_AFTER:
            pieces.append((current, False))
            current = ""
    if current:
        pieces.append((current, False))
    return pieces


def wrap(text: str, width: int, initial_indent: str = "", subsequent_indent: str = "") -> list[str]:
    """`text` as lines of at most `width` columns (where a single piece allows)."""
    lines: list[str] = []
    line, used, empty = initial_indent, display_width(initial_indent), True
    space_before = False

    def new_line() -> None:
        nonlocal line, used, empty
        lines.append(line.rstrip())
        line, used, empty = subsequent_indent, display_width(subsequent_indent), True

    for piece, space_after in _segments(text):
        size = display_width(piece)
        gap = 1 if space_before and not empty else 0
        if not empty and used + gap + size > width:
            new_line()
            gap = 0
        if empty and used + size > width:
            # Longer than a whole line (a long Chinese run, a path): cut it by columns.
            for ch in piece:
                w = char_width(ch)
                if not empty and used + w > width:
                    new_line()
                line += ch
                used += w
                empty = False
        else:
            line += " " * gap + piece
            used += gap + size
            empty = False
        space_before = space_after
    if not empty or not lines:
        lines.append(line.rstrip())
    return lines


def _join_lines(lines: list[str]) -> str:
    """The lines of one paragraph as one text: a space between them, none inside Chinese."""
    out = ""
    for line in lines:
        line = line.strip()
        if out and not (is_cjk(out[-1]) and is_cjk(line[:1]) or out[-1] in _BREAK_AFTER):
            out += " "
        out += line
    return out


def wrap_text(text: str, width: int, initial_indent: str = "", subsequent_indent: str = "",
              preserve_paragraphs: bool = False) -> str:
    """click.formatting.wrap_text by display width: paragraphs kept, `\\b` blocks not rewrapped
    (a line of one that is too wide still wraps, under its own indent)."""
    text = text.expandtabs()
    if not preserve_paragraphs:
        return "\n".join(wrap(_join_lines(text.splitlines()), width, initial_indent,
                              subsequent_indent))
    paragraphs: list[tuple[int, bool, list[str]]] = []
    buf: list[str] = []
    indent: int | None = None

    def flush() -> None:
        if buf:
            raw = buf[0].strip() == "\b"
            paragraphs.append((indent or 0, raw, buf[1:] if raw else list(buf)))
            buf.clear()

    for line in text.splitlines():
        if not line:
            flush()
            indent = None
        else:
            if indent is None:
                indent = len(line) - len(line.lstrip())
                line = line.lstrip()
            buf.append(line)
    flush()
    out = []
    for extra, raw, lines in paragraphs:
        first = initial_indent + " " * extra
        rest = subsequent_indent + " " * extra
        if raw:
            block = []
            for line in lines:
                lead = " " * (len(line) - len(line.lstrip()))
                if display_width(rest + line) <= width:
                    block.append(rest + line)
                    continue
                block.extend(wrap(line.strip(), width, rest + lead, rest + lead + "    "))
            out.append("\n".join(block))
        else:
            out.append("\n".join(wrap(_join_lines(lines), width, first, rest)))
    return "\n\n".join(out)


def short_help(text: str, limit: int) -> str:
    """A command's line in its group's list: the first sentence, cut to `limit` columns."""
    paragraph = text.split("\n\n", 1)[0].strip()
    if paragraph.startswith("\b"):
        paragraph = paragraph[1:].strip()
    paragraph = _join_lines(paragraph.splitlines())
    for end in ("。", "；", ". "):
        if end in paragraph:
            paragraph = paragraph.split(end, 1)[0] + end.strip()
            break
    if display_width(paragraph) <= limit:
        return paragraph
    kept = ""
    for piece, space_after in _segments(paragraph):
        candidate = kept + piece
        if display_width(candidate) + 1 > limit:
            break
        kept = candidate + (" " if space_after else "")
    if not kept:  # one long piece: cut it by columns
        for ch in paragraph:
            if display_width(kept + ch) + 1 > limit:
                break
            kept += ch
    return kept.rstrip(" ，、；：,;:") + "…"


def _click_words() -> dict[str, str]:
    """click's and Typer's own English words in help, in the user's language."""
    return {"Options": tr("选项"), "Arguments": tr("参数"), "Commands": tr("命令"),
            "Show this message and exit.": tr("显示此帮助并退出。")}


_EXTRA = re.compile(r"\s*\[((?:env var|default|required)[^\[\]]*)\]$")


def _translate_extra(help_text: str) -> str:
    """`...  [env var: X; default: 13; 1<=x<=60; required]` in the user's language."""
    match = _EXTRA.search(help_text)
    if not match:
        return _click_words().get(help_text, help_text)
    parts = []
    for part in match.group(1).split("; "):
        if part.startswith("env var: "):
            parts.append(tr("环境变量：{name}", name=part[len("env var: "):]))
        elif part.startswith("default: "):
            parts.append(tr("默认：{value}", value=part[len("default: "):]))
        elif part == "required":
            parts.append(tr("必填"))
        else:
            parts.append(part)
    before = help_text[:match.start()]
    return f"{before}  [{tr('；').join(parts)}]" if before else f"[{tr('；').join(parts)}]"


class HelpFormatter(click.HelpFormatter):
    """click's help formatter, by display width and in the user's language."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        prefix = tr("用法：") if prefix is None else prefix
        args = (args.replace("[OPTIONS]", tr("[选项]"))
                .replace("COMMAND [ARGS]...", tr("命令 [参数]...")))
        usage_prefix = f"{prefix:>{self.current_indent}}{prog} "
        text_width = self.width - self.current_indent
        indent = " " * display_width(usage_prefix)
        if text_width < display_width(usage_prefix) + 20:
            self.write(usage_prefix.rstrip() + "\n")
            usage_prefix = indent = " " * (max(self.current_indent, display_width(prefix)) + 4)
        self.write(wrap_text(args, text_width, initial_indent=usage_prefix,
                             subsequent_indent=indent))
        self.write("\n")

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{_click_words().get(heading, heading)}{tr('：')}\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        self.write(wrap_text(text, self.width, initial_indent=indent, subsequent_indent=indent,
                             preserve_paragraphs=True))
        self.write("\n")

    def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30,
                 col_spacing: int = 2) -> None:
        rows = [(first, _translate_extra(second) if second else second) for first, second in rows]
        if not rows:
            return
        widest = max(display_width(first) for first, _ in rows)
        first_col = min(widest, col_max) + col_spacing
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if display_width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - display_width(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            text_width = max(self.width - first_col - self.current_indent, 10)
            lines = wrap_text(second, text_width, preserve_paragraphs=True).splitlines() or [""]
            self.write(f"{lines[0]}\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n" if line else "\n")

    @contextmanager
    def section(self, name: str):
        self.write_paragraph()
        self.write_heading(name)
        self.indent()
        try:
            yield
        finally:
            self.dedent()


class Context(click.Context):
    formatter_class = HelpFormatter


# --- metavars in words -------------------------------------------------------------------

def _type_word(annotation: Any) -> str | None:
    """The metavar of a value of this Python type, in words."""
    import datetime
    from pathlib import Path

    args = [a for a in get_args(annotation) if a is not type(None)]
    if args and getattr(annotation, "__origin__", None) in (list, tuple, set):
        annotation = args[0]
    elif args and len(args) == 1:  # X | None
        annotation = args[0]
    if annotation is bool:
        return None
    if annotation is int:
        return tr("整数")
    if annotation is float:
        return tr("数值")
    if isinstance(annotation, type) and issubclass(annotation, Path):
        return tr("文件")
    if annotation in (datetime.date, datetime.datetime):
        return tr("日期")
    return tr("文本")


def _choices(param: Any) -> list[str] | None:
    desc = getattr(param, "type_descriptor", None)
    choices = getattr(desc, "choices", None) if desc is not None else None
    if choices is None:
        choices = getattr(getattr(param, "type", None), "choices", None)
    if not choices:
        return None
    return [str(getattr(c, "value", c)) for c in choices]


def _default_metavar(param: Any) -> str | None:
    choices = _choices(param)
    if choices:
        return "|".join(choices)
    desc = getattr(param, "type_descriptor", None)
    if desc is not None:
        if getattr(desc, "is_path", False) and getattr(desc, "path_type", "") == "dir":
            return tr("目录")
        return _type_word(desc.annotation)
    name = getattr(getattr(param, "type", None), "name", "text")  # plain click types
    return {"integer": tr("整数"), "float": tr("数值"), "path": tr("文件"),
            "boolean": None}.get(name, tr("文本"))


def dress_command(command: Any) -> None:
    """Metavars in words for `command`'s parameters, and the help formatter for its context."""
    command.context_class = Context
    for param in command.params:
        if getattr(param, "param_type_name", "") == "argument":
            choices = _choices(param)
            # The name (or metavar) says what it is; a type such as <str> says nothing.
            param.display_type_rich = (lambda ctx, c=choices: "|".join(c) if c else None)
        elif (getattr(param, "param_type_name", "") == "option" and param.metavar is None
              and not getattr(param, "is_flag", False) and not getattr(param, "count", False)):
            param.metavar = _default_metavar(param)
