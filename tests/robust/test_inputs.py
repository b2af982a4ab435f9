"""Inputs that look right but are not (issue 16): no silent loss, no silent damage."""

from __future__ import annotations

import pytest

from cmgr.errors import InputError
from cmgr.jobs.ingest import import_file, import_files
from tests.conftest import write_csv, write_xls, write_xlsx

ORDER_HEADER = ["订单编号", "订货日期", "客户编码", "卷烟编码", "卷烟名称", "批发价", "订购量", "金额"]


def orders(first: int, n: int, day: str = "2026-11-03") -> list[list]:
    return [[f"D{i:05d}", day, f"0532{i:08d}", "6901028075022", "中华(硬)", 450, 2, 900]
            for i in range(first, first + n)]


# --- 1: every sheet whose header fits is imported ----------------------------------------

@pytest.mark.parametrize("writer", [write_xlsx, write_xls], ids=["xlsx", "xls"])
def test_every_fitting_sheet_of_a_workbook_is_imported_and_others_named(db, tmp_path, writer):
    suffix = ".xlsx" if writer is write_xlsx else ".xls"
    path = writer(tmp_path / f"orders{suffix}", [ORDER_HEADER, *orders(0, 5)],
                  extra_sheets={"说明": [["本表由系统导出"]],
                                "Sheet2": [ORDER_HEADER, *orders(5, 3)]})
    results = import_files(db, "orders", [path])
    assert [(r.sheet, r.stored) for r in results] == [("Sheet1", 5), ("Sheet2", 3)]
    assert db.scalar("SELECT count(*) FROM order_lines") == 8
    assert any("说明" in n and "未导入" in n for n in results[0].notes)
    # --sheet still picks one
    again = import_files(db, "orders", [path], sheet="Sheet2")
    assert [(r.sheet, r.unchanged) for r in again] == [("Sheet2", 3)]


def test_a_first_sheet_that_does_not_fit_is_named_too(db, tmp_path):
    path = write_xlsx(tmp_path / "book.xlsx", [["说明"], ["第二页为订单"]],
                      extra_sheets={"订单": [ORDER_HEADER, *orders(0, 2)]})
    (r,) = import_files(db, "orders", [path])
    assert r.sheet == "订单" and r.stored == 2
    assert any(n.startswith("工作表 Sheet1 未导入") for n in r.notes)


# --- 2: a file that looks more like another kind is refused ------------------------------

VISIT_ROWS = [["访问编号", "访问日期", "客户编码", "客户名称", "客户经理", "访问类型", "访问内容"],
              ["V1", "2026-11-03", "053200100123", "张记便利店", "王五", "常规访问", "正常"]]
ORDER_ROWS = [ORDER_HEADER, ["D1", "2026-11-03", "053200100123", "6901028075022", "中华(软)", 1.0, 2, 2]]


@pytest.mark.parametrize("rows,wrong,right", [(VISIT_ROWS, "customers", "visits"),
                                              (ORDER_ROWS, "prices", "orders")])
def test_a_file_of_another_kind_is_refused_unless_told(db, tmp_path, rows, wrong, right):
    path = write_csv(tmp_path / "export.csv", rows)
    with pytest.raises(InputError, match=f"这看起来像.*（`{right}`）文件"):
        import_file(db, wrong, path)
    assert db.scalar("SELECT count(*) FROM imports") == 0
    r = import_file(db, wrong, path, kind_is_right=True)
    assert r.stored == 1
    assert import_file(db, right, path).stored == 1


def test_a_wrong_kind_sheet_is_skipped_with_the_reason(db, tmp_path):
    path = write_xlsx(tmp_path / "客户走访记录.xlsx", VISIT_ROWS)
    (r,) = import_files(db, "customers", [path])
    assert r.error is not None and "这看起来像访问记录（`visits`）文件" in r.error.message
    assert db.scalar("SELECT count(*) FROM customers") == 0


# --- 3 and 10: far-future dates and implausible numbers ----------------------------------

def test_far_future_dates_are_rejected_or_stored_empty_per_field(db, tmp_path):
    rows = [ORDER_HEADER, *orders(0, 1), *orders(1, 1, day="9999-12-31"),
            *orders(2, 1, day="2062-11-20")]
    r = import_file(db, "orders", write_csv(tmp_path / "orders.csv", rows))
    assert (r.stored, r.rejected) == (1, 2)
    assert all("是笔误吗？" in i.reason for i in r.issues)
    assert db.scalar("SELECT max(order_date) FROM order_lines") == "2026-11-03"
    roster = [["客户编码", "客户名称", "入网日期", "许可证有效期"],
              ["001", "甲", "2062-11-20", "2030-01-01"], ["002", "乙", "2020-01-01", "9999-12-31"]]
    c = import_file(db, "customers", write_csv(tmp_path / "roster.csv", roster))
    assert (c.stored, c.rejected, c.warnings) == (2, 0, 2)
    assert [tuple(x) for x in db.query("SELECT joined_on, license_expiry FROM customers "
                                       "ORDER BY customer_code")] == [
        (None, "2030-01-01"), ("2020-01-01", None)]


