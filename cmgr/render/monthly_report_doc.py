"""Write a monthly report (a dict from cmgr.core.monthly) as docx, html, md, xlsx or json.

Templates (user templates directory first): monthly_report.docx / .html / .md and
monthly_summary.docx / .html / .md; each sees `r` (the report or the summary, the same keys
as the json) and its charts. Every file is written atomically.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from cmgr.fileio import write_bytes, write_text
from cmgr.inert_text import append_row
from cmgr.render.output import save_workbook

CHART_WIDTH_MM = 165.0


def share(value) -> str:
    """12.3456 -> "12.35%" (a share, no sign); None -> "—"."""
    return "—" if value is None else f"{value:.2f}%"


def wape(value) -> str:
    """0.0577 -> "5.8%"; None -> "—"."""
    return "—" if value is None else f"{value * 100:.1f}%"


# Functions the Word templates may call (Jinja filters are shared with the other templates).
HELPERS = {"share": share, "wape": wape}


def _class_names(report: dict) -> list[str]:
    names = list(report["settings"]["price_class_names"])
    for row in report["by_price_class"]:
        if row["price_class"] not in names:
            names.append(row["price_class"])
    return names


def charts(report: dict, fmt: str) -> dict[str, bytes]:
    return charts_later(report, fmt)()


def _chart_request(trend: list[dict], price_mix: list[dict], classes: list[str],
                   fmt: str) -> list[tuple[str, tuple]]:
    return [("trend", (trend, fmt)), ("mix", (price_mix, classes, fmt))]


# The charts' format in each report format that has charts.
CHART_FORMATS = {"docx": "png", "html": "svg", "md": "svg"}


def draw_charts_ahead(series: dict, fmt: str) -> None:
    """Have the chart process draw the charts of a report to be written in `fmt`, from
    core.monthly.chart_series, while the report is computed: the report's own request for
    them then takes them (charts.draw_ahead). Nothing without a chart process."""
    from cmgr.render.charts import draw_ahead

    if fmt in CHART_FORMATS:
        draw_ahead(_chart_request(series["trend"], series["price_mix"], series["classes"],
                                  CHART_FORMATS[fmt]))


def charts_later(report: dict, fmt: str) -> Callable[[], dict[str, bytes]]:
    """The report's charts asked for now (charts.send); the function returned gives them."""
    from cmgr.render.charts import send

    answer = send(_chart_request(report["trend"], report["price_mix"], _class_names(report), fmt))

    def charts() -> dict[str, bytes]:
        trend, mix = answer()
        return {"trend": trend, "mix": mix}

    return charts


def _inline_svg(data: bytes) -> str:
    """SVG for an HTML page: no XML declaration or DOCTYPE, scales to the page width."""
    text = data.decode("utf-8")
    text = re.sub(r"<\?xml[^>]*\?>\s*", "", text)
    text = re.sub(r"<!DOCTYPE[^>]*>\s*", "", text, flags=re.S)
    return text.replace("<svg ", '<svg class="chart" ', 1)


