"""`cmgr complaint`: new (options and prompts), every step, list, show, forms read back."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import date, datetime, timedelta

import pytest

from tests.cli.records_seed import run, run_json, seeded_db_path

TODAY = date.today().strftime("%Y%m%d")


@pytest.fixture
def dbpath(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return seeded_db_path(tmp_path, monkeypatch)


def new(*extra: str, customer="C001", sku="6901028229524", qty="2", problem="烟支发霉") -> str:
    result = run(["complaint", "new", "--customer", customer, "--sku", sku, "--qty", qty,
                  "--problem", problem, "--no-form", *extra])
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def events(dbpath, cid) -> list[tuple]:
    con = sqlite3.connect(dbpath)
    try:
        return con.execute("SELECT step, by, note, remark, qty FROM complaint_events "
                           "WHERE complaint_id = ? ORDER BY id", (cid,)).fetchall()
    finally:
        con.close()


def test_new_with_options_prints_a_readable_id_and_renders_the_form(dbpath, tmp_path):
    result = run(["complaint", "new", "--customer", "C001", "--sku", "苏烟(五星红杉树)", "--qty", "5包",
                  "--problem", "烟支受潮", "--found", "柜台潮湿", "--by", "王建国"])
    assert result.exit_code == 0, result.output
    cid = result.stdout.strip()
    assert cid == f"TS-{TODAY}-001"
    assert (tmp_path / f"{cid}.docx").is_file()
    record = run_json(["complaint", "show", cid])
    # full-width brackets in the price list matched the ASCII ones typed
    assert record["sku_code"] == "6901081566086" and record["sku"] == "苏烟（五星红杉树）"
    assert (record["qty"], record["unit"], record["qty_input"]) == (0.5, "包", "5包")
    assert record["status"] == "new" and record["found"] == "柜台潮湿"
    assert [e["step"] for e in record["events"]] == ["new"]
    assert set(record) >= {"id", "status", "customer_code", "sku", "qty", "problem", "events"}
    assert set(record["events"][0]) >= {"step", "by", "at", "note"}


def test_ids_count_per_day(dbpath):
    assert new() == f"TS-{TODAY}-001"
    assert new() == f"TS-{TODAY}-002"
    assert new("--date", "2026-11-20") == "TS-20261120-001"
    assert new() == f"TS-{TODAY}-003"


def test_new_json_prints_the_record(dbpath):
    record = run_json(["complaint", "new", "--customer", "C004", "--sku", "利群", "--qty", "1",
                       "--problem", "短支", "--no-form"])
    assert record["customer_code"] == "C004" and record["sku_code"] == "6901016302772"


@pytest.mark.parametrize(("drop", "option"), [("--customer", "--customer"), ("--sku", "--sku"),
                                              ("--qty", "--qty"), ("--problem", "--problem")])
def test_without_a_terminal_a_missing_field_names_its_option(dbpath, drop, option):
    args = {"--customer": "C001", "--sku": "利群", "--qty": "1", "--problem": "破损"}
    del args[drop]
    result = run(["complaint", "new", "--no-form", *[x for kv in args.items() for x in kv]])
    assert result.exit_code == 2
    assert f"请给出 `{option}`" in result.stderr
    con = sqlite3.connect(dbpath)
    assert con.execute("SELECT count(*) FROM complaints").fetchone()[0] == 0


def test_ambiguous_customer_in_a_script_lists_the_matches(dbpath):
    result = run(["complaint", "new", "--customer", "张三", "--sku", "利群", "--qty", "1",
                  "--problem", "x", "--no-form"])
    assert result.exit_code == 2
    assert "C001" in result.stderr and "C002" in result.stderr and "匹配到 2 个客户" in result.stderr


def test_unknown_cigarette_is_refused_unless_as_typed(dbpath):
    result = run(["complaint", "new", "--customer", "C001", "--sku", "熊猫", "--qty", "1",
                  "--problem", "x", "--no-form"])
    assert result.exit_code == 2 and "熊猫" in result.stderr
    cid = new("--sku-as-typed", sku="熊猫")
    record = run_json(["complaint", "show", cid])
    assert record["sku"] == "熊猫" and record["sku_code"] is None


def test_interactive_prompts_pick_list_and_reask(dbpath):
    # customer by part of the name: two match, pick the second; a cigarette two match
    # (中华 软/硬): the one this customer orders is listed first; a bad quantity is asked again.
    answers = "\n".join(["张三", "2", "中华", "1", "十条", "3包", "外包装破损", "运输挤压"]) + "\n"
    result = run(["complaint", "new", "--no-form"], input=answers, interactive=True)
    assert result.exit_code == 0, result.output
    assert "张三便利店" in result.stderr and "张三烟酒商店" in result.stderr
    cid = re.search(r"TS-\d{8}-\d{3}", result.stdout).group(0)
    record = run_json(["complaint", "show", cid])
    # sorted: active first, then by name: 张三便利店 (C001) then 张三烟酒商店 (C002)
    assert record["customer_code"] == "C002"
    assert record["sku"] in ("中华(软)", "中华(硬)")
    assert (record["qty"], record["qty_input"]) == (0.3, "3包")
    assert record["problem"] == "外包装破损" and record["found"] == "运输挤压"


def test_interactive_pick_list_prefers_what_the_customer_orders(dbpath):
    answers = "\n".join(["C001", "中华", "1", "2", "发霉", ""]) + "\n"
    result = run(["complaint", "new", "--no-form"], input=answers, interactive=True)
    assert result.exit_code == 0, result.output
    cid = re.search(r"TS-\d{8}-\d{3}", result.stdout).group(0)
    # C001 orders 中华(软), never 中华(硬): it is number 1
    assert run_json(["complaint", "show", cid])["sku_code"] == "6901028229524"


def test_the_approved_path_step_by_step(dbpath):
    cid = new()
    steps = [
        (["inspect", cid, "--note", "现场查看", "--found", "烟丝霉变"], "inspected"),
        (["sign", cid], "signed"),
        (["submit", cid, "--note", "交区域经理"], "submitted"),
        (["approve", cid, "--by", "李经理", "--remark", "同意调换"], "approved"),
        (["exchange", cid, "--qty", "1.5"], "exchanged"),
        (["confirm", cid], "confirmed"),
        (["feedback", cid, "--note", "已向客户反馈"], "closed"),
    ]
    for args, status in steps:
        record = run_json(["complaint", *args])
        assert record["status"] == status
    ev = events(dbpath, cid)
    assert [e[0] for e in ev] == ["new", "inspect", "sign", "submit", "approve", "exchange",
                                  "confirm", "feedback"]
    by_step = {e[0]: e for e in ev}
    assert by_step["approve"][1] == "李经理" and by_step["approve"][3] == "同意调换"
    assert by_step["exchange"][4] == 1.5
    assert by_step["sign"][1] == "王建国"  # default: the customer's manager
    assert run_json(["complaint", "show", cid])["found"] == "烟丝霉变"


def test_the_rejected_path_goes_to_feedback(dbpath):
    cid = new()
    for step in ("inspect", "sign", "submit"):
        assert run(["complaint", step, cid]).exit_code == 0
    result = run(["complaint", "reject", cid, "--by", "李经理"])
    assert result.exit_code == 2 and "--remark" in result.stderr
    assert run(["complaint", "reject", cid, "--by", "李经理", "--remark", "非质量问题"]).exit_code == 0
    result = run(["complaint", "exchange", cid])
    assert result.exit_code == 2 and "rejected" in result.stderr
    assert run_json(["complaint", "feedback", cid, "--note", "已告知客户原因"])["status"] == "closed"


def test_approve_without_a_name_prompts_on_a_terminal(dbpath):
    cid = new()
    for step in ("inspect", "sign", "submit"):
        run(["complaint", step, cid])
    result = run(["complaint", "approve", cid], interactive=True, input="李经理\n")
    assert result.exit_code == 0, result.output
    assert events(dbpath, cid)[-1][:2] == ("approve", "李经理")
    assert run(["complaint", "approve", cid]).exit_code == 2  # already decided


@pytest.mark.parametrize(("done", "step", "needs"), [
    ([], "sign", "`inspect`"),
    ([], "approve", "`submit`"),
    (["inspect"], "exchange", "`approve`"),
    (["inspect", "sign", "submit"], "confirm", "`exchange`"),
])
def test_out_of_order_steps_are_refused_and_nothing_is_written(dbpath, done, step, needs):
    cid = new()
    for s in done:
        assert run(["complaint", s, cid]).exit_code == 0
    before = events(dbpath, cid)
    result = run(["complaint", step, cid, "--by", "李经理"])
    assert result.exit_code == 2
    assert "必须先完成" in result.stderr and needs in result.stderr
    assert events(dbpath, cid) == before


def test_a_format_the_record_cannot_be_printed_in_is_refused_before_anything_is_written(dbpath):
    cid = new()
    before = events(dbpath, cid)
    result = run(["complaint", "inspect", cid, "--format", "csv"])
    assert result.exit_code == 2 and "--format" in result.stderr
    assert events(dbpath, cid) == before
    result = run(["complaint", "new", "--customer", "C001", "--sku", "6901028229524", "--qty", "2",
                  "--problem", "烟支发霉", "--no-form", "--format", "csv"])
    assert result.exit_code == 2
    con = sqlite3.connect(dbpath)
    assert con.execute("SELECT count(*) FROM complaints").fetchone()[0] == 1
    con.close()


def test_a_step_dated_before_the_previous_one_is_refused(dbpath):
    cid = new("--date", "2026-11-20T10:00")
    result = run(["complaint", "inspect", cid, "--at", "2026-11-19"])
    assert result.exit_code == 2 and "早于上一步" in result.stderr
    assert run(["complaint", "inspect", cid, "--at", "2026-11-21T09:00"]).exit_code == 0


def test_unknown_complaint_and_lenient_id(dbpath):
    result = run(["complaint", "show", "TS-20200101-001"])
    assert result.exit_code == 2 and "找不到投诉" in result.stderr
    cid = new()
    assert run_json(["complaint", "show", cid.lower().replace("-", "")])["id"] == cid


def test_list_filters_and_formats(dbpath):
    old = new("--date", (datetime.now() - timedelta(days=20)).strftime("%Y-%m-%d"), customer="C004")
    fresh = new()
    closed = new(customer="C005")
    for step in ("inspect", "sign", "submit"):
        run(["complaint", step, closed])
    run(["complaint", "reject", closed, "--by", "李经理", "--remark", "x"])
    run(["complaint", "feedback", closed])
    ids = [r["id"] for r in run_json(["complaint", "list"])]
    assert set(ids) == {old, fresh, closed}
    assert {r["id"] for r in run_json(["complaint", "list", "--open"])} == {old, fresh}
    overdue = run_json(["complaint", "list", "--overdue", "7"])
    assert [r["id"] for r in overdue] == [old] and overdue[0]["age_days"] >= 19
    assert [r["id"] for r in run_json(["complaint", "list", "--customer", "王五"])] == [old]
    csv_out = run(["complaint", "list", "--format", "csv"]).stdout.splitlines()
    assert csv_out[0].startswith("id,status") and len(csv_out) == 4
    table = run(["complaint", "list", "--open"])
    assert table.exit_code == 0 and fresh[-3:] in table.stdout


def _docx_text(path) -> str:
    import docx

    d = docx.Document(str(path))
    parts = [p.text for p in d.paragraphs]
    seen: list = []  # the cells' XML elements, kept alive so `is` identifies them
    for t in d.tables:
        for row in t.rows:
            for c in row.cells:  # a merged cell is listed once per grid column it spans
                if not any(c._tc is s for s in seen):
                    seen.append(c._tc)
                    parts.append(c.text)
    return "\n".join(parts)


def _html_text(path) -> str:
    import html

    raw = path.read_text(encoding="utf-8")
    return html.unescape(re.sub(r"<[^>]+>", " ", raw))


@pytest.mark.parametrize("fmt", ["docx", "html"])
def test_form_at_each_step_read_back(dbpath, tmp_path, fmt):
    read = _docx_text if fmt == "docx" else _html_text
    result = run(["complaint", "new", "--customer", "C001", "--sku", "中华(软)", "--qty", "2",
                  "--problem", "烟支<发霉>&受潮", "--no-form"])
    cid = result.stdout.strip()
    out = tmp_path / f"form.{fmt}"

    def form() -> str:
        r = run(["complaint", "form", cid, "--format", fmt, "--out", str(out)])
        assert r.exit_code == 0, r.output
        return read(out)

    text = form()
    assert "商品及服务质量信息反馈单" in text and cid in text
    for label in ("客户签字", "区域市场经理", "调换记录", "客户确认", "处理结果反馈"):
        assert label in text
    assert "张三便利店" in text and "城东路1号" in text and "0370C001" in text
    assert "中华(软)" in text and "烟支<发霉>&受潮" in text  # escaped in html, read back whole
    assert "同意调换" not in text and "待现场查看" in text
    assert text.count("年　　月　　日") >= 5  # blank dates: sign, review, exchange, confirm, feedback
    run(["complaint", "inspect", cid, "--found", "包装内潮湿霉变"])
    run(["complaint", "sign", cid])
    run(["complaint", "submit", cid])
    run(["complaint", "approve", cid, "--by", "李经理", "--remark", "情况属实"])
    text = form()
    assert "包装内潮湿霉变" in text and "同意调换" in text and "情况属实" in text and "李经理" in text
    blanks_before = text.count("年　　月　　日")
    run(["complaint", "exchange", cid])
    text = form()
    assert "2条" in text and text.count("年　　月　　日") == blanks_before - 1


def test_form_output_placeholders_and_bad_format(dbpath, tmp_path):
    cid = new()
    r = run(["complaint", "form", cid, "--format", "html", "--out", str(tmp_path / "f" / "{id}.{format}")])
    assert r.exit_code == 0 and (tmp_path / "f" / f"{cid}.html").is_file()
    assert run(["complaint", "form", cid, "--format", "pdf"]).exit_code == 2
    # without --format the suffix of --out tells it; a placeholder suffix keeps docx
    assert run(["complaint", "form", cid, "--out", str(tmp_path / "g.html")]).exit_code == 0
    assert _html_text(tmp_path / "g.html").count(cid) >= 1
    assert run(["complaint", "form", cid, "--out", str(tmp_path / "g" / "{id}.{format}")]).exit_code == 0
    assert (tmp_path / "g" / f"{cid}.docx").is_file()


# --- other commands see complaints -----------------------------------------------------------

def _planned_visits(data) -> list[dict]:
    """Planned visits anywhere in plan-week's json (one object per manager, or a list of them)."""
    found = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "visits" and isinstance(value, list):
                found += [v for v in value if isinstance(v, dict) and "customer_code" in v]
            elif key != "pushed":
                found += _planned_visits(value)
    elif isinstance(data, list):
        for item in data:
            found += _planned_visits(item)
    return found