def test_the_export_date_above_the_header_moves_the_ceiling(db, tmp_path):
    import datetime as dt

    later = (dt.date.today() + dt.timedelta(days=300)).isoformat()
    rows = [ORDER_HEADER, *orders(0, 1, day=later)]
    assert import_file(db, "orders", write_xlsx(tmp_path / "a.xlsx", rows)).rejected == 1
    r = import_file(db, "orders", write_xlsx(tmp_path / "b.xlsx", rows,
                                             export_date=f"导出日期：{later}"))
    assert (r.stored, r.rejected) == (1, 0)


def test_implausible_numbers_are_warned_with_their_bounds(db, tmp_path):
    from cmgr.sources.importer import Plausible

    rows = [ORDER_HEADER,
            ["D1", "2026-11-03", "001", "690", "x", -5, 2, 10],
            ["D2", "2026-11-03", "001", "690", "x", 450, 1e20, 10],
            ["D3", "2026-11-03", "001", "690", "x", 450, -5, -2250]]
    path = write_csv(tmp_path / "orders.csv", rows)
    r = import_file(db, "orders", path)
    assert (r.stored, r.rejected, r.warnings) == (1, 2, 1)
    reasons = {i.row: i.reason for i in r.issues}
    assert "超出合理范围 0 至 100000 元/条" in reasons[2]
    assert "超出合理范围 0 至 100000 条" in reasons[3]
    assert db.scalar("SELECT wholesale_price FROM order_lines") is None
    # a configuration that allows returns keeps the negative quantity
    r = import_file(db, "orders", path, plausible=Plausible(qty_min=-100))
    assert db.scalar("SELECT qty FROM order_lines WHERE order_id='D3'") == -5


# --- 4: control characters are cleaned on import, with a warning -------------------------

def test_control_characters_after_the_first_4kb_are_removed_with_a_warning(db, tmp_path):
    rows = [["客户编码", "客户名称", "经营地址"]]
    rows += [[f"C{i:04d}", "店" * 20, "路" * 20] for i in range(100)]  # past the first 4 KB
    rows += [["C9999", "坏\x00名\x1b[2J字\x07", "地址\x1b]0;title\x07"]]
    path = write_csv(tmp_path / "roster.csv", rows)
    assert path.stat().st_size > 4096
    r = import_file(db, "customers", path)
    assert (r.stored, r.rejected) == (101, 0)
    assert [i.reason for i in r.issues] == ["已去除控制字符"] * 2
    assert tuple(db.query("SELECT customer_name, address FROM customers "
                          "WHERE customer_code='C9999'")[0]) == ("坏名字", "地址")


def test_the_apostrophe_before_formula_like_text_is_read_back_off(db, tmp_path):
    rows = [["客户编码", "客户名称"], ["C1", "'=1+1"], ["C2", "'abc"]]
    import_file(db, "customers", write_csv(tmp_path / "c.csv", rows))
    assert [r[0] for r in db.query("SELECT customer_name FROM customers ORDER BY 1")] == [
        "'abc", "=1+1"]


# --- 6: decoding errors fail their file alone --------------------------------------------

