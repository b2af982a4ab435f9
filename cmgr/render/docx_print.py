"""Print setup for the Word documents cmgr builds with python-docx: A4 and its orientation,
"第 N 页 共 M 页" in the footer, a table's header row repeated on every page, rows never split
across pages, fixed column widths (so Word and LibreOffice do not squeeze a column until its
codes break). python-docx has no API for fields, header rows or cantSplit: they are set in
the XML here, in one place."""

from __future__ import annotations

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
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm

    table.autofit = False
    tbl_pr = table._tbl.tblPr
    layout = tbl_pr.find(qn("w:tblLayout"))
    if layout is None:
        layout = OxmlElement("w:tblLayout")
        tbl_pr.append(layout)
    layout.set(qn("w:type"), "fixed")
    for col, width in zip(table.columns, widths_mm, strict=True):
        col.width = Mm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)
