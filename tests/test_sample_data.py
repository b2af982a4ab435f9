"""The sample-data and city generators: the shapes of real exports, seeded and small enough.

Runs sample_data/generate.py (small scale) and bench/gen_city.py (1,000 rows) as the user
would, into tmp dirs, and reads what they wrote with the readers cmgr uses.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO / "sample_data"
HISTORY_FILE = "orders_2024-10_2025-09.xlsx"
ORDER_FILES = (HISTORY_FILE, "orders_2025Q4.xlsx", "orders_2026Q1.xlsx", "orders_2026Q2.xlsx",
               "orders_2026-07_08.xlsx", "orders_2026-09.xls", "orders_2026-10.csv",
               "orders_2026-11.xlsx")
NEW_FILES = ("settlements_2026-09_11.xlsx", "supply_limits.xlsx", "targets_2026.xlsx")
DATA_FILES = ("customers.xlsx", "prices.xlsx", "visits.xlsx", "mapping-example.toml",
              *ORDER_FILES, *NEW_FILES)


def _run(script: Path, *args: str) -> str:
    done = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def small_sample(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    _run(SAMPLE_DIR / "generate.py", "--out", str(out), "--customers", "30", "--months", "26")
    return out


def _sheet_rows(path: Path) -> list[list]:
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def _csv_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("gb18030"))))


def _rows(path: Path) -> list[list]:
    return _csv_rows(path) if path.suffix == ".csv" else _sheet_rows(path)


def _number(value) -> float:
    return float(str(value).replace(",", "")) if value not in (None, "") else 0.0


def test_every_file_is_written(small_sample: Path) -> None:
    for name in DATA_FILES:
        assert (small_sample / name).stat().st_size > 0, name
    assert (small_sample / "truth" / "visit_labels.csv").exists()


@pytest.mark.parametrize("name", ["customers.xlsx", "visits.xlsx", *ORDER_FILES])
def test_title_export_date_header_and_total_rows(small_sample: Path, name: str) -> None:
    rows = _rows(small_sample / name)
    title, info, header = rows[0], rows[1], rows[2]
    assert title[0] and not any(title[1:]), "a title row with one (merged) cell"
    assert "导出日期：2026年11月28日" in str(info[0])
    assert any(h in header for h in ("客户编码", "零售户编码"))
    assert rows[-1][0] == "合计"
    data = rows[3:-1]
    assert data and all(str(r[0]).strip() for r in data)


@pytest.mark.parametrize("name", NEW_FILES)
def test_settlement_supply_and_target_sheets_are_shaped_like_exports(small_sample: Path,
                                                                    name: str) -> None:
    rows = _rows(small_sample / name)
    assert rows[0][0] and not any(rows[0][1:]), "a title row with one (merged) cell"
    assert "导出日期：2026年11月28日" in str(rows[1][0])
    assert rows[-1][0] == "合计" and len(rows) > 5


def test_the_settlement_export_has_failures_retries_and_pending() -> None:
    rows = _rows(SAMPLE_DIR / "settlements_2026-09_11.xlsx")  # the committed one, for the demo
    header, data = rows[2], rows[3:-1]
    status = [r[header.index("扣款状态")] for r in data]
    assert {"扣款成功", "成功", "已结算"} <= set(status)
    assert {"扣款失败", "余额不足"} & set(status) and {"未扣款", "待扣款"} & set(status)
    orders = [r[header.index("订单编号")] for r in data]
    assert len(set(orders)) < len(orders)  # failed deductions retried under the same order
    assert any(isinstance(r[header.index("应结金额(元)")], str) for r in data)  # "1,234.50"


@pytest.mark.parametrize("name", ORDER_FILES)
def test_total_row_matches_the_lines(small_sample: Path, name: str) -> None:
    rows = _rows(small_sample / name)
    data, total = rows[3:-1], rows[-1]
    assert _number(total[-2]) == pytest.approx(sum(_number(r[7]) for r in data))
    assert _number(total[-1]) == pytest.approx(sum(_number(r[8]) for r in data), abs=0.05)
    for r in data[:200]:  # 金额 = 订购量 x 批发价
        assert _number(r[8]) == pytest.approx(_number(r[7]) * _number(r[6]), abs=0.006)


def test_codes_keep_their_leading_zeros(small_sample: Path) -> None:
    customers = _rows(small_sample / "customers.xlsx")
    header = customers[2]
    codes = [r[header.index("客户编码")] for r in customers[3:-1]]
    licences = [r[header.index("专卖许可证号")] for r in customers[3:-1]]
    assert all(isinstance(c, str) and re.fullmatch(r"0\d{11}", c) for c in codes)
    assert all(re.fullmatch(r"0\d{11}", lic) for lic in licences if lic)
    for name in ORDER_FILES:
        data = _rows(small_sample / name)[3:-1]
        assert all(re.fullmatch(r"0\d{11}", str(r[2])) for r in data), name
        assert all(re.fullmatch(r"\d{13}", str(r[4])) for r in data), name


def test_the_csv_is_gb18030_not_utf8(small_sample: Path) -> None:
    raw = (small_sample / "orders_2026-10.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    rows = _csv_rows(small_sample / "orders_2026-10.csv")
    assert rows[2][:2] == ["订单编号", "订货日期"]
    assert all(re.fullmatch(r"2026-10-\d\d", r[1]) for r in rows[3:-1])


def test_the_xls_opens_with_xlrd(small_sample: Path) -> None:
    import xlrd

    book = xlrd.open_workbook(str(small_sample / "orders_2026-09.xls"))
    sheet = book.sheet_by_index(0)
    assert sheet.row_values(2)[4:6] == ["品规编码", "品规名称"]
    first = sheet.row_values(3)
    assert isinstance(first[2], str) and first[2].startswith("0")
    assert xlrd.xldate_as_datetime(first[1], book.datemode).month == 9
    assert sheet.row_values(sheet.nrows - 1)[0] == "合计"


def test_each_orders_file_writes_dates_its_own_way(small_sample: Path) -> None:
    forms = {
        HISTORY_FILE: lambda v: isinstance(v, dt.date) and dt.date(2024, 10, 1) <= v
        < dt.date(2025, 10, 1),
        "orders_2025Q4.xlsx": lambda v: isinstance(v, dt.date),
        "orders_2026Q1.xlsx": lambda v: re.fullmatch(r"2026/\d{1,2}/\d{1,2}", v),
        "orders_2026Q2.xlsx": lambda v: re.fullmatch(r"2026年\d\d月\d\d日", v),
        "orders_2026-07_08.xlsx": lambda v: re.fullmatch(r"20260[78]\d\d", v),
        "orders_2026-11.xlsx": lambda v: isinstance(v, dt.date) and v.month == 11,
    }
    for name, ok in forms.items():
        data = _rows(small_sample / name)[3:-1]
        assert all(ok(r[1]) for r in data), name


def test_string_layouts(small_sample: Path) -> None:
    def parts(name: str) -> tuple[list[str], str]:
        with zipfile.ZipFile(small_sample / name) as z:
            return z.namelist(), z.read("xl/worksheets/sheet1.xml").decode()

    names, sheet = parts("orders_2025Q4.xlsx")
    assert "xl/sharedStrings.xml" in names and 't="s"' in sheet and "inlineStr" not in sheet
    names, sheet = parts("orders_2026-11.xlsx")
    assert "xl/sharedStrings.xml" not in names and 't="inlineStr"' in sheet
    assert '<mergeCell ref="A1:I1"/>' in sheet
    names, sheet = parts(HISTORY_FILE)  # cells without r="A1" references: a compact older year
    assert "xl/sharedStrings.xml" in names and 't="s"' in sheet and ' r="' not in sheet


def test_the_messy_cells_are_there(small_sample: Path) -> None:
    q2 = _rows(small_sample / "orders_2026Q2.xlsx")[3:-1]
    assert any(isinstance(r[8], str) and "," in r[8] for r in q2), "amounts as 1,234.50"
    q1 = _rows(small_sample / "orders_2026Q1.xlsx")[3:-1]
    assert any("（" in r[5] for r in q1), "full-width brackets"
    customers = _rows(small_sample / "customers.xlsx")
    grades = [r[customers[2].index("档位")] for r in customers[3:-1]]
    assert any(isinstance(g, str) for g in grades), "档位 such as 二十, １２ or 12档"
    visits = _rows(small_sample / "visits.xlsx")
    prices = [r[8] for r in visits[3:-1] if r[8] not in ("", None)]
    assert any(isinstance(p, float) for p in prices) and any(isinstance(p, str) for p in prices)


def test_visit_labels_match_the_visits(small_sample: Path) -> None:
    visits = _rows(small_sample / "visits.xlsx")[3:-1]
    with open(small_sample / "truth" / "visit_labels.csv", encoding="utf-8") as fh:
        labels = {r["visit_id"]: r for r in csv.DictReader(fh)}
    assert [v[0] for v in visits] == list(labels)
    assert {v[5] for v in visits} <= {"常规访问", "特殊访问"}
    assert all(v[1] >= dt.date(2026, 9, 1) for v in visits)


def test_months_option_limits_the_order_files(tmp_path: Path) -> None:
    _run(SAMPLE_DIR / "generate.py", "--out", str(tmp_path), "--customers", "20",
         "--months", "3")
    written = sorted(p.name for p in tmp_path.glob("orders_*"))
    assert written == ["orders_2026-09.xls", "orders_2026-10.csv", "orders_2026-11.xlsx"]


def test_the_older_year_leaves_the_rest_as_it_was(small_sample: Path, tmp_path: Path) -> None:
    """The history before 2025-10 has a random stream of its own: generating it changes
    neither the roster nor the visits (their answer keys) nor the later orders' lines."""
    _run(SAMPLE_DIR / "generate.py", "--out", str(tmp_path), "--customers", "30",
         "--months", "14")
    assert not (tmp_path / HISTORY_FILE).exists()
    for name in ("customers.xlsx", "visits.xlsx", "truth/visit_labels.csv",
                 "truth/customer_profiles.csv", *ORDER_FILES[1:]):
        assert (tmp_path / name).read_bytes() == (small_sample / name).read_bytes(), name


