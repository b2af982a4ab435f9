"""Cell parsers: every accepted form, the garbage they refuse, and series == scalar."""

from __future__ import annotations

import datetime as dt
import math
import random

import numpy as np
import pandas as pd
import pytest

from cmgr.sources.cells import (
    EXPECTED_CODE_SCIENTIFIC,
    EXPECTED_CODE_TOO_LONG,
    CellError,
    is_total_label,
    parse_code,
    parse_code_series,
    parse_date,
    parse_date_series,
    parse_date_series_iso,
    parse_int,
    parse_int_series,
    parse_number,
    parse_number_series,
    parse_text,
    parse_text_series,
)

NOV_3 = dt.date(2026, 11, 3)
EMPTY_CELLS = [None, float("nan"), "", "   ", "\u3000", "\xa0", "—", "-", "/", "无", "－", "——"]


# ----------------------------------------------------------------------------- dates


@pytest.mark.parametrize("value", [
    "2026-11-03", "2026/11/3", "2026.11.3", "2026-11-3", "2026/11/03",
    "2026年11月03日", "2026年11月3日", "2026年11月3日 10:22", "2026 年 11 月 3 日", "2026年11月3号",
    "20261103", "2026-11-03 00:00:00", "2026-11-03T08:00:00", "2026-11-03 23:59:59.123",
    "２０２６－１１－０３", "２０２６年１１月３日", "\xa02026-11-03\u3000", " 2026/11/3 ",
    NOV_3, dt.datetime(2026, 11, 3, 10, 22), pd.Timestamp("2026-11-03 08:00"),
    np.datetime64("2026-11-03"),
    46329, 46329.0, 46329.99, "46329", 20261103, 20261103.0,
])
def test_date_forms(value):
    assert parse_date(value) == NOV_3


def test_excel_serial_boundaries():
    # 1900 date system: serial 45658 is 2025-01-01 (checked against Excel's DATE(2025,1,1)).
    assert parse_date(45658) == dt.date(2025, 1, 1)
    assert parse_date(20000) == dt.date(1954, 10, 3)
    with pytest.raises(CellError):
        parse_date(19999)
    with pytest.raises(CellError):
        parse_date(80001)


def test_date_keeps_far_expiry():
    assert parse_date("9999-12-31") == dt.date(9999, 12, 31)


@pytest.mark.parametrize("value", EMPTY_CELLS + [np.datetime64("NaT"), pd.NaT, pd.NA])
def test_date_empty(value):
    assert parse_date(value) is None


@pytest.mark.parametrize("value", [
    "2026-02-30", "2026-13-01", "2026-00-10", "20260230", "2026113", "abc", "11/3/2026",
    "26/11/3", "2026-11", "2026-11/03", "0026-11-03", "1899-12-31", "2026-11-03 25:00",
    "2026-11-03 10:61", "2026-11-03T08:00:00+08:00", "12345", 123, 1e9, True, False,
    float("inf"), "#N/A", object(), np.datetime64("12026-01-01"),
])
def test_date_garbage(value):
    with pytest.raises(CellError) as err:
        parse_date(value)
    assert "日期，如 2026-11-03" in str(err.value)
    assert "Excel 日期" in err.value.expected


def test_cell_error_is_a_value_error():
    with pytest.raises(ValueError):
        parse_date("2026-02-30")


