"""Fuzz: messy rows and cells through every import kind (issue 16). Bounded in time: a few
dozen examples per kind, each a small file, through the real CLI (typer's runner).

For every generated file: the CLI exits 0, 2 or 3, never 5; when the file is used, stored +
skipped + rejected = rows read; importing it again changes nothing in the database."""

from __future__ import annotations

import csv
import json
import sqlite3
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cmgr.store.records import TABLES

HEADERS = {
    "customers": ["客户编码", "客户名称", "档位", "客户经理", "经度", "纬度", "入网日期", "状态",
                  "许可证有效期", "访销日"],
    "orders": ["订单编号", "订货日期", "客户编码", "卷烟编码", "卷烟名称", "批发价", "订购量", "金额"],
    "visits": ["访问编号", "访问日期", "客户编码", "客户经理", "访问类型", "访问内容", "实际零售价"],
    "prices": ["卷烟编码", "卷烟名称", "批发价", "零售指导价", "最低零售价"],
}
# Plausible values for each header, so that some rows store, mixed with the messy ones.
GOOD = {
    "客户编码": ["C001", "C002", "053200100123", "0532001"],
    "卷烟编码": ["6901028075022", "6901028001724", "690"],
    "订单编号": ["D1", "D2", None],
    "访问编号": ["V1", "V2", None],
    "订货日期": ["2026-11-03", "2026/11/4", "2026年11月5日", "20261106"],
    "访问日期": ["2026-11-03", "2026/11/4"],
    "入网日期": ["2020-01-01"],
    "许可证有效期": ["2028-12-31"],
    "订购量": ["2", "1.5", "2件", "十"],
    "批发价": ["450", "185.5", "23元/包"],
}
MESSY = st.sampled_from([
    "", " ", "NA", "#N/A", "NULL", "null", "合计", "总计", "-", "=1+1", "+86 138", "@x", "-5",
    "1e20", "inf", "nan", "9999-12-31", "0000-00-00", "2062-11-20", "46000", "１２", "二十",
    "2件", "1箱", "23元/包", "\x00", "\x1b[2J", "\x07", '"', ",", "\n", "a\r\nb", "'", "\t",
    "０５３２", "A3", "12档", "25", "周二", "暂停", "已退网", "特殊", "常规访问",
    "x" * 300, "中华(软)", "\u200b", "\ufeff", "👍",
])
CELL = st.one_of(st.none(), MESSY, st.text(max_size=12),
                 st.integers(min_value=-10**15, max_value=10**15),
                 st.floats(allow_nan=True, allow_infinity=True))


def cell_for(header: str):
    good = GOOD.get(header)
    if not good:
        return CELL
    plausible = st.sampled_from(good)
    return st.one_of(plausible, plausible, plausible, CELL)  # most rows can be stored


def rows_for(kind: str):
    header = HEADERS[kind]
    row = st.tuples(*[cell_for(h) for h in header]).map(list)
    return st.lists(row, max_size=12)


def write(path: Path, fmt: str, header: list[str], rows: list[list]) -> Path:
    if fmt == "csv":
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([header, *rows])
        return path
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:  # what openpyxl can hold: its writer refuses control characters
        ws.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in r])
    wb.save(path)
    return path


def snapshot(db: Path, kind: str) -> list[tuple]:
    table, key, columns = TABLES[kind]
    con = sqlite3.connect(db)
    try:
        rows = con.execute(f"SELECT {key}, {', '.join(columns)} FROM {table} ORDER BY {key}").fetchall()
    finally:
        con.close()
    return rows


def run_import(db: Path, kind: str, path: Path):
    from cmgr.cli.app import app

    result = CliRunner().invoke(app, ["--db", str(db), "import", kind, str(path), "--format", "json",
                                      "--rejects", str(path.with_suffix(".rejects.csv"))],
                                env={"CMGR_INTERACTIVE": "0"})
    assert result.exit_code in (0, 2, 3), (result.exit_code, result.output, result.exception)
    return result.exit_code, json.loads(result.stdout)["files"]


def check(kind: str, fmt: str, rows: list[list]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = write(folder / f"{kind}.{fmt}", fmt, HEADERS[kind], rows)
        db = folder / "fuzz.db"
        code, files = run_import(db, kind, path)
        if code == 2:  # the file was refused as a whole: nothing of it stored
            assert all(f["error"] for f in files) and not db.exists() or not snapshot(db, kind)
            return
        for f in files:
            assert f["rows_read"] == (f["stored"] + f["updated"] + f["unchanged"] + f["skipped"]
                                      + f["rejected"]), f
            assert f["updated"] == 0 and f["unchanged"] == 0, f  # a fresh database
        before = snapshot(db, kind)
        assert len(before) == sum(f["stored"] for f in files)
        code_again, again = run_import(db, kind, path)
        assert code_again == code
        assert [(f["stored"], f["updated"]) for f in again] == [(0, 0)] * len(again), again
        assert snapshot(db, kind) == before


FUZZ = settings(max_examples=12, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(rows=rows_for("customers"), fmt=st.sampled_from(["csv", "xlsx"]))
def test_fuzz_customers(rows, fmt):
    check("customers", fmt, rows)


@FUZZ
@given(rows=rows_for("orders"), fmt=st.sampled_from(["csv", "xlsx"]))
def test_fuzz_orders(rows, fmt):
    check("orders", fmt, rows)


@FUZZ
@given(rows=rows_for("visits"), fmt=st.sampled_from(["csv", "xlsx"]))
def test_fuzz_visits(rows, fmt):
    check("visits", fmt, rows)


@FUZZ
@given(rows=rows_for("prices"), fmt=st.sampled_from(["csv", "xlsx"]))
def test_fuzz_prices(rows, fmt):
    check("prices", fmt, rows)
