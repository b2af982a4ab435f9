"""Options shared by the commands, each defined once: one spelling, one meaning, one parser.

- `--manager/-m` selects 客户经理 by their roster name: `ManagersOpt` (repeatable) where a command
  can work on several, `ManagerOpt` (one) where it filters by one; `--all` is every manager.
  `RecordManagerOpt` is the same spelling where a record is written for a manager.
- `--format` lists exactly the formats the command accepts (`format_option`): Typer refuses any
  other with exit 2, before anything runs. `--format` is always the command's own output;
  `--form-format` (`FormFormatOpt`) is the form a recording command renders beside it.
- Dates (`DateOpt`, `--since`/`--until`, the date of `--at`) all go through `parse_day`, which
  reads 2026-11-30, 2026/11/30, 20261130 and 2026年11月30日.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from functools import cache
from typing import Annotated, Any

import typer

from cmgr.i18n import tr

# The date spellings cmgr reads, written the same in either language (a list, no "or").
DATE_FORMS = "2026-11-30, 2026/11/30, 20261130, 2026年11月30日"


# --- dates -----------------------------------------------------------------------------------

def parse_day(text: str) -> date:
    """A date as a person types it (DATE_FORMS); ValueError names what was expected."""
    iso = text.strip()
    if len(iso) == 10 and iso[4] == iso[7] == "-" and iso[:4].isdigit() and iso[:4] >= "1900":
        try:  # the usual spelling without loading the cell parsers (60 ms; cmgr today is timed)
            return date.fromisoformat(iso)
        except ValueError:
            pass  # 2026-02-30: the cell parser says why
    from cmgr.sources.cells import CellError, parse_date

    try:
        day = parse_date(text)
    except CellError:
        day = None
    if day is None:
        raise ValueError(tr("{text} 不是日期；应为 {forms}", text=repr(text), forms=DATE_FORMS))
    return day


def parse_moment(text: str) -> str:
    """A date, or a date and a time of day (2026-11-29T14:30, "2026/11/29 14:30"), as ISO
    text; the date part through `parse_day`."""
    text = text.strip()
    day_text, sep, clock = text.replace("T", " ", 1).partition(" ")
    day = parse_day(day_text).isoformat()
    if not sep:
        return day
    from datetime import time

    try:
        return f"{day}T{time.fromisoformat(clock.strip()).isoformat()}"
    except ValueError:
        raise ValueError(tr("{text}：时间 {clock} 应为 HH:MM", text=repr(text),
                            clock=repr(clock.strip()))) from None


def date_option(*names: str, help: str) -> Any:
    """A date option: a `datetime.date` (or None), in any of DATE_FORMS."""
    return typer.Option(*names, parser=parse_day, metavar=tr("日期"), help=help)


DateOpt = Annotated[date | None, date_option(
    "--date", help=tr("日期（{forms}；默认今天）。", forms=DATE_FORMS))]
SinceOpt = Annotated[date | None, date_option(
    "--since", help=tr("第一天（{forms}）。", forms=DATE_FORMS))]
UntilOpt = Annotated[date | None, date_option("--until", help=tr("最后一天（含当天）。"))]
MonthOpt = Annotated[str, typer.Option(
    "--month", metavar=tr("月份"), help=tr("月份：YYYY-MM，或 last（今天的上一个月）。"))]
WeekOpt = Annotated[str | None, typer.Option(
    "--week", metavar=tr("周"), help=tr("ISO 周，例如 2026-W49。"))]


# --- managers --------------------------------------------------------------------------------

ManagersOpt = Annotated[list[str] | None, typer.Option(
    "--manager", "-m", metavar=tr("姓名"),
    help=tr("客户经理，按客户名册中的姓名（可重复；名册只有一位时可省略）。"))]
ManagerOpt = Annotated[str | None, typer.Option(
    "--manager", "-m", metavar=tr("姓名"), help=tr("只看这位客户经理（按客户名册中的姓名）。"))]
RecordManagerOpt = Annotated[str | None, typer.Option(
    "--manager", "-m", metavar=tr("姓名"),
    help=tr("客户经理，按客户名册中的姓名（默认：该客户的客户经理）。"))]
AllManagersOpt = Annotated[bool, typer.Option("--all", help=tr("客户名册中的每一位客户经理。"))]


# --- output ----------------------------------------------------------------------------------

def out_option(placeholders: str, default: str | None = None, more: str = "") -> Any:
    """--out: the file to write, with the placeholders the command fills in."""
    text = (tr("输出文件；可用占位符 {placeholders}（默认：{default}）。", placeholders=placeholders,
               default=default) if default
            else tr("输出文件；可用占位符 {placeholders}。", placeholders=placeholders))
    return Annotated[str | None, typer.Option("--out", metavar=tr("文件"),
                                              help=text + (f" {more}" if more else ""))]


def format_from(fmt: StrEnum | None, out: str | None, accepted: tuple[str, ...],
                default: str = "table") -> str:
    """The format given, else the one --out's suffix names, else `default`; a suffix that is
    not one of `accepted` is a UsageError."""
    from pathlib import Path

    from cmgr.errors import UsageError

    if fmt is not None:
        return fmt.value
    suffix = Path(out).suffix.lower().lstrip(".") if out else ""
    if out and suffix != "{format}":  # a placeholder suffix leaves the choice to the default
        if suffix not in accepted:
            raise UsageError(tr("`--out {out}`：无法从后缀 {suffix} 判断格式", out=out,
                                suffix=repr(Path(out).suffix)),
                             hint=tr("加上 `--format {formats}`", formats="|".join(accepted)))
        return suffix
    return default


@cache
def formats(*accepted: str) -> type[StrEnum]:
    """The Enum of exactly these formats (help shows them as a|b|c; Typer refuses others)."""
    return StrEnum("Format_" + "_".join(accepted), {f: f for f in accepted})


def format_option(*accepted: str, help: str | None = None, optional: bool = False) -> Any:
    """--format with exactly the formats a command accepts; `optional`: None when not given
    (the command then tells the format from --out)."""
    choice = formats(*accepted)
    kind = choice | None if optional else choice
    return Annotated[kind, typer.Option("--format", help=help or tr("输出格式。"))]


TableJsonOpt = format_option("table", "json", help=tr("table 供人阅读，json 供脚本使用。"))
FORM_FORMATS = ("docx", "html")
FORM_DEFAULT = "docx"
# None when not given: the form's format is then told from --out (`form_format`).
FormFormatOpt = Annotated[formats(*FORM_FORMATS) | None, typer.Option(
    "--form-format", help=tr("表单格式：docx（Word，用于打印）或 html；默认按 `--out` 的后缀，否则 docx。"))]
# --format of a command whose output is a form (complaint form, promo receipt).
FormOutputFormatOpt = format_option(*FORM_FORMATS, optional=True, help=tr(
    "表单格式：docx（Word，用于打印）或 html；默认按 `--out` 的后缀，否则 docx。"))


def form_format(fmt: StrEnum | None, out: str | None) -> str:
    """A form's format: the one given, else --out's suffix, else docx."""
    return format_from(fmt, out, FORM_FORMATS, FORM_DEFAULT)
