"""`cmgr customer join | leave | show`: 入网 and 退网 (duty 4.3, docs/domain.md), and the customer card."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

import typer

from cmgr.cli import common, options, prompting
from cmgr.errors import UsageError
from cmgr.i18n import tr

app = common.new_app(tr("客户：入网（join）、退网（leave）、信息维护（edit）和客户卡片（show）。"))


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="customer")


def _visit_weekdays(text: str | None) -> str | None:
    from cmgr.sources.cells import EXPECTED_WEEKDAYS, CellError, parse_weekdays

    try:
        return parse_weekdays(text)
    except CellError:
        raise UsageError(tr("`--visit-day` {text}：应为 {expected}", text=repr(text),
                            expected=EXPECTED_WEEKDAYS)) from None


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
        raise UsageError(tr("`--grade` {text}：应为档位，如 12、12档，或代码，如 A3",
                            text=repr(text))) from None


# The options join and edit share, each spelled once.
NameOpt = Annotated[str | None, typer.Option(metavar=tr("名称"), help=tr("客户名称。"))]
GradeOpt = Annotated[str | None, typer.Option(metavar=tr("档位"), help=tr("档位，例如 12 或 A3。"))]
RouteOpt = Annotated[str | None, typer.Option(metavar=tr("线路"), help=tr("线路。"))]
ManagerOpt = Annotated[str | None, typer.Option(
    "--manager", "-m", metavar=tr("姓名"), help=tr("客户经理（按客户名册中的姓名）。"))]
AddressOpt = Annotated[str | None, typer.Option(metavar=tr("地址"), help=tr("经营地址。"))]
PhoneOpt = Annotated[str | None, typer.Option(metavar=tr("电话"), help=tr("联系电话。"))]
SettlementOpt = Annotated[str | None, typer.Option(
    metavar=tr("结算方式"), help=tr("结算方式：电子结算或现金。"))]
BusinessTypeOpt = Annotated[str | None, typer.Option(
    "--business-type", metavar=tr("业态"), help=tr("业态。"))]
LonOpt = Annotated[float | None, typer.Option(metavar=tr("经度"), help=tr("经度。"))]
LatOpt = Annotated[float | None, typer.Option(metavar=tr("纬度"), help=tr("纬度。"))]
ByOpt = Annotated[str | None, typer.Option(metavar=tr("姓名"), help=tr("记录人。"))]
CodeArg = Annotated[str, typer.Argument(metavar=tr("客户编码"), help=tr("客户编码。"))]


@app.command("join", help=tr("入网：把客户加入网络（或让退网的客户重新入网；历史记录保留）。"))
def join_command(
    code: CodeArg,
    name: NameOpt = None,
    grade: GradeOpt = None,
    route: RouteOpt = None,
    visit_day: Annotated[str | None, typer.Option(
        "--visit-day", metavar=tr("星期"),
        help=tr("访销日：访问的星期几，例如 周二 或 周二、周五。"))] = None,
    manager: ManagerOpt = None,
    day: Annotated[date | None, options.date_option(
        "--date", help=tr("入网日期（{forms}；默认今天）。", forms=options.DATE_FORMS))] = None,
    license_no: Annotated[str | None, typer.Option(
        "--license", metavar=tr("许可证号"), help=tr("许可证号。"))] = None,
    license_expiry: Annotated[date | None, options.date_option(
        "--license-expiry", help=tr("许可证有效期。"))] = None,
    address: AddressOpt = None,
    phone: PhoneOpt = None,
    settlement: SettlementOpt = None,
    business_type: BusinessTypeOpt = None,
    lon: LonOpt = None,
    lat: LatOpt = None,
    by: ByOpt = None,
    reason: Annotated[str | None, typer.Option(
        metavar=tr("备注"), help=tr("备注（申请编号等）。"))] = None,
    fmt: options.TableJsonOpt = "table",
) -> None:
    from cmgr.jobs.customer_edit import join_customer
    from cmgr.store.customers import get_customer

    db = common.state().db()
    code = code.strip()
    if not code:
        raise UsageError(tr("客户编码为空"))
    existing = get_customer(db, code)
    if name is None and existing is None:
        name = prompting.ask(tr("客户名称"), "--name")
    grade_value, grade_label = _grade(grade)
    fields = {"customer_name": name, "grade": grade_value, "grade_label": grade_label,
              "route": route, "manager": manager, "license_no": license_no,
              "license_expiry": license_expiry.isoformat() if license_expiry else None,
              "address": address, "phone": phone, "settlement": settlement,
              "business_type": business_type, "lon": lon, "lat": lat,
              "visit_weekdays": _visit_weekdays(visit_day)}
    customer = join_customer(db, common.state().config(), code, fields,
                             on_date=day or date.today(), by=by, reason=reason)
    common.info(tr("{code} {name} 已于 {date} 入网", code=code,
                   name=customer.get("customer_name") or "", date=customer["joined_on"]))
    if fmt == "json":
        common.print_json(customer)


@app.command("leave", help=tr("退网：客户退出网络，状态改为已退网并记下日期；订单、访问和投诉保留，"
                               "该客户不再进入访问计划。"))
def leave_command(
    code: CodeArg,
    day: Annotated[date | None, options.date_option(
        "--date", help=tr("退网日期（{forms}；默认今天）。", forms=options.DATE_FORMS))] = None,
    reason: Annotated[str | None, typer.Option(metavar=tr("原因"), help=tr("退网原因。"))] = None,
    by: ByOpt = None,
    fmt: options.TableJsonOpt = "table",
) -> None:
    from cmgr.jobs.customer_edit import leave_customer

    db = common.state().db()
    if not (reason or "").strip():
        reason = prompting.ask(tr("退网原因"), "--reason")
    customer = leave_customer(db, common.state().config(), code.strip(),
                              on_date=day or date.today(), reason=reason, by=by)
    common.info(tr("{code} {name} 已于 {date} 退网", code=code,
                   name=customer.get("customer_name") or "", date=customer["left_on"]))
    if fmt == "json":
        common.print_json(customer)


@app.command("edit", help=tr(
    "客户信息维护（岗位职责 4.5）：修改客户卡片的字段；每次修改连同日期记入客户的历史。"
    "之后导入的客户名册若仍是旧值，保留你的修改（并提示）；见 docs/complaints.md。"))
def edit_command(
    code: CodeArg,
    name: NameOpt = None,
    phone: PhoneOpt = None,
    address: AddressOpt = None,
    route: RouteOpt = None,
    grade: GradeOpt = None,
    license_no: Annotated[str | None, typer.Option(
        "--licence", "--license", metavar=tr("许可证号"), help=tr("许可证号。"))] = None,
    license_expiry: Annotated[date | None, options.date_option(
        "--licence-expiry", "--license-expiry", help=tr("许可证有效期。"))] = None,
    visit_day: Annotated[str | None, typer.Option(
        "--visit-day", metavar=tr("星期"), help=tr("访销日，例如 周二 或 周二、周五。"))] = None,
    manager: ManagerOpt = None,
    settlement: SettlementOpt = None,
    business_type: BusinessTypeOpt = None,
    lon: LonOpt = None,
    lat: LatOpt = None,
    day: Annotated[date | None, options.date_option(
        "--date", help=tr("修改生效的日期（{forms}；默认今天）。", forms=options.DATE_FORMS))] = None,
    by: ByOpt = None,
    reason: Annotated[str | None, typer.Option(
        metavar=tr("原因"), help=tr("修改原因（信息维护、客户申请……）。"))] = None,
    fmt: options.TableJsonOpt = "table",
) -> None:
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
        raise UsageError(tr("没有要修改的内容"),
                         hint=tr("例如 `cmgr customer edit 客户编码 --phone 138...`"))
    customer, diff = edit_customer(db, code.strip(), changes, on_date=day or date.today(), by=by,
                                   reason=reason, cfg=common.state().config())
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


@app.command("show", help=tr("客户卡片：基本信息、档位等级和访问间隔、最近访问、订货趋势、"
                              "未结的投诉和违规标记。"))
def show_command(
    code: Annotated[str, typer.Argument(metavar=tr("客户"),
                                        help=tr("客户编码，或名称的一部分。"))],
    months: Annotated[int, typer.Option(min=1, max=60, metavar=tr("月数"),
                                        help=tr("订货趋势的月数。"))] = 13,
    fmt: options.TableJsonOpt = "table",
) -> None:
    from cmgr.domain import band_for
    from cmgr.store.customers import customer_card

    st = common.state()
    cfg = st.config()
    db = st.db()
    customer = prompting.choose_customer(db, code, option=tr("客户"))
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
        freq = (tr("每周 {n} 次", n=f"{7 / interval:g}") if interval < 7
                else tr("每 {n} 天一次", n=f"{interval:g}"))
        band_text = tr("{name}（等级 {level}），访问 {freq}", name=band["name"], level=band["level"],
                       freq=freq)
    else:
        band_text = tr("档位不在分级管理规定范围内") if c.get("grade") is not None else tr("档位未知")
    grade = c.get("grade") if c.get("grade") is not None else (c.get("grade_label") or "—")
    licence = c.get("license_no") or "—"
    if c.get("license_expiry"):
        licence = tr("{licence}  有效期至 {date}", licence=licence, date=c["license_expiry"])
    profile = [
        (tr("档位"), f"{grade}  {band_text}"), (tr("许可证"), licence),
        (tr("地址"), c.get("address") or "—"), (tr("电话"), c.get("phone") or "—"),
        (tr("客户经理"), c.get("manager") or "—"), (tr("线路"), c.get("route") or "—"),
        (tr("访销日"), "、".join(WEEKDAY_NAMES[int(d) - 1] for d in c["visit_weekdays"])
         if c.get("visit_weekdays") else "—"),
        (tr("业态"), c.get("business_type") or "—"), (tr("结算方式"), c.get("settlement") or "—"),
        (tr("入网日期"), c.get("joined_on") or "—"),
    ]
    from cmgr.cli.help_format import display_width

    for label, value in profile:  # labels padded by display width (CJK: two columns)
        con.print(f"  {label}{' ' * max(10 - display_width(label), 1)}{escape(str(value))}")
    from cmgr.jobs.customer_edit import history_text

    for e in card["events"]:
        what = {"join": tr("入网"), "leave": tr("退网"), "edit": tr("修改")}.get(e["event"], e["event"])
        change = f"  {escape(history_text(e))}" if e["event"] == "edit" else ""
        con.print(f"  {what} {e['on_date']}{change}"
                  + (f"  {escape(e['reason'])}" if e.get("reason") else ""))

    from cmgr.jobs.flag_decisions import DECISION_LABELS

    for d in card.get("decisions", []):
        # The area manager's decisions on this customer's flags; a downgrade (降级) above all.
        label = DECISION_LABELS.get(d["decision"], d["decision"])
        con.print(f"  [bold]{label}[/bold] {d['decided_on']}" if d["decision"] == "downgrade"
                  else f"  {label} {d['decided_on']}", end="")
        con.print("  " + escape(tr("决定人 {name}（标记 {id}）", name=d["decided_by"] or "—",
                                    id=d["flag_id"]))
                  + (f"  {escape(d['remark'])}" if d.get("remark") else ""))

    orders = card["orders"]
    top = max((o["qty"] for o in orders), default=0)
    con.print("\n[bold]" + escape(tr("近 {n} 个月订货（条）", n=len(orders))) + "[/bold]")
    for o in orders:
        con.print(f"  {o['month']} {bar(o['qty'], top):<31}{o['qty']:>8,.0f}")

    con.print("\n[bold]" + escape(tr("最近访问")) + "[/bold]"
              + ("" if card["visits"] else "  " + escape(tr("无"))))
    for v in card["visits"]:
        text = " ".join((v.get("notes") or v.get("situation") or "").split())
        text = text if len(text) <= 26 else text[:25] + "…"  # CJK: two columns each
        con.print(f"  {v['visit_date']} {v.get('visit_type') or ''}  {escape(text)}")

    if card["complaints"]:
        table = Table(title=tr("未结质量投诉"))
        for col in (tr("编号"), tr("状态"), tr("卷烟"), tr("数量"), tr("受理")):
            table.add_column(col)
        for k in card["complaints"]:
            table.add_row(k["id"], STATUS_LABELS[k["status"]], escape(k.get("sku_name") or ""),
                          qty_text(k["qty"]), k["created_at"][:10])
        con.print(table)
    else:
        con.print("\n[bold]" + escape(tr("未结质量投诉")) + "[/bold]  " + escape(tr("无")))
    flags_title = "[bold]" + escape(tr("未结违规标记")) + "[/bold]"
    if not card["flags_known"]:
        con.print(flags_title + "  " + escape(tr("（这个数据库还没有违规标记）")))
    elif card["flags"]:
        con.print(flags_title)
        for f in card["flags"]:
            kind = {"price": tr("价格"), "unlicensed": tr("无证")}.get(f["kind"], f["kind"])
            con.print(f"  {f.get('visit_date') or ''} {kind} {escape(f.get('note') or '')[:60]}")
    else:
        con.print(flags_title + "  " + escape(tr("无")))