def write_report(report: dict, fmt: str, path: Path, *, user_dir: str | None = None) -> list[Path]:
    """Write one manager's report; returns the files written (md adds its two SVG charts)."""
    if fmt == "json":
        return [write_text(path, to_json(report))]
    if fmt == "xlsx":
        return [write_xlsx(report_sheets(report), path)]
    if fmt == "html":
        from markupsafe import Markup

        from cmgr.render.templates import render

        svg = charts(report, "svg")
        html = render("monthly_report.html", {"r": report, "charts": {
            k: Markup(_inline_svg(v)) for k, v in svg.items()}}, user_dir=user_dir)
        return [write_text(path, html)]
    if fmt == "md":
        from cmgr.render.templates import render

        svg = charts(report, "svg")
        files = {k: path.with_name(f"{path.stem}.{k}.svg") for k in svg}
        written = [write_bytes(files[k], v) for k, v in svg.items()]
        md = render("monthly_report.md", {"r": report, "charts": {
            k: p.name for k, p in files.items()}}, user_dir=user_dir)
        return [write_text(path, md), *written]
    if fmt == "docx":
        from cmgr.render.charts import write_in_worker

        # By the chart process, which has Word's modules and the template ready (and perhaps
        # the charts, draw_charts_ahead); here when there is none or it failed.
        written = write_in_worker(report, fmt, path, user_dir)
        if written is not None:
            return written
        png = charts_later(report, "png")  # drawn on the other core while Word's modules load
        from cmgr.render.templates import render_docx

        with tempfile.TemporaryDirectory(prefix="cmgr-charts-") as tmp:
            def images() -> dict[str, tuple[Path, float]]:
                placed = {}
                for key, data in png().items():
                    image = Path(tmp) / f"{key}.png"
                    image.write_bytes(data)
                    placed[f"chart_{key}"] = (image, CHART_WIDTH_MM)
                return placed

            render_docx("monthly_report.docx", {"r": report, **HELPERS}, path,
                        user_dir=user_dir, images=images, finish=fit_tables)
        return [Path(path)]
    raise ValueError(f"unknown format {fmt}")


def write_summary(summary: dict, fmt: str, path: Path, *, user_dir: str | None = None) -> list[Path]:
    if fmt == "json":
        return [write_text(path, to_json(summary))]
    if fmt == "xlsx":
        return [write_xlsx(summary_sheets(summary), path)]
    if fmt in ("html", "md"):
        from cmgr.render.templates import render

        return [write_text(path, render(f"monthly_summary.{fmt}", {"r": summary},
                                        user_dir=user_dir))]
    if fmt == "docx":
        from cmgr.render.templates import render_docx

        return [render_docx("monthly_summary.docx", {"r": summary, **HELPERS}, path,
                            user_dir=user_dir, finish=fit_tables)]
    raise ValueError(f"unknown format {fmt}")


def fit_tables(document) -> None:
    """Every table's column widths from what it holds (docx_print.fit_columns): the template
    fixes them for a typical month, and a wider number than it planned for ("+10.68%" in an
    18 mm column) wrapped its sign or its % onto a second line."""
    from docx.shared import Length

    from cmgr.render.docx_print import fit_columns

    section = document.sections[0]
    page_mm = Length(section.page_width - section.left_margin - section.right_margin).mm
    for table in document.tables:
        designed = sum(Length(c.width).mm for c in table.columns if c.width is not None)
        fit_columns(table, min(designed, page_mm) if designed else page_mm, page_mm)


def to_json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


# --- xlsx: every table on its own sheet ------------------------------------------------------

# (header, key, kind): kind is text, int, num (2 decimals), pct (a percentage number), wape,
# qty: 条 as a manager orders them, whole (orders are placed in whole 条; a computed 条 figure,
# expected or forecast, has no meaningful decimals), as the docx shows them (num(0)); qty1: a
# complaint's 条, one decimal, as its docx cell.
Column = tuple[str, str, str]
CUSTOMER_COLUMNS: list[Column] = [("客户编码", "customer_code", "text"),
                                  ("客户名称", "customer_name", "text"),
                                  ("档位", "grade", "int"), ("档位分级", "band", "text")]


