"""The kept 促销客户推荐 list as a file: csv (UTF-8 with BOM, for Excel) or xlsx, every part of
every score in its own column."""

from __future__ import annotations

from pathlib import Path

COLUMNS = [("rank", "排名"), ("customer_code", "客户编码"), ("customer_name", "客户名称"),
           ("grade", "档位"), ("band", "等级"), ("growth", "销量增长"), ("growth_score", "增长得分"),
           ("value_per_case", "单箱值(元/箱)"), ("structure_score", "结构得分"),
           ("open_flags", "未结违规"), ("compliance_score", "守法得分"),
           ("settlement", "结算方式"), ("settlement_score", "结算得分"),
           ("complaints", "投诉"), ("complaints_score", "投诉得分"), ("total", "综合得分")]


def write_csv(path: Path, rows: list[dict]) -> None:
    import csv
    import io

    from cmgr.fileio import write_text

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([label for _, label in COLUMNS])
    for r in rows:
        writer.writerow(["" if r.get(k) is None else r.get(k) for k, _ in COLUMNS])
    write_text(path, buf.getvalue(), encoding="utf-8-sig")  # BOM: Excel opens it as UTF-8


def write_xlsx(path: Path, rows: list[dict], *, title: str) -> None:
    import openpyxl
    from openpyxl.styles import Alignment, Font

    from cmgr.render.output import save_workbook
    from cmgr.render.xlsx_print import PORTRAIT_UNITS, fit_columns, print_setup

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "推荐名单"
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append([label for _, label in COLUMNS])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append([r.get(k) for k, _ in COLUMNS])
    for row in ws.iter_rows(min_row=3):
        for cell, (key, _) in zip(row, COLUMNS, strict=True):
            if key == "growth":
                cell.number_format = "0.0%"
            elif key == "value_per_case":
                cell.number_format = "#,##0"
            elif key.endswith("_score") or key == "total":
                cell.number_format = "0.00"
    widths = fit_columns(ws, 3, header_row=2, maximum=30, minimum={i: 6 for i in range(1, 40)})
    ws.freeze_panes = "A3"
    print_setup(ws, landscape=sum(widths.values()) > PORTRAIT_UNITS, title_rows="2:2")
    save_workbook(wb, path)