# ----------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(("value", "expected"), [
    (12, 12.0), (12.5, 12.5), (np.int64(7), 7.0), (np.float32(0.5), 0.5),
    ("12", 12.0), ("12.50", 12.5), ("-3", -3.0), ("+3", 3.0), (".5", 0.5), ("5.", 5.0),
    ("1,234.50", 1234.5), ("1,234,567", 1234567.0), ("1，234", 1234.0), ("１２", 12.0),
    ("１２．５", 12.5), ("−3", -3.0), (" 12 ", 12.0), ("\xa012\u3000", 12.0),
    ("12条", 12.0), ("12 条", 12.0), ("23元/条", 23.0), ("23.5元", 23.5), ("¥23", 23.0),
    ("￥1,234.00元", 1234.0), ("-¥23", -23.0), ("¥-23", -23.0), ("RMB 23", 23.0),
    ("1.2万", 12000.0), ("1.2万元", 12000.0), ("1e3", 1000.0), ("0", 0.0),
    ("二十", 20.0), ("十二", 12.0), ("一百零五", 105.0), ("两", 2.0), ("〇", 0.0),
    ("十", 10.0), ("一百二", 120.0), ("三千五", 3500.0), ("一千零五十", 1050.0),
    ("一万零五百", 10500.0), ("两百", 200.0), ("二〇二六", 2026.0), ("三点五", 3.5),
    ("贰拾", 20.0), ("二十条", 20.0), ("十二档", 12.0), ("一万二", 12000.0),
    ("一万零二", 10002.0), ("两万五千", 25000.0), ("一亿二千万", 120000000.0),
])
def test_number_forms(value, expected):
    assert parse_number(value) == expected


@pytest.mark.parametrize("value", EMPTY_CELLS + ["null", "NaN", "None"])
def test_number_empty(value):
    assert parse_number(value) is None


@pytest.mark.parametrize("value", [
    True, False, np.True_, "(12)", "12,5", "1,2345", "abc", "12abc", "12件", "3箱", "12包",
    "1_000", "0x10", "inf", "Infinity", "nan%", "1e999", float("inf"), NOV_3,
    dt.datetime(2026, 11, 3), "二二十", "百", "十百", "一二三十", "--5", "#N/A", ".", "e5",
])
def test_number_garbage(value):
    with pytest.raises(CellError) as err:
        parse_number(value)
    assert "数字，如" in str(err.value)


def test_number_units_are_configurable():
    assert parse_number("2件", units=("件",)) == 2.0
    with pytest.raises(CellError):
        parse_number("12条", units=("件",))
    with pytest.raises(CellError):
        parse_number("12条", units=())


@pytest.mark.parametrize(("value", "expected"), [
    (12, 12), (12.0, 12), ("12", 12), ("12.0", 12), ("12档", 12), ("二十", 20),
    ("１２", 12), ("-3", -3), (12.000000000000002, 12), ("1,200", 1200),
])
def test_int_forms(value, expected):
    result = parse_int(value)
    assert result == expected
    assert type(result) is int


@pytest.mark.parametrize("value", ["12.5", 12.5, "abc", True, "三点五", 2.0**60])
def test_int_garbage(value):
    with pytest.raises(CellError) as err:
        parse_int(value)
    assert "整数，如" in str(err.value)


@pytest.mark.parametrize("value", EMPTY_CELLS)
def test_int_empty(value):
    assert parse_int(value) is None


# ----------------------------------------------------------------------------- codes


@pytest.mark.parametrize(("value", "expected"), [
    ("320102100123", "320102100123"), (" 0123 ", "0123"), ("\xa00123\u3000", "0123"),
    ("０１２３", "0123"), ("ＡＢ１２", "AB12"), ('="0123"', "0123"), ("'0123", "0123"),
    ("12345.0", "12345"), ("12345.00", "12345"), (320102100123.0, "320102100123"),
    (12, "12"), (np.int64(12), "12"), (320102100123456789, "320102100123456789"),
    ("A-12", "A-12"), ("1.10", "1.10"), ("1E5", "1E5"),
])
def test_code_forms(value, expected):
    assert parse_code(value) == expected


@pytest.mark.parametrize("value", EMPTY_CELLS + ['=""'])
def test_code_empty(value):
    assert parse_code(value) is None


