"""`cmgr visit log` / `cmgr visit special`: visits recorded in cmgr (source 'cmgr'), seen by
plan-week (last visit) and flag like imported ones; a special visit also renders the
《特殊访问记录》 (duty 4.1.2, docs/domain.md). `visit list/edit/delete` keep a visit's record
right, with who changed it and when (cmgr.jobs.visits)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from cmgr.cli import common, options, prompting
from cmgr.domain import VISIT_TYPE_SYNONYMS
from cmgr.errors import UsageError

app = common.new_app("走访记录: record visits in cmgr (常规 / 特殊), and the 《特殊访问记录》.")

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
        raise UsageError(f"--price {text!r} is not a price; expected 元/条 (230, 230元/条) or "
                         "元/包 (23元/包)")
    return float(value)


def _visit_json(v: dict) -> dict:
    keys = ("visit_key", "visit_id", "visit_date", "customer_code", "customer_name", "manager",
            "visit_type", "notes", "checked_sku", "observed_price", "situation", "action", "source",
            "created_by", "changed_by")
    return {k: v.get(k) for k in keys}


@app.command("log")
def log_command(
    customer: Annotated[str | None, typer.Option(help="Customer code or part of the name.")] = None,
    day: options.DateOpt = None,
    visit_type: Annotated[str | None, typer.Option("--type", help="常规 or 特殊 (default 常规).")] = None,
    notes: Annotated[str | None, typer.Option(help="访问内容: what was done and seen.")] = None,
    sku: Annotated[str | None, typer.Option(
        help="A cigarette whose retail price was checked (with one plain --price).")] = None,
    price: Annotated[list[str] | None, typer.Option(
        help="Retail price seen: CIGARETTE:PRICE, 元/条 or 元/包 (repeatable), e.g. "
             "--price 中华(软):75元/包; or a plain price with --sku.")] = None,
    stock: Annotated[list[str] | None, typer.Option(
        help="Stock counted: CIGARETTE:条 (repeatable), e.g. --stock 中华(软):5.")] = None,
    arrival: Annotated[str | None, typer.Option(help="到达时间, HH:MM.")] = None,
    duties: Annotated[str | None, typer.Option(
        help="The a-f duties done (seed 4.1.3), e.g. abcf or a-f.")] = None,
    signed: Annotated[bool | None, typer.Option(
        "--signed/--not-signed", help="The customer signed the sign-in sheet.")] = None,
    manager: options.RecordManagerOpt = None,
    fmt: options.TableJsonOpt = "table",
) -> None:
    """Record a visit (常规 or 特殊) with notes, the prices and stock of several cigarettes.

    The same visit in the company's export (same customer, day and type) becomes one record
    with this one, whichever comes first.
    """
    from cmgr.jobs import visits as jobs
    from cmgr.store.customers import VisitRecord

    db = common.state().db()
    cust = prompting.choose_customer(db, customer)
    when = _visit_date(day)
    kind = prompting.choose("访问类型 (常规/特殊)", "--type", visit_type, VISIT_TYPE_SYNONYMS,
                            default="常规")
    if notes is None and prompting.interactive():
        notes = prompting.ask("访问内容", "--notes", required=False)
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
    common.info(f"visit {visit['visit_id']} recorded: {visit['visit_date']} "
                f"{visit['customer_code']} {visit.get('customer_name') or ''} {kind}"
                + (f"; {len(seen)} cigarette(s) checked" if seen else ""))
    if logged.merged:
        common.info("the company export has this visit already: merged into one record "
                    "(its fields fill what was missing)")
    if fmt == "json":
        common.print_json(_visit_json(visit) | {"id": visit["id"], "merged": logged.merged,
                                                "prices": [p.__dict__ for p in seen]})
    else:
        typer.echo(visit["visit_id"])


def _visit_date(day: date | None) -> date:
    if day is None and prompting.interactive():
        return prompting.ask_parsed("访问日期", "--date", _parse_date, None,
                                    default=date.today().isoformat())
    return day or date.today()


def _checked_price(db, customer_code: str, sku: str | None, price: str | None
                   ) -> tuple[str | None, float | None]:
    if sku is None and prompting.interactive() and price is None:
        sku = prompting.ask("检查价格的卷烟 (可留空)", "--sku", required=False) or None
    if not sku:
        return None, None
    chosen = prompting.choose_sku(db, sku, customer_code=customer_code, as_typed=True)
    observed = prompting.ask_parsed("实际零售价 (元/条)", "--price", _parse_price, price)
    return chosen["sku_name"] or chosen["sku_code"], observed


def _parse_time(text: str) -> str:
    import re

    m = re.fullmatch(r"\s*(\d{1,2})[:：点.](\d{2})\s*", text)
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise UsageError(f"--arrival {text!r}: expected HH:MM, e.g. 09:30")
    return f"{int(m.group(1)):02d}:{m.group(2)}"


def _prices_seen(db, customer_code: str, sku: str | None, prices: list[str], stock: list[str]):
    """--price CIGARETTE:PRICE (repeatable) or the older --sku X --price PRICE; --stock."""
    from cmgr.jobs import visits as jobs
    from cmgr.store.visits import PriceSeen

    plain = [p for p in prices if ":" not in p.replace("：", ":")]
    if plain:
        if len(prices) > 1 or not sku and not prompting.interactive():
            raise UsageError(f"--price {plain[0]!r} needs --sku (the cigarette whose price was seen), "
                             "or write --price CIGARETTE:PRICE",
                             hint="e.g. --price 中华(软):75元/包 --price 利群(新版):260")
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


RecordOutOpt = options.out_option("{id} {format}", default="特殊访问-{id}.{format}")


@app.command("special")
def special_command(
    customer: Annotated[str | None, typer.Option(help="Customer code or part of the name.")] = None,
    situation: Annotated[str | None, typer.Option(help="特殊情况: what happened.")] = None,
    action: Annotated[str | None, typer.Option(help="处理措施: what you did about it.")] = None,
    day: options.DateOpt = None,
    manager: options.RecordManagerOpt = None,
    form_format: options.FormFormatOpt = options.FORM_DEFAULT,
    form: Annotated[bool, typer.Option("--form/--no-form", help="Render the record.")] = True,
    out: RecordOutOpt = None,
    fmt: options.TableJsonOpt = "table",
) -> None:
    """Record a special visit (《特殊访问记录》: the situation and the action) and render it."""
    from cmgr.jobs.visits import record_special
    from cmgr.store.customers import VisitRecord

    st = common.state()
    db = st.db()
    cust = prompting.choose_customer(db, customer)
    when = _visit_date(day)
    situation = situation if situation and situation.strip() else prompting.ask("特殊情况", "--situation")
    action = action if action and action.strip() else prompting.ask("处理措施", "--action")
    # notes carry both, so the flag rules read a special visit like an imported one
    visit, path = record_special(db, st.config(), VisitRecord(
        visit_date=when, customer_code=cust["customer_code"], visit_type="特殊访问",
        notes=f"{situation.strip()}。处理：{action.strip()}", situation=situation.strip(),
        action=action.strip(), manager=manager), form_format=form_format.value if form else None,
        out=out)
    common.info(f"special visit {visit['visit_id']} recorded: {visit['visit_date']} "
                f"{visit['customer_code']} {visit.get('customer_name') or ''}")
    if path is not None:
        common.info(f"record: {path}")
    if fmt == "json":
        common.print_json(_visit_json(visit))
    else:
        typer.echo(visit["visit_id"])


@app.command("special-form")
def special_form_command(
    visit_id: Annotated[str, typer.Argument(metavar="访问编号",
                                            help="The visit's id, e.g. FW-20261127-001.")],
    form_format: options.FormOutputFormatOpt = options.FORM_DEFAULT,
    out: RecordOutOpt = None,
) -> None:
    """Print the 《特殊访问记录》 of a recorded special visit again (another format, a lost copy)."""
    from cmgr.jobs.visits import reprint_special

    st = common.state()
    path = reprint_special(st.db(), st.config(), visit_id, form_format=form_format.value, out=out)
    common.info(f"record: {path}")
    typer.echo(str(path))


# --- list, edit, delete ----------------------------------------------------------------------

@app.command("list")
def list_command(
    customer: Annotated[str | None, typer.Option(help="Customer code or part of the name.")] = None,
    since: options.SinceOpt = None,
    until: options.UntilOpt = None,
    manager: options.ManagerOpt = None,
    limit: Annotated[int, typer.Option(help="At most this many, newest first (0 = all).")] = 50,
    fmt: options.TableJsonOpt = "table",
) -> None:
    """The visits recorded (typed, from sheets and from exports), newest first, with their
    number for `visit edit` / `visit delete`."""
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
    for col in ("#", "日期", "客户", "类型", "来源", "访问内容", "价格"):
        table.add_column(col, no_wrap=col in ("#", "日期"), overflow="fold")
    for r in rows:
        prices = "；".join(f"{p['sku']} {p['price']:g}" if p["price"] is not None else p["sku"]
                          for p in r["prices"])
        source = {"cmgr": "录入", "sheet": "签到簿", "import": "导出"}.get(r["source"], r["source"])
        if r["export_key"]:
            source += "+导出"
        table.add_row(str(r["id"]), r["visit_date"],
                      common.escape(f"{r['customer_code']} {r['customer_name'] or ''}"),
                      (r["visit_type"] or "")[:2], source, common.escape(r["notes"] or ""),
                      common.escape(prices))
    common.out_console.print(table)
    common.info(f"{len(rows)} visit(s)")


NewDateOpt = Annotated[date | None, options.date_option(
    "--date", help=f"The visit's date, corrected ({options.DATE_FORMS}).")]


@app.command("edit")
def edit_command(
    ref: Annotated[str, typer.Argument(metavar="ID", help="The visit's number (visit list) or id.")],
    day: NewDateOpt = None,
    visit_type: Annotated[str | None, typer.Option("--type", help="常规 or 特殊.")] = None,
    notes: Annotated[str | None, typer.Option(help="访问内容 (replaces the note).")] = None,
    price: Annotated[list[str] | None, typer.Option(
        help="CIGARETTE:PRICE (repeatable), replaces the prices seen; --price '' clears them.")] = None,
    arrival: Annotated[str | None, typer.Option(help="到达时间, HH:MM.")] = None,
    duties: Annotated[str | None, typer.Option(help="The a-f duties done, e.g. abcf.")] = None,
    signed: Annotated[bool | None, typer.Option(
        "--signed/--not-signed", help="The customer signed the sign-in sheet.")] = None,
    by: Annotated[str | None, typer.Option(help="Who changes it (default: the login name).")] = None,
    fmt: options.TableJsonOpt = "table",
) -> None:
    """Correct a visit; the change is kept (who, when, before and after) and the visit's flags
    are re-evaluated at once."""
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
    common.info(f"visit #{after['id']} {after['visit_id'] or ''} changed; flags re-evaluated: "
                f"{added} new, {removed} removed"
                + (f", {sum(s.not_found for s in scans)} reported flag(s) no longer found"
                   if any(s.not_found for s in scans) else ""))
    if fmt == "json":
        common.print_json({"before": {k: before.get(k) for k in after}, "after": after,
                           "flags_added": added, "flags_removed": removed})


@app.command("delete")
def delete_command(
    ref: Annotated[str, typer.Argument(metavar="ID", help="The visit's number (visit list) or id.")],
    by: Annotated[str | None, typer.Option(help="Who deletes it (default: the login name).")] = None,
) -> None:
    """Delete a visit recorded by mistake; the record is kept in its history (who, when), its
    new flags go and its reported flags are marked as no longer found."""
    from cmgr.jobs import visits as jobs

    db = common.state().db()
    visit, flags = jobs.delete_visit(db, ref, by=by, cfg=common.state().config())
    common.info(f"visit #{visit['id']} {visit['visit_id'] or ''} {visit['visit_date']} "
                f"{visit['customer_code']} deleted; {flags.removed} flag(s) removed"
                + (f", {flags.not_found} reported flag(s) marked" if flags.not_found else ""))