def test_open_complaint_makes_plan_week_schedule_an_on_site_visit(dbpath):
    pytest.importorskip("cmgr.cli.plan_cmd", reason="plan-week (issue 3) has not landed yet")
    today = date.today()
    week_start = today + timedelta(days=7 - today.weekday())  # next Monday
    visited = (week_start - timedelta(days=1)).isoformat()
    # Visited the day before the week (recorded in cmgr): none of these three is due that week
    # by the 14-day policy (档位 15, 22 -> 7 days is due, so C002 is left out of the asserts).
    for code in ("C001", "C003"):
        assert run(["visit", "log", "--customer", code, "--date", visited]).exit_code == 0
    waiting_inspect = new(customer="C001")
    waiting_exchange = new(customer="C003")
    for step in ("inspect", "sign", "submit"):
        run(["complaint", step, waiting_exchange])
    run(["complaint", "approve", waiting_exchange, "--by", "李经理"])
    result = run(["plan-week", "--start", week_start.isoformat(), "--manager", "王建国",
                  "--format", "json"])
    assert result.exit_code == 0, result.output
    visits = _planned_visits(json.loads(result.stdout))
    by_code: dict[str, list[str]] = {}
    for v in visits:
        reasons = v.get("reasons")
        by_code.setdefault(v["customer_code"], []).extend(
            reasons if isinstance(reasons, list) else [str(reasons)])
    assert any(waiting_inspect in r for r in by_code.get("C001", [])), by_code.get("C001")
    assert any(waiting_exchange in r for r in by_code.get("C003", [])), by_code.get("C003")


