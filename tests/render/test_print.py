"""Every document of the demo territory printed as a reader prints it: html through headless
Chromium (--print-to-pdf), docx and xlsx through LibreOffice (--convert-to pdf), then read back
with poppler (pdfinfo, pdftotext -bbox, pdffonts).

Checked per document: the page count within its budget, no two words printed over each other,
a CJK font embedded and the title's Chinese present (no boxes), page numbers, no internal words
on paper; for the workbooks, each wrapped cell's row tall enough for its lines.

Skipped, with the reason, when the browser, the office suite or poppler is missing (.ci/run
installs them from Debian's packages). The rendering takes about 40 s; the module is marked
slow. `CMGR_PRINT_IMAGES=docs/img pytest tests/render/test_print.py` also writes a PNG of each
document's first page and pages.txt (the page counts) there.
"""

from __future__ import annotations

import html
import math
import os
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

CHROMIUM = next((p for p in (shutil.which(n) for n in (
    "chromium", "chromium-headless-shell", "chromium-browser", "google-chrome")) if p), None)
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
POPPLER = all(shutil.which(t) for t in ("pdfinfo", "pdftotext", "pdffonts", "pdftoppm"))
MISSING = [name for name, found in (("chromium", CHROMIUM), ("LibreOffice (soffice)", SOFFICE),
                                    ("poppler-utils", POPPLER)) if not found]

pytestmark = pytest.mark.slow
SKIP_REASON = (f"print test needs {', '.join(MISSING)} (.ci/run installs chromium, "
               "libreoffice-writer, libreoffice-calc, poppler-utils, fonts-noto-cjk)")

# name: (file in the demo directory (glob), page budget, a title the first page shows)
DOCUMENTS = {
    "plan-html": ("plans/王建国-*.html", 16, "客户访问日程表"),
    "plan-xlsx": ("plans/王建国-*.xlsx", 12, "客户访问日程表"),
    "flag-report-html": ("价格违规及无证经营情况报告-王建国.html", 20, "价格违规及无证经营情况报告"),
    "flag-report-docx": ("print/flag-report.docx", 18, "价格违规及无证经营情况报告"),
    "flag-report-xlsx": ("print/flag-report.xlsx", 15, "价格违规及无证经营情况报告"),
    "flags-xlsx": ("违规标记.xlsx", 24, "命中内容"),
    # the demo's report lists the flags scanned before it (37 price, 26 licence findings, 15
    # of each printed): one page more than without them
    "monthly-html": ("月度报告-王建国-*.html", 10, "客户月度销售情况分析报告"),
    "monthly-docx": ("月度报告-王建国-*.docx", 7, "客户月度销售情况分析报告"),
    "monthly-xlsx": ("print/monthly.xlsx", 46, "概况"),
    "monthly-summary-docx": ("月度报告-区域汇总-*.docx", 2, "客户月度销售情况汇总"),
    "complaint-html": ("TS-*.html", 1, "商品及服务质量信息反馈单"),
    "complaint-docx": ("TS-*.docx", 1, "商品及服务质量信息反馈单"),
    "special-visit-html": ("print/special.html", 1, "特殊访问记录"),
    "special-visit-docx": ("print/special.docx", 1, "特殊访问记录"),
    "promo-receipt-html": ("print/receipt.html", 1, "宣传促销品签收单"),
    "promo-receipt-docx": ("print/receipt.docx", 1, "宣传促销品签收单"),
}
CJK_FONT = re.compile(r"CJK|Noto Sans SC|Noto Serif SC|SimSun|SimHei|Song|Hei|Ming|WenQuanYi|"
                      r"Droid Sans Fallback|YaHei|PingFang|DengXian", re.I)
# Words a manager should never read on paper: rule ids, algorithm and format names.
INTERNAL = re.compile(r"\b(?:price|roster|unlicensed|lifecycle)\.[a-z_]+|haversine|本日没有安排访问")


def _invoke(env: dict, *args: str):
    """Run cmgr in this process (no interpreter and pandas start-up per command)."""
    from typer.testing import CliRunner

    from cmgr.cli.app import app

    result = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, f"cmgr {' '.join(args)}: {result.output[-2000:]}"
    return result


def _cmgr(env: dict, *args: str) -> str:
    return _invoke(env, *args).stdout


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """`cmgr --db FILE demo --dir DIR`: the database where --db says, the outputs in DIR."""
    root = tmp_path_factory.mktemp("print")
    env = {"CMGR_CONFIG": "", "CMGR_INTERACTIVE": "0", "CMGR_DB": str(root / "not-this.db")}
    db = root / "territory" / "demo-territory.db"
    db.parent.mkdir()
    result = _invoke(env, "--db", str(db), "demo", "--dir", str(root / "demo"))
    return root, db, result.stderr


