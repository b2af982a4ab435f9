"""Queries for `plan-week` and `plan-review`: the territory, its history, and saved plans.

Complaints (migration 003) and flags (002) are read only when their tables exist, so the plan
works before and after those land.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from cmgr.domain import OPEN_FLAG_STATUSES
from cmgr.store.customers import last_order_date
from cmgr.store.db import Database, now_iso, sql_in

_CHUNK = 500  # customer codes per IN (...) list


def _d(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def customers_for_plan(db: Database, manager: str, before: date) -> list[dict]:
    """The manager's customers with their last visit (routine or special) before `before`."""
    rows = db.query(
        "SELECT c.customer_code, c.customer_name, c.address, c.phone, c.grade, c.grade_label, "
        "c.route, c.visit_weekdays, c.lon, c.lat, c.joined_on, c.status, "
        "(SELECT max(v.visit_date) FROM visits v WHERE v.customer_code = c.customer_code "
        " AND v.visit_date < ?) AS last_visit "
        "FROM customers c WHERE c.manager = ? ORDER BY c.customer_code",
        (before.isoformat(), manager))
    return [{
        "code": r["customer_code"], "name": r["customer_name"], "address": r["address"],
        "phone": r["phone"], "grade": r["grade"], "grade_label": r["grade_label"],
        "route": r["route"], "visit_weekdays": r["visit_weekdays"], "lon": r["lon"],
        "lat": r["lat"], "joined_on": _d(r["joined_on"]), "status": r["status"],
        "last_visit": _d(r["last_visit"]),
    } for r in rows]


def route_visit_days(db: Database, manager: str, since: date, before: date
                     ) -> list[tuple[str, date]]:
    """(route, visit date) of the routine visits to the manager's customers in [since, before),
    for learning each route's usual weekday."""
    rows = db.query(
        "SELECT c.route, v.visit_date FROM visits v JOIN customers c "
        "ON c.customer_code = v.customer_code "
        "WHERE c.manager = ? AND c.route IS NOT NULL AND v.visit_date >= ? AND v.visit_date < ? "
        "AND (v.visit_type IS NULL OR v.visit_type <> '特殊访问')",
        (manager, since.isoformat(), before.isoformat()))
    out = []
    for route, day in rows:
        d = _d(day)
        if d is not None:
            out.append((route, d))
    return out


def latest_order_date(db: Database) -> date | None:
    return _d(last_order_date(db))


def daily_orders(db: Database, manager: str, since: date, before: date
                 ) -> dict[str, list[tuple[date, float]]]:
    """Order quantity (条) per customer and day in [since, before), for 断订 and large drops."""
    rows = db.query(
        "SELECT o.customer_code, o.order_date, sum(o.qty) FROM order_lines o "
        "WHERE o.customer_code IN (SELECT customer_code FROM customers WHERE manager = ?) "
        "AND o.order_date >= ? AND o.order_date < ? "
        "GROUP BY o.customer_code, o.order_date",
        (manager, since.isoformat(), before.isoformat()))
    out: dict[str, list[tuple[date, float]]] = {}
    for code, day, qty in rows:
        d = _d(day)
        if d is not None and qty is not None:
            out.setdefault(code, []).append((d, float(qty)))
    return out


def open_complaints(db: Database, manager: str) -> list[tuple[str, str, str]] | None:
    """(id, customer code, status) of complaints waiting for an on-site step ('new': inspect,
    'approved': exchange); None when the complaints table does not exist yet."""
    if not db.has_table("complaints"):
        return None
    return [tuple(r) for r in db.query(
        "SELECT k.id, k.customer_code, k.status FROM complaints k "
        "JOIN customers c ON c.customer_code = k.customer_code "
        "WHERE c.manager = ? AND k.status IN ('new', 'approved') ORDER BY k.id", (manager,))]


def open_flags(db: Database, manager: str) -> list[tuple[int, str, str, str | None, str]] | None:
    """(id, customer code, kind, visit date, status) of flags still open ('new' or 'reported') on the
    manager's customers; None when the flags table does not exist yet."""
    if not db.has_table("flags"):
        return None
    return [tuple(r) for r in db.query(
        "SELECT f.id, f.customer_code, f.kind, f.visit_date, f.status FROM flags f "
        "JOIN customers c ON c.customer_code = f.customer_code "
        f"WHERE c.manager = ? AND {sql_in('f.status', OPEN_FLAG_STATUSES)} ORDER BY f.id",
        (manager,))]


def latest_visit_date(db: Database) -> date | None:
    from cmgr.store.db import date_horizon

    return _d(db.scalar("SELECT max(visit_date) FROM visits WHERE visit_date < ?",
                        (date_horizon(),)))


