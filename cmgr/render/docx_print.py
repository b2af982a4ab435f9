"""Print setup for the Word documents cmgr builds with python-docx: A4 and its orientation,
"第 N 页 共 M 页" in the footer, a table's header row repeated on every page, rows never split
across pages, fixed column widths (so Word and LibreOffice do not squeeze a column until its
codes break). python-docx has no API for fields, header rows or cantSplit: they are set in
the XML here, in one place."""

from __future__ import annotations

import re
from collections.abc import Sequence


def page_setup(section, *, landscape: bool, margin_mm: float = 15) -> None:
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm

    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    long, short = Mm(297), Mm(210)
    section.page_width, section.page_height = (long, short) if landscape else (short, long)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(margin_mm))
    section.footer_distance = Mm(7)


def _field(paragraph, instruction: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, instruction), ("separate", None), (None, "1"),
                       ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == instruction:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {instruction} "
        else:
            el = OxmlElement("w:t")
            el.text = text
        run._r.append(el)


def page_number_footer(section, size_pt: float = 9) -> None:
    """The section's footer: 第 N 页 共 M 页, centred."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    footer = section.footer
    footer.is_linked_to_previous = False
    para = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    para.text = ""
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    para.add_run("第 ")
    _field(para, "PAGE")
    para.add_run(" 页 共 ")
    _field(para, "NUMPAGES")
    para.add_run(" 页")
    for run in para.runs:
        run.font.size = Pt(size_pt)


def _row_flag(row, tag: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    if tr_pr.find(qn(tag)) is None:
        tr_pr.append(OxmlElement(tag))


def repeat_header(row) -> None:
    _row_flag(row, "w:tblHeader")


def keep_row_together(row) -> None:
    _row_flag(row, "w:cantSplit")


def column_widths(table, widths_mm: Sequence[float]) -> None:
    """Fixed layout with these widths (Word reads the cell widths, LibreOffice the grid)."""
    if len(widths_mm) != len(table.columns):
        raise ValueError(f"{len(widths_mm)} widths for {len(table.columns)} columns")
    _set_widths(table, widths_mm)


# Cell padding Word and LibreOffice leave left and right of the text (0.08 in each side, the
# Table Grid default), and a little slack for the font actually used (宋体 or a substitute).
CELL_PADDING_MM = 4.6
PT_MM = 25.4 / 72
# A cell that reads as one token (a number, a percentage, a date, a code: no Chinese, no
# space): it must never wrap ("+10.68\n%").
_TOKEN = re.compile(r"[^\s\u2e80-\u9fff\uff00-\uffef]{1,24}")


# Widths (em) of the narrow characters in the widest of the fonts a document may print in:
# DejaVu Serif, what LibreOffice puts in for Times New Roman where that is not installed
# (digits 0.64 em against Times' 0.5). Too wide costs a millimetre; too narrow wraps a number.
_NARROW_EMS = {**dict.fromkeys("0123456789", 0.64), ",": 0.32, ".": 0.32, ":": 0.34,
               "-": 0.34, "+": 0.84, "%": 0.95, "~": 0.84, " ": 0.32}


def text_width_mm(text: str, size_pt: float) -> float:
    """The printed width of `text` on one line: a full-width character (and the dash 一) is
    one em, a narrow one as in _NARROW_EMS (0.7 em when not listed)."""
    import unicodedata

    ems = sum(1.0 if unicodedata.east_asian_width(ch) in "WFA" else _NARROW_EMS.get(ch, 0.7)
              for ch in text)
    return ems * size_pt * PT_MM


def _rows(table) -> list[list[tuple[str, float | None]]]:
    """Each row's cells as (text, font size in pt or None), read from the XML: python-docx's
    row.cells resolves merged cells for every access (a tenth of a second on one report)."""
    from docx.oxml.ns import qn

    w_t, w_br, w_p, w_sz, w_tc = qn("w:t"), qn("w:br"), qn("w:p"), qn("w:sz"), qn("w:tc")
    out = []
    for tr in table._tbl.tr_lst:
        cells = []
        for tc in tr.iterchildren(w_tc):
            # a line break inside a paragraph (a two-line header) counts as a new line
            text = "\n".join("".join((t.text or "") if t.tag == w_t else "\n"
                                     for t in p.iter(w_t, w_br))
                             for p in tc.iterchildren(w_p))
            sz = next(tc.iter(w_sz), None)
            cells.append((text, int(sz.get(qn("w:val"))) / 2 if sz is not None else None))
        out.append(cells)
    return out


def _set_widths(table, widths_mm: Sequence[float]) -> None:
    """Fixed layout, set on the XML directly (the grid and every cell): python-docx's column
    and cell objects cost 0.1 s on a report's tables."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    table.autofit = False
    tbl_pr = table._tbl.tblPr
    layout = tbl_pr.find(qn("w:tblLayout"))
    if layout is None:
        layout = OxmlElement("w:tblLayout")
        tbl_pr.append(layout)
    layout.set(qn("w:type"), "fixed")
    twips = [str(round(w * 72 * 20 / 25.4)) for w in widths_mm]
    for col, w in zip(table._tbl.tblGrid.iterchildren(qn("w:gridCol")), twips, strict=False):
        col.set(qn("w:w"), w)
    for tr in table._tbl.tr_lst:
        for tc, w in zip(tr.iterchildren(qn("w:tc")), twips, strict=False):
            tc_w = tc.get_or_add_tcPr().get_or_add_tcW()
            tc_w.set(qn("w:type"), "dxa")
            tc_w.set(qn("w:w"), w)


