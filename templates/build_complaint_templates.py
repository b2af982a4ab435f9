"""Build the Word templates of the manager's forms with python-docx (docxtpl tags inside).

    python templates/build_complaint_templates.py [--out DIR]

Writes complaint_form.docx (《商品及服务质量信息反馈单》), special_visit.docx (《特殊访问记录》)
and promo_receipt.docx (《宣传促销品签收单》), A4 portrait, 宋体. The outputs are committed;
rerun after changing this script. The variables each template sees are those of
cmgr/render/forms.py (documented in docs/complaints.md). Users may edit a copy in Word and put it
in their `templates.dir`: keep each {{ tag }} in one run (type it in one go, no formatting
changes inside it).
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from docx import Document
from docx.enum.table import WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from cmgr.render.docx_print import page_number_footer

FONT = "宋体"
FIXED_TIME = dt.datetime(2026, 11, 1, 0, 0, 0)


def _new_document(title_text: str):
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(18)
    section.top_margin = section.bottom_margin = Mm(15)
    page_number_footer(section)
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(10.5)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    props = doc.core_properties
    props.author = "cmgr"
    props.title = title_text
    props.created = props.modified = FIXED_TIME
    props.last_modified_by = "cmgr"
    props.revision = 1
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(title_text)
    run.bold = True
    run.font.size = Pt(18)
    _east_asian(run)
    return doc


def _east_asian(run) -> None:
    run.font.name = FONT
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)


def _line(doc, text: str, *, size: float = 10.5, align=None):
    p = doc.add_paragraph()
    if align is not None:
        p.alignment = align
    run = p.add_run(text)
    run.font.size = Pt(size)
    _east_asian(run)
    return p


def _set(cell, text: str, *, bold: bool = False, size: float | None = None) -> None:
    """One run per paragraph, so each docxtpl tag stays whole; '\\n' starts a new paragraph."""
    lines = text.split("\n")
    cell.text = ""
    first = cell.paragraphs[0]
    for i, line in enumerate(lines):
        p = first if i == 0 else cell.add_paragraph()
        run = p.add_run(line)
        run.bold = bold
        if size:
            run.font.size = Pt(size)
        _east_asian(run)


def _row_height(row, mm: float) -> None:
    row.height = Mm(mm)
    row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST


def _widths(table, mm: list[float]) -> None:
    """Word reads the cell widths, LibreOffice the grid: set both."""
    table.autofit = False
    for column, width in zip(table.columns, mm, strict=False):
        column.width = Mm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, mm, strict=False):
            cell.width = Mm(width)


def build_complaint_form(path: Path) -> None:
    doc = _new_document("商品及服务质量信息反馈单")
    _line(doc, "编号：{{ id }}　　填表日期：{{ date }}　　当前状态：{{ status_label }}",
          align=WD_ALIGN_PARAGRAPH.CENTER)
    table = doc.add_table(rows=0, cols=4)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER

    def pair(l1, v1, l2, v2):
        cells = table.add_row().cells
        _set(cells[0], l1, bold=True)
        _set(cells[1], v1)
        _set(cells[2], l2, bold=True)
        _set(cells[3], v2)

    def wide(label, value, height=None):
        row = table.add_row()
        cells = row.cells
        _set(cells[0], label, bold=True)
        merged = cells[1].merge(cells[3])
        _set(merged, value)
        if height:
            _row_height(row, height)

    pair("客户名称", "{{ customer.name }}", "客户编码", "{{ customer.code }}")
    pair("许可证号", "{{ customer.license_no }}", "联系电话", "{{ customer.phone }}")
    wide("经营地址", "{{ customer.address }}")
    pair("卷烟品规", "{{ sku_name }} {{ sku_code }}", "数量", "{{ qty }}")
    pair("批号/生产日期", "{{ batch }}", "购进日期", "{{ purchased_on }}")
    wide("问题描述", "{{ problem }}", 22)
    wide("现场查看情况", "{{ found }}\n客户经理：{{ inspect.by or manager }}　　查看日期："
         "{{ inspect.date_or_blank }}", 22)
    wide("客户签字", "签字：\n\n日期：{{ sign.date_or_blank }}", 20)
    wide("区域市场经理审核意见",
         "{{ review.decision }} {{ review.remark }}\n\n审核人（签字）：{{ review.by }}　　　　"
         "日期：{{ review.date_or_blank }}\n表单及不合格卷烟交区域市场经理：{{ submit.date_or_blank }}",
         30)
    wide("调换记录", "调换数量：{{ exchange.qty }}　　调换日期：{{ exchange.date_or_blank }}　　"
         "经办人：{{ exchange.by }}\n{{ exchange.note }}", 14)
    wide("客户确认", "签字：\n\n日期：{{ confirm.date_or_blank }}", 20)
    wide("处理结果反馈", "{{ feedback.note }}\n反馈人：{{ feedback.by }}　　反馈日期："
         "{{ feedback.date_or_blank }}", 22)
    _widths(table, [30, 60, 26, 58])
    _line(doc, "客户经理：{{ manager }}　　打印时间：{{ generated_at }}", size=9)
    doc.save(str(path))


def build_special_visit(path: Path) -> None:
    doc = _new_document("特殊访问记录")
    _line(doc, "编号：{{ visit_id }}　　访问日期：{{ date }}　　客户经理：{{ manager }}",
          align=WD_ALIGN_PARAGRAPH.CENTER)
    table = doc.add_table(rows=0, cols=4)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    cells = table.add_row().cells
    for cell, text, bold in zip(cells, ("客户名称", "{{ customer.name }}", "客户编码",
                                        "{{ customer.code }}"), (True, False, True, False), strict=True):
        _set(cell, text, bold=bold)
    cells = table.add_row().cells
    for cell, text, bold in zip(cells, ("许可证号", "{{ customer.license_no }}", "联系电话",
                                        "{{ customer.phone }}"), (True, False, True, False), strict=True):
        _set(cell, text, bold=bold)
    for label, value, height in (("经营地址", "{{ customer.address }}", None),
                                 ("特殊情况", "{{ situation }}", 45),
                                 ("处理措施", "{{ action }}", 45),
                                 ("客户签字", "签字：\n\n日期：　　年　　月　　日", 20),
                                 ("客户经理签字", "签字：\n\n日期：　　年　　月　　日", 20),
                                 ("区域市场经理意见", "\n\n签字：　　　　　　日期：　　年　　月　　日", 24)):
        row = table.add_row()
        _set(row.cells[0], label, bold=True)
        merged = row.cells[1].merge(row.cells[3])
        _set(merged, value)
        if height:
            _row_height(row, height)
    _widths(table, [30, 60, 26, 58])
    _line(doc, "打印时间：{{ generated_at }}", size=9)
    doc.save(str(path))


def build_promo_receipt(path: Path) -> None:
    doc = _new_document("宣传促销品签收单")
    _line(doc, "促销活动：{{ campaign }}　　发放日期：{{ date }}　　客户经理：{{ manager }}",
          align=WD_ALIGN_PARAGRAPH.CENTER)
    headers = ("序号", "客户编码", "客户名称", "经营地址", "促销品", "数量", "客户签名", "日期")
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        _set(cell, text, bold=True)
    # docxtpl row loop: the {%tr %} rows are removed, the middle row repeats per customer.
    loop_start = table.add_row().cells
    _set(loop_start[0], "{%tr for r in rows %}")
    body = table.add_row()
    for cell, text in zip(body.cells, ("{{ r.no }}", "{{ r.code }}", "{{ r.name }}", "{{ r.address }}",
                                       "{{ r.item }}", "{{ r.qty }}", "", ""), strict=True):
        _set(cell, text, size=9)
    _row_height(body, 11)
    cant_split = body._tr.get_or_add_trPr()
    cant_split.append(OxmlElement("w:cantSplit"))
    loop_end = table.add_row().cells
    _set(loop_end[0], "{%tr endfor %}")
    total = table.add_row().cells
    merged = total[0].merge(total[4])
    _set(merged, "合计 {{ rows|length }} 户", bold=True)
    _set(total[5], "{{ total_qty }}", bold=True, size=9)
    header = table.rows[0]._tr.get_or_add_trPr()
    header.append(OxmlElement("w:tblHeader"))
    # The code column fits 12 digits even in a wide fallback font (DejaVu Sans).
    _widths(table, [8, 30, 28, 29, 17, 14, 28, 20])
    _line(doc, "")
    _line(doc, "客户经理（签字）：＿＿＿＿＿＿　　品牌经理（签字）：＿＿＿＿＿＿　　日期：　　年　　月　　日")
    _line(doc, "打印时间：{{ generated_at }}", size=9)
    doc.save(str(path))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, build in (("complaint_form.docx", build_complaint_form),
                        ("special_visit.docx", build_special_visit),
                        ("promo_receipt.docx", build_promo_receipt)):
        build(args.out / name)
        print(args.out / name)


if __name__ == "__main__":
    main()