def test_demo_honours_db_and_ends_with_what_to_try_next(demo_run):
    root, db, stderr = demo_run
    assert db.exists() and not (root / "demo" / "demo.db").exists()
    assert not (root / "not-this.db").exists()  # CMGR_DB alone is not the demo's database
    tail = stderr.strip().splitlines()[-4:]
    assert tail[0] == "接下来在演示数据库上试试："
    assert tail[1].strip() == f"export CMGR_DB={db.resolve()}"
    assert tail[2].strip() == "cmgr plan-week --all --week 2026-W49 --no-save"  # the demo's week
    assert tail[3].strip() == "cmgr complaint list"


def test_demo_refuses_an_existing_database(tmp_path):
    from typer.testing import CliRunner

    from cmgr.cli.app import app

    existing = tmp_path / "real.db"
    existing.write_bytes(b"SQLite format 3\0 not empty")
    result = CliRunner().invoke(app, ["--db", str(existing), "demo", "--dir", str(tmp_path / "d")],
                                env={"CMGR_CONFIG": ""})
    assert result.exit_code == 2 and "已存在" in result.stderr
    assert existing.read_bytes() == b"SQLite format 3\0 not empty"


def _build_documents(root: Path, db: Path) -> dict[str, Path]:
    """The demo territory's documents, and the ones the demo does not write."""
    env = {"CMGR_CONFIG": "", "CMGR_INTERACTIVE": "0", "CMGR_DB": str(db)}
    demo = root / "demo"
    extra = demo / "print"
    extra.mkdir()
    month = re.search(r"(\d{4}-\d{2})", next(demo.glob("月度报告-王建国-*.docx")).name).group(1)
    _cmgr(env, "flag", "report", "--include-closed", "--format", "docx",
          "--out", str(extra / "flag-report.docx"))
    _cmgr(env, "flag", "report", "--include-closed", "--format", "xlsx",
          "--out", str(extra / "flag-report.xlsx"))
    _cmgr(env, "monthly-report", "--month", month, "--manager", "王建国", "--format", "xlsx",
          "--out", str(extra / "monthly.xlsx"))
    _cmgr(env, "promo", "recommend", "--top", "10")
    for fmt in ("html", "docx"):
        _cmgr(env, "promo", "receipt", "--campaign", "新品推广", "--item", "宣传画", "--qty", "2",
              "--unit", "张", "--date", "2026-11-27", "--format", fmt,
              "--out", str(extra / f"receipt.{fmt}"))
    import sqlite3

    with sqlite3.connect(db) as con:
        (code,) = con.execute("SELECT customer_code FROM customers WHERE manager = '王建国' "
                              "ORDER BY customer_code LIMIT 1").fetchone()
    visit_id = _cmgr(env, "visit", "special", "--customer", code, "--date", "2026-11-27",
                     "--situation", "客户反映近期断货，陈列柜损坏", "--action", "联系配送补货，更换陈列柜",
                     "--no-form").strip().splitlines()[-1]
    for fmt in ("html", "docx"):
        _cmgr(env, "visit", "special-form", visit_id, "--format", fmt,
              "--out", str(extra / f"special.{fmt}"))
    found = {}
    for name, (pattern, _, _) in DOCUMENTS.items():
        matches = sorted(demo.glob(pattern))
        assert matches, f"{name}: no {pattern} in {demo}"
        found[name] = matches[0]
    return found


def _chromium_pdf(src: Path, pdf: Path, profile: Path) -> None:
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", f"--user-data-dir={profile}", "--no-pdf-header-footer",
                    f"--print-to-pdf={pdf}", src.resolve().as_uri()],
                   capture_output=True, timeout=180, check=True)


