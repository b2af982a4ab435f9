"""`cmgr flag decisions FILE`: the area manager's decisions applied all or nothing, the
downgrade kept on the customer, re-applying changing nothing, and the sheet's header aliases."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.cli.records_seed import run
from tests.conftest import write_csv, write_xlsx


@pytest.fixture
def dbpath(flagged_dbpath):
    return flagged_dbpath


def flags(path) -> dict[int, dict]:
    con = sqlite3.connect(path)
    con.row_factory = sqlite3.Row
    try:
        return {r["id"]: dict(r) for r in con.execute("SELECT * FROM flags")}
    finally:
        con.close()


def state(path) -> tuple:
    """Everything a decisions sheet may change."""
    con = sqlite3.connect(path)
    try:
        return (con.execute("SELECT id, status, updated_at FROM flags ORDER BY id").fetchall(),
                con.execute("SELECT * FROM flag_events ORDER BY id").fetchall(),
                con.execute("SELECT * FROM flag_decisions ORDER BY id").fetchall())
    finally:
        con.close()


def flag_of(path, visit_id: str, source: str) -> dict:
    return next(f for f in flags(path).values() if f["visit_id"] == visit_id and f["source"] == source)


def only_open_flag(path, code: str) -> dict | None:
    found = [f for f in flags(path).values() if f["customer_code"] == code
             and f["status"] in ("new", "reported")]
    return found[0] if len(found) == 1 else None


def good_sheet(tmp_path, path):
    price = flag_of(path, "ZF1", "observed_price")
    other = flag_of(path, "ZF1", "note")  # the same case: decided with the price's flag
    unlicensed = flag_of(path, "ZF2", "note")
    rows = [["标记编号", "客户编码", "处理决定", "决定日期", "决定人", "备注"],
            [price["id"], "C001", "降级", "2026/11/20", "赵区域", "超指导价销售"],
            [unlicensed["id"], None, "转专卖", "2026年11月21日", "赵区域", None]]
    return write_xlsx(tmp_path / "处理决定.xlsx", rows, title="区域市场经理处理决定表"), (
        price, other, unlicensed)


def test_good_sheet_closes_flags_and_records_the_downgrade(dbpath, tmp_path):
    sheet, (price, other, unlicensed) = good_sheet(tmp_path, dbpath)
    result = run(["flag", "decisions", str(sheet)])
    assert result.exit_code == 0, result.output
    after = flags(dbpath)
    assert after[price["id"]]["status"] == "closed"
    assert after[other["id"]]["status"] == "closed"  # one case: the note's evidence too
    assert after[unlicensed["id"]]["status"] == "closed"
    shown = run(["flag", "review", str(price["id"]), "--format", "json"])
    events = json.loads(shown.stdout)["events"]
    # A new flag is reported and closed in one step; who decided is kept on both events.
    assert [e["action"] for e in events] == ["report", "close"]
    assert all(e["by"] == "赵区域" for e in events)
    assert "降级" in events[-1]["text"] and "2026-11-20" in events[-1]["text"]

    card = json.loads(run(["customer", "show", "C001", "--format", "json"]).stdout)
    downgrades = [d for d in card["decisions"] if d["decision"] == "downgrade"]
    assert downgrades == [{"flag_id": price["id"], "decision": "downgrade",
                           "decided_on": "2026-11-20", "decided_by": "赵区域",
                           "remark": "超指导价销售", "kind": "price", "subkind": "above_guide"}]
    text = run(["customer", "show", "C001"]).stdout
    assert "降级 2026-11-20" in text and "赵区域" in text


def test_reapplying_the_same_sheet_changes_nothing(dbpath, tmp_path):
    sheet, _ = good_sheet(tmp_path, dbpath)
    assert run(["flag", "decisions", str(sheet)]).exit_code == 0
    before = state(dbpath)
    again = run(["flag", "decisions", str(sheet), "--format", "json"])
    assert again.exit_code == 0, again.output
    report = json.loads(again.stdout)
    assert report["applied"] == 0 and report["unchanged"] == 2
    assert state(dbpath) == before


def test_a_bad_row_rejects_the_sheet_with_its_row_and_column(dbpath, tmp_path):
    price = flag_of(dbpath, "ZF1", "observed_price")
    unlicensed = flag_of(dbpath, "ZF2", "note")
    rows = [["编号", "处理决定", "决定日期", "审批人"],
            [price["id"], "降级", "2026-11-20", "赵区域"],         # row 3: fine
            [unlicensed["id"], "转专卖", "2026-13-45", "赵区域"],  # row 4: no such date
            [9999, "降级", "2026-11-20", "赵区域"],                # row 5: no such flag
            [unlicensed["id"], "再议", "2026-11-20", "赵区域"]]    # row 6: unknown word
    sheet = write_xlsx(tmp_path / "bad.xlsx", rows, title="处理决定")
    before = state(dbpath)
    result = run(["flag", "decisions", str(sheet)])
    assert result.exit_code == 2, result.output
    assert "第 4 行，列「决定日期」" in result.stderr
    assert "第 5 行，列「编号」" in result.stderr and "没有这个标记" in result.stderr
    assert "第 6 行，列「处理决定」" in result.stderr and "未知的处理决定" in result.stderr
    assert "第 3 行" not in result.stderr
    assert "未应用任何决定" in result.stderr
    assert state(dbpath) == before  # not even the good row 3


def test_two_rows_for_the_two_flags_of_one_case_are_rejected(dbpath, tmp_path):
    price = flag_of(dbpath, "ZF1", "observed_price")
    other = flag_of(dbpath, "ZF1", "note")
    rows = [["标记编号", "处理决定", "决定日期"], [price["id"], "降级", "2026-11-20"],
            [other["id"], "不予处理", "2026-11-20"]]
    before = state(dbpath)
    result = run(["flag", "decisions", str(write_csv(tmp_path / "twice.csv", rows))])
    assert result.exit_code == 2
    assert "第 3 行" in result.stderr and "已在第 2 行决定" in result.stderr
    assert state(dbpath) == before


def test_customer_rows_and_ambiguity(dbpath, tmp_path):
    # C001's note and observed price of one visit are one case: its customer code decides it
    # (checked in a dry run) ...
    rows = [["客户编码", "决定", "日期", "决定人"], ["C001", "降级", "2026-11-20", "赵区域"]]
    one = run(["flag", "decisions", str(write_csv(tmp_path / "one.csv", rows)), "--dry-run"])
    assert one.exit_code == 0, one.output
    # ... but with a second case (another visit), a customer row cannot choose.
    add_visit(dbpath, "ZF7", "2026-11-08", "C001", "价签不全，好几个品规没标价")
    assert run(["flag"]).exit_code == 0
    result = run(["flag", "decisions", str(write_csv(tmp_path / "amb.csv", rows))])
    assert result.exit_code == 2
    assert "第 2 行，列「客户编码」" in result.stderr and "多个未办结的标记" in result.stderr
    rows = [["客户编码", "决定", "日期", "决定人"], ["C999", "降级", "2026-11-20", "赵区域"]]
    result = run(["flag", "decisions", str(write_csv(tmp_path / "unknown.csv", rows))])
    assert result.exit_code == 2 and "未知的客户" in result.stderr
    # C002's only open flag is decided by its customer code.
    target = only_open_flag(dbpath, "C002")
    assert target is not None
    rows = [["客户编码", "决定", "日期", "决定人"], ["C002", "已整改", "2026-11-22", "赵区域"]]
    ok = write_csv(tmp_path / "ok.csv", rows)
    assert run(["flag", "decisions", str(ok)]).exit_code == 0
    assert flags(dbpath)[target["id"]]["status"] == "closed"
    before = state(dbpath)
    assert run(["flag", "decisions", str(ok)]).exit_code == 0  # applied already: unchanged
    assert state(dbpath) == before


def test_dry_run_shows_and_writes_nothing(dbpath, tmp_path):
    sheet, (price, _, _) = good_sheet(tmp_path, dbpath)
    before = state(dbpath)
    result = run(["flag", "decisions", str(sheet), "--dry-run", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["dry_run"] and report["applied"] == 0
    assert [(d["flag_id"], d["decision"]) for d in report["decisions"]][0] == (price["id"], "downgrade")
    assert state(dbpath) == before


@pytest.mark.parametrize("headers", [
    ["标记编号", "处理决定", "决定日期", "决定人", "备注"],
    ["flag id", "决定", "日期", "审批人", "说明"],
    ["Flag ID", "处理结果", "处理日期", "处理人", "备注"],
])
def test_header_aliases(dbpath, tmp_path, headers):
    price = flag_of(dbpath, "ZF4", "observed_price")
    rows = [headers, [price["id"], " 降级 ", "20261120", "赵区域", "低于批发价"]]
    result = run(["flag", "decisions", str(write_csv(tmp_path / "d.csv", rows)), "--format", "json"])
    assert result.exit_code == 0, result.output
    (decision,) = json.loads(result.stdout)["decisions"]
    assert decision["decision"] == "downgrade" and decision["decided_by"] == "赵区域"
    assert decision["decided_on"] == "2026-11-20" and decision["remark"] == "低于批发价"
    assert flags(dbpath)[price["id"]]["status"] == "closed"


def test_a_flag_decided_otherwise_before_is_rejected(dbpath, tmp_path):
    price = flag_of(dbpath, "ZF1", "observed_price")
    first = [["标记编号", "处理决定", "决定日期"], [price["id"], "降级", "2026-11-20"]]
    assert run(["flag", "decisions", str(write_csv(tmp_path / "a.csv", first))]).exit_code == 0
    second = [["标记编号", "处理决定", "决定日期"], [price["id"], "不予处理", "2026-11-25"]]
    result = run(["flag", "decisions", str(write_csv(tmp_path / "b.csv", second))])
    assert result.exit_code == 2 and "决定为降级" in result.stderr


# --- a later visit saying the problem is fixed proposes closing the flag ---------------------

def add_visit(path, key: str, day: str, code: str, notes: str) -> None:
    con = sqlite3.connect(path)
    con.execute("INSERT INTO visits (visit_key, visit_id, visit_date, customer_code, manager, notes, "
                "updated_at) VALUES (?, ?, ?, ?, (SELECT manager FROM customers WHERE "
                "customer_code = ?), ?, '2026-11-20T00:00:00')", (key, key, day, code, code, notes))
    con.commit()
    con.close()


def test_a_later_visit_saying_fixed_proposes_closing(dbpath):
    before = {f["id"]: f for f in json.loads(run(["flag", "--format", "json"]).stdout)}
    assert all(f["suggest_close"] is None for f in before.values())
    add_visit(dbpath, "ZF9", "2026-11-12", "C001", "复查：上次超价问题已整改，按指导价销售")
    add_visit(dbpath, "ZF8", "2026-11-10", "C002", "老板说办证要啥手续")  # no resolution
    listed = {i: f for f in json.loads(run(["flag", "--format", "json"]).stdout)
              for i in f["flag_ids"]}  # a case, found by any of its flags
    price = flag_of(dbpath, "ZF1", "observed_price")
    assert listed[price["id"]]["suggest_close"] == "2026-11-12 访问记录：问题已整改"
    unlicensed = flag_of(dbpath, "ZF2", "note")
    assert listed[unlicensed["id"]]["suggest_close"] is None  # a price fix says nothing of it
    assert "建议办结" in run(["flag"]).stdout
    # The manager confirms: the proposal is not a close by itself.
    assert flags(dbpath)[price["id"]]["status"] == "new"
    assert run(["flag", "review", str(price["id"]), "--report"]).exit_code == 0
    done = run(["flag", "review", str(price["id"]), "--close", "--result", "复查已整改"])
    assert done.exit_code == 0, done.output
    listed = {i: f for f in json.loads(run(["flag", "--format", "json"]).stdout)
              for i in f["flag_ids"]}
    assert listed[price["id"]]["status"] == "closed"
    assert listed[price["id"]]["suggest_close"] is None  # closed flags propose nothing


def test_an_earlier_visit_saying_fixed_proposes_nothing(dbpath):
    add_visit(dbpath, "ZF0", "2026-10-01", "C001", "上次超价问题已整改")  # before the flag
    listed = json.loads(run(["flag", "--format", "json"]).stdout)
    assert all(f["suggest_close"] is None for f in listed)
