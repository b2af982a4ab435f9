"""`cmgr monthly-report`: the 《客户月度销售情况分析报告》 (duty 4.4, docs/domain.md), parts a-d."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from cmgr.cli import common, options

ReportFormatOpt = options.format_option("docx", "html", "md", "xlsx", "json",
                                        help="Output format; json without --out goes to stdout.")
ReportOutOpt = options.out_option("{manager} {month} {format}",
                                  default="月度报告-{manager}-{month}.{format}")


def register(app: typer.Typer) -> None:
    app.command("monthly-report")(monthly_report_command)
    from cmgr.cli.demo_cmd import add_demo_step

    add_demo_step("月度报告", demo_step)


def monthly_report_command(
    month: options.MonthOpt = "last",
    manager: options.ManagersOpt = None,
    all_managers: options.AllManagersOpt = False,
    fmt: ReportFormatOpt = "docx",
    out: ReportOutOpt = None,
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
    measures, c) customers' opinions, d) next month's forecast. With --all: one report per
    manager, plus an area summary (区域汇总).

    Prints the due date (the 5th of the next month, moved to the next working day) and warns
    when the report is late.
    """
    from cmgr.core.months import parse_report_month
    from cmgr.jobs.managers import resolve_managers
    from cmgr.jobs.monthly_report import make_reports, notes_loader, run_json, write_run

    st = common.state()
    cfg = st.config()
    db = st.db()
    today = date.today()
    the_month = parse_report_month(month, today)
    if fmt in ("docx", "html", "md"):
        from cmgr.render.charts import start_worker

        start_worker()  # matplotlib's import and the charts on the other core
    managers = resolve_managers(db, manager or [], all_managers)
    load_notes = notes_loader(notes, all_managers or len(managers) > 1, edited)
    # None: the whole area (every manager and the 区域汇总)
    run = make_reports(db, cfg, the_month, None if all_managers else managers, notes=load_notes)
    _announce_due(run.month, run.due_date, today)
    for message in run.warnings:
        common.warn(message)
    if fmt == "json" and out is None:
        common.print_json(run_json(run))
        return
    if fmt == "docx":
        from cmgr.render.charts import font_warning

        hint = font_warning()
        if hint:
            common.warn(hint)
    paths = write_run(run, fmt.value, out, user_dir=cfg.get("templates.dir"))
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
    from cmgr.jobs.monthly_report import make_reports, write_run
    from cmgr.render.charts import font_warning
    from cmgr.store.monthly import order_span

    db, cfg = st.db(), st.config()
    _, last = order_span(db)
    if last is None:
        return []
    run = make_reports(db, cfg, demo_month(last), None)
    hint = font_warning()
    if hint:
        common.warn(hint)
    paths = []
    for fmt in ("docx", "html"):
        paths += write_run(run, fmt, out_dir / "月度报告-{manager}-{month}.{format}",
                           user_dir=cfg.get("templates.dir"))
    return paths