def _to_pdf(sources: dict[str, Path], out: Path, profile: Path) -> dict[str, Path]:
    from concurrent.futures import ThreadPoolExecutor

    out.mkdir()
    office = out / "office-in"
    office.mkdir()
    office_files = []
    for name, src in sources.items():
        if src.suffix != ".html":
            copy = office / f"{name}{src.suffix}"
            shutil.copy(src, copy)
            office_files.append(str(copy))
    # One office process for every docx and xlsx (its start-up is most of its time), running
    # while the browser prints the html files, three at a time.
    soffice = subprocess.Popen([SOFFICE, f"-env:UserInstallation={(profile / 'office').as_uri()}",
                                "--headless", "--convert-to", "pdf", "--outdir", str(out),
                                *office_files], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    html = [(name, src) for name, src in sources.items() if src.suffix == ".html"]
    with ThreadPoolExecutor(3) as pool:
        list(pool.map(lambda item: _chromium_pdf(item[1], out / f"{item[0]}.pdf",
                                                 profile / f"chromium-{item[0]}"), html))
    assert soffice.wait(timeout=300) == 0
    pdfs = {name: out / f"{name}.pdf" for name in sources}
    missing = [n for n, p in pdfs.items() if not p.exists()]
    assert not missing, f"not rendered: {missing}"
    return pdfs


@pytest.fixture(scope="module")
def printed(demo_run):
    if MISSING:
        pytest.skip(SKIP_REASON)
    root, db, _ = demo_run
    sources = _build_documents(root, db)
    pdfs = _to_pdf(sources, root / "pdf", root / "profile")
    images = os.environ.get("CMGR_PRINT_IMAGES")
    if images:
        _write_images(pdfs, Path(images))
    return sources, pdfs


def _write_images(pdfs: dict[str, Path], directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    lines = ["| document | pages |", "|---|---|"]
    for name, pdf in pdfs.items():
        subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile",
                        str(pdf), str(directory / name)], check=True)
        lines.append(f"| {name} | {_pages(pdf)} |")
    (directory / "pages.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def _text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')


def overlapping_words(pdf: Path, share: float = 0.3) -> list[tuple[int, str, str]]:
    """Pairs of words printed over each other: (page, word, word). A word's box from
    pdftotext spans the font's whole ascent and descent, so it is cut to its middle half
    (the glyphs' body) before comparing; a lone CJK punctuation mark sits in the next
    character's space by design, and pdftotext boxes a rotated character (a chart's axis
    label) as if it were upright: both are left out."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    found = []
    for page_no, page in enumerate(out.split("<page ")[1:], start=1):
        words = []
        for x0, y0, x1, y1, text in _WORD.findall(page):
            x0, y0, x1, y1 = map(float, (x0, y0, x1, y1))
            if len(text) == 1 and (unicodedata.category(text).startswith("P")
                                   or x1 - x0 > 1.1 * (y1 - y0)):
                continue  # punctuation, or a rotated axis label (its box lies on its side)
            middle, half = (y0 + y1) / 2, (y1 - y0) / 4
            words.append((x0 + 0.5, middle - half, x1 - 0.5, middle + half, text))
        words.sort(key=lambda w: w[1])
        for i, a in enumerate(words):
            for b in words[i + 1:]:
                if b[1] >= a[3]:
                    break
                w = min(a[2], b[2]) - max(a[0], b[0])
                h = min(a[3], b[3]) - max(a[1], b[1])
                smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
                if w > 0 and h > 0 and smaller > 0 and w * h / smaller > share:
                    found.append((page_no, a[4], b[4]))
    return found


@pytest.mark.parametrize("name", DOCUMENTS)
def test_document_prints_within_its_page_budget(printed, name):
    pages = _pages(printed[1][name])
    assert 1 <= pages <= DOCUMENTS[name][1], f"{name}: {pages} pages, budget {DOCUMENTS[name][1]}"


@pytest.mark.parametrize("name", DOCUMENTS)
def test_no_text_printed_over_other_text(printed, name):
    overlaps = overlapping_words(printed[1][name])
    assert not overlaps, f"{name}: {len(overlaps)} overlapping words, e.g. {overlaps[:5]}"


@pytest.mark.skipif(bool(MISSING), reason=SKIP_REASON)
def test_a_cjk_font_is_installed():
    """Without one, every browser and office suite prints Chinese as boxes."""
    listed = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True)
    assert listed.stdout.strip(), "no CJK font installed (Debian: fonts-noto-cjk)"


@pytest.mark.parametrize("name", DOCUMENTS)
def test_chinese_prints_in_an_embedded_font(printed, name):
    """Every font embedded; LibreOffice names its CJK font, Chromium embeds the glyphs it drew
    as unnamed Type 3 fonts with a Unicode map; either way the title's Chinese reads back."""
    pdf = printed[1][name]
    fonts = [line.split() for line in subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]]
    assert fonts, f"{name}: no fonts"
    assert all(f[-5] == "yes" for f in fonts), f"{name}: a font is not embedded: {fonts}"  # emb
    if printed[0][name].suffix != ".html":
        assert any(CJK_FONT.search(f[0]) for f in fonts), f"{name}: no CJK font in {fonts}"
    text = _text(pdf)
    assert DOCUMENTS[name][2] in text.replace(" ", ""), f"{name}: title not found in the PDF's text"
    assert "\ufffd" not in text