def test_undecodable_files_fail_alone_and_the_summary_covers_all(tmp_path):
    import json
    import subprocess
    import sys

    header = "订货日期,客户编码,卷烟编码,数量\n"
    good = write_csv(tmp_path / "good.csv", [header.strip().split(","), ["2026-11-03", "1", "2", "3"]])
    bom_gbk = tmp_path / "bom_gbk.csv"
    bom_gbk.write_bytes(b"\xef\xbb\xbf" + (header + "2026-11-03,1,2,3\n").encode("utf-8")
                        + "张记便利店".encode("gb18030") + b",1,2,3\n")
    odd_utf16 = tmp_path / "odd_utf16.csv"
    odd_utf16.write_bytes((header + "2026-11-03,1,2,3\n").encode("utf-16") + b"\x00")
    p = subprocess.run([sys.executable, "-m", "cmgr", "--db", str(tmp_path / "x.db"), "import",
                        "orders", str(bom_gbk), str(odd_utf16), str(good), "--format", "json"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2, p.stderr
    files = json.loads(p.stdout)["files"]
    assert [(f["file"].rsplit("/", 1)[-1], f["stored"], bool(f["error"])) for f in files] == [
        ("bom_gbk.csv", 0, True), ("odd_utf16.csv", 0, True), ("good.csv", 1, False)]
    assert "UTF-8" in files[0]["error"] and "UTF-16" in files[1]["error"]


def test_an_unreadable_file_is_an_input_error(db, tmp_path, monkeypatch):
    import os

    path = write_csv(tmp_path / "o.csv", [ORDER_HEADER, *orders(0, 1)])
    os.chmod(path, 0)
    if os.access(path, os.R_OK):  # root reads anything: simulate the refusal
        from pathlib import Path

        def refuse(self, *a, **k):
            raise PermissionError(13, "Permission denied", str(self))
        monkeypatch.setattr(Path, "read_bytes", refuse)
    (r,) = import_files(db, "orders", [path])
    assert r.error is not None and "Permission denied" in r.error.message


# --- 9: CSV quirks -------------------------------------------------------------------------

def test_delimiters_inside_quoted_cells_do_not_decide_the_delimiter(db, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text('客户编码;客户名称;客户经理\nC1;"张记;便利店;城东;一分店;二分店";王五\n'
                    'C2;李家;王五\n', encoding="utf-8")
    r = import_file(db, "customers", path)
    assert (r.stored, r.rejected) == (2, 0)
    assert db.scalar("SELECT customer_name FROM customers WHERE customer_code='C1'") == \
        "张记;便利店;城东;一分店;二分店"
    commas = tmp_path / "commas.csv"
    commas.write_text('客户编码\t客户名称\nC3\t"a,b,c,d,e,f,g"\n', encoding="utf-8")
    assert import_file(db, "customers", commas).stored == 1


def test_a_header_wider_than_20000_characters_is_found(db, tmp_path):
    header = ["客户编码", *[f"说明列{i:04d}" + "x" * 30 for i in range(700)], "客户名称"]
    assert len(",".join(header)) > 20000
    path = write_csv(tmp_path / "wide.csv", [header, ["C1", *[""] * 700, "甲"]])
    r = import_file(db, "customers", path)
    assert r.stored == 1 and db.scalar("SELECT customer_name FROM customers") == "甲"


def test_a_quoted_multi_line_title_keeps_row_numbers(db, tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text('"订单明细\n2026年11月"\n订货日期,客户编码,卷烟编码,数量\n'
                    '2026-11-03,001,690,1\nbad-date,001,690,1\n', encoding="utf-8")
    r = import_file(db, "orders", path)
    assert (r.rows_read, r.stored, r.rejected) == (2, 1, 1)
    assert [(i.row, i.value) for i in r.issues] == [(5, "bad-date")]  # the fifth line of the file


# --- 10: NA kept as in xlsx, original text in rejects, formulas without a value ----------

def test_na_markers_read_the_same_from_csv_and_xlsx(db, tmp_path):
    rows = [["订货日期", "客户编码", "卷烟编码", "数量", "卷烟名称"],
            ["2026-11-03", "001", "690", "NA", "x"],
            ["2026-11-03", "001", "691", "NULL", "y"],
            ["2026-11-03", "001", "692", 1, "NA"]]
    results = {}
    for writer, name in ((write_csv, "o.csv"), (write_xlsx, "o.xlsx")):
        r = import_file(db, "orders", writer(tmp_path / name, rows), dry_run=True)
        results[name] = sorted((i.row, i.value, i.reason) for i in r.issues)
    assert results["o.csv"] == results["o.xlsx"]
    assert [v for _, v, _ in results["o.csv"]] == ["NA", None]  # NULL is cmgr's empty marker
    # an Excel error value exported as text keeps its text in the rejects
    r = import_file(db, "orders", write_csv(tmp_path / "e.csv", [rows[0], ["#N/A", "1", "2", 1]]))
    assert [(i.value, i.action) for i in r.issues] == [("#N/A", "rejected")]


def test_a_formula_without_a_saved_value_is_named_as_such(db, tmp_path):
    rows = [["订货日期", "客户编码", "卷烟编码", "数量"],
            ["2026-11-03", "001", "690", "=1+1"],
            ["2026-11-03", "001", "691", 2]]
    r = import_file(db, "orders", write_xlsx(tmp_path / "f.xlsx", rows))
    assert (r.stored, r.rejected) == (1, 1)
    assert "没有保存结果的公式" in r.issues[0].reason


# --- 11: .xls files that are really HTML tables (or text) -------------------------------

def test_an_html_table_saved_as_xls_is_read(db, tmp_path):
    html = ("<html><head><meta http-equiv='Content-Type' content='text/html; charset=gb2312'>"
            "</head><body><table border=1>"
            "<tr><td colspan=4>订单明细</td></tr>"
            "<tr><th>订货日期</th><th>客户编码</th><th>卷烟编码</th><th>数量</th></tr>"
            "<tr><td>2026-11-03</td><td>053200100123</td><td>6901028075022</td><td>2</td></tr>"
            "<tr><td>坏日期</td><td>0532</td><td>690</td><td>1</td></tr>"
            "<tr><td>合计</td><td></td><td></td><td>3</td></tr>"
            "</table></body></html>")
    path = tmp_path / "订单.xls"
    path.write_bytes(html.encode("gb18030"))
    r = import_file(db, "orders", path)
    assert (r.rows_read, r.stored, r.rejected, r.skipped) == (3, 1, 1, 1)
    assert [(i.row, i.value) for i in r.issues] == [(4, "坏日期")]
    assert db.scalar("SELECT customer_code FROM order_lines") == "053200100123"


def test_tab_separated_text_saved_as_xls_is_read(db, tmp_path):
    path = tmp_path / "roster.xls"
    path.write_text("客户编码\t客户名称\n0532001\t甲\n", encoding="utf-8")
    assert import_file(db, "customers", path).stored == 1
    assert db.scalar("SELECT customer_code FROM customers") == "0532001"
