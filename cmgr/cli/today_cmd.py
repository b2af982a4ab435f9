"""`cmgr today`: the day's stops from the saved plan (table, json, A4 html/xlsx sheet), and
`cmgr today --done` at the day's end: the stops missed, with their reasons."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from cmgr.cli import common, options
from cmgr.errors import UsageError

TODAY_FORMATS = ("table", "json", "html", "xlsx")
TodayFormatOpt = options.format_option(
    *TODAY_FORMATS, optional=True, help="Output format (default: from --out, else table).")
TodayOutOpt = options.out_option("{manager} {date} {format}",
                                 default="今日走访单-{manager}-{date}.{format}", more="html or xlsx.")


def register(app: typer.Typer) -> None:
    app.command("today")(today_command)
    from cmgr.cli.demo_cmd import add_demo_step

    add_demo_step("今日走访单 (today)", demo_step)


def today_command(
    day: options.DateOpt = None,
    manager: options.ManagerOpt = None,
    done: Annotated[bool, typer.Option(
        "--done", help="The day's end: the planned stops not visited, and their reasons.")] = False,
    reason: Annotated[list[str] | None, typer.Option(
        "--reason", help="With --done: CUSTOMER:why (repeatable). CUSTOMER is a code, a part of "
                         "the name, or * for every missed stop; why is 店主外出, 关门, 时间不够, "
                         "改日 (or 1-4), or any text.")] = None,
    fmt: TodayFormatOpt = None,
    out: TodayOutOpt = None,
) -> None:
    """The day's visits: stops in route order, why each is due, the last visit's note, open
    complaints and flags, and what to check; an A4 visit sheet to carry (html, xlsx: its
    sign-in sheet comes back with `cmgr import visits`)."""
    from cmgr.jobs import today as job
    from cmgr.jobs.managers import resolve_managers

    st = common.state()
    the_day = day or date.today()
    fmt = options.format_from(fmt, out, TODAY_FORMATS)
    if out and fmt not in job.SHEET_FORMATS:
        raise UsageError(f"--out writes a file: give --format {' or '.join(job.SHEET_FORMATS)}")
    if reason and not done:
        raise UsageError("--reason goes with --done", hint="cmgr today --done --reason CUSTOMER:店主外出")
    db = st.db()
    who = resolve_managers(db, [manager] if manager else [], False)[0]
    sheet = job.day_sheet(db, who, the_day)
    if done:
        return _done(db, sheet, reason or [], fmt)
    if fmt == "json":
        common.print_json(job.sheet_json(sheet))
    elif fmt == "table":
        _print_table(sheet)
    else:
        for path in job.write_sheets(sheet, [fmt], out, user_dir=st.config().get("templates.dir")):
            common.info(f"written {path}")
    if not sheet.stops:
        common.warn(f"{who} has no visit planned on {the_day.isoformat()} ({sheet.week})")


def _print_table(sheet) -> None:
    from rich.table import Table

    con = common.out_console
    width = min(con.width, 80)
    con.print(f"[bold]今日走访[/bold] {common.escape(sheet.manager)} {sheet.day.isoformat()}"
              f"（{sheet.weekday_cn}）{len(sheet.stops)} 户", width=width)
    table = Table(width=width, show_lines=True, pad_edge=False, padding=(0, 0))
    table.add_column("序", justify="right", width=2)
    table.add_column("客户", ratio=3, overflow="fold")
    table.add_column("事由", ratio=4, overflow="fold")
    table.add_column("上次访问", ratio=4, overflow="fold")
    table.add_column("要核对", ratio=4, overflow="fold")
    for s in sheet.stops:
        table.add_row(
            str(s.seq) + ("✓" if s.visited else ""),
            common.escape(f"{s.customer_name or ''}\n{s.customer_code}\n{s.phone or ''}"),
            common.escape(("【特殊】" if s.kind == "special" else "") + "；".join(s.reasons)),
            common.escape(f"{s.last_visit or '从未'} {s.last_note or ''}"),
            common.escape("\n".join(s.complaints + s.flags + s.checks) or "—"))
    con.print(table, width=width)
    # Issue 14 (e-settlements) fills sheet.chase: the customers to chase on today's round.
    for c in sheet.chase:
        con.print(f"电子结算待跟进：{common.escape(str(c))}", width=width)


def _done(db, sheet, reasons: list[str], fmt: str) -> None:
    from cmgr.cli import prompting
    from cmgr.jobs import today as job

    given = job.resolve_reasons(sheet, reasons)
    if not given and prompting.interactive():
        for s in job.missed(sheet):
            if s.miss_reason:
                continue
            answer = prompting.ask(
                f"{s.customer_code} {s.customer_name or ''} 未访问原因 (1 店主外出 2 关门 3 时间不够 "
                f"4 改日，或直接输入；回车跳过)", "--reason", required=False)
            if answer:
                given.update(job.resolve_reasons(sheet, [f"{s.customer_code}:{answer}"]))
    if given:
        job.record_day_reasons(db, sheet, given)
        common.info(f"recorded {len(given)} reason(s)")
    missed = job.missed(sheet)
    if fmt == "json":
        common.print_json({"manager": sheet.manager, "date": sheet.day.isoformat(),
                           "planned": len(sheet.stops), "visited": len(sheet.stops) - len(missed),
                           "missed": [{"seq": s.seq, "customer_code": s.customer_code,
                                       "customer_name": s.customer_name, "reason": s.miss_reason}
                                      for s in missed]})
    else:
        con = common.out_console
        con.print(f"{sheet.manager} {sheet.day.isoformat()}：计划 {len(sheet.stops)} 户，已访问 "
                  f"{len(sheet.stops) - len(missed)} 户，未访问 {len(missed)} 户")
        for s in missed:
            why = common.escape(s.miss_reason) if s.miss_reason else "[red]缺原因[/red]"
            con.print(f"  {s.seq:>2} {s.customer_code} {common.escape(s.customer_name or '')}：{why}")
    lacking = [s for s in missed if not s.miss_reason]
    if lacking:
        common.warn(f"{len(lacking)} missed stop(s) without a reason: cmgr today --date "
                    f"{sheet.day.isoformat()} --done --reason CUSTOMER:店主外出 (关门, 时间不够, 改日)")


def demo_step(st, out_dir: Path) -> list[Path]:
    """A day for the demo manager: the first working day of the planned week, as the html and
    xlsx visit sheets."""
    from cmgr.jobs import today as job

    return job.demo_files(st.db(), st.config(), out_dir)
