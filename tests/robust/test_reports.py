"""Stored values that break the outputs (issue 16): far-future dates, control characters,
formula-like text, unsafe --out placeholders."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.cli.records_seed import run, seeded_db_path


def _insert_far_future_order(path):
    import sqlite3

    con = sqlite3.connect(path)
    con.execute("INSERT INTO order_lines (line_key, order_date, customer_code, sku_code, sku_name, "
                "wholesale_price, qty, amount) VALUES ('X', '9999-12-31', 'C001', '6901016302772', "
                "'利群(新版)', 140, 1, 140)")
    con.commit()
    con.close()


def test_a_far_future_order_in_the_database_breaks_no_report(tmp_path, monkeypatch):
    path = seeded_db_path(tmp_path, monkeypatch)
    _insert_far_future_order(path)
    env = {**os.environ, "CMGR_DB": str(path), "CMGR_INTERACTIVE": "0"}
    show = subprocess.run([sys.executable, "-m", "cmgr", "customer", "show", "C001", "--format",
                           "json"], env=env, capture_output=True, text=True, timeout=30)
    assert show.returncode == 0, show.stderr
    for args in (["plan-week", "--all", "--format", "json", "--no-save"],
                 ["monthly-report", "--all", "--format", "json"],
                 ["promo", "recommend", "--format", "json"]):
        result = run(args)
        assert result.exit_code == 0, (args, result.output)


def test_months_are_stepped_as_numbers():
    from cmgr.core.months import month_add, months_between

    assert months_between("9999-11", "10000-02") == ["9999-11", "9999-12", "10000-01", "10000-02"]
    assert month_add("9999-12", 1) == "10000-01"


# --- 4 and 5: control characters and formula-like text through every writer -------------

EVIL = '=HYPERLINK("http://x","y")\x1b[2J\x00\x07<script>alert(1)</script>'


def _evil_names(path) -> None:
    import sqlite3

    con = sqlite3.connect(path)
    con.execute("UPDATE customers SET customer_name = ? || customer_code, address = '+1-2'",
                (EVIL,))
    con.commit()
    con.close()


def _xlsx_texts(path) -> list:
    import openpyxl

    wb = openpyxl.load_workbook(path)
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if isinstance(c.value, str) and "HYPERLINK" in c.value]


def _csv_cells(path) -> list[str]:
    import csv

    with open(path, encoding="utf-8-sig", newline="") as fh:
        return [c for row in csv.reader(fh) for c in row if "HYPERLINK" in c]


def test_formula_like_and_control_characters_stay_inert_in_every_output(tmp_path, monkeypatch):
    path = seeded_db_path(tmp_path, monkeypatch)
    _evil_names(path)
    out = tmp_path / "out"
    for args, name in ((["plan-week", "--all", "--no-save"], "plan-{manager}.xlsx"),
                       (["monthly-report", "--all", "--format", "xlsx"], "report-{manager}.xlsx"),
                       (["promo", "recommend"], "promo.xlsx")):
        result = run([*args, "--out", str(out / name)])
        assert result.exit_code == 0, (args, result.output)
    books = sorted(out.glob("*.xlsx"))
    assert len(books) >= 3
    seen = [c for b in books for c in _xlsx_texts(b)]
    assert seen, "the names reach the workbooks"
    assert all(c.data_type == "s" and c.value.startswith("=HYPERLINK") for c in seen)
    assert not any("\x1b" in c.value or "\x00" in c.value for c in seen)
    for args, name in ((["plan-week", "--all", "--no-save"], "plan-{manager}.csv"),
                       (["promo", "recommend"], "promo.csv")):
        assert run([*args, "--out", str(out / name)]).exit_code == 0
    assert run(["db", "export", str(out / "export"), "--format", "csv"]).exit_code == 0
    csvs = sorted(out.glob("*.csv")) + [out / "export" / "customers.csv"]
    cells = [c for f in csvs for c in _csv_cells(f)]
    assert cells and all(c.startswith("'=HYPERLINK") and "\x1b" not in c for c in cells)
    # the terminal: no escape sequence reaches it
    shown = run(["customer", "show", "C001"])
    assert shown.exit_code == 0 and "\x1b[2J" not in shown.output and "HYPERLINK" in shown.output
    # the Markdown report carries no live <script>
    assert run(["monthly-report", "--all", "--format", "md", "--out",
                str(out / "r-{manager}.md")]).exit_code == 0
    md = " ".join(p.read_text(encoding="utf-8") for p in out.glob("r-*.md"))
    assert "<script>" not in md


def test_csv_cells_are_neutralised_but_numbers_kept():
    from cmgr.inert_text import csv_cell
    from cmgr.render.flag_report import flags_csv

    assert [csv_cell(v) for v in ["=1+1", "@x", "+x", "-x", "-5", "+3.5", "-", 7, "a\x00b"]] == [
        "'=1+1", "'@x", "'+x", "'-x", "-5", "+3.5", "-", 7, "ab"]
    assert "'=cmd" in flags_csv([{"customer_name": "=cmd"}])


def test_rejects_csv_neutralises_formula_values(db, tmp_path):
    from cmgr.jobs.ingest import import_files, write_issues_csv
    from tests.conftest import write_csv

    rows = [["订货日期", "客户编码", "卷烟编码", "数量"], ["=1+1", "001", "690", 1]]
    results = import_files(db, "orders", [write_csv(tmp_path / "o.csv", rows)])
    write_issues_csv(results, tmp_path / "rejects.csv")
    text = (tmp_path / "rejects.csv").read_text(encoding="utf-8-sig")
    assert "'=1+1" in text


# --- 12: user templates ------------------------------------------------------------------

def test_a_user_word_template_that_is_not_a_docx_is_a_clear_error(tmp_path, monkeypatch):
    seeded_db_path(tmp_path, monkeypatch)
    user = tmp_path / "tpl"
    user.mkdir()
    (user / "monthly_report.docx").write_text("not a word file", encoding="utf-8")
    monkeypatch.setenv("CMGR_TEMPLATES_DIR", str(user))
    result = run(["monthly-report", "--all", "--format", "docx", "--out",
                  str(tmp_path / "r-{manager}.docx")])
    assert result.exit_code == 2, result.output
    assert "monthly_report.docx 不是 .docx 文件" in result.output


def test_a_missing_include_names_the_missing_template(tmp_path):
    from cmgr.render.templates import RenderError, render

    (tmp_path / "page.html").write_text("{% include 'part.html' %}", encoding="utf-8")
    with pytest.raises(RenderError, match=r"找不到模板 part\.html（由 page\.html 引用）"):
        render("page.html", {}, user_dir=tmp_path)


# --- 7: --out placeholders stay inside their folder --------------------------------------

@pytest.mark.parametrize("manager", ["..", "~", "../../etc", "~root", "a/b", ".hidden", ""])
def test_placeholder_values_cannot_leave_the_folder(tmp_path, manager):
    from cmgr.render.output import expand_out

    out = expand_out(str(tmp_path / "plans" / "{manager}" / "plan.xlsx"), manager=manager)
    assert out.parent.parent == tmp_path / "plans"
    assert out.resolve().parent.parent == (tmp_path / "plans").resolve()
    assert not out.parent.name.startswith((".", "~"))


def test_the_patterns_own_tilde_is_still_home(monkeypatch, tmp_path):
    from cmgr.render.output import expand_out

    monkeypatch.setenv("HOME", str(tmp_path))
    assert expand_out("~/plans/{manager}.xlsx", manager="~") == tmp_path / "plans" / "_.xlsx"


def test_the_chase_list_csv_keeps_names_and_reasons_inert():
    import csv
    import io

    from cmgr.core.settlements import ChaseLine, ChaseList
    from cmgr.render.kpi_lists import chase_csv

    line = ChaseLine(rank=1, customer_code="C001", customer_name=EVIL, phone="13800000000",
                     manager="李娜", route=None, status="失败", amount=-12.5, orders=1,
                     oldest="2026-11-01", days_outstanding=6, failures_90d=2, reason="@SUM(1)")
    text = chase_csv(ChaseList(as_of="2026-11-07", lines=[line], settlements_known=True))
    row = list(csv.reader(io.StringIO(text)))[1]
    assert row[2].startswith("'=HYPERLINK") and "\x1b" not in row[2] and "\x00" not in row[2]
    assert row[-1] == "'@SUM(1)" and row[6] == "-12.5" and row[3] == "13800000000"
