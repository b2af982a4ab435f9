"""The monthly report's xlsx shows 条 as the docx does: whole 条 (what a manager orders), the
expected 折算 and the forecast included; a complaint's 条 with one decimal, as its docx cell."""

from __future__ import annotations

import os

import pytest
from typer.testing import CliRunner

from cmgr.cli.app import app
from cmgr.store.db import open_database
from tests.core.test_monthly import MANAGER, MONTH, build_fixture


@pytest.fixture
def documents(tmp_path):
    db = open_database(os.environ["CMGR_DB"])
    build_fixture(db)
    db.close()
    out = {}
    for fmt in ("xlsx", "docx"):
        out[fmt] = tmp_path / f"r.{fmt}"
        result = CliRunner().invoke(app, ["monthly-report", "--manager", MANAGER, "--month", MONTH,
                                          "--format", fmt, "--out", str(out[fmt])],
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
    return out


def test_every_carton_column_of_the_xlsx_shows_whole_cartons_as_the_docx(documents):
    import docx
    import openpyxl

    wb = openpyxl.load_workbook(documents["xlsx"])
    seen = set()
    for ws in wb.worksheets:
        if ws.title == "概况":  # a list of figures, each in its own words
            continue
        for j, header in enumerate(next(ws.iter_rows(max_row=1, values_only=True)), start=1):
            if not header or "条" not in header:
                continue
            expected = "#,##0.0" if ws.title == "质量投诉" else "#,##0"
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                if isinstance(cell.value, (int, float)):
                    assert cell.number_format == expected, (ws.title, header, cell.number_format)
                    seen.add((ws.title, header))
    titles = {t for t, _ in seen}
    assert {"价类结构", "次月预测"} <= titles, seen
    assert any("折算" in h for _, h in seen), seen
    # the docx's price-class table says the same whole 条 as the xlsx shows
    shown = {row[0]: f"{row[1]:,.0f}" for row in wb["价类结构"].iter_rows(
        min_row=2, values_only=True) if isinstance(row[1], (int, float))}
    cells = [[c.text.strip() for c in r.cells] for t in docx.Document(documents["docx"]).tables
             for r in t.rows]
    for price_class, qty in shown.items():
        assert [price_class, qty] in [r[:2] for r in cells], (price_class, qty)