@pytest.mark.parametrize("name", DOCUMENTS)
def test_page_numbers_and_no_internal_words(printed, name):
    pdf = printed[1][name]
    text = _text(pdf)
    pages = _pages(pdf)
    squeezed = re.sub(r"\s+", "", text)
    assert f"第1页共{pages}页" in squeezed, f"{name}: no 第 1 页 共 {pages} 页"
    assert not INTERNAL.search(text), f"{name}: {INTERNAL.search(text).group(0)!r} on paper"


def test_plan_html_has_the_maps_and_the_signatures(printed):
    text = _text(printed[1]["plan-html"])
    assert "访问路线示意图" in text and "客户经理签名" in text and "客户签名" in text


# Lower bounds independent of cmgr's own estimate: a CJK character takes at least 1.6 width
# units when LibreOffice wraps it, and a line of 11 pt text at least 13 pt of row height.
CJK_UNITS, LINE_PT = 1.6, 13.0


def _min_lines(text: str, width: float) -> int:
    units = max(width - 1.5, 1.0)
    return sum(max(1, math.ceil(sum(CJK_UNITS if unicodedata.east_asian_width(c) in "WF" else 1
                                    for c in part) / units)) for part in text.split("\n"))


@pytest.mark.parametrize("name", [n for n in DOCUMENTS if n.endswith("-xlsx")])
def test_wrapped_cells_have_rows_tall_enough(printed, name):
    import openpyxl
    from openpyxl.utils import get_column_letter

    wb = openpyxl.load_workbook(printed[0][name])
    short = []
    for ws in wb.worksheets:
        assert ws.page_setup.paperSize in (9, "9") and ws.print_title_rows, f"{ws.title}: print setup"
        assert ws.oddFooter.center.text, f"{ws.title}: no page numbers"
        merged = {(r.min_row, r.min_col) for r in ws.merged_cells.ranges}
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None or not (cell.alignment and cell.alignment.wrap_text):
                    continue
                if (cell.row, cell.column) in merged or type(cell).__name__ == "MergedCell":
                    continue
                dim = ws.column_dimensions.get(get_column_letter(cell.column))
                width = dim.width if dim is not None and dim.width else 8.43
                text = cell.value.strftime("%Y-%m-%d") if hasattr(cell.value, "strftime") \
                    else str(cell.value)
                lines = _min_lines(text, width)
                height = ws.row_dimensions[cell.row].height or 15.0
                if lines > 1 and height < lines * LINE_PT:
                    short.append((ws.title, cell.coordinate, lines, height))
    assert not short, f"{name}: rows too short for their wrapped text: {short[:5]}"


def test_signin_sheet_has_wide_signature_columns(printed):
    import openpyxl
    from openpyxl.utils import get_column_letter

    wb = openpyxl.load_workbook(printed[0]["plan-xlsx"])
    ws = wb.worksheets[1]
    header = [c.value for c in ws[3]]
    for name in ("客户签名(是/否)", "客户经理签名"):
        width = ws.column_dimensions[get_column_letter(header.index(name) + 1)].width
        assert width >= 16, f"{name} is {width} wide"


@pytest.mark.parametrize("name", ["monthly-docx", "monthly-summary-docx"])
def test_numbers_and_codes_in_tables_print_on_one_line(printed, name):
    """Every number, percentage, date and code of the report's tables prints as one word: a
    column too narrow for "+10.68%" split it into "+10.68" and "%" on two lines."""
    import docx

    from cmgr.render.docx_print import _TOKEN

    tokens = {cell.text.strip() for table in docx.Document(str(printed[0][name])).tables
              for row in table.rows[1:] for cell in row.cells
              if _TOKEN.fullmatch(cell.text.strip())}
    assert len(tokens) > 20, f"{name}: only {len(tokens)} numbers in its tables"
    out = subprocess.run(["pdftotext", "-bbox", str(printed[1][name]), "-"], capture_output=True,
                         text=True, check=True).stdout
    words = {html.unescape(w[4]) for w in _WORD.findall(out)}
    split = sorted(t for t in tokens if t not in words)
    assert not split, f"{name}: {len(split)} numbers broken across lines, e.g. {split[:8]}"
