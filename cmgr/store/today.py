"""`cmgr today`'s queries: what the day's stops need from the roster, the visits, the open
complaints and the open flags. A day has about 25 stops, so each query takes their codes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from cmgr.domain import OPEN_FLAG_STATUSES
from cmgr.store.db import Database, sql_in


def _placeholders(n: int) -> str:
    return ", ".join("?" for _ in range(n))


def customers(db: Database, codes: Sequence[str]) -> dict[str, dict]:
    """code -> the card fields a visit sheet shows (address, phone, grade, licence)."""
    if not codes:
        return {}
    return {r["customer_code"]: dict(r) for r in db.query(
        "SELECT customer_code, customer_name, address, phone, grade, grade_label, license_no, "
        f"license_expiry FROM customers WHERE customer_code IN ({_placeholders(len(codes))})",
        list(codes))}


def last_visits(db: Database, codes: Sequence[str], day: date) -> dict[str, tuple[str, str | None]]:
    """code -> (date, note) of its last visit before `day`."""
    out: dict[str, tuple[str, str | None]] = {}
    for code in codes:  # one indexed lookup each (visits_customer_date)
        row = db.execute("SELECT visit_date, notes FROM visits WHERE customer_code = ? AND "
                         "visit_date < ? ORDER BY visit_date DESC, id DESC LIMIT 1",
                         (code, day.isoformat())).fetchone()
        if row is not None:
            out[code] = (row["visit_date"], row["notes"])
    return out


def visited_on(db: Database, codes: Sequence[str], day: date) -> set[str]:
    """The codes with a visit recorded on `day`."""
    if not codes:
        return set()
    return {r[0] for r in db.query(
        f"SELECT DISTINCT customer_code FROM visits WHERE customer_code IN "
        f"({_placeholders(len(codes))}) AND visit_date = ?", (*codes, day.isoformat()))}


def open_complaints(db: Database, codes: Sequence[str]) -> list[dict]:
    """The complaints of these customers not yet closed, oldest first."""
    if not codes or not db.has_table("complaints"):
        return []
    return [dict(r) for r in db.query(
        f"SELECT id, customer_code, status, problem FROM complaints WHERE customer_code IN "
        f"({_placeholders(len(codes))}) AND status <> 'closed' ORDER BY id", list(codes))]


def open_flags(db: Database, codes: Sequence[str]) -> list[dict]:
    """The open flags (cmgr.domain.OPEN_FLAG_STATUSES) of these customers, oldest first."""
    if not codes or not db.has_table("flags"):
        return []
    return [dict(r) for r in db.query(
        f"SELECT id, customer_code, kind, subkind, matched, status FROM flags WHERE customer_code "
        f"IN ({_placeholders(len(codes))}) AND {sql_in('status', OPEN_FLAG_STATUSES)} ORDER BY id",
        list(codes))]