def _get(row: dict, key: str):
    value = row
    for part in key.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def report_sheets(r: dict) -> list[tuple[str, list[Column], list[dict]]]:
    from cmgr.core.monthly import comparison_words

    mom, yoy, fc = r["mom"], r["yoy"], r["forecast"]
    overview = [
        ("月份", r["month"]), ("客户经理", r["manager"]), ("上交期限", r["due_date"]),
        ("订单数据截至", r["data_until"]), ("服务客户数（户）", r["customers_served"]),
        ("订货客户数（户）", r["ordering_customers"]), ("订单数", r["orders"]),
        ("户均订单数", r["orders_per_customer"]), ("销量（条）", r["qty_cartons"]),
        ("销量（箱）", r["cases"]), ("金额（元）", r["amount"]),
        ("单箱值（元/箱）", r["value_per_case"]),
        (f"上月 {mom['base_month']} 销量（条）", mom["qty_cartons"] if mom["available"] else mom["note"]),
        ("环比销量 %", mom["qty_cartons_pct"]), ("环比金额 %", mom["amount_pct"]),
        (f"去年同月 {yoy['base_month']} 销量（条）",
         yoy["qty_cartons"] if yoy["available"] else yoy["note"]),
        ("同比销量 %", yoy["qty_cartons_pct"]), ("同比金额 %", yoy["amount_pct"]),
        ("在网户数", r.get("network", {}).get("in_network")),
        ("本月入网户数", r.get("network", {}).get("joined")),
        ("本月退网户数", r.get("network", {}).get("left")),
        *_network_rows(r.get("network", {}).get("kpi")),
        ("月度目标（箱）", r["target"]["cases"] if r["target"] else None),
        ("完成率 %", r["target"]["rate_pct"] if r["target"] else None),
    ]
    flat_problem_rows = [{"title": p["title"], **c} for p in r["problems"] for c in p["customers"]]
    op = r["opinions"]
    forecast_rows = [{"price_class": "合计", **{k: fc.get(k) for k in (
        "qty_cartons", "cases", "amount", "low", "high", "cases_low", "cases_high",
        "backtest_wape", "naive_wape")}}] + fc["by_price_class"] if fc["available"] else []
    class_cols = [name for name in r["settings"]["price_class_names"]]
    trend_rows = [{**t, **{f"share_{n}": m["shares"].get(n) for n in class_cols}}
                  for t, m in zip(r["trend"], r["price_mix"], strict=True)]
    # Part b's customers against what their comparison basis expected, in the docx's words
    expected = f"{comparison_words(r['comparison'])}折算（条）"
    moved = [*CUSTOMER_COLUMNS, ("本月（条）", "qty_cartons", "qty"),
             ("上月（条）", "base_qty_cartons", "qty"), ("变化（条）", "change_qty_cartons", "qty"),
             ("变化 %", "change_pct", "pct"), ("本月金额（元）", "amount", "num")]
    return [
        ("概况", [("项目", "name", "text"), ("数值", "value", "auto")],
         [{"name": k, "value": v} for k, v in overview]),
        ("价类结构", [("价类", "price_class", "text"), ("销量（条）", "qty_cartons", "qty"),
                      ("销量（箱）", "cases", "num"), ("金额（元）", "amount", "num"),
                      ("单箱值", "value_per_case", "num"), ("销量占比 %", "qty_share_pct", "pct"),
                      ("金额占比 %", "amount_share_pct", "pct"), ("环比 %", "mom_qty_pct", "pct"),
                      ("同比 %", "yoy_qty_pct", "pct")], r["by_price_class"]),
        ("档位结构", [("档位分级", "label", "text"), ("服务客户", "customers", "int"),
                      ("订货客户", "ordering_customers", "int"), ("销量（条）", "qty_cartons", "qty"),
                      ("销量（箱）", "cases", "num"), ("金额（元）", "amount", "num"),
                      ("单箱值", "value_per_case", "num"), ("户均箱数", "cases_per_customer", "num"),
                      ("销量占比 %", "qty_share_pct", "pct"), ("环比 %", "mom_qty_pct", "pct")],
         r["by_grade_band"]),
        ("卷烟前十", [("名次", "rank", "int"), ("卷烟编码", "sku_code", "text"),
                      ("卷烟名称", "sku_name", "text"), ("价类", "price_class", "text"),
                      ("销量（条）", "qty_cartons", "qty"), ("销量（箱）", "cases", "num"),
                      ("金额（元）", "amount", "num"), ("占比 %", "share_pct", "pct"),
                      ("环比 %", "mom_qty_pct", "pct")], r["top_skus"]),
        ("增长客户", moved, r["growing"]),
        ("下降客户", moved, r["falling"]),
        ("断订客户", [*CUSTOMER_COLUMNS, ("最后订货月", "last_order_month", "text"),
                      ("当月订货（条）", "last_qty_cartons", "qty"), ("状态", "status", "text")],
         r["stopped"]),
        ("新增客户", [*CUSTOMER_COLUMNS, ("入网日期", "joined_on", "text"),
                      ("本月（条）", "qty_cartons", "qty"), ("本月金额（元）", "amount", "num")],
         r["new_customers"]),
        ("预警客户", [*CUSTOMER_COLUMNS, ("本月（条）", "qty_cartons", "qty"),
                      (expected, "expected_qty_cartons", "qty"), ("增幅 %", "growth_pct", "pct"),
                      ("同档位平均增幅 %", "band_avg_growth_pct", "pct"),
                      ("预警线 %", "threshold_pct", "pct")], r["warning_customers"]),
        ("大幅下降客户", [*CUSTOMER_COLUMNS, ("本月（条）", "qty_cartons", "qty"),
                          (expected, "expected_qty_cartons", "qty"), ("变化 %", "change_pct", "pct")],
         r["large_declines"]),
        ("逾期未访", [*CUSTOMER_COLUMNS, ("上次访问", "last_visit", "text"),
                      ("应访日期", "due", "text"), ("逾期天数", "days_overdue", "int")],
         r["overdue_visits"]),
        ("存在问题", [("问题", "title", "text"), ("情况", "summary", "text"),
                      ("涉及户数", "count", "int"), ("原因", "cause", "text"),
                      ("对策措施", "measure", "text")], r["problems"]),
        ("问题明细", [("问题", "title", "text"), ("客户编码", "customer_code", "text"),
                      ("客户名称", "customer_name", "text"), ("情况", "detail", "text")],
         flat_problem_rows),
        ("质量投诉", [("编号", "id", "text"), ("受理日期", "created_on", "text"),
                      ("客户编码", "customer_code", "text"), ("客户名称", "customer_name", "text"),
                      ("卷烟", "sku_name", "text"), ("数量（条）", "qty_cartons", "qty1"),
                      ("问题", "problem", "text"), ("状态", "status_label", "text")],
         op["complaints"]["list"]),
        ("客户意见", [("日期", "visit_date", "text"), ("客户编码", "customer_code", "text"),
                      ("客户名称", "customer_name", "text"), ("访问类型", "visit_type", "text"),
                      ("类别", "topics_text", "text"), ("内容", "text", "text")],
         [{**v, "topics_text": "、".join(v["topics"])}
          for v in op["visit_opinions"] + op["special_visits"]]),
        ("客户满意度", [("分组", "group", "text"), ("名称", "name", "text"),
                        ("调查户数", "customers", "int"), ("本轮得分", "score", "num"),
                        ("上一轮", "previous_score", "num"), ("变化", "change", "num")],
         [{"group": g, **row} for g, key in (("调查项目", "by_item"), ("线路", "by_route"),
                                             ("档位分级", "by_band"))
          for row in op.get("satisfaction", {}).get(key, [])]),
        ("次月预测", [("价类", "price_class", "text"), ("预测（条）", "qty_cartons", "qty"),
                      ("预测（箱）", "cases", "num"), ("预测金额（元）", "amount", "num"),
                      ("区间下限（条）", "low", "qty"), ("区间上限（条）", "high", "qty"),
                      ("预测误差", "backtest_wape", "wape"),
                      ("简单方法误差", "naive_wape", "wape")], forecast_rows),
        ("月度趋势", [("月份", "month", "text"), ("销量（条）", "qty_cartons", "qty"),
                      ("销量（箱）", "cases", "num"), ("金额（元）", "amount", "num"),
                      *[(f"{n}占比 %", f"share_{n}", "pct") for n in class_cols]], trend_rows),
    ]


