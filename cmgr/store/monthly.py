"""The monthly report's queries: sales aggregated in SQL, the roster, visits, flags, complaints.

Order lines are never loaded one by one: SQLite groups them per customer and month (for the
customer figures) and per manager, month and cigarette (for totals, price classes and the
forecast history), which keeps a city of ~24 million lines to a few hundred thousand rows.
pandas is imported by `_frame` once the rows are read, so a query can start on another
connection while the report's first thread is still importing it (jobs.monthly_report).

The manager filter is the customer's current manager in the roster (`customers.manager`).
Order lines whose customer is not in the roster come back with manager NULL: the caller
reports them rather than dropping them silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from cmgr.store.customers import last_order_date
from cmgr.store.db import Database

if TYPE_CHECKING:
    import pandas as pd


def _columns(db: Database, table: str) -> set[str]:
    return db.columns(table)


def _frame(db: Database, sql: str, params: Sequence, columns: list[str]) -> pd.DataFrame:
    rows = db.execute(sql, tuple(params)).fetchall()
    import pandas as pd

    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


def _date_range(first_day: str | None, end_day: str | None) -> tuple[str, list]:
    """first_day <= order_date < end_day; a bound left out when it is None. The caller drops
    bounds that restrict nothing: a range over (nearly) all lines reads faster as a plain scan
    than through the order_date index, which SQLite would otherwise pick."""
    clauses, params = [], []
    if first_day is not None:
        clauses.append("o.order_date >= ?")
        params.append(first_day)
    if end_day is not None:
        clauses.append("o.order_date < ?")
        params.append(end_day)
    return "".join(f" AND {c}" for c in clauses), params


def _manager_filter(managers: Sequence[str] | None, column: str = "c.manager") -> tuple[str, list]:
    if managers is None:
        return "", []
    marks = ", ".join("?" for _ in managers)
    return f" AND {column} IN ({marks})", list(managers)


def order_span(db: Database) -> tuple[str | None, str | None]:
    """First and last order date in the database (ISO text), or (None, None)."""
    # Two queries: SQLite answers a lone min() or max() from the order_date index, but
    # scans the whole table for both in one statement.
    return (db.scalar("SELECT min(order_date) FROM order_lines"),
            last_order_date(db))


def customers(db: Database, managers: Sequence[str] | None) -> pd.DataFrame:
    """The roster of these managers (all customers when None)."""
    where, params = _manager_filter(managers)
    return _frame(
        db,
        "SELECT customer_code, customer_name, manager, grade, grade_label, route, joined_on, "
        f"left_on, status, visit_weekdays FROM customers c WHERE 1=1{where} "
        "ORDER BY customer_code",
        params,
        ["customer_code", "customer_name", "manager", "grade", "grade_label", "route",
         "joined_on", "left_on", "status", "visit_weekdays"])


# The month of an order line; substr is portable (SQLite and PostgreSQL).
_MONTH = "substr(o.order_date, 1, 7)"
# A line without an amount is valued at qty x wholesale price; one with neither adds 0 元
# and is counted in `unvalued_lines`.
_AMOUNT = "coalesce(o.amount, o.qty * o.wholesale_price)"


def customer_months(db: Database, first_day: str | None, end_day: str | None,
                    managers: Sequence[str] | None) -> pd.DataFrame:
    """Per customer and month, orders dated first_day <= date < end_day: 条, 元, orders, lines.

    An order is an order id, or a customer's order day when the export has no order ids.
    """
    dates, date_params = _date_range(first_day, end_day)
    if managers is None:
        sql = (f"SELECT o.customer_code, {_MONTH} AS month, sum(o.qty), sum({_AMOUNT}), "
               "count(DISTINCT coalesce(o.order_id, o.order_date)), count(*), "
               "sum(CASE WHEN o.amount IS NULL AND o.wholesale_price IS NULL THEN 1 ELSE 0 END) "
               f"FROM order_lines o WHERE 1=1{dates} "
               "GROUP BY o.customer_code, month")
        params: list = date_params
    else:
        # Per manager: walk the manager's customers through the (customer_code, order_date)
        # index instead of scanning every line of the city.
        where, params = _manager_filter(managers)
        sql = (f"SELECT o.customer_code, {_MONTH} AS month, sum(o.qty), sum({_AMOUNT}), "
               "count(DISTINCT coalesce(o.order_id, o.order_date)), count(*), "
               "sum(CASE WHEN o.amount IS NULL AND o.wholesale_price IS NULL THEN 1 ELSE 0 END) "
               "FROM customers c JOIN order_lines o ON o.customer_code = c.customer_code "
               f"WHERE 1=1{dates}{where} "
               "GROUP BY o.customer_code, month")
        params = [*date_params, *params]
    frame = _frame(db, sql, params, ["customer_code", "month", "qty", "amount", "orders", "lines",
                                     "unvalued_lines"])
    return frame


def sku_months(db: Database, first_day: str | None, end_day: str | None,
               managers: Sequence[str] | None) -> pd.DataFrame:
    """Per manager, month and cigarette: 条, 元, lines, last order date, and the qty-weighted
    wholesale price of the lines that carry one (priced_value / priced_qty)."""
    cols = (f"c.manager, {_MONTH} AS month, o.sku_code, max(o.sku_name), sum(o.qty), "
            f"sum({_AMOUNT}), count(*), max(o.order_date), "
            "sum(CASE WHEN o.wholesale_price IS NOT NULL THEN o.qty ELSE 0 END), "
            "sum(CASE WHEN o.wholesale_price IS NOT NULL THEN o.qty * o.wholesale_price ELSE 0 END)")
    names = ["manager", "month", "sku_code", "sku_name", "qty", "amount", "lines", "last_date",
             "priced_qty", "priced_value"]
    dates, date_params = _date_range(first_day, end_day)
    if managers is None:
        sql = (f"SELECT {cols} FROM order_lines o LEFT JOIN customers c "
               "ON c.customer_code = o.customer_code "
               f"WHERE 1=1{dates} "
               "GROUP BY c.manager, month, o.sku_code")
        params: list = date_params
    else:
        where, params = _manager_filter(managers)
        sql = (f"SELECT {cols} FROM customers c JOIN order_lines o "
               "ON o.customer_code = c.customer_code "
               f"WHERE 1=1{dates}{where} "
               "GROUP BY c.manager, month, o.sku_code")
        params = [*date_params, *params]
        # A manager's ~240,000 lines of 14 months come to ~800 rows, but PostgreSQL
        # expects a group per line (no statistics on the month expression) and with its
        # default 4 MB sorts them on disk (1.1 s); with room it hashes them (0.45 s). Only
        # here: given the room, the whole city's grouping (1.8M groups expected, 84,000
        # found) turns from a hash to a sort of 24M lines, half again as slow.
        with db.sort_memory(64):
            return _frame(db, sql, params, names)
    return _frame(db, sql, params, names)


def prices(db: Database) -> pd.DataFrame:
    return _frame(db, "SELECT sku_code, sku_name, wholesale_price, retail_guide_price FROM prices",
                  [], ["sku_code", "sku_name", "wholesale_price", "retail_guide_price"])


def last_visits(db: Database, until_day: str, managers: Sequence[str] | None) -> pd.DataFrame:
    """Each customer's last visit on or before `until_day`."""
    where, params = _manager_filter(managers)
    return _frame(
        db,
        "SELECT v.customer_code, max(v.visit_date) FROM visits v JOIN customers c "
        f"ON c.customer_code = v.customer_code WHERE v.visit_date <= ?{where} "
        "GROUP BY v.customer_code",
        [until_day, *params], ["customer_code", "last_visit"])