@pytest.mark.parametrize("value", ["5.32001E+11", "5.32001e+11", "5.32E11", "1E+11", "５.３２E＋11"])
def test_code_scientific_notation_lost_digits(value):
    with pytest.raises(CellError) as err:
        parse_code(value)
    assert str(err.value) == EXPECTED_CODE_SCIENTIFIC
    assert "科学计数法" in str(err.value)


def test_code_too_long_for_a_float():
    with pytest.raises(CellError) as err:
        parse_code(3.2010210012345677e17)
    assert str(err.value) == EXPECTED_CODE_TOO_LONG


@pytest.mark.parametrize("value", [12.5, True, NOV_3, float("inf")])
def test_code_garbage(value):
    with pytest.raises(CellError):
        parse_code(value)


# ----------------------------------------------------------------------------- text


@pytest.mark.parametrize(("value", "expected"), [
    ("  张三烟酒店 ", "张三烟酒店"), ("\u3000张三\u3000", "张三"), ("张\xa0三", "张 三"),
    ("南京路１２号（东）", "南京路１２号（东）"), ("备注，含逗号。", "备注，含逗号。"),
    ("\ufeff\u200b李四\u200b", "李四"), ("无违规", "无违规"), ("第一行\n第二行", "第一行\n第二行"),
    (12, "12"), (12.0, "12"), (12.5, "12.5"), (True, "TRUE"),
    (NOV_3, "2026-11-03"), (dt.datetime(2026, 11, 3), "2026-11-03"),
    (dt.datetime(2026, 11, 3, 10, 22), "2026-11-03 10:22:00"),
])
def test_text_forms(value, expected):
    assert parse_text(value) == expected


@pytest.mark.parametrize("value", EMPTY_CELLS + [np.datetime64("NaT"), pd.NaT, pd.NA,
                                   np.float32("nan")])
def test_text_empty(value):
    assert parse_text(value) is None


# ----------------------------------------------------------------------------- totals


@pytest.mark.parametrize("value", [
    "合计", "合 计", "合　计", "合计：", "合计:", " 总计 ", "小计", "共计", "本页合计", "总合计",
    "合计（元）", "合计：235户", "Total", "TOTAL", "Subtotal", "Grand total",
])
def test_total_labels(value):
    assert is_total_label(value)


@pytest.mark.parametrize("value", [
    "合计金额", "张三合计烟酒店", "", "  ", None, 12, "烟酒店", "totally", NOV_3,
])
def test_not_total_labels(value):
    assert not is_total_label(value)


# ----------------------------------------------------------------------------- series


def _scalar_outcome(parse, value):
    try:
        return parse(value), False
    except CellError:
        return None, True


def _same(a, b):
    if a is None or (isinstance(a, float) and math.isnan(a)) or a is pd.NA:
        return b is None or (isinstance(b, float) and math.isnan(b)) or b is pd.NA
    return a == b and type(a) is type(b)


SAMPLES = {
    "date": [
        "2026-11-03", "2026/11/3", "2026.11.3", "2026年11月03日", "2026年11月3日 10:22",
        "20261103", "2026-11-03 00:00:00", "2026-11-03T08:00:00", "２０２６－１１－０３",
        "2026-02-30", "2026113", "abc", "46329", "9999-12-31", "0026-11-03", "2026-11-03 24:00",
        "2026-11-03 10:22:60", "2026-11- 3", NOV_3, dt.datetime(2026, 11, 3, 10, 22),
        pd.Timestamp("2026-01-01"), 46329, 46329.5, 20261103, 123, True, False, None, np.nan,
        "", "—", "/", "无", " 2026-11-03 ", "2026-1-3",
    ],
    "number": [
        "1,234.50", "１２", "12条", "23元/条", "¥23", "-3", "二十", "十二", "一百零五", "两",
        "〇", "12", "12.5", " 7 ", "1e3", "inf", "nan", "-nan", "12,5", "(12)", "12件", "abc",
        "1_000", "+5", ".5", "5.", "1.2万", 12, 12.5, 0, -0.0, True, False, NOV_3, None,
        np.nan, float("inf"), "", "—", "1" * 400, "12.000000000000002", "12.5档",
    ],
    "code": [
        "320102100123", "0123", " 0123 ", "０１２３", '="0123"', "'0123", "12345.0",
        "5.32001E+11", "1E5", "A-12", "null", "None", "-", "", "—", "ab_12", "AB12-3",
        320102100123.0, 12, 12.5, 2.0**60, 320102100123456789, True, NOV_3, None, np.nan,
    ],
    "text": [
        "  张三烟酒店 ", "\u3000张三\u3000", "张\xa0三", "南京路（东）", "无", "—", "", "null",
        "\ufeff李四", 12, 12.0, 12.5, True, NOV_3, dt.datetime(2026, 11, 3, 10, 22), None,
        np.nan, 320102100123456789,
    ],
}
SCALAR = {"date": parse_date, "number": parse_number, "int": parse_int, "code": parse_code,
          "text": parse_text}