def summary_sheets(s: dict) -> list[tuple[str, list[Column], list[dict]]]:
    cols: list[Column] = [
        ("客户经理", "manager", "text"), ("服务客户", "customers_served", "int"),
        ("订货客户", "ordering_customers", "int"), ("订单数", "orders", "int"),
        ("销量（条）", "qty_cartons", "qty"), ("销量（箱）", "cases", "num"),
        ("金额（元）", "amount", "num"), ("单箱值", "value_per_case", "num"),
        ("环比 %", "mom_qty_pct", "pct"), ("同比 %", "yoy_qty_pct", "pct"),
        ("目标（箱）", "target_cases", "num"), ("完成率 %", "target_rate_pct", "pct"),
        ("断订户数", "stopped", "int"), ("新增户数", "new_customers", "int"),
        ("预警户数", "warning_customers", "int"), ("次月预测（箱）", "forecast_cases", "num"),
        ("预测误差", "forecast_backtest_wape", "wape"),
        ("简单方法误差", "forecast_naive_wape", "wape")]
    total = {**s["total"], "manager": "合计"}
    return [
        ("区域汇总", cols, [*s["managers"], total]),
        ("价类结构", [("价类", "price_class", "text"), ("销量（条）", "qty_cartons", "qty"),
                      ("销量（箱）", "cases", "num"), ("金额（元）", "amount", "num"),
                      ("单箱值", "value_per_case", "num"), ("销量占比 %", "qty_share_pct", "pct")],
         s["by_price_class"]),
    ]


