"""A small database for the db, app and cron tests: three customers (one name that looks like a
spreadsheet formula), some order lines and a visit note with a control character."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from cmgr.store.db import open_database

CUSTOMERS = [
    ("000532001001", "张记便利店", 12, "王建国"),
    ("000532001002", "李家烟酒", 27, "王建国"),
    ("000532001003", "=SUM(1,2) 超市", 3, "王建国"),  # text that looks like a formula
]


def fill(path: Path, *, orders: int = 40) -> None:
    """Write the small database at `path`."""
    db = open_database(path, busy_timeout=2)
    with db.transaction():
        db.executemany("INSERT INTO customers(customer_code, customer_name, grade, manager) "
                       "VALUES (?, ?, ?, ?)", CUSTOMERS)
        db.executemany(
            "INSERT INTO order_lines(line_key, order_id, order_date, customer_code, sku_code, qty, "
            "amount) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(f"D{i}|6901028075022", f"D{i}", "2026-11-03", CUSTOMERS[i % 3][0], "6901028075022",
              2.0, 900.0) for i in range(orders)])
        db.execute("INSERT INTO visits(visit_key, visit_date, customer_code, notes) VALUES "
                   "('v1', '2026-11-04', '000532001001', ?)", ("无证\x07经营",))
    db.close()


def counts(path: Path) -> dict[str, int]:
    con = sqlite3.connect(path)
    try:
        names = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        return {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        con.close()
