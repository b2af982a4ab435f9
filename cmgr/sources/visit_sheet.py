"""The 《营销人员市场走访签到记录簿》 as a form that comes back: its columns (plan-week writes
them) and the reader that turns a filled sheet into visit records (`cmgr import visits`).

What the manager fills in, per planned visit (seed 4.1.3, 4.1.4): the arrival time, the a-f
duties ticked, up to three cigarettes checked with the retail price seen (元/条 or 元/包) and the
stock counted (条), whether the customer signed, and a note. The pre-printed columns (date,
number, customer, visit type) say which visit the row is. No SQL here; openpyxl is imported by
the reader only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from cmgr.domain import VISIT_TYPE_SYNONYMS
from cmgr.i18n import tr

TITLE = "营销人员市场走访签到记录簿"
# The six things done on every visit (docs/domain.md, "Every visit"), ticked on the sign-in sheet.
WORK_ITEMS = ["a 传递公司信息", "b 收集信息", "c 核对库存·建议订货", "d 摆放出样·调换价签",
              "e 督促守法经营", "f 检查最低零售价"]
PRICE_SLOTS = 3
SLOT_COLUMNS = [name for i in range(1, PRICE_SLOTS + 1)
                for name in (f"卷烟{i}", f"零售价{i}", f"库存{i}(条)")]
SIGNED = "客户签名(是/否)"
SIGNIN_HEADER = ["日期", "序号", "客户编码", "客户名称", "访问类型", *WORK_ITEMS, "到达时间",
                 *SLOT_COLUMNS, SIGNED, "客户经理签名", "备注"]
PREFILLED = ("日期", "序号", "客户编码", "客户名称", "访问类型")
UNTICKED = "□"
TICKED = {"√", "✓", "✔", "☑", "■", "v", "x", "是", "1", "y", "yes", "ok", "已", "有"}
NOT_TICKED = {"", UNTICKED, "否", "0", "n", "no", "无", "-", "—"}
SIGNED_YES = {"是", "√", "✓", "✔", "☑", "已签", "签", "y", "yes", "1", "有"}
SIGNED_NO = {"否", "未签", "没签", "n", "no", "0", "无", "×", "✗"}
_TIME = re.compile(r"^(\d{1,2})\s*[:：点.]\s*(\d{2})$")
_MANAGER = re.compile(r"客户经理[:：]\s*([^\s　]+)")


@dataclass
class SheetVisit:
    row: int  # as Excel shows it
    visit_date: str
    customer_code: str
    customer_name: str | None
    visit_type: str
    manager: str | None
    arrival_time: str | None
    duties: str
    prices: list[tuple[str, float | None, str | None, float | None]]  # sku, 元/条, as written, 条
    customer_signed: bool | None
    notes: str | None


@dataclass
class SheetRead:
    file: str
    sheets: list[str] = field(default_factory=list)
    visits: list[SheetVisit] = field(default_factory=list)
    rows_read: int = 0
    blank: int = 0
    rejects: list = field(default_factory=list)  # importer.Issue


def is_visit_sheet(path: str | Path) -> bool:
    """An .xlsx whose sheets include a sign-in sheet (title row 《营销人员市场走访签到记录簿》)."""
    p = Path(path)
    if p.suffix.lower() not in (".xlsx", ".xlsm") or not p.is_file():
        return False
    from openpyxl import load_workbook

    try:
        wb = load_workbook(p, read_only=True, data_only=True)
    except Exception:  # not a workbook: the ordinary importer says why
        return False
    try:
        return any(_is_signin(ws) for ws in wb.worksheets)
    finally:
        wb.close()


def _is_signin(ws) -> bool:
    first = next(ws.iter_rows(min_row=1, max_row=1, max_col=1, values_only=True), (None,))
    return isinstance(first[0], str) and TITLE in first[0]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_visit_sheets(path: str | Path) -> SheetRead:
    """Every filled row of every sign-in sheet in the workbook; blank rows counted, rows that
    cannot be read rejected with their row number and column."""
    from openpyxl import load_workbook

    from cmgr.sources.importer import REJECTED, Issue

    p = Path(path)
    out = SheetRead(str(p))
    wb = load_workbook(p, read_only=True, data_only=True)
    try:
        for ws in wb.worksheets:
            if not _is_signin(ws):
                continue
            out.sheets.append(ws.title)
            rows = list(ws.iter_rows(values_only=True))
            subtitle = _text(rows[1][0]) if len(rows) > 1 and rows[1] else ""
            m = _MANAGER.search(subtitle)
            manager = m.group(1) if m else None
            header = [_text(c) for c in rows[2]] if len(rows) > 2 else []
            col = {name: i for i, name in enumerate(header) if name}
            missing = [c for c in ("日期", "客户编码") if c not in col]
            if missing:
                out.rejects.append(Issue(str(p), ws.title, 3, None, None,
                                         tr("签到记录簿缺少列：{columns}",
                                            columns="、".join(f"「{c}」" for c in missing)),
                                         REJECTED))
                continue
            for offset, cells in enumerate(rows[3:]):
                row_no = offset + 4

                def cell(name, cells=cells, col=col):
                    i = col.get(name)
                    return cells[i] if i is not None and i < len(cells) else None

                if all(_text(c) in ("", UNTICKED) for c in cells):
                    continue  # an empty line below the table
                out.rows_read += 1
                try:
                    visit = _read_row(cell, row_no, manager)
                except _RowError as exc:
                    out.rejects.append(Issue(str(p), ws.title, row_no, exc.column, exc.value,
                                             exc.reason, REJECTED))
                    continue
                if visit is None:
                    out.blank += 1
                else:
                    out.visits.append(visit)
    finally:
        wb.close()
    return out


class _RowError(Exception):
    def __init__(self, column: str, value, reason: str) -> None:
        super().__init__(reason)
        self.column, self.value, self.reason = column, value, reason


def _read_row(cell, row_no: int, manager: str | None) -> SheetVisit | None:
    """One line of the sheet; None when nothing was filled in (the visit did not happen)."""
    from cmgr.sources import cells

    duties = ""
    for letter, name in zip("abcdef", WORK_ITEMS, strict=True):
        t = _text(cell(name)).lower()
        if t in TICKED or t.startswith(("√", "✓", "☑")):
            duties += letter
        elif t not in NOT_TICKED:
            raise _RowError(name, cell(name), tr("应为勾（√）或空框（□）"))
    arrival = _arrival(cell("到达时间"))
    prices = []
    for i in range(1, PRICE_SLOTS + 1):
        sku = _text(cell(f"卷烟{i}"))
        price_raw, stock_raw = cell(f"零售价{i}"), cell(f"库存{i}(条)")
        if not sku and _text(price_raw) == "" and _text(stock_raw) == "":
            continue
        if not sku:
            raise _RowError(f"卷烟{i}", None, tr("填了零售价或库存，却没有填卷烟（卷烟{i}）", i=i))
        try:
            price = cells.parse_price_per_carton(price_raw)
        except cells.CellError:
            raise _RowError(f"零售价{i}", price_raw,
                            tr("应为按 元/条（750）或 元/包（75元/包）计的零售价")) from None
        try:
            stock = cells.parse_number(stock_raw)
        except cells.CellError:
            raise _RowError(f"库存{i}(条)", stock_raw, tr("应为以条计的库存，如 5")) from None
        prices.append((sku, price, _text(price_raw) or None, stock))
    signed_text = _text(cell(SIGNED)).lower()
    if signed_text in SIGNED_YES:
        signed = True
    elif signed_text in SIGNED_NO:
        signed = False
    elif signed_text == "":
        signed = None
    else:  # a name written in the box is a signature
        signed = True
    notes = _text(cell("备注")) or None
    if not (duties or arrival or prices or signed is not None or notes):
        return None
    try:
        day = cells.parse_date(cell("日期"))
    except cells.CellError as exc:
        raise _RowError("日期", cell("日期"), tr("应为{expected}", expected=exc.expected)) from None
    if day is None:
        raise _RowError("日期", None, tr("访问日期为空"))
    code = _text(cell("客户编码"))
    if not code:
        raise _RowError("客户编码", None, tr("客户编码为空"))
    kind_text = _text(cell("访问类型")) or "常规访问"
    kind = VISIT_TYPE_SYNONYMS.get(kind_text)
    if kind is None:
        raise _RowError("访问类型", kind_text, tr("应为 常规访问 或 特殊访问"))
    return SheetVisit(row_no, day.isoformat(), code, _text(cell("客户名称")) or None, kind, manager,
                      arrival, duties, prices, signed, notes)


def _arrival(value) -> str | None:
    import datetime as dt

    if value is None or _text(value) == "":
        return None
    if isinstance(value, dt.datetime):
        return f"{value.hour:02d}:{value.minute:02d}"
    if isinstance(value, dt.time):
        return f"{value.hour:02d}:{value.minute:02d}"
    if isinstance(value, float) and 0 <= value < 1:  # an Excel time typed into a General cell
        minutes = round(value * 24 * 60)
        return f"{minutes // 60:02d}:{minutes % 60:02d}"
    m = _TIME.match(_text(value))
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise _RowError("到达时间", value, tr("应为时间，如 09:30"))
    return f"{int(m.group(1)):02d}:{m.group(2)}"
