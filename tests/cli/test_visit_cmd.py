"""`cmgr visit`: visits recorded in cmgr (常规 / 特殊) beside the imported ones, and the
《特殊访问记录》 form. One visit, one record: `visit log` with several prices, the export's row
of the same visit merged into it (whichever comes first), flags once per case; `visit
list/edit/delete` with their history and the flags re-evaluated."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta

import pytest

from tests.cli.records_seed import rows, run, run_json
from tests.conftest import write_xlsx


def test_visit_log_with_options_is_stored_beside_imported_visits(seeded_dbpath):
    v = run_json(["visit", "log", "--customer", "C001", "--date", "2026/11/3", "--notes", "检查陈列",
                  "--sku", "中华（软）", "--price", "７２０元"])
    assert v["visit_key"].startswith("cmgr:") and v["visit_id"] == "FW-20261103-001"
    stored = rows(seeded_dbpath, "SELECT * FROM visits")
    assert len(stored) == 1
    s = stored[0]
    assert (s["source"], s["visit_date"], s["customer_code"], s["visit_type"]) == (
        "cmgr", "2026-11-03", "C001", "常规访问")
    assert (s["checked_sku"], s["observed_price"], s["manager"]) == ("中华(软)", 720.0, "王建国")
    second = run_json(["visit", "log", "--customer", "C002", "--date", "2026-11-03", "--type", "特殊"])
    assert second["visit_id"] == "FW-20261103-002" and second["visit_type"] == "特殊访问"


def test_visit_log_errors_name_the_option(seeded_dbpath):
    result = run(["visit", "log"])
    assert result.exit_code == 2 and "--customer" in result.stderr
    result = run(["visit", "log", "--customer", "C001", "--price", "20"])
    assert result.exit_code == 2 and "--sku" in result.stderr
    result = run(["visit", "log", "--customer", "C001", "--sku", "利群", "--price", "很贵"])
    assert result.exit_code == 2 and "--price" in result.stderr
    result = run(["visit", "log", "--customer", "C001", "--type", "偶尔"])
    assert result.exit_code == 2 and "--type" in result.stderr
    assert rows(seeded_dbpath, "SELECT count(*) AS n FROM visits")[0]["n"] == 0


def test_visit_log_interactive(seeded_dbpath):
    answers = "\n".join(["王五", "2026-11-05", "特殊", "老板反映断货", "利群", "16"]) + "\n"
    result = run(["visit", "log"], input=answers, interactive=True)
    assert result.exit_code == 0, result.output
    s = rows(seeded_dbpath, "SELECT * FROM visits")[0]
    assert (s["customer_code"], s["visit_date"], s["visit_type"], s["notes"]) == (
        "C004", "2026-11-05", "特殊访问", "老板反映断货")
    assert (s["checked_sku"], s["observed_price"]) == ("利群(新版)", 16.0)


@pytest.mark.parametrize("fmt", ["html", "docx"])
def test_visit_special_is_recorded_and_rendered(seeded_dbpath, tmp_path, fmt):
    out = tmp_path / f"sv.{fmt}"
    v = run_json(["visit", "special", "--customer", "C002", "--date", "2026-11-10",
                  "--situation", "店主反映假烟<流入>", "--action", "已报区域市场经理", "--form-format",
                  fmt, "--out", str(out)])
    s = rows(seeded_dbpath, "SELECT * FROM visits")[0]
    assert (s["visit_type"], s["situation"], s["action"], s["source"]) == (
        "特殊访问", "店主反映假烟<流入>", "已报区域市场经理", "cmgr")
    assert "店主反映假烟<流入>" in s["notes"]  # the flag rules read notes
    if fmt == "html":
        import html
        import re

        text = html.unescape(re.sub(r"<[^>]+>", " ", out.read_text(encoding="utf-8")))
    else:
        import docx

        d = docx.Document(str(out))
        text = "\n".join([p.text for p in d.paragraphs]
                         + [c.text for t in d.tables for r in t.rows for c in r.cells])
    for expected in ("特殊访问记录", "张三烟酒商店", "店主反映假烟<流入>", "已报区域市场经理",
                     v["visit_id"], "2026年11月10日"):
        assert expected in text


def test_special_visit_record_printed_again_from_the_record(seeded_dbpath, tmp_path):
    v = run_json(["visit", "special", "--customer", "C002", "--date", "2026-11-10",
                  "--situation", "断货", "--action", "补货", "--no-form"])
    before = rows(seeded_dbpath, "SELECT count(*) AS n FROM visits")[0]["n"]
    out = tmp_path / "again.docx"
    result = run(["visit", "special-form", v["visit_id"], "--format", "docx", "--out", str(out)])
    assert result.exit_code == 0, result.output
    import docx

    d = docx.Document(str(out))
    text = "\n".join(c.text for t in d.tables for r in t.rows for c in r.cells)
    assert "断货" in text and "补货" in text and "客户经理签字" in text
    assert rows(seeded_dbpath, "SELECT count(*) AS n FROM visits")[0]["n"] == before  # not twice
    assert run(["visit", "special-form", "FW-20990101-001"]).exit_code == 2
    assert run(["visit", "special-form", "V1", "--format", "pdf"]).exit_code == 2
    html = tmp_path / "again.html"  # the format told from --out's suffix
    assert run(["visit", "special-form", v["visit_id"], "--out", str(html)]).exit_code == 0
    assert "特殊访问记录" in html.read_text(encoding="utf-8")
    assert not list(tmp_path.glob(".*"))  # nothing staged left behind


def test_visit_special_needs_situation_and_action(seeded_dbpath):
    result = run(["visit", "special", "--customer", "C002", "--situation", "x"])
    assert result.exit_code == 2 and "--action" in result.stderr


def test_visits_logged_here_are_the_last_visit(seeded_dbpath):
    """plan-week reads the last visit from the visits table, whatever its source."""
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    run(["visit", "log", "--customer", "C004", "--date", yesterday])
    last = rows(seeded_dbpath, "SELECT max(visit_date) AS d FROM visits WHERE customer_code = 'C004'")
    assert last[0]["d"] == yesterday
    card = run_json(["customer", "show", "C004"])
    assert card["visits"][0]["visit_date"] == yesterday and card["visits"][0]["source"] == "cmgr"
    assert json.dumps(card, ensure_ascii=False)


def test_visits_logged_here_feed_the_flags(seeded_dbpath):
    pytest.importorskip("cmgr.cli.flag_cmd", reason="flag (issue 4) has not landed yet")
    day = (date.today() - timedelta(days=2)).isoformat()
    # 中华(软): guide price 700 元/条 in the seed price list; 800 is above it
    run(["visit", "log", "--customer", "C001", "--date", day, "--notes", "检查价格",
         "--sku", "中华(软)", "--price", "800"])
    run(["visit", "log", "--customer", "C002", "--date", day,
         "--notes", "隔壁新开的小卖部没有许可证也在卖烟"])
    result = run(["flag", "--since", day, "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    data = json.loads(result.stdout)
    flags = data if isinstance(data, list) else data.get("flags", [])
    price = [f for f in flags if f.get("customer_code") == "C001" and f.get("kind") == "price"]
    assert price and price[0].get("observed_price") == 800
    assert any(f.get("customer_code") == "C002" and f.get("kind") == "unlicensed" for f in flags)


# --- one visit, one record; list, edit, delete ------------------------------------------------

DAY = (date.today() - timedelta(days=3)).isoformat()
TIP = "隔壁新开的小卖部没有许可证也在卖烟"
EXPORT_HEADER = ["访问编号", "访问日期", "客户编码", "客户名称", "客户经理", "访问类型", "访问内容",
                 "检查品规", "实际零售价"]


def export(tmp_path, *lines, name="走访.xlsx"):
    return str(write_xlsx(tmp_path / name, [EXPORT_HEADER, *lines]))


def flag_scan():
    result = run(["flag", "--format", "json"])
    assert result.exit_code in (0, 1), result.output


def open_flags(seeded_dbpath, code):
    return rows(seeded_dbpath, "SELECT kind, subkind, visit_key, status FROM flags WHERE customer_code = ? "
                        "AND status IN ('new', 'reported') ORDER BY kind, subkind", (code,))


def test_visit_log_takes_several_prices_per_pack_or_carton_and_stock(seeded_dbpath):
    v = run_json(["visit", "log", "--customer", "C001", "--date", DAY, "--notes", "查价",
                  "--price", "中华(软):75元/包", "--price", "利群(新版)：160元/条",
                  "--stock", "中华(软):3", "--arrival", "9:05", "--duties", "a,b,c,f", "--signed"])
    assert [(p["sku"], p["price"]) for p in v["prices"]] == [("中华(软)", 750.0), ("利群(新版)", 160.0)]
    stored = rows(seeded_dbpath, "SELECT sku, price, price_text, stock FROM visit_prices ORDER BY id")
    assert stored == [{"sku": "中华(软)", "price": 750.0, "price_text": "75元/包", "stock": 3.0},
                      {"sku": "利群(新版)", "price": 160.0, "price_text": "160元/条", "stock": None}]
    visit = rows(seeded_dbpath, "SELECT * FROM visits")[0]
    assert (visit["checked_sku"], visit["observed_price"]) == ("中华(软)", 750.0)
    assert (visit["arrival_time"], visit["duties"], visit["customer_signed"]) == ("09:05", "abcf", 1)
    # both prices are checked by the flag rules: 中华(软) 750 > guide 700; 利群 160 = guide
    flag_scan()
    assert [(f["kind"], f["subkind"]) for f in open_flags(seeded_dbpath, "C001")] == [("price", "above_guide")]
    bad = run(["visit", "log", "--customer", "C001", "--price", "中华(软):很贵"])
    assert bad.exit_code == 2 and "--price" in bad.stderr and "元/包" in bad.stderr


def test_typed_visit_then_export_is_one_visit_with_both_notes_and_one_flag(seeded_dbpath, tmp_path):
    typed = run_json(["visit", "log", "--customer", "C002", "--date", DAY, "--notes", TIP])
    flag_scan()
    assert len(open_flags(seeded_dbpath, "C002")) == 1
    path = export(tmp_path, ["ZF001", DAY, "C002", "张三烟酒商店", "王建国", "常规访问",
                             "店主反映隔壁无证售烟，已记录", "中华(软)", "800"],
                  ["ZF002", DAY, "C003", "李四食杂店", "王建国", "常规访问", "正常", None, None])
    result = run(["import", "visits", path, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)["files"][0]
    assert (data["stored"], data["merged"]) == (1, 1)  # ZF002 new; ZF001 is the typed visit
    visits = rows(seeded_dbpath, "SELECT * FROM visits WHERE customer_code = 'C002'")
    assert len(visits) == 1
    v = visits[0]
    assert v["visit_key"] == typed["visit_key"] and v["export_key"] == "ZF001"
    assert v["notes"] == f"{TIP}\n导出记录：店主反映隔壁无证售烟，已记录"  # both kept
    assert (v["checked_sku"], v["observed_price"]) == ("中华(软)", 800.0)  # filled from the export
    flag_scan()
    kinds = [(f["kind"], f["visit_key"]) for f in open_flags(seeded_dbpath, "C002")]
    assert kinds == [("price", typed["visit_key"]), ("unlicensed", typed["visit_key"])]
    # the export imported again: still one visit, the same flags
    again = json.loads(run(["import", "visits", path, "--format", "json"]).stdout)["files"][0]
    assert again["merged"] == 1 and again["stored"] == 0
    assert len(rows(seeded_dbpath, "SELECT id FROM visits WHERE customer_code = 'C002'")) == 1
    assert rows(seeded_dbpath, "SELECT notes FROM visits WHERE customer_code = 'C002'")[0]["notes"] == v["notes"]
    flag_scan()
    assert len(open_flags(seeded_dbpath, "C002")) == 2


def test_export_first_then_typed_visit_takes_over_its_flag(seeded_dbpath, tmp_path):
    path = export(tmp_path, ["ZF010", DAY, "C002", "张三烟酒商店", "王建国", "常规访问", TIP, None, None])
    assert run(["import", "visits", path]).exit_code == 0
    flag_scan()
    before = open_flags(seeded_dbpath, "C002")
    assert [f["visit_key"] for f in before] == ["ZF010"]
    typed = run_json(["visit", "log", "--customer", "C002", "--date", DAY, "--notes", TIP])
    assert typed["merged"] == 1
    assert len(rows(seeded_dbpath, "SELECT id FROM visits WHERE customer_code = 'C002'")) == 1
    flag_scan()
    after = open_flags(seeded_dbpath, "C002")
    assert [f["visit_key"] for f in after] == [typed["visit_key"]]  # moved, not raised again
    # a special visit on the same day is another visit
    run(["visit", "log", "--customer", "C002", "--date", DAY, "--type", "特殊", "--notes", "回访"])
    assert len(rows(seeded_dbpath, "SELECT id FROM visits WHERE customer_code = 'C002'")) == 2


def test_special_visit_recorded_after_its_export_row_is_one_visit(seeded_dbpath, tmp_path):
    path = export(tmp_path, ["ZF020", DAY, "C002", "张三烟酒商店", "王建国", "特殊访问",
                             "店主反映假烟流入", None, None])
    assert run(["import", "visits", path]).exit_code == 0
    v = run_json(["visit", "special", "--customer", "C002", "--date", DAY, "--situation",
                  "店主反映假烟流入", "--action", "已报区域市场经理", "--no-form"])
    visits = rows(seeded_dbpath, "SELECT * FROM visits WHERE customer_code = 'C002'")
    assert len(visits) == 1 and visits[0]["export_key"] == "ZF020"
    assert visits[0]["visit_key"] == v["visit_key"] and visits[0]["action"] == "已报区域市场经理"
    # the export imported again folds into the same visit
    assert run(["import", "visits", path]).exit_code == 0
    assert len(rows(seeded_dbpath, "SELECT id FROM visits WHERE customer_code = 'C002'")) == 1


def test_visit_list_edit_delete_keep_history_and_reevaluate_flags(seeded_dbpath):
    run(["visit", "log", "--customer", "C001", "--date", DAY, "--notes", "正常走访"])
    typo = run_json(["visit", "log", "--customer", "C002", "--date", DAY, "--notes", TIP,
                     "--price", "中华(软):800"])
    flag_scan()
    assert len(open_flags(seeded_dbpath, "C002")) == 2
    listed = run_json(["visit", "list", "--customer", "C002"])
    assert [v["id"] for v in listed] == [typo["id"]] and listed[0]["prices"][0]["price"] == 800.0
    assert len(run_json(["visit", "list", "--since", DAY, "--manager", "王建国"])) == 2
    assert run_json(["visit", "list", "--manager", "李娜"]) == []
    # the note was a typo: corrected, the unlicensed flag goes at once; the price one stays
    result = run(["visit", "edit", str(typo["id"]), "--notes", "正常走访", "--by", "王建国"])
    assert result.exit_code == 0, result.output
    assert [f["kind"] for f in open_flags(seeded_dbpath, "C002")] == ["price"]
    result = run(["visit", "edit", str(typo["id"]), "--price", "中华(软):70元/包"])
    assert result.exit_code == 0 and open_flags(seeded_dbpath, "C002") == []
    events = rows(seeded_dbpath, "SELECT action, by, detail FROM visit_events WHERE visit_key = ? ORDER BY id",
                  (typo["visit_key"],))
    assert [e["action"] for e in events] == ["edited", "edited"] and events[0]["by"] == "王建国"
    assert json.loads(events[0]["detail"])["before"]["notes"] == TIP
    # deleted: gone from the list, kept in the history, its flags re-evaluated
    run(["visit", "edit", str(typo["id"]), "--notes", TIP])
    assert [f["kind"] for f in open_flags(seeded_dbpath, "C002")] == ["unlicensed"]
    result = run(["visit", "delete", str(typo["id"]), "--by", "王建国"])
    assert result.exit_code == 0, result.output
    assert run_json(["visit", "list", "--customer", "C002"]) == [] and open_flags(seeded_dbpath, "C002") == []
    deleted = rows(seeded_dbpath, "SELECT by, at, detail FROM visit_events WHERE action = 'deleted'")
    assert deleted[0]["by"] == "王建国" and json.loads(deleted[0]["detail"])["record"]["notes"] == TIP
    assert run(["visit", "delete", "99999"]).exit_code == 2
    assert run(["visit", "edit", str(typo["id"]), "--notes", "x"]).exit_code == 2  # gone


def test_duplicates_stored_before_the_merge_existed_are_merged_by_the_next_import(seeded_dbpath, tmp_path):
    con = sqlite3.connect(seeded_dbpath)
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
    kept = rows(seeded_dbpath, "SELECT visit_key, export_key, notes FROM visits WHERE customer_code = 'C003'")
    assert kept == [{"visit_key": "cmgr:old", "export_key": "ZF900", "notes": "录入\n导出记录：导出"}]


def test_a_corrected_or_deleted_export_visit_stays_so_when_the_export_comes_again(seeded_dbpath, tmp_path):
    path = export(tmp_path, ["ZF500", DAY, "C002", "张三烟酒商店", "王建国", "常规访问", TIP, None, None],
                  ["ZF501", DAY, "C003", "李四食杂店", "王建国", "常规访问", "误录", None, None])
    assert run(["import", "visits", path]).exit_code == 0
    flag_scan()
    assert [f["kind"] for f in open_flags(seeded_dbpath, "C002")] == ["unlicensed"]
    ids = {v["customer_code"]: v["id"] for v in run_json(["visit", "list", "--since", DAY])}
    assert run(["visit", "edit", str(ids["C002"]), "--notes", "正常走访"]).exit_code == 0
    assert open_flags(seeded_dbpath, "C002") == []  # re-evaluated at once
    assert run(["visit", "delete", str(ids["C003"])]).exit_code == 0
    data = json.loads(run(["import", "visits", path, "--format", "json"]).stdout)["files"][0]
    assert data["stored"] == 0 and any("visit delete" in n for n in data["notes"])
    visits = rows(seeded_dbpath, "SELECT customer_code, notes, export_key FROM visits ORDER BY customer_code")
    assert visits == [{"customer_code": "C002", "notes": "正常走访", "export_key": "ZF500"}]
    flag_scan()
    assert open_flags(seeded_dbpath, "C002") == []


def test_visit_log_says_what_it_recorded_in_chinese_and_with_lang_en(seeded_dbpath, monkeypatch):
    from cmgr import i18n

    result = run(["visit", "log", "--customer", "C001", "--date", "2026-11-03", "--notes", "检查陈列",
                  "--price", "中华(软):75元/包"])
    assert result.exit_code == 0, result.output
    assert "访问 FW-20261103-001 已记录：2026-11-03 C001" in result.stderr
    assert "检查了 1 种卷烟" in result.stderr and "recorded" not in result.stderr
    monkeypatch.setattr(i18n, "_language", i18n.language())  # restored after the test
    result = run(["--lang", "en", "visit", "log", "--customer", "C002", "--date", "2026-11-03"])
    assert result.exit_code == 0, result.output
    assert "visit FW-20261103-002 recorded: 2026-11-03 C002" in result.stderr
    assert "已记录" not in result.stderr
    bad = run(["--lang", "en", "visit", "log", "--customer", "C002", "--arrival", "25:00"])
    assert bad.exit_code == 2 and "--arrival '25:00': expected HH:MM" in bad.stderr
