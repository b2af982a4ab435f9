"""`cmgr flag` and `cmgr promo recommend` on an 80-column terminal: their tables come in parts
that fit (cmgr.cli.common.print_fitted_table, as `cmgr kpi`), no line wider than 80 cells of
display width, and no name or code cut or broken over two lines."""

from __future__ import annotations

import pytest
from rich.cells import cell_len

from tests.cli.records_seed import rows, run

WIDTH = 80


@pytest.fixture(autouse=True)
def _eighty_columns(monkeypatch):
    from cmgr.cli import common

    monkeypatch.setenv("COLUMNS", str(WIDTH))
    monkeypatch.setattr(common.out_console, "_width", WIDTH)  # the console was made at import


def _table_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


def test_the_flag_list_fits_eighty_columns_with_each_customer_on_one_line(flagged_dbpath):
    result = run(["flag"])
    assert result.exit_code == 0, result.output
    lines = _table_lines(result.stdout)
    assert lines and max(cell_len(line) for line in lines) <= WIDTH, max(lines, key=cell_len)
    names = {r["customer_name"] for r in rows(flagged_dbpath, "SELECT DISTINCT c.customer_name "
                                              "FROM flags f JOIN customers c USING (customer_code)")}
    for name in names:
        assert any(name in line for line in lines), name  # on one line, not wrapped
    assert "（续）" in result.stdout  # the matched words in a part of their own
    matched = rows(flagged_dbpath, "SELECT matched FROM flags WHERE matched IS NOT NULL "
                   "AND length(matched) <= 20")
    for r in matched:
        assert any(r["matched"] in line for line in lines), r["matched"]


def test_the_promo_ranking_fits_eighty_columns_with_whole_codes(seeded_dbpath):
    import sqlite3

    with sqlite3.connect(seeded_dbpath) as con:  # a shop name as long as real ones run
        con.execute("UPDATE customers SET customer_name = '历下区栗宝山烟酒店（二分店）' "
                    "WHERE customer_code = 'C001'")
    result = run(["promo", "recommend", "--top", "10"])
    assert result.exit_code == 0, result.output
    lines = _table_lines(result.stdout)
    assert lines and max(cell_len(line) for line in lines) <= WIDTH, max(lines, key=cell_len)
    assert "…" not in result.stdout
    codes = [r["customer_code"] for r in rows(seeded_dbpath, "SELECT customer_code FROM "
                                              "promo_list_items ORDER BY rank")]
    assert codes and all(any(code in line for line in lines) for code in codes)
    assert any("历下区栗宝山烟酒店（二分店）" in line for line in lines)
    first = lines[:len(lines) // 2]
    assert any("综合得分" in line for line in first)  # the score in the first part
