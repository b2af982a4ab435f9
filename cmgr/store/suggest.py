"""The order history behind `cmgr suggest`: one customer's lines, and the territory's volume
by day for last year's season."""

from __future__ import annotations

from datetime import date, timedelta

from cmgr.store.db import Database


def customer_lines(db: Database, customer_code: str, before: date, days: int = 400
                   ) -> list[tuple[str, str, float]]:
    """(order_date, sku_code, qty) of the customer's lines in the `days` before `before`."""
    since = (before - timedelta(days=days)).isoformat()
    return [(r[0], r[1], float(r[2] or 0)) for r in db.execute(
        "SELECT order_date, sku_code, qty FROM order_lines WHERE customer_code = ? "
        "AND order_date >= ? AND order_date < ? ORDER BY order_date", (customer_code, since,
                                                                       before.isoformat()))]


def daily_volume(db: Database, first: date, last: date) -> dict[str, float]:
    """条 ordered per day, first..last, by every customer in the database."""
    return {r[0]: float(r[1] or 0) for r in db.execute(
        "SELECT order_date, sum(qty) FROM order_lines WHERE order_date >= ? AND order_date <= ? "
        "GROUP BY order_date", (first.isoformat(), last.isoformat()))}


def sku_names(db: Database, codes: list[str]) -> dict[str, str]:
    """A name for each cigarette code: the price list's, else the latest order line's."""
    names: dict[str, str] = {}
    codes = list(dict.fromkeys(codes))
    for i in range(0, len(codes), 500):
        chunk = codes[i:i + 500]
        marks = ", ".join("?" for _ in chunk)
        for code, name in db.execute(
                f"SELECT sku_code, max(sku_name) FROM order_lines WHERE sku_code IN ({marks}) "
                "AND sku_name IS NOT NULL GROUP BY sku_code", tuple(chunk)):
            names[code] = name
        for code, name in db.execute(
                f"SELECT sku_code, sku_name FROM prices WHERE sku_code IN ({marks}) "
                "AND sku_name IS NOT NULL", tuple(chunk)):
            names[code] = name
    return names
