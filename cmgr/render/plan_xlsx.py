"""The printable plan workbook (《客户访问日程表》 + 《营销人员市场走访签到记录簿》) and the
review workbook, with openpyxl. Only imported by the commands that write them, so openpyxl is
imported at the top."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from cmgr.render.output import save_workbook
from cmgr.render.plan_sheets import SCHEDULE_HEADER, SIGNIN_HEADER, SIGNIN_TITLE, WORK_ITEMS
from cmgr.render.xlsx_print import display_width, fit_row_heights, print_setup

SCHEDULE_SHEET = "客户访问日程表"
SIGNIN_SHEET = SIGNIN_TITLE
REVIEW_SHEET = "访问计划执行情况"
REVIEW_HEADER = ["客户经理", "计划日期", "序号", "客户编码", "客户名称", "线路", "访问类型", "执行情况",
                 "实际访问日期", "未访问原因"]
HEADER_ROW = 3  # title, subtitle, header

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="center")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_MAX_WIDTH = {"经营地址": 26, "访问事由": 36, "客户名称": 20, "未访问原因": 30, "备注": 16}


def _sheet_title(base: str, plan, several: bool) -> str:
    return (f"{base[:20]}-{plan.manager}"[:31]) if several else base


def _prepare(ws: Worksheet, title: str, subtitle: str, header: list[str]) -> None:
    ws.append([title])
    ws.append([subtitle])
    ws.append(header)
    last = get_column_letter(len(header))
    ws.merge_cells(f"A1:{last}1")
    ws.merge_cells(f"A2:{last}2")
    ws["A1"].font = Font(size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws["A2"].alignment = Alignment(horizontal="left")
    for cell in ws[HEADER_ROW]:
        cell.font = Font(bold=True)
        cell.alignment = _CENTER
        cell.border = _BORDER
    ws.row_dimensions[1].height = 26
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    print_setup(ws, landscape=True, title_rows=f"{HEADER_ROW}:{HEADER_ROW}")


def _fit_columns(ws: Worksheet, header: list[str], first_row: int, last_row: int,
                 minimum: dict[str, int] | None = None) -> None:
    for i, name in enumerate(header, start=1):
        width = display_width(name)
        for (value,) in ws.iter_rows(min_row=first_row, max_row=last_row, min_col=i, max_col=i,
                                     values_only=True):
            if value is None:
                continue
            text = value.strftime("%Y-%m-%d") if hasattr(value, "strftime") else value
            width = max(width, display_width(text))
        width = min(width, _MAX_WIDTH.get(name, 60))
        width = max(width, (minimum or {}).get(name, 0))
        ws.column_dimensions[get_column_letter(i)].width = width + 2


def _named_styles(wb: Workbook) -> None:
    """One named style per cell kind: assigning a name is much faster than border, alignment
    and number format cell by cell."""
    for name, alignment, number_format in (("plan_wrap", _WRAP, "General"),
                                           ("plan_center", _CENTER, "General"),
                                           ("plan_date", _CENTER, "yyyy-mm-dd")):
        wb.add_named_style(NamedStyle(name=name, border=_BORDER, alignment=alignment,
                                      number_format=number_format))


def _body(ws: Worksheet, first_row: int, wrap_cols: set[int], date_cols: set[int]) -> None:
    styles = {}
    for row in ws.iter_rows(min_row=first_row, max_row=ws.max_row):
        for cell in row:
            col = cell.column
            style = styles.get(col)
            if style is None:
                style = styles[col] = ("plan_date" if col in date_cols else
                                       "plan_wrap" if col in wrap_cols else "plan_center")
            cell.style = style


def _subtitle(plan) -> str:
    from cmgr.render.templates import date_cn

    km = "" if plan.km is None else f"，直线距离共 {plan.km:.1f} 公里"
    return (f"客户经理：{plan.manager}　　周次：{plan.week}（{date_cn(plan.start)} 至 "
            f"{date_cn(plan.end)}）　　共 {len(plan.visits)} 次访问{km}"
            + (f"，{len(plan.pushed)} 户顺延下周" if plan.pushed else ""))


def write_plan_xlsx(plans: Sequence, path: str | Path) -> Path:
    """One workbook: for each plan the schedule sheet and the sign-in sheet."""
    wb = Workbook()
    wb.remove(wb.active)
    _named_styles(wb)
    several = len(plans) > 1
    for plan in plans:
        ws = wb.create_sheet(_sheet_title(SCHEDULE_SHEET, plan, several))
        _prepare(ws, "客户访问日程表", _subtitle(plan), SCHEDULE_HEADER)
        for v in plan.visits:
            c = v.customer
            reasons = ("【特殊访问】" if v.kind == "special" else "") + "；".join(v.reasons)
            ws.append([v.date, v.seq, c.code, c.name, c.address, c.phone,
                       c.grade if c.grade is not None else c.grade_text, c.route, reasons,
                       c.last_visit])
        last = ws.max_row
        _body(ws, HEADER_ROW + 1, wrap_cols={4, 5, 9}, date_cols={1, 10})
        _fit_columns(ws, SCHEDULE_HEADER, HEADER_ROW + 1, last)
        if plan.pushed:
            ws.append([])
            ws.append([f"顺延到下周（{len(plan.pushed)} 户）"])
            ws.cell(ws.max_row, 1).font = Font(bold=True)
            ws.append(["客户编码", "客户名称", "应访日期", "原因"])
            for cell in ws[ws.max_row]:
                cell.font = Font(bold=True)
            for p in plan.pushed:
                ws.append([p.customer.code, p.customer.name, p.next_due, p.reason])
                ws.cell(ws.max_row, 3).number_format = "yyyy-mm-dd"
        if plan.warnings:
            ws.append([])
            ws.append([f"请核对（{len(plan.warnings)} 户按兜底规则安排）"])
            ws.cell(ws.max_row, 1).font = Font(bold=True)
            for w in plan.warnings:
                ws.append([w])
        ws.print_area = f"A1:{get_column_letter(len(SCHEDULE_HEADER))}{ws.max_row}"
        fit_row_heights(ws, HEADER_ROW + 1, last)

        ws = wb.create_sheet(_sheet_title(SIGNIN_SHEET, plan, several))
        _prepare(ws, SIGNIN_TITLE, _subtitle(plan) + "　　访问结束后请客户签名确认",
                 SIGNIN_HEADER)
        blank = len(SIGNIN_HEADER) - 5 - len(WORK_ITEMS)
        for v in plan.visits:
            ws.append([v.date, v.seq, v.customer.code, v.customer.name,
                       "特殊访问" if v.kind == "special" else "常规访问",
                       *["□"] * len(WORK_ITEMS), *[None] * blank])
        _body(ws, HEADER_ROW + 1, wrap_cols={4}, date_cols={1})
        _fit_columns(ws, SIGNIN_HEADER, HEADER_ROW + 1, ws.max_row,
                     minimum={"到达时间": 8, "客户签名(是/否)": 16, "客户经理签名": 16, "备注": 14,
                              **{w: 7 for w in WORK_ITEMS}})
        for i, name in enumerate(SIGNIN_HEADER, start=1):
            if name in WORK_ITEMS:  # keep the tick columns narrow; their header wraps
                ws.column_dimensions[get_column_letter(i)].width = 9
        fit_row_heights(ws, HEADER_ROW, HEADER_ROW)  # the tick columns' headers wrap
        # Room for a handwritten signature on every line.
        fit_row_heights(ws, HEADER_ROW + 1, ws.max_row, minimum=26)
    return save_workbook(wb, path)


def write_review_xlsx(week: str, reviews: Sequence, path: str | Path) -> Path:
    from cmgr.domain import PLAN_REVIEW_LABELS

    wb = Workbook()
    _named_styles(wb)
    ws = wb.active
    ws.title = REVIEW_SHEET
    parts = []
    for r in reviews:
        s = r.summary
        parts.append(f"{r.manager}：计划 {s['planned']}，按计划 {s['as_planned']}，改日 {s['other_day']}，"
                     f"未访问 {s['not_visited']}（缺原因 {s['not_visited_without_reason']}）")
    _prepare(ws, f"访问计划执行情况 {week}", "；".join(parts), REVIEW_HEADER)
    for r in reviews:
        for x in r.lines:
            ws.append([r.manager, _date(x["date"]), x["seq"], x["customer_code"], x["customer_name"],
                       x["route"], "特殊访问" if x["kind"] == "special" else "常规访问",
                       PLAN_REVIEW_LABELS[x["status"]], _date(x["visited_on"]),
                       x["miss_reason"] or ("缺原因" if x["status"] == "not_visited" else None)])
    _body(ws, HEADER_ROW + 1, wrap_cols={5, 10}, date_cols={2, 9})
    _fit_columns(ws, REVIEW_HEADER, HEADER_ROW + 1, ws.max_row)
    extra = wb.create_sheet("计划外访问")
    _prepare(extra, f"计划外访问 {week}", "本周有访问记录、但不在计划中（或多于计划）的访问",
             ["客户经理", "访问日期", "客户编码", "客户名称", "在计划中"])
    for r in reviews:
        for u in r.unplanned:
            extra.append([r.manager, _date(u["date"]), u["customer_code"], u["customer_name"],
                          "是" if u["in_plan"] else "否"])
    _body(extra, HEADER_ROW + 1, wrap_cols={4}, date_cols={2})
    _fit_columns(extra, ["客户经理", "访问日期", "客户编码", "客户名称", "在计划中"], HEADER_ROW + 1,
                 extra.max_row)
    return save_workbook(wb, path)


def _date(text: str | None):
    from datetime import date

    return None if not text else date.fromisoformat(text)
