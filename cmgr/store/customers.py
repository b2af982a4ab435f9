"""Customers as the manager keeps them in cmgr: finding one, 入网 / 退网, the card's figures,
and visits recorded in cmgr (source 'cmgr', beside imported ones, so plan-week and flag see them).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date

from cmgr.core.months import month_add, months_between
from cmgr.domain import (
    LEFT,
    NORMAL,
    OPEN_FLAG_STATUSES,
    VISIT_TYPE_NAMES,
    is_active,
    normalize_name,
)
from cmgr.errors import NotFound, UsageError
from cmgr.i18n import tr
from cmgr.store.db import Database, now_iso, sql_in


def left_in_cmgr(db: Database) -> dict[str, str]:
    """Customers recorded as left (cmgr customer leave): code -> left_on."""
    return {r[0]: r[1] for r in db.query(
        "SELECT customer_code, left_on FROM customers WHERE status = ? AND left_on IS NOT NULL",
        (LEFT,))}


def managers(db: Database) -> list[str]:
    """Every manager named in the roster, sorted."""
    return [r[0] for r in db.query(
        "SELECT DISTINCT manager FROM customers WHERE manager IS NOT NULL "
        "AND trim(manager) <> '' ORDER BY manager")]


def get_customer(db: Database, code: str) -> dict | None:
    row = db.execute("SELECT * FROM customers WHERE customer_code = ?", (code,)).fetchone()
    return dict(row) if row else None


def require_customer(db: Database, code: str) -> dict:
    found = get_customer(db, code)
    if found is None:
        raise NotFound(tr("找不到客户编码为「{code}」的客户", code=code),
                       hint=tr("请导入客户名册（`cmgr import customers 文件`）或核对客户编码；"
                               "在 `complaint new` / `visit log` 中也可以用名称的一部分找客户"))
    return found


def find_customers(db: Database, text: str, *, limit: int = 50) -> list[dict]:
    """Customers matching `text`: the exact code; else codes and names containing it (full-width
    forms and spaces ignored). Active customers first, then by name."""
    text = (text or "").strip()
    if not text:
        return []
    exact = get_customer(db, text)
    if exact:
        return [exact]
    cols = "customer_code, customer_name, address, grade, grade_label, manager, route, status"
    like = f"%{text}%"
    rows = [dict(r) for r in db.query(
        f"SELECT {cols} FROM customers WHERE customer_name LIKE ? OR customer_code LIKE ? "
        "ORDER BY customer_code LIMIT ?", (like, like, limit + 1))]
    if not rows:
        # Full-width letters, brackets or spaces in the roster or in what was typed.
        wanted = normalize_name(text)
        rows = [dict(r) for r in db.query(f"SELECT {cols} FROM customers ORDER BY customer_code")
                if wanted in normalize_name(r["customer_name"]) or wanted in normalize_name(r["customer_code"])]
    rows.sort(key=lambda r: (not is_active(r.get("status")), r["customer_name"] or "",
                             r["customer_code"]))
    return rows[: limit + 1]


# --- 入网 / 退网 -----------------------------------------------------------------------------

PROFILE_FIELDS = ("customer_name", "license_no", "license_expiry", "address", "phone", "grade",
                  "grade_label", "manager", "route", "visit_weekdays", "lon", "lat", "settlement",
                  "business_type")


def join_customer(db: Database, code: str, fields: dict, *, on_date: date, by: str | None = None,
                  reason: str | None = None) -> dict:
    """入网: a new customer, or one who had left joining again (history kept, left_on cleared)."""
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not customer fields: {sorted(unknown)}")
    with db.transaction():
        existing = get_customer(db, code)
        if existing and existing.get("status") != LEFT:
            raise UsageError(tr("客户 {code}（{name}）已在网（状态：{status}）", code=code,
                                name=existing.get("customer_name"),
                                status=existing.get("status") or NORMAL),
                             hint=tr("`cmgr customer show 客户编码` 会显示客户卡片；已退网的客户可以重新入网"))
        values = {k: v for k, v in fields.items() if v is not None}
        now = now_iso()
        if existing:
            sets = ", ".join(f"{k} = ?" for k in values)
            db.execute(f"UPDATE customers SET {sets + ', ' if sets else ''}joined_on = ?, left_on = NULL, "
                       "status = ?, updated_at = ? WHERE customer_code = ?",
                       (*values.values(), on_date.isoformat(), NORMAL, now, code))
        else:
            cols = ["customer_code", *values, "joined_on", "status", "updated_at"]
            db.execute(f"INSERT INTO customers ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
                       (code, *values.values(), on_date.isoformat(), NORMAL, now))
        _event(db, code, "join", on_date, reason, by, values)
    return require_customer(db, code)


def leave_customer(db: Database, code: str, *, on_date: date, reason: str,
                   by: str | None = None) -> dict:
    """退网: status 已退网 and left_on; orders, visits and complaints stay."""
    if not (reason or "").strip():
        raise UsageError(tr("退网需要原因：请用 `--reason 原因` 给出"))
    with db.transaction():
        customer = require_customer(db, code)
        if customer.get("status") == LEFT:
            raise UsageError(tr("客户 {code} 已于 {day} 退网", code=code, day=customer.get("left_on")))
        joined = customer.get("joined_on")
        if joined and on_date.isoformat() < joined:
            raise UsageError(tr("`--date` {day} 早于该客户的入网日期（{joined}）", day=on_date,
                                joined=joined))
        db.execute("UPDATE customers SET status = ?, left_on = ?, updated_at = ? WHERE customer_code = ?",
                   (LEFT, on_date.isoformat(), now_iso(), code))
        _event(db, code, "leave", on_date, reason, by, {"previous_status": customer.get("status")})
    return require_customer(db, code)


def _event(db: Database, code: str, event: str, on_date: date, reason: str | None,
           by: str | None, details: dict) -> None:
    db.execute("INSERT INTO customer_events (customer_code, event, on_date, reason, by, at, details, "
               "recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
               (code, event, on_date.isoformat(), reason, by, now_iso(),
                json.dumps(details, ensure_ascii=False, default=str), db.writer))


def record_edit(db: Database, code: str, values: dict, overrides: dict[str, tuple[str | None, str | None]],
                on_date: date, reason: str | None, by: str | None, details: dict) -> None:
    """`customer edit`: the new values, an override per field (field -> (value set, roster value
    it replaced), both as text) and one 'edit' event. Inside the caller's transaction."""
    db.execute(f"UPDATE customers SET {', '.join(k + ' = ?' for k in values)}, updated_at = ? "
               "WHERE customer_code = ?", (*values.values(), now_iso(), code))
    for field, (value, replaced) in overrides.items():
        db.execute("INSERT INTO customer_overrides (customer_code, field, value, roster_value, "
                   "set_on, set_by) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (customer_code, field) "
                   "DO UPDATE SET value = excluded.value, set_on = excluded.set_on, "
                   "set_by = excluded.set_by",
                   (code, field, value, replaced, on_date.isoformat(), db.writer))
    _event(db, code, "edit", on_date, reason, by, details)