SERIES = {"date": parse_date_series, "number": parse_number_series, "int": parse_int_series,
          "code": parse_code_series, "text": parse_text_series}
SAMPLES["int"] = SAMPLES["number"] + ["12.0", 12.0, "12档", 2.0**60]


def _check_series_matches_scalar(kind, values, dtype=object):
    series = pd.Series(values, dtype=dtype)
    parsed, bad = SERIES[kind](series)
    assert len(parsed) == len(values) and list(parsed.index) == list(series.index)
    assert bad.dtype == bool
    for i, value in enumerate(values):
        expected, expected_bad = _scalar_outcome(SCALAR[kind], value)
        got = parsed.iloc[i]
        if kind == "number" and expected is not None:
            assert got == expected, (value, got, expected)
        else:
            assert _same(expected, None if got is pd.NA else got) or (
                kind == "int" and got == expected), (value, got, expected)
        assert bool(bad.iloc[i]) == expected_bad, (kind, value)


@pytest.mark.parametrize("kind", ["date", "number", "int", "code", "text"])
def test_series_matches_scalar_on_mixed_cells(kind):
    _check_series_matches_scalar(kind, SAMPLES[kind])


@pytest.mark.parametrize("kind", ["date", "number", "int", "code", "text"])
def test_series_matches_scalar_on_large_shuffled_columns(kind):
    """Enough values to take the vectorised paths (distinct values >= 2000)."""
    rng = random.Random(kind)
    if kind == "date":
        start = dt.date(2020, 1, 1)
        clean = [(start + dt.timedelta(days=rng.randrange(3000))).isoformat()
                 for _ in range(2500)]
        clean += [f"{d:%Y/%m/%d} {rng.randrange(24)}:{rng.randrange(60):02d}:{rng.randrange(61)}"
                  for d in (start + dt.timedelta(days=rng.randrange(3000)) for _ in range(2500))]
        clean += [f"{rng.randrange(2000, 2030)}{rng.randrange(1, 14):02d}{rng.randrange(1, 32):02d}"
                  for _ in range(2500)]
    elif kind in ("number", "int"):
        clean = [f"{rng.uniform(0, 1e5):.2f}" for _ in range(2500)]
        clean += [f"{rng.randrange(1000, 10**7):,}" for _ in range(2500)]
        clean += [str(rng.randrange(100)) for _ in range(2500)]
    elif kind == "code":
        clean = [f"{rng.randrange(10**11, 10**12)}" for _ in range(2500)]
        clean += [f"{rng.randrange(10**5):06d}" for _ in range(2500)]
        clean += [float(rng.randrange(10**11, 10**12)) for _ in range(2500)]
    else:
        clean = [f" 零售户{rng.randrange(10**5)} " for _ in range(5000)]
    values = clean + SAMPLES[kind] * 20
    rng.shuffle(values)
    _check_series_matches_scalar(kind, values)


