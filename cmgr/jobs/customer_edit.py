"""Customer upkeep (seed 4.5): `cmgr customer edit`, each change kept in the customer's history,
and the rule between a manual change and a later roster import.

The rule (docs/complaints.md, "Customer upkeep"): a field changed in cmgr overrides the roster
value it replaced, because the company's export lags behind the shop. A later roster that still
carries the replaced value keeps cmgr's and says so, row by row; a roster that carries cmgr's
value settles the override (from then on the roster is followed again); a roster with a third
value wins (the company changed it since) and says so. 退网 set by `customer leave` follows the
same idea and is never undone by a roster (ingest._keep_recorded_leaving).
"""

from __future__ import annotations

import json
import math
from datetime import date

from cmgr.errors import UsageError
from cmgr.i18n import tr
from cmgr.store.db import Database

EDITABLE = ("customer_name", "phone", "address", "route", "grade", "grade_label", "license_no",
            "license_expiry", "visit_weekdays", "manager", "settlement", "business_type", "lon",
            "lat")
FIELD_CN = {"customer_name": "客户名称", "phone": "联系电话", "address": "经营地址", "route": "线路",
            "grade": "档位", "grade_label": "档位", "license_no": "许可证号",
            "license_expiry": "许可证有效期", "visit_weekdays": "访销日", "manager": "客户经理",
            "settlement": "结算方式", "business_type": "业态", "lon": "经度", "lat": "纬度"}


def _text(value) -> str | None:
    """A value as compared and kept: None for empty, whole floats without '.0', dates ISO."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    text = str(value).strip()
    return text or None


def edit_customer(db: Database, code: str, changes: dict, *, on_date: date, by: str | None,
                  reason: str | None = None, cfg=None) -> tuple[dict, dict]:
    """Apply the changes that differ from the card; one 'edit' event holds them all (from, to).
    Returns (the customer after, {field: (from, to)}). With `cfg`, the rules of docs/area.md
    (a manager edits only their own customers)."""
    from cmgr.store.customers import record_edit, require_customer

    if cfg is not None:
        from cmgr.jobs.area import check_customer_upkeep

        require_customer(db, code)  # an unknown customer is NotFound, not a rule
        check_customer_upkeep(db, cfg, code, changes.get("manager"))

    bad = set(changes) - set(EDITABLE)
    if bad:
        raise UsageError(tr("不能修改：{fields}", fields=", ".join(sorted(bad))))
    with db.transaction():
        before = require_customer(db, code)
        diff = {k: (before.get(k), v) for k, v in changes.items()
                if v is not None and _text(before.get(k)) != _text(v)}
        if not diff:
            raise UsageError(tr("客户 {code}：没有任何变化（客户卡片上已经是这些值）", code=code))
        record_edit(db, code, {k: new for k, (_, new) in diff.items()},
                    {k: (_text(new), _text(old)) for k, (old, new) in diff.items()}, on_date,
                    reason, by, {k: {"from": old, "to": new} for k, (old, new) in diff.items()})
    return require_customer(db, code), diff


def join_customer(db: Database, cfg, code: str, fields: dict, *, on_date: date,
                  by: str | None = None, reason: str | None = None) -> dict:
    """`customer join`, after the rules of docs/area.md (for the manager themselves)."""
    from cmgr.jobs.area import check_customer_upkeep
    from cmgr.store.customers import join_customer as store_join

    check_customer_upkeep(db, cfg, code, fields.get("manager"))
    return store_join(db, code, fields, on_date=on_date, by=by, reason=reason)


def leave_customer(db: Database, cfg, code: str, *, on_date: date, reason: str,
                   by: str | None = None) -> dict:
    """`customer leave`, after the rules of docs/area.md (the manager's own customer)."""
    from cmgr.jobs.area import check_customer_upkeep
    from cmgr.store.customers import leave_customer as store_leave
    from cmgr.store.customers import require_customer

    require_customer(db, code)
    check_customer_upkeep(db, cfg, code)
    return store_leave(db, code, on_date=on_date, reason=reason, by=by)


# --- the roster import ---------------------------------------------------------------------------

def keep_manual_edits(overrides: dict, records, parsed) -> tuple[list, list[tuple[str, str]]]:
    """Apply the rule to one part of a roster import (a DataFrame, changed in place): returns
    the per-row issues and the (code, field) overrides settled by this roster."""
    from cmgr.sources.importer import Issue

    issues, settled = [], []
    if not overrides:
        return issues, settled
    fields = {f for _, f in overrides} & set(records.columns)
    codes = {c for c, _ in overrides}
    hit = records.index[records["customer_code"].isin(list(codes))]
    for i in hit:
        code = records.at[i, "customer_code"]
        for field in fields:
            key = (code, field)
            if key not in overrides:
                continue
            value, stale, set_on = overrides[key]
            roster = _text(records.at[i, field])
            if roster == value:
                settled.append(key)
                continue
            label = FIELD_CN.get(field, field)
            row = int(records.at[i, "_row"])
            if roster == stale:
                issues.append(Issue(
                    parsed.file, parsed.sheet, row, field, records.at[i, field],
                    tr("客户 {code}：{label} 已于 {day} 改为「{value}」（`cmgr customer edit`）；"
                       "客户名册仍是旧值：保留「{value}」", code=code, label=label, day=set_on,
                       value=value),
                    tr("按{label}「{value}」保存", label=label, value=value)))
                records.at[i, field] = _typed(records[field], value)
            else:
                issues.append(Issue(
                    parsed.file, parsed.sheet, row, field, records.at[i, field],
                    tr("客户 {code}：{label} 已于 {day} 改为「{value}」（`cmgr customer edit`）；"
                       "客户名册现在有更新的值「{roster}」：保存名册的值", code=code, label=label,
                       day=set_on, value=value, roster=roster),
                    tr("已保存（名册的值）")))
                settled.append(key)
    return issues, settled


def _typed(column, value: str | None):
    if value is None:
        return None
    if column.dtype.kind == "f":
        return float(value)
    if column.dtype.kind in "iu" or str(column.dtype) == "Int64":
        return int(value)
    return value


def history_text(event: dict) -> str:
    """One line of the card's history for an 'edit' event: 电话 A → B；线路 X → Y."""
    try:
        details = json.loads(event.get("details") or "{}")
    except ValueError:
        return ""
    parts = []
    for field, change in details.items():
        if field == "grade" and "grade_label" in details:
            continue
        parts.append(f"{FIELD_CN.get(field, field)} {change.get('from') or '（空）'} → {change.get('to')}")
    return "；".join(parts)