def read_overrides(db: Database) -> dict[tuple[str, str], tuple[str | None, str | None, str]]:
    """(code, field) -> (value set in cmgr, roster value it replaced, date) of `customer edit`."""
    if not db.has_table("customer_overrides"):
        return {}
    return {(r[0], r[1]): (r[2], r[3], r[4]) for r in db.query(
        "SELECT customer_code, field, value, roster_value, set_on FROM customer_overrides")}


def settle_overrides(db: Database, keys) -> None:
    """A roster caught up with (or overrode) these (code, field) changes: the roster rules again."""
    db.executemany("DELETE FROM customer_overrides WHERE customer_code = ? AND field = ?",
                   sorted(set(keys)))


def customer_codes(db: Database) -> set[str]:
    return {r[0] for r in db.query("SELECT customer_code FROM customers")}


def customer_events(db: Database, code: str) -> list[dict]:
    return [dict(r) for r in db.query(
        "SELECT event, on_date, reason, by, at, details FROM customer_events WHERE customer_code = ? "
        "ORDER BY on_date, id", (code,))]


# --- the card's figures ----------------------------------------------------------------------

def last_visits(db: Database, code: str, limit: int = 5) -> list[dict]:
    return [dict(r) for r in db.query(
        "SELECT visit_date, visit_type, notes, situation, action, checked_sku, observed_price, "
        "source FROM visits WHERE customer_code = ? ORDER BY visit_date DESC, id DESC LIMIT ?",
        (code, limit))]


def monthly_orders(db: Database, code: str, first_month: str, last_month: str) -> dict[str, dict]:
    """'YYYY-MM' -> {qty (条), amount (元)} for the months that had orders."""
    rows = db.query(
        "SELECT substr(order_date, 1, 7) AS month, sum(qty) AS qty, sum(amount) AS amount "
        "FROM order_lines WHERE customer_code = ? AND order_date >= ? AND order_date < ? "
        "GROUP BY substr(order_date, 1, 7)",
        (code, f"{first_month}-01", month_add(last_month, 1) + "-01"))
    return {r["month"]: {"qty": r["qty"] or 0.0, "amount": r["amount"]} for r in rows}


def last_order_date(db: Database) -> str | None:
    """The newest order date in the database (ISO text), from the order_date index."""
    from cmgr.store.db import date_horizon

    return db.scalar("SELECT max(order_date) FROM order_lines WHERE order_date < ?",
                     (date_horizon(),))


