"""`cmgr today`: the day's stops from the saved plan (table, json, A4 html/xlsx sheet), and
`cmgr today --done` at the day's end: the stops missed, with their reasons."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from cmgr.cli import common, options
from cmgr.domain import OUT_TODAY
from cmgr.errors import UsageError
from cmgr.i18n import tr

TODAY_FORMATS = ("table", "json", "html", "xlsx")
TodayFormatOpt = options.format_option(
    *TODAY_FORMATS, optional=True, help=tr("输出格式，默认按 `--out` 的后缀，否则为 table。"))
TodayOutOpt = options.out_option("{manager} {date} {format}",
                                 default=OUT_TODAY,
                                 more=tr("html 或 xlsx。"))


def register(app: typer.Typer) -> None:
    app.command("today", help=tr(
        "当天的访问：按路线顺序的各站、每户的访问事由、上次访问的记录、未结的投诉和违规标记，"
        "以及要核对的事项；还可写出随身带的 A4 走访单（html、xlsx：其中的签到记录簿可用 "
        "`cmgr import visits` 导回）。"))(today_command)
    from cmgr.cli.demo_cmd import add_demo_step

    add_demo_step(tr("今日走访单（today）"), demo_step)


def today_command(
    day: options.DateOpt = None,
    manager: options.ManagerOpt = None,
    done: Annotated[bool, typer.Option(
        "--done", help=tr("一天结束时：列出计划了但没有访问的客户和原因。"))] = False,
    reason: Annotated[list[str] | None, typer.Option(
        "--reason", metavar=tr("客户:原因"),
        help=tr("与 `--done` 一起用：客户:原因（可重复）。客户是客户编码、名称的一部分，"
                "或 * 表示所有未访问的客户；原因是 店主外出、关门、时间不够、改日（或 1-4），"
                "或任意文字。"))] = None,
    fmt: TodayFormatOpt = None,
    out: TodayOutOpt = None,
) -> None:
    # The day's stops from the saved plan; --done at the day's end.
    from cmgr.jobs import today as job
    from cmgr.jobs.managers import resolve_managers

    st = common.state()
    the_day = day or date.today()
    fmt = options.format_from(fmt, out, TODAY_FORMATS)
    if out and fmt not in job.SHEET_FORMATS:
        raise UsageError(tr("`--out` 写出文件：请给 --format {formats}",
                            formats=" | ".join(job.SHEET_FORMATS)))
    if reason and not done:
        raise UsageError(tr("`--reason` 要与 `--done` 一起用"),
                         hint=tr("cmgr today --done --reason 客户:店主外出"))
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
            common.info(tr("已写入 {path}", path=path))
    if not sheet.stops and fmt != "table":  # the table says so itself, in one line
        common.warn(tr("{manager} 在 {date}（{week}）没有计划的访问", manager=who,
                       date=the_day.isoformat(), week=sheet.week))


def _print_table(sheet) -> None:
    from rich.table import Table

    from cmgr.cli.plan_cmd import weekday_label

    con = common.out_console
    width = min(con.width, 80)
    if not sheet.stops:  # one line, not an empty table
        con.print(tr("[bold]今日走访[/bold] {manager} {date}（{weekday}）：本日没有安排访问（{week}）",
                     manager=common.escape(sheet.manager), date=sheet.day.isoformat(),
                     weekday=weekday_label(sheet.day), week=sheet.week), width=width)
        return
    con.print(tr("[bold]今日走访[/bold] {manager} {date}（{weekday}）{n} 户",
                 manager=common.escape(sheet.manager), date=sheet.day.isoformat(),
                 weekday=weekday_label(sheet.day), n=len(sheet.stops)), width=width)
    table = Table(width=width, show_lines=True, pad_edge=False, padding=(0, 0))
    table.add_column(tr("序"), justify="right", width=2)
    table.add_column(tr("客户"), ratio=3, overflow="fold")
    table.add_column(tr("事由"), ratio=4, overflow="fold")
    table.add_column(tr("上次访问"), ratio=4, overflow="fold")
    table.add_column(tr("要核对"), ratio=4, overflow="fold")
    for s in sheet.stops:
        table.add_row(
            str(s.seq) + ("✓" if s.visited else ""),
            common.escape(f"{s.customer_name or ''}\n{s.customer_code}\n{s.phone or ''}"),
            common.escape((tr("【特殊】") if s.kind == "special" else "") + "；".join(s.reasons)),
            common.escape(f"{s.last_visit or tr('从未')} {s.last_note or ''}"),
            common.escape("\n".join(s.complaints + s.flags + s.checks) or "—"))
    con.print(table, width=width)
    # Issue 14 (e-settlements) fills sheet.chase: the customers to chase on today's round.
    for c in sheet.chase:
        con.print(tr("电子结算待跟进：{customer}", customer=common.escape(str(c))), width=width)


def _done(db, sheet, reasons: list[str], fmt: str) -> None:
    from cmgr.cli import prompting
    from cmgr.jobs import today as job

    given = job.resolve_reasons(sheet, reasons)
    if not given and prompting.interactive():
        for s in job.missed(sheet):
            if s.miss_reason:
                continue
            answer = prompting.ask(
                tr("{code} {name} 未访问原因（1 店主外出 2 关门 3 时间不够 4 改日，"
                   "或直接输入；回车跳过）", code=s.customer_code, name=s.customer_name or ""),
                "--reason", required=False)
            if answer:
                given.update(job.resolve_reasons(sheet, [f"{s.customer_code}:{answer}"]))
    if given:
        job.record_day_reasons(db, sheet, given, cfg=common.state().config())
        common.info(tr("已记录 {n} 条原因", n=len(given)))
    missed = job.missed(sheet)
    if fmt == "json":
        common.print_json({"manager": sheet.manager, "date": sheet.day.isoformat(),
                           "planned": len(sheet.stops), "visited": len(sheet.stops) - len(missed),
                           "missed": [{"seq": s.seq, "customer_code": s.customer_code,
                                       "customer_name": s.customer_name, "reason": s.miss_reason}
                                      for s in missed]})
    else:
        con = common.out_console
        con.print(tr("{manager} {date}：计划 {planned} 户，已访问 {visited} 户，未访问 {missed} 户",
                     manager=common.escape(sheet.manager), date=sheet.day.isoformat(),
                     planned=len(sheet.stops), visited=len(sheet.stops) - len(missed),
                     missed=len(missed)))
        for s in missed:
            why = common.escape(s.miss_reason) if s.miss_reason else f"[red]{tr('缺原因')}[/red]"
            con.print(f"  {s.seq:>2} {s.customer_code} {common.escape(s.customer_name or '')}：{why}")
    lacking = [s for s in missed if not s.miss_reason]
    if lacking:
        common.warn(tr("{n} 户未访问的客户没有原因：cmgr today --date {date} --done --reason "
                       "客户:店主外出（或 关门、时间不够、改日）", n=len(lacking),
                       date=sheet.day.isoformat()))


def demo_step(st, out_dir: Path) -> list[Path]:
    """A day for the demo manager: the first working day of the planned week, as the html and
    xlsx visit sheets."""
    from cmgr.jobs import today as job

    return job.demo_files(st.db(), st.config(), out_dir)