def test_last_months_complaints_appear_in_part_c_of_the_monthly_report(dbpath):
    pytest.importorskip("cmgr.cli.report_cmd", reason="monthly-report (issue 5) has not landed yet")
    first_this_month = date.today().replace(day=1)
    last_month_day = first_this_month - timedelta(days=10)
    month = last_month_day.strftime("%Y-%m")
    last_month_id = new("--date", last_month_day.isoformat(), problem="上月投诉：烟支霉变")
    new(problem="本月投诉：空包")
    result = run(["monthly-report", "--month", month, "--manager", "王建国", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    reports = data if isinstance(data, list) else [data]
    opinions = json.dumps([r.get("opinions") for r in reports], ensure_ascii=False)
    assert last_month_id in opinions or "上月投诉：烟支霉变" in opinions
    assert "本月投诉：空包" not in opinions


# --- the language: Chinese by default, English with --lang en -----------------------------------

def test_new_prompts_and_steps_speak_chinese_by_default(dbpath):
    answers = "\n".join(["C001", "中华", "1", "2", "发霉", ""]) + "\n"
    result = run(["complaint", "new", "--no-form"], input=answers, interactive=True)
    assert result.exit_code == 0, result.output
    assert "数量（条，或如 5包）" in result.output and "问题描述" in result.output
    assert "现场查看情况（可留空" in result.output
    cid = re.search(r"TS-\d{8}-\d{3}", result.stdout).group(0)
    assert f"投诉 {cid} 已记录" in result.stderr
    result = run(["complaint", "inspect", cid, "--found", "烟丝霉变"])
    assert result.exit_code == 0, result.output
    assert f"{cid}：inspect 已记录" in result.stderr and "下一步：sign" in result.stderr


def test_new_prompts_and_steps_in_english_with_lang_en(dbpath, monkeypatch):
    from cmgr import i18n

    monkeypatch.setattr(i18n, "_language", i18n.language())  # restored after the test
    answers = "\n".join(["C001", "中华", "1", "2", "发霉", ""]) + "\n"
    result = run(["--lang", "en", "complaint", "new", "--no-form"], input=answers,
                 interactive=True)
    assert result.exit_code == 0, result.output
    assert "Quantity (条, or e.g. 5包)" in result.output and "Problem" in result.output
    assert "问题描述" not in result.output and "数量（" not in result.output
    cid = re.search(r"TS-\d{8}-\d{3}", result.stdout).group(0)
    assert f"complaint {cid} recorded" in result.stderr
    result = run(["--lang", "en", "complaint", "inspect", cid, "--found", "烟丝霉变"])
    assert result.exit_code == 0, result.output
    assert f"{cid}: inspect recorded; now inspected" in result.stderr and "next: sign" in result.stderr
