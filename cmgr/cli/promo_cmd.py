"""`cmgr promo recommend` / `cmgr promo receipt`: 促销客户推荐 and the 《宣传促销品签收单》
(duty 4.2, docs/domain.md). The score and its parts are documented in cmgr/core/promo.py and docs/complaints.md."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from cmgr.cli import common, options
from cmgr.domain import PROMO_ITEM_UNIT

app = common.new_app("促销客户: rank the 三级以上 customers by the 综合测评 and print the "
                     "《宣传促销品签收单》.")

ListFormatOpt = options.format_option("table", "xlsx", "csv", "json", help="Output format.")
ListOutOpt = options.out_option("{manager} {date} {format}",
                                default="促销推荐-{manager}-{date}.{format}", more="xlsx/csv.")
ReceiptOutOpt = options.out_option("{id} {date} {format}", default="签收单-{id}-{date}.{format}")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="promo")


@app.command("recommend")
def recommend_command(
    top: Annotated[int, typer.Option("--top", min=1, help="How many customers to list.")] = 20,
    manager: options.ManagerOpt = None,
    as_of: Annotated[date | None, options.date_option(
        "--as-of", help="Last day of the scoring period (default: the last order date).")] = None,
    fmt: ListFormatOpt = "table",
    out: ListOutOpt = None,
) -> None:
    """Rank the customers eligible for a promotion (三级以上) by the 综合测评, with every part of
    every score. The list is kept for `promo receipt`."""
    from cmgr.jobs import promo

    st = common.state()
    rec = promo.recommend(st.db(), st.config(), top=top, manager=manager, as_of=as_of)
    common.info(f"{rec.eligible} customers eligible (等级 >= {rec.settings.min_level}), "
                f"{rec.excluded} not; scored over the {rec.settings.period_days} days to "
                f"{rec.as_of}; listing {len(rec.rows)}")
    if fmt == "json":
        common.print_json(rec.as_json())
    elif fmt == "table":
        _table(rec.rows, rec.settings)
    else:
        path = promo.write_recommendation(rec, fmt.value, out)
        common.info(f"list: {path}")
        typer.echo(str(path))


def _table(rows: list[dict], settings) -> None:
    """Each part as its figure over its 0-1 score; the weights in the header."""
    from rich.markup import escape
    from rich.table import Table

    w = settings.weights
    table = Table(title="促销客户推荐 综合测评 (每项: 指标 / 得分 0-1)")
    table.add_column("#", justify="right")
    table.add_column("客户")
    table.add_column("等级")
    for part, label in (("growth", "增长"), ("structure", "单箱值"), ("compliance", "违规"),
                        ("settlement", "结算"), ("complaints", "投诉")):
        table.add_column(f"{label}\n×{w[part]:g}", justify="right")
    table.add_column("综合得分", justify="right")
    for r in rows:
        p = {x["part"]: x for x in r["parts"]}
        vpc = p["structure"]["value"]
        flags = p["compliance"]["value"]
        settlement = r["settlement"] or "未知"
        table.add_row(
            str(r["rank"]), escape(f"{r['customer_name'] or ''}\n{r['customer_code']}"),
            f"{r['band']}\n{r['grade']}档",
            f"{p['growth']['text']}\n{p['growth']['score']:.2f}",
            f"{'—' if vpc is None else f'{vpc:,.0f}'}\n{p['structure']['score']:.2f}",
            f"{'—' if flags is None else f'{flags:g}'}\n{p['compliance']['score']:g}",
            f"{settlement.replace('结算', '')}\n{p['settlement']['score']:g}",
            f"{r['complaints']}\n{p['complaints']['score']:g}",
            f"{r['total']:.2f}")
    common.out_console.print(table)


@app.command("receipt")
def receipt_command(
    campaign: Annotated[str, typer.Option("--campaign", help="Campaign name (created on first use).")],
    item: Annotated[str | None, typer.Option(help="促销品 / 促销资料 given (default: the "
                                                  "campaign's).")] = None,
    qty: Annotated[float | None, typer.Option(min=0, help="Quantity per customer.")] = None,
    customers: Annotated[str | None, typer.Option(
        help="Customer codes, comma separated (default: the last `promo recommend` list).")] = None,
    top: Annotated[int | None, typer.Option("--top", min=1, help="Only the first N of the last list.")]
    = None,
    day: Annotated[date | None, options.date_option(
        "--date", help=f"Issue date ({options.DATE_FORMS}; default today).")] = None,
    unit: Annotated[str, typer.Option(
        "--unit", help="促销品的单位（份、张、个），印在数量和合计后。")] = PROMO_ITEM_UNIT,
    form_format: options.FormOutputFormatOpt = options.FORM_DEFAULT,
    out: ReceiptOutOpt = None,
) -> None:
    """Render the 《宣传促销品签收单》 for the chosen customers (item, quantity, 客户签名, date)
    and record what each was given (only once the form is written)."""
    from cmgr.jobs import promo

    st = common.state()
    result = promo.receipt(st.db(), st.config(), campaign=campaign, item=item, qty=qty,
                           customers=customers, top=top, issued=day or date.today(),
                           fmt=form_format.value, out=out, unit=unit)
    if result.from_list:
        common.info(f"customers: the recommendation list of {result.from_list} "
                    f"({len(result.codes)})")
    for message in result.warnings:
        common.warn(message)
    common.info(f"receipt for {len(result.codes)} customers: {result.path}")
    typer.echo(str(result.path))
