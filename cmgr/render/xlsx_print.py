"""Print setup shared by every workbook cmgr writes: A4, orientation, fit to the page width,
the header rows repeated on every page, "第 N 页 共 M 页" in the footer, column widths from the
content and row heights tall enough for wrapped text.

Excel and LibreOffice do not grow a row for wrapped text written by openpyxl: a row keeps its
default height and the text runs over the rows below. So the height is estimated here from the
text's display width (CJK counts two) and the column width.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

PAGE_FOOTER = "第 &P 页 共 &N 页"
# Points per line of wrapped text at the default 11 pt (a CJK line is a little taller than
# Calibri's 15 pt), and the width units one CJK character takes when wrapping: about 1.7 in
# LibreOffice, 2 in Excel; 1.9 errs on the side of a taller row.
LINE_POINTS = 15.5
CJK_WRAP_UNITS = 1.9
# Landscape A4 at 100 %, less the margins below, in Excel width units (about 1.9 mm each).
LANDSCAPE_UNITS = 140
PORTRAIT_UNITS = 95


def display_width(text: object) -> int:
    """Columns a text takes in Excel: CJK and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(text))


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def print_setup(ws: Worksheet, *, landscape: bool, title_rows: str | None = None,
                fit_width: bool = True, page_header: str | None = None) -> None:
    """A4, the orientation, fit every column on the page width (as many pages down as needed),
    the title rows ("3:3") repeated, centred, page numbers in the footer, and an optional
    `page_header` ("&A" is the sheet's name) above the table."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    if fit_width:
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        ws.print_title_rows = title_rows
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = 0.8 if page_header else 0.5
    ws.page_margins.header = 0.3
    ws.page_margins.bottom = 0.6
    ws.page_margins.footer = 0.25
    ws.oddFooter.center.text = PAGE_FOOTER
    ws.oddFooter.center.size = 9
    ws.evenFooter.center.text = PAGE_FOOTER
    if page_header:
        ws.oddHeader.center.text = ws.evenHeader.center.text = page_header
        ws.oddHeader.center.size = 10


def fit_columns(ws: Worksheet, first_row: int, last_row: int | None = None, *,
                maximum: Mapping[int, int] | int = 40, minimum: Mapping[int, int] | None = None,
                header_row: int | None = None) -> dict[int, int]:
    """Each column as wide as its longest text (the header counted per line), capped at
    `maximum` (per column index, or one cap), at least `minimum`; returns the widths set."""
    last_row = last_row or ws.max_row
    widths: dict[int, int] = {}
    rows = range(header_row, header_row + 1) if header_row else range(0)
    for r in [*rows, *range(first_row, last_row + 1)]:
        for cell in ws[r]:
            if cell.value is None or type(cell).__name__ == "MergedCell":
                continue
            width = max(display_width(line) for line in cell_text(cell.value).split("\n"))
            widths[cell.column] = max(widths.get(cell.column, 0), width)
    for col, width in widths.items():
        cap = maximum.get(col, 40) if isinstance(maximum, Mapping) else maximum
        width = min(width, cap)
        width = max(width, (minimum or {}).get(col, 0), 4)
        widths[col] = width + 2
        ws.column_dimensions[get_column_letter(col)].width = width + 2
    return widths


def column_width(ws: Worksheet, col: int) -> float:
    dim = ws.column_dimensions.get(get_column_letter(col))
    return dim.width if dim is not None and dim.width else 8.43


def lines_needed(text: str, width: float) -> int:
    """Lines a wrapped text takes in a column `width` units wide (a little padding kept)."""
    usable = max(width - 1.5, 1.0)
    return sum(max(1, math.ceil(_wrap_width(part) / usable)) for part in text.split("\n"))


def _wrap_width(text: str) -> float:
    return sum(CJK_WRAP_UNITS if unicodedata.east_asian_width(ch) in "WF" else 1.0 for ch in text)


def fit_row_heights(ws: Worksheet, first_row: int, last_row: int | None = None, *,
                    line_points: float = LINE_POINTS, minimum: float | None = None) -> None:
    """Set each row's height to the lines its tallest wrapped cell needs (merged cells use the
    width of the whole merge), so printed text never runs over the next row."""
    last_row = last_row or ws.max_row
    merged = {}
    for rng in ws.merged_cells.ranges:
        if rng.min_row == rng.max_row:
            merged[(rng.min_row, rng.min_col)] = sum(
                column_width(ws, c) for c in range(rng.min_col, rng.max_col + 1))
    widths = {c: column_width(ws, c) for c in range(1, ws.max_column + 1)}
    for r in range(first_row, last_row + 1):
        lines = 1
        for cell in ws[r]:
            if cell.value is None or type(cell).__name__ == "MergedCell":
                continue
            if not (cell.alignment is not None and cell.alignment.wrap_text):
                continue
            width = merged.get((r, cell.column), widths.get(cell.column, 8.43))
            lines = max(lines, lines_needed(cell_text(cell.value), width))
        height = lines * line_points + 2 if lines > 1 else None
        if minimum and (height or 0) < minimum:
            height = minimum
        if height:
            ws.row_dimensions[r].height = height


def wrap_rows(ws: Worksheet, rows: Iterable[int], alignment) -> None:
    for r in rows:
        for cell in ws[r]:
            cell.alignment = alignment
