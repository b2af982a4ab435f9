"""`cmgr today`: the day's stops from the saved plan (hand-checkable territory of
tests/cli/test_plan_cmd.py, week 2026-W49), the 80-column table, the A4 sheets, and --done."""

from __future__ import annotations

import json

import pytest
from rich.cells import cell_len

from tests.cli.test_plan_cmd import MON, WEEK, run, seed

MONDAY = MON.isoformat()


@pytest.fixture
def planned(tmp_path, monkeypatch):
    from tests.cli.records_seed import seeded_db_path

    monkeypatch.setenv("CMGR_INTERACTIVE", "0")
    monkeypatch.chdir(tmp_path)
    path = seeded_db_path(tmp_path, monkeypatch, seed, "today.db")
    result = run("plan-week", "--week", WEEK, "-m", "王建国", "--format", "json")
    assert result.exit_code == 0, result.output
    return path, json.loads(result.stdout)["managers"][0]


def today_json(*extra):
    result = run("today", "--date", MONDAY, "-m", "王建国", "--format", "json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_days_stops_in_route_order_with_why_and_what_to_check(planned):
    _, plan = planned
    data = today_json()
    monday = [v for v in plan["visits"] if v["date"] == MONDAY]
    assert [s["customer_code"] for s in data["stops"]] == [v["customer_code"] for v in monday]
    assert [s["seq"] for s in data["stops"]] == list(range(1, len(monday) + 1))
    stops = {s["customer_code"]: s for s in data["stops"]}
    assert stops["A07"]["reasons"][0].startswith("逾期 3 天")
    a18 = stops["A18"]  # the complaint awaiting inspection, urgent: Monday
    assert a18["kind"] == "special" and a18["complaints"][0].startswith("投诉 TS-20261128-001")
    assert "待现场查看" in a18["complaints"][0]
    assert stops["A07"]["last_visit"] == "2026-11-20"
    assert all(s["checks"] == ["许可证号缺失：核对许可证"] for s in data["stops"])  # no licence no.
    assert data["chase"] == [] and data["weekday"] == "周一"


def test_table_fits_80_columns(planned):
    result = run("today", "--date", MONDAY, "-m", "王建国")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) > 10 and max(cell_len(line) for line in lines) <= 80
    assert "A18" in result.stdout and "投诉" in result.stdout


def test_html_and_xlsx_sheets_and_the_xlsx_comes_back(planned, tmp_path):
    import openpyxl

    result = run("today", "--date", MONDAY, "-m", "王建国", "--out", "day.html")
    assert result.exit_code == 0, result.output
    html = (tmp_path / "day.html").read_text(encoding="utf-8")
    assert "今日走访单" in html and "A4 portrait" in html and "TS-20261128-001" in html
    result = run("today", "--date", MONDAY, "-m", "王建国", "--format", "xlsx")
    assert result.exit_code == 0, result.output
    path = tmp_path / f"今日走访单-王建国-{MONDAY}.xlsx"
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["今日走访单", "营销人员市场走访签到记录簿"]
    ws = wb["营销人员市场走访签到记录簿"]
    header = [c.value for c in ws[3]]
    ws.cell(4, header.index("到达时间") + 1, "08:40")
    ws.cell(4, header.index("备注") + 1, "正常走访")
    wb.save(path)
    result = run("import", "visits", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)["files"][0]
    stops = len(today_json()["stops"])
    assert (data["stored"], data["skipped"]) == (1, stops - 1)
    assert today_json()["stops"][0]["visited"] is True


def test_done_lists_missed_stops_and_takes_reasons_by_code_name_number_or_all(planned, tmp_path):
    stops = today_json()["stops"]
    first = stops[0]["customer_code"]
    run("visit", "log", "--customer", first, "--date", MONDAY, "--notes", "正常")
    result = run("today", "--date", MONDAY, "-m", "王建国", "--done", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["visited"] == 1 and len(data["missed"]) == len(stops) - 1
    assert "没有原因" in result.stderr
    # ambiguous names are refused, nothing recorded
    result = run("today", "--date", MONDAY, "-m", "王建国", "--done", "--reason", "客户A:关门")
    assert result.exit_code == 2 and "与 7 个未访问的客户相符" in result.stderr
    result = run("today", "--date", MONDAY, "-m", "王建国", "--done", "--reason", f"{first}:关门")
    assert result.exit_code == 2 and "已于 2026-11-30 访问" in result.stderr
    second, third = stops[1]["customer_code"], stops[2]["customer_code"]
    result = run("today", "--date", MONDAY, "-m", "王建国", "--done", "--format", "json",
                 "--reason", f"客户{second}:1", "--reason", f"{third}:下雨路封了", "--reason", "*:时间不够")
    assert result.exit_code == 0, result.output
    missed = {m["customer_code"]: m["reason"] for m in json.loads(result.stdout)["missed"]}
    assert missed[second] == "店主外出" and missed[third] == "下雨路封了"
    assert all(r == "时间不够" for c, r in missed.items() if c not in (second, third))
    review = json.loads(run("plan-review", "--week", WEEK, "-m", "王建国", "--format", "json").stdout)
    reasons = {v["customer_code"]: v["miss_reason"] for v in review["managers"][0]["visits"]
               if v["date"] == MONDAY and v["status"] == "not_visited"}
    assert reasons[second] == "店主外出"


def test_no_saved_plan_says_which_command_makes_it(planned):
    result = run("today", "--date", "2027-03-01", "-m", "王建国")
    assert result.exit_code == 2 and "plan-week --week 2027-W09" in result.stderr
    result = run("today", "--date", "昨天", "-m", "王建国")
    assert result.exit_code == 2 and "--date" in result.stderr


def test_the_xlsx_keeps_formula_like_names_as_text_without_control_characters(planned, tmp_path):
    import sqlite3

    import openpyxl

    evil = '=HYPERLINK("http://x","y")\x1b[2J\x07'
    con = sqlite3.connect(planned[0])
    con.execute("UPDATE customers SET customer_name = ? || customer_code", (evil,))
    con.commit()
    con.close()
    result = run("plan-week", "--week", WEEK, "-m", "王建国", "--format", "json")  # saved again
    assert result.exit_code == 0, result.output
    result = run("today", "--date", MONDAY, "-m", "王建国", "--format", "xlsx")
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(tmp_path / f"今日走访单-王建国-{MONDAY}.xlsx")
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" and "\x1b" not in c.value and "\x07" not in c.value
                         for c in cells)


def test_an_empty_day_is_one_line_not_an_empty_table(planned):
    result = run("today", "--date", "2026-12-01", "-m", "王建国")  # Tuesday: nothing planned
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "今日走访 王建国 2026-12-01（周二）：本日没有安排访问（2026-W49）"
    assert "━" not in result.stdout and result.stderr == ""


def test_today_in_english_with_lang_en(planned, monkeypatch):
    from cmgr import i18n

    monkeypatch.setattr(i18n, "_language", i18n.language())  # restored after the test
    result = run("--lang", "en", "today", "--date", MONDAY, "-m", "王建国")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Today 王建国 2026-11-30 (Mon) 8 customers"
    assert "To check" in result.stdout and max(cell_len(line) for line in lines) <= 80
    result = run("--lang", "en", "today", "--date", MONDAY, "-m", "王建国", "--done")
    assert "planned 8, visited 0, not visited 8" in result.stdout
    assert "8 missed stop(s) without a reason" in result.stderr
