"""One visit, one record: `visit log` with several prices, the export's row of the same visit
merged into it (whichever comes first), flags once per case; `visit list/edit/delete` with
their history and the flags re-evaluated."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta

import pytest

from tests.cli.records_seed import run, run_json, seeded_db_path
from tests.conftest import write_xlsx

DAY = (date.today() - timedelta(days=3)).isoformat()
TIP = "隔壁新开的小卖部没有许可证也在卖烟"
EXPORT_HEADER = ["访问编号", "访问日期", "客户编码", "客户名称", "客户经理", "访问类型", "访问内容",
                 "检查品规", "实际零售价"]


@pytest.fixture
def dbpath(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return seeded_db_path(tmp_path, monkeypatch)


def rows(dbpath, sql, params=()):
    con = sqlite3.connect(dbpath)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute(sql, params).fetchall()]
    finally:
        con.close()


def export(tmp_path, *lines, name="走访.xlsx"):
    return str(write_xlsx(tmp_path / name, [EXPORT_HEADER, *lines]))


def flag_scan():
    result = run(["flag", "--format", "json"])
    assert result.exit_code in (0, 1), result.output


def open_flags(dbpath, code):
    return rows(dbpath, "SELECT kind, subkind, visit_key, status FROM flags WHERE customer_code = ? "
                        "AND status IN ('new', 'reported') ORDER BY kind, subkind", (code,))


def test_visit_log_takes_several_prices_per_pack_or_carton_and_stock(dbpath):
    v = run_json(["visit", "log", "--customer", "C001", "--date", DAY, "--notes", "查价",
                  "--price", "中华(软):75元/包", "--price", "利群(新版)：160元/条",
                  "--stock", "中华(软):3", "--arrival", "9:05", "--duties", "a,b,c,f", "--signed"])
    assert [(p["sku"], p["price"]) for p in v["prices"]] == [("中华(软)", 750.0), ("利群(新版)", 160.0)]
    stored = rows(dbpath, "SELECT sku, price, price_text, stock FROM visit_prices ORDER BY id")
    assert stored == [{"sku": "中华(软)", "price": 750.0, "price_text": "75元/包", "stock": 3.0},
                      {"sku": "利群(新版)", "price": 160.0, "price_text": "160元/条", "stock": None}]
    visit = rows(dbpath, "SELECT * FROM visits")[0]
    assert (visit["checked_sku"], visit["observed_price"]) == ("中华(软)", 750.0)
    assert (visit["arrival_time"], visit["duties"], visit["customer_signed"]) == ("09:05", "abcf", 1)
    # both prices are checked by the flag rules: 中华(软) 750 > guide 700; 利群 160 = guide
    flag_scan()
    assert [(f["kind"], f["subkind"]) for f in open_flags(dbpath, "C001")] == [("price", "above_guide")]
    bad = run(["visit", "log", "--customer", "C001", "--price", "中华(软):很贵"])
    assert bad.exit_code == 2 and "--price" in bad.stderr and "元/包" in bad.stderr


def test_typed_visit_then_export_is_one_visit_with_both_notes_and_one_flag(dbpath, tmp_path):
    typed = run_json(["visit", "log", "--customer", "C002", "--date", DAY, "--notes", TIP])
    flag_scan()
    assert len(open_flags(dbpath, "C002")) == 1
    path = export(tmp_path, ["ZF001", DAY, "C002", "张三烟酒商店", "王建国", "常规访问",
                             "店主反映隔壁无证售烟，已记录", "中华(软)", "800"],
                  ["ZF002", DAY, "C003", "李四食杂店", "王建国", "常规访问", "正常", None, None])
    result = run(["import", "visits", path, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)["files"][0]
    assert (data["stored"], data["merged"]) == (1, 1)  # ZF002 new; ZF001 is the typed visit
    visits = rows(dbpath, "SELECT * FROM visits WHERE customer_code = 'C002'")
    assert len(visits) == 1
    v = visits[0]
    assert v["visit_key"] == typed["visit_key"] and v["export_key"] == "ZF001"
    assert v["notes"] == f"{TIP}\n导出记录：店主反映隔壁无证售烟，已记录"  # both kept
    assert (v["checked_sku"], v["observed_price"]) == ("中华(软)", 800.0)  # filled from the export
    flag_scan()
    kinds = [(f["kind"], f["visit_key"]) for f in open_flags(dbpath, "C002")]
    assert kinds == [("price", typed["visit_key"]), ("unlicensed", typed["visit_key"])]
    # the export imported again: still one visit, the same flags
    again = json.loads(run(["import", "visits", path, "--format", "json"]).stdout)["files"][0]
    assert again["merged"] == 1 and again["stored"] == 0
    assert len(rows(dbpath, "SELECT id FROM visits WHERE customer_code = 'C002'")) == 1
    assert rows(dbpath, "SELECT notes FROM visits WHERE customer_code = 'C002'")[0]["notes"] == v["notes"]
    flag_scan()
    assert len(open_flags(dbpath, "C002")) == 2


def test_export_first_then_typed_visit_takes_over_its_flag(dbpath, tmp_path):
    path = export(tmp_path, ["ZF010", DAY, "C002", "张三烟酒商店", "王建国", "常规访问", TIP, None, None])
    assert run(["import", "visits", path]).exit_code == 0
    flag_scan()
    before = open_flags(dbpath, "C002")
    assert [f["visit_key"] for f in before] == ["ZF010"]
    typed = run_json(["visit", "log", "--customer", "C002", "--date", DAY, "--notes", TIP])
    assert typed["merged"] == 1
    assert len(rows(dbpath, "SELECT id FROM visits WHERE customer_code = 'C002'")) == 1
    flag_scan()
    after = open_flags(dbpath, "C002")
    assert [f["visit_key"] for f in after] == [typed["visit_key"]]  # moved, not raised again
    # a special visit on the same day is another visit
    run(["visit", "log", "--customer", "C002", "--date", DAY, "--type", "特殊", "--notes", "回访"])
    assert len(rows(dbpath, "SELECT id FROM visits WHERE customer_code = 'C002'")) == 2


def test_visit_list_edit_delete_keep_history_and_reevaluate_flags(dbpath):
    run(["visit", "log", "--customer", "C001", "--date", DAY, "--notes", "正常走访"])
    typo = run_json(["visit", "log", "--customer", "C002", "--date", DAY, "--notes", TIP,
                     "--price", "中华(软):800"])
    flag_scan()
    assert len(open_flags(dbpath, "C002")) == 2
    listed = run_json(["visit", "list", "--customer", "C002"])
    assert [v["id"] for v in listed] == [typo["id"]] and listed[0]["prices"][0]["price"] == 800.0
    assert len(run_json(["visit", "list", "--since", DAY, "--manager", "王建国"])) == 2
    assert run_json(["visit", "list", "--manager", "李娜"]) == []
    # the note was a typo: corrected, the unlicensed flag goes at once; the price one stays
    result = run(["visit", "edit", str(typo["id"]), "--notes", "正常走访", "--by", "王建国"])
    assert result.exit_code == 0, result.output
    assert [f["kind"] for f in open_flags(dbpath, "C002")] == ["price"]
    result = run(["visit", "edit", str(typo["id"]), "--price", "中华(软):70元/包"])
    assert result.exit_code == 0 and open_flags(dbpath, "C002") == []
    events = rows(dbpath, "SELECT action, by, detail FROM visit_events WHERE visit_key = ? ORDER BY id",
                  (typo["visit_key"],))
    assert [e["action"] for e in events] == ["edited", "edited"] and events[0]["by"] == "王建国"
    assert json.loads(events[0]["detail"])["before"]["notes"] == TIP
    # deleted: gone from the list, kept in the history, its flags re-evaluated
    run(["visit", "edit", str(typo["id"]), "--notes", TIP])
    assert [f["kind"] for f in open_flags(dbpath, "C002")] == ["unlicensed"]
    result = run(["visit", "delete", str(typo["id"]), "--by", "王建国"])
    assert result.exit_code == 0, result.output
    assert run_json(["visit", "list", "--customer", "C002"]) == [] and open_flags(dbpath, "C002") == []
    deleted = rows(dbpath, "SELECT by, at, detail FROM visit_events WHERE action = 'deleted'")
    assert deleted[0]["by"] == "王建国" and json.loads(deleted[0]["detail"])["record"]["notes"] == TIP
    assert run(["visit", "delete", "99999"]).exit_code == 2
    assert run(["visit", "edit", str(typo["id"]), "--notes", "x"]).exit_code == 2  # gone


def test_duplicates_stored_before_the_merge_existed_are_merged_by_the_next_import(dbpath, tmp_path):
    con = sqlite3.connect(dbpath)
    with con:  # as an older cmgr left them: the typed visit and the export's row, both kept
        con.execute("INSERT INTO visits (visit_key, visit_id, visit_date, customer_code, visit_type, "
                    "notes, source) VALUES ('cmgr:old', 'FW-1', ?, 'C003', '常规访问', '录入', 'cmgr')",
                    (DAY,))
        con.execute("INSERT INTO visits (visit_key, visit_id, visit_date, customer_code, visit_type, "
                    "notes, source) VALUES ('ZF900', 'ZF900', ?, 'C003', '常规访问', '导出', 'import')",
                    (DAY,))
    con.close()
    path = export(tmp_path, ["ZF901", DAY, "C004", "王五超市", "王建国", "常规访问", "正常", None, None])
    data = json.loads(run(["import", "visits", path, "--format", "json"]).stdout)["files"][0]
    assert (data["stored"], data["merged"]) == (1, 1)
    kept = rows(dbpath, "SELECT visit_key, export_key, notes FROM visits WHERE customer_code = 'C003'")
    assert kept == [{"visit_key": "cmgr:old", "export_key": "ZF900", "notes": "录入\n导出记录：导出"}]


def test_a_corrected_or_deleted_export_visit_stays_so_when_the_export_comes_again(dbpath, tmp_path):
    path = export(tmp_path, ["ZF500", DAY, "C002", "张三烟酒商店", "王建国", "常规访问", TIP, None, None],
                  ["ZF501", DAY, "C003", "李四食杂店", "王建国", "常规访问", "误录", None, None])
    assert run(["import", "visits", path]).exit_code == 0
    flag_scan()
    assert [f["kind"] for f in open_flags(dbpath, "C002")] == ["unlicensed"]
    ids = {v["customer_code"]: v["id"] for v in run_json(["visit", "list", "--since", DAY])}
    assert run(["visit", "edit", str(ids["C002"]), "--notes", "正常走访"]).exit_code == 0
    assert open_flags(dbpath, "C002") == []  # re-evaluated at once
    assert run(["visit", "delete", str(ids["C003"])]).exit_code == 0
    data = json.loads(run(["import", "visits", path, "--format", "json"]).stdout)["files"][0]
    assert data["stored"] == 0 and any("visit delete" in n for n in data["notes"])
    visits = rows(dbpath, "SELECT customer_code, notes, export_key FROM visits ORDER BY customer_code")
    assert visits == [{"customer_code": "C002", "notes": "正常走访", "export_key": "ZF500"}]
    flag_scan()
    assert open_flags(dbpath, "C002") == []