def visits(db: Database, first_day: str, last_day: str,
           managers: Sequence[str] | None) -> pd.DataFrame:
    """The visits of first_day..last_day (inclusive) to these managers' customers."""
    where, params = _manager_filter(managers)
    return _frame(
        db,
        "SELECT v.visit_date, v.customer_code, coalesce(c.customer_name, v.customer_name), "
        "c.manager, v.visit_type, v.notes, v.situation, v.action FROM visits v "
        "JOIN customers c ON c.customer_code = v.customer_code "
        f"WHERE v.visit_date >= ? AND v.visit_date <= ?{where} "
        "ORDER BY v.visit_date, v.customer_code, v.id",
        [first_day, last_day, *params],
        ["visit_date", "customer_code", "customer_name", "manager", "visit_type", "notes",
         "situation", "action"])


def flags(db: Database, first_day: str, last_day: str,
          managers: Sequence[str] | None) -> pd.DataFrame | None:
    """Price and unlicensed flags of the month (by visit date, else creation date), or None
    when the flags table does not exist yet. A flag belongs to the manager of its customer,
    else to the manager recorded on it (unlicensed sellers are not customers). `case_key`
    names its case: a visit's note flag and observed-price flag of one kind are one case, as
    `cmgr flag` lists them (store.flag_cases.case_key_sql)."""
    from cmgr.store.flag_cases import case_key_sql

    if not db.has_table("flags"):
        return None
    have = _columns(db, "flags")
    pick = [c for c in ("kind", "subkind", "visit_date", "customer_code", "matched", "note",
                        "observed_price", "reference_price", "deviation_pct", "status",
                        "created_at") if c in have]
    select = ", ".join(f"f.{c}" for c in pick)
    if {"source", "visit_key", "id"} <= set(have):
        select += f", {case_key_sql('f')}"
        pick.append("case_key")
    manager_expr = "coalesce(c.manager, f.manager)" if "manager" in have else "c.manager"
    where, params = _manager_filter(managers, manager_expr)
    day = ("coalesce(f.visit_date, substr(f.created_at, 1, 10))" if "created_at" in have
           else "f.visit_date")
    sql = (f"SELECT {select}, {manager_expr}, c.customer_name FROM flags f "
           "LEFT JOIN customers c ON c.customer_code = f.customer_code "
           f"WHERE {day} >= ? AND {day} <= ?{where} ORDER BY {day}, f.id")
    return _frame(db, sql, [first_day, last_day, *params], [*pick, "manager", "customer_name"])


