"""`cmgr today`'s printable day: the html visit sheet (templates/visit_day.html) and the xlsx
with the day's 今日走访单 and a 《营销人员市场走访签到记录簿》 for the day that
`cmgr import visits` reads back (the plan-week sheet's layout)."""

from __future__ import annotations

from pathlib import Path


def render_day_html(context: dict, *, user_dir: str | Path | None = None) -> str:
    """templates/visit_day.html with the day as `cmgr today --format json` gives it."""
    from cmgr.render.templates import render

    return render("visit_day.html", context, user_dir=user_dir)


DAY_HEADER = ["序号", "客户编码", "客户名称", "经营地址", "联系电话", "访问事由", "上次访问",
              "上次访问内容", "投诉·标记·要核对"]


def write_day_xlsx(sheet, path: str | Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    from cmgr.render import plan_xlsx as px
    from cmgr.render.output import save_workbook
    from cmgr.render.plan_sheets import SIGNIN_HEADER, WORK_ITEMS
    from cmgr.render.plan_sheets import SIGNIN_TITLE as TITLE

    wb = Workbook()
    wb.remove(wb.active)
    px._named_styles(wb)
    subtitle = f"客户经理：{sheet.manager}　　日期：{sheet.day.isoformat()}（{sheet.weekday_cn}）　　共 {len(sheet.stops)} 户"
    ws = wb.create_sheet("今日走访单")
    px._prepare(ws, "今日走访单", subtitle, DAY_HEADER)
    ws.page_setup.orientation = "portrait"
    for s in sheet.stops:
        ws.append([s.seq, s.customer_code, s.customer_name, s.address, s.phone,
                   ("【特殊访问】" if s.kind == "special" else "") + "；".join(s.reasons),
                   s.last_visit or "从未访问", s.last_note, "\n".join(s.complaints + s.flags + s.checks)])
    px._body(ws, px.HEADER_ROW + 1, wrap_cols={3, 4, 6, 8, 9}, date_cols=set())
    px._fit_columns(ws, DAY_HEADER, px.HEADER_ROW + 1, ws.max_row)
    ws.print_area = f"A1:{get_column_letter(len(DAY_HEADER))}{ws.max_row}"

    ws = wb.create_sheet(TITLE)
    px._prepare(ws, TITLE, subtitle + "　　访问结束后请客户签名确认", SIGNIN_HEADER)
    blank = len(SIGNIN_HEADER) - 5 - len(WORK_ITEMS)
    for s in sheet.stops:
        ws.append([sheet.day, s.seq, s.customer_code, s.customer_name,
                   "特殊访问" if s.kind == "special" else "常规访问",
                   *["□"] * len(WORK_ITEMS), *[None] * blank])
        ws.row_dimensions[ws.max_row].height = 30
    px._body(ws, px.HEADER_ROW + 1, wrap_cols={4}, date_cols={1})
    px._fit_columns(ws, SIGNIN_HEADER, px.HEADER_ROW + 1, ws.max_row,
                    minimum={"到达时间": 8, "客户签名(是/否)": 10, "备注": 14})
    for i, name in enumerate(SIGNIN_HEADER, start=1):
        if name in WORK_ITEMS:
            ws.column_dimensions[get_column_letter(i)].width = 9
    return save_workbook(wb, path)