def visits_between(db: Database, codes: Iterable[str], first: date, last: date
                   ) -> list[tuple[str, date, str | None]]:
    """(customer code, visit date, visit type) of visits to `codes` from `first` to `last`."""
    codes = sorted(set(codes))
    out = []
    for i in range(0, len(codes), _CHUNK):
        chunk = codes[i:i + _CHUNK]
        rows = db.query(
            f"SELECT customer_code, visit_date, visit_type FROM visits WHERE customer_code IN "
            f"({', '.join('?' for _ in chunk)}) AND visit_date >= ? AND visit_date <= ? "
            f"ORDER BY customer_code, visit_date",
            (*chunk, first.isoformat(), last.isoformat()))
        for code, day, kind in rows:
            d = _d(day)
            if d is not None:
                out.append((code, d, kind))
    return out


def manager_visits_between(db: Database, manager: str, first: date, last: date
                           ) -> list[tuple[str, str | None, date]]:
    """(customer code, name, visit date) of every visit to the manager's customers in the span."""
    rows = db.query(
        "SELECT v.customer_code, c.customer_name, v.visit_date FROM visits v "
        "JOIN customers c ON c.customer_code = v.customer_code "
        "WHERE c.manager = ? AND v.visit_date >= ? AND v.visit_date <= ? "
        "ORDER BY v.visit_date, v.customer_code",
        (manager, first.isoformat(), last.isoformat()))
    return [(r[0], r[1], d) for r in rows if (d := _d(r[2])) is not None]


# --- saved plans -------------------------------------------------------------------------------

@dataclass
class SavedVisit:
    visit_date: date
    seq: int
    customer_code: str
    customer_name: str | None
    route: str | None
    kind: str
    due: bool
    reasons: str | None


@dataclass
class SavedPlan:
    id: int
    manager: str
    week: str
    week_start: date
    week_end: date
    created_at: str
    visits: list[SavedVisit]
    miss_reasons: dict[str, str]


def save_plans(db: Database, plans: Sequence[dict]) -> None:
    """Save each plan (a dict: manager, week, week_start, week_end, workdays, visits_per_day,
    km, visits [dicts], pushed [dicts]), replacing the saved plan of that manager and week.
    All in one transaction."""
    at = now_iso()
    with db.transaction():
        for p in plans:
            db.execute("DELETE FROM plans WHERE manager = ? AND week = ?", (p["manager"], p["week"]))
            plan_id = db.insert_id(
                "INSERT INTO plans(manager, week, week_start, week_end, workdays, visits_per_day, "
                "visits, pushed, km, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (p["manager"], p["week"], p["week_start"], p["week_end"], p["workdays"],
                 p["visits_per_day"], len(p["visits"]), len(p["pushed"]), p["km"], at, db.writer))
            db.executemany(
                "INSERT INTO plan_visits(plan_id, visit_date, seq, customer_code, customer_name, "
                "route, grade, kind, due, reasons, last_visit, next_due, km_from_previous) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(plan_id, v["date"], v["seq"], v["customer_code"], v["customer_name"],
                  v["route"], v["grade"], v["kind"], 1 if v["due"] else 0, v["reasons"],
                  v["last_visit"], v["next_due"], v["km_from_previous"]) for v in p["visits"]])
            db.executemany(
                "INSERT INTO plan_pushed(plan_id, customer_code, customer_name, reason, next_due) "
                "VALUES (?, ?, ?, ?, ?)",
                [(plan_id, x["customer_code"], x["customer_name"], x["reason"], x["next_due"])
                 for x in p["pushed"]])


def load_plan(db: Database, manager: str, week: str) -> SavedPlan | None:
    row = db.execute("SELECT id, manager, week, week_start, week_end, created_at FROM plans "
                     "WHERE manager = ? AND week = ?", (manager, week)).fetchone()
    if row is None:
        return None
    visits = [SavedVisit(_d(r[0]), r[1], r[2], r[3], r[4], r[5], bool(r[6]), r[7]) for r in db.query(
        "SELECT visit_date, seq, customer_code, customer_name, route, kind, due, reasons "
        "FROM plan_visits WHERE plan_id = ? ORDER BY visit_date, seq", (row["id"],))]
    reasons = {r[0]: r[1] for r in db.query(
        "SELECT customer_code, reason FROM plan_miss_reasons WHERE manager = ? AND week = ?",
        (manager, week))}
    return SavedPlan(row["id"], row["manager"], row["week"], _d(row["week_start"]),
                     _d(row["week_end"]), row["created_at"], visits, reasons)


def saved_weeks(db: Database, manager: str) -> list[tuple[str, date]]:
    """(week, week start) of the manager's saved plans, newest first."""
    return [(r[0], _d(r[1])) for r in db.query(
        "SELECT week, week_start FROM plans WHERE manager = ? ORDER BY week_start DESC", (manager,))]


def save_miss_reasons(db: Database, manager: str, week: str, reasons: dict[str, str]) -> None:
    at = now_iso()
    with db.transaction():
        db.executemany(
            "INSERT INTO plan_miss_reasons(manager, week, customer_code, reason, recorded_at, "
            "recorded_by) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (manager, week, customer_code) "
            "DO UPDATE SET reason = excluded.reason, recorded_at = excluded.recorded_at, "
            "recorded_by = excluded.recorded_by",
            [(manager, week, code, text, at, db.writer) for code, text in sorted(reasons.items())])
