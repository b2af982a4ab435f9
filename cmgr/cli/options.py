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

DATE_FORMS = "2026-11-30, 2026/11/30, 20261130 or 2026年11月30日"


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
        raise ValueError(f"{text!r} is not a date; write it as {DATE_FORMS}")
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
        raise ValueError(f"{text!r}: the time of day {clock.strip()!r} is not HH:MM") from None


def date_option(*names: str, help: str) -> Any:
    """A date option: a `datetime.date` (or None), in any of DATE_FORMS."""
    return typer.Option(*names, parser=parse_day, metavar="DATE", help=help)


DateOpt = Annotated[date | None, date_option("--date", help=f"The date ({DATE_FORMS}; default "
                                                            "today).")]
SinceOpt = Annotated[date | None, date_option("--since", help=f"First day ({DATE_FORMS}).")]
UntilOpt = Annotated[date | None, date_option("--until", help="Last day (inclusive).")]
MonthOpt = Annotated[str, typer.Option(
    "--month", metavar="MONTH", help='The month: YYYY-MM, or "last" (the month before today).')]
WeekOpt = Annotated[str | None, typer.Option(
    "--week", metavar="WEEK", help="ISO week, e.g. 2026-W49.")]


# --- managers --------------------------------------------------------------------------------

MANAGER_HELP = "客户经理, as in the roster"
ManagersOpt = Annotated[list[str] | None, typer.Option(
    "--manager", "-m", metavar="NAME",
    help=f"{MANAGER_HELP} (repeatable; optional when the roster has one).")]
ManagerOpt = Annotated[str | None, typer.Option(
    "--manager", "-m", metavar="NAME", help=f"Only this {MANAGER_HELP}.")]
RecordManagerOpt = Annotated[str | None, typer.Option(
    "--manager", "-m", metavar="NAME", help=f"{MANAGER_HELP} (default: the customer's).")]
AllManagersOpt = Annotated[bool, typer.Option("--all", help="Every manager in the roster.")]


# --- output ----------------------------------------------------------------------------------

def out_option(placeholders: str, default: str | None = None, more: str = "") -> Any:
    """--out: the file to write, with the placeholders the command fills in."""
    text = f"Output file; placeholders {placeholders}"
    text += f" (default {default})." if default else "."
    return Annotated[str | None, typer.Option("--out", metavar="FILE",
                                              help=text + (f" {more}" if more else ""))]


def format_from(fmt: StrEnum | None, out: str | None, accepted: tuple[str, ...],
                default: str = "table") -> str:
    """The format given, else the one --out's suffix names, else `default`; a suffix that is
    not one of `accepted` is a UsageError."""
    from pathlib import Path

    from cmgr.errors import UsageError

    if fmt is not None:
        return fmt.value
    if out:
        suffix = Path(out).suffix.lower().lstrip(".")
        if suffix not in accepted:
            raise UsageError(f"--out {out}: cannot tell the format from {Path(out).suffix!r}",
                             hint="add --format " + "|".join(accepted))
        return suffix
    return default


@cache
def formats(*accepted: str) -> type[StrEnum]:
    """The Enum of exactly these formats (Typer shows them as <a|b|c> and refuses others)."""
    return StrEnum("Format_" + "_".join(accepted), {f: f for f in accepted})


def format_option(*accepted: str, help: str = "Output format.", optional: bool = False) -> Any:
    """--format with exactly the formats a command accepts; `optional`: None when not given
    (the command then tells the format from --out)."""
    choice = formats(*accepted)
    kind = choice | None if optional else choice
    return Annotated[kind, typer.Option("--format", help=help)]


TableJsonOpt = format_option("table", "json", help="table for people, json for scripts.")
FORM_FORMATS = ("docx", "html")
FORM_DEFAULT = "docx"
FormFormatOpt = Annotated[formats(*FORM_FORMATS), typer.Option(
    "--form-format", help="The form: docx (Word, printed) or html.")]
# --format of a command whose output is a form (complaint form, promo receipt).
FormOutputFormatOpt = format_option(*FORM_FORMATS, help="The form: docx (Word, printed) or html.")