def complaints(db: Database, last_day: str, managers: Sequence[str] | None) -> pd.DataFrame | None:
    """Complaints created on or before `last_day` for these managers' customers, or None when
    the complaints table does not exist yet."""
    if not db.has_table("complaints"):
        return None
    have = _columns(db, "complaints")
    pick = [c for c in ("id", "customer_code", "sku_code", "sku_name", "qty", "problem", "found",
                        "status", "created_at", "updated_at") if c in have]
    select = ", ".join(f"t.{c}" for c in pick)
    where, params = _manager_filter(managers)
    sql = (f"SELECT {select}, c.manager, c.customer_name FROM complaints t "
           "JOIN customers c ON c.customer_code = t.customer_code "
           f"WHERE substr(t.created_at, 1, 10) <= ?{where} ORDER BY t.created_at, t.id")
    return _frame(db, sql, [last_day, *params], [*pick, "manager", "customer_name"])


def surveys(db: Database, last_day: str, managers: Sequence[str] | None) -> pd.DataFrame | None:
    """Satisfaction survey results of these managers' customers dated (or imported) on or
    before `last_day`, with each customer's route and grade; None before migration 010."""
    if not db.has_table("surveys"):
        return None
    where, params = _manager_filter(managers)
    sql = ("SELECT s.survey_round, s.survey_date, s.customer_code, c.customer_name, c.route, "
           "c.grade, c.manager, s.survey_item, s.score, s.level FROM surveys s "
           "JOIN customers c ON c.customer_code = s.customer_code "
           f"WHERE (s.survey_date IS NULL OR s.survey_date <= ?){where} "
           "ORDER BY s.survey_date, s.survey_round, s.customer_code, s.survey_item")
    return _frame(db, sql, [last_day, *params],
                  ["survey_round", "survey_date", "customer_code", "customer_name", "route",
                   "grade", "manager", "survey_item", "score", "level"])


def order_weekdays(db: Database, first_day: str, end_day: str,
                   managers: Sequence[str] | None) -> pd.DataFrame:
    """Per customer and weekday ('%w': 0 = Sunday), the distinct order days dated
    first_day <= date < end_day: the customer's order days when the roster has no 访销日."""
    if managers is None:
        sql = (f"SELECT o.customer_code, {db.dialect.weekday('o.order_date')}, "
               "count(DISTINCT o.order_date) FROM order_lines o "
               "WHERE o.order_date >= ? AND o.order_date < ? GROUP BY 1, 2")
        params: list = [first_day, end_day]
    else:
        where, params = _manager_filter(managers)
        sql = (f"SELECT o.customer_code, {db.dialect.weekday('o.order_date')}, "
               "count(DISTINCT o.order_date) FROM customers c JOIN order_lines o "
               "ON o.customer_code = c.customer_code "
               f"WHERE o.order_date >= ? AND o.order_date < ?{where} GROUP BY 1, 2")
        params = [first_day, end_day, *params]
    return _frame(db, sql, params, ["customer_code", "weekday", "days"])


def order_lines_on_day(db: Database, day, at_most: int | None = None) -> int:
    """The order lines dated `day` over the whole database (which days the company took orders
    on: jobs.monthly_report.order_days_off), counted on the order_date index; with `at_most`,
    counting stops there (enough to know the day was open)."""
    from datetime import timedelta

    inner = "SELECT 1 FROM order_lines WHERE order_date >= ? AND order_date < ?"
    params: list = [day.isoformat(), (day + timedelta(days=1)).isoformat()]
    if at_most is not None:
        inner += " LIMIT ?"
        params.append(int(at_most))
    return int(db.scalar(f"SELECT count(*) FROM ({inner}) AS day_lines", params) or 0)
