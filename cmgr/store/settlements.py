"""Settlement rows (电子结算), supply limits and monthly targets: the queries behind
`cmgr settlements`, `cmgr suggest` and `cmgr kpi`.

The manager filter is the customer's current manager in the roster, as everywhere else.
"""

from __future__ import annotations

from collections.abc import Sequence

from cmgr.core.settlements import FAILED, OUTSTANDING, CustomerInfo, SettlementRow
from cmgr.store.db import Database

# The order a settlement row settles; the day it belongs to.
_REF = "coalesce(s.order_id, s.order_date, s.deduction_id)"
_DAY = "coalesce(s.order_date, s.settled_at)"
_COLUMNS = (f"s.customer_code, {_REF}, s.settle_status, s.amount, s.order_date, s.settled_at, "
            "s.status_text, s.fail_reason, s.id")


def _rows(db: Database, sql: str, params: Sequence) -> list[SettlementRow]:
    return [SettlementRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8])
            for r in db.execute(sql, tuple(params))]


def _manager_clause(managers: Sequence[str] | None) -> tuple[str, str, list]:
    if managers is None:
        return "", "", []
    marks = ", ".join("?" for _ in managers)
    return (" JOIN customers c ON c.customer_code = s.customer_code",
            f" AND c.manager IN ({marks})", list(managers))


def has_settlements(db: Database) -> bool:
    return db.scalar("SELECT 1 FROM settlements LIMIT 1") is not None


def open_order_rows(db: Database, until_day: str, managers: Sequence[str] | None
                    ) -> list[SettlementRow]:
    """Every row of each order that has a failed or pending row dated on or before
    `until_day` (the other rows tell whether a later attempt paid it)."""
    join, where, params = _manager_clause(managers)
    # The statuses written out, not bound: so SQLite sees the partial index settlements_open.
    statuses = ", ".join(f"'{status}'" for status in OUTSTANDING)
    sql = (f"WITH open_refs AS (SELECT DISTINCT s.customer_code, {_REF} AS ref FROM settlements s"
           f"{join} WHERE s.settle_status IN ({statuses}) AND {_DAY} <= ?{where}) "
           f"SELECT {_COLUMNS} FROM settlements s JOIN open_refs o "
           f"ON o.customer_code = s.customer_code AND o.ref = {_REF} "
           f"WHERE {_DAY} <= ? ORDER BY s.id")
    return _rows(db, sql, [until_day, *params, until_day])


def failures_between(db: Database, first_day: str, last_day: str,
                     managers: Sequence[str] | None) -> dict[str, int]:
    """Failed deductions per customer dated first_day..last_day."""
    join, where, params = _manager_clause(managers)
    sql = (f"SELECT s.customer_code, count(*) FROM settlements s{join} "
           f"WHERE s.settle_status = ? AND {_DAY} >= ? AND {_DAY} <= ?{where} "
           "GROUP BY s.customer_code")
    return {r[0]: r[1] for r in db.execute(sql, (FAILED, first_day, last_day, *params))}


def month_rows(db: Database, first_day: str, last_day: str, managers: Sequence[str] | None
               ) -> list[tuple[str | None, SettlementRow]]:
    """(manager, row) for the settlement rows of orders dated first_day..last_day."""
    join = " LEFT JOIN customers c ON c.customer_code = s.customer_code"
    where, params = "", []
    if managers is not None:
        where = f" AND c.manager IN ({', '.join('?' for _ in managers)})"
        params = list(managers)
    sql = (f"SELECT c.manager, {_COLUMNS} FROM settlements s{join} "
           f"WHERE {_DAY} >= ? AND {_DAY} <= ?{where} ORDER BY s.id")
    return [(r[0], SettlementRow(r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9]))
            for r in db.execute(sql, (first_day, last_day, *params))]


def customer_infos(db: Database, codes: Sequence[str]) -> dict[str, CustomerInfo]:
    out: dict[str, CustomerInfo] = {}
    codes = list(dict.fromkeys(codes))
    for i in range(0, len(codes), 500):
        chunk = codes[i:i + 500]
        for r in db.execute(
                "SELECT customer_code, customer_name, phone, manager, route, address FROM customers "
                f"WHERE customer_code IN ({', '.join('?' for _ in chunk)})", tuple(chunk)):
            out[r[0]] = CustomerInfo(*r)
    return out


# --- supply limits -------------------------------------------------------------------------

def supply_limits(db: Database, grade: int | None, on_day: str) -> dict[str, float]:
    """The limit in 条 per order for each cigarette, for a customer of `grade` on `on_day`:
    the bands in force that day that contain the grade (only the all-grades bands when the
    grade is unknown); the smallest when several apply."""
    params: list = [on_day, on_day]
    if grade is None:
        grade_clause = " AND grade_from <= 1 AND grade_to >= 99"
    else:
        grade_clause = " AND grade_from <= ? AND grade_to >= ?"
        params += [grade, grade]
    rows = db.execute(
        "SELECT sku_code, min(limit_qty) FROM supply_limits "
        "WHERE (valid_from IS NULL OR valid_from <= ?) AND (valid_to IS NULL OR valid_to >= ?)"
        f"{grade_clause} GROUP BY sku_code", tuple(params))
    return {r[0]: float(r[1]) for r in rows}


# --- targets -------------------------------------------------------------------------------

def imported_targets(db: Database, months: Sequence[str]) -> dict[tuple[str, str], float]:
    """(manager, month) -> target in 箱, from `cmgr import targets`."""
    if not months:
        return {}
    rows = db.execute(
        f"SELECT manager, month, target_cases FROM targets WHERE month IN "
        f"({', '.join('?' for _ in months)})", tuple(months))
    return {(r[0], r[1]): float(r[2]) for r in rows}