def _order_month(value) -> tuple[int, int]:
    """(year, month) of an 订货日期 in any of the files' forms: a date cell, 2026/1/5,
    2026年04月06日, 20260706, 2026-10-03."""
    if isinstance(value, dt.date):
        return value.year, value.month
    digits = re.findall(r"\d+", str(value))
    if len(digits) == 1:
        return int(digits[0][:4]), int(digits[0][4:6])
    return int(digits[0]), int(digits[1])


def _monthly_qty(sample: Path) -> dict[str, float]:
    totals: dict[str, float] = {}
    for name in ORDER_FILES:
        for r in _rows(sample / name)[3:-1]:
            month = "{}-{:02d}".format(*_order_month(r[1]))
            totals[month] = totals.get(month, 0.0) + _number(r[7])
    return totals


def test_two_years_of_orders_with_the_spring_festival_moving(small_sample: Path) -> None:
    qty = _monthly_qty(small_sample)
    assert sorted(qty) == [f"{y}-{m:02d}" for y, m in
                           [(2024, 10), (2024, 11), (2024, 12)]
                           + [(2025, m) for m in range(1, 13)] + [(2026, m) for m in range(1, 12)]]
    # 2025's festival (Jan 29) put the stocking peak in January and the lull in February;
    # 2026's (Feb 17) splits them between the two months.
    assert qty["2025-01"] > 2.5 * qty["2025-02"]
    assert qty["2026-01"] < 2 * qty["2026-02"]
    assert qty["2026-02"] > 1.5 * qty["2025-02"] and qty["2026-01"] < qty["2025-01"]


