"""Flag outputs: the list (JSON records, CSV, xlsx) and the escalation report for the area market
manager, 《价格违规及无证经营情况报告》 (HTML from templates/flag_report.html, xlsx, docx).

Only `cmgr flag` and its demo step import this; openpyxl and python-docx load inside the
writers that need them.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from cmgr.core.flag_engine import KIND_LABELS, SOURCE_LABELS, subkind_label
from cmgr.domain import FLAG_STATUS_LABELS, flag_status_label
from cmgr.inert_text import CONTROL_CHARS

# `cmgr flag --format json`: these keys, in this order (docs/flags.md).
JSON_KEYS = ("id", "kind", "subkind", "source", "visit_id", "visit_date", "customer_code",
             "customer_name", "manager", "matched", "rule", "note", "observed_price",
             "reference_price", "deviation", "deviation_pct", "status", "suggest_close",
             "flag_ids", "evidence", "changed_by")

# The list as a person reads it (table and xlsx): key, header.
LIST_COLUMNS = (
    ("id", "编号"), ("status", "状态"), ("kind", "类型"), ("subkind", "问题"), ("source", "来源"),
    ("visit_date", "日期"), ("visit_id", "访问编号"), ("customer_code", "客户编码"),
    ("customer_name", "客户名称"), ("manager", "客户经理"), ("matched", "命中内容"),
    ("suggest_close", "建议办结"),
    ("observed_price", "实际零售价(元/条)"), ("reference_price", "参考价(元/条)"),
    ("deviation", "偏离(元)"), ("deviation_pct", "偏离(%)"), ("rule", "依据"), ("note", "访问内容"),
)

REPORT_TITLE = "价格违规及无证经营情况报告"
EXCERPT_CHARS = 40  # of note on each side of the matched phrase


def flag_record(row: dict) -> dict:
    return {k: row.get(k) for k in JSON_KEYS}


def display_value(key: str, value):
    """A list cell for people: Chinese labels for the coded columns."""
    if value is None:
        return ""
    if key == "status":
        return flag_status_label(value)
    if key == "kind":
        return KIND_LABELS.get(value, value)
    if key == "subkind":
        return subkind_label(value)
    if key == "source":
        return SOURCE_LABELS.get(value, value)
    if key == "rule":  # "roster.license_missing: 正常经营客户无许可证号…": the words, not the id
        # (a case of two flags carries both rules, joined by "；")
        return "；".join(part.partition(": ")[2] or part for part in str(value).split("；"))
    return value


def flags_csv(rows: list[dict]) -> str:
    """The list as CSV with the JSON keys as header (for scripts; codes, not labels)."""
    buf = io.StringIO()
    from cmgr.inert_text import csv_writer

    out = csv_writer(buf, lineterminator="\n")
    # A case's evidence is in the columns already (phrases and figures joined); its flags'
    # ids are one cell, "3;4".
    keys = [k for k in JSON_KEYS if k != "evidence"]
    out.writerow(keys)
    for row in rows:
        out.writerow([";".join(map(str, row.get(k) or ())) if k == "flag_ids"
                      else "" if row.get(k) is None else row.get(k) for k in keys])
    return buf.getvalue()


def write_flags_xlsx(rows: list[dict], path: str | Path) -> Path:
    """The list as one worksheet, Chinese headers, for the manager to filter in Excel; prints
    landscape on A4 at the page width, the header repeated."""
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill

    from cmgr.render.output import save_workbook
    from cmgr.render.xlsx_print import fit_row_heights, print_setup

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "违规标记"
    ws.append([header for _, header in LIST_COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="4472C4")
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for row in rows:
        _append(ws, [_case_ids(row) if k == "id" else display_value(k, row.get(k))
                     for k, _ in LIST_COLUMNS])
    if not rows:
        ws.append(["无"])
    # About 190 units: landscape A4 at about 72 %, so the printed text stays near 8 pt.
    widths = {"id": 7, "status": 6, "kind": 7, "subkind": 12, "source": 7, "visit_date": 11,
              "visit_id": 16, "customer_code": 14, "customer_name": 14, "manager": 7,
              "matched": 16, "observed_price": 8, "reference_price": 8, "deviation": 7,
              "deviation_pct": 7, "rule": 16, "note": 32}
    wrap = Alignment(wrap_text=True, vertical="top")
    for i, (key, _) in enumerate(LIST_COLUMNS, start=1):
        ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width = widths.get(key, 11)
    for r in ws.iter_rows(min_row=2):
        for cell in r:
            cell.alignment = wrap
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    print_setup(ws, landscape=True, title_rows="1:1")
    fit_row_heights(ws, 1)
    return save_workbook(wb, path)


def _case_ids(row: dict):
    """The 编号 cell: a case of several flags shows them all (12、13), one flag its id."""
    ids = row.get("flag_ids") or [row.get("id")]
    return "、".join(map(str, ids)) if len(ids) > 1 else ids[0]


def xml_safe(text: str) -> str:
    """Text without the control characters XML (xlsx, docx) cannot hold (inert_text's set); a
    note pasted from another program sometimes carries a vertical tab (Excel's line break) or a
    bell: a space keeps the words apart in an escalation document."""
    return CONTROL_CHARS.sub(" ", text)


def _cell(value):
    return xml_safe(value) if isinstance(value, str) else value


def _append(ws, values: list) -> None:
    """Append a row; a note that starts with "=" stays text, never becomes a formula."""
    ws.append([_cell(v) for v in values])
    for cell in ws[ws.max_row]:
        if cell.data_type == "f":
            cell.data_type = "s"


# ---------------------------------------------------------------------------
# The escalation report


def excerpt(note: str | None, matched: str | None, width: int = EXCERPT_CHARS) -> dict:
    """The note around the matched phrase: {before, matched, after} (plain text; the template
    escapes it and marks `matched`). Without the phrase in the note: the note's start."""
    text = (note or "").strip()
    if not text:
        return {"before": "", "matched": "", "after": ""}
    pos = text.find(matched) if matched else -1
    if pos < 0:
        short = text if len(text) <= 2 * width else text[:2 * width] + "…"
        return {"before": short, "matched": "", "after": ""}
    start, end = pos, pos + len(matched)
    before = text[max(0, start - width):start]
    after = text[end:end + width]
    return {"before": ("…" if start > width else "") + before, "matched": matched,
            "after": after + ("…" if end + width < len(text) else "")}


def referral_status(flags: list[dict], events: dict[int, dict]) -> str:
    """Where the case stands with the area manager and 专卖, from its flags' states."""
    statuses = {f["status"] for f in flags}
    last = [events[f["id"]] for f in flags if f["id"] in events]
    text = next((e["text"] for e in reversed(last) if e.get("text")), None)
    if "closed" in statuses and statuses <= {"closed", "dismissed"}:
        return FLAG_STATUS_LABELS["closed"] + (f"：{text}" if text else "")
    if "reported" in statuses:
        who = next((e for e in reversed(last) if e["action"] == "report"), None)
        when = f"{who['at'][:10]} " if who else ""
        return (f"{when}{FLAG_STATUS_LABELS['reported']}区域市场经理"
                + (f"：{text}" if text else "，待转专卖处理"))
    if statuses == {"dismissed"}:
        return FLAG_STATUS_LABELS["dismissed"] + (f"：{text}" if text else "")
    return FLAG_STATUS_LABELS["new"]


def cigarette_label(flag: dict) -> str:
    """The visit's 检查品规 as the price list names it: 利群(新版)（6901016302772） for a code the
    list knows, the text as written otherwise."""
    checked = (flag.get("checked_sku") or "").strip()
    name = (flag.get("checked_sku_name") or "").strip()
    if name and name != checked:
        return f"{name}（{checked}）"
    return checked


def report_context(flags: list[dict], events: dict[int, dict], *, since: str | None,
                   until: str | None, manager: str | None, generated: date | None = None) -> dict:
    """What templates/flag_report.html sees (documented in docs/flags.md).

    One row per visit and kind (a note flag and an observed-price flag of one visit are one
    case); roster flags are rows of their own.
    """
    generated = generated or date.today()
    groups: dict[tuple, list[dict]] = {}
    for f in flags:
        groups.setdefault((f["kind"], f["visit_key"] if f["source"] != "roster" else f["flag_key"]),
                          []).append(f)
    price_rows, unlicensed_rows = [], []
    for (kind, _), members in groups.items():
        members.sort(key=lambda f: (f["source"] != "observed_price", f["id"]))
        first = members[0]
        observed = next((f for f in members if f["source"] == "observed_price"), None)
        noted = next((f for f in members if f["source"] == "note"), None)
        base = {
            "ids": [f["id"] for f in members],
            "id_text": "、".join(str(f["id"]) for f in members),
            "date": first["visit_date"] or "",
            "visit_id": first.get("visit_id") or "",
            "customer_code": first.get("customer_code") or "",
            "customer_name": first.get("customer_name") or "",
            "license_no": first.get("license_no") or "",
            "address": first.get("address") or "",
            "manager": first.get("manager") or "",
            "problems": "、".join(dict.fromkeys(subkind_label(f["subkind"]) for f in members)),
            "sources": "、".join(dict.fromkeys(SOURCE_LABELS.get(f["source"], f["source"])
                                              for f in members)),
            "status": "、".join(dict.fromkeys(flag_status_label(f["status"])
                                             for f in members)),
            "referral": referral_status(members, events),
        }
        if noted is not None:
            base["excerpt"] = excerpt(noted.get("note"), noted.get("matched"))
        elif first["source"] == "roster":
            base["excerpt"] = {"before": first.get("matched") or "", "matched": "", "after": ""}
        else:
            base["excerpt"] = excerpt(first.get("note"), None)
        if kind == "price":
            base.update({
                "cigarette": cigarette_label(observed) if observed else "",
                "observed_price": observed["observed_price"] if observed else None,
                "reference_price": observed["reference_price"] if observed else None,
                "reference_label": ("零售指导价" if observed and observed["subkind"] == "above_guide"
                                    else "最低零售价" if observed else ""),
                "deviation": observed["deviation"] if observed else None,
                "deviation_pct": observed["deviation_pct"] if observed else None,
                "action": "降级处理",
            })
            price_rows.append(base)
        else:
            tip = any(f["subkind"] == "tip_other_outlet" for f in members)
            base.update({
                "place": (f"{base['address'] or base['customer_name']}附近（{base['customer_name']}周边线索）"
                          if tip else f"{base['customer_name']} {base['address']}".strip()),
                "tip": tip,
                "action": "移交专卖管理部门",
            })
            unlicensed_rows.append(base)
    for rows in (price_rows, unlicensed_rows):
        rows.sort(key=lambda r: (r["date"], r["customer_code"], r["ids"][0]))
        for i, r in enumerate(rows, start=1):
            r["no"] = i
    period = _period_text(since, until, flags)
    return {
        "title": REPORT_TITLE,
        "manager": manager or "、".join(sorted({f["manager"] for f in flags if f.get("manager")})) or "",
        "period": period,
        "since": since, "until": until,
        "generated": generated.isoformat(),
        "price_rows": price_rows,
        "unlicensed_rows": unlicensed_rows,
        "counts": {
            "price_cases": len(price_rows),
            "price_customers": len({r["customer_code"] for r in price_rows}),
            "unlicensed_cases": len(unlicensed_rows),
            "flags": len(flags),
        },
    }


def _period_text(since: str | None, until: str | None, flags: list[dict]) -> str:
    days = sorted(f["visit_date"] for f in flags if f.get("visit_date"))
    first = since or (days[0] if days else None)
    last = until or (days[-1] if days else None)
    if not first and not last:
        return ""
    from cmgr.render.templates import date_cn

    return f"{date_cn(first)} 至 {date_cn(last)}" if first and last else date_cn(first or last)


def write_report(fmt: str, context: dict, path: str | Path, *, user_dir: str | None = None) -> Path:
    if fmt == "html":
        from cmgr.fileio import write_text
        from cmgr.render.templates import render

        return write_text(path, render("flag_report.html", {"r": context}, user_dir=user_dir))
    if fmt == "xlsx":
        return _report_xlsx(context, path)
    if fmt == "docx":
        return _report_docx(context, path)
    raise ValueError(f"unknown report format {fmt!r}")


# key, header, xlsx width (Excel units): the workbook keeps one value per column, to filter.
_PRICE_COLUMNS = (
    ("no", "序号", 5), ("customer_name", "客户名称", 16), ("customer_code", "客户编码", 14),
    ("license_no", "许可证号", 14), ("date", "日期", 11), ("cigarette", "检查品规", 24),
    ("observed_price", "实际零售价(元/条)", 10), ("reference_price", "参考价(元/条)", 10),
    ("reference_label", "参考价类别", 10), ("deviation", "偏离(元)", 8), ("deviation_pct", "偏离(%)", 8),
    ("problems", "问题", 14), ("excerpt", "访问记录摘录", 40), ("action", "建议处理", 9),
    ("referral", "处理状态", 14), ("id_text", "标记编号", 8),
)
_UNLICENSED_COLUMNS = (
    ("no", "序号", 5), ("place", "经营场所/地址", 28), ("customer_name", "走访客户", 16),
    ("date", "日期", 11), ("problems", "问题", 16), ("excerpt", "情况描述", 48),
    ("referral", "专卖移交状态", 18), ("id_text", "标记编号", 8),
)
# The printed report (docx) as the html shows it: header, width in mm of the 267 mm landscape
# text width, and the keys shown in the cell (the second and later ones on their own line).
_PRICE_DOCX = (
    ("序号", 8, ("no",)), ("客户", 32, ("customer_name", "customer_code")),
    ("许可证号", 28, ("license_no",)), ("日期", 23, ("date",)), ("检查品规", 27, ("cigarette",)),
    ("实际零售价(元/条)", 15, ("observed_price",)),
    ("参考价(元/条)", 18, ("reference_price", "reference_label")),
    ("偏离", 19, ("deviation", "deviation_pct")), ("问题", 17, ("problems",)),
    ("访问记录摘录", 42, ("excerpt",)), ("建议处理", 11, ("action",)),
    ("状态", 21, ("referral", "id_text")),
)
_UNLICENSED_DOCX = (
    ("序号", 8, ("no",)), ("经营场所/地址", 50, ("place", "customer_code")), ("日期", 23, ("date",)),
    ("问题", 30, ("problems", "sources")), ("情况描述", 116, ("excerpt",)),
    ("专卖移交状态", 35, ("referral", "id_text")),
)


def _plain(value) -> str | float | None:
    if isinstance(value, dict):  # an excerpt
        return f"{value['before']}【{value['matched']}】{value['after']}" if value["matched"] \
            else value["before"]
    return value


def _report_xlsx(context: dict, path: str | Path) -> Path:
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill

    from cmgr.render.output import save_workbook
    from cmgr.render.xlsx_print import fit_row_heights, print_setup

    wb = openpyxl.Workbook()
    sheets = (("价格违规", _PRICE_COLUMNS, context["price_rows"]),
              ("无证经营", _UNLICENSED_COLUMNS, context["unlicensed_rows"]))
    for index, (title, columns, rows) in enumerate(sheets):
        ws = wb.active if index == 0 else wb.create_sheet()
        ws.title = title
        _append(ws, [f"{context['title']}（{title}）"])
        _append(ws, [f"客户经理：{context['manager']}　期间：{context['period']}　"
                     f"报送：区域市场经理　制表日期：{context['generated']}"])
        ws.append([h for _, h, _ in columns])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
        ws["A1"].font = Font(bold=True, size=14)
        for cell in ws[3]:
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = PatternFill("solid", fgColor="4472C4")
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for row in rows:
            _append(ws, [_plain(row.get(k)) for k, _, _ in columns])
        if not rows:
            ws.append(["无"])
        for i, (_, _, width) in enumerate(columns, start=1):
            ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width = width
        for r in ws.iter_rows(min_row=4):
            for cell in r:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.freeze_panes = "A4"
        print_setup(ws, landscape=True, title_rows="3:3")
        fit_row_heights(ws, 3)
    return save_workbook(wb, path)


def _report_docx(context: dict, path: str | Path) -> Path:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
    from docx.shared import Pt

    from cmgr.fileio import atomic_path
    from cmgr.render import docx_print

    doc = Document()
    section = doc.sections[0]
    docx_print.page_setup(section, landscape=True, margin_mm=15)
    docx_print.page_number_footer(section)
    style = doc.styles["Normal"]
    style.font.size = Pt(8)
    style.paragraph_format.space_after = Pt(0)
    title = doc.add_heading(context["title"], level=1)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.add_paragraph(xml_safe(f"客户经理：{context['manager']}　期间：{context['period']}　"
                               f"报送：区域市场经理　制表日期：{context['generated']}"))
    counts = context["counts"]
    doc.add_paragraph(f"本期发现价格违规 {counts['price_cases']} 起（涉及 {counts['price_customers']} 户），"
                      f"无证经营 {counts['unlicensed_cases']} 起。价格违规建议按规定降级处理；"
                      "无证经营请转专卖管理部门查处，处理结果反馈卷烟经营部门。")
    for heading, columns, rows in (
            ("一、价格违规", _PRICE_DOCX, context["price_rows"]),
            ("二、无证经营", _UNLICENSED_DOCX, context["unlicensed_rows"])):
        doc.add_heading(heading, level=2)
        if not rows:
            doc.add_paragraph("无。")
            continue
        table = doc.add_table(rows=1, cols=len(columns))
        table.style = "Table Grid"
        header = table.rows[0]
        docx_print.repeat_header(header)
        for cell, (name, _, _) in zip(header.cells, columns, strict=True):
            cell.text = name
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
            for run in cell.paragraphs[0].runs:
                run.bold = True
        for row in rows:
            table_row = table.add_row()
            docx_print.keep_row_together(table_row)
            for cell, (_, _, keys) in zip(table_row.cells, columns, strict=True):
                para = cell.paragraphs[0]
                for n, key in enumerate(keys):
                    value = row.get(key)
                    if n:
                        text = _docx_text(key, value)
                        if not text or text == "—":
                            continue
                        para = cell.add_paragraph()
                        run = para.add_run(xml_safe(("标记 " if key == "id_text" else "") + text))
                        run.font.size = Pt(7.5)
                    elif isinstance(value, dict):  # the excerpt, its phrase highlighted
                        para.add_run(xml_safe(value["before"]))
                        if value["matched"]:
                            mark = para.add_run(xml_safe(value["matched"]))
                            mark.bold = True
                            mark.font.highlight_color = WD_COLOR_INDEX.YELLOW
                        para.add_run(xml_safe(value["after"]))
                    else:
                        para.add_run(xml_safe(_docx_text(key, value)))
        docx_print.column_widths(table, [w for _, w, _ in columns])
    doc.add_paragraph()
    doc.add_paragraph("客户经理（签字）：　　　　　　　　区域市场经理（签字）：　　　　　　　　日期：")
    with atomic_path(path) as tmp:
        doc.save(str(tmp))
    return Path(path)


def _docx_text(key: str, value) -> str:
    if value is None or value == "":
        return "—" if key in ("observed_price", "reference_price", "deviation", "deviation_pct") else ""
    if key == "deviation_pct":
        return f"{value:+.2f}%"
    if key == "deviation":
        return f"{value:+.2f}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)
