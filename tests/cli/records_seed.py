"""A small territory for the complaint, visit, promo and customer command tests."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path

from typer.testing import CliRunner

CUSTOMERS = [
    # code, name, grade, manager, route, settlement, address
    ("C001", "张三便利店", 15, "王建国", "城东一线", "电子结算", "城东路1号"),
    ("C002", "张三烟酒商店", 22, "王建国", "城东一线", "现金", "城东路9号"),
    ("C003", "李四食杂店", 10, "王建国", "城东二线", "电子结算", "城北路3号"),
    ("C004", "王五超市", 28, "王建国", "城东二线", None, "城南路5号"),
    ("C005", "赵六商店", 18, "李娜", "城西一线", "电子结算", "城西路7号"),
]
PRICES = [
    ("6901028229524", "中华(软)", 610.0, 700.0),
    ("6901028210775", "中华(硬)", 380.0, 450.0),
    ("6901081566086", "苏烟（五星红杉树）", 270.0, 320.0),
    ("6901016302772", "利群(新版)", 140.0, 160.0),
]


def seed(db, *, today: date | None = None) -> None:
    """Customers, the price list and 14 months of orders ending `today`."""
    today = today or date.today()
    db.executemany(
        "INSERT INTO customers (customer_code, customer_name, grade, grade_label, manager, route, "
        "settlement, address, phone, license_no, joined_on, status) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, '13800000000', ?, '2020-01-01', '正常')",
        [(c, n, g, str(g), m, r, s, a, f"0370{c}") for c, n, g, m, r, s, a in CUSTOMERS])
    db.executemany("INSERT INTO prices (sku_code, sku_name, wholesale_price, retail_guide_price) "
                   "VALUES (?, ?, ?, ?)", PRICES)
    rows = []
    # Every customer orders 利群 weekly; C001 grows, C002 shrinks; C001 also orders 中华(软).
    for week in range(60):
        day = today - timedelta(days=7 * week)
        for code, qty in (("C001", 10 + (60 - week) // 6), ("C002", 5 + week // 6), ("C003", 8),
                          ("C004", 12), ("C005", 6)):
            rows.append((f"{code}|{day}|L", day.isoformat(), code, "6901016302772", "利群(新版)",
                         140.0, qty, qty * 140.0))
        rows.append((f"C001|{day}|Z", day.isoformat(), "C001", "6901028229524", "中华(软)", 610.0, 2,
                     1220.0))
    db.executemany("INSERT INTO order_lines (line_key, order_date, customer_code, sku_code, sku_name, "
                   "wholesale_price, qty, amount) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)


def seeded_db_path(tmp_path: Path, monkeypatch, seed_with=None, name: str = "cli.db") -> Path:
    """The database the CLI opens (CMGR_DB), seeded with `seed_with(db)` (default: this
    module's territory)."""
    from cmgr.store.db import open_database

    path = tmp_path / name
    monkeypatch.setenv("CMGR_DB", str(path))
    db = open_database(path)
    try:
        (seed_with or seed)(db)
    finally:
        db.close()
    return path


def run(args: list[str], *, input: str | None = None, interactive: bool = False):
    from cmgr.cli.app import app

    env = {"CMGR_INTERACTIVE": "1" if interactive else "0"}
    return CliRunner().invoke(app, args, input=input, env=env, catch_exceptions=False)


def run_json(args: list[str]):
    result = run([*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def rows(dbpath: Path, sql: str, params: tuple = ()) -> list[dict]:
    """What the database holds, read directly (not through cmgr)."""
    con = sqlite3.connect(dbpath)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute(sql, params).fetchall()]
    finally:
        con.close()
