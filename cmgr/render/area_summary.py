"""`cmgr area summary` as CSV (UTF-8 with BOM, for Excel) and as an A4 landscape xlsx with the
print setup every cmgr workbook has (cmgr.render.xlsx_print)."""

from __future__ import annotations

from pathlib import Path

from cmgr.core.area import SUMMARY_COLUMNS, summary_cell


def _value(row, field: str):
    value = summary_cell(row, field)
    return "" if value is None else value


def summary_csv(rows) -> str:
    from cmgr.render.kpi_lists import _csv

    return _csv([label for _, label in SUMMARY_COLUMNS],
                [[_value(r, f) for f, _ in SUMMARY_COLUMNS] for r in rows])


def write_summary_xlsx(summary, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    from cmgr.inert_text import append_row
    from cmgr.render.output import save_workbook
    from cmgr.render.xlsx_print import fit_columns, print_setup

    wb = Workbook()
    ws = wb.active
    ws.title = "片区汇总"
    area = summary.area or "全部"
    append_row(ws, [f"片区客户经理主要指标汇总（{area}，{summary.month}）"])
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(SUMMARY_COLUMNS))
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    append_row(ws, [f"数据截至 {summary.data_until or '—'}"])
    append_row(ws, [label for _, label in SUMMARY_COLUMNS])
    # the header as every cmgr workbook's (white on blue), figures with two decimals and
    # thousands, words (无, 1/10) on the right where the figures are
    for cell in ws[3]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="4472C4")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for r in summary.rows:
        append_row(ws, [_value(r, f) for f, _ in SUMMARY_COLUMNS])
    for row in ws.iter_rows(min_row=4):
        for cell, (field, _) in zip(row, SUMMARY_COLUMNS, strict=False):
            if isinstance(cell.value, float):
                cell.number_format = "#,##0.00"
            if field != "manager":
                cell.alignment = Alignment(horizontal="right")
    fit_columns(ws, 3, maximum=16)
    print_setup(ws, landscape=True, title_rows="3:3")
    save_workbook(wb, path)
