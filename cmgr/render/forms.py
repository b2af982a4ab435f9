"""The manager's paper forms: 《商品及服务质量信息反馈单》, 《特殊访问记录》, 《宣传促销品签收单》.

Each form has one context builder (a plain dict of display strings, the contract both the
Jinja .html and the docxtpl .docx templates read; documented in docs/complaints.md) and one
render function writing .html or .docx atomically. What is not known yet is an empty string,
so a form re-rendered at any step prints blank boxes where signatures and later steps go.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from cmgr.core import complaint_flow as flow
from cmgr.domain import PROMO_ITEM_UNIT
from cmgr.render.templates import date_cn, render, render_docx
from cmgr.store.db import now_iso

BLANK_DATE = "　　年　　月　　日"
FORMATS = ("docx", "html")


def _date(at: str | None) -> str:
    return date_cn(at[:10]) if at else ""


def complaint_form_context(c: dict) -> dict[str, Any]:
    """`c` as returned by store.complaints.get_complaint()."""
    last: dict[str, dict] = {}
    for e in c.get("events", []):
        last[e["step"]] = e  # the latest of each step
    decided = "approve" if "approve" in last else "reject" if "reject" in last else None

    def step(name: str) -> dict[str, str]:
        e = last.get(name)
        if not e:
            return {"done": "", "by": "", "date": "", "date_or_blank": BLANK_DATE, "note": "",
                    "remark": "", "qty": ""}
        return {"done": "是", "by": e.get("by") or "", "date": _date(e.get("at")),
                "date_or_blank": _date(e.get("at")), "note": e.get("note") or "",
                "remark": e.get("remark") or "", "qty": flow.qty_text(e.get("qty"))}

    review = step(decided) if decided else step("approve")
    review["decision"] = {"approve": "同意调换", "reject": "不同意调换"}.get(decided or "", "")
    qty = flow.qty_text(c.get("qty"))
    if c.get("unit") == "包":  # as the customer counted it, and in 条 as stored
        qty = f"{c.get('qty_input') or qty}（折 {c['qty']:g} 条）"
    status = c["status"]
    nxt = flow.next_steps(status)
    return {
        "title": "商品及服务质量信息反馈单",
        "id": c["id"],
        "date": _date(c.get("created_at")),
        "status": status,
        "status_label": flow.STATUS_LABELS[status],
        "next_step": flow.STEP_LABELS[nxt[0]] if nxt else "",
        "customer": {
            "code": c.get("customer_code") or "",
            "name": c.get("customer_name") or "",
            "license_no": c.get("license_no") or "",
            "address": c.get("address") or "",
            "phone": c.get("phone") or "",
        },
        "manager": c.get("created_by") or c.get("manager") or "",
        "sku_name": c.get("sku_name") or "",
        "sku_code": c.get("sku_code") or "",
        # Written by hand on the printed form until the record keeps them.
        "batch": c.get("batch") or "",
        "purchased_on": _date(c.get("purchased_on")),
        "qty": qty,
        "problem": c.get("problem") or "",
        "found": c.get("found") or "",
        "inspect": step("inspect"),
        "sign": step("sign"),
        "submit": step("submit"),
        "review": review,
        "exchange": step("exchange"),
        "confirm": step("confirm"),
        "feedback": step("feedback"),
        "timeline": [{"step": flow.STEP_LABELS.get(e["step"], e["step"]), "by": e.get("by") or "",
                      "at": (e.get("at") or "").replace("T", " ")[:16],
                      "text": "；".join(t for t in (e.get("note"), e.get("remark")) if t)}
                     for e in c.get("events", [])],
        "generated_at": now_iso().replace("T", " "),
    }


def special_visit_context(visit: dict, customer: dict | None) -> dict[str, Any]:
    customer = customer or {}
    return {
        "title": "特殊访问记录",
        "visit_id": visit.get("visit_id") or "",
        "date": _date(visit.get("visit_date")),
        "manager": visit.get("manager") or "",
        "customer": {"code": visit.get("customer_code") or "",
                     "name": visit.get("customer_name") or customer.get("customer_name") or "",
                     "license_no": customer.get("license_no") or "",
                     "address": customer.get("address") or "",
                     "phone": customer.get("phone") or ""},
        "situation": visit.get("situation") or "",
        "action": visit.get("action") or "",
        "notes": visit.get("notes") or "",
        "generated_at": now_iso().replace("T", " "),
    }


def promo_receipt_context(campaign: dict, lines: list[dict], issued_on: date,
                          manager: str | None, unit: str = PROMO_ITEM_UNIT) -> dict[str, Any]:
    """`lines`: [{customer_code, customer_name, address, item, qty}] in list order; `unit`
    the 促销品's unit (份, 张, 个...), printed with each quantity and the total."""
    quantities = [r["qty"] for r in lines if r.get("qty") is not None]
    total = sum(quantities)
    return {
        "title": "宣传促销品签收单",
        "campaign": campaign.get("name") or "",
        "date": date_cn(issued_on),
        "manager": manager or "",
        "rows": [{"no": i, "code": r["customer_code"], "name": r.get("customer_name") or "",
                  "address": r.get("address") or "", "item": r.get("item") or "",
                  "qty": "" if r.get("qty") is None else f"{r['qty']:g} {unit}"}
                 for i, r in enumerate(lines, start=1)],
        "unit": unit,
        "total_qty": f"{total:g} {unit}" if quantities else "",
        "generated_at": now_iso().replace("T", " "),
    }


def render_form(template_stem: str, context: dict[str, Any], out: Path, fmt: str, *,
                user_dir: str | None = None) -> Path:
    """Write `template_stem`.html or .docx filled with `context` to `out`."""
    from cmgr.fileio import write_text

    if fmt == "html":
        return write_text(out, render(f"{template_stem}.html", context, user_dir=user_dir))
    if fmt == "docx":
        return render_docx(f"{template_stem}.docx", context, out, user_dir=user_dir)
    raise ValueError(fmt)
