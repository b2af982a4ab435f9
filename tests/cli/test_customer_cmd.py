"""`cmgr customer`: 入网 (join), 退网 (leave), the customer card (show), and upkeep (edit, seed
4.5) with its history and the rule between a manual change and a later roster import
(docs/complaints.md, `customer edit`)."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta

import pytest

from tests.cli.records_seed import rows, run, run_json
from tests.conftest import write_xlsx


def test_join_leave_keep_history(seeded_dbpath):
    joined = run_json(["customer", "join", "C100", "--name", "新开便利店", "--grade", "8",
                       "--manager", "王建国", "--route", "城东一线", "--date", "2026-11-02",
                       "--settlement", "电子结算"])
    assert (joined["status"], joined["joined_on"], joined["grade"]) == ("正常", "2026-11-02", 8)
    result = run(["customer", "join", "C100", "--name", "又一家"])
    assert result.exit_code == 2 and "已在网" in result.stderr
    before = rows(seeded_dbpath, "SELECT count(*) AS n FROM order_lines WHERE customer_code = 'C002'")[0]["n"]
    left = run_json(["customer", "leave", "C002", "--date", "2026-11-20", "--reason", "店铺转让"])
    assert (left["status"], left["left_on"]) == ("已退网", "2026-11-20")
    after = rows(seeded_dbpath, "SELECT count(*) AS n FROM order_lines WHERE customer_code = 'C002'")[0]["n"]
    assert after == before > 0
    result = run(["customer", "leave", "C002", "--reason", "x"])
    assert result.exit_code == 2 and "已于 2026-11-20 退网" in result.stderr
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


# --- customer edit ---------------------------------------------------------------------------

HEADER = ["客户编码", "客户名称", "联系电话", "线路", "档位", "客户经理", "状态"]


def card(code):
    return run_json(["customer", "show", code])["customer"]


def roster(tmp_path, name, *rows):
    return str(write_xlsx(tmp_path / name, [HEADER, *rows]))


def import_roster(path):
    result = run(["import", "customers", path, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["files"][0]


def test_edit_keeps_each_change_with_its_date_in_the_history(seeded_dbpath):
    out = run_json(["customer", "edit", "C001", "--phone", "13900000001", "--route", "城东三线",
                    "--grade", "18", "--licence", "370100000001", "--licence-expiry", "2027/6/30",
                    "--visit-day", "周二、周五", "--date", "2026-12-01", "--by", "王建国",
                    "--reason", "客户申请"])
    assert out["changes"]["phone"] == {"from": "13800000000", "to": "13900000001"}
    assert out["changes"]["grade"] == {"from": 15, "to": 18}
    c = card("C001")
    assert (c["phone"], c["route"], c["grade"], c["grade_label"]) == ("13900000001", "城东三线", 18, "18")
    assert (c["license_no"], c["license_expiry"], c["visit_weekdays"]) == ("370100000001", "2027-06-30", "25")
    events = run_json(["customer", "show", "C001"])["events"]
    edit = [e for e in events if e["event"] == "edit"]
    assert len(edit) == 1 and edit[0]["on_date"] == "2026-12-01" and edit[0]["by"] == "王建国"
    shown = run(["customer", "show", "C001"]).stdout
    assert "修改 2026-12-01" in shown and "联系电话 13800000000 → 13900000001" in shown
    # the same value again changes nothing; a bad value names its option
    again = run(["customer", "edit", "C001", "--phone", "13900000001"])
    assert again.exit_code == 2 and "没有任何变化" in again.stderr
    bad = run(["customer", "edit", "C001", "--visit-day", "周八"])
    assert bad.exit_code == 2 and "--visit-day" in bad.stderr
    assert run(["customer", "edit", "C999", "--phone", "1"]).exit_code == 2


def test_a_later_roster_with_the_old_value_keeps_the_manual_change_and_says_so(seeded_dbpath, tmp_path):
    run(["customer", "edit", "C001", "--phone", "13900000001", "--route", "城东三线"])
    # the export lags behind: still the old phone and route
    data = import_roster(roster(tmp_path, "r1.xlsx",
                                ["C001", "张三便利店", "13800000000", "城东一线", 15, "王建国", "正常"]))
    c = card("C001")
    assert (c["phone"], c["route"]) == ("13900000001", "城东三线")
    said = [i for i in data["issues"] if "cmgr customer edit" in i["reason"]]
    assert {i["column"] for i in said} == {"phone", "route"} and all("保留" in i["reason"] for i in said)
    # the roster catches up with the phone; the route has a third value: the company changed it
    data = import_roster(roster(tmp_path, "r2.xlsx",
                                ["C001", "张三便利店", "13900000001", "城东五线", 15, "王建国", "正常"]))
    c = card("C001")
    assert (c["phone"], c["route"]) == ("13900000001", "城东五线")
    said = [i for i in data["issues"] if "cmgr customer edit" in i["reason"]]
    assert [i["column"] for i in said] == ["route"] and "客户名册现在有更新的值" in said[0]["reason"]
    # settled: from now on the roster is followed again, silently
    data = import_roster(roster(tmp_path, "r3.xlsx",
                                ["C001", "张三便利店", "13700000000", "城东六线", 15, "王建国", "正常"]))
    c = card("C001")
    assert (c["phone"], c["route"]) == ("13700000000", "城东六线")
    assert not [i for i in data["issues"] if "cmgr customer edit" in i["reason"]]


def test_a_roster_saying_normal_does_not_undo_a_recorded_leave(seeded_dbpath, tmp_path):
    result = run(["customer", "leave", "C002", "--date", "2026-12-01", "--reason", "转让"])
    assert result.exit_code == 0, result.output
    data = import_roster(roster(tmp_path, "r.xlsx",
                                ["C002", "张三烟酒商店", "13800000000", "城东一线", 22, "王建国", "正常"]))
    assert card("C002")["status"] == "已退网"
    assert any("customer leave" in i["reason"] for i in data["issues"])
    con = sqlite3.connect(seeded_dbpath)
    try:
        assert con.execute("SELECT count(*) FROM customer_overrides").fetchone()[0] == 0
    finally:
        con.close()