def test_price_classes_trend_apart(small_sample: Path) -> None:
    """Dear brands gain on cheap ones (提升结构): October to August, a year apart."""
    prices = _rows(small_sample / "prices.xlsx")
    class_of = {r[0]: r[2] for r in prices[3:]}
    by_year: dict[tuple[str, int], float] = {}
    for name in ORDER_FILES[:5]:   # 2024-10 .. 2026-08
        for r in _rows(small_sample / name)[3:-1]:
            year, month = _order_month(r[1])
            if month == 9:
                continue
            season = year + (month >= 10) - 2025   # 0: 2024-10..2025-08, 1: 2025-10..2026-08
            key = ("dear" if class_of[r[4]] in ("一类", "二类") else
                   "cheap" if class_of[r[4]] in ("四类", "五类") else "middle", season)
            by_year[key] = by_year.get(key, 0.0) + _number(r[7])
    dear = by_year["dear", 1] / by_year["dear", 0]
    cheap = by_year["cheap", 1] / by_year["cheap", 0]
    assert dear > 1.03 and dear > cheap + 0.02


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    def digest(out: Path) -> dict[str, str]:
        _run(SAMPLE_DIR / "generate.py", "--out", str(out), "--customers", "20", "--months", "2")
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(out.rglob("*")) if p.is_file()}

    assert digest(tmp_path / "a") == digest(tmp_path / "b")


