"""`cmgr monthly-report`: the 《客户月度销售情况分析报告》 (duty 4.4, docs/domain.md), parts a-d."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from cmgr.cli import common, options
from cmgr.domain import OUT_MONTHLY_REPORT
from cmgr.i18n import tr

REPORT_FORMATS = ("docx", "html", "md", "xlsx", "json")
ReportFormatOpt = options.format_option(*REPORT_FORMATS, optional=True, help=tr(
    "输出格式；默认按 `--out` 的后缀，否则 docx；json 不带 `--out` 时写到标准输出。"))
ReportOutOpt = options.out_option("{manager} {month} {format}",
                                  default=OUT_MONTHLY_REPORT)


def register(app: typer.Typer) -> None:
    app.command("monthly-report", help=tr(
        "写月度销售情况分析报告：a) 总体销售情况，b) 存在问题、原因和对策措施，c) 客户意见，"
        "d) 下月预测。加 `--all`：每位客户经理一份，另加一份区域汇总。\n\n"
        "显示上交期限（次月5日，遇节假日顺延到下一个工作日），过期时提醒。"
    ))(monthly_report_command)
    from cmgr.cli.demo_cmd import add_demo_step

    add_demo_step(tr("月度报告"), demo_step)


def monthly_report_command(
    month: options.MonthOpt = "last",
    manager: options.ManagersOpt = None,
    all_managers: options.AllManagersOpt = False,
    fmt: ReportFormatOpt = None,
    out: ReportOutOpt = None,
    notes: Annotated[Path | None, typer.Option(
        "--notes", metavar=tr("文件"),
        help=tr("要并入的原因、对策措施和备注的 Markdown 文件（docs/monthly-report.md）；"
                "与 `--all` 一起时用占位符 {manager}。"))]
    = None,
    edited: Annotated[Path | None, typer.Option(
        "--from", metavar=tr("文件"),
        help=tr("在 Word 中编辑过的这份报告（.docx）：其中写的原因、对策措施和其他问题，"
                "重新生成报告时保留；与 `--all` 一起时用占位符 {manager}。"))]
    = None,
) -> None:
    from cmgr.core.months import parse_report_month
    from cmgr.jobs.managers import resolve_managers
    from cmgr.jobs.monthly_report import make_reports, notes_loader, run_json, write_run

    st = common.state()
    cfg = st.config()
    db = st.db()
    today = date.today()
    the_month = parse_report_month(month, today)
    fmt = options.format_from(fmt, out, REPORT_FORMATS, "docx")
    if fmt in ("docx", "html", "md"):
        from cmgr.render.charts import start_worker

        # matplotlib's import and the charts (and a Word report itself) on the other core
        start_worker(("monthly_report.docx", cfg.get("templates.dir")) if fmt == "docx"
                     else None)
    managers = resolve_managers(db, manager or [], all_managers)
    load_notes = notes_loader(notes, all_managers or len(managers) > 1, edited)
    # None: the whole area (every manager and the 区域汇总)
    run = make_reports(db, cfg, the_month, None if all_managers else managers, notes=load_notes,
                       fmt=fmt)
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
    paths = write_run(run, fmt, out, user_dir=cfg.get("templates.dir"))
    for path in paths:
        common.info(tr("已写入 {path}", path=path))
    common.debug(", ".join(f"{k} {v:.2f}s" for k, v in run.timings.items()))


def _announce_due(month: str, due: date, today: date) -> None:
    from cmgr.core.months import month_cn

    common.info(tr("{month}报告上交期限：{due}（每月5日前，节假日顺延）", month=month_cn(month),
                   due=due.isoformat()))
    if today > due:
        common.warn(tr("{month}的报告已过上交期限 {days} 天（{due}）", month=month_cn(month),
                       days=(today - due).days, due=due.isoformat()))


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
        paths += write_run(run, fmt, out_dir / OUT_MONTHLY_REPORT,
                           user_dir=cfg.get("templates.dir"))
    return paths
