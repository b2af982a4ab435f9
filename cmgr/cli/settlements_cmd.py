"""`cmgr settlements`: the chase list of customers whose electronic settlement failed or is
pending (催促未电结成功的客户尽快交纳烟款)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

import typer

from cmgr.cli import common, options

TABLE_MAX_LINES = 300  # a terminal table of thousands of lines helps nobody and takes seconds

ChaseFormatOpt = options.format_option(
    "table", "csv", "json", help="table (at most 300 lines); csv or json (every line) for scripts.")


def register(app: typer.Typer) -> None:
    app.command("settlements")(settlements_command)


def settlements_command(
    day: options.DateOpt = None,
    manager: options.ManagerOpt = None,
    fmt: ChaseFormatOpt = "table",
) -> None:
    """List the customers to chase for unpaid e-settlements (电子结算失败或待扣款), most urgent
    first: failed before pending, then days outstanding, failures in the last 90 days, money.

    Exit status: 0 (also when nobody owes anything).
    """
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
        common.warn("no settlement rows yet: import the export with `cmgr import settlements FILE`")
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
        common.info(f"{result.as_of}：没有待催缴的客户")
        return
    table = Table(title=f"电子结算催缴清单 {result.as_of}：{len(result.lines)} 户，"
                        f"共 {result.amount:,.2f} 元")
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
        common.info(f"另有 {len(result.lines) - TABLE_MAX_LINES:,} 户未显示：--format csv 或 json "
                    "列出全部，--manager 只看一位客户经理")

