"""`cmgr settlements`: the chase list of customers whose electronic settlement failed or is
pending (催促未电结成功的客户尽快交纳烟款)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

import typer

from cmgr.cli import common, options
from cmgr.i18n import tr

TABLE_MAX_LINES = 300  # a terminal table of thousands of lines helps nobody and takes seconds

ChaseFormatOpt = options.format_option(
    "table", "csv", "json", help=tr("table（最多 {n} 行）；csv 或 json（全部行）供脚本使用。",
                                    n=TABLE_MAX_LINES))


def register(app: typer.Typer) -> None:
    app.command("settlements", help=tr(
        "列出电子结算失败或待扣款、需要催缴烟款的客户，最急的在前：失败先于待扣款，"
        "再按欠款天数、近 90 天失败次数和金额。\n\n退出状态：0（没有人欠款时也是）。"
    ))(settlements_command)


def settlements_command(
    day: options.DateOpt = None,
    manager: options.ManagerOpt = None,
    fmt: ChaseFormatOpt = "table",
) -> None:
    from cmgr.jobs.managers import resolve_managers
    from cmgr.jobs.settlements import chase_list_for

    st = common.state()
    db = st.db()
    as_of = day or date.today()
    managers = resolve_managers(db, [manager], False) if manager else None
    result = chase_list_for(db, as_of, managers)
    for note in result.notes:
        common.warn(note)
    if not result.settlements_known:
        common.warn(tr("还没有结算数据：用 `cmgr import settlements 文件` 导入导出文件"))
    if fmt == "json":
        common.print_json({"as_of": result.as_of, "customers": len(result.lines),
                           "amount": result.amount, "lines": [asdict(x) for x in result.lines]})
        return
    if fmt == "csv":
        import sys

        from cmgr.render.kpi_lists import chase_csv

        sys.stdout.write(chase_csv(result))
        return
    _present(result)


# The terminal table: the CSV and JSON carry every column.
TABLE_COLUMNS = ("rank", "customer_code", "customer_name", "phone", "status", "amount", "orders",
                 "days_outstanding", "failures_90d", "reason")


def _present(result) -> None:
    from rich.table import Table

    from cmgr.render.kpi_lists import CHASE_COLUMNS

    if not result.lines:
        common.info(tr("{date}：没有待催缴的客户", date=result.as_of))
        return
    table = Table(title=tr("电子结算催缴清单 {date}：{n} 户，共 {amount} 元", date=result.as_of,
                           n=len(result.lines), amount=f"{result.amount:,.2f}"))
    labels = dict(CHASE_COLUMNS)
    for key in TABLE_COLUMNS:
        table.add_column(labels[key], justify="right" if key in (
            "amount", "orders", "days_outstanding", "failures_90d") else "left")
    for line in result.lines[:TABLE_MAX_LINES]:
        values = asdict(line)
        cells = []
        for key in TABLE_COLUMNS:
            v = values[key]
            cells.append(common.escape(f"{v:,.2f}" if key == "amount" else "" if v is None else str(v)))
        style = "red" if line.status == "失败" else None
        table.add_row(*cells, style=style)
    common.out_console.print(table)
    if len(result.lines) > TABLE_MAX_LINES:
        common.info(tr("另有 {n} 户未显示：`--format csv` 或 `json` 列出全部，`--manager` "
                       "只看一位客户经理", n=f"{len(result.lines) - TABLE_MAX_LINES:,}"))