def fit_columns(table, total_mm: float, page_mm: float, *, size_pt: float = 9,
                min_text_chars: int = 4) -> list[float]:
    """Column widths from the content of a filled table (after the template's rows are
    rendered), fixed so they print as measured: a column of numbers, dates or codes gets the
    width of its longest entry on one line; text columns (names, notes) share what is left of
    `total_mm` (the template's width) in proportion to their longest text, wrapping when they
    must. The table grows up to `page_mm` when the numbers need it. A header wraps only where
    the template breaks it ("销量\n（箱）"; a header broken mid-word, "服务客/户", reads badly),
    unless the headers on one line would not fit the page: then any header may wrap onto two
    lines. Returns the widths set (mm)."""
    rows = _rows(table)
    if not rows:
        return []
    n = len(table._tbl.tblGrid.gridCol_lst)
    head, body = rows[0], rows[1:]
    natural = [0.0] * n   # the longest entry on one line, header included
    floor = [0.0] * n     # the least a column may have
    token = [True] * n
    seen = [False] * n
    for j, (text, size) in enumerate(head[:n]):
        width = max(text_width_mm(line.strip(), size or size_pt)
                    for line in text.strip().splitlines() or [""])
        natural[j] = width
        floor[j] = width
    if sum(floor) + n * CELL_PADDING_MM > page_mm:
        floor = [w / 2 for w in floor]
    for cells in body:
        if len(cells) != n:  # a merged row: its cells are not the columns
            continue
        for j, (text, size) in enumerate(cells):
            text = text.strip()
            if not text:
                continue
            seen[j] = True
            size = size or size_pt
            lines = text.splitlines() or [""]
            width = max(text_width_mm(line, size) for line in lines)
            natural[j] = max(natural[j], width)
            if all(_TOKEN.fullmatch(line) for line in lines if line):
                floor[j] = max(floor[j], width)
            else:
                token[j] = False
                floor[j] = max(floor[j], min(width, min_text_chars * size * PT_MM))
    natural = [w + CELL_PADDING_MM for w in natural]
    floor = [w + CELL_PADDING_MM for w in floor]
    total = min(max(total_mm, sum(floor)), page_mm)
    if sum(natural) <= total:
        # Room for everything on one line: the spare width to the text columns (the
        # numbers keep their measured width), else to all in proportion.
        spare = total - sum(natural)
        takers = [j for j in range(n) if not token[j] or not seen[j]] or list(range(n))
        weight = sum(natural[j] for j in takers)
        widths = [natural[j] + (spare * natural[j] / weight if j in takers else 0.0)
                  for j in range(n)]
    else:
        widths = list(floor)
        spare = total - sum(floor)
        if spare > 0:
            # Grow towards one line, each column in proportion to what it lacks.
            lack = [natural[j] - floor[j] for j in range(n)]
            widths = [floor[j] + spare * lack[j] / sum(lack) for j in range(n)]
    _set_widths(table, [round(w, 1) for w in widths])
    return widths
