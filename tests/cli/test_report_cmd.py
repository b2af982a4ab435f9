"""`cmgr monthly-report`: every format opens and holds the figures; errors are one line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cmgr.cli.app import app
from cmgr.store.db import open_database
from tests.core.test_monthly import MANAGER, MONTH, OTHER, build_fixture

runner = CliRunner()


@pytest.fixture
def city(tmp_path):
    """The fixture database at the path the CLI uses (CMGR_DB, set by conftest)."""
    db = open_database(os.environ["CMGR_DB"])
    build_fixture(db)
    db.close()
    return tmp_path


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def report_json(manager: str = MANAGER) -> dict:
    result = run("monthly-report", "--manager", manager, "--month", MONTH, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_json_has_the_documented_keys_and_types(city):
    r = report_json()
    for key in ("month", "manager", "due_date", "qty_cartons", "cases", "amount",
                "value_per_case", "mom", "yoy", "by_price_class", "by_grade_band", "top_skus",
                "growing", "falling", "stopped", "new_customers", "problems", "opinions",
                "forecast"):
        assert key in r, key
    assert r["month"] == MONTH and r["manager"] == MANAGER
    assert r["due_date"] == "2026-12-07"  # Dec 5 2026 is a Saturday
    for key in ("qty_cartons", "cases", "amount", "value_per_case"):
        assert isinstance(r[key], float)
    for key in ("mom", "yoy"):
        assert set(r[key]) >= {"base_month", "qty_cartons", "amount", "qty_cartons_pct",
                               "amount_pct"}
    for key in ("growing", "falling", "stopped", "new_customers"):
        for item in r[key]:
            assert isinstance(item["customer_code"], str) and "customer_name" in item
    assert set(r["forecast"]) >= {"qty_cartons", "cases", "amount", "low", "high", "method",
                                  "backtest_wape", "naive_wape"}
    assert isinstance(r["forecast"]["method"], str)
    assert all(isinstance(p["title"], str) and "cause_text" in p for p in r["problems"])


def test_due_date_printed_and_late_warning(city):
    result = run("monthly-report", "--manager", MANAGER, "--month", "2026-01", "--format", "json")
    assert result.exit_code == 0
    assert "2026-02-05" in result.stderr
    assert "已过上交期限" in result.stderr  # the tests run after February 2026
    assert json.loads(result.stdout)["due_date"] == "2026-02-05"


def test_xlsx_has_every_table_on_its_own_sheet(city, tmp_path):
    import openpyxl

    out = tmp_path / "r.xlsx"
    result = run("monthly-report", "--manager", MANAGER, "--month", MONTH, "--format", "xlsx",
                 "--out", str(out))
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out, read_only=True)
    for sheet in ("概况", "价类结构", "档位结构", "卷烟前十", "增长客户", "下降客户", "断订客户",
                  "新增客户", "预警客户", "存在问题", "质量投诉", "客户意见", "次月预测", "月度趋势"):
        assert sheet in wb.sheetnames
    r = report_json()
    overview = {row[0]: row[1] for row in wb["概况"].iter_rows(min_row=2, values_only=True)}
    assert overview["销量（条）"] == pytest.approx(r["qty_cartons"])
    assert overview["金额（元）"] == pytest.approx(r["amount"])
    stopped = [row[0] for row in wb["断订客户"].iter_rows(min_row=2, values_only=True)]
    assert stopped == [s["customer_code"] for s in r["stopped"]]
    trend = list(wb["月度趋势"].iter_rows(min_row=2, values_only=True))
    assert len(trend) == 13 and trend[-1][0] == MONTH


def test_html_parses_with_charts_as_text(city, tmp_path):
    out = tmp_path / "r.html"
    result = run("monthly-report", "--manager", MANAGER, "--month", MONTH, "--format", "html",
                 "--out", str(out))
    assert result.exit_code == 0, result.output

    class Collect(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tags, self.text, self.svg_text = [], [], []
            self._in_svg_text = False

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)
            self._in_svg_text = tag == "text" or (self._in_svg_text and tag == "tspan")

        def handle_endtag(self, tag):
            if tag == "text":
                self._in_svg_text = False

        def handle_data(self, data):
            self.text.append(data)
            if self._in_svg_text:
                self.svg_text.append(data)

    parser = Collect()
    parser.feed(out.read_text(encoding="utf-8"))
    text = "".join(parser.text)
    assert parser.tags.count("svg") == 2
    assert any("近13个月" in t for t in parser.svg_text)  # chart labels kept as text
    for heading in ("一、上月所服务客户的整体销售情况分析", "二、上月所服务客户销售中存在的问题",
                    "三、上月所服务客户对商品质量和服务提出的主要意见和建议", "四、次月"):
        assert heading in text
    r = report_json()
    assert f"{r['qty_cartons']:,.0f}" in text and "@page" in text


def test_md_writes_charts_beside_it(city, tmp_path):
    out = tmp_path / "r.md"
    result = run("monthly-report", "--manager", MANAGER, "--month", MONTH, "--format", "md",
                 "--out", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "](r.trend.svg)" in text and (tmp_path / "r.trend.svg").exists()
    assert "## 四、次月" in text


@pytest.fixture
def docx_report(city, tmp_path):
    out = tmp_path / "r.docx"
    result = run("monthly-report", "--manager", MANAGER, "--month", MONTH, "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


def test_docx_reads_back(docx_report):
    from docx import Document

    doc = Document(str(docx_report))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert "客户月度销售情况分析报告" in text and MANAGER in text
    assert "二、上月所服务客户销售中存在的问题、产生原因及对策措施" in text
    assert "{{" not in text + cells and "{%" not in text + cells
    r = report_json()
    assert f"{r['qty_cartons']:,.0f}" in cells
    assert r["top_skus"][0]["sku_name"] in cells
    section = doc.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    assert len(doc.inline_shapes) == 2  # the two charts


def test_docx_converts_to_pdf_with_libreoffice(docx_report, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        reason = "LibreOffice (soffice) is not installed: docx -> PDF check skipped"
        print(reason)
        pytest.skip(reason)
    result = subprocess.run([soffice, "--headless", "--convert-to", "pdf", "--outdir",
                             str(tmp_path / "pdf"), str(docx_report)],
                            capture_output=True, timeout=120,
                            env={**os.environ, "HOME": str(tmp_path)})
    pdf = tmp_path / "pdf" / "r.pdf"
    assert result.returncode == 0 and pdf.exists(), result.stderr
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 10_000


def test_all_writes_each_manager_and_the_summary(city, tmp_path):
    result = run("monthly-report", "--all", "--month", MONTH, "--format", "json",
                 "--out", str(tmp_path / "{manager}-{month}.json"))
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.glob("*.json"))
    assert names == sorted([f"{MANAGER}-{MONTH}.json", f"{OTHER}-{MONTH}.json",
                            f"区域汇总-{MONTH}.json"])
    summary = json.loads((tmp_path / f"区域汇总-{MONTH}.json").read_text(encoding="utf-8"))
    mine = json.loads((tmp_path / f"{MANAGER}-{MONTH}.json").read_text(encoding="utf-8"))
    row = next(m for m in summary["managers"] if m["manager"] == MANAGER)
    assert row["cases"] == mine["cases"]
    assert summary["unassigned"]["customers"] == 1  # X99 is not in the roster


def test_all_docx_summary_reads_back(city, tmp_path):
    from docx import Document

    result = run("monthly-report", "--all", "--month", MONTH, "--format", "docx",
                 "--out", str(tmp_path / "{manager}.docx"))
    assert result.exit_code == 0, result.output
    doc = Document(str(tmp_path / "区域汇总.docx"))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert MANAGER in cells and OTHER in cells and "合计" in cells


def test_usage_errors_are_one_line(city, tmp_path):
    result = run("monthly-report", "--manager", "王五", "--month", MONTH)
    assert result.exit_code == 2 and "王五" in result.stderr and "Traceback" not in result.output
    result = run("monthly-report", "--month", MONTH)
    assert result.exit_code == 2 and "--manager" in result.stderr
    result = run("monthly-report", "--all", "--month", MONTH, "--out", str(tmp_path / "x.docx"))
    assert result.exit_code == 2 and "{manager}" in result.stderr
    result = run("monthly-report", "--manager", MANAGER, "--month", "2027-03")
    assert result.exit_code == 2 and "数据库中没有 2027-03 的订单" in result.stderr
    result = run("monthly-report", "--manager", MANAGER, "--month", "2026-15")
    assert result.exit_code == 2 and "不是月份" in result.stderr


def test_a_monthly_report_error_reads_in_english_with_lang_en(city, monkeypatch):
    from cmgr import i18n

    monkeypatch.setattr(i18n, "_language", i18n.language())  # restored after the test
    result = run("--lang", "en", "monthly-report", "--manager", MANAGER, "--month", "2027-03")
    assert result.exit_code == 2
    assert "no orders for 2027-03 in the database: the orders end on 2026-11-24" in result.stderr
    assert "import that month's order exports, or choose another --month" in result.stderr


def test_notes_file_is_merged_and_errors_name_the_line(city, tmp_path):
    notes = tmp_path / "notes.md"
    notes.write_text("## 断订客户\n原因：店面装修。\n对策：装修后回访恢复订货。\n", encoding="utf-8")
    result = run("monthly-report", "--manager", MANAGER, "--month", MONTH, "--format", "json",
                 "--notes", str(notes))
    assert result.exit_code == 0, result.output
    stopped = next(p for p in json.loads(result.stdout)["problems"] if p["key"] == "stopped")
    assert stopped["measure"] == "装修后回访恢复订货。"
    notes.write_text("## 断订客户\n原因：x\n## 天气\n", encoding="utf-8")
    result = run("monthly-report", "--manager", MANAGER, "--month", MONTH, "--format", "json",
                 "--notes", str(notes))
    assert result.exit_code == 2 and "第 3 行" in result.stderr and "天气" in result.stderr


def test_user_template_overrides_and_errors_name_template_and_line(city, tmp_path):
    user = tmp_path / "tpl"
    user.mkdir()
    (user / "monthly_report.md").write_text("# 自定义 {{ r.manager }}\n\n{{ r.no_such_key }}\n",
                                            encoding="utf-8")
    cfg = tmp_path / "cfg.toml"
    cfg.write_text(f'[templates]\ndir = "{user}"\n', encoding="utf-8")
    result = run("--config", str(cfg), "monthly-report", "--manager", MANAGER, "--month", MONTH,
                 "--format", "md", "--out", str(tmp_path / "x.md"))
    assert result.exit_code == 2
    assert "monthly_report.md" in result.stderr and "第 3 行" in result.stderr
    (user / "monthly_report.md").write_text("# 自定义 {{ r.manager }}\n", encoding="utf-8")
    result = run("--config", str(cfg), "monthly-report", "--manager", MANAGER, "--month", MONTH,
                 "--format", "md", "--out", str(tmp_path / "x.md"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "x.md").read_text(encoding="utf-8") == f"# 自定义 {MANAGER}\n"


def test_demo_month_is_the_last_complete_month():
    from cmgr.cli.report_cmd import demo_month

    assert demo_month("2026-11-27") == "2026-10"
    assert demo_month("2026-11-30") == "2026-11"
    assert demo_month("2026-01-05") == "2025-12"


# --- part b written in Word -------------------------------------------------------------------

TOOL_WORDS = ("--notes", "--from", "cmgr", "json", "xlsx", "WAPE", "回测", "(combination)",
              "(seasonal naive)", "naive", "待填写")


def _document_text(path: Path) -> tuple[str, list]:
    from docx import Document

    doc = Document(str(path))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    return text + "\n" + cells, doc


def _heading_index(doc, title: str) -> int:
    return next(i for i, p in enumerate(doc.paragraphs)
                if p.style.name.startswith("Heading") and p.text.endswith(title))


def test_causes_written_in_word_are_kept_when_the_report_is_made_again(docx_report, tmp_path):
    """Edit the docx as a user would (python-docx standing in for Word): type over the grey
    hints under 断订客户, press Enter for a second paragraph, fill 其他问题; regenerate with
    --from; the text is in the new document and in its json."""
    from docx import Document

    from cmgr.core.monthly import CAUSE_HINT, MEASURE_HINT, OTHER_HINT

    doc = Document(str(docx_report))
    start = _heading_index(doc, "断订客户")
    cause = next(p for p in doc.paragraphs[start:] if p.text.startswith("原因："))
    measure = next(p for p in doc.paragraphs[start:] if p.text.startswith("对策措施："))
    assert cause.text == "原因：" + CAUSE_HINT and measure.text == "对策措施：" + MEASURE_HINT
    assert cause.runs[-1].font.color.rgb is not None          # the hint is grey
    cause.runs[-1].text = "C08 店主生病住院，"                 # typed over the hint
    cause.add_run("店面暂停营业。")
    measure.runs[-1].text = "电话联系店主家属，"
    paragraphs = doc.paragraphs
    follow = paragraphs[next(i for i, q in enumerate(paragraphs) if q._p is measure._p) + 1]
    follow.insert_paragraph_before("出院后上门回访，恢复订货。")  # Enter, a second paragraph
    other = next(p for p in doc.paragraphs if p.text.startswith("其他问题及说明："))
    assert other.text.endswith(OTHER_HINT)
    other.runs[-1].text = "本月配送车辆调整，部分线路送货推迟一天。"
    edited = tmp_path / "edited.docx"
    doc.save(str(edited))

    again = tmp_path / "again.docx"
    result = run("monthly-report", "--manager", MANAGER, "--month", MONTH, "--from",
                 str(edited), "--out", str(again))
    assert result.exit_code == 0, result.output
    text, new = _document_text(again)
    assert "原因：C08 店主生病住院，店面暂停营业。" in text
    assert "对策措施：电话联系店主家属，\n出院后上门回访，恢复订货。" in text
    assert "本月配送车辆调整，部分线路送货推迟一天。" in text and OTHER_HINT not in text
    # The other problems still show their hints, and the json says the same.
    assert CAUSE_HINT in text
    result = run("monthly-report", "--manager", MANAGER, "--month", MONTH, "--from",
                 str(edited), "--format", "json")
    r = json.loads(result.stdout)
    stopped = next(p for p in r["problems"] if p["key"] == "stopped")
    assert stopped["cause"] == "C08 店主生病住院，店面暂停营业。"
    assert stopped["measure"] == "电话联系店主家属，\n出院后上门回访，恢复订货。"
    assert r["notes"]["other"] == ["本月配送车辆调整，部分线路送货推迟一天。"]


def test_from_a_file_that_is_not_a_docx_is_one_line(city, tmp_path):
    bad = tmp_path / "notes.docx"
    bad.write_text("not a word file", encoding="utf-8")
    result = runner.invoke(app, ["monthly-report", "--manager", MANAGER, "--month", MONTH,
                                 "--from", str(bad), "--out", str(tmp_path / "x.docx")])
    assert result.exit_code != 0
    assert "Traceback" not in result.output and "notes.docx" in result.output


def test_the_document_has_no_tool_words_and_no_empty_table(docx_report):
    text, doc = _document_text(docx_report)
    for word in TOOL_WORDS:
        assert word not in text, word
    # A table with only its header row is followed by a "无" (or a sentence saying none).
    body = doc.element.body
    children = list(body.iterchildren())
    for i, child in enumerate(children):
        if child.tag.endswith("}tbl") and len(child.findall(
                "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tr")) == 1:
            following = "".join(children[i + 1].itertext()) if i + 1 < len(children) else ""
            assert following.strip().startswith("无") or "无" in following, following


def test_satisfaction_by_item_route_and_band_against_the_previous_round(city, tmp_path):
    import random

    from tests.conftest import write_xlsx

    rng = random.Random(3)
    rows = [["调查轮次", "调查日期", "客户编码", "调查项目", "得分"]]
    scores = {}
    for rnd, day in (("2026年第二季度", "2026-06-20"), ("2026年第三季度", "2026-09-20")):
        for n in range(1, 11):
            for item in ("服务态度", "送货及时性", "货源满足"):
                score = 55.0 if (n == 4 and rnd.endswith("三季度")) else float(rng.randint(70, 100))
                rows.append([rnd, day, f"C{n:02d}", item, score])
                scores[rnd, f"C{n:02d}", item] = score
    path = write_xlsx(tmp_path / "满意度.xlsx", rows)
    result = run("import", "survey", str(path))
    assert result.exit_code == 0, result.output
    sat = report_json()["opinions"]["satisfaction"]
    assert sat["round"] == "2026年第三季度" and sat["previous_round"] == "2026年第二季度"
    for row in sat["by_item"]:
        now = [v for (r, _, i), v in scores.items() if r.endswith("三季度") and i == row["name"]]
        was = [v for (r, _, i), v in scores.items() if r.endswith("二季度") and i == row["name"]]
        assert row["score"] == pytest.approx(sum(now) / len(now), abs=0.01)
        assert row["change"] == pytest.approx(sum(now) / len(now) - sum(was) / len(was), abs=0.02)
    assert sat["lowest_customers"][0]["customer_code"] == "C04" and sat["low_customers"] == 1
    assert {r["name"] for r in sat["by_band"]} and sat["by_route"]
    out = tmp_path / "sat.docx"
    assert run("monthly-report", "--manager", MANAGER, "--month", MONTH, "--out",
               str(out)).exit_code == 0
    text, _ = _document_text(out)
    assert "2026年第三季度调查 10 户" in text and "客户C04" in text


def test_the_format_is_told_from_the_out_suffix(city, tmp_path):
    import openpyxl

    out = tmp_path / "r.xlsx"
    result = run("monthly-report", "--manager", MANAGER, "--month", MONTH, "--out", str(out))
    assert result.exit_code == 0, result.output
    openpyxl.load_workbook(out)  # an xlsx, not a docx under an xlsx name
    out = tmp_path / "r.html"
    assert run("monthly-report", "--manager", MANAGER, "--month", MONTH, "--out",
               str(out)).exit_code == 0
    assert "<html" in out.read_text(encoding="utf-8")[:500].lower()
    result = run("monthly-report", "--manager", MANAGER, "--month", MONTH, "--out",
                 str(tmp_path / "r.pdf"))
    assert result.exit_code == 2 and ".pdf" in result.stderr