def test_series_on_typed_columns():
    floats = pd.Series([46329.0, np.nan, 45658.0])
    assert parse_date_series_iso(floats)[0].tolist() == ["2026-11-03", None, "2025-01-01"]
    moments = pd.Series(pd.to_datetime(["2026-11-03 10:22", None]))
    assert parse_date_series(moments)[0].tolist() == [NOV_3, None]
    assert parse_text_series(moments)[0].tolist() == ["2026-11-03 10:22:00", None]
    ints = pd.Series([320102100123456789, 12], dtype="int64")
    assert parse_code_series(ints)[0].tolist() == ["320102100123456789", "12"]
    bools = pd.Series([True, False])
    assert parse_number_series(bools)[1].tolist() == [True, True]
    for dtype in ("str", "string[python]", "string[pyarrow]"):
        strings = pd.Series(["12条", None, "1,234"], dtype=dtype)
        values, bad = parse_number_series(strings)
        assert values.iloc[0] == 12.0 and math.isnan(values.iloc[1]) and values.iloc[2] == 1234.0
        assert not bad.any()
        assert parse_code_series(strings)[0].tolist() == ["12条", None, "1,234"]
    nullable = pd.Series([12, None], dtype="Int64")
    assert parse_int_series(nullable)[0].tolist() == [12, pd.NA]


def test_series_result_types_and_index():
    s = pd.Series(["2026-11-03", "x", None], index=[10, 20, 30], name="订货日期")
    dates, bad = parse_date_series(s)
    assert dates.dtype == object and dates.name == "订货日期"
    assert list(dates.index) == [10, 20, 30] and list(bad.index) == [10, 20, 30]
    assert bad.tolist() == [False, True, False]
    assert parse_number_series(pd.Series(["1", "2"]))[0].dtype == "float64"
    assert str(parse_int_series(pd.Series(["1", "2"]))[0].dtype) == "Int64"
    assert parse_code_series(pd.Series(["01", "02"]))[0].dtype == object
    assert parse_text_series(pd.Series(["a", None]))[0].tolist() == ["a", None]


def test_series_empty_column():
    for parse in SERIES.values():
        values, bad = parse(pd.Series([], dtype=object))
        assert len(values) == 0 and len(bad) == 0
    values, bad = parse_date_series(pd.Series([None, np.nan], dtype=object))
    assert values.tolist() == [None, None] and not bad.any()


@pytest.mark.parametrize("kind", ["date", "number", "int", "code", "text"])
def test_series_matches_scalar_without_pyarrow_regex(kind, monkeypatch):
    """A string pyarrow refuses (a lone surrogate) sends the fast paths to Python's re."""
    from cmgr.sources import cells

    monkeypatch.setattr(cells._Strings, "arrow", lambda self: None)
    test_series_matches_scalar_on_large_shuffled_columns(kind)


def test_series_with_a_string_pyarrow_refuses():
    values = [f"{i:06d}" for i in range(3000)] + ["\ud800", "12"]
    _check_series_matches_scalar("code", values)
    _check_series_matches_scalar("number", values)


_FUZZ_ALPHABET = list("0123456789") * 4 + list("-/.: T,年月日号eE+ 条元档万十二一两〇") + [
    "\xa0", "\u3000", "１", "２", "，", "－"]


def _fuzz_date(rng: random.Random) -> str:
    year = rng.choice(["2026", "0026", "1899", "9999", "20261", str(rng.randrange(1800, 2100))])
    month = rng.choice([str(rng.randrange(0, 14)), f"{rng.randrange(0, 14):02d}", "011"])
    day = rng.choice([str(rng.randrange(0, 33)), f"{rng.randrange(0, 33):02d}", " 3"])
    time = rng.choice([
        "", " ", ".5",
        f" {rng.randrange(0, 26)}:{rng.randrange(0, 62):02d}:{rng.randrange(0, 62)}",
        f"T{rng.randrange(0, 26):02d}:{rng.randrange(0, 62):02d}:{rng.randrange(0, 62):02d}",
        f" {rng.randrange(0, 26)}:{rng.randrange(0, 62)}",
    ])
    if rng.random() < 0.2:
        return f"{year}年{month}月{day}日{time}"
    sep = rng.choice(["-", "/", ".", ""])
    return f"{year}{sep}{month}{sep}{day}{time}"


