"""`cmgr area`: the summary side by side (the same figures as `cmgr kpi`), the queue, bulk
decisions the manager sees at once; who made each write; the write rules of docs/area.md,
each refusal and each permitted path. The territory of tests/cli/records_seed.py (王建国:
C001-C004, 李娜: C005) with the flags of tests/cli/test_flag_cmd.py's visits."""

from __future__ import annotations

import json

import pytest

from tests.cli.records_seed import rows, run, run_json


@pytest.fixture
def dbpath(flagged_dbpath):
    return flagged_dbpath


def as_user(monkeypatch, name: str | None, role: str | None, area: str | None = None) -> None:
    for var, value in (("CMGR_USER_NAME", name), ("CMGR_USER_ROLE", role), ("CMGR_USER_AREA", area)):
        if value is None:
            monkeypatch.delenv(var, raising=False)
        else:
            monkeypatch.setenv(var, value)


def with_areas(tmp_path, monkeypatch, text: str = '[area]\n"城东片区" = ["王建国"]\n"城西片区" = ["李娜"]\n'):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("CMGR_CONFIG", str(path))


def open_flag_ids(dbpath, code: str) -> list[int]:
    return [r["id"] for r in rows(dbpath, "SELECT id FROM flags WHERE customer_code = ? AND "
                                  "status IN ('new', 'reported') ORDER BY id", (code,))]


def report(*ids: int) -> None:
    result = run(["flag", "review", *map(str, ids), "--report"])
    assert result.exit_code == 0, result.output


def submitted_complaint(code: str = "C001") -> str:
    cid = run(["complaint", "new", "--customer", code, "--sku", "6901028229524", "--qty", "2",
               "--problem", "烟支发霉", "--no-form"]).stdout.strip()
    for step in ("inspect", "sign", "submit"):
        result = run(["complaint", step, cid, "--note", step])
        assert result.exit_code == 0, result.output
    return cid


# --- summary -----------------------------------------------------------------------------------

def test_summary_puts_the_managers_side_by_side_with_kpi_figures_and_places(dbpath):
    month = rows(dbpath, "SELECT substr(max(order_date), 1, 7) AS m FROM order_lines")[0]["m"]
    out = run_json(["area", "summary", "--month", month])
    kpi = {k["manager"]: k for k in run_json(["kpi", "--all", "--month", month])["kpis"]}
    ranking = {r["manager"]: r["overall"] for r in run_json(
        ["kpi", "--rank", "--month", month])["ranking"]}
    assert out["month"] == month and out["area"] is None
    assert [m["manager"] for m in out["managers"]] == sorted(
        kpi, key=lambda m: (ranking[m], m))
    # open cases as `cmgr flag` lists them (one row per case), per manager of the customer
    owner = {r["customer_code"]: r["manager"] for r in rows(
        dbpath, "SELECT customer_code, manager FROM customers")}
    open_cases = {m: 0 for m in kpi}
    for case in run_json(["flag", "--status", "new", "--status", "reported"]):
        open_cases[owner[case["customer_code"]]] += 1
    open_flags = len(rows(dbpath, "SELECT id FROM flags WHERE status IN ('new', 'reported')"))
    assert 0 < sum(open_cases.values()) < open_flags  # some cases carry two flags
    for m in out["managers"]:
        k = kpi[m["manager"]]
        for figure in ("sales_cases", "target_cases", "completion_pct", "value_per_case",
                       "order_rate_pct", "settlement_amount_pct", "visits_done"):
            assert m[figure] == k[figure], figure  # one computation, not another
        assert m["place"] == ranking[m["manager"]]
        assert m["open_cases"] == open_cases[m["manager"]]
        assert m["open_complaints"] == 0


def test_summary_and_kpi_default_to_last_month_as_the_monthly_report(dbpath):
    from datetime import date

    from cmgr.core.months import parse_report_month

    newest = rows(dbpath, "SELECT substr(max(order_date), 1, 7) AS m FROM order_lines")[0]["m"]
    last = parse_report_month("last", date.today())
    assert newest > last  # the seed's orders run to today: this month has begun
    assert run_json(["area", "summary"])["month"] == last
    assert run_json(["kpi", "--all"])["month"] == last
    assert "上个月" in run(["area", "summary", "--help"]).stdout
    assert "上个月" in run(["kpi", "--help"]).stdout


