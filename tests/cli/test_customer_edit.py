"""Customer upkeep (seed 4.5): `customer edit` with its history, and the rule between a manual
change and a later roster import (docs/complaints.md, "Customer upkeep")."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.cli.records_seed import run, run_json, seeded_db_path
from tests.conftest import write_xlsx

HEADER = ["客户编码", "客户名称", "联系电话", "线路", "档位", "客户经理", "状态"]


@pytest.fixture
def dbpath(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return seeded_db_path(tmp_path, monkeypatch)


def card(code):
    return run_json(["customer", "show", code])["customer"]


def roster(tmp_path, name, *rows):
    return str(write_xlsx(tmp_path / name, [HEADER, *rows]))


def import_roster(path):
    result = run(["import", "customers", path, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["files"][0]


def test_edit_keeps_each_change_with_its_date_in_the_history(dbpath):
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
    assert again.exit_code == 2 and "nothing changes" in again.stderr
    bad = run(["customer", "edit", "C001", "--visit-day", "周八"])
    assert bad.exit_code == 2 and "--visit-day" in bad.stderr
    assert run(["customer", "edit", "C999", "--phone", "1"]).exit_code == 2


def test_a_later_roster_with_the_old_value_keeps_the_manual_change_and_says_so(dbpath, tmp_path):
    run(["customer", "edit", "C001", "--phone", "13900000001", "--route", "城东三线"])
    # the export lags behind: still the old phone and route
    data = import_roster(roster(tmp_path, "r1.xlsx",
                                ["C001", "张三便利店", "13800000000", "城东一线", 15, "王建国", "正常"]))
    c = card("C001")
    assert (c["phone"], c["route"]) == ("13900000001", "城东三线")
    said = [i for i in data["issues"] if "cmgr customer edit" in i["reason"]]
    assert {i["column"] for i in said} == {"phone", "route"} and all("kept" in i["reason"] for i in said)
    # the roster catches up with the phone; the route has a third value: the company changed it
    data = import_roster(roster(tmp_path, "r2.xlsx",
                                ["C001", "张三便利店", "13900000001", "城东五线", 15, "王建国", "正常"]))
    c = card("C001")
    assert (c["phone"], c["route"]) == ("13900000001", "城东五线")
    said = [i for i in data["issues"] if "cmgr customer edit" in i["reason"]]
    assert [i["column"] for i in said] == ["route"] and "newer value" in said[0]["reason"]
    # settled: from now on the roster is followed again, silently
    data = import_roster(roster(tmp_path, "r3.xlsx",
                                ["C001", "张三便利店", "13700000000", "城东六线", 15, "王建国", "正常"]))
    c = card("C001")
    assert (c["phone"], c["route"]) == ("13700000000", "城东六线")
    assert not [i for i in data["issues"] if "cmgr customer edit" in i["reason"]]


def test_a_roster_saying_normal_does_not_undo_a_recorded_leave(dbpath, tmp_path):
    result = run(["customer", "leave", "C002", "--date", "2026-12-01", "--reason", "转让"])
    assert result.exit_code == 0, result.output
    data = import_roster(roster(tmp_path, "r.xlsx",
                                ["C002", "张三烟酒商店", "13800000000", "城东一线", 22, "王建国", "正常"]))
    assert card("C002")["status"] == "已退网"
    assert any("customer leave" in i["reason"] for i in data["issues"])
    con = sqlite3.connect(dbpath)
    try:
        assert con.execute("SELECT count(*) FROM customer_overrides").fetchone()[0] == 0
    finally:
        con.close()
