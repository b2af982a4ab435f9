"""`cmgr customer join | leave | show`: 入网 and 退网 (duty 4.3, docs/domain.md), and the customer card."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer

from cmgr.cli import common, options, prompting
from cmgr.errors import UsageError

app = common.new_app("客户: 入网 (join), 退网 (leave), upkeep (edit) and the customer card (show).")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="customer")


def _visit_weekdays(text: str | None) -> str | None:
    from cmgr.sources.cells import EXPECTED_WEEKDAYS, CellError, parse_weekdays

    try:
        return parse_weekdays(text)
    except CellError:
        raise UsageError(f"--visit-day {text!r}: expected {EXPECTED_WEEKDAYS}") from None


def _grade(text: str | None) -> tuple[int | None, str | None]:
    from cmgr.sources.cells import GRADE_CODE, CellError, parse_int

    if text is None or not str(text).strip():
        return None, None
    label = str(text).strip()
    try:
        return parse_int(label), label
    except CellError:
        import re

        if re.fullmatch(GRADE_CODE, label):
            return None, label.upper()
        raise UsageError(f"--grade {text!r}: expected a 档位 such as 12, 12档 or a code such as A3") from None


@app.command("join")
def join_command(
    code: Annotated[str, typer.Argument(help="客户编码 (customer code).")],
    name: Annotated[str | None, typer.Option(help="客户名称.")] = None,
    grade: Annotated[str | None, typer.Option(help="档位, e.g. 12 or A3.")] = None,
    route: Annotated[str | None, typer.Option(help="线路.")] = None,
    visit_day: Annotated[str | None, typer.Option(
        "--visit-day", help="访销日: the weekday(s) of its visit, e.g. 周二 or 周二、周五.")] = None,
    manager: Annotated[str | None, typer.Option(
        "--manager", "-m", metavar="NAME", help="客户经理 (as in the roster).")] = None,
    day: Annotated[date | None, options.date_option(
        "--date", help=f"入网日期 ({options.DATE_FORMS}; default today).")] = None,
    license_no: Annotated[str | None, typer.Option("--license", help="许可证号.")] = None,
    license_expiry: Annotated[date | None, options.date_option(
        "--license-expiry", help="许可证有效期.")] = None,
    address: Annotated[str | None, typer.Option(help="经营地址.")] = None,
    phone: Annotated[str | None, typer.Option(help="联系电话.")] = None,
    settlement: Annotated[str | None, typer.Option(help="结算方式: 电子结算 or 现金.")] = None,
    business_type: Annotated[str | None, typer.Option("--business-type", help="业态.")] = None,
    lon: Annotated[float | None, typer.Option(help="经度.")] = None,
    lat: Annotated[float | None, typer.Option(help="纬度.")] = None,
    by: Annotated[str | None, typer.Option(help="Who recorded it.")] = None,
    reason: Annotated[str | None, typer.Option(help="A note (申请 number, ...).")] = None,
    fmt: options.TableJsonOpt = "table",
) -> None:
    """入网: add a customer to the network (or take back one who left; history is kept)."""
    from cmgr.store.customers import get_customer, join_customer

    db = common.state().db()
    code = code.strip()
    if not code:
        raise UsageError("the customer code is empty")
    existing = get_customer(db, code)
    if name is None and existing is None:
        name = prompting.ask("客户名称", "--name")
    grade_value, grade_label = _grade(grade)
    fields = {"customer_name": name, "grade": grade_value, "grade_label": grade_label,
              "route": route, "manager": manager, "license_no": license_no,
              "license_expiry": license_expiry.isoformat() if license_expiry else None,
              "address": address, "phone": phone, "settlement": settlement,
              "business_type": business_type, "lon": lon, "lat": lat,
              "visit_weekdays": _visit_weekdays(visit_day)}
    customer = join_customer(db, code, fields, on_date=day or date.today(), by=by, reason=reason)
    common.info(f"{code} {customer.get('customer_name') or ''} joined the network on "
                f"{customer['joined_on']}")
    if fmt == "json":
        common.print_json(customer)


@app.command("leave")
def leave_command(
    code: Annotated[str, typer.Argument(help="客户编码.")],
    day: Annotated[date | None, options.date_option(
        "--date", help=f"退网日期 ({options.DATE_FORMS}; default today).")] = None,
    reason: Annotated[str | None, typer.Option(help="退网原因.")] = None,
    by: Annotated[str | None, typer.Option(help="Who recorded it.")] = None,
    fmt: options.TableJsonOpt = "table",
) -> None:
    """退网: the customer leaves the network: status 已退网 and the date; orders, visits and
    complaints stay, and the customer drops out of visit plans."""
    from cmgr.store.customers import leave_customer

    db = common.state().db()
    if not (reason or "").strip():
        reason = prompting.ask("退网原因", "--reason")
    customer = leave_customer(db, code.strip(), on_date=day or date.today(), reason=reason, by=by)
    common.info(f"{code} {customer.get('customer_name') or ''} left the network on {customer['left_on']}")
    if fmt == "json":
        common.print_json(customer)


@app.command("edit")
def edit_command(
    code: Annotated[str, typer.Argument(help="客户编码.")],
    name: Annotated[str | None, typer.Option(help="客户名称.")] = None,
    phone: Annotated[str | None, typer.Option(help="联系电话.")] = None,
    address: Annotated[str | None, typer.Option(help="经营地址.")] = None,
    route: Annotated[str | None, typer.Option(help="线路.")] = None,
    grade: Annotated[str | None, typer.Option(help="档位, e.g. 12 or A3.")] = None,
    license_no: Annotated[str | None, typer.Option("--licence", "--license", help="许可证号.")] = None,
    license_expiry: Annotated[date | None, options.date_option(
        "--licence-expiry", "--license-expiry", help="许可证有效期.")] = None,
    visit_day: Annotated[str | None, typer.Option(
        "--visit-day", help="访销日, e.g. 周二 or 周二、周五.")] = None,
    manager: Annotated[str | None, typer.Option(
        "--manager", "-m", metavar="NAME", help="客户经理 (as in the roster).")] = None,
    settlement: Annotated[str | None, typer.Option(help="结算方式: 电子结算 or 现金.")] = None,
    business_type: Annotated[str | None, typer.Option("--business-type", help="业态.")] = None,
    lon: Annotated[float | None, typer.Option(help="经度.")] = None,
    lat: Annotated[float | None, typer.Option(help="纬度.")] = None,
    day: Annotated[date | None, options.date_option(
        "--date", help=f"When the change took effect ({options.DATE_FORMS}; default today).")] = None,
    by: Annotated[str | None, typer.Option(help="Who recorded it.")] = None,
    reason: Annotated[str | None, typer.Option(help="Why (信息维护, 客户申请 ...).")] = None,
    fmt: options.TableJsonOpt = "table",
) -> None:
    """Customer upkeep (seed 4.5): change the card's fields; each change is kept with its date
    in the customer's history. A later roster still carrying the old value keeps yours (and
    says so); see docs/complaints.md."""
    from cmgr.jobs.customer_edit import edit_customer, history_text

    db = common.state().db()
    grade_value, grade_label = _grade(grade) if grade else (None, None)
    changes = {"customer_name": name, "phone": phone, "address": address, "route": route,
               "grade": grade_value, "grade_label": grade_label, "license_no": license_no,
               "license_expiry": license_expiry.isoformat() if license_expiry else None,
               "visit_weekdays": _visit_weekdays(visit_day) if visit_day else None,
               "manager": manager, "settlement": settlement, "business_type": business_type,
               "lon": lon, "lat": lat}
    if all(v is None for v in changes.values()):
        raise UsageError("nothing to change", hint="e.g. cmgr customer edit CODE --phone 138...")
    customer, diff = edit_customer(db, code.strip(), changes, on_date=day or date.today(), by=by,
                                   reason=reason)
    changed = {k: {"from": a, "to": b} for k, (a, b) in diff.items()}
    text = history_text({"details": json.dumps(changed, ensure_ascii=False, default=str)})
    common.info(f"{code} {customer.get('customer_name') or ''}: {text}")
    if fmt == "json":
        common.print_json({"customer": customer, "changes": changed})


BARS = " ▏▎▍▌▋▊▉█"


def bar(value: float, top: float, width: int = 30) -> str:
    """A horizontal bar of `width` cells at most, in eighths of a cell."""
    if top <= 0 or value <= 0:
        return ""
    eighths = round(value / top * width * 8)
    full, rest = divmod(eighths, 8)
    return "█" * full + (BARS[rest] if rest else "")


@app.command("show")
def show_command(
    code: Annotated[str, typer.Argument(help="客户编码, or part of the name.")],
    months: Annotated[int, typer.Option(min=1, max=60, help="Months of order trend.")] = 13,
    fmt: options.TableJsonOpt = "table",
) -> None:
    """The customer card: profile, grade band and visit interval, last visits, the order trend,
    open complaints and flags."""
    from cmgr.domain import band_for
    from cmgr.store.customers import customer_card

    st = common.state()
    cfg = st.config()
    db = st.db()
    customer = prompting.choose_customer(db, code, option="CODE")
    card = customer_card(db, customer["customer_code"], months=months)
    c = card["customer"]
    band = band_for(c.get("grade"), cfg.policy)
    card["band"] = (None if band is None else
                    {"level": band.level, "name": band.name, "interval_days": band.interval_days})
    if fmt == "json":
        common.print_json(card)
        return
    _print_card(card)


def _print_card(card: dict) -> None:
    from rich.markup import escape
    from rich.table import Table

    from cmgr.core.complaint_flow import STATUS_LABELS, qty_text
    from cmgr.domain import NORMAL, WEEKDAY_NAMES

    con = common.out_console
    c = card["customer"]
    status = c.get("status") or NORMAL
    con.print(f"[bold]{escape(c['customer_code'])} {escape(c.get('customer_name') or '')}[/bold]  "
              f"{escape(status)}" + (f" ({c['left_on']})" if c.get("left_on") else ""))
    band = card.get("band")
    if band:
        interval = band["interval_days"]
        freq = (f"每周 {7 / interval:g} 次" if interval < 7 else f"每 {interval:g} 天一次")
        band_text = f"{band['name']} (等级 {band['level']})，访问 {freq}"
    else:
        band_text = "档位不在分级管理规定范围内" if c.get("grade") is not None else "档位未知"
    profile = [
        ("档位", f"{c.get('grade') if c.get('grade') is not None else (c.get('grade_label') or '—')}  {band_text}"),
        ("许可证", f"{c.get('license_no') or '—'}" + (f"  有效期至 {c['license_expiry']}"
                                                       if c.get("license_expiry") else "")),
        ("地址", c.get("address") or "—"), ("电话", c.get("phone") or "—"),
        ("客户经理", c.get("manager") or "—"), ("线路", c.get("route") or "—"),
        ("访销日", "、".join(WEEKDAY_NAMES[int(d) - 1] for d in c["visit_weekdays"])
         if c.get("visit_weekdays") else "—"),
        ("业态", c.get("business_type") or "—"), ("结算方式", c.get("settlement") or "—"),
        ("入网日期", c.get("joined_on") or "—"),
    ]
    for label, value in profile:
        con.print(f"  {label:<6}\t{escape(str(value))}")
    from cmgr.jobs.customer_edit import history_text

    for e in card["events"]:
        what = {"join": "入网", "leave": "退网", "edit": "修改"}.get(e["event"], e["event"])
        change = f"  {escape(history_text(e))}" if e["event"] == "edit" else ""
        con.print(f"  {what} {e['on_date']}{change}"
                  + (f"  {escape(e['reason'])}" if e.get("reason") else ""))

    from cmgr.jobs.flag_decisions import DECISION_LABELS

    for d in card.get("decisions", []):
        # The area manager's decisions on this customer's flags; a downgrade (降级) above all.
        label = DECISION_LABELS.get(d["decision"], d["decision"])
        con.print(f"  [bold]{label}[/bold] {d['decided_on']}" if d["decision"] == "downgrade"
                  else f"  {label} {d['decided_on']}", end="")
        con.print(f"  决定人 {escape(d['decided_by'] or '—')}  (标记 {d['flag_id']})"
                  + (f"  {escape(d['remark'])}" if d.get("remark") else ""))

    orders = card["orders"]
    top = max((o["qty"] for o in orders), default=0)
    con.print(f"\n[bold]近 {len(orders)} 个月订货 (条)[/bold]")
    for o in orders:
        con.print(f"  {o['month']} {bar(o['qty'], top):<31}{o['qty']:>8,.0f}")

    con.print("\n[bold]最近访问[/bold]" + ("" if card["visits"] else "  无"))
    for v in card["visits"]:
        text = " ".join((v.get("notes") or v.get("situation") or "").split())
        text = text if len(text) <= 26 else text[:25] + "…"  # CJK: two columns each
        con.print(f"  {v['visit_date']} {v.get('visit_type') or ''}  {escape(text)}")

    if card["complaints"]:
        table = Table(title="未结质量投诉")
        for col in ("编号", "状态", "卷烟", "数量", "受理"):
            table.add_column(col)
        for k in card["complaints"]:
            table.add_row(k["id"], STATUS_LABELS[k["status"]], escape(k.get("sku_name") or ""),
                          qty_text(k["qty"]), k["created_at"][:10])
        con.print(table)
    else:
        con.print("\n[bold]未结质量投诉[/bold]  无")
    if not card["flags_known"]:
        con.print("[bold]未结违规标记[/bold]  (flags not set up in this database)")
    elif card["flags"]:
        con.print("[bold]未结违规标记[/bold]")
        for f in card["flags"]:
            kind = {"price": "价格", "unlicensed": "无证"}.get(f["kind"], f["kind"])
            con.print(f"  {f.get('visit_date') or ''} {kind} {escape(f.get('note') or '')[:60]}")
    else:
        con.print("[bold]未结违规标记[/bold]  无")
