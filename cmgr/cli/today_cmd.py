"""`cmgr today`: the day's stops from the saved plan (table, json, A4 html/xlsx sheet), and
`cmgr today --done` at the day's end: the stops missed, with their reasons."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cmgr.cli import common
from cmgr.errors import UsageError

DEFAULT_OUT = "今日走访单-{manager}-{date}.{format}"


class TodayFormat(StrEnum):
    table = "table"
    json = "json"
    html = "html"
    xlsx = "xlsx"


def register(app: typer.Typer) -> None:
    app.command("today")(today_command)
    from cmgr.cli.demo_cmd import add_demo_step

    add_demo_step("今日走访单 (today)", demo_step)


def today_command(
    day: Annotated[str | None, typer.Option("--date", help="The day (default today), e.g. 2026-11-30.")] = None,
    manager: Annotated[str | None, typer.Option(
        "--manager", "-m", help="客户经理 (default: the only one in the roster).")] = None,
    done: Annotated[bool, typer.Option(
        "--done", help="The day's end: the planned stops not visited, and their reasons.")] = False,
    reason: Annotated[list[str] | None, typer.Option(
        "--reason", help="With --done: CUSTOMER:why (repeatable). CUSTOMER is a code, a part of "
                         "the name, or * for every missed stop; why is 店主外出, 关门, 时间不够, "
                         "改日 (or 1-4), or any text.")] = None,
    fmt: Annotated[TodayFormat | None, typer.Option(
        "--format", help="table, json, html or xlsx (default: from --out, else table).")] = None,
    out: Annotated[str | None, typer.Option(
        "--out", help="Output file for html/xlsx; placeholders {manager} {date} {format} "
                      "(default 今日走访单-{manager}-{date}.{format}).")] = None,
) -> None:
    """The day's visits: stops in route order, why each is due, the last visit's note, open
    complaints and flags, and what to check; an A4 visit sheet to carry (html, xlsx: its
    sign-in sheet comes back with `cmgr import visits`)."""
    from cmgr.jobs import today as job
    from cmgr.managers import resolve_managers

    st = common.state()
    the_day = job.parse_day(day, date.today())
    if fmt is None:
        fmt = TodayFormat(Path(out).suffix.lstrip(".").lower()) if out and Path(out).suffix.lstrip(".").lower() \
            in {"html", "xlsx", "json"} else TodayFormat.table
    if reason and not done:
        raise UsageError("--reason goes with --done", hint="cmgr today --done --reason CUSTOMER:店主外出")
    db = st.db()
    who = resolve_managers(db, [manager] if manager else [], False)[0]
    sheet = job.day_sheet(db, who, the_day)
    if done:
        return _done(db, sheet, reason or [], fmt)
    if fmt == TodayFormat.json:
        common.print_json(job.sheet_json(sheet))
    elif fmt == TodayFormat.table:
        _print_table(sheet)
    else:
        path = write_sheet(st, sheet, fmt.value, out)
        common.info(f"written {path}")
    if not sheet.stops:
        common.warn(f"{who} has no visit planned on {the_day.isoformat()} ({sheet.week})")


def write_sheet(st, sheet, fmt: str, out: str | None) -> Path:
    from cmgr.render.output import atomic_path, expand_out

    path = expand_out(out or DEFAULT_OUT, manager=sheet.manager, date=sheet.day.isoformat(),
                      format=fmt)
    if fmt == "html":
        from cmgr.render.today_sheet import render_day_html

        text = render_day_html(sheet, user_dir=st.config().get("templates.dir"))
        with atomic_path(path) as tmp:
            tmp.write_text(text, encoding="utf-8")
    else:
        from cmgr.render.today_sheet import write_day_xlsx

        with atomic_path(path) as tmp:
            write_day_xlsx(sheet, tmp)
    return path


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


def _done(db, sheet, reasons: list[str], fmt: TodayFormat) -> None:
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
    if fmt == TodayFormat.json:
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
    """A day for the demo manager (the one with the largest saved plan): the first working day
    of the planned week, as the html and xlsx visit sheets."""
    from cmgr.jobs import today as job
    from cmgr.managers import resolve_managers
    from cmgr.store.plans import load_plan, saved_weeks

    db = st.db()
    plans = [load_plan(db, m, weeks[0][0]) for m in resolve_managers(db, [], True)
             if (weeks := saved_weeks(db, m))]
    if not plans:
        return []
    plan = max(plans, key=lambda p: (len(p.visits), p.manager))
    first = min(v.visit_date for v in plan.visits) if plan.visits else plan.week_start
    sheet = job.day_sheet(db, plan.manager, first)
    return [write_sheet(st, sheet, fmt, str(out_dir / "today" / ("{manager}-{date}." + fmt)))
            for fmt in ("html", "xlsx")]