def test_summary_of_one_area_from_the_configuration(dbpath, tmp_path, monkeypatch):
    with_areas(tmp_path, monkeypatch)
    out = run_json(["area", "summary", "--area", "城西片区"])
    assert out["area"] == "城西片区" and [m["manager"] for m in out["managers"]] == ["李娜"]
    assert out["managers"][0]["place"] == 1  # ranked among the area's managers
    wrong = run(["area", "summary", "--area", "城北片区"])
    assert wrong.exit_code == 2 and "城北片区" in wrong.output


def test_summary_counts_a_visit_with_a_note_flag_and_a_price_flag_as_one_open_case(
        dbpath, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # the terminal table's titles on one line
    # ZF1 (C001): "软中华卖到800一条" and the observed 800: two flags, one case in `cmgr flag`
    c001 = rows(dbpath, "SELECT id FROM flags WHERE customer_code = 'C001' AND kind = 'price' "
                "AND status = 'new'")
    assert len(c001) == 2
    assert len([f for f in run_json(["flag"]) if f["customer_code"] == "C001"
                and f["kind"] == "price"]) == 1
    out = {m["manager"]: m for m in run_json(["area", "summary"])["managers"]}
    flags = {m: len(rows(dbpath, "SELECT f.id FROM flags f JOIN customers c ON c.customer_code = "
                         "f.customer_code WHERE c.manager = ? AND f.status IN ('new', 'reported')",
                         (m,))) for m in out}
    assert out["王建国"]["open_cases"] == flags["王建国"] - 1
    table = run(["area", "summary"])
    assert "未办结违规" in table.stdout and "未办结标记" not in table.stdout


def test_summary_shows_no_plan_as_wu_not_zero_or_blank(dbpath, tmp_path):
    # the territory has no saved plan: nothing was planned, so nothing to be done against
    out = run_json(["area", "summary"])
    assert all(m["visits_planned"] is None for m in out["managers"])
    csv_path = tmp_path / "s.csv"
    assert run(["area", "summary", "--format", "csv", "--out", str(csv_path)]).exit_code == 0
    header, *lines = [line.split(",") for line in csv_path.read_text(encoding="utf-8-sig").splitlines()]
    planned, rate = header.index("计划内已访/计划"), header.index("拜访完成率%")
    assert lines and all((cells[planned], cells[rate]) == ("无", "无") for cells in lines)
    table = run(["area", "summary"]).stdout
    assert "0/0" not in table and table.count("无") >= 2 * len(lines)


def test_summary_counts_open_complaints(dbpath):
    submitted_complaint("C005")
    out = run_json(["area", "summary"])
    assert {m["manager"]: m["open_complaints"] for m in out["managers"]} == {"王建国": 0, "李娜": 1}


def test_summary_csv_and_xlsx_files(dbpath, tmp_path):
    from openpyxl import load_workbook

    csv_path, xlsx_path = tmp_path / "s.csv", tmp_path / "s.xlsx"
    assert run(["area", "summary", "--format", "csv", "--out", str(csv_path)]).exit_code == 0
    text = csv_path.read_text(encoding="utf-8-sig").splitlines()
    assert text[0].split(",")[:3] == ["排位", "客户经理", "销量(箱)"] and len(text) == 3
    assert run(["area", "summary", "--format", "xlsx", "--out", str(xlsx_path)]).exit_code == 0
    ws = load_workbook(xlsx_path).active
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$3:$3"
    assert ws.cell(3, 2).value == "客户经理" and {ws.cell(4, 2).value, ws.cell(5, 2).value} == {
        "王建国", "李娜"}
    headers = [c.value for c in ws[3]]
    assert ws.cell(4, headers.index("计划内已访/计划") + 1).value == "无"  # no saved plan
    assert ws.cell(4, headers.index("销量(箱)") + 1).number_format == "#,##0.00"


# --- queue and decide --------------------------------------------------------------------------

def test_queue_lists_reported_flags_and_submitted_complaints(dbpath):
    ids = open_flag_ids(dbpath, "C001") + open_flag_ids(dbpath, "C005")
    report(*ids)
    cid = submitted_complaint()
    q = run_json(["area", "queue"])
    assert sorted(f["id"] for f in q["escalations"]) == sorted(ids)
    assert [c["id"] for c in q["approvals"]] == [cid]
    only = run_json(["area", "queue", "--manager", "李娜"])
    assert [f["id"] for f in only["escalations"]] == open_flag_ids(dbpath, "C005")
    assert only["approvals"] == []


def test_decide_several_flags_at_once_the_manager_sees_it(dbpath):
    ids = open_flag_ids(dbpath, "C001") + open_flag_ids(dbpath, "C002")
    assert len(ids) >= 2
    report(*ids)
    out = run_json(["area", "decide", *map(str, ids), "--decision", "降级", "--by", "刘主任",
                    "--date", "2026-11-20"])
    assert {f["id"] for f in out["flags"]} == set(ids)
    assert all(f["status"] == "closed" for f in out["flags"])
    decided = rows(dbpath, "SELECT flag_id, decision, decided_on, decided_by, source_file "
                   "FROM flag_decisions ORDER BY flag_id")
    # one decision per case (a note's and an observed price's flag of one visit are one case)
    assert decided and {d["flag_id"] for d in decided} <= set(ids)
    assert {(d["decision"], d["decided_on"], d["decided_by"]) for d in decided} == {
        ("downgrade", "2026-11-20", "刘主任")}
    # the manager sees it at once: in `cmgr flag` and in `customer show`
    listed = {i: f for f in run_json(["flag"]) for i in f["flag_ids"]}  # one row per case
    assert all(listed[i]["status"] == "closed" for i in ids)
    card = run_json(["customer", "show", "C001"])
    c001_cases = {listed[i]["id"] for i in open_ids_of(ids, dbpath, "C001")}
    assert [d["decision"] for d in card["decisions"]] == ["downgrade"] * len(c001_cases)
    assert run_json(["area", "queue"])["escalations"] == []


def open_ids_of(ids, dbpath, code):
    return [i for i in ids if rows(dbpath, "SELECT customer_code FROM flags WHERE id = ?",
                                   (i,))[0]["customer_code"] == code]


def test_decide_approves_complaints_and_refuses_a_wrong_word(dbpath):
    cid = submitted_complaint()
    wrong = run(["area", "decide", cid, "--decision", "降级"])
    assert wrong.exit_code == 2 and "同意" in wrong.output
    assert rows(dbpath, "SELECT status FROM complaints WHERE id = ?", (cid,))[0]["status"] == "submitted"
    out = run_json(["area", "decide", cid, "--decision", "同意", "--by", "刘主任"])
    assert out["complaints"][0]["status"] == "approved"
    step = rows(dbpath, "SELECT step, by FROM complaint_events WHERE complaint_id = ? "
                "ORDER BY id DESC LIMIT 1", (cid,))[0]
    assert step == {"step": "approve", "by": "刘主任"}


def test_decide_is_all_or_none(dbpath):
    ids = open_flag_ids(dbpath, "C001")
    report(*ids)
    before = rows(dbpath, "SELECT id, status FROM flags ORDER BY id")
    result = run(["area", "decide", *map(str, ids), "99999", "--decision", "降级"])
    assert result.exit_code == 2 and "99999" in result.output
    assert rows(dbpath, "SELECT id, status FROM flags ORDER BY id") == before
    assert rows(dbpath, "SELECT * FROM flag_decisions") == []


def test_decide_all_waiting_of_one_manager(dbpath):
    report(*open_flag_ids(dbpath, "C001"), *open_flag_ids(dbpath, "C005"))
    out = run_json(["area", "decide", "--all", "--manager", "李娜", "--decision", "不予处理",
                    "--remark", "误报"])
    c005 = {r["id"] for r in rows(dbpath, "SELECT id FROM flags WHERE customer_code = 'C005'")}
    assert {f["id"] for f in out["flags"]} == c005
    assert all(f["status"] == "dismissed" for f in out["flags"])
    assert open_flag_ids(dbpath, "C001")  # the other manager's wait


# --- who made each write -------------------------------------------------------------------------

def test_writes_record_who_made_them(dbpath, monkeypatch):
    from cmgr.jobs.visits import current_user

    visit = run_json(["visit", "log", "--customer", "C001", "--notes", "检查陈列"])
    assert visit["created_by"] == current_user() and visit["changed_by"] == current_user()
    as_user(monkeypatch, "王建国", None)
    edited = run(["visit", "edit", str(visit["id"]), "--notes", "检查陈列，价签齐全"])
    assert edited.exit_code == 0, edited.output
    row = rows(dbpath, "SELECT created_by, changed_by FROM visits WHERE id = ?", (visit["id"],))[0]
    assert row == {"created_by": current_user(), "changed_by": "王建国"}
    fid = open_flag_ids(dbpath, "C001")[0]
    assert run_json(["flag", "review", str(fid), "--report"])["changed_by"] == "王建国"
    cid = submitted_complaint()
    shown = run_json(["complaint", "show", cid])
    assert shown["changed_by"] == "王建国" and shown["status"] == "submitted"
    as_user(monkeypatch, "刘主任", None)
    run_json(["area", "decide", str(fid), "--decision", "转专卖"])
    assert rows(dbpath, "SELECT recorded_by, decided_by FROM flag_decisions")[0] == {
        "recorded_by": "刘主任", "decided_by": "刘主任"}


# --- who may touch what ------------------------------------------------------------------------

def refused(result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    assert "不允许" in result.output and all(w in result.output for w in words), result.output


def test_a_manager_writes_only_their_own_customers(dbpath, monkeypatch):
    as_user(monkeypatch, "王建国", "manager")
    before = rows(dbpath, "SELECT count(*) AS n FROM visits")[0]["n"]
    refused(run(["visit", "log", "--customer", "C005", "--notes", "x"]), "李娜", "王建国")
    assert rows(dbpath, "SELECT count(*) AS n FROM visits")[0]["n"] == before
    refused(run(["complaint", "new", "--customer", "C005", "--sku", "6901028229524", "--qty", "1",
                 "--problem", "短支", "--no-form"]), "李娜")
    assert rows(dbpath, "SELECT count(*) AS n FROM complaints")[0]["n"] == 0
    theirs = open_flag_ids(dbpath, "C005")
    refused(run(["flag", "review", str(theirs[0]), "--report"]), "李娜")
    assert rows(dbpath, "SELECT status FROM flags WHERE id = ?", (theirs[0],))[0]["status"] == "new"
    # and a selection holding one of theirs changes none
    mine = open_flag_ids(dbpath, "C001")
    refused(run(["flag", "review", str(mine[0]), str(theirs[0]), "--report"]))
    assert rows(dbpath, "SELECT status FROM flags WHERE id = ?", (mine[0],))[0]["status"] == "new"
    # permitted: their own
    visit = run_json(["visit", "log", "--customer", "C001", "--notes", "检查陈列"])
    assert visit["created_by"] == "王建国"
    assert run(["flag", "review", str(mine[0]), "--report"]).exit_code == 0
    cid = submitted_complaint("C001")
    assert rows(dbpath, "SELECT status FROM complaints WHERE id = ?", (cid,))[0]["status"] == "submitted"
    # a manager of another customer's visit: edit and delete are refused too
    as_user(monkeypatch, "李娜", "manager")
    refused(run(["visit", "edit", str(visit["id"]), "--notes", "改"]), "王建国")
    refused(run(["visit", "delete", str(visit["id"])]), "王建国")
    assert rows(dbpath, "SELECT notes FROM visits WHERE id = ?", (visit["id"],))[0]["notes"] == "检查陈列"


def test_a_manager_marks_only_their_own_flags_reported_with_the_report(dbpath, monkeypatch):
    as_user(monkeypatch, "王建国", "manager")
    everyone = run(["flag", "report", "--format", "html", "--out", "r.html", "--mark-reported"])
    refused(everyone, "李娜")
    assert rows(dbpath, "SELECT count(*) AS n FROM flags WHERE status = 'reported'")[0]["n"] == 0
    mine = run(["flag", "report", "--manager", "王建国", "--format", "html", "--out", "r.html",
                "--mark-reported"])
    assert mine.exit_code == 0, mine.output
    reported = rows(dbpath, "SELECT DISTINCT f.manager, f.changed_by FROM flags f "
                    "WHERE status = 'reported'")
    assert reported == [{"manager": "王建国", "changed_by": "王建国"}]


def test_a_manager_records_no_decision(dbpath, monkeypatch, tmp_path):
    mine = open_flag_ids(dbpath, "C001")
    report(*mine)
    cid = submitted_complaint()
    as_user(monkeypatch, "王建国", "manager")
    refused(run(["area", "decide", str(mine[0]), "--decision", "降级"]), "区域市场经理")
    refused(run(["complaint", "approve", cid, "--by", "王建国"]), "区域市场经理")
    from tests.conftest import write_csv

    sheet = write_csv(tmp_path / "d.csv", [["标记编号", "处理决定", "决定日期"],
                                            [str(mine[0]), "降级", "2026-11-20"]])
    refused(run(["flag", "decisions", str(sheet)]), "区域市场经理")
    assert rows(dbpath, "SELECT * FROM flag_decisions") == []
    assert rows(dbpath, "SELECT status FROM complaints WHERE id = ?", (cid,))[0]["status"] == "submitted"


def test_an_area_manager_decides_in_their_area_and_writes_no_manager_record(
        dbpath, monkeypatch, tmp_path):
    with_areas(tmp_path, monkeypatch)
    c001, c005 = open_flag_ids(dbpath, "C001"), open_flag_ids(dbpath, "C005")
    report(*c001, *c005)
    cid = submitted_complaint("C001")
    as_user(monkeypatch, "刘主任", "area_manager", "城东片区")
    # reads: their area by default, another one refused
    assert [m["manager"] for m in run_json(["area", "summary"])["managers"]] == ["王建国"]
    refused(run(["area", "summary", "--area", "城西片区"]), "城东片区")
    assert {f["id"] for f in run_json(["area", "queue"])["escalations"]} == set(c001)
    # decisions outside the area are refused, nothing written
    refused(run(["area", "decide", str(c005[0]), "--decision", "降级"]), "李娜", "城东片区")
    assert rows(dbpath, "SELECT * FROM flag_decisions") == []
    # a manager's records are not the area manager's to write
    refused(run(["visit", "log", "--customer", "C001", "--notes", "x"]), "区域市场经理")
    refused(run(["flag", "review", str(c001[0]), "--close", "--result", "已降级"]))
    # permitted: the decisions of the area
    out = run_json(["area", "decide", *map(str, c001), "--decision", "降级"])
    assert {f["status"] for f in out["flags"]} == {"closed"}
    approved = run(["complaint", "approve", cid, "--by", "刘主任"])
    assert approved.exit_code == 0, approved.output
    assert rows(dbpath, "SELECT status, changed_by FROM complaints WHERE id = ?", (cid,))[0] == {
        "status": "approved", "changed_by": "刘主任"}


def test_without_a_role_nothing_is_refused(dbpath, monkeypatch):
    as_user(monkeypatch, "王建国", None)
    visit = run_json(["visit", "log", "--customer", "C005", "--notes", "代访"])
    assert visit["created_by"] == "王建国"
    report(open_flag_ids(dbpath, "C005")[0])


def test_a_bad_role_or_area_table_is_a_configuration_error(dbpath, monkeypatch, tmp_path):
    as_user(monkeypatch, "王建国", "boss")
    result = run(["area", "queue"])
    assert result.exit_code == 2 and "user.role" in result.output
    as_user(monkeypatch, None, None)
    with_areas(tmp_path, monkeypatch, '[area]\n"城东片区" = "王建国"\n')
    result = run(["area", "summary"])
    assert result.exit_code == 2 and "area.城东片区" in result.output


def test_refusal_in_english(dbpath, monkeypatch):
    from cmgr import i18n

    monkeypatch.setattr(i18n, "_language", "zh")  # restored after the --lang en run
    as_user(monkeypatch, "王建国", "manager")
    result = run(["--lang", "en", "visit", "log", "--customer", "C005", "--notes", "x"])
    assert result.exit_code == 2
    assert "not permitted: a manager writes only their own customers' visit records" in \
        " ".join(result.output.split())


def test_an_approval_in_area_decide_is_in_the_managers_plan_at_once(dbpath):
    from datetime import date, timedelta

    from tests.cli.test_complaint_cmd import _planned_visits

    today = date.today()
    week_start = today + timedelta(days=7 - today.weekday())  # next Monday
    # visited the day before the week: C003 is not due by the policy, only the exchange brings it
    assert run(["visit", "log", "--customer", "C003", "--date",
                (week_start - timedelta(days=1)).isoformat()]).exit_code == 0
    cid = submitted_complaint("C003")

    def reasons_of_c003() -> list[str]:
        result = run(["plan-week", "--start", week_start.isoformat(), "--manager", "王建国",
                      "--format", "json"])
        assert result.exit_code == 0, result.output
        return [str(r) for v in _planned_visits(json.loads(result.stdout))
                if v["customer_code"] == "C003" for r in (v.get("reasons") or [])]

    assert not any(cid in r for r in reasons_of_c003())
    run_json(["area", "decide", cid, "--decision", "同意", "--by", "刘主任"])
    assert any(cid in r for r in reasons_of_c003())
