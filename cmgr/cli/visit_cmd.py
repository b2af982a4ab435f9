"""`cmgr visit log` / `cmgr visit special`: visits recorded in cmgr (source 'cmgr'), seen by
plan-week (last visit) and flag like imported ones; a special visit also renders the
《特殊访问记录》 (duty 4.1.2, docs/domain.md)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from cmgr.cli import common, options, prompting
from cmgr.errors import UsageError

app = common.new_app("走访记录: record visits in cmgr (常规 / 特殊), and the 《特殊访问记录》.")

VISIT_TYPES = {"常规": "常规访问", "常规访问": "常规访问", "regular": "常规访问",
               "特殊": "特殊访问", "特殊访问": "特殊访问", "special": "特殊访问"}


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="visit")


def _parse_date(text: str) -> date:
    try:
        return options.parse_day(text)
    except ValueError as exc:
        raise UsageError(f"--date {exc}") from None


def _parse_price(text: str) -> float:
    from cmgr.sources.cells import CellError, parse_number

    try:
        value = parse_number(text)
    except CellError:
        value = None
    if value is None or value <= 0:
        raise UsageError(f"--price {text!r} is not a price per 条; expected e.g. 23 or 23.5元")
    return float(value)


def _visit_json(v: dict) -> dict:
    keys = ("visit_key", "visit_id", "visit_date", "customer_code", "customer_name", "manager",
            "visit_type", "notes", "checked_sku", "observed_price", "situation", "action", "source")
    return {k: v.get(k) for k in keys}


@app.command("log")
def log_command(
    customer: Annotated[str | None, typer.Option(help="Customer code or part of the name.")] = None,
    day: options.DateOpt = None,
    visit_type: Annotated[str | None, typer.Option("--type", help="常规 or 特殊 (default 常规).")] = None,
    notes: Annotated[str | None, typer.Option(help="访问内容: what was done and seen.")] = None,
    sku: Annotated[str | None, typer.Option(help="A cigarette whose retail price was checked.")] = None,
    price: Annotated[str | None, typer.Option(help="The retail price seen for it, 元/条.")] = None,
    manager: options.RecordManagerOpt = None,
    fmt: options.TableJsonOpt = "table",
) -> None:
    """Record a visit (常规 or 特殊) with notes and, optionally, an observed price."""
    from cmgr.store.customers import VisitRecord, add_visit

    db = common.state().db()
    cust = prompting.choose_customer(db, customer)
    when = _visit_date(day)
    kind = prompting.choose("访问类型 (常规/特殊)", "--type", visit_type, VISIT_TYPES, default="常规")
    if notes is None and prompting.interactive():
        notes = prompting.ask("访问内容", "--notes", required=False)
    checked, observed = _checked_price(db, cust["customer_code"], sku, price)
    visit = add_visit(db, VisitRecord(
        visit_date=when, customer_code=cust["customer_code"], visit_type=kind,
        notes=(notes or "").strip() or None, checked_sku=checked, observed_price=observed,
        manager=manager))
    common.info(f"visit {visit['visit_id']} recorded: {visit['visit_date']} "
                f"{visit['customer_code']} {visit.get('customer_name') or ''} {kind}")
    if fmt == "json":
        common.print_json(_visit_json(visit))
    else:
        typer.echo(visit["visit_id"])


def _visit_date(day: date | None) -> date:
    if day is None and prompting.interactive():
        return prompting.ask_parsed("访问日期", "--date", _parse_date, None,
                                    default=date.today().isoformat())
    return day or date.today()


def _checked_price(db, customer_code: str, sku: str | None, price: str | None
                   ) -> tuple[str | None, float | None]:
    if price is not None and not sku and not prompting.interactive():
        raise UsageError("--price needs --sku: the cigarette whose price was seen")
    if sku is None and prompting.interactive() and price is None:
        sku = prompting.ask("检查价格的卷烟 (可留空)", "--sku", required=False) or None
    if not sku:
        return None, None
    chosen = prompting.choose_sku(db, sku, customer_code=customer_code, as_typed=True)
    observed = prompting.ask_parsed("实际零售价 (元/条)", "--price", _parse_price, price)
    return chosen["sku_name"] or chosen["sku_code"], observed


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
