"""Column widths from a filled table's content (cmgr.render.docx_print.fit_columns)."""

from __future__ import annotations

import docx
from docx.shared import Length, Pt

from cmgr.render.docx_print import CELL_PADDING_MM, column_widths, fit_columns, text_width_mm


def _table(rows: list[list[str]], widths: list[float]):
    doc = docx.Document()
    table = doc.add_table(rows=0, cols=len(widths))
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            cell.text = ""
            cell.paragraphs[0].add_run(value).font.size = Pt(9)
    column_widths(table, widths)
    return table


def _widths(table) -> list[float]:
    return [Length(c.width).mm for c in table.columns]


def test_a_number_gets_its_width_on_one_line_and_the_text_column_gives_way():
    # The template's 18 mm for 环比 wrapped "+10.68%" in print.
    table = _table([["档位分级", "客户名称", "环比"],
                    ["一级（1-6档）", "天桥区再文杰百货商店有限公司", "+10.68%"],
                    ["二级（7-13档）", "小店", "-123.45%"]], [30, 60, 12])
    widths = fit_columns(table, total_mm=102, page_mm=180)
    needed = text_width_mm("-123.45%", 9) + CELL_PADDING_MM
    assert widths[2] >= needed > 12
    assert abs(sum(widths) - 102) < 0.5  # the table keeps the width the template gave it
    assert all(abs(a - round(b, 1)) < 0.01 for a, b in zip(_widths(table), widths, strict=True))


def test_codes_and_dates_do_not_wrap_even_when_the_table_must_grow():
    table = _table([["客户编码", "入网日期", "情况"],
                    ["053200101702", "2026-11-03", "最后订货 2026-09，236 条"]], [10, 10, 20])
    widths = fit_columns(table, total_mm=40, page_mm=180)
    assert widths[0] >= text_width_mm("053200101702", 9) + CELL_PADDING_MM
    assert widths[1] >= text_width_mm("2026-11-03", 9) + CELL_PADDING_MM
    assert 40 < sum(widths) <= 180


def test_spare_width_goes_to_the_text_columns():
    table = _table([["名称", "数"], ["甲乙", "1"]], [20, 80])
    widths = fit_columns(table, total_mm=100, page_mm=180)
    assert widths[1] < 20 < widths[0]


def test_a_full_width_character_is_one_em():
    assert abs(text_width_mm("中文", 9) - 2 * 9 * 25.4 / 72) < 1e-9
    assert text_width_mm("+10.68%", 9) < text_width_mm("中文中文中文中", 9)


def test_a_header_wraps_only_where_the_template_breaks_it():
    # "服务客户" in a 14 mm column printed as 服务客/户; "销量\n（箱）" is meant to be two lines.
    doc = docx.Document()
    table = doc.add_table(rows=0, cols=3)
    for values in (["服务客户", "销量\n（箱）", "客户名称"], ["242", "119.08", "小店"]):
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            cell.text = ""
            cell.paragraphs[0].add_run(value).font.size = Pt(8)
    column_widths(table, [12, 12, 20])
    widths = fit_columns(table, total_mm=44, page_mm=261)
    assert widths[0] >= text_width_mm("服务客户", 8) + CELL_PADDING_MM
    # the broken header needs only its longer line, not both on one
    assert widths[1] < text_width_mm("销量（箱）", 8) + CELL_PADDING_MM
    assert widths[1] >= text_width_mm("（箱）", 8) + CELL_PADDING_MM
