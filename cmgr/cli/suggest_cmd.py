"""`cmgr suggest CUSTOMER`: a sensible order for the customer's next order day (岗位职责
4.1.3 c), from its own history, the season, the stock counted and the supply limits."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated

import typer

from cmgr.cli import common, options, prompting
from cmgr.errors import UsageError


def register(app: typer.Typer) -> None:
    app.command("suggest", no_args_is_help=True)(suggest_command)


def _stock(items: list[str] | None) -> dict[str, float]:
    from cmgr.sources.cells import CellError, parse_number

    out: dict[str, float] = {}
    for item in items or []:
        name, sep, qty = item.rpartition("=")
        try:
            number = parse_number(qty) if sep else None
        except CellError:
            number = None
        if not sep or not name.strip() or number is None:
            raise UsageError(f"--stock {item!r}: expected CIGARETTE=条, e.g. --stock 中华(硬)=2")
        out[name.strip()] = number
    return out


def suggest_command(
    customer: Annotated[str, typer.Argument(help="客户编码, or part of the name.")],
    day: Annotated[date | None, options.date_option(
        "--date", help=f"The order day suggested for ({options.DATE_FORMS}; default: the "
                       "customer's next order day from today: its 访销日, else the weekday it "
                       "usually orders on).")] = None,
    stock: Annotated[list[str] | None, typer.Option(
        "--stock", metavar="CIGARETTE=条",
        help="Stock counted at the visit, CIGARETTE=条 (name or 卷烟编码); repeat for each "
             "cigarette.")] = None,
    fmt: options.TableJsonOpt = "table",
) -> None:
    """Suggest the customer's order in 条 for each cigarette it sells, with the reason.

    The method is in docs/suggest.md. A customer without orders gets no suggestion (and is
    told so); a supply limit (cmgr import supply) caps a line and the line says it.
    """
    from cmgr.jobs.suggest import suggestion_for

    st = common.state()
    db = st.db()
    counted = _stock(stock)
    found = prompting.choose_customer(db, customer, option="CUSTOMER")
    result = suggestion_for(db, found["customer_code"], day, stock=counted)
    if fmt == "json":
        common.print_json({**asdict(result), "total": result.total})
        return
    title = (f"{found['customer_code']} {found.get('customer_name') or ''} "
             f"{result.order_day} 订货建议")
    if result.note:
        common.out_console.print(common.escape(title))
        common.warn(result.note)
        return
    from rich.table import Table

    table = Table(title=common.escape(f"{title}：合计 {result.total} 条"))
    for label in ("卷烟编码", "卷烟名称", "建议(条)", "理由"):
        table.add_column(label, justify="right" if label == "建议(条)" else "left")
    for line in result.lines:
        table.add_row(line.sku_code, common.escape(line.sku_name or ""), str(line.suggested),
                      common.escape(line.reason),
                      style="bold" if line.suggested else "dim")
    common.out_console.print(table)
