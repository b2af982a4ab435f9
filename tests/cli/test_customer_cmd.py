"""`cmgr customer`: 入网 (join), 退网 (leave) and the customer card (show)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from tests.cli.records_seed import rows, run, run_json


def test_join_leave_keep_history(seeded_dbpath):
    joined = run_json(["customer", "join", "C100", "--name", "新开便利店", "--grade", "8",
                       "--manager", "王建国", "--route", "城东一线", "--date", "2026-11-02",
                       "--settlement", "电子结算"])
    assert (joined["status"], joined["joined_on"], joined["grade"]) == ("正常", "2026-11-02", 8)
    result = run(["customer", "join", "C100", "--name", "又一家"])
    assert result.exit_code == 2 and "already in the network" in result.stderr
    before = rows(seeded_dbpath, "SELECT count(*) AS n FROM order_lines WHERE customer_code = 'C002'")[0]["n"]
    left = run_json(["customer", "leave", "C002", "--date", "2026-11-20", "--reason", "店铺转让"])
    assert (left["status"], left["left_on"]) == ("已退网", "2026-11-20")
    after = rows(seeded_dbpath, "SELECT count(*) AS n FROM order_lines WHERE customer_code = 'C002'")[0]["n"]
    assert after == before > 0
    result = run(["customer", "leave", "C002", "--reason", "x"])
    assert result.exit_code == 2 and "already left" in result.stderr
    assert run(["customer", "leave", "C001"]).exit_code == 2  # no reason, no terminal
    assert run(["customer", "leave", "C404", "--reason", "x"]).exit_code == 2
    events = rows(seeded_dbpath, "SELECT customer_code, event, on_date, reason FROM customer_events ORDER BY id")
    assert events == [{"customer_code": "C100", "event": "join", "on_date": "2026-11-02", "reason": None},
                      {"customer_code": "C002", "event": "leave", "on_date": "2026-11-20",
                       "reason": "店铺转让"}]
    # a customer who left drops out of the promotion list
    codes = [c["customer_code"] for c in run_json(["promo", "recommend"])["customers"]]
    assert "C002" not in codes
    # and can join again, history kept
    back = run_json(["customer", "join", "C002", "--date", "2026-12-01"])
    assert (back["status"], back["left_on"], back["joined_on"]) == ("正常", None, "2026-12-01")
    assert len(rows(seeded_dbpath, "SELECT * FROM customer_events WHERE customer_code = 'C002'")) == 2


def test_join_with_a_visit_day_shows_it_on_the_card(seeded_dbpath):
    joined = run_json(["customer", "join", "C300", "--name", "周记烟酒", "--grade", "12",
                       "--manager", "王建国", "--route", "城东一线", "--visit-day", "星期二、星期五"])
    assert joined["visit_weekdays"] == "25"
    table = run(["customer", "show", "C300"])
    assert table.exit_code == 0 and "周二、周五" in table.stdout
    bad = run(["customer", "join", "C301", "--name", "x", "--visit-day", "下周"])
    assert bad.exit_code == 2 and "--visit-day" in bad.stderr and "周二" in bad.stderr


def test_join_without_a_name_in_a_script(seeded_dbpath):
    result = run(["customer", "join", "C200"])
    assert result.exit_code == 2 and "--name" in result.stderr


def test_customer_show_card(seeded_dbpath):
    run(["visit", "log", "--customer", "C001", "--notes", "陈列整齐"])
    cid = run(["complaint", "new", "--customer", "C001", "--sku", "利群", "--qty", "1",
               "--problem", "破损", "--no-form"]).stdout.strip()
    card = run_json(["customer", "show", "C001"])
    assert card["customer"]["customer_name"] == "张三便利店"
    assert card["band"]["name"] == "三级" and card["band"]["interval_days"] == 14
    assert [k["id"] for k in card["complaints"]] == [cid]
    assert card["visits"][0]["notes"] == "陈列整齐"
    months = card["orders"]
    assert len(months) == 13 and months[-1]["month"] == date.today().strftime("%Y-%m")
    # the monthly totals match the order lines
    first = months[0]["month"]
    expected = rows(seeded_dbpath, "SELECT sum(qty) AS q FROM order_lines WHERE customer_code = 'C001' "
                            "AND order_date >= ?", (first + "-01",))[0]["q"]
    assert sum(m["qty"] for m in months) == pytest.approx(expected)
    table = run(["customer", "show", "张三便"])
    assert table.exit_code == 0
    assert "█" in table.stdout and cid in table.stdout and "三级" in table.stdout
    assert "陈列整齐" in table.stdout


def test_a_customer_who_left_is_out_of_the_plan(seeded_dbpath):
    pytest.importorskip("cmgr.cli.plan_cmd", reason="plan-week (issue 3) has not landed yet")
    from tests.cli.test_complaint_cmd import _planned_visits

    today = date.today()
    week_start = today + timedelta(days=7 - today.weekday())

    def planned() -> set[str]:
        result = run(["plan-week", "--start", week_start.isoformat(), "--manager", "王建国",
                      "--format", "json", "--no-save"])
        assert result.exit_code == 0, result.output
        return {v["customer_code"] for v in _planned_visits(json.loads(result.stdout))}

    assert {"C001", "C004"} <= planned()  # never visited: due
    run(["customer", "leave", "C004", "--date", today.isoformat(), "--reason", "停业"])
    after = planned()
    assert "C004" not in after and "C001" in after
