"""`cmgr monthly-report`: the 《客户月度销售情况分析报告》 (seed 4.4), parts a-d."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cmgr.cli import common


class ReportFormat(StrEnum):
    docx = "docx"
    html = "html"
    md = "md"
    xlsx = "xlsx"
    json = "json"


def register(app: typer.Typer) -> None:
    app.command("monthly-report")(monthly_report_command)
    from cmgr.cli.demo_cmd import add_demo_step

    add_demo_step("月度报告", demo_step)


def monthly_report_command(
    month: Annotated[str, typer.Option(
        "--month", help='The month reported on: YYYY-MM, or "last" (the month before today).')]
    = "last",
    manager: Annotated[str | None, typer.Option(
        "--manager", help="The 客户经理 (as in the roster). Optional when the roster has one.")]
    = None,
    all_managers: Annotated[bool, typer.Option(
        "--all", help="One report per manager, plus an area summary (区域汇总).")] = False,
    fmt: Annotated[ReportFormat, typer.Option("--format", help="docx, html, md, xlsx or json.")]
    = ReportFormat.docx,
    out: Annotated[str | None, typer.Option(
        "--out", help="Output file; placeholders {manager}, {month}, {format}. Default "
                      "月度报告-{manager}-{month}.{format}; json without --out goes to stdout.")]
    = None,
    notes: Annotated[Path | None, typer.Option(
        "--notes", help="Markdown file with the causes, measures and remarks to merge "
                        "(docs/monthly-report.md); with --all use a {manager} placeholder.")]
    = None,
    edited: Annotated[Path | None, typer.Option(
        "--from", help="This report as edited in Word (.docx): the 原因, 对策措施 and 其他问题 "
                       "written there are kept when the report is made again; with --all use "
                       "a {manager} placeholder.")]
    = None,
) -> None:
    """Write the monthly sales analysis report: a) overall sales, b) problems, causes and
    measures, c) customers' opinions, d) next month's forecast.

    Prints the due date (the 5th of the next month, moved to the next working day) and warns
    when the report is late.
    """
    from cmgr.core.months import parse_report_month
    from cmgr.monthly_report import make_reports, notes_loader, resolve_managers, write_run

    st = common.state()
    cfg = st.config()
    db = st.db()
    today = date.today()
    the_month = parse_report_month(month, today)
    if fmt in (ReportFormat.docx, ReportFormat.html, ReportFormat.md):
        from cmgr.render.charts import preload

        preload()  # the charts' imports overlap the database reads
    managers = resolve_managers(db, manager, all_managers)
    load_notes = notes_loader(notes, all_managers, edited)
    run = make_reports(db, cfg, the_month, managers, notes=load_notes)
    _announce_due(run.month, run.due_date, today)
    for message in run.warnings:
        common.warn(message)
    if fmt == ReportFormat.json and out is None:
        if run.summary is None:
            common.print_json(run.reports[0])
        else:
            common.print_json({"month": run.month, "reports": run.reports, "summary": run.summary})
        return
    if fmt == ReportFormat.docx:
        from cmgr.render.charts import font_warning

        hint = font_warning()
        if hint:
            common.warn(hint)
    user_dir = cfg.get("templates.dir")
    paths = write_run(run, fmt.value, out, user_dir=user_dir)
    for path in paths:
        common.info(f"wrote {path}")
    common.debug(", ".join(f"{k} {v:.2f}s" for k, v in run.timings.items()))


def _announce_due(month: str, due: date, today: date) -> None:
    from cmgr.core.months import month_cn

    common.info(f"{month_cn(month)}报告上交期限：{due.isoformat()}（每月5日前，节假日顺延）")
    if today > due:
        common.warn(f"{month_cn(month)}的报告已过上交期限 {(today - due).days} 天（{due.isoformat()}）")


def demo_month(last_order_date: str) -> str:
    """The demo reports the last complete month of the sample data: the month before the last
    order's month, unless the orders reach that month's last day. The sample exports end on
    2026-11-27 (exported 2026-11-28), so the demo writes October 2026, as `--month last`
    would on the export date."""
    from cmgr.core.months import month_add, month_last_day

    month = last_order_date[:7]
    if last_order_date[:10] >= month_last_day(month).isoformat():
        return month
    return month_add(month, -1)


def demo_step(st: common.AppState, out_dir: Path) -> list[Path]:
    from cmgr.monthly_report import make_reports, write_run
    from cmgr.store.monthly import order_span

    db, cfg = st.db(), st.config()
    _, last = order_span(db)
    if last is None:
        return []
    run = make_reports(db, cfg, demo_month(last), None)
    paths = []
    for fmt in ("docx", "html"):
        paths += write_run(run, fmt, out_dir / "月度报告-{manager}-{month}.{format}",
                           user_dir=cfg.get("templates.dir"))
    return paths