def open_flags(db: Database, code: str) -> list[dict]:
    """The customer's open price / licence flags, when the flags table exists (migration 002)."""
    if not db.has_table("flags"):
        return []
    return [dict(r) for r in db.query(
        "SELECT id, kind, subkind, visit_date, note, observed_price, reference_price, status "
        f"FROM flags WHERE customer_code = ? AND {sql_in('status', OPEN_FLAG_STATUSES)} "
        "ORDER BY visit_date DESC, id DESC", (code,))]


# --- visits recorded in cmgr -----------------------------------------------------------------

@dataclass(frozen=True)
class VisitRecord:
    visit_date: date
    customer_code: str
    visit_type: str  # 常规访问 | 特殊访问
    notes: str | None = None
    checked_sku: str | None = None
    observed_price: float | None = None
    observed_price_text: str | None = None
    situation: str | None = None
    action: str | None = None
    manager: str | None = None


def add_visit(db: Database, visit: VisitRecord) -> dict:
    """Store a visit made in cmgr. Its key 'cmgr:<uuid>' never collides with an imported
    visit's; visit_id is the short form shown to the user."""
    if visit.visit_type not in VISIT_TYPE_NAMES:
        raise UsageError(tr("访问类型应为以下之一：{types}；得到的是「{got}」",
                            types="、".join(VISIT_TYPE_NAMES), got=visit.visit_type))
    with db.transaction():
        customer = require_customer(db, visit.customer_code)
        key = f"cmgr:{uuid.uuid4().hex}"
        day = visit.visit_date.isoformat()
        # One writer at a time numbers a day's visits (PostgreSQL: until this transaction
        # ends), so two managers logging at once get two numbers, not the same one twice.
        db.lock(f"visit-id:{day}")
        seq = next_visit_number(db, day)
        visit_id = f"FW-{visit.visit_date:%Y%m%d}-{seq:03d}"
        db.execute(
            "INSERT INTO visits (visit_key, visit_id, visit_date, customer_code, customer_name, "
            "manager, visit_type, notes, checked_sku, observed_price, observed_price_text, "
            "situation, action, source, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'cmgr', ?)",
            (key, visit_id, day, visit.customer_code, customer.get("customer_name"),
             visit.manager or customer.get("manager"), visit.visit_type, visit.notes,
             visit.checked_sku, visit.observed_price, visit.observed_price_text, visit.situation,
             visit.action, now_iso()))
    return get_visit(db, key)


def next_visit_number(db: Database, day: str) -> int:
    """The next FW-YYYYMMDD-NNN number of the day: one past the highest used (a count would
    give a used number again after a visit of the day was deleted)."""
    prefix = f"FW-{day.replace('-', '')}-"
    used = [r[0] for r in db.query("SELECT visit_id FROM visits WHERE source = 'cmgr' "
                                   "AND visit_date = ? AND visit_id LIKE ?", (day, prefix + "%"))]
    numbers = [int(v[len(prefix):]) for v in used if v[len(prefix):].isdigit()]
    return max(numbers, default=0) + 1


def get_visit(db: Database, key_or_id: str) -> dict:
    row = db.execute("SELECT * FROM visits WHERE visit_key = ? OR (source = 'cmgr' AND visit_id = ?) "
                     "ORDER BY id DESC LIMIT 1", (key_or_id, key_or_id)).fetchone()
    if row is None:
        raise NotFound(f"no visit {key_or_id!r}")
    return dict(row)


def customer_card(db: Database, code: str, *, months: int = 13, last_month: str | None = None,
                  visits: int = 5) -> dict:
    """Everything `customer show` prints: profile, 入网/退网 history, last visits, the monthly
    order trend (every month, zeros included), open complaints and open flags."""
    from cmgr.store.complaints import ComplaintFilter, list_complaints
    from cmgr.store.flag_decisions import customer_decisions

    customer = require_customer(db, code)
    last_month = last_month or (last_order_date(db) or date.today().isoformat())[:7]
    month_list = months_between(month_add(last_month, 1 - months), last_month)
    by_month = monthly_orders(db, code, month_list[0], month_list[-1])
    return {
        "customer": customer,
        "events": customer_events(db, code),
        "visits": last_visits(db, code, visits),
        "orders": [{"month": m, "qty": by_month.get(m, {}).get("qty", 0.0),
                    "amount": by_month.get(m, {}).get("amount")} for m in month_list],
        "complaints": list_complaints(db, ComplaintFilter(open_only=True, customer_codes=(code,))),
        "flags": open_flags(db, code),
        "decisions": customer_decisions(db, code),
        "flags_known": db.has_table("flags"),
    }
