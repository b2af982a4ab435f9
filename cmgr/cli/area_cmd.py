"""`cmgr area`: the area market manager's commands (docs/area.md): summary, queue, decide."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated

import typer

from cmgr.cli import common, options
from cmgr.i18n import tr

app = common.new_app(tr("区域市场经理：片区客户经理的指标对比和排位、待决定的上报和投诉审批、批量决定。"))

AreaOpt = Annotated[str | None, typer.Option(
    "--area", metavar=tr("片区"),
    help=tr("片区名（配置 [area]）；默认：区域市场经理自己的片区（`user.area`），否则全部客户经理。"))]


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="area")


def _titles() -> dict[str, str]:
    """The summary's column titles on the terminal (the files keep core.area's Chinese)."""
    return {"place": tr("排位"), "manager": tr("客户经理"), "sales_cases": tr("销量(箱)"),
            "target_cases": tr("目标(箱)"), "completion_pct": tr("完成率%"),
            "value_per_case": tr("单箱值"), "order_rate_pct": tr("订货率%"),
            "settlement_amount_pct": tr("电子结算率%"), "visits_done": tr("已访问"),
            "planned_visits": tr("计划内已访/计划"), "visit_completion_pct": tr("拜访完成率%"),
            "open_cases": tr("未办结违规(件)"), "open_complaints": tr("未结投诉")}


@app.command("summary", help=tr("片区客户经理某月的主要指标并排对比（销量对目标、单箱值、订货率、"
                                "电子结算率、计划访问的完成、未办结的违规和投诉）及排位。\n\n"
                                "不给 `--month` 时：上个月（与 monthly-report 相同）。"))
def summary_command(
    month: options.MonthOpt = "last",
    area: AreaOpt = None,
    fmt: options.format_option("table", "json", "csv", "xlsx",
                               help=tr("table 供人看，json 供脚本，csv/xlsx 写入文件。")) = "table",
    out: Annotated[str | None, typer.Option(
        "--out", metavar=tr("文件"),
        help=tr("csv/xlsx 的输出文件；占位符 {area} {month} {format}"))] = None,
) -> None:
    from cmgr.jobs import area as job

    st = common.state()
    db, cfg = st.db(), st.config()
    from cmgr.core.months import parse_report_month

    result = job.summary(db, cfg, parse_report_month(month, date.today()), area)
    for note in result.notes:
        common.warn(note)
    kind = fmt.value if hasattr(fmt, "value") else str(fmt)
    if kind == "json":
        common.print_json({"month": result.month, "area": result.area,
                           "data_until": result.data_until,
                           "managers": [asdict(r) for r in result.rows]})
        return
    if kind in ("csv", "xlsx"):
        path = job.write_summary(result, kind, out)
        common.info(tr("已写入 {path}", path=path))
        return
    from cmgr.core.area import NO_PLAN, SUMMARY_COLUMNS, summary_cell

    titles = _titles()
    columns = [(titles[f], "left" if f == "manager" else "right") for f, _ in SUMMARY_COLUMNS]
    rows = [[tr("无") if c == NO_PLAN else common.escape(common.figure_cell(c))
             for c in (summary_cell(r, f) for f, _ in SUMMARY_COLUMNS)] for r in result.rows]
    common.print_fitted_table(tr("{area} {month} 客户经理指标对比（{n} 人）",
                                 area=result.area or tr("全部"), month=result.month,
                                 n=len(result.rows)), columns, rows, keep=2)


@app.command("queue", help=tr("等待区域市场经理的事项：已上报的标记（降级、转专卖）和已交审批的投诉。"))
def queue_command(
    area: AreaOpt = None,
    manager: options.ManagerOpt = None,
    fmt: options.TableJsonOpt = "table",
) -> None:
    from cmgr.jobs import area as job

    st = common.state()
    q = job.queue(st.db(), st.config(), area, manager)
    kind = fmt.value if hasattr(fmt, "value") else str(fmt)
    if kind == "json":
        common.print_json({"area": q.area, "escalations": q.escalations, "approvals": q.approvals})
        return
    from rich.table import Table

    flags = Table(title=tr("待决定的上报标记（{n} 条）", n=len(q.escalations)))
    for label in (tr("编号"), tr("日期"), tr("客户编码"), tr("客户名称"), tr("客户经理"),
                  tr("类型"), tr("发现")):
        flags.add_column(label)
    for f in q.escalations:
        flags.add_row(str(f["id"]), f["visit_date"] or "", f["customer_code"] or "",
                      *(common.escape(f[k] or "") for k in ("customer_name", "manager")),
                      f"{f['kind']}/{f['subkind'] or ''}", common.escape(f["matched"] or ""))
    common.out_console.print(flags)
    complaints = Table(title=tr("待审批的投诉（{n} 件）", n=len(q.approvals)))
    for label in (tr("编号"), tr("客户编码"), tr("客户名称"), tr("客户经理"), tr("卷烟"),
                  tr("数量"), tr("问题")):
        complaints.add_column(label)
    for c in q.approvals:
        complaints.add_row(c["id"], c["customer_code"],
                           *(common.escape(c[k] or "") for k in ("customer_name", "manager", "sku_name")),
                           c["qty_input"] or common.figure_cell(c["qty"]), common.escape(c["problem"] or ""))
    common.out_console.print(complaints)
    if q.escalations or q.approvals:
        common.info(tr("决定：`cmgr area decide 编号... --decision 降级|转专卖|已整改|不予处理|同意|不同意`"))


@app.command("decide", help=tr("对多个标记或投诉记录同一个决定，全部或全不：标记用 降级、转专卖、"
                               "已整改、不予处理；投诉用 同意、不同意。客户经理在 `cmgr flag`、"
                               "`customer show`、访问计划和月度报告中立即看到。"))
def decide_command(
    ids: Annotated[list[str] | None, typer.Argument(
        metavar=tr("编号..."), help=tr("标记编号（数字）或投诉编号（TS-...）"))] = None,
    decision: Annotated[str, typer.Option("--decision", metavar=tr("决定"),
                                          help=tr("决定：降级、转专卖、已整改、不予处理、同意、不同意"))] = "",
    all_waiting: Annotated[bool, typer.Option(
        "--all", help=tr("队列中该决定适用的全部事项（可用 `--manager` 限定）"))] = False,
    manager: options.ManagerOpt = None,
    area: AreaOpt = None,
    by: Annotated[str | None, typer.Option("--by", metavar=tr("姓名"),
                                           help=tr("决定人（默认：配置项 `user.name`，否则系统用户）"))] = None,
    day: options.DateOpt = None,
    remark: Annotated[str | None, typer.Option("--remark", metavar=tr("文字"),
                                               help=tr("备注；不同意时为反馈给客户的原因"))] = None,
    fmt: options.TableJsonOpt = "table",
) -> None:
    from cmgr.errors import UsageError
    from cmgr.jobs import area as job

    if not decision.strip():
        raise UsageError(tr("请用 `--decision` 给出决定"),
                         hint=tr("例如 `cmgr area decide 12 13 --decision 降级`"))
    if manager is not None and not all_waiting:
        raise UsageError(tr("`--manager` 与 `--all` 一起使用"))
    st = common.state()
    result = job.decide(st.db(), st.config(), ids or [], decision, by=by, day=day, remark=remark,
                        all_waiting=all_waiting, manager=manager, area=area)
    kind = fmt.value if hasattr(fmt, "value") else str(fmt)
    if kind == "json":
        common.print_json({"by": result.by, "decided_on": result.decided_on,
                           "flags": result.flags, "complaints": result.complaints})
        return
    if not result.flags and not result.complaints:
        common.info(tr("没有待决定的事项"))
        return
    for f in result.flags:
        common.info(tr("标记 {id}（{code}）：{status}", id=f["id"], code=f["customer_code"],
                       status=f["status"]))
    for c in result.complaints:
        common.info(tr("投诉 {id}（{code}）：{status}", id=c["id"], code=c["customer_code"],
                       status=c["status"]))
    common.info(tr("已记录 {n} 项决定（{by}，{day}）", n=len(result.flags) + len(result.complaints),
                   by=result.by, day=result.decided_on))