def _fuzz_number(rng: random.Random) -> str:
    x = rng.choice([rng.uniform(-1e6, 1e6), rng.randrange(10**6), rng.random()])
    text = rng.choice(["{:,.2f}", "{:.3f}", "{}", "{:e}", "{:,}", " {} ", "{:.0f}."]).format(x)
    if rng.random() < 0.2:
        text = text.replace(",", rng.choice([",", "，", ", "]))
    return text


def test_series_matches_scalar_on_fuzzed_text():
    """Random near-misses around every fast path: the fast paths must never take a value
    the scalar parser reads differently or refuses."""
    rng = random.Random(2026)
    values = ["".join(rng.choice(_FUZZ_ALPHABET) for _ in range(rng.randrange(1, 20)))
              for _ in range(2000)]
    values += [_fuzz_date(rng) for _ in range(4000)] + [_fuzz_number(rng) for _ in range(4000)]
    rng.shuffle(values)
    for kind in ("date", "number", "int", "code", "text"):
        _check_series_matches_scalar(kind, values)


@pytest.mark.parametrize("kind", ["date", "number", "int", "code", "text"])
def test_series_matches_scalar_on_arrow_string_columns(kind):
    """pandas "str" columns (fastexcel, pyarrow CSV) hand their Arrow strings over as is."""
    rng = random.Random(kind)
    values = [_fuzz_date(rng) for _ in range(8000)] + [_fuzz_number(rng) for _ in range(8000)]
    values += [f"{rng.randrange(10**11, 10**12)}" for _ in range(8000)] + [None] * 100
    rng.shuffle(values)
    _check_series_matches_scalar(kind, values, dtype="str")


@pytest.mark.parametrize("value, expected", [
    ("周二", "2"), ("星期二", "2"), ("礼拜天", "7"), ("星期日", "7"), ("二", "2"), (2, "2"),
    (2.0, "2"), ("2", "2"), ("２", "2"), ("Tue", "2"), ("tuesday", "2"), (" 周五 ", "5"),
    ("周二、周五", "25"), ("周二/周五", "25"), ("星期一，星期四", "14"), ("周五、周二", "52"),
    ("周二、周二", "2"), ("", None), (None, None), ("—", None),
    ("25", "25"), (25, "25"), ("周二周五", "25"), ("星期一星期四", "14"),  # as stored; no separator
])
def test_parse_weekdays(value, expected):
    from cmgr.sources.cells import parse_weekdays

    assert parse_weekdays(value) == expected


@pytest.mark.parametrize("value", ["周八", "8", 0, 2.5, "下周", "每周", True, "周", "28", 28])
def test_parse_weekdays_refuses(value):
    from cmgr.sources.cells import CellError, parse_weekdays

    with pytest.raises(CellError):
        parse_weekdays(value)


def test_parse_weekdays_series_marks_bad_cells_and_keeps_the_rest():
    from cmgr.sources.cells import parse_weekdays_series

    values, bad = parse_weekdays_series(pd.Series(["周二", None, "周八", "周二", 3]))
    assert values.tolist() == ["2", None, None, "2", "3"]
    assert bad.tolist() == [False, False, True, False, False]


def test_what_was_expected_reads_in_english_on_request(monkeypatch):
    from cmgr import i18n

    monkeypatch.setattr(i18n, "_language", "en")
    with pytest.raises(CellError) as err:
        parse_date("2026-02-30")
    assert str(err.value).startswith("a date such as 2026-11-03")
