"""Import rules on small fixture files built by the tests."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import pytest

from cmgr.errors import InputError
from cmgr.jobs.ingest import import_file, import_files
from tests.conftest import write_csv, write_xls, write_xlsx

ORDER_HEADER = ["订单编号", "订货日期", "客户编码", "客户名称", "卷烟编码", "卷烟名称", "批发价", "订购量", "金额"]


def order_rows():
    return [
        ORDER_HEADER,
        ["D001", dt.datetime(2026, 11, 3), "053200100123", "张记便利店", "6901028075022", "中华(硬)", 450, 2, 900],
        ["D001", "2026/11/3", "053200100123", "张记便利店", "6901028001724", "玉溪(软)", "185.5", "10", "1,855"],
        ["D002", "2026年11月04日", "053200100124", "李家烟酒", "6901028075022", "中华(硬)", 450, "二十", "9,000.00"],
        ["D003", "20261105", "053200100125", "王氏超市", "6901028001724", "玉溪(软)", 185.5, "１２", 2226],
        ["D004", 46000, "053200100126", "赵家食杂", "6901028001724", "玉溪(软)", 185.5, 1, 185.5],
    ]


def write_text(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def test_orders_xlsx_with_title_date_and_total_rows(db, tmp_path):
    path = write_xlsx(tmp_path / "orders.xlsx", order_rows(), title="订单明细表",
                      export_date="导出日期：2026年11月28日", total=["合计", None, None, None, None, None, None, 45, 14166.5])
    r = import_file(db, "orders", path)
    assert (r.rows_read, r.stored, r.rejected) == (6, 5, 0)
    assert r.skipped_detail["合计"] == 1
    rows = db.query("SELECT order_id, order_date, customer_code, qty, amount FROM order_lines "
                    "ORDER BY order_id, qty")
    assert [tuple(x) for x in rows] == [
        ("D001", "2026-11-03", "053200100123", 2.0, 900.0),
        ("D001", "2026-11-03", "053200100123", 10.0, 1855.0),
        ("D002", "2026-11-04", "053200100124", 20.0, 9000.0),
        ("D003", "2026-11-05", "053200100125", 12.0, 2226.0),
        ("D004", (dt.date(1899, 12, 30) + dt.timedelta(days=46000)).isoformat(), "053200100126", 1.0, 185.5),
    ]


def test_reimport_adds_nothing_and_counts_unchanged(db, tmp_path):
    path = write_xlsx(tmp_path / "orders.xlsx", order_rows())
    first = import_file(db, "orders", path)
    second = import_file(db, "orders", path)
    assert first.stored == 5
    assert (second.stored, second.updated, second.unchanged) == (0, 0, 5)
    assert db.scalar("SELECT count(*) FROM order_lines") == 5
    assert db.scalar("SELECT count(*) FROM imports") == 2


def test_overlapping_file_adds_only_new_and_updates_changed(db, tmp_path):
    rows = order_rows()
    import_file(db, "orders", write_xlsx(tmp_path / "a.xlsx", rows[:3]))
    changed = [r[:] for r in rows]
    changed[2][7] = 11  # quantity of D001 / 玉溪 changed
    r = import_file(db, "orders", write_xlsx(tmp_path / "b.xlsx", changed))
    assert (r.stored, r.updated, r.unchanged) == (3, 1, 1)
    assert db.scalar("SELECT qty FROM order_lines WHERE order_id='D001' AND sku_code='6901028001724'") == 11


def test_orders_without_order_id_keyed_by_date_customer_sku(db, tmp_path):
    rows = [["订货日期", "客户编码", "卷烟编码", "数量"],
            ["2026-11-03", "001", "690", 1],
            ["2026-11-03", "001", "691", 2],
            ["2026-11-04", "001", "690", 3]]
    import_file(db, "orders", write_xlsx(tmp_path / "a.xlsx", rows))
    r = import_file(db, "orders", write_xlsx(tmp_path / "a.xlsx", rows))
    assert r.unchanged == 3 and db.scalar("SELECT count(*) FROM order_lines") == 3


def test_bad_key_cells_are_rejected_with_location_and_the_rest_stored(db, tmp_path):
    rows = order_rows()
    rows[2][1] = "下周二"  # not a date
    rows[3][4] = None  # no cigarette code
    path = write_xlsx(tmp_path / "orders.xlsx", rows, title="订单明细表")
    r = import_file(db, "orders", path)
    assert r.stored == 3 and r.rejected == 2
    rejected = [i for i in r.issues if i.action == "rejected"]
    assert [(i.row, i.column) for i in rejected] == [(4, "订货日期"), (5, "卷烟编码")]
    assert "应为日期" in rejected[0].reason and rejected[0].value == "下周二"
    assert "为空" in rejected[1].reason
    assert db.scalar("SELECT count(*) FROM order_lines") == 3


def test_unreadable_optional_field_keeps_the_row_with_a_warning(db, tmp_path):
    rows = [["客户编码", "客户名称", "档位", "经度", "纬度", "许可证号"],
            [" 053200100123 ", "张记便利店", "12档", "117.01", "36.6", "037000112233"],
            ["053200100124", "李家烟酒", "很大", "abc", "36.7", None],
            ["053200100125", "王氏超市", "二十", None, None, "037000112235"],
            ["053200100126", "赵家食杂", "A3", None, None, "037000112236"]]
    r = import_file(db, "customers", write_xlsx(tmp_path / "c.xlsx", rows))
    assert r.stored == 4 and r.rejected == 0
    warned = {(i.row, i.column) for i in r.issues}
    assert warned == {(3, "档位"), (3, "经度")}
    got = {row["customer_code"]: dict(row) for row in db.query("SELECT * FROM customers")}
    assert got["053200100123"]["grade"] == 12 and got["053200100123"]["license_no"] == "037000112233"
    assert got["053200100124"]["grade"] is None and got["053200100124"]["lon"] is None
    assert got["053200100124"]["lat"] == 36.7
    assert got["053200100125"]["grade"] == 20
    assert got["053200100126"]["grade"] is None and got["053200100126"]["grade_label"] == "A3"


def test_changed_customer_is_updated_not_duplicated_and_missing_columns_kept(db, tmp_path):
    import_file(db, "customers", write_xlsx(tmp_path / "a.xlsx", [
        ["客户编码", "客户名称", "档位", "客户经理", "经度"],
        ["001", "甲店", 5, "王建国", 117.0]]))
    r = import_file(db, "customers", write_xlsx(tmp_path / "b.xlsx", [
        ["客户编码", "客户名称", "档位", "客户经理"],
        ["001", "甲店", 7, "李娜"]]))
    assert (r.stored, r.updated) == (0, 1)
    row = db.query("SELECT grade, manager, lon FROM customers")[0]
    assert tuple(row) == (7, "李娜", 117.0)


def test_gbk_csv_is_detected(db, tmp_path):
    path = write_csv(tmp_path / "orders.csv", [["订单明细"], *order_rows()], encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    r = import_file(db, "orders", path)
    assert r.stored == 5 and r.rejected == 0
    assert db.scalar("SELECT sku_name FROM order_lines WHERE order_id='D002'") == "中华(硬)"


def test_utf8_bom_csv(db, tmp_path):
    path = write_csv(tmp_path / "prices.csv", [["卷烟编码", "卷烟名称", "批发价", "零售指导价"],
                                               ["6901028075022", "中华(硬)", "450", "500"]],
                     encoding="utf-8-sig")
    r = import_file(db, "prices", path)
    assert r.stored == 1
    assert db.scalar("SELECT retail_guide_price FROM prices") == 500


def test_xls_file(db, tmp_path):
    path = write_xls(tmp_path / "orders.xls", [["订单明细"], [], *[
        [c.isoformat() if isinstance(c, dt.datetime) else c for c in r] for r in order_rows()]])
    r = import_file(db, "orders", path)
    assert r.stored == 5 and r.rejected == 0
    # Excel row numbers survive the blank second row
    assert r.rows_read == 5


def test_blank_rows_and_exact_duplicates_are_skipped_and_counted(db, tmp_path):
    rows = order_rows()
    rows.insert(3, [None] * 9)
    rows.append(rows[1][:])  # exact duplicate of the first data row
    r = import_file(db, "orders", write_xlsx(tmp_path / "o.xlsx", rows))
    assert r.skipped_detail == {"blank": 1, "合计": 0, "duplicate": 1}
    assert r.stored == 5 and r.rows_read == 7


def test_same_key_with_other_values_is_rejected_not_merged(db, tmp_path):
    rows = order_rows()
    clash = rows[1][:]
    clash[7] = 99
    rows.append(clash)
    r = import_file(db, "orders", write_xlsx(tmp_path / "o.xlsx", rows))
    assert r.rejected == 1 and "与第 2 行的键相同" in r.issues[0].reason


@pytest.mark.parametrize("tail", [[], [["合计", None, None, None, None]]], ids=["header", "total"])
def test_a_file_with_a_header_and_no_data_rows_imports_nothing_cleanly(db, tmp_path, tail):
    rows = [["订单编号", "订货日期", "客户编码", "卷烟编码", "数量"], *tail]
    r = import_file(db, "orders", write_csv(tmp_path / "o.csv", rows))
    assert (r.rows_read, r.stored, r.rejected, r.error) == (len(tail), 0, 0, None)
    assert db.scalar("SELECT count(*) FROM order_lines") == 0
    assert db.scalar("SELECT count(*) FROM imports") == 1  # the import is logged


def test_a_repeat_is_compared_with_the_row_kept_not_with_another_repeat(db, tmp_path):
    rows = [["订单编号", "订货日期", "客户编码", "卷烟编码", "数量"],
            ["D1", "2026-11-03", "001", "690", 1],   # row 2: kept
            ["D1", "2026-11-03", "001", "690", 7],   # row 3: clashes with row 2
            ["D1", "2026-11-03", "001", "690", 7],   # row 4: also clashes with row 2
            ["D1", "2026-11-03", "001", "690", 1]]   # row 5: the same as row 2
    r = import_file(db, "orders", write_csv(tmp_path / "o.csv", rows))
    assert (r.stored, r.skipped_detail["duplicate"], r.rejected) == (1, 1, 2)
    assert [(i.row, "第 2 行" in i.reason) for i in r.issues] == [(3, True), (4, True)]


def test_quantities_in_jian_are_converted_to_cartons(db, tmp_path):
    rows = [["订货日期", "客户编码", "卷烟编码", "订购量(件)"], ["2026-11-03", "001", "690", 2]]
    r = import_file(db, "orders", write_xlsx(tmp_path / "o.xlsx", rows))
    assert db.scalar("SELECT qty FROM order_lines") == 100
    assert any("件" in n for n in r.notes)


def test_a_unit_written_in_the_cell_is_converted_not_rejected(db, tmp_path):
    rows = [["订单编号", "订货日期", "客户编码", "卷烟编码", "数量"],
            ["D1", "2026-11-03", "001", "690", "2件"],
            ["D2", "2026-11-03", "001", "690", "1 箱"],
            ["D3", "2026-11-03", "001", "690", "30条"],
            ["D4", "2026-11-03", "001", "690", "二件"],
            ["D5", "2026-11-03", "001", "690", 7],
            ["D6", "2026-11-03", "001", "690", "2包"]]  # 包 is not converted: rejected, named
    r = import_file(db, "orders", write_csv(tmp_path / "o.csv", rows))
    got = dict(db.query("SELECT order_id, qty FROM order_lines"))
    assert got == {"D1": 100.0, "D2": 250.0, "D3": 30.0, "D4": 100.0, "D5": 7.0}
    assert r.rejected == 1 and r.issues[0].row == 7 and r.issues[0].value == "2包"
    assert any("列「数量」中 3 个单元格" in n for n in r.notes)  # 2件, 1 箱, 二件 (30条 is the column's unit)


def test_cartons_written_in_a_jian_column_are_not_taken_for_jian(db, tmp_path):
    rows = [["订单编号", "订货日期", "客户编码", "卷烟编码", "订购量(件)"],
            ["D1", "2026-11-03", "001", "690", "20条"],
            ["D2", "2026-11-03", "001", "690", 2]]
    import_file(db, "orders", write_csv(tmp_path / "o.csv", rows))
    assert dict(db.query("SELECT order_id, qty FROM order_lines")) == {"D1": 20.0, "D2": 100.0}
    rows = [rows[0], ["D3", "2026-11-03", "001", "690", "7条"]]  # exactly 7, not 7.000000000000001
    import_file(db, "orders", write_csv(tmp_path / "p.csv", rows))
    assert db.scalar("SELECT qty FROM order_lines WHERE order_id = 'D3'") == 7


def test_wrong_kind_names_missing_columns_and_writes_nothing(db, tmp_path):
    visits = write_xlsx(tmp_path / "visits.xlsx", [["访问日期", "客户编码", "访问内容"],
                                                   ["2026-11-03", "001", "正常"]])
    with pytest.raises(InputError) as exc:
        import_file(db, "orders", visits)
    msg = str(exc.value)
    assert "缺少必需的列" in msg and "卷烟编码" in msg and "访问日期" in msg
    assert "visits" in msg  # it says what the file looks like
    assert db.scalar("SELECT count(*) FROM imports") == 0


@pytest.mark.parametrize("name, content, words", [
    ("empty.xlsx", b"", "文件是空的"),
    ("broken.xlsx", b"PK\x03\x04 this is not a zip", "无法读取这个工作簿"),
    ("photo.csv", bytes(range(256)) * 10, "二进制文件"),
    ("notes.txt.pdf", b"%PDF-1.4", "不支持的文件类型"),
])
def test_unusable_files_get_clear_errors(db, tmp_path, name, content, words):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=words):
        import_file(db, "orders", path)


def test_one_bad_file_does_not_stop_the_others(db, tmp_path):
    good = write_xlsx(tmp_path / "good.xlsx", order_rows())
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"garbage")
    results = import_files(db, "orders", [bad, good])
    assert results[0].error is not None and results[1].stored == 5


def test_sheet_option_and_auto_sheet_choice(db, tmp_path):
    path = write_xlsx(tmp_path / "book.xlsx", [["说明"], ["本工作簿第二页为订单"]],
                      extra_sheets={"订单": order_rows()})
    r = import_file(db, "orders", path)
    assert r.sheet == "订单" and r.stored == 5
    with pytest.raises(InputError, match="没有名为「明细」的工作表"):
        import_file(db, "orders", path, sheet="明细")


def test_mapping_adds_unknown_headers(db, tmp_path):
    rows = [["零售户代码X", "名称"], ["001", "甲店"]]
    path = write_xlsx(tmp_path / "c.xlsx", rows)
    with pytest.raises(InputError, match="找不到表头行|缺少必需的列"):
        import_file(db, "customers", path)
    r = import_file(db, "customers", path, mapping={"零售户代码X": "customer_code", "名称": "customer_name"})
    assert r.stored == 1


def test_dry_run_writes_nothing_but_counts(db, tmp_path):
    r = import_file(db, "orders", write_xlsx(tmp_path / "o.xlsx", order_rows()), dry_run=True)
    assert r.stored == 5
    assert db.scalar("SELECT count(*) FROM order_lines") == 0
    assert db.scalar("SELECT count(*) FROM imports") == 0


def test_visits_keep_notes_and_observed_prices(db, tmp_path):
    rows = [["访问编号", "访问日期", "客户编码", "访问类型", "访问内容", "检查品规", "实际零售价"],
            ["V1", "2026-11-03", "001", "常规", "价格规范", "中华（硬）", "５００元/条"],
            ["V2", "2026-11-04", "001", "特殊访问", "超价销售", "玉溪(软)", "很贵"],
            ["V3", "2026-11-05", "001", "常规", "", "玉溪(软)", "23元/包"]]
    r = import_file(db, "visits", write_xlsx(tmp_path / "v.xlsx", rows))
    assert r.stored == 3
    assert db.scalar("SELECT observed_price FROM visits WHERE visit_id='V3'") == 230
    got = [tuple(x) for x in db.query(
        "SELECT visit_type, observed_price, observed_price_text FROM visits "
        "WHERE visit_id IN ('V1', 'V2') ORDER BY visit_id")]
    assert got == [("常规访问", 500.0, None), ("特殊访问", None, "很贵")]


def test_killed_import_leaves_nothing_of_that_file(tmp_path):
    """SIGKILL half-way through storing: the database holds none of the file; a re-run completes."""
    from tests.sources.killable_import import run_and_kill

    stored_before, stored_after_rerun, integrity = run_and_kill(tmp_path)
    assert stored_before == 0
    assert stored_after_rerun == 20000
    assert integrity == "ok"


def test_cli_import_exit_codes_and_json(tmp_path):
    good = write_xlsx(tmp_path / "o.xlsx", order_rows())
    rows = order_rows()
    rows[2][1] = "garbage"
    partial = write_xlsx(tmp_path / "p.xlsx", rows)
    env_db = ["--db", str(tmp_path / "cli.db")]

    def run(*args):
        return subprocess.run([sys.executable, "-m", "cmgr", *env_db, *args], capture_output=True,
                              text=True, stdin=subprocess.DEVNULL)

    p = run("import", "orders", str(good), "--format", "json")
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    assert data["files"][0]["stored"] == 5
    p = run("import", "orders", str(partial), "--rejects", str(tmp_path / "rej.csv"))
    assert p.returncode == 3
    assert "rej.csv" in p.stderr
    assert "garbage" in (tmp_path / "rej.csv").read_text(encoding="utf-8-sig")
    p = run("import", "orders", str(tmp_path / "missing.xlsx"))
    assert p.returncode == 2 and "找不到文件" in p.stderr and "Traceback" not in p.stderr


def test_csv_with_ragged_total_row_and_blank_line_keeps_excel_row_numbers(db, tmp_path):
    text = ("订单明细表\n导出日期：2026-11-28\n"
            "订单编号,订货日期,客户编码,卷烟编码,订购量\n"
            "D1,2026-11-03,001,690,2\n"
            "\n"
            "D2,2026-11-04,001,690,x\n"
            "合计,,4\n")
    path = tmp_path / "o.csv"
    path.write_text(text, encoding="utf-8")
    r = import_file(db, "orders", path)
    assert r.stored == 1 and r.rejected == 1
    assert r.skipped_detail == {"blank": 1, "合计": 1, "duplicate": 0}
    assert [(i.row, i.column) for i in r.issues] == [(6, "订购量")]


def test_csv_row_with_more_cells_than_the_header_is_rejected_not_guessed(db, tmp_path):
    text = ("订单编号,订货日期,客户编码,客户名称,卷烟编码,数量\n"
            "1,2026-11-03,001,\"张记,便利店\",690,1\n"        # row 2: quoted comma, fine
            "2,2026-11-03,002,李记,便利店,690,1\n"            # row 3: unquoted comma, shifted
            "3,2026-11-03,003,\"两行\n的店名\",690,2\n"        # rows 4-5: one record
            "4,2026-11-03,004,赵记,690\n"                      # row 6: short, no 数量
            "5,2026-11-03,005,钱记,690,3\n")                   # row 7
    r = import_file(db, "orders", write_text(tmp_path / "o.csv", text))
    assert (r.rows_read, r.stored, r.rejected) == (5, 3, 2)
    assert [(i.row, i.column) for i in r.issues] == [(3, None), (6, "数量")]
    assert "有 7 个单元格，而表头只有 6 列" in r.issues[0].reason
    assert r.issues[0].value == "2,2026-11-03,002,李记,便利店,690,1"
    assert dict(db.query("SELECT order_id, qty FROM order_lines")) == {"1": 1, "3": 2, "5": 3}


def test_csv_with_a_quote_left_open_is_refused_with_its_line(db, tmp_path):
    path = write_text(tmp_path / "o.csv", "订单编号,订货日期,客户编码,卷烟编码,数量\n"
                                          "1,2026-11-03,001,690,1\n\"2,2026-11-03,001,690,1\n")
    with pytest.raises(InputError, match="无法按 CSV 解析（第 3 行"):
        import_file(db, "orders", path)
    assert db.scalar("SELECT count(*) FROM order_lines") == 0


def test_roster_visit_day_is_stored_and_a_bad_one_costs_only_the_cell(db, tmp_path):
    roster = [["客户编码", "客户名称", "线路", "访销日"],
              ["001", "甲店", "东线", "周二"],
              ["002", "乙店", "东线", "星期二、星期五"],
              ["003", "丙店", "东线", "下周"],
              ["004", "丁店", "东线", None]]
    r = import_file(db, "customers", write_xlsx(tmp_path / "roster.xlsx", roster))
    assert r.stored == 4 and r.rejected == 0
    got = dict(db.query("SELECT customer_code, visit_weekdays FROM customers"))
    assert got == {"001": "2", "002": "25", "003": None, "004": None}
    (warning,) = [i for i in r.issues if i.action != "rejected"]
    assert (warning.row, warning.column, warning.value) == (4, "访销日", "下周")


def test_roster_saying_normal_does_not_undo_a_recorded_leave(db, tmp_path):
    from datetime import date

    from cmgr.store.customers import leave_customer

    roster = [["客户编码", "客户名称", "经营状态"], ["001", "甲店", "正常"], ["002", "乙店", "正常"]]
    import_file(db, "customers", write_xlsx(tmp_path / "a.xlsx", roster))
    leave_customer(db, "001", on_date=date(2026, 11, 20), reason="转让")
    r = import_file(db, "customers", write_xlsx(tmp_path / "b.xlsx", roster))
    status = dict(db.query("SELECT customer_code, status FROM customers"))
    assert status == {"001": "已退网", "002": "正常"}
    kept = [i for i in r.issues if i.column == "status"]
    assert len(kept) == 1 and kept[0].row == 2 and "2026-11-20" in kept[0].reason
    assert "cmgr customer join 001" in kept[0].reason