def write_xlsx(sheets: list[tuple[str, list[Column], list[dict]]], path: Path) -> Path:
    """One sheet per table; each prints on A4 at the page width (landscape when its columns
    need it), the header row repeated, the sheet's name above and page numbers below."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from cmgr.render.xlsx_print import PORTRAIT_UNITS, fit_row_heights, print_setup

    wb = Workbook()
    wb.remove(wb.active)
    head_font, head_fill = Font(bold=True, color="FFFFFF"), PatternFill("solid", fgColor="4472C4")
    formats = {"num": "#,##0.00", "qty": "#,##0", "qty1": "#,##0.0", "pct": '0.00"%"',
               "wape": "0.0%", "int": "0"}
    wrap = Alignment(wrap_text=True, vertical="top")
    for name, columns, rows in sheets:
        ws = wb.create_sheet(name)
        append_row(ws, [c[0] for c in columns])
        for cell in ws[1]:
            cell.font, cell.fill = head_font, head_fill
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for row in rows:
            append_row(ws, [_get(row, key) for _, key, _ in columns])
        if not rows:
            append_row(ws, ["无"])
        total = 0
        for j, (header, _key, kind) in enumerate(columns, start=1):
            letter = get_column_letter(j)
            if kind in formats:
                for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.number_format = formats[kind]
            elif kind in ("text", "auto"):
                for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    cell.alignment = wrap
            longest = max([len(str(header)) * 2] + [
                min(40, len(str(c.value)) * (2 if kind in ("text", "auto") else 1) + 2)
                for (c,) in ws.iter_rows(min_row=2, min_col=j, max_col=j) if c.value is not None])
            width = max(8, min(40, longest))
            ws.column_dimensions[letter].width = width
            total += width
        ws.freeze_panes = "A2"
        print_setup(ws, landscape=total > PORTRAIT_UNITS, title_rows="1:1", page_header="&A")
        fit_row_heights(ws, 1)
    return save_workbook(wb, path)


def _network_rows(kpi: dict | None) -> list[tuple[str, object]]:
    """The 网建 figures of cmgr.core.kpi (the report's network.kpi) for the 概况 sheet."""
    if not kpi:
        return []
    return [("订货户数", kpi["ordering_customers"]), ("订货率 %", kpi["order_rate_pct"]),
            ("电子结算率（按金额）%", kpi["settlement_amount_pct"]),
            ("电子结算率（按笔数）%", kpi["settlement_count_pct"]),
            ("电结户占比 %", kpi["esettle_customers_pct"]),
            ("销量完成率 %", kpi["completion_pct"]),
            ("拜访完成率 %", kpi["visit_completion_pct"])]
