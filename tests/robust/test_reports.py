"""Stored values that break the outputs (issue 16): far-future dates, control characters,
formula-like text, unsafe --out placeholders."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.cli.records_seed import run, seeded_db_path


def _insert_far_future_order(path):
    import sqlite3

    con = sqlite3.connect(path)
    con.execute("INSERT INTO order_lines (line_key, order_date, customer_code, sku_code, sku_name, "
                "wholesale_price, qty, amount) VALUES ('X', '9999-12-31', 'C001', '6901016302772', "
                "'利群(新版)', 140, 1, 140)")
    con.commit()
    con.close()


def test_a_far_future_order_in_the_database_breaks_no_report(tmp_path, monkeypatch):
    path = seeded_db_path(tmp_path, monkeypatch)
    _insert_far_future_order(path)
    env = {**os.environ, "CMGR_DB": str(path), "CMGR_INTERACTIVE": "0"}
    show = subprocess.run([sys.executable, "-m", "cmgr", "customer", "show", "C001", "--format",
                           "json"], env=env, capture_output=True, text=True, timeout=30)
    assert show.returncode == 0, show.stderr
    for args in (["plan-week", "--all", "--format", "json", "--no-save"],
                 ["monthly-report", "--all", "--format", "json"],
                 ["promo", "recommend", "--format", "json"]):
        result = run(args)
        assert result.exit_code == 0, (args, result.output)


def test_months_are_stepped_as_numbers():
    from cmgr.core.months import month_add, months_between

    assert months_between("9999-11", "10000-02") == ["9999-11", "9999-12", "10000-01", "10000-02"]
    assert month_add("9999-12", 1) == "10000-01"