def test_committed_sample_is_complete_and_small() -> None:
    for name in DATA_FILES:
        assert (SAMPLE_DIR / name).is_file(), f"run python sample_data/generate.py ({name})"
    total = sum(p.stat().st_size for p in SAMPLE_DIR.rglob("*")
                if p.is_file() and "__pycache__" not in p.parts)
    assert total < 5_000_000, f"sample_data/ is {total / 1e6:.2f} MB"


# --- bench/gen_city.py ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_city(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("city")
    _run(REPO / "bench" / "gen_city.py", "--out", str(out), "--customers", "300",
         "--managers", "3", "--order-rows", "1000", "--visit-months", "1")
    return out


def test_city_xlsx_in_both_layouts(small_city: Path) -> None:
    shared = small_city / "city_orders_1k_shared.xlsx"
    inline = small_city / "city_orders_1k_inline.xlsx"
    with zipfile.ZipFile(shared) as z:
        assert "xl/sharedStrings.xml" in z.namelist()
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        assert 't="s"' in sheet and "inlineStr" not in sheet
    with zipfile.ZipFile(inline) as z:
        assert "xl/sharedStrings.xml" not in z.namelist()
        assert 't="inlineStr"' in z.read("xl/worksheets/sheet1.xml").decode()
    shared_rows, inline_rows = _sheet_rows(shared), _sheet_rows(inline)
    assert len(shared_rows) == 1000 + 4  # title, export date, header, 1,000 lines, 合计
    assert shared_rows == inline_rows
    assert shared_rows[-1][0] == "合计" and shared_rows[-1][3] == "共1000条"
    data = shared_rows[3:-1]
    assert all(re.fullmatch(r"0531\d{8}", r[2]) for r in data)
    assert all(isinstance(r[1], dt.date) for r in data)
    assert [r[1] for r in data] == sorted(r[1] for r in data)


def test_city_csv_and_visits(small_city: Path) -> None:
    rows = _csv_rows(small_city / "city_orders_1k.csv")
    assert len(rows) == 1000 + 4 and rows[-1][0] == "合计"
    xlsx = _sheet_rows(small_city / "city_orders_1k_shared.xlsx")
    assert [r[0] for r in rows[3:-1]] == [r[0] for r in xlsx[3:-1]]
    customers = _sheet_rows(small_city / "city_customers.xlsx")
    assert len(customers) == 300 + 4
    assert len({r[7] for r in customers[3:-1]}) == 3  # managers
    with open(small_city / "city_visits.csv", encoding="utf-8-sig") as fh:
        visits = list(csv.reader(fh))
    assert visits[0][0] == "访问编号" and len(visits) > 300
