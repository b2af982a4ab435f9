"""`cmgr visit log` / `cmgr visit special`: visits recorded in cmgr (source 'cmgr'), seen by
plan-week (last visit) and flag like imported ones; a special visit also renders the
《特殊访问记录》 (duty 4.1.2, docs/domain.md). `visit list/edit/delete` keep a visit's record
right, with who changed it and when (cmgr.jobs.visits)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from cmgr.cli import common, options, prompting
from cmgr.domain import OUT_SPECIAL_VISIT, VISIT_TYPE_SYNONYMS
from cmgr.errors import UsageError
from cmgr.i18n import tr

app = common.new_app(tr("走访记录：在 cmgr 中记录访问（常规、特殊），以及《特殊访问记录》。"))

CustomerOpt = Annotated[str | None, typer.Option(
    "--customer", metavar=tr("客户"), help=tr("客户编码，或名称的一部分。"))]
TimeOpt = Annotated[str | None, typer.Option("--arrival", metavar=tr("时:分"),
                                             help=tr("到达时间，HH:MM。"))]
SignedOpt = Annotated[bool | None, typer.Option(
    "--signed/--not-signed", help=tr("客户在签到记录簿上签了字。"))]

def register(root: typer.Typer) -> None:
    root.add_typer(app, name="visit")


def _parse_date(text: str) -> date:
    try:
        return options.parse_day(text)
    except ValueError as exc:
        raise UsageError(f"--date {exc}") from None


def _parse_price(text: str) -> float:
    from cmgr.sources.cells import CellError, parse_price_per_carton

    try:
        value = parse_price_per_carton(text)
    except CellError:
        value = None
    if value is None or value <= 0:
        raise UsageError(tr("`--price` {text} 不是价格；应为 元/条（230、230元/条）或 "
                            "元/包（23元/包）", text=repr(text)))
    return float(value)


def _visit_json(v: dict) -> dict:
    keys = ("visit_key", "visit_id", "visit_date", "customer_code", "customer_name", "manager",
            "visit_type", "notes", "checked_sku", "observed_price", "situation", "action", "source",
            "created_by", "changed_by")
    return {k: v.get(k) for k in keys}


@app.command("log", help=tr(
    "记录一次访问（常规或特殊），附访问内容、几种卷烟的价格和库存。\n\n"
    "公司导出文件中的同一次访问（同一客户、日期和类型）与它合成一条记录，不论哪个先到。"))
def log_command(
    customer: CustomerOpt = None,
    day: options.DateOpt = None,
    visit_type: Annotated[str | None, typer.Option(
        "--type", metavar=tr("类型"), help=tr("常规 或 特殊（默认 常规）。"))] = None,
    notes: Annotated[str | None, typer.Option(
        metavar=tr("文本"), help=tr("访问内容：做了什么、看到了什么。"))] = None,
    sku: Annotated[str | None, typer.Option(
        metavar=tr("卷烟"), help=tr("检查了零售价的卷烟，与一个只写价格的 --price 一起用。"))] = None,
    price: Annotated[list[str] | None, typer.Option(
        metavar=tr("卷烟:价格"),
        help=tr("看到的零售价：卷烟:价格，元/条 或 元/包（可重复），例如 "
                "--price 中华(软):75元/包；或与 --sku 一起只写价格。"))] = None,
    stock: Annotated[list[str] | None, typer.Option(
        metavar=tr("卷烟:条数"),
        help=tr("清点的库存：卷烟:条数（可重复），例如 --stock 中华(软):5。"))] = None,
    arrival: TimeOpt = None,
    duties: Annotated[str | None, typer.Option(
        metavar=tr("字母"), help=tr("做了的 a-f 各项（岗位职责 4.1.3），例如 abcf 或 a-f。"))] = None,
    signed: SignedOpt = None,
    manager: options.RecordManagerOpt = None,
    fmt: options.TableJsonOpt = "table",
) -> None:
    from cmgr.jobs import visits as jobs
    from cmgr.store.customers import VisitRecord

    db = common.state().db()
    cust = prompting.choose_customer(db, customer)
    when = _visit_date(day)
    kind = prompting.choose(tr("访问类型（常规/特殊）"), "--type", visit_type, VISIT_TYPE_SYNONYMS,
                            default="常规")
    if notes is None and prompting.interactive():
        notes = prompting.ask(tr("访问内容"), "--notes", required=False)
    seen = _prices_seen(db, cust["customer_code"], sku, price or [], stock or [])
    visit_time = _parse_time(arrival) if arrival else None
    ticked = jobs.parse_duties(duties) if duties else None
    first = next((p for p in seen if p.price is not None), None)
    logged = jobs.log_visit(db, VisitRecord(
        visit_date=when, customer_code=cust["customer_code"], visit_type=kind,
        notes=(notes or "").strip() or None, checked_sku=first.sku if first else None,
        observed_price=first.price if first else None, manager=manager), seen,
        arrival_time=visit_time, duties=ticked, customer_signed=signed,
        cfg=common.state().config())
    visit = logged.visit
    said = dict(id=visit["visit_id"], date=visit["visit_date"], code=visit["customer_code"],
                name=visit.get("customer_name") or "", kind=kind)
    if seen:
        common.info(tr("访问 {id} 已记录：{date} {code} {name} {kind}；检查了 {n} 种卷烟",
                       n=len(seen), **said))
    else:
        common.info(tr("访问 {id} 已记录：{date} {code} {name} {kind}", **said))
    if logged.merged:
        common.info(tr("公司导出文件中已有这次访问：已合并为一条记录（由它补上缺少的字段）"))
    if fmt == "json":
        common.print_json(_visit_json(visit) | {"id": visit["id"], "merged": logged.merged,
                                                "prices": [p.__dict__ for p in seen]})
    else:
        typer.echo(visit["visit_id"])


def _visit_date(day: date | None) -> date:
    if day is None and prompting.interactive():
        return prompting.ask_parsed(tr("访问日期"), "--date", _parse_date, None,
                                    default=date.today().isoformat())
    return day or date.today()


def _checked_price(db, customer_code: str, sku: str | None, price: str | None
                   ) -> tuple[str | None, float | None]:
    if sku is None and prompting.interactive() and price is None:
        sku = prompting.ask(tr("检查价格的卷烟（可留空）"), "--sku", required=False) or None
    if not sku:
        return None, None
    chosen = prompting.choose_sku(db, sku, customer_code=customer_code, as_typed=True)
    observed = prompting.ask_parsed(tr("实际零售价（元/条）"), "--price", _parse_price, price)
    return chosen["sku_name"] or chosen["sku_code"], observed


def _parse_time(text: str) -> str:
    import re

    m = re.fullmatch(r"\s*(\d{1,2})[:：点.](\d{2})\s*", text)
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise UsageError(tr("`--arrival` {text}：应为 HH:MM，例如 09:30", text=repr(text)))
    return f"{int(m.group(1)):02d}:{m.group(2)}"


def _prices_seen(db, customer_code: str, sku: str | None, prices: list[str], stock: list[str]):
    """--price CIGARETTE:PRICE (repeatable) or the older --sku X --price PRICE; --stock."""
    from cmgr.jobs import visits as jobs
    from cmgr.store.visits import PriceSeen

    plain = [p for p in prices if ":" not in p.replace("：", ":")]
    if plain:
        if len(prices) > 1 or not sku and not prompting.interactive():
            raise UsageError(tr("`--price` {text} 需要 --sku（看到价格的卷烟），或写成 --price 卷烟:价格",
                                text=repr(plain[0])),
                             hint=tr("例如 --price 中华(软):75元/包 --price 利群(新版):260"))
        checked, observed = _checked_price(db, customer_code, sku, plain[0])
        seen = [PriceSeen(checked, observed, plain[0])] if checked else []
    elif sku and not prices:
        checked, observed = _checked_price(db, customer_code, sku, None)
        seen = [PriceSeen(checked, observed)] if checked else []
    else:
        seen = []
        for item in prices:
            p = jobs.parse_price_item(item)
            chosen = prompting.choose_sku(db, p.sku, customer_code=customer_code, as_typed=True)
            seen.append(PriceSeen(chosen["sku_name"] or chosen["sku_code"], p.price, p.price_text))
        if not prices and sku is None and prompting.interactive():
            checked, observed = _checked_price(db, customer_code, None, None)
            seen = [PriceSeen(checked, observed)] if checked else []
    counted = []
    for item in stock:
        name, qty = jobs.parse_stock_item(item)
        chosen = prompting.choose_sku(db, name, customer_code=customer_code, as_typed=True)
        counted.append((chosen["sku_name"] or chosen["sku_code"], qty))
    return jobs.merge_prices(seen, counted)


RecordOutOpt = options.out_option("{id} {format}", default=OUT_SPECIAL_VISIT)


@app.command("special", help=tr("记录一次特殊访问（《特殊访问记录》：特殊情况和处理措施），并生成记录。"))
def special_command(
    customer: CustomerOpt = None,
    situation: Annotated[str | None, typer.Option(
        metavar=tr("文本"), help=tr("特殊情况：发生了什么。"))] = None,
    action: Annotated[str | None, typer.Option(
        metavar=tr("文本"), help=tr("处理措施：你做了什么。"))] = None,
    day: options.DateOpt = None,
    manager: options.RecordManagerOpt = None,
    form_format: options.FormFormatOpt = None,
    form: Annotated[bool, typer.Option("--form/--no-form", help=tr("生成记录。"))] = True,
    out: RecordOutOpt = None,
    fmt: options.TableJsonOpt = "table",
) -> None:
    from cmgr.jobs.visits import record_special
    from cmgr.store.customers import VisitRecord

    st = common.state()
    db = st.db()
    cust = prompting.choose_customer(db, customer)
    when = _visit_date(day)
    situation = (situation if situation and situation.strip()
                 else prompting.ask(tr("特殊情况"), "--situation"))
    action = action if action and action.strip() else prompting.ask(tr("处理措施"), "--action")
    # notes carry both, so the flag rules read a special visit like an imported one
    visit, path = record_special(db, st.config(), VisitRecord(
        visit_date=when, customer_code=cust["customer_code"], visit_type="特殊访问",
        notes=f"{situation.strip()}。处理：{action.strip()}", situation=situation.strip(),
        action=action.strip(), manager=manager),
        form_format=options.form_format(form_format, out) if form else None, out=out)
    common.info(tr("特殊访问 {id} 已记录：{date} {code} {name}", id=visit["visit_id"],
                   date=visit["visit_date"], code=visit["customer_code"],
                   name=visit.get("customer_name") or ""))
    if path is not None:
        common.info(tr("记录：{path}", path=path))
    if fmt == "json":
        common.print_json(_visit_json(visit))
    else:
        typer.echo(visit["visit_id"])


@app.command("special-form", help=tr("重新打印已记录的特殊访问的《特殊访问记录》（另一种格式，或丢失的一份）。"))
def special_form_command(
    visit_id: Annotated[str, typer.Argument(metavar=tr("访问编号"),
                                            help=tr("访问编号，例如 FW-20261127-001。"))],
    form_format: options.FormOutputFormatOpt = None,
    out: RecordOutOpt = None,
) -> None:
    from cmgr.jobs.visits import reprint_special

    st = common.state()
    path = reprint_special(st.db(), st.config(), visit_id, form_format=options.form_format(form_format, out),
                           out=out)
    common.info(tr("记录：{path}", path=path))
    typer.echo(str(path))


# --- list, edit, delete ----------------------------------------------------------------------

@app.command("list", help=tr("记录的访问（录入的、签到记录簿的、导出文件的），最新的在前，"
                             "附编号，供 `visit edit`、`visit delete` 使用。"))
def list_command(
    customer: CustomerOpt = None,
    since: options.SinceOpt = None,
    until: options.UntilOpt = None,
    manager: options.ManagerOpt = None,
    limit: Annotated[int, typer.Option(metavar=tr("数量"),
                                       help=tr("最多这么多条，最新的在前（0 = 全部）。"))] = 50,
    fmt: options.TableJsonOpt = "table",
) -> None:
    from cmgr.store.visits import list_visits

    db = common.state().db()
    code = prompting.choose_customer(db, customer)["customer_code"] if customer else None
    rows = list_visits(db, customer_code=code, since=since.isoformat() if since else None,
                       until=until.isoformat() if until else None, manager=manager,
                       limit=limit or None)
    if fmt == "json":
        common.print_json(rows)
        return
    from rich.table import Table

    table = Table()
    for col, keep in (("#", True), (tr("日期"), True), (tr("客户"), False), (tr("类型"), False),
                      (tr("来源"), False), (tr("访问内容"), False), (tr("价格"), False)):
        table.add_column(col, no_wrap=keep, overflow="fold")
    sources = {"cmgr": tr("录入"), "sheet": tr("签到簿"), "import": tr("导出")}
    for r in rows:
        prices = "；".join(f"{p['sku']} {p['price']:g}" if p["price"] is not None else p["sku"]
                          for p in r["prices"])
        source = sources.get(r["source"], r["source"])
        if r["export_key"]:
            source = tr("{source}+导出", source=source)
        table.add_row(str(r["id"]), r["visit_date"],
                      common.escape(f"{r['customer_code']} {r['customer_name'] or ''}"),
                      (r["visit_type"] or "")[:2], source, common.escape(r["notes"] or ""),
                      common.escape(prices))
    common.out_console.print(table)
    common.info(tr("{n} 次访问", n=len(rows)))


NewDateOpt = Annotated[date | None, options.date_option(
    "--date", help=tr("更正后的访问日期（{forms}）。", forms=options.DATE_FORMS))]
VisitRefArg = Annotated[str, typer.Argument(metavar=tr("访问编号"),
                                            help=tr("访问的序号（visit list）或编号。"))]


@app.command("edit", help=tr("更正一次访问；修改会保留（谁、何时、改前和改后），"
                             "这次访问的违规标记会立即重新判断。"))
def edit_command(
    ref: VisitRefArg,
    day: NewDateOpt = None,
    visit_type: Annotated[str | None, typer.Option("--type", metavar=tr("类型"),
                                                   help=tr("常规 或 特殊。"))] = None,
    notes: Annotated[str | None, typer.Option(metavar=tr("文本"),
                                              help=tr("访问内容（替换原来的）。"))] = None,
    price: Annotated[list[str] | None, typer.Option(
        metavar=tr("卷烟:价格"),
        help=tr("卷烟:价格（可重复），替换看到的价格；--price '' 清空。"))] = None,
    arrival: TimeOpt = None,
    duties: Annotated[str | None, typer.Option(metavar=tr("字母"),
                                               help=tr("做了的 a-f 各项，例如 abcf。"))] = None,
    signed: SignedOpt = None,
    by: Annotated[str | None, typer.Option(metavar=tr("姓名"),
                                           help=tr("修改人（默认：登录名）。"))] = None,
    fmt: options.TableJsonOpt = "table",
) -> None:
    from cmgr.jobs import visits as jobs

    st = common.state()
    db = st.db()
    prices = None
    if price is not None:
        prices = [jobs.parse_price_item(p) for p in price if p.strip()]
    changes = {
        "visit_date": day.isoformat() if day else None,
        "visit_type": jobs.parse_visit_type(visit_type) if visit_type else None,
        "notes": notes, "arrival_time": _parse_time(arrival) if arrival else None,
        "duties": jobs.parse_duties(duties) if duties else None,
        "customer_signed": None if signed is None else int(signed),
    }
    before, after, scans = jobs.edit_visit(db, st.config(), ref, changes, prices=prices, by=by)
    added = sum(s.added for s in scans)
    removed = sum(s.removed for s in scans)
    common.info(tr("访问 #{id} {visit_id} 已修改；违规标记已重新判断：新增 {added}，移除 {removed}，"
                   "已上报但不再发现 {not_found}", id=after["id"], visit_id=after["visit_id"] or "",
                   added=added, removed=removed, not_found=sum(s.not_found for s in scans)))
    if fmt == "json":
        common.print_json({"before": {k: before.get(k) for k in after}, "after": after,
                           "flags_added": added, "flags_removed": removed})


@app.command("delete", help=tr("删除误记的访问；记录保留在历史中（谁、何时），"
                               "它新的违规标记去掉，已上报的违规标记记为不再发现。"))
def delete_command(
    ref: VisitRefArg,
    by: Annotated[str | None, typer.Option(metavar=tr("姓名"),
                                           help=tr("删除人（默认：登录名）。"))] = None,
) -> None:
    from cmgr.jobs import visits as jobs

    db = common.state().db()
    visit, flags = jobs.delete_visit(db, ref, by=by, cfg=common.state().config())
    common.info(tr("访问 #{id} {visit_id} {date} {code} 已删除；移除违规标记 {removed} 条，"
                   "标记已上报的 {not_found} 条", id=visit["id"], visit_id=visit["visit_id"] or "",
                   date=visit["visit_date"], code=visit["customer_code"], removed=flags.removed,
                   not_found=flags.not_found))
