"""`cmgr plan-week` and `cmgr plan-review` end to end, on the hand-checkable territory of
tests/core/test_visit_plan.py written into a database (with visit history for the routes'
weekdays, orders for 断订 and a drop, and an open complaint)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from html.parser import HTMLParser

from typer.testing import CliRunner

from tests.core.test_visit_plan import DUE_ONCE, DUE_TWICE, ROUTE_WEEKDAYS, TERRITORY, territory

WEEK = "2026-W49"
MON = date(2026, 11, 30)
VISIT_KEYS = ["manager", "date", "seq", "customer_code", "customer_name", "route", "grade", "kind",
              "reasons", "last_visit", "next_due", "km_from_previous"]


def seed(db) -> None:
    from cmgr.store.records import upsert

    with db.transaction():
        rows = []
        for c in territory():
            rows.append((c.code, c.name, c.address, c.phone, c.grade, c.grade_label, "王建国",
                         c.route, c.lon, c.lat, c.joined_on.isoformat(), c.status))
        rows.append(("B01", "李娜的店", "城西路1号", None, 10, "10", "李娜", "西一线", 116.9, 36.6,
                     "2015-01-01", "正常"))
        upsert(db, "customers", ["customer_name", "address", "phone", "grade", "grade_label",
                                 "manager", "route", "lon", "lat", "joined_on", "status"], rows, None)
        visits = []
        for code, _grade, route, last, _joined, _status in TERRITORY:
            if last is None or code == "A12":
                continue
            visits.append((f"{code}|{last}", last, code, "常规访问"))
            # history on the route's weekday, for learning it (12 weeks before the plan)
            for week in (10, 11):
                day = MON - timedelta(weeks=week) + timedelta(days=ROUTE_WEEKDAYS[route] - 1)
                visits.append((f"{code}|{day}", day.isoformat(), code, "常规访问"))
        visits.append(("A12|2026-11-12", "2026-11-12", "A12", "常规访问"))
        visits.append(("B01|2026-11-10", "2026-11-10", "B01", "常规访问"))
        upsert(db, "visits", ["visit_date", "customer_code", "visit_type"], visits, None)
        orders = []
        for c in territory():
            for week in range(12):
                day = (MON - timedelta(days=3 + 7 * week)).isoformat()
                qty = 10.0
                if c.code == "A16" and week < 3:
                    continue  # 断订: nothing in the last 3 weeks
                if c.code == "A17" and week < 4:
                    qty = 2.0  # large drop
                orders.append((f"{c.code}|{day}", day, c.code, "6901016302772", qty))
        upsert(db, "orders", ["order_date", "customer_code", "sku_code", "qty"], orders, None)
        if db.scalar("SELECT count(*) FROM sqlite_master WHERE name='complaints'"):
            db.execute("INSERT INTO complaints (id, customer_code, qty, problem, status, created_at) "
                       "VALUES ('TS-20261128-001', 'A18', 2, '霉变', 'new', '2026-11-28T10:00:00')")


def run(*args):
    from cmgr.cli.app import app

    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def plan_json(*extra) -> dict:
    result = run("plan-week", "--week", WEEK, "-m", "王建国", "--format", "json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_json_plan_has_the_due_customers_and_the_documented_keys(plan_db):
    data = plan_json()
    assert data["week"] == WEEK and len(data["managers"]) == 1
    m = data["managers"][0]
    assert set(m) >= {"visits", "pushed"}
    assert all(list(v) == VISIT_KEYS for v in m["visits"])
    codes = [v["customer_code"] for v in m["visits"]]
    expected_special = {"A16", "A18"}  # 断订 and the open complaint (A19 needs the flags table)
    assert set(codes) == DUE_ONCE | DUE_TWICE | expected_special
    assert {c for c in codes if codes.count(c) == 2} == DUE_TWICE
    by_code = {v["customer_code"]: v for v in m["visits"]}
    assert by_code["A16"]["kind"] == "special" and by_code["A16"]["reasons"][0].startswith("断订")
    assert any(r.startswith("订货大幅下降") for r in by_code["A17"]["reasons"])
    assert "TS-20261128-001" in by_code["A18"]["reasons"][0]
    # routes learned from the history keep their weekday
    assert m["route_weekdays"] == {"东线": 1, "南线": 5, "西线": 3}
    for v in m["visits"]:
        if v["customer_code"] == "A18":  # the complaint awaiting inspection: urgent, Monday
            assert v["date"] == MON.isoformat()
        elif v["customer_code"] not in DUE_TWICE:
            expected = MON + timedelta(days=ROUTE_WEEKDAYS[v["route"]] - 1)
            assert v["date"] == expected.isoformat(), v
    assert m["pushed"] == [] and m["warnings"] == []
    assert "直线距离" in data["distance"]


def test_deterministic_bytes_for_csv_and_json(plan_db):
    outs = []
    for _ in range(2):
        for fmt in ("json", "csv"):
            result = run("plan-week", "--week", WEEK, "-m", "王建国", "--format", fmt, "--no-save")
            assert result.exit_code == 0, result.output
            outs.append(result.stdout_bytes)
    assert outs[0] == outs[2] and outs[1] == outs[3]


def test_xlsx_is_the_same_bytes_for_the_same_plan(plan_db, tmp_path, monkeypatch):
    import datetime as real_datetime
    import time
    import zipfile

    real_sleep = time.sleep
    paths = []
    for i, clock in enumerate((0, 3 * 3600 + 7)):  # a later run: openpyxl and zip would stamp it
        base = time.time() + clock
        monkeypatch.setattr(time, "time", lambda base=base: base)
        monkeypatch.setattr(time, "localtime", lambda *_a, base=base: real_datetime.datetime
                            .fromtimestamp(base).timetuple())
        out = tmp_path / f"run{i}" / "plan.xlsx"
        if i:  # openpyxl also stamps datetime.now() into the document: a second apart at least
            real_sleep(1.05)
        result = run("plan-week", "--week", WEEK, "-m", "王建国", "--no-save", "--out", str(out))
        assert result.exit_code == 0, result.output
        paths.append(out)
    assert paths[0].read_bytes() == paths[1].read_bytes()
    with zipfile.ZipFile(paths[0]) as zf:
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert b"2000-01-01T00:00:00Z" in zf.read("docProps/core.xml")


def test_csv_has_bom_and_parses_back(plan_db, tmp_path):
    result = run("plan-week", "--week", WEEK, "-m", "王建国", "--out", "plans/{manager}-{week}.csv")
    assert result.exit_code == 0, result.output
    path = tmp_path / "plans" / f"王建国-{WEEK}.csv"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(rows[0]) == VISIT_KEYS
    json_visits = plan_json("--no-save")["managers"][0]["visits"]
    assert len(rows) == len(json_visits)
    for row, v in zip(rows, json_visits, strict=True):
        assert row["customer_code"] == v["customer_code"] and row["date"] == v["date"]
        assert row["reasons"].split("；") == v["reasons"]
        assert (float(row["km_from_previous"]) if row["km_from_previous"] else None) == \
            v["km_from_previous"]


def test_xlsx_two_printable_sheets_parse_back(plan_db, tmp_path):
    import openpyxl

    result = run("plan-week", "--week", WEEK, "-m", "王建国", "--format", "xlsx", "--out",
                 "out/{manager}-{week}.xlsx")
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(tmp_path / "out" / f"王建国-{WEEK}.xlsx")
    assert wb.sheetnames == ["客户访问日程表", "营销人员市场走访签到记录簿"]
    ws = wb["客户访问日程表"]
    header = [c.value for c in ws[3]]
    assert header == ["日期", "序号", "客户编码", "客户名称", "经营地址", "联系电话", "档位", "线路",
                      "访问事由", "上次访问日期"]
    assert ws.freeze_panes == "A4" and ws.print_title_rows.replace("$", "") == "3:3"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
    body = []
    for row in ws.iter_rows(min_row=4, values_only=True):
        if row[0] is None:
            break
        body.append(row)
    visits = plan_json("--no-save")["managers"][0]["visits"]
    assert [(r[0].date().isoformat(), r[1], r[2]) for r in body] == \
        [(v["date"], v["seq"], v["customer_code"]) for v in visits]
    sign = wb["营销人员市场走访签到记录簿"]
    sheader = [c.value for c in sign[3]]
    assert sheader[:5] == ["日期", "序号", "客户编码", "客户名称", "访问类型"]
    # what the manager fills in: arrival, the a-f ticks, three cigarettes (price, stock), signed
    assert sheader[11] == "到达时间" and sheader[12:15] == ["卷烟1", "零售价1", "库存1(条)"]
    assert sheader[-3:] == ["客户签名(是/否)", "客户经理签名", "备注"] and len(sheader) == 5 + 6 + 1 + 9 + 3
    assert sign.max_row - 3 == len(visits)


class _Html(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.cells: list[str] = []
        self._in_td = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in_td = tag == "td"

    def handle_endtag(self, tag):
        if tag == "td":
            self._in_td = False

    def handle_data(self, data):
        if self._in_td and data.strip():
            self.cells.append(data.strip())


def test_html_with_sketch_maps_parses_back(plan_db, tmp_path):
    result = run("plan-week", "--week", WEEK, "-m", "王建国", "--out", "p.html")
    assert result.exit_code == 0, result.output
    text = (tmp_path / "p.html").read_text(encoding="utf-8")
    parser = _Html()
    parser.feed(text)
    visits = plan_json("--no-save")["managers"][0]["visits"]
    days_with_visits = len({v["date"] for v in visits})
    assert parser.tags.count("svg") == days_with_visits
    assert parser.tags.count("circle") == len(visits)
    assert "@page" in text and "landscape" in text and "http" not in text.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")  # no map tiles, works offline
    for v in visits:
        assert v["customer_code"] in parser.cells
    assert "营销人员市场走访签到记录簿" in text


def test_capacity_option_pushes_and_table_summarises(plan_db):
    data = plan_json("--visits-per-day", "2", "--no-save")
    m = data["managers"][0]
    assert len(m["visits"]) == 10
    # as in the core test, but without A19's flag (no flags table here) A01 keeps its place
    assert sorted(p["customer_code"] for p in m["pushed"]) == sorted(
        ["A09", "A10", "A08", "A04", "A06", "A12"])
    assert all(set(p) >= {"customer_code", "reason"} for p in m["pushed"])
    result = run("plan-week", "--week", WEEK, "-m", "王建国", "--visits-per-day", "2", "--no-save")
    assert result.exit_code == 0
    assert "顺延到下周 6 户" in result.stderr and "直线距离" in result.stdout


def test_unknown_manager_suggests_close_names(plan_db):
    result = run("plan-week", "--week", WEEK, "-m", "王建民")
    assert result.exit_code == 2 and "王建民" in result.stderr and "王建国" in result.stderr
    assert "Traceback" not in result.output
    result = run("plan-week", "--week", WEEK)  # two managers and none named
    assert result.exit_code == 2 and "--all" in result.stderr


def test_all_managers_and_out_placeholders(plan_db, tmp_path):
    result = run("plan-week", "--week", WEEK, "--all", "--out", "x.xlsx")
    assert result.exit_code == 2 and "{manager}" in result.stderr
    assert not (tmp_path / "x.xlsx").exists()
    result = run("plan-week", "--week", WEEK, "--all", "--out", "plans/{manager}/{week}.json")
    assert result.exit_code == 0, result.output
    for name in ("王建国", "李娜"):
        data = json.loads((tmp_path / "plans" / name / f"{WEEK}.json").read_text(encoding="utf-8"))
        assert [m["manager"] for m in data["managers"]] == [name]


def test_uncovered_and_blank_grades_are_planned_with_warnings_and_exit_6(plan_db, tmp_path):
    from cmgr.store.db import open_database

    db = open_database(plan_db)
    with db.transaction():  # A02 (not due by its 档位 3) loses its 档位 in the roster
        db.execute("UPDATE customers SET grade = NULL, grade_label = NULL WHERE customer_code = 'A02'")
    db.close()
    config = tmp_path / "narrow.toml"
    config.write_text("[[plan.policy]]\ngrades = [1, 20]\nlevel = 1\ninterval_days = 14\n",
                      encoding="utf-8")
    result = run("--config", str(config), "plan-week", "--week", WEEK, "--all", "--out",
                 "{manager}.json")
    assert result.exit_code == 6, result.output
    # the plan came out for both managers, and is saved
    data = json.loads((tmp_path / "王建国.json").read_text(encoding="utf-8"))["managers"][0]
    assert (tmp_path / "李娜.json").exists()
    warned = sorted(w.split()[0] for w in data["warnings"])
    # 档位 21-28 are outside the one band; A02 has none: each is planned as due, with the reason
    uncovered = sorted(c for c, g, *_ in TERRITORY if g > 20 and c not in ("A14", "A15"))
    assert warned == sorted(["A02", *uncovered])
    by_code = {v["customer_code"]: v for v in data["visits"]}
    assert set(warned) <= set(by_code)
    assert by_code["A02"]["reasons"][0] == "档位缺失，按最高频次安排，请核对"
    assert "A02" in result.stderr and "档位缺失" in result.stderr and "退出码 6" in result.stderr
    result = run("plan-review", "--week", WEEK, "-m", "王建国", "--format", "json")
    assert result.exit_code == 0 and "A02" in result.stdout  # saved like any plan


def test_no_customers_is_an_error(tmp_path, monkeypatch):
    from cmgr.store.db import open_database

    open_database(tmp_path / "empty.db").close()  # a database, without a roster
    monkeypatch.setenv("CMGR_DB", str(tmp_path / "empty.db"))
    result = run("plan-week", "--week", WEEK)
    assert result.exit_code == 2 and "客户名册" in result.stderr


def test_past_week_warns_and_guessed_year_warns(plan_db):
    result = run("plan-week", "--week", "2026-W40", "-m", "王建国", "--format", "json", "--no-save")
    assert result.exit_code == 0 and "已经过去" in result.stderr
    json.loads(result.stdout)  # warnings stay off stdout
    result = run("plan-week", "--week", "2030-W10", "-m", "王建国", "--format", "json", "--no-save")
    assert result.exit_code == 0 and "2030" in result.stderr and "周一至周五" in result.stderr


def test_a_plan_week_warning_reads_in_english_with_lang_en(plan_db, monkeypatch):
    from cmgr import i18n

    monkeypatch.setattr(i18n, "_language", i18n.language())  # restored after the test
    result = run("--lang", "en", "plan-week", "--week", "2026-W40", "-m", "王建国", "--format",
                 "json", "--no-save")
    assert result.exit_code == 0
    assert ("2026-W40 (2026-09-28 to 2026-10-04) is over: planned again on the data of then"
            in result.stderr)
    assert "已经过去" not in result.stderr


def test_bad_week_and_start_options(plan_db):
    assert run("plan-week", "--week", "2026-W60", "-m", "王建国").exit_code == 2
    result = run("plan-week", "--start", "2026-12-02", "-m", "王建国")
    assert result.exit_code == 2 and "2026-11-30" in result.stderr
    result = run("plan-week", "--start", "2026-11-30", "-m", "王建国", "--format", "json",
                 "--no-save")
    assert result.exit_code == 0 and json.loads(result.stdout)["week"] == WEEK


def test_review_then_missed_customers_come_first_next_week(plan_db):
    from cmgr.store.db import open_database
    from cmgr.store.records import upsert

    data = plan_json()  # saved
    visits = data["managers"][0]["visits"]
    first, second, third = visits[0], visits[1], visits[2]
    # the first visited as planned, the second a day late, the rest not at all
    db = open_database(plan_db)
    try:
        with db.transaction():
            late = (date.fromisoformat(second["date"]) + timedelta(days=1)).isoformat()
            upsert(db, "visits", ["visit_date", "customer_code", "visit_type"], [
                ("r1", first["date"], first["customer_code"], "常规访问"),
                ("r2", late, second["customer_code"], "常规访问")], None)
    finally:
        db.close()
    result = run("plan-review", "--week", WEEK, "-m", "王建国", "--format", "json")
    assert result.exit_code == 0, result.output
    review = json.loads(result.stdout)["managers"][0]
    status = {(x["customer_code"], x["date"]): x["status"] for x in review["visits"]}
    assert status[(first["customer_code"], first["date"])] == "as_planned"
    assert status[(second["customer_code"], second["date"])] == "other_day"
    assert status[(third["customer_code"], third["date"])] == "not_visited"
    assert review["summary"]["not_visited"] == len(visits) - 2
    assert "没有原因" in result.stderr

    code = third["customer_code"]
    result = run("plan-review", "--week", WEEK, "-m", "王建国", "--reason", f"{code}:店主外出",
                 "--format", "json")
    assert result.exit_code == 0, result.output
    lines = json.loads(result.stdout)["managers"][0]["visits"]
    assert {x["miss_reason"] for x in lines if x["customer_code"] == code} == {"店主外出"}
    bad = run("plan-review", "--week", WEEK, "-m", "王建国", "--reason", f"{first['customer_code']}:x")
    assert bad.exit_code == 2 and "已访问" in bad.stderr
    assert run("plan-review", "--week", WEEK, "-m", "王建国", "--reason", "nocolon").exit_code == 2

    nxt = run("plan-week", "--week", "2026-W50", "-m", "王建国", "--format", "json", "--no-save")
    assert nxt.exit_code == 0, nxt.output
    planned = json.loads(nxt.stdout)["managers"][0]["visits"]
    missed = {v["customer_code"] for v in planned if any(r.startswith("上周计划访问未完成")
                                                         for r in v["reasons"])}
    assert code in missed and first["customer_code"] not in missed


def test_review_xlsx(plan_db, tmp_path):
    import openpyxl

    plan_json()
    result = run("plan-review", "--week", WEEK, "-m", "王建国", "--out", "review-{week}.xlsx")
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(tmp_path / f"review-{WEEK}.xlsx")
    ws = wb["访问计划执行情况"]
    assert [c.value for c in ws[3]][:4] == ["客户经理", "计划日期", "序号", "客户编码"]
    assert ws.max_row - 3 == len(plan_json("--no-save")["managers"][0]["visits"])


def test_review_without_saved_plan(plan_db):
    result = run("plan-review", "--week", WEEK, "-m", "王建国")
    assert result.exit_code == 2 and "plan-week" in result.stderr


def test_calendar_file_leave_moves_the_route_day(plan_db, tmp_path):
    calendar = tmp_path / "calendar.toml"
    calendar.write_text('[leave]\n"王建国" = ["2026-11-30"]\n', encoding="utf-8")
    config = tmp_path / "cfg.toml"
    config.write_text(f'[calendar]\nfile = "{calendar.as_posix()}"\n', encoding="utf-8")
    result = run("--config", str(config), "plan-week", "--week", WEEK, "-m", "王建国", "--format",
                 "json", "--no-save")
    assert result.exit_code == 0, result.output
    m = json.loads(result.stdout)["managers"][0]
    assert "2026-11-30" not in m["workdays"]
    east = {v["date"] for v in m["visits"] if v["route"] == "东线" and
            v["customer_code"] not in DUE_TWICE}
    assert east == {"2026-12-01"}  # Monday's route on the next working day


def test_each_manager_can_have_their_own_start_point(plan_db, tmp_path):
    config = tmp_path / "cfg.toml"
    config.write_text("[plan]\nstart_lon = 117.0\nstart_lat = 36.6\n"
                      "[plan.start_points]\n\"李娜\" = [116.91, 36.61]\n", encoding="utf-8")
    result = run("--config", str(config), "plan-week", "--week", WEEK, "-m", "王建国", "-m", "李娜",
                 "--format", "json", "--no-save")
    assert result.exit_code == 0, result.output
    starts = {m["manager"]: m["start_point"] for m in json.loads(result.stdout)["managers"]}
    assert starts["李娜"] == {"lon": 116.91, "lat": 36.61, "source": "config"}
    assert starts["王建国"] == {"lon": 117.0, "lat": 36.6, "source": "config"}  # the shared one
    shown = json.loads(run("--config", str(config), "config", "show", "--format", "json").stdout)
    assert shown["values"]["plan.start_points"]["value"] == {"李娜": [116.91, 36.61]}


def test_half_a_start_point_is_a_config_error(plan_db, tmp_path):
    config = tmp_path / "cfg.toml"
    config.write_text("[plan]\nstart_lon = 117.0\n", encoding="utf-8")
    result = run("--config", str(config), "plan-week", "--week", WEEK, "-m", "王建国")
    assert result.exit_code == 2 and "start_lat" in result.stderr
    config.write_text("[plan]\nstart_lon = 117.0\nstart_lat = 36.6\n", encoding="utf-8")
    result = run("--config", str(config), "plan-week", "--week", WEEK, "-m", "王建国", "--format",
                 "json", "--no-save")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["managers"][0]["start_point"] == {
        "lon": 117.0, "lat": 36.6, "source": "config"}


# --- the terminal table at 80 columns, and the language ------------------------------------------

LONG_NAME = "历下区泉城路老字号烟酒食杂便利店（二分店）"


def _table_output(plan_db, monkeypatch, width: int, *extra: str) -> str:
    from cmgr.cli import common
    from cmgr.store.db import open_database

    db = open_database(plan_db)
    with db.transaction():
        db.execute("UPDATE customers SET customer_name = ? WHERE customer_code = 'A04'",
                   (LONG_NAME,))
    db.close()
    monkeypatch.setattr(common.out_console, "_width", width)  # as a terminal of that width
    result = run(*extra, "plan-week", "--week", WEEK, "-m", "王建国", "--no-save")
    assert result.exit_code == 0, result.output
    return result.stdout


def test_plan_table_fits_80_columns_with_names_readable(plan_db, monkeypatch):
    from rich.cells import cell_len

    out = _table_output(plan_db, monkeypatch, 80)
    lines = out.splitlines()
    assert len(lines) > 20 and max(cell_len(line) for line in lines) <= 80
    # the name wraps by display width inside its column, whole: its pieces read in order
    pieces = [line.split("│")[2].strip() for line in lines if line.count("│") == 6]
    assert LONG_NAME in "".join(pieces)
    name_lines = [p for p in pieces if p and p in LONG_NAME]
    assert 2 <= len(name_lines) <= 3 and cell_len(name_lines[0]) >= 16  # not a character a line
    reasons = "".join(line.split("│")[4].strip() for line in lines if line.count("│") == 6)
    assert "A04" in out and "TS-20261128-001" in reasons  # folded, not cut with an ellipsis
    # the route and distance are in the day's title, not columns; an empty day is one line
    assert "线路 东线" in out and "km（直线距离）" in out
    assert "2026-12-01 周二 · 本日没有安排访问" in out
    assert "┏━━━━┳" in out and out.count("本日没有安排访问") == 1
    empty_day = lines.index("2026-12-01 周二 · 本日没有安排访问")
    assert lines[empty_day + 1].startswith("2026-12-02")  # no empty table after it


def test_plan_table_on_a_wide_terminal_shows_every_column(plan_db, monkeypatch):
    out = _table_output(plan_db, monkeypatch, 160)
    header = next(line for line in out.splitlines() if "访问事由" in line)
    for col in ("序号", "客户编码", "客户名称", "线路", "档位", "上次访问", "km"):
        assert col in header
    assert LONG_NAME in out  # room enough for the name on one line


def test_plan_summary_in_english_with_lang_en(plan_db, monkeypatch):
    from cmgr import i18n

    monkeypatch.setattr(i18n, "_language", i18n.language())  # restored after the test
    out = _table_output(plan_db, monkeypatch, 80, "--lang", "en")
    assert "Visit plan" in out and "no visit planned" in out and "Reason for the visit" in out
    assert "本日没有安排访问" not in out
    result = run("--lang", "en", "plan-week", "--week", WEEK, "-m", "王建国", "--visits-per-day",
                 "2", "--no-save", "--format", "json")
    assert result.exit_code == 0, result.output
    assert "6 pushed to next week" in result.stderr and "(straight line)" in result.stderr
    assert "preview: the plan was not saved" in result.stderr
    assert "顺延" not in result.stderr.split("warning")[-1]


def test_plan_summary_is_chinese_by_default(plan_db):
    result = run("plan-week", "--week", WEEK, "-m", "王建国", "--no-save", "--format", "json")
    assert result.exit_code == 0, result.output
    assert "王建国 2026-W49：5 个工作日，访问 16 次（特殊访问 2，提前 0）" in result.stderr
    assert "预览：访问计划未保存" in result.stderr and "visits" not in result.stderr
