"""`cmgr visit`, `cmgr promo`, `cmgr customer`: the manager's other records."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta

import pytest

from tests.cli.records_seed import run, run_json, seeded_db_path


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


# --- visits ----------------------------------------------------------------------------------

def test_visit_log_with_options_is_stored_beside_imported_visits(dbpath):
    v = run_json(["visit", "log", "--customer", "C001", "--date", "2026/11/3", "--notes", "检查陈列",
                  "--sku", "中华（软）", "--price", "７２０元"])
    assert v["visit_key"].startswith("cmgr:") and v["visit_id"] == "FW-20261103-001"
    stored = rows(dbpath, "SELECT * FROM visits")
    assert len(stored) == 1
    s = stored[0]
    assert (s["source"], s["visit_date"], s["customer_code"], s["visit_type"]) == (
        "cmgr", "2026-11-03", "C001", "常规访问")
    assert (s["checked_sku"], s["observed_price"], s["manager"]) == ("中华(软)", 720.0, "王建国")
    second = run_json(["visit", "log", "--customer", "C002", "--date", "2026-11-03", "--type", "特殊"])
    assert second["visit_id"] == "FW-20261103-002" and second["visit_type"] == "特殊访问"


def test_visit_log_errors_name_the_option(dbpath):
    result = run(["visit", "log"])
    assert result.exit_code == 2 and "--customer" in result.stderr
    result = run(["visit", "log", "--customer", "C001", "--price", "20"])
    assert result.exit_code == 2 and "--sku" in result.stderr
    result = run(["visit", "log", "--customer", "C001", "--sku", "利群", "--price", "很贵"])
    assert result.exit_code == 2 and "--price" in result.stderr
    result = run(["visit", "log", "--customer", "C001", "--type", "偶尔"])
    assert result.exit_code == 2 and "--type" in result.stderr
    assert rows(dbpath, "SELECT count(*) AS n FROM visits")[0]["n"] == 0


def test_visit_log_interactive(dbpath):
    answers = "\n".join(["王五", "2026-11-05", "特殊", "老板反映断货", "利群", "16"]) + "\n"
    result = run(["visit", "log"], input=answers, interactive=True)
    assert result.exit_code == 0, result.output
    s = rows(dbpath, "SELECT * FROM visits")[0]
    assert (s["customer_code"], s["visit_date"], s["visit_type"], s["notes"]) == (
        "C004", "2026-11-05", "特殊访问", "老板反映断货")
    assert (s["checked_sku"], s["observed_price"]) == ("利群(新版)", 16.0)


@pytest.mark.parametrize("fmt", ["html", "docx"])
def test_visit_special_is_recorded_and_rendered(dbpath, tmp_path, fmt):
    out = tmp_path / f"sv.{fmt}"
    v = run_json(["visit", "special", "--customer", "C002", "--date", "2026-11-10",
                  "--situation", "店主反映假烟<流入>", "--action", "已报区域市场经理", "--form-format",
                  fmt, "--out", str(out)])
    s = rows(dbpath, "SELECT * FROM visits")[0]
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


def test_special_visit_record_printed_again_from_the_record(dbpath, tmp_path):
    v = run_json(["visit", "special", "--customer", "C002", "--date", "2026-11-10",
                  "--situation", "断货", "--action", "补货", "--no-form"])
    before = rows(dbpath, "SELECT count(*) AS n FROM visits")[0]["n"]
    out = tmp_path / "again.docx"
    result = run(["visit", "special-form", v["visit_id"], "--format", "docx", "--out", str(out)])
    assert result.exit_code == 0, result.output
    import docx

    d = docx.Document(str(out))
    text = "\n".join(c.text for t in d.tables for r in t.rows for c in r.cells)
    assert "断货" in text and "补货" in text and "客户经理签字" in text
    assert rows(dbpath, "SELECT count(*) AS n FROM visits")[0]["n"] == before  # not recorded twice
    assert run(["visit", "special-form", "FW-20990101-001"]).exit_code == 2
    assert run(["visit", "special-form", "V1", "--format", "pdf"]).exit_code == 2


def test_visit_special_needs_situation_and_action(dbpath):
    result = run(["visit", "special", "--customer", "C002", "--situation", "x"])
    assert result.exit_code == 2 and "--action" in result.stderr


# --- promo -----------------------------------------------------------------------------------

def test_promo_recommend_scores_recomputed_and_level_two_absent(dbpath):
    data = run_json(["promo", "recommend", "--top", "10"])
    customers = data["customers"]
    codes = [c["customer_code"] for c in customers]
    assert "C003" not in codes  # 档位 10: 二级
    assert set(codes) == {"C001", "C002", "C004", "C005"}
    assert all(c["level"] >= 3 for c in customers)
    weights = data["settings"]["weights"]
    for c in customers:
        parts = {p["part"]: p for p in c["parts"]}
        assert {p["weight"] for p in parts.values()} <= set(weights.values())
        recomputed = 100 * sum(weights[k] * parts[k]["score"] for k in weights) / sum(weights.values())
        assert c["total"] == pytest.approx(round(recomputed, 2))
    totals = [c["total"] for c in customers]
    assert totals == sorted(totals, reverse=True)
    by = {c["customer_code"]: c for c in customers}
    # C001 grows (weekly qty rising), C002 shrinks: growth scores reflect it
    assert by["C001"]["growth"] > 0 > by["C002"]["growth"]
    assert by["C001"]["growth_score"] > by["C002"]["growth_score"]
    # C001 also buys 中华(软) at 610 元/条: the highest 单箱值
    assert by["C001"]["structure_score"] == 1.0
    assert by["C002"]["settlement_score"] == 0.0 and by["C004"]["settlement_score"] == 0.5


def test_promo_recommend_manager_and_config(dbpath, tmp_path, monkeypatch):
    data = run_json(["promo", "recommend", "--manager", "李娜"])
    assert [c["customer_code"] for c in data["customers"]] == ["C005"]
    result = run(["promo", "recommend", "--manager", "王小明"])
    assert result.exit_code == 2 and "王建国" in result.stderr
    cfg = tmp_path / "c.toml"
    cfg.write_text("[promo]\nmin_level = 5\n", encoding="utf-8")
    data = run_json(["--config", str(cfg), "promo", "recommend"])
    assert [c["customer_code"] for c in data["customers"]] == ["C004"]
    cfg.write_text("[promo.weights]\ngrowth = -1\n", encoding="utf-8")
    result = run(["--config", str(cfg), "promo", "recommend"])
    assert result.exit_code == 2 and "promo.weights.growth" in result.stderr


def test_promo_recommend_xlsx_and_csv(dbpath, tmp_path):
    import openpyxl

    out = tmp_path / "list.xlsx"
    assert run(["promo", "recommend", "--format", "xlsx", "--out", str(out)]).exit_code == 0
    ws = openpyxl.load_workbook(out).active
    assert "促销客户推荐名单" in ws["A1"].value
    header = [c.value for c in ws[2]]
    assert header[:3] == ["排名", "客户编码", "客户名称"] and "综合得分" in header
    body = [[c.value for c in r] for r in ws.iter_rows(min_row=3)]
    assert len(body) == 4 and {r[1] for r in body} == {"C001", "C002", "C004", "C005"}
    csv_out = tmp_path / "list.csv"
    assert run(["promo", "recommend", "--format", "csv", "--out", str(csv_out)]).exit_code == 0
    text = csv_out.read_text(encoding="utf-8-sig").splitlines()
    assert text[0].startswith("排名,客户编码") and len(text) == 5


@pytest.mark.parametrize("fmt", ["docx", "html"])
def test_promo_receipt_from_the_last_list(dbpath, tmp_path, fmt):
    run_json(["promo", "recommend", "--top", "2"])
    out = tmp_path / f"r.{fmt}"
    result = run(["promo", "receipt", "--campaign", "元旦宣传", "--item", "宣传海报", "--qty", "2",
                  "--format", fmt, "--out", str(out), "--date", "2026-12-01"])
    assert result.exit_code == 0, result.output
    lines = rows(dbpath, "SELECT r.*, c.name FROM promo_receipts r JOIN promo_campaigns c "
                         "ON c.id = r.campaign_id ORDER BY r.id")
    assert len(lines) == 2 and {r["item"] for r in lines} == {"宣传海报"}
    assert {r["qty"] for r in lines} == {2.0} and lines[0]["issued_on"] == "2026-12-01"
    if fmt == "docx":
        import docx

        d = docx.Document(str(out))
        cells = [[c.text for c in r.cells] for t in d.tables for r in t.rows]
        assert cells[0][:3] == ["序号", "客户编码", "客户名称"] and "客户签名" in cells[0]
        # header, one row per customer (the loop rows are gone), the total
        assert len(cells) == 4
        assert {cells[1][1], cells[2][1]} == {r["customer_code"] for r in lines}
        assert [row[5] for row in cells[1:]] == ["2 份", "2 份", "4 份"]  # with the unit; total
        assert cells[3][0] == "合计 2 户"
        assert all(row[6] == "" for row in cells[1:3])  # blank signature boxes
        text = "\n".join(p.text for p in d.paragraphs)
    else:
        text = out.read_text(encoding="utf-8")
        assert "4 份" in text
    assert "宣传促销品签收单" in text and "元旦宣传" in text
    assert "客户经理（签字）" in text and "品牌经理（签字）" in text


def test_promo_receipt_named_customers_and_errors(dbpath, tmp_path):
    result = run(["promo", "receipt", "--campaign", "x", "--item", "海报", "--customers", "C003",
                  "--format", "html", "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 0 and "三级以上" in result.stderr  # warned, not refused
    result = run(["promo", "receipt", "--campaign", "x", "--customers", "C001,C999"])
    assert result.exit_code == 2 and "C999" in result.stderr
    result = run(["promo", "receipt", "--campaign", "新活动", "--customers", "C001"])
    assert result.exit_code == 2 and "--item" in result.stderr


def test_promo_receipt_without_a_list(dbpath):
    result = run(["promo", "receipt", "--campaign", "x", "--item", "海报"])
    assert result.exit_code == 2 and "promo recommend" in result.stderr


# --- customers -------------------------------------------------------------------------------

def test_join_leave_keep_history(dbpath):
    joined = run_json(["customer", "join", "C100", "--name", "新开便利店", "--grade", "8",
                       "--manager", "王建国", "--route", "城东一线", "--date", "2026-11-02",
                       "--settlement", "电子结算"])
    assert (joined["status"], joined["joined_on"], joined["grade"]) == ("正常", "2026-11-02", 8)
    result = run(["customer", "join", "C100", "--name", "又一家"])
    assert result.exit_code == 2 and "already in the network" in result.stderr
    before = rows(dbpath, "SELECT count(*) AS n FROM order_lines WHERE customer_code = 'C002'")[0]["n"]
    left = run_json(["customer", "leave", "C002", "--date", "2026-11-20", "--reason", "店铺转让"])
    assert (left["status"], left["left_on"]) == ("已退网", "2026-11-20")
    after = rows(dbpath, "SELECT count(*) AS n FROM order_lines WHERE customer_code = 'C002'")[0]["n"]
    assert after == before > 0
    result = run(["customer", "leave", "C002", "--reason", "x"])
    assert result.exit_code == 2 and "already left" in result.stderr
    assert run(["customer", "leave", "C001"]).exit_code == 2  # no reason, no terminal
    assert run(["customer", "leave", "C404", "--reason", "x"]).exit_code == 2
    events = rows(dbpath, "SELECT customer_code, event, on_date, reason FROM customer_events ORDER BY id")
    assert events == [{"customer_code": "C100", "event": "join", "on_date": "2026-11-02", "reason": None},
                      {"customer_code": "C002", "event": "leave", "on_date": "2026-11-20",
                       "reason": "店铺转让"}]
    # a customer who left drops out of the promotion list
    codes = [c["customer_code"] for c in run_json(["promo", "recommend"])["customers"]]
    assert "C002" not in codes
    # and can join again, history kept
    back = run_json(["customer", "join", "C002", "--date", "2026-12-01"])
    assert (back["status"], back["left_on"], back["joined_on"]) == ("正常", None, "2026-12-01")
    assert len(rows(dbpath, "SELECT * FROM customer_events WHERE customer_code = 'C002'")) == 2


def test_join_with_a_visit_day_shows_it_on_the_card(dbpath):
    joined = run_json(["customer", "join", "C300", "--name", "周记烟酒", "--grade", "12",
                       "--manager", "王建国", "--route", "城东一线", "--visit-day", "星期二、星期五"])
    assert joined["visit_weekdays"] == "25"
    table = run(["customer", "show", "C300"])
    assert table.exit_code == 0 and "周二、周五" in table.stdout
    bad = run(["customer", "join", "C301", "--name", "x", "--visit-day", "下周"])
    assert bad.exit_code == 2 and "--visit-day" in bad.stderr and "周二" in bad.stderr


def test_join_without_a_name_in_a_script(dbpath):
    result = run(["customer", "join", "C200"])
    assert result.exit_code == 2 and "--name" in result.stderr


def test_customer_show_card(dbpath):
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
    expected = rows(dbpath, "SELECT sum(qty) AS q FROM order_lines WHERE customer_code = 'C001' "
                            "AND order_date >= ?", (first + "-01",))[0]["q"]
    assert sum(m["qty"] for m in months) == pytest.approx(expected)
    table = run(["customer", "show", "张三便"])
    assert table.exit_code == 0
    assert "█" in table.stdout and cid in table.stdout and "三级" in table.stdout
    assert "陈列整齐" in table.stdout


def test_visits_logged_here_are_the_last_visit(dbpath):
    """plan-week reads the last visit from the visits table, whatever its source."""
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    run(["visit", "log", "--customer", "C004", "--date", yesterday])
    last = rows(dbpath, "SELECT max(visit_date) AS d FROM visits WHERE customer_code = 'C004'")
    assert last[0]["d"] == yesterday
    card = run_json(["customer", "show", "C004"])
    assert card["visits"][0]["visit_date"] == yesterday and card["visits"][0]["source"] == "cmgr"
    assert json.dumps(card, ensure_ascii=False)


def test_visits_logged_here_feed_the_flags(dbpath):
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


def test_a_customer_who_left_is_out_of_the_plan(dbpath):
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
