"""Build the Word templates of the monthly report with python-docx (docxtpl tags inside).

    python templates/build_docx_templates.py [--out DIR]

Writes monthly_report.docx (《客户月度销售情况分析报告》, A4 portrait) and monthly_summary.docx
(the area summary of `--all`, A4 landscape). The outputs are committed; rerun after changing
this script. The templates see `r` (the report or summary: the keys of `--format json`,
docs/monthly-report.md), `chart_trend` / `chart_mix` (images, report only) and the helpers
`share(x)` ("12.34%") and `wape(x)` ("5.8%"). A user may restyle a copy in Word or WPS and put
it in their `templates.dir`: keep each {{ tag }} and {%tr %}/{%p %} tag typed in one go.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from cmgr.render.docx_print import page_number_footer

FONT = "宋体"
HEADING_FONT = "黑体"
FIXED_TIME = dt.datetime(2026, 11, 1, 0, 0, 0)
HEADER_FILL = "4472C4"
BAND_FILL = "EEF2F9"


def _fonts(element, east_asian: str, latin: str | None = None) -> None:
    rpr = element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asian)
    if latin:
        fonts.set(qn("w:ascii"), latin)
        fonts.set(qn("w:hAnsi"), latin)


def _document(title: str, *, landscape: bool = False):
    doc = Document()
    section = doc.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
    else:
        section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(18)
    section.top_margin = section.bottom_margin = Mm(16)
    section.footer_distance = Mm(8)
    page_number_footer(section)
    normal = doc.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(10.5)
    _fonts(normal.element, FONT)
    normal.paragraph_format.space_after = Pt(3)
    for name, size in (("Title", 18), ("Heading 1", 14), ("Heading 2", 11.5)):
        style = doc.styles[name]
        style.font.size = Pt(size)
        style.font.bold = True
        style.font.color.rgb = RGBColor(0x1F, 0x38, 0x64)
        style.font.name = "Arial"
        _fonts(style.element, HEADING_FONT, "Arial")
    props = doc.core_properties
    props.author = props.last_modified_by = "cmgr"
    props.title = title
    props.created = props.modified = FIXED_TIME
    props.revision = 1
    return doc


def _para(doc, text: str = "", *, bold_lead: str | None = None, size: float | None = None,
          align=None, style: str | None = None, colour: RGBColor | None = None):
    p = doc.add_paragraph(style=style)
    if align is not None:
        p.alignment = align
    if bold_lead:
        run = p.add_run(bold_lead)
        run.bold = True
    if text:
        run = p.add_run(text)
        if size:
            run.font.size = Pt(size)
        if colour is not None:
            run.font.color.rgb = colour
    return p


def _tag(doc, tag: str) -> None:
    """A paragraph holding only a docxtpl {%p ... %} tag (the paragraph itself disappears)."""
    doc.add_paragraph(tag)


def _shade(cell, fill: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tc_pr.append(shd)


def _cell(cell, text: str, *, bold: bool = False, right: bool = False, white: bool = False,
          size: float = 9) -> None:
    cell.text = ""
    p = cell.paragraphs[0]
    p.paragraph_format.space_after = Pt(0)
    if right:
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = p.add_run(text)
    run.bold = bold
    run.font.size = Pt(size)
    if white:
        run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _table(doc, columns: list[tuple[str, str, float, bool]], loop: str | None,
           rows: list[list[str]] | None = None, size: float = 9) -> None:
    """A styled table: header row, then a docxtpl row loop `loop` ("c in r.top_skus") over the
    cells of `columns` (header, cell expression, width mm, right-aligned), or fixed `rows`."""
    table = doc.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    header = table.rows[0]
    _repeat_header(header)
    for cell, (head, _, _, _) in zip(header.cells, columns, strict=True):
        _cell(cell, head, bold=True, white=True, size=size)
        _shade(cell, HEADER_FILL)
    if loop:
        start = table.add_row().cells
        _cell(start[0], f"{{%tr for {loop} %}}")
        body = table.add_row().cells
        for cell, (_, expr, _, right) in zip(body, columns, strict=True):
            _cell(cell, expr, right=right, size=size)
        end = table.add_row().cells
        _cell(end[0], "{%tr endfor %}")
    for values in rows or []:
        cells = table.add_row().cells
        for cell, value, (_, _, _, right) in zip(cells, values, columns, strict=True):
            _cell(cell, value, right=right, size=size)
    # Fixed layout with the grid set too: Word reads the cell widths, LibreOffice the grid.
    table.autofit = False
    for column, (_, _, width, _) in zip(table.columns, columns, strict=True):
        column.width = Mm(width)
    for row in table.rows:
        for cell, (_, _, width, _) in zip(row.cells, columns, strict=True):
            cell.width = Mm(width)


HINT_GREY = RGBColor(0xA6, 0xA6, 0xA6)


def _fill_in(doc, label: str, text: str, hint: str) -> None:
    """A place the manager writes in: a bold label, the text written so far, and a short
    grey hint while it is empty (cmgr.sources.edited_report reads it back)."""
    p = doc.add_paragraph()
    lead = p.add_run(label)
    lead.bold = True
    p.add_run(text)
    grey = p.add_run(hint)
    grey.font.color.rgb = HINT_GREY


def _empty_note(doc, condition: str, text: str = "无") -> None:
    _tag(doc, f"{{%p if {condition} %}}")
    _para(doc, text)
    _tag(doc, "{%p endif %}")


GRADE = "{{ c.grade if c.grade is not none else '—' }}"


def build_report(path: Path) -> None:
    doc = _document("客户月度销售情况分析报告")
    _para(doc, "{{ r.title }}", style="Title", align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, "{{ r.month_cn }}　客户经理：{{ r.manager }}　报送：区域市场经理　"
               "上交期限：{{ r.due_date|date_cn }}（每月5日前，节假日顺延）",
          align=WD_ALIGN_PARAGRAPH.CENTER, size=10)
    _tag(doc, "{%p if r.coverage_note %}")
    _para(doc, "{{ r.coverage_note }}", bold_lead="注：", colour=RGBColor(0x8A, 0x5A, 0x00))
    _tag(doc, "{%p endif %}")

    doc.add_heading("一、上月所服务客户的整体销售情况分析", level=1)
    _tag(doc, "{%p for s in r.summary_text %}")
    _para(doc, "{{ s }}")
    _tag(doc, "{%p endfor %}")
    _tag(doc, "{%p for s in r.notes.summary %}")
    _para(doc, "{{ s }}")
    _tag(doc, "{%p endfor %}")
    _table(doc, [("指标", "", 30, False), ("本月", "", 28, True), ("上月", "", 28, True),
                 ("环比", "", 22, True), ("去年同月", "", 28, True), ("同比", "", 22, True)],
           None, rows=[
               ["销量（条）", "{{ r.qty_cartons|num(0) }}",
                "{{ r.mom.qty_cartons|num(0) if r.mom.available else r.mom.note }}",
                "{{ r.mom.qty_cartons_pct|pct }}",
                "{{ r.yoy.qty_cartons|num(0) if r.yoy.available else r.yoy.note }}",
                "{{ r.yoy.qty_cartons_pct|pct }}"],
               ["销量（箱）", "{{ r.cases|num }}", "{{ r.mom.cases|num }}",
                "{{ r.mom.qty_cartons_pct|pct }}", "{{ r.yoy.cases|num }}",
                "{{ r.yoy.qty_cartons_pct|pct }}"],
               ["金额（元）", "{{ r.amount|num }}", "{{ r.mom.amount|num }}", "{{ r.mom.amount_pct|pct }}",
                "{{ r.yoy.amount|num }}", "{{ r.yoy.amount_pct|pct }}"],
               ["单箱值（元/箱）", "{{ r.value_per_case|num }}", "{{ r.mom.value_per_case|num }}", "",
                "{{ r.yoy.value_per_case|num }}", ""],
               ["订货客户（户）", "{{ r.ordering_customers }}", "", "", "", ""],
               ["户均订单（单）", "{{ r.orders_per_customer|num }}", "", "", "", ""],
               ["月度目标（箱）", "{{ r.target.cases|num if r.target else '未设定' }}",
                "完成率", "{{ share(r.target.rate_pct) if r.target else '—' }}", "", ""],
           ])
    _para(doc, "{{ r.network.text }}",
          bold_lead="网建情况：")
    _para(doc, "{{ chart_trend }}", align=WD_ALIGN_PARAGRAPH.CENTER)

    doc.add_heading("（一）价类结构", level=2)
    _table(doc, [("价类", "{{ c.price_class }}", 18, False),
                 ("销量（条）", "{{ c.qty_cartons|num(0) }}", 22, True),
                 ("销量（箱）", "{{ c.cases|num }}", 20, True),
                 ("金额（元）", "{{ c.amount|num }}", 28, True),
                 ("单箱值", "{{ c.value_per_case|num }}", 22, True),
                 ("销量占比", "{{ share(c.qty_share_pct) }}", 20, True),
                 ("环比", "{{ c.mom_qty_pct|pct }}", 20, True),
                 ("同比", "{{ c.yoy_qty_pct|pct }}", 20, True)], "c in r.by_price_class")
    _empty_note(doc, "not r.by_price_class")
    _para(doc, "{{ chart_mix }}", align=WD_ALIGN_PARAGRAPH.CENTER)

    doc.add_heading("（二）档位结构", level=2)
    _table(doc, [("档位分级", "{{ c.label }}", 30, False),
                 ("服务客户", "{{ c.customers }}", 18, True),
                 ("订货客户", "{{ c.ordering_customers }}", 18, True),
                 ("销量（箱）", "{{ c.cases|num }}", 20, True),
                 ("金额（元）", "{{ c.amount|num }}", 28, True),
                 ("单箱值", "{{ c.value_per_case|num }}", 22, True),
                 ("户均箱数", "{{ c.cases_per_customer|num }}", 18, True),
                 ("环比", "{{ c.mom_qty_pct|pct }}", 18, True)], "c in r.by_grade_band")
    _empty_note(doc, "not r.by_grade_band")

    doc.add_heading("（三）卷烟销量前十", level=2)
    _table(doc, [("名次", "{{ c.rank }}", 12, True),
                 ("卷烟", "{{ c.sku_name or c.sku_code }}", 40, False),
                 ("价类", "{{ c.price_class }}", 16, False),
                 ("销量（条）", "{{ c.qty_cartons|num(0) }}", 22, True),
                 ("金额（元）", "{{ c.amount|num }}", 28, True),
                 ("占比", "{{ share(c.share_pct) }}", 18, True),
                 ("环比", "{{ c.mom_qty_pct|pct }}", 18, True)], "c in r.top_skus")
    _empty_note(doc, "not r.top_skus", "本月无销售。")

    mover_cols = [("客户编码", "{{ c.customer_code }}", 32, False),
                  ("客户名称", "{{ c.customer_name }}", 40, False), ("档位", GRADE, 12, True),
                  ("上月（条）", "{{ c.base_qty_cartons|num(0) }}", 19, True),
                  ("本月（条）", "{{ c.qty_cartons|num(0) }}", 19, True),
                  ("增减（条）", "{{ c.change_qty_cartons|num(0) }}", 19, True),
                  ("增减率", "{{ c.change_pct|pct }}", 23, True)]
    doc.add_heading("（四）环比增长最多的 {{ r.growing|length }} 户", level=2)
    _tag(doc, "{%p if r.growing %}")
    _table(doc, mover_cols, "c in r.growing")
    _tag(doc, "{%p endif %}")
    _empty_note(doc, "not r.growing")
    doc.add_heading("（五）环比下降最多的 {{ r.falling|length }} 户", level=2)
    _para(doc, "不含第二部分已列出的断订、大幅下降和预警客户。", size=9)
    _tag(doc, "{%p if r.falling %}")
    _table(doc, mover_cols, "c in r.falling")
    _tag(doc, "{%p endif %}")
    _empty_note(doc, "not r.falling")

    doc.add_heading("（六）断订客户 {{ r.stopped|length }} 户", level=2)
    _para(doc, "前 {{ r.settings.stopped_lookback_months }} 个月内有订货、本月未订货的客户"
               "{{ '，名单及原因见第二部分。' if r.stopped else '：无。' }}", size=9)

    doc.add_heading("（七）新增客户 {{ r.new_customers|length }} 户", level=2)
    _tag(doc, "{%p if r.new_customers %}")
    _table(doc, [("客户编码", "{{ c.customer_code }}", 32, False),
                 ("客户名称", "{{ c.customer_name }}", 48, False), ("档位", GRADE, 12, True),
                 ("入网日期", "{{ c.joined_on }}", 24, False),
                 ("本月（条）", "{{ c.qty_cartons|num(0) }}", 20, True),
                 ("本月金额（元）", "{{ c.amount|num }}", 26, True)], "c in r.new_customers")
    _tag(doc, "{%p endif %}")
    _empty_note(doc, "not r.new_customers")

    doc.add_heading("二、上月所服务客户销售中存在的问题、产生原因及对策措施", level=1)
    _tag(doc, "{%p for p in r.problems %}")
    doc.add_heading("（{{ loop.index }}）{{ p.title }}", level=2)
    _para(doc, "{{ p.summary }}", bold_lead="情况：")
    _tag(doc, "{%p if p.customers_shown %}")
    _table(doc, [("客户编码", "{{ c.customer_code }}", 32, False),
                 ("客户名称", "{{ c.customer_name }}", 42, False),
                 ("情况", "{{ c.detail }}", 100, False)], "c in p.customers_shown")
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p if p.customers_more %}")
    _para(doc, "另有 {{ p.customers_more }} 项未列出。", size=9)
    _tag(doc, "{%p endif %}")
    _fill_in(doc, "原因：", "{{ p.cause }}", "{{ p.cause_hint }}")
    _fill_in(doc, "对策措施：", "{{ p.measure }}", "{{ p.measure_hint }}")
    _tag(doc, "{%p endfor %}")
    _empty_note(doc, "not r.problems", "本月数据未显示需要关注的问题。")
    _fill_in(doc, "其他问题及说明：", "{{ r.notes.other|join('') }}", "{{ r.other_hint }}")

    doc.add_heading("三、上月所服务客户对商品质量和服务提出的主要意见和建议", level=1)
    doc.add_heading("（一）质量投诉", level=2)
    _tag(doc, "{%p if not r.opinions.complaints.available %}")
    _para(doc, "尚无质量投诉记录，本节不含投诉。")
    _tag(doc, "{%p elif not r.opinions.complaints.list %}")
    _para(doc, "本月未受理质量投诉。")
    _tag(doc, "{%p else %}")
    _para(doc, "本月受理质量投诉 {{ r.opinions.complaints.list|length }} 件。按问题："
               "{% for t in r.opinions.complaints.by_type %}{{ t.name }} {{ t.count }} 件"
               "{{ '，' if not loop.last }}{% endfor %}；按状态："
               "{% for t in r.opinions.complaints.by_status %}{{ t.name }} {{ t.count }} 件"
               "{{ '，' if not loop.last }}{% endfor %}。")
    _table(doc, [("编号", "{{ c.id }}", 34, False), ("受理日期", "{{ c.created_on }}", 22, False),
                 ("客户", "{{ c.customer_name or c.customer_code }}", 34, False),
                 ("卷烟", "{{ c.sku_name }}", 28, False),
                 ("数量\n（条）", "{{ c.qty_cartons|num(1) }}", 16, True),
                 ("问题", "{{ c.problem }}", 20, False), ("状态", "{{ c.status_label }}", 20, False)],
           "c in r.opinions.complaints.list")
    _tag(doc, "{%p endif %}")
    doc.add_heading("（二）访问中收集的意见和建议", level=2)
    _tag(doc, "{%p if r.opinions.by_topic %}")
    _table(doc, [("类别", "{{ c.topic }}", 26, False), ("记录数", "{{ c.count }}", 14, True),
                 ("客户数", "{{ c.customers }}", 14, True), ("举例", "{{ c.example }}", 120, False)],
           "c in r.opinions.by_topic")
    _tag(doc, "{%p else %}")
    _para(doc, "{{ '本月访问记录中未发现意见和建议。' if r.opinions.visits_loaded else '未导入访问记录。' }}")
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p if r.opinions.special_visits %}")
    doc.add_heading("（三）特殊访问 {{ r.opinions.special_visits|length }} 次", level=2)
    _table(doc, [("日期", "{{ c.visit_date }}", 22, False),
                 ("客户", "{{ c.customer_name or c.customer_code }}", 40, False),
                 ("情况", "{{ c.text }}", 112, False)], "c in r.opinions.special_visits")
    _tag(doc, "{%p endif %}")
    doc.add_heading("（四）客户满意度", level=2)
    _tag(doc, "{%p set sat = r.opinions.satisfaction %}")
    _tag(doc, "{%p if not sat.imported %}")
    _para(doc, "服务中心的满意度调查结果尚未导入，本节暂无数据。")
    _tag(doc, "{%p else %}")
    _para(doc, "{{ sat.round }}调查 {{ sat.respondents }} 户，平均得分 {{ sat.score|num(1) }} 分"
               "{% if sat.previous_score is not none %}（上一轮{{ sat.previous_round }} "
               "{{ sat.previous_score|num(1) }} 分）{% endif %}；得分最低的项目："
               "{% for i in sat.lowest_items %}{{ i.name }} {{ i.score|num(1) }} 分"
               "{{ '、' if not loop.last }}{% endfor %}；低于 60 分的客户 {{ sat.low_customers }} 户。")
    for title, key in (("按调查项目", "by_item"), ("按线路", "by_route"), ("按档位分级", "by_band")):
        _tag(doc, f"{{%p if sat.{key} %}}")
        _table(doc, [(title[1:], "{{ c.name }}", 40, False),
                     ("调查户数", "{{ c.customers }}", 20, True),
                     ("本轮得分", "{{ c.score|num(1) }}", 24, True),
                     ("上一轮", "{{ c.previous_score|num(1) }}", 24, True),
                     ("变化", "{{ c.change|num(1) }}", 20, True)], f"c in sat.{key}")
        _tag(doc, "{%p else %}")
        _para(doc, f"{title}：无", size=9)
        _tag(doc, "{%p endif %}")
    _para(doc, "得分最低的客户：", size=9)
    _tag(doc, "{%p if sat.lowest_customers %}")
    _table(doc, [("客户编码", "{{ c.customer_code }}", 32, False),
                 ("客户名称", "{{ c.customer_name }}", 48, False),
                 ("平均得分", "{{ c.score|num(1) }}", 22, True),
                 ("最低的项目", "{{ c.lowest_item }}", 40, False)], "c in sat.lowest_customers")
    _tag(doc, "{%p endif %}")
    _empty_note(doc, "not sat.lowest_customers")
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p for s in r.notes.opinions %}")
    _para(doc, "{{ s }}")
    _tag(doc, "{%p endfor %}")

    doc.add_heading("四、次月（{{ r.forecast.month_cn }}）客户销售情况预测", level=1)
    _tag(doc, "{%p for s in r.forecast.statement %}")
    _para(doc, "{{ s }}")
    _tag(doc, "{%p endfor %}")
    _tag(doc, "{%p if r.forecast.available %}")
    _table(doc, [("范围", "{{ c.price_class }}", 18, False),
                 ("预测（箱）", "{{ c.cases|num }}", 22, True),
                 ("可能范围（箱）", "{{ c.cases_low|num }}～{{ c.cases_high|num }}", 34, True),
                 ("预测金额（元）", "{{ c.amount|num }}", 32, True),
                 ("比本月", "{{ c.vs_month_pct|pct }}", 22, True),
                 ("比去年同月", "{{ c.vs_year_ago_pct|pct }}", 24, True)],
           "c in [dict(r.forecast, price_class='合计')] + r.forecast.by_price_class")
    _para(doc, "各价类分别预测，其和与合计可能略有出入；可能范围按过去几个月的误差估计，"
               "实际销量约八成落在其中。", size=9)
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p for s in r.notes.forecast %}")
    _para(doc, "{{ s }}")
    _tag(doc, "{%p endfor %}")
    _para(doc, "")
    _para(doc, "客户经理（签字）：＿＿＿＿＿＿　日期：＿＿＿＿＿＿　　区域市场经理审阅意见：＿＿＿＿＿＿")
    doc.save(str(path))


# Under the summary table in every format (docx here, html and md in their templates).
SUMMARY_ERROR_NOTE = ("预测误差：过去几个月里本方法预测的平均误差；简单方法误差：同期直接用上月销量"
                      "或去年同月销量（取较准的一种）的误差。")


def build_summary(path: Path) -> None:
    doc = _document("客户月度销售情况汇总（区域）", landscape=True)
    _para(doc, "{{ r.title }}", style="Title", align=WD_ALIGN_PARAGRAPH.CENTER)
    _para(doc, "{{ r.month_cn }}　客户经理 {{ r.total.managers }} 人　上交期限：{{ r.due_date|date_cn }}",
          align=WD_ALIGN_PARAGRAPH.CENTER, size=10)
    doc.add_heading("各客户经理销售情况", level=1)
    # Widths (mm) for 8 pt on A4 landscape (261 mm between the margins): each header on at
    # most two lines broken where a reader expects, never inside a word.
    cols = [("客户经理", "{{ c.manager }}", 20, False),
            ("服务客户", "{{ c.customers_served }}", 16, True),
            ("订货客户", "{{ c.ordering_customers }}", 16, True),
            ("销量\n（箱）", "{{ c.cases|num }}", 18, True),
            ("金额（元）", "{{ c.amount|num }}", 26, True),
            ("单箱值", "{{ c.value_per_case|num }}", 19, True),
            ("环比", "{{ c.mom_qty_pct|pct }}", 16, True),
            ("同比", "{{ c.yoy_qty_pct|pct }}", 16, True),
            ("目标\n（箱）", "{{ c.target_cases|num }}", 16, True),
            ("完成率", "{{ share(c.target_rate_pct) }}", 16, True),
            ("断订", "{{ c.stopped }}", 12, True), ("新增", "{{ c.new_customers }}", 12, True),
            ("预警", "{{ c.warning_customers }}", 12, True),
            ("次月预测\n（箱）", "{{ c.forecast_cases|num }}", 18, True),
            ("预测\n误差", "{{ wape(c.forecast_backtest_wape) }}", 14, True),
            ("简单方法\n误差", "{{ wape(c.forecast_naive_wape) }}", 14, True)]
    _table(doc, cols, "c in r.managers + [dict(r.total, manager='合计', target_cases=none, "
                      "target_rate_pct=none, forecast_backtest_wape=none, "
                      "forecast_naive_wape=none)]", size=8)
    _para(doc, SUMMARY_ERROR_NOTE, size=8)
    doc.add_heading("价类结构", level=1)
    _table(doc, [("价类", "{{ c.price_class }}", 20, False), ("销量（箱）", "{{ c.cases|num }}", 26, True),
                 ("金额（元）", "{{ c.amount|num }}", 32, True),
                 ("单箱值", "{{ c.value_per_case|num }}", 26, True),
                 ("销量占比", "{{ share(c.qty_share_pct) }}", 22, True)], "c in r.by_price_class")
    _tag(doc, "{%p if r.unassigned.customers %}")
    _para(doc, "另有 {{ r.unassigned.customers }} 个订货客户不在客户名册或没有客户经理："
               "{{ r.unassigned.qty_cartons|num(0) }} 条，{{ r.unassigned.amount|num }} 元，未计入上表。")
    _tag(doc, "{%p endif %}")
    doc.save(str(path))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    build_report(args.out / "monthly_report.docx")
    build_summary(args.out / "monthly_summary.docx")
    print(f"wrote {args.out / 'monthly_report.docx'} and {args.out / 'monthly_summary.docx'}")


if __name__ == "__main__":
    main()
