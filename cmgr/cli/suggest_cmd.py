"""`cmgr suggest CUSTOMER`: a sensible order for the customer's next order day (岗位职责
4.1.3 c), from its own history, the season, the stock counted and the supply limits."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated

import typer

from cmgr.cli import common, options, prompting
from cmgr.errors import UsageError
from cmgr.i18n import tr


def register(app: typer.Typer) -> None:
    app.command("suggest", no_args_is_help=True, help=tr(
        "按客户卖的每种卷烟建议订货量（条），并说明理由。\n\n"
        "方法见 docs/suggest.md。没有订单的客户没有建议（会告诉你）；供货限量"
        "（`cmgr import supply`）封顶的行会注明。"))(suggest_command)


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
            raise UsageError(tr("`--stock` {item}：应为 卷烟=条数，例如 `--stock 中华(硬)=2`",
                                item=repr(item)))
        out[name.strip()] = number
    return out


def suggest_command(
    customer: Annotated[str, typer.Argument(metavar=tr("客户"),
                                            help=tr("客户编码，或名称的一部分。"))],
    day: Annotated[date | None, options.date_option(
        "--date", help=tr("建议的订货日（{forms}；默认：从今天起客户的下一个订货日，即其访销日，"
                          "否则是它通常订货的星期几）。", forms=options.DATE_FORMS))] = None,
    stock: Annotated[list[str] | None, typer.Option(
        "--stock", metavar=tr("卷烟=条数"),
        help=tr("访问时清点的库存，卷烟=条数（名称或卷烟编码）；每种卷烟给一次。"))] = None,
    fmt: options.TableJsonOpt = "table",
) -> None:
    from cmgr.jobs.suggest import suggestion_for

    st = common.state()
    db = st.db()
    counted = _stock(stock)
    found = prompting.choose_customer(db, customer, option=tr("客户"))
    result = suggestion_for(db, found["customer_code"], day, stock=counted)
    if fmt == "json":
        common.print_json({**asdict(result), "total": result.total})
        return
    title = tr("{code} {name} {date} 订货建议", code=found["customer_code"],
               name=found.get("customer_name") or "", date=result.order_day)
    if result.note:
        common.out_console.print(common.escape(title))
        common.warn(result.note)
        return
    from rich.table import Table

    table = Table(title=common.escape(tr("{title}：合计 {n} 条", title=title, n=result.total)))
    for i, label in enumerate((tr("卷烟编码"), tr("卷烟名称"), tr("建议（条）"), tr("理由"))):
        table.add_column(label, justify="right" if i == 2 else "left")
    for line in result.lines:
        table.add_row(line.sku_code, common.escape(line.sku_name or ""), str(line.suggested),
                      common.escape(line.reason),
                      style="bold" if line.suggested else "dim")
    common.out_console.print(table)
