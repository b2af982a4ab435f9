"""The sign-in sheet round trip: plan-week writes 《营销人员市场走访签到记录簿》, a manager fills it
in Excel (openpyxl here), `cmgr import visits` reads it back, then the company export of the
same visits is imported: visits in = filled rows, no duplicates, flags once per case."""

from __future__ import annotations

import json
import sqlite3

import openpyxl

from tests.cli.test_plan_cmd import WEEK, run
from tests.conftest import write_xlsx

TIP = "隔壁新开的小卖部没有许可证也在卖烟"


def q(path, sql, params=()):
    con = sqlite3.connect(path)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute(sql, params)]
    finally:
        con.close()


def fill(path):
    """Fill the sheet as a manager would: two visits not made (left blank), one arrival time
    mistyped, the rest with time, ticks, two cigarettes, signature and a note."""
    wb = openpyxl.load_workbook(path)
    ws = next(w for w in wb.worksheets if "签到" in str(w["A1"].value))
    header = [c.value for c in ws[3]]
    col = {name: i + 1 for i, name in enumerate(header)}
    lines = list(range(4, ws.max_row + 1))
    filled = []
    for n, r in enumerate(lines):
        if n in (0, 1):
            continue  # not visited
        if n == 2:
            ws.cell(r, col["到达时间"], "25:99")
            ws.cell(r, col["a 传递公司信息"], "√")
            continue
        ws.cell(r, col["到达时间"], f"09:{n % 60:02d}")
        for item in ("a 传递公司信息", "b 收集信息", "c 核对库存·建议订货", "f 检查最低零售价"):
            ws.cell(r, col[item], "√")
        ws.cell(r, col["卷烟1"], "中华(软)")
        ws.cell(r, col["零售价1"], "75元/包")
        ws.cell(r, col["库存1(条)"], 3)
        ws.cell(r, col["卷烟2"], "利群(新版)")
        ws.cell(r, col["零售价2"], 160)
        ws.cell(r, col["客户签名(是/否)"], "是")
        ws.cell(r, col["备注"], TIP if n == 3 else "正常走访")
        filled.append({"row": r, "date": ws.cell(r, col["日期"]).value.date().isoformat(),
                       "code": ws.cell(r, col["客户编码"]).value,
                       "type": ws.cell(r, col["访问类型"]).value,
                       "note": TIP if n == 3 else "正常走访"})
    wb.save(path)
    return lines, filled


def test_plan_sheet_filled_imported_then_the_export_of_the_same_visits(plan_db, tmp_path):
    cli_db = plan_db
    result = run("plan-week", "--week", WEEK, "-m", "王建国", "--out", "plan.xlsx")
    assert result.exit_code == 0, result.output
    sheet = tmp_path / "plan.xlsx"
    lines, filled = fill(sheet)
    before = q(cli_db, "SELECT count(*) AS n FROM visits")[0]["n"]

    result = run("import", "visits", str(sheet), "--format", "json")
    assert result.exit_code == 3, result.output  # one row rejected
    data = json.loads(result.stdout)["files"][0]
    assert data["rows_read"] == len(lines)
    assert (data["stored"], data["skipped"], data["rejected"]) == (len(filled), 2, 1)
    assert data["issues"][0]["row"] == lines[2] and data["issues"][0]["column"] == "到达时间"
    sheet_visits = q(cli_db, "SELECT * FROM visits WHERE source = 'sheet' ORDER BY visit_date, id")
    assert len(sheet_visits) == len(filled)
    first = next(v for v in sheet_visits if v["customer_code"] == filled[1]["code"]
                 and v["visit_date"] == filled[1]["date"])
    assert (first["arrival_time"], first["duties"], first["customer_signed"], first["notes"]) == (
        "09:04", "abcf", 1, "正常走访")
    assert (first["checked_sku"], first["observed_price"], first["manager"]) == ("中华(软)", 750.0, "王建国")
    prices = q(cli_db, "SELECT sku, price, stock FROM visit_prices WHERE visit_key = ? ORDER BY id",
               (first["visit_key"],))
    assert prices == [{"sku": "中华(软)", "price": 750.0, "stock": 3.0},
                      {"sku": "利群(新版)", "price": 160.0, "stock": None}]
    # importing the same sheet again changes nothing
    again = json.loads(run("import", "visits", str(sheet), "--format", "json").stdout)["files"][0]
    assert (again["stored"], again["updated"]) == (0, len(filled))
    assert q(cli_db, "SELECT count(*) AS n FROM visits")[0]["n"] == before + len(filled)
    assert run("flag", "--format", "json").exit_code in (0, 1)

    # the company's export of the same week: the same visits, with their own ids and notes
    export = write_xlsx(tmp_path / "走访.xlsx", [
        ["访问编号", "访问日期", "客户编码", "访问类型", "访问内容"],
        *[[f"ZF{i:04d}", f["date"], f["code"], f["type"], f["note"]] for i, f in enumerate(filled)]])
    result = run("import", "visits", str(export), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)["files"][0]
    assert (data["stored"], data["merged"]) == (0, len(filled))
    assert q(cli_db, "SELECT count(*) AS n FROM visits")[0]["n"] == before + len(filled)
    dupes = q(cli_db, "SELECT customer_code, visit_date, visit_type, count(*) AS n FROM visits "
                      "GROUP BY 1, 2, 3 HAVING n > 1")
    assert dupes == []
    assert q(cli_db, "SELECT count(*) AS n FROM visits WHERE export_key LIKE 'ZF%'")[0]["n"] == len(filled)
    assert run("flag", "--format", "json").exit_code in (0, 1)
    flags = q(cli_db, "SELECT customer_code, kind, visit_key FROM flags WHERE source = 'note'")
    assert [(f["customer_code"], f["kind"]) for f in flags] == [(filled[0]["code"], "unlicensed")]
    assert flags[0]["visit_key"].startswith("sheet:")


def test_a_visit_typed_and_on_the_sheet_is_one_visit(plan_db, tmp_path):
    result = run("plan-week", "--week", WEEK, "-m", "王建国", "--out", "plan.xlsx")
    assert result.exit_code == 0, result.output
    sheet = tmp_path / "plan.xlsx"
    _, filled = fill(sheet)
    one = filled[1]
    typed = run("visit", "log", "--customer", one["code"], "--date", one["date"],
                "--type", one["type"][:2], "--notes", "当天录入")
    assert typed.exit_code == 0, typed.output
    result = run("import", "visits", str(sheet), "--format", "json")
    data = json.loads(result.stdout)["files"][0]
    assert (data["stored"], data["updated"]) == (len(filled) - 1, 1)
    rows = q(plan_db, "SELECT * FROM visits WHERE customer_code = ? AND visit_date = ?",
             (one["code"], one["date"]))
    assert len(rows) == 1 and rows[0]["source"] == "cmgr"
    assert rows[0]["notes"] == "当天录入\n签到簿：正常走访" and rows[0]["arrival_time"] == "09:04"
    assert len(q(plan_db, "SELECT id FROM visit_prices WHERE visit_key = ?", (rows[0]["visit_key"],))) == 2
    run("import", "visits", str(sheet))  # again: nothing added
    rows = q(plan_db, "SELECT notes FROM visits WHERE customer_code = ? AND visit_date = ?",
             (one["code"], one["date"]))
    assert [r["notes"] for r in rows] == ["当天录入\n签到簿：正常走访"]
