"""`cmgr promo recommend` / `cmgr promo receipt`: 促销客户推荐 and the 《宣传促销品签收单》
(duty 4.2, docs/domain.md). The score and its parts are documented in cmgr/core/promo.py and docs/complaints.md."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from cmgr.cli import common, options
from cmgr.domain import OUT_PROMO_LIST, OUT_PROMO_RECEIPT, PROMO_ITEM_UNIT
from cmgr.errors import UsageError
from cmgr.i18n import tr

app = common.new_app(tr("促销客户：按综合测评给三级以上客户排名，并打印《宣传促销品签收单》。"))

LIST_FILE_FORMATS = ("xlsx", "csv", "json")
ListFormatOpt = options.format_option("table", *LIST_FILE_FORMATS, optional=True, help=tr(
    "输出格式；默认按 `--out` 的后缀，否则 table；json 不带 `--out` 时写到标准输出。"))
ListOutOpt = options.out_option("{manager} {date} {format}",
                                default=OUT_PROMO_LIST,
                                more=tr("xlsx 或 csv。"))
ReceiptOutOpt = options.out_option("{id} {date} {format}", default=OUT_PROMO_RECEIPT)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="promo")


@app.command("recommend", help=tr("按综合测评给可参加促销的客户（三级以上）排名，列出每一项得分。"
                                  "名单保留，供 `promo receipt` 使用。"))
def recommend_command(
    top: Annotated[int, typer.Option("--top", min=1, metavar=tr("数量"),
                                     help=tr("列出多少户客户。"))] = 20,
    manager: options.ManagerOpt = None,
    as_of: Annotated[date | None, options.date_option(
        "--as-of", help=tr("测评期的最后一天（默认：最后的订单日期）。"))] = None,
    fmt: ListFormatOpt = None,
    out: ListOutOpt = None,
) -> None:
    from cmgr.jobs import promo

    if out and fmt == "table":
        raise UsageError(tr("`--out` 需要 --format xlsx、csv 或 json"))
    fmt = options.format_from(fmt, out, LIST_FILE_FORMATS)
    st = common.state()
    rec = promo.recommend(st.db(), st.config(), top=top, manager=manager, as_of=as_of)
    common.info(tr("{eligible} 户客户可参加（等级 >= {level}），{excluded} 户不可；测评期为截至 "
                   "{as_of} 的 {days} 天；列出 {n} 户", eligible=rec.eligible,
                   level=rec.settings.min_level, excluded=rec.excluded,
                   days=rec.settings.period_days, as_of=rec.as_of, n=len(rec.rows)))
    if fmt == "json" and out is None:
        common.print_json(rec.as_json())
    elif fmt == "table":
        _table(rec.rows, rec.settings)
    else:
        path = promo.write_recommendation(rec, fmt, out)
        common.info(tr("名单：{path}", path=path))
        typer.echo(str(path))


def _table(rows: list[dict], settings) -> None:
    """Each part as its figure over its 0-1 score; the weights in the header. In parts that
    fit the terminal (common.print_fitted_table), each repeating the rank and the customer."""
    from rich.markup import escape

    w = settings.weights
    # the overall score beside the customer: in the first part on a narrow terminal too
    columns = [("#", "right"), (tr("客户"), "left"), (tr("等级"), "left"),
               (tr("综合得分"), "right"),
               *((f"{label}\n×{w[part]:g}", "right") for part, label in (
                   ("growth", tr("增长")), ("structure", tr("单箱值")),
                   ("compliance", tr("违规")), ("settlement", tr("结算")),
                   ("complaints", tr("投诉"))))]
    cells = []
    for r in rows:
        p = {x["part"]: x for x in r["parts"]}
        vpc = p["structure"]["value"]
        flags = p["compliance"]["value"]
        settlement = r["settlement"] or tr("未知")
        cells.append([
            str(r["rank"]), escape(f"{r['customer_name'] or ''}\n{r['customer_code']}"),
            f"{r['band']}\n{tr('{grade}档', grade=r['grade'])}", f"{r['total']:.2f}",
            f"{p['growth']['text']}\n{p['growth']['score']:.2f}",
            f"{'—' if vpc is None else f'{vpc:,.0f}'}\n{p['structure']['score']:.2f}",
            f"{'—' if flags is None else f'{flags:g}'}\n{p['compliance']['score']:g}",
            f"{settlement.replace('结算', '')}\n{p['settlement']['score']:g}",
            f"{r['complaints']}\n{p['complaints']['score']:g}"])
    common.print_fitted_table(tr("促销客户推荐 综合测评（每项：指标 / 得分 0-1）"), columns, cells,
                              keep=2)


@app.command("receipt", help=tr("为选定的客户生成《宣传促销品签收单》（促销品、数量、客户签名、日期），"
                                "并记下每户领了什么（签收单写出之后才记）。"))
def receipt_command(
    campaign: Annotated[str, typer.Option("--campaign", metavar=tr("名称"),
                                          help=tr("促销活动名称（第一次用时创建）。"))],
    item: Annotated[str | None, typer.Option(
        metavar=tr("促销品"), help=tr("发放的促销品、促销资料（默认：活动的）。"))] = None,
    qty: Annotated[float | None, typer.Option(min=0, metavar=tr("数量"),
                                              help=tr("每户的数量。"))] = None,
    customers: Annotated[str | None, typer.Option(
        metavar=tr("客户编码,..."),
        help=tr("客户编码，用逗号分隔（默认：上一次 `promo recommend` 的名单）。"))] = None,
    top: Annotated[int | None, typer.Option("--top", min=1, metavar=tr("数量"),
                                            help=tr("只取上一份名单的前 N 户。"))]
    = None,
    day: Annotated[date | None, options.date_option(
        "--date", help=tr("发放日期（{forms}；默认今天）。", forms=options.DATE_FORMS))] = None,
    unit: Annotated[str, typer.Option(
        "--unit", metavar=tr("单位"),
        help=tr("促销品的单位（份、张、个），印在数量和合计后。"))] = PROMO_ITEM_UNIT,
    form_format: options.FormOutputFormatOpt = None,
    out: ReceiptOutOpt = None,
) -> None:
    from cmgr.jobs import promo

    st = common.state()
    result = promo.receipt(st.db(), st.config(), campaign=campaign, item=item, qty=qty,
                           customers=customers, top=top, issued=day or date.today(),
                           fmt=options.form_format(form_format, out), out=out, unit=unit)
    if result.from_list:
        made = result.from_list
        common.info(tr("客户：取自{who}的推荐名单 {id}（{date} 生成），{n} 户",
                       who=made["manager"] or tr("全部客户经理"), id=made["id"],
                       date=made["created_at"], n=len(result.codes)))
    for message in result.warnings:
        common.warn(message)
    common.info(tr("{n} 户客户的签收单：{path}", n=len(result.codes), path=result.path))
    typer.echo(str(result.path))
