"""Cell parsers for spreadsheet imports: one value at a time, or a whole column at once.

Values arrive as the readers give them (python-calamine, fastexcel, csv): str, int, float,
datetime.date, datetime.datetime, bool or None. Exports are messy: full-width digits,
thousands separators, NBSP, units ("12条", "23元/条"), Chinese numerals ("二十"), dates as
Excel serials or "2026年11月03日", and "—", "/", "无" for an empty cell.

Scalar parsers return None for an empty cell and raise `CellError` for a value they cannot
read; the error's message says what was expected. The `*_series` parsers do the same for a
pandas Series and return `(parsed, bad)`, where `bad` marks non-empty cells that failed.
They agree with the scalar parsers cell for cell (the tests check it): common forms take a
vectorised path and only the remaining cells, or their distinct values, go through the
scalar parser, so messy cells cost only where they occur. To explain a bad cell, call the
scalar parser on it and use the CellError message.

pandas and numpy are imported inside the vectorised functions, so importing this module
stays cheap for the CLI's start-up.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
import unicodedata
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

from cmgr.domain import parse_numeral
from cmgr.i18n import tr

if TYPE_CHECKING:
    import pandas as pd


class CellError(ValueError):
    """A cell value that cannot be read; `expected` (also the message) says what would do."""

    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


GRADE_CODE = r"[A-Za-z]\d{1,2}"  # a region's code grade (A3, B1), kept as written, not a number


# What a cell should have held, in the user's language (so built when raised, not at import).
def expected_date() -> str:
    return tr("日期，如 2026-11-03、2026/11/3、2026年11月03日、20261103 或 Excel 日期")


def expected_number() -> str:
    return tr("数字，如 1234.5、1,234.50、12条、¥23 或 二十")


def expected_int() -> str:
    return tr("整数，如 12、12.0、12档 或 二十")


def expected_weekdays() -> str:
    return tr("星期几，如 周二、星期二、二 或 2（1 = 周一），或几天：周二、周五")


def expected_code() -> str:
    return tr("文本或整数形式的编码，如 320102100123")


def expected_code_scientific() -> str:
    return tr("文本形式的完整编码（单元格显示为科学计数法，已丢失数字）")


def expected_code_too_long() -> str:
    return tr("文本形式的完整编码（单元格中的数字太长，无法保留全部位数）")


_EXPECTED = {"EXPECTED_DATE": expected_date, "EXPECTED_NUMBER": expected_number,
             "EXPECTED_INT": expected_int, "EXPECTED_WEEKDAYS": expected_weekdays,
             "EXPECTED_CODE": expected_code, "EXPECTED_CODE_SCIENTIFIC": expected_code_scientific,
             "EXPECTED_CODE_TOO_LONG": expected_code_too_long}


def __getattr__(name: str) -> str:
    """`cells.EXPECTED_DATE` and the others, the names callers know, translated when read."""
    if name in _EXPECTED:
        return _EXPECTED[name]()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Characters trimmed from both ends of every text cell: Unicode white space plus the
# zero-width characters and BOM that copy-paste leaves behind.
STRIP_CHARS = (
    " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000\u200b\u200c\u200d\u2060\ufeff"
)

# What exports write in a cell that has no value (after trimming). The text "#N/A" is not
# here: it is what Excel shows for a broken lookup, which deserves a warning, not silence.
EMPTY_MARKERS = frozenset({
    "", "-", "--", "---", "—", "——", "–", "－", "−", "/", "／", "\\", "无",
    "null", "NULL", "Null", "None", "none", "nan", "NaN", "NAN", "N/A", "n/a",
})

# Unit suffixes `parse_number` and `parse_int` drop by default. Units that would change the
# magnitude of what cmgr stores (件, 箱, 包, 支 against 条; 元/包 against 元/条) are left
# out on purpose: such a cell is reported instead of being stored 50 or 250 times wrong.
# Callers that know a column's unit pass their own `units`.
DEFAULT_UNITS: tuple[str, ...] = ("元/条", "元", "条", "档", "户", "个", "次", "家", "人")

_MAX_EXACT_FLOAT_INT = 2**53  # above this a float cannot hold every integer digit
_SERIAL_MIN, _SERIAL_MAX = 20000, 80000  # Excel serials 1954-10-03 .. 2119-01-11
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # 1900 date system, valid for serials above 60
_MIN_YEAR = 1900

_TIME = r"(?:(?:[ \t]+|T)(?P<h>\d{1,2}):(?P<mi>\d{1,2})(?::(?P<s>\d{1,2})(?:\.\d+)?)?)?"
_DATE_PATTERNS = tuple(
    re.compile(p + _TIME, re.ASCII)
    for p in (
        r"(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})",
        r"(?P<y>\d{4})[ \t]*年[ \t]*(?P<m>\d{1,2})[ \t]*月[ \t]*(?P<d>\d{1,2})[ \t]*[日号]?",
        r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})",
    )
)
_SERIAL_TEXT = re.compile(r"\d{5}(?:\.\d+)?", re.ASCII)

_NUMBER = re.compile(
    r"(?P<int>\d{1,3}(?:,\d{3})+|\d+)?(?:\.(?P<frac>\d*))?(?P<exp>[eE][+-]?\d+)?", re.ASCII
)

_SCIENTIFIC = re.compile(r"[+-]?\d(?:\.\d*)?[eE][+-]\d+|[+-]?\d\.\d*[eE]\d+", re.ASCII)
_INTEGRAL_TEXT = re.compile(r"(\d+)\.0+", re.ASCII)
_FORMULA_TEXT = re.compile(r'=[ \t]*"(.*)"', re.DOTALL)

_TOTAL_LABEL = re.compile(
    r"(?:本页|本月|本日|本期|全部|总|累计)?(?:合计|总计|小计|共计|总和)(?:\(.*\))?(?::.*)?"
    r"|(?:grand)?(?:sub)?total(?::.*)?",
    re.IGNORECASE | re.DOTALL,
)
_NO_SPACE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")

_MULTIPLIERS = {"万": 1e4, "萬": 1e4, "亿": 1e8}


# ----------------------------------------------------------------------------- helpers


def _is_missing(value: Any) -> bool:
    """None, NaN, pandas NA and NaT: no value at all."""
    if value is None:
        return True
    if isinstance(value, float):
        return value != value
    name = type(value).__name__
    if name in ("NAType", "NaTType"):
        return True
    if name in ("datetime64", "timedelta64") or (
            name.startswith("float") and isinstance(value, numbers.Real)):
        return bool(value != value)  # NaN and NaT are not equal to themselves
    return False


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool) or type(value).__name__ in ("bool_", "bool")


def _normalize(text: str) -> str:
    """NFKC (full-width digits and letters to half-width), then trim."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).replace("\u2212", "-")
    return text.strip(STRIP_CHARS)


# ----------------------------------------------------------------------------- numbers


def _number_from_text(text: str, units: Collection[str]) -> float | None:
    t = _normalize(text)
    if t in EMPTY_MARKERS:
        return None
    for unit in sorted(units, key=len, reverse=True):
        if unit and t.endswith(unit) and len(t) > len(unit):
            t = t[: -len(unit)].rstrip(STRIP_CHARS)
            break
    multiplier = 1.0
    if t and t[-1] in _MULTIPLIERS and len(t) > 1:
        multiplier = _MULTIPLIERS[t[-1]]
        head = t[:-1].rstrip(STRIP_CHARS)
        if head and head[-1] in "0123456789.":
            t = head  # 1.2万 is 12000; 一万 is left to the numeral parser
        else:
            multiplier = 1.0
    sign = 1.0
    if t[:1] in ("+", "-"):
        sign, t = (-1.0 if t[0] == "-" else 1.0), t[1:].lstrip(" \t")
    for currency in ("¥", "RMB", "CNY"):
        if t.startswith(currency):
            t = t[len(currency):].lstrip(" \t")
            if sign == 1.0 and t[:1] in ("+", "-"):
                sign, t = (-1.0 if t[0] == "-" else 1.0), t[1:].lstrip(" \t")
            break
    match = _NUMBER.fullmatch(t)
    if match and (match["int"] or match["frac"]):
        value = float(t.replace(",", ""))
    else:
        value = parse_numeral(t) if t else None
        if value is None:
            raise CellError(expected_number())
    value = sign * value * multiplier
    if not math.isfinite(value):
        raise CellError(expected_number())
    return value


def parse_number(value: Any, *, units: Collection[str] = DEFAULT_UNITS) -> float | None:
    """A number from a cell: 1234.5, "1,234.50", "１２", "12条", "¥23", "-3", "二十", "1.2万".

    A trailing unit from `units` is dropped (not converted). bool and dates are errors.
    """
    if _is_missing(value):
        return None
    if _is_bool(value):
        raise CellError(expected_number())
    if isinstance(value, numbers.Real):
        number = float(value)
        if not math.isfinite(number):
            raise CellError(expected_number())
        return number
    if isinstance(value, str):
        return _number_from_text(value, units)
    raise CellError(expected_number())


def _integral(number: float) -> int | None:
    """The integer a float stands for, allowing Excel's rounding noise (12.000000000000002)."""
    if abs(number) >= _MAX_EXACT_FLOAT_INT:
        return None
    nearest = round(number)
    if abs(number - nearest) > 1e-9 * max(1.0, abs(number)):
        return None
    return int(nearest)


def parse_int(value: Any, *, units: Collection[str] = DEFAULT_UNITS) -> int | None:
    """A whole number: 12, 12.0, "12", "12.0", "12档", "二十". 12.5 is an error."""
    try:
        number = parse_number(value, units=units)
    except CellError:
        raise CellError(expected_int()) from None
    if number is None:
        return None
    whole = _integral(number)
    if whole is None:
        raise CellError(expected_int())
    return whole


# ----------------------------------------------------------------------------- dates


def _checked_date(year: int, month: int, day: int) -> dt.date:
    if year < _MIN_YEAR:
        raise CellError(expected_date())
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise CellError(expected_date()) from None


def _date_from_number(number: float) -> dt.date:
    if not math.isfinite(number):
        raise CellError(expected_date())
    if 19000101 <= number <= 99991231 and number == int(number):  # 20261103 as a number
        whole = int(number)
        return _checked_date(whole // 10000, whole // 100 % 100, whole % 100)
    if _SERIAL_MIN <= number <= _SERIAL_MAX:
        return _EXCEL_EPOCH + dt.timedelta(days=math.floor(number))
    raise CellError(expected_date())


def _date_from_text(text: str) -> dt.date | None:
    t = _normalize(text)
    if t in EMPTY_MARKERS:
        return None
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(t)
        if match:
            if match["h"] is not None and not (
                int(match["h"]) < 24 and int(match["mi"]) < 60
                and (match["s"] is None or int(match["s"]) < 60)
            ):
                raise CellError(expected_date())
            return _checked_date(int(match["y"]), int(match["m"]), int(match["d"]))
    if _SERIAL_TEXT.fullmatch(t):  # a serial that went through a CSV
        return _date_from_number(float(t))
    raise CellError(expected_date())


def parse_date(value: Any) -> dt.date | None:
    """A date from a cell: a date/datetime, an Excel serial (1900 system), or text such as
    "2026-11-03", "2026/11/3", "2026.11.3", "2026年11月03日", "20261103", "2026-11-03 08:00:00".

    A time of day is dropped (a time zone is refused rather than guessed); years before
    1900 and impossible dates (2026-02-30) are errors.
    """
    if _is_missing(value):
        return None
    if _is_bool(value):
        raise CellError(expected_date())
    if isinstance(value, dt.datetime):
        return _checked_date(value.year, value.month, value.day)
    if isinstance(value, dt.date):
        return _checked_date(value.year, value.month, value.day)
    if type(value).__name__ == "datetime64":
        day = value.astype("datetime64[D]").item()
        if not isinstance(day, dt.date):  # beyond year 9999
            raise CellError(expected_date())
        return _checked_date(day.year, day.month, day.day)
    if isinstance(value, numbers.Real):
        return _date_from_number(float(value))
    if isinstance(value, str):
        return _date_from_text(value)
    raise CellError(expected_date())


# ----------------------------------------------------------------------------- codes, text


def _code_from_number(number: float) -> str:
    if not math.isfinite(number):
        raise CellError(expected_code())
    if abs(number) >= _MAX_EXACT_FLOAT_INT:
        raise CellError(expected_code_too_long())
    if number != int(number):
        raise CellError(expected_code())
    return str(int(number))


def parse_code(value: Any) -> str | None:
    """A customer code, licence number, cigarette code or order id, as text.

    Trims, folds full-width characters (NFKC), unwraps the `="0123"` and `'0123` tricks
    CSV exports use to keep leading zeros, and turns a number into its digits ("12345.0"
    and 12345.0 -> "12345"). Leading zeros lost in a numeric cell cannot come back here.
    Scientific notation ("5.32001E+11") means digits were lost: an error.
    """
    if _is_missing(value):
        return None
    if _is_bool(value):
        raise CellError(expected_code())
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return _code_from_number(float(value))
    if not isinstance(value, str):
        raise CellError(expected_code())
    t = _normalize(value)
    formula = _FORMULA_TEXT.fullmatch(t)
    if formula:
        t = formula[1].strip(STRIP_CHARS)
    elif t.startswith("'"):
        t = t[1:].strip(STRIP_CHARS)
    if t in EMPTY_MARKERS:
        return None
    if _SCIENTIFIC.fullmatch(t):
        raise CellError(expected_code_scientific())
    integral = _INTEGRAL_TEXT.fullmatch(t)
    return integral[1] if integral else t


def parse_text(value: Any) -> str | None:
    """Free text (names, addresses, notes): trimmed, NBSP inside made a plain space, empty
    markers ("—", "/", "无") -> None. Chinese punctuation and full-width forms are kept.
    Never raises: a number or date becomes the text Excel would show.
    """
    if _is_missing(value):
        return None
    if isinstance(value, str):
        t = value.strip(STRIP_CHARS)
        if "\xa0" in t:
            t = t.replace("\xa0", " ")
        return None if t in EMPTY_MARKERS else t
    if _is_bool(value):
        return "TRUE" if value else "FALSE"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        if number.is_integer() and abs(number) < _MAX_EXACT_FLOAT_INT:
            return str(int(number))
        return repr(number)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip(STRIP_CHARS)
    return text or None


def is_total_label(value: Any) -> bool:
    """True for a 合计/总计/小计 row label: "合计", "合 计", "合计：", "总计(元)", "Total"."""
    if not isinstance(value, str):
        return False
    text = _NO_SPACE.sub("", unicodedata.normalize("NFKC", value))
    return bool(text) and _TOTAL_LABEL.fullmatch(text) is not None


# ----------------------------------------------------------------------------- vectorised
#
# How the column parsers stay fast and still agree with the scalar ones: a fast path only
# takes cells that a regex admits, and each regex admits only forms the scalar parser reads
# the same way (the regexes run in pyarrow's RE2, about four times quicker than `re`).
# Everything else goes to the scalar parser, once per distinct value.

_FAST_PATH_MIN = 2000  # below this many values the scalar parser is as quick as pandas
_BAD = object()  # stands for a value the scalar parser refused

_PLAIN_NUMBER = r"[ \t]*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[ \t]*"
_GROUPED_NUMBER = r"[ \t]*[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?[ \t]*"
_PLAIN_CODE = r"[0-9A-Za-z_]+(?:-[0-9A-Za-z_]+)*"


class _Cells:
    """A column split by what its cells hold: positions into the column, and the values."""

    def __init__(self, s: pd.Series) -> None:
        import numpy as np

        self.source = s
        self.n = len(s)
        self.text_pos = np.empty(0, dtype=np.intp)  # str cells
        self._text: Any = np.empty(0, dtype=object)  # their values (`text`)
        self.text_arrow: Any = None  # the same, when the column already was Arrow strings
        self.number_pos = np.empty(0, dtype=np.intp)  # int/float cells, not bool, not NaN
        self.number = np.empty(0, dtype=np.float64)
        self.number_objects: Any = np.empty(0, dtype=object)  # the same cells as read
        self.moment_pos = np.empty(0, dtype=np.intp)  # cells of a datetime64 column
        self.moment = np.empty(0, dtype="datetime64[D]")
        self.other_pos = np.empty(0, dtype=np.intp)  # anything else: dates, bools, ...
        self.other: Any = np.empty(0, dtype=object)

    @property
    def text(self) -> Any:
        """The str cells as an object ndarray; of an Arrow column made only when asked for:
        `_text_via_distinct` needs Python strings of its distinct values only."""
        if self._text is None:
            self._text = self.text_arrow.to_numpy(zero_copy_only=False)
        return self._text

    @text.setter
    def text(self, values: Any) -> None:
        self._text = values

    def moment_objects(self) -> Any:
        """The datetime64 cells as Timestamps (only text needs their time of day)."""
        return self.source.iloc[self.moment_pos].to_numpy(dtype=object)


def _split_cells(s: pd.Series) -> _Cells:
    """Sort a column's cells by kind, cheaply for the usual one-kind columns."""
    import numpy as np
    import pandas as pd
    from pandas.api import types

    cells = _Cells(s)
    dtype = s.dtype
    if types.is_bool_dtype(dtype):
        present = ~s.isna().to_numpy()
        cells.other_pos = np.flatnonzero(present)
        cells.other = s.to_numpy(dtype=object)[present]
        return cells
    if types.is_numeric_dtype(dtype):
        values = s.to_numpy(dtype=np.float64, na_value=np.nan)
        cells.number_pos = np.flatnonzero(~np.isnan(values))
        cells.number = values[cells.number_pos]
        if types.is_integer_dtype(dtype):  # int64 holds digits a float would lose
            cells.number_objects = s.to_numpy(dtype=object)[cells.number_pos]
        else:
            cells.number_objects = cells.number.astype(object)
        return cells
    if types.is_datetime64_any_dtype(dtype):
        present = ~s.isna().to_numpy()
        cells.moment_pos = np.flatnonzero(present)
        values = s.dt.tz_localize(None) if getattr(dtype, "tz", None) else s
        cells.moment = values.to_numpy()[present].astype("datetime64[D]")
        return cells

    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        # fastexcel and pyarrow CSV columns: the Arrow strings serve the fast paths as is,
        # and become Python strings only where needed (`text`).
        import pyarrow as pa

        arrow = pa.array(s)
        if isinstance(arrow, pa.ChunkedArray):
            arrow = arrow.combine_chunks()
        cells.text_pos = np.flatnonzero(arrow.is_valid().to_numpy(zero_copy_only=False))
        cells.text = None
        cells.text_arrow = arrow.drop_null()
        return cells
    objects = s.to_numpy(dtype=object)
    present = ~pd.isna(objects)
    kind = types.infer_dtype(objects, skipna=True)
    if kind == "empty":
        return cells
    if kind == "string":
        is_text, is_number = present, None
    elif kind in ("integer", "floating", "mixed-integer-float"):
        is_text, is_number = None, present
    else:
        type_of = pd.Series(objects, dtype=object).map(type)
        is_text = type_of.isin([str, np.str_]).to_numpy() & present
        is_number = type_of.isin(_number_types()).to_numpy() & present
    if is_text is not None:
        cells.text_pos = np.flatnonzero(is_text)
        cells.text = objects[cells.text_pos]
    if is_number is not None:
        cells.number_pos = np.flatnonzero(is_number)
        cells.number_objects = objects[cells.number_pos]
        cells.number = cells.number_objects.astype(np.float64)
    if is_text is None or is_number is None:
        return cells
    is_other = present & ~is_text & ~is_number
    cells.other_pos = np.flatnonzero(is_other)
    cells.other = objects[cells.other_pos]
    return cells


def _number_types() -> list[type]:
    import numpy as np

    return [int, float, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16,
            np.uint32, np.uint64, np.float16, np.float32, np.float64]


class _Strings:
    """An object ndarray of str with a pyarrow copy made on demand, for RE2 and casts."""

    def __init__(self, values: Any, arrow: Any = None) -> None:
        """`values` may be None when `arrow` is given: made from it if asked for."""
        self._values = values
        self._arrow: Any = False if arrow is None else arrow

    @property
    def values(self) -> Any:
        if self._values is None:
            self._values = self._arrow.to_numpy(zero_copy_only=False)
        return self._values

    def __len__(self) -> int:
        return len(self._values) if self._values is not None else len(self._arrow)

    def arrow(self) -> Any:
        """The values as a pyarrow string array; None if pyarrow refuses them."""
        if self._arrow is False:
            import pyarrow as pa

            try:
                self._arrow = pa.array(self.values, type=pa.string())
            except (pa.ArrowException, UnicodeError, TypeError, ValueError):
                self._arrow = None  # e.g. a lone surrogate from a broken file
        return self._arrow

    def admitted(self, pattern: str, among: Any = None) -> Any:
        """Bool ndarray: which values (those at positions `among`, if given) the pattern
        matches in full."""
        import numpy as np

        arrow = self.arrow()
        if arrow is None:
            regex = re.compile(pattern, re.ASCII)
            values = self.values if among is None else self.values[among]
            return np.fromiter((regex.fullmatch(v) is not None for v in values),
                               dtype=bool, count=len(values))
        import pyarrow as pa
        import pyarrow.compute as pc

        if among is not None and len(among) < len(self):
            arrow = arrow.take(pa.array(among))
        matched = pc.match_substring_regex(arrow, f"^(?:{pattern})$")
        return np.array(matched.to_numpy(zero_copy_only=False), dtype=bool)  # writable

    def isin(self, markers: frozenset[str]) -> Any:
        """Bool ndarray: which values are one of `markers`."""
        import numpy as np
        import pandas as pd

        arrow = self.arrow()
        if arrow is None:
            return pd.Series(self.values, dtype=object).isin(markers).to_numpy()
        import pyarrow as pa
        import pyarrow.compute as pc

        found = pc.is_in(arrow, value_set=pa.array(sorted(markers), type=arrow.type))
        return np.array(found.to_numpy(zero_copy_only=False), dtype=bool)

    def floats(self, where: Any, drop: str = "") -> Any:
        """float64 of the admitted plain numbers at positions `where`, less `drop`."""
        import numpy as np
        import pandas as pd

        arrow = self.arrow()
        if arrow is not None:
            import pyarrow as pa
            import pyarrow.compute as pc

            picked = arrow if len(where) == len(self) else arrow.take(pa.array(where))
            if drop:
                picked = pc.replace_substring(picked, drop, "")
            try:
                return pc.cast(pc.utf8_trim(picked, " \t"), pa.float64()).to_numpy(
                    zero_copy_only=False)
            except pa.ArrowInvalid:  # not seen in practice; pandas below gives NaN instead
                pass
        picked = pd.Series(self.values[where], dtype=object)
        if drop:
            picked = picked.str.replace(drop, "", regex=False)
        return np.asarray(pd.to_numeric(picked.str.strip(" \t"), errors="coerce"),
                          dtype=np.float64)


def _scalar_each(values: Any, parse: Callable[[Any], Any]) -> list[Any]:
    """The scalar parser on each value; `_BAD` where it raised CellError."""
    out = []
    for value in values:
        try:
            out.append(parse(value))
        except CellError:
            out.append(_BAD)
    return out


def _bad_of(out: list[Any]) -> Any:
    import numpy as np

    return np.fromiter((v is _BAD for v in out), dtype=bool, count=len(out))


def _good_of(out: list[Any], empty: Any = None) -> list[Any]:
    return [empty if v is _BAD or v is None else v for v in out]


def _mostly_distinct(values: Any) -> bool:
    """Guess from a sample whether factorizing would not pay (order ids, timestamps).

    Birthday estimate: a sample of k values from D equally common ones holds about
    k*k / 2D pairs, so D ~ k*k / (2 * pairs). Values seen three times or more (a few
    messy forms, a default date) are left out so that they do not hide the rest.
    """
    if len(values) < 20000:
        return False
    sample = values[:: len(values) // 5000][:5000].tolist()
    return _mostly_distinct_sample(len(values), sample)


def _mostly_distinct_sample(n: int, sample: list) -> bool:
    """`_mostly_distinct` of n values from their sample (every n // 5000th, at most 5000)."""
    from collections import Counter

    counts = Counter(sample).values()
    light = sum(c for c in counts if c <= 2)
    if light < len(sample) // 2:
        return False
    pairs = sum(1 for c in counts if c == 2)
    distinct_estimate = light * light / (2 * max(pairs, 1))
    return distinct_estimate > n * light / len(sample) / 4


def _via_distinct(values: Any, parse_many: Callable[..., tuple[Any, Any]],
                  arrow: Any = None) -> tuple[Any, Any]:
    """Parse each distinct value once and spread the results back: exports repeat their
    dates, codes and prices, so a million parses become a few thousand.

    `parse_many(values)` returns (parsed ndarray, bad bool ndarray) for an object ndarray;
    `arrow`, the same values as Arrow strings, is passed on when the values are (no copy).
    Values must not mix bool with numbers (True == 1 for the hash table).
    """
    import numpy as np
    import pandas as pd

    if _mostly_distinct(values):
        return parse_many(values) if arrow is None else parse_many(values, arrow)
    codes, uniques = pd.factorize(values)
    parsed, bad = parse_many(np.asarray(uniques, dtype=object))
    return parsed.take(codes), bad.take(codes)


def _text_via_distinct(cells: _Cells, parse_many: Callable[..., tuple[Any, Any]]
                       ) -> tuple[Any, Any]:
    """`_via_distinct` over a column's text cells. An Arrow column is factorized in Arrow
    (hashing bytes in C, no Python string per cell: about 0.1 s a column of a million), and
    only its distinct values become Python strings; the same choice between parsing the
    distinct values and parsing all as `_via_distinct` makes."""
    arrow = cells.text_arrow
    if arrow is None:
        return _via_distinct(cells.text, parse_many)
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(arrow)
    if n >= 20000 and _mostly_distinct_sample(
            n, arrow.take(pa.array(np.arange(0, n, n // 5000)[:5000])).to_pylist()):
        return parse_many(cells.text, arrow)
    encoded = pc.dictionary_encode(arrow)
    parsed, bad = parse_many(encoded.dictionary.to_numpy(zero_copy_only=False))
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    return parsed.take(codes), bad.take(codes)


def _series_result(s: pd.Series, values: Any, bad: Any, dtype: Any = None
                   ) -> tuple[pd.Series, pd.Series]:
    import pandas as pd

    return (pd.Series(values, index=s.index, name=s.name, dtype=dtype),
            pd.Series(bad, index=s.index, name=s.name, dtype=bool))


# --- numbers


def _numbers_from_text(texts: Any, units: Collection[str], arrow: Any = None
                       ) -> tuple[Any, Any]:
    """float64 (NaN for empty) and bad mask for an object ndarray of str (or None, with the
    same as Arrow strings in `arrow`: Python strings are then made only of the cells the
    fast path leaves)."""
    import numpy as np

    strings = _Strings(texts, arrow)
    n = len(strings)
    values = np.full(n, np.nan)
    bad = np.zeros(n, dtype=bool)
    rest = np.arange(n)
    if n >= _FAST_PATH_MIN:
        # Thousands separators ("1,234.50") can fill a whole column: they get a step too.
        for pattern, drop in ((_PLAIN_NUMBER, ""), (_GROUPED_NUMBER, ",")):
            admitted = strings.admitted(pattern, rest)
            if admitted.any():
                where = rest[admitted]
                parsed = strings.floats(where, drop)
                finite = np.isfinite(parsed)
                values[where[finite]] = parsed[finite]
                admitted[admitted] = finite
                rest = rest[~admitted]
            if len(rest) == 0:
                return values, bad

    def scalar(values_: Any) -> tuple[Any, Any]:
        out = _scalar_each(values_, lambda v: parse_number(v, units=units))
        return np.array(_good_of(out, np.nan), dtype=np.float64), _bad_of(out)

    values[rest], bad[rest] = _via_distinct(strings.values[rest], scalar)
    return values, bad


def _numbers(s: pd.Series, units: Collection[str]) -> tuple[Any, Any]:
    import numpy as np

    cells = _split_cells(s)
    values = np.full(cells.n, np.nan)
    bad = np.zeros(cells.n, dtype=bool)
    finite = np.isfinite(cells.number)
    values[cells.number_pos[finite]] = cells.number[finite]
    bad[cells.number_pos[~finite]] = True
    if len(cells.text_pos):
        values[cells.text_pos], bad[cells.text_pos] = _numbers_from_text(
            None if cells.text_arrow is not None else cells.text, units, cells.text_arrow)
    bad[cells.moment_pos] = True  # a date is not a number
    if len(cells.other_pos):
        out = _scalar_each(cells.other, lambda v: parse_number(v, units=units))
        values[cells.other_pos] = _good_of(out, np.nan)
        bad[cells.other_pos] = _bad_of(out)
    return values, bad


def parse_number_series(s: pd.Series, *, units: Collection[str] = DEFAULT_UNITS
                        ) -> tuple[pd.Series, pd.Series]:
    """`parse_number` over a column: (float64 with NaN for empty, bad mask)."""
    values, bad = _numbers(s, units)
    return _series_result(s, values, bad, "float64")


def parse_int_series(s: pd.Series, *, units: Collection[str] = DEFAULT_UNITS
                     ) -> tuple[pd.Series, pd.Series]:
    """`parse_int` over a column: (nullable Int64, bad mask)."""
    import numpy as np
    import pandas as pd

    values, bad = _numbers(s, units)
    present = ~np.isnan(values)
    known = np.where(present, values, 0.0)
    magnitude = np.abs(known)
    nearest = np.round(known)
    fits = present & (magnitude < _MAX_EXACT_FLOAT_INT)
    fits &= np.abs(known - nearest) <= 1e-9 * np.maximum(1.0, magnitude)
    bad |= present & ~fits
    ints = np.where(fits, nearest, 0).astype(np.int64)
    return _series_result(s, pd.arrays.IntegerArray(ints, ~fits), bad)


# --- dates

_H, _M = r"(?:[01]?\d|2[0-3])", r"[0-5]?\d"  # valid times only: pandas takes 60 seconds
_DATE_FORMATS = (  # (format for pandas, the regex that admits a value to it)
    ("%Y-%m-%d", r"\d{4}-\d{1,2}-\d{1,2}"),
    ("%Y/%m/%d", r"\d{4}/\d{1,2}/\d{1,2}"),
    ("%Y.%m.%d", r"\d{4}\.\d{1,2}\.\d{1,2}"),
    ("%Y%m%d", r"\d{8}"),  # pandas also reads 2026113 with this format: the regex guards
    ("%Y年%m月%d日", r"\d{4}年\d{1,2}月\d{1,2}日"),
    ("%Y-%m-%d %H:%M:%S", rf"\d{{4}}-\d{{1,2}}-\d{{1,2}} {_H}:{_M}:{_M}"),
    ("%Y-%m-%dT%H:%M:%S", rf"\d{{4}}-\d{{1,2}}-\d{{1,2}}T{_H}:{_M}:{_M}"),
    ("%Y/%m/%d %H:%M:%S", rf"\d{{4}}/\d{{1,2}}/\d{{1,2}} {_H}:{_M}:{_M}"),
    ("%Y-%m-%d %H:%M", rf"\d{{4}}-\d{{1,2}}-\d{{1,2}} {_H}:{_M}"),
    ("%Y/%m/%d %H:%M", rf"\d{{4}}/\d{{1,2}}/\d{{1,2}} {_H}:{_M}"),
)
_DATE_FORMAT_REGEXES = {fmt: re.compile(pattern, re.ASCII) for fmt, pattern in _DATE_FORMATS}


def _dates_from_text(texts: Any, arrow: Any = None) -> tuple[Any, Any]:
    """datetime64[D] (NaT for empty) and bad mask for an object ndarray of str.

    Formats are tried most common first, each by pandas on the values its regex admits
    (pandas is slow on values it fails, so it never sees them).
    """
    import numpy as np
    import pandas as pd

    days = np.full(len(texts), np.datetime64("NaT"), dtype="datetime64[D]")
    bad = np.zeros(len(texts), dtype=bool)
    rest = np.arange(len(texts))
    strings = _Strings(texts, arrow)
    untried = list(_DATE_FORMATS)
    lowest = np.datetime64(f"{_MIN_YEAR}-01-01")
    while len(rest) >= _FAST_PATH_MIN and untried:
        sample = texts[rest[:200]]
        count, fmt, pattern = max(
            ((sum(_DATE_FORMAT_REGEXES[fmt].fullmatch(v) is not None for v in sample), fmt,
              pattern) for fmt, pattern in untried), key=lambda c: c[0])
        if count == 0:
            break
        untried.remove((fmt, pattern))
        admitted = strings.admitted(pattern, rest)
        candidates = rest[admitted]
        parsed = pd.to_datetime(pd.Series(texts[candidates], dtype=object), format=fmt,
                                errors="coerce").to_numpy().astype("datetime64[D]")
        ok = ~np.isnat(parsed) & (parsed >= lowest)
        days[candidates[ok]] = parsed[ok]
        admitted[admitted] = ok
        rest = rest[~admitted]

    if len(rest):
        days[rest], bad[rest] = _via_distinct(texts[rest], _dates_of_objects)
    return days, bad


def _dates(s: pd.Series) -> tuple[Any, Any]:
    """datetime64[D] (NaT for empty) and the bad mask."""
    import numpy as np

    cells = _split_cells(s)
    days = np.full(cells.n, np.datetime64("NaT"), dtype="datetime64[D]")
    bad = np.zeros(cells.n, dtype=bool)

    in_range = ((cells.moment >= np.datetime64(f"{_MIN_YEAR}-01-01"))
                & (cells.moment <= np.datetime64("9999-12-31")))
    days[cells.moment_pos[in_range]] = cells.moment[in_range]
    bad[cells.moment_pos[~in_range]] = True

    serial = (cells.number >= _SERIAL_MIN) & (cells.number <= _SERIAL_MAX)
    whole_days = np.floor(cells.number[serial]).astype(np.int64)
    days[cells.number_pos[serial]] = np.datetime64(_EXCEL_EPOCH, "D") + whole_days

    if len(cells.text_pos):
        days[cells.text_pos], bad[cells.text_pos] = _text_via_distinct(cells, _dates_from_text)

    # 20261103 as a number, out-of-range serials; date objects, bools. Numbers and the rest
    # stay apart: a hash table takes True for 1.
    for pos, values in ((cells.number_pos[~serial], cells.number_objects[~serial]),
                        (cells.other_pos, cells.other)):
        if len(pos):
            days[pos], bad[pos] = _via_distinct(values, _dates_of_objects)
    return days, bad


def _dates_of_objects(values: Any) -> tuple[Any, Any]:
    import numpy as np

    out = _scalar_each(values, parse_date)
    return np.array(_good_of(out), dtype="datetime64[D]"), _bad_of(out)


def _day_values(days: Any, convert: Callable[[Any], Any]) -> Any:
    """Convert datetime64[D] to an object ndarray (None for NaT), once per distinct day."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(days)  # NaT -> -1, which picks the None at the end
    converted = np.empty(len(uniques) + 1, dtype=object)
    converted[:-1] = [convert(day) for day in np.asarray(uniques, dtype="datetime64[D]")]
    converted[-1] = None
    return converted.take(codes)


def parse_date_series(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """`parse_date` over a column: (object Series of datetime.date or None, bad mask).

    Object dtype rather than datetime64: a licence expiry of 9999-12-31 ("no expiry") is
    real and does not fit datetime64[ns], and the importer wants days, not instants.
    """
    days, bad = _dates(s)
    return _series_result(s, _day_values(days, lambda day: day.astype(object)), bad, object)


def parse_date_series_iso(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """`parse_date` over a column as ISO 'YYYY-MM-DD' str (None for empty), for SQLite."""
    days, bad = _dates(s)
    return _series_result(s, _day_values(days, str), bad, object)


# --- codes and text


def _codes_from_text(texts: Any, arrow: Any = None) -> tuple[Any, Any]:
    """Codes for an object ndarray of str: plain ASCII codes as they are, the rest by scalar."""
    import numpy as np

    parsed = np.full(len(texts), None, dtype=object)
    bad = np.zeros(len(texts), dtype=bool)
    rest = np.arange(len(texts))
    if len(texts) >= _FAST_PATH_MIN:
        strings = _Strings(texts, arrow)
        plain = strings.admitted(_PLAIN_CODE) & ~strings.isin(_ALPHA_EMPTY_MARKERS)
        parsed[plain] = texts[plain]
        rest = rest[~plain]
    if len(rest):
        parsed[rest], bad[rest] = _via_distinct(texts[rest], _codes_of_objects)
    return parsed, bad


def _codes_of_objects(values: Any) -> tuple[Any, Any]:
    import numpy as np

    out = _scalar_each(values, parse_code)
    parsed = np.empty(len(values), dtype=object)
    parsed[:] = _good_of(out)
    return parsed, _bad_of(out)


_ALPHA_EMPTY_MARKERS = frozenset(m for m in EMPTY_MARKERS if re.fullmatch(_PLAIN_CODE, m))


def _codes_from_numbers(values: Any) -> tuple[Any, Any]:
    """Codes for numbers: whole numbers a float holds exactly, vectorised."""
    import numpy as np

    try:
        floats = values.astype(np.float64)
    except OverflowError:  # an int beyond float range: let the scalar parser have them all
        floats = np.full(len(values), np.nan)
    exact = np.isfinite(floats) & (np.abs(floats) < _MAX_EXACT_FLOAT_INT)
    exact[exact] = floats[exact] == np.floor(floats[exact])
    parsed = np.full(len(values), None, dtype=object)
    bad = np.zeros(len(values), dtype=bool)
    parsed[exact] = floats[exact].astype(np.int64).astype(str)
    rest = np.flatnonzero(~exact)
    if len(rest):
        out = _scalar_each(values[rest], parse_code)
        parsed[rest] = _good_of(out)
        bad[rest] = _bad_of(out)
    return parsed, bad


def parse_code_series(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """`parse_code` over a column: (object Series of str or None, bad mask)."""
    import numpy as np

    cells = _split_cells(s)
    parsed = np.full(cells.n, None, dtype=object)
    bad = np.zeros(cells.n, dtype=bool)
    if len(cells.text_pos):
        parsed[cells.text_pos], bad[cells.text_pos] = _text_via_distinct(cells,
                                                                          _codes_from_text)
    if len(cells.number_pos):
        parsed[cells.number_pos], bad[cells.number_pos] = _via_distinct(
            cells.number_objects, _codes_from_numbers)
    bad[cells.moment_pos] = True  # a date is not a code
    if len(cells.other_pos):
        out = _scalar_each(cells.other, parse_code)
        parsed[cells.other_pos] = _good_of(out)
        bad[cells.other_pos] = _bad_of(out)
    return _series_result(s, parsed, bad, object)


def _texts_of(values: Any) -> tuple[Any, Any]:
    import numpy as np

    parsed = np.empty(len(values), dtype=object)
    parsed[:] = [parse_text(v) for v in values]
    return parsed, np.zeros(len(values), dtype=bool)


def parse_text_series(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """`parse_text` over a column: (object Series of str or None, bad mask, never set)."""
    import numpy as np

    cells = _split_cells(s)
    parsed = np.full(cells.n, None, dtype=object)
    if len(cells.text_pos):
        parsed[cells.text_pos] = _text_via_distinct(cells, lambda v, _arrow=None: _texts_of(v))[0]
    for pos, values in ((cells.number_pos, cells.number_objects), (cells.other_pos, cells.other)):
        if len(pos):
            parsed[pos] = _via_distinct(values, _texts_of)[0]
    if len(cells.moment_pos):
        parsed[cells.moment_pos] = _via_distinct(cells.moment_objects(), _texts_of)[0]
    return _series_result(s, parsed, np.zeros(cells.n, dtype=bool), object)


# --- weekdays (访销日) ------------------------------------------------------------------------

_WEEKDAY_WORDS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7, "七": 7,
                  "1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6, "7": 7,
                  "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7}
_WEEKDAY_PREFIX = re.compile(r"^(?:星期|礼拜|周)")
_WEEKDAY_SPLIT = re.compile(r"[、,，;；/|+和及\s]+")
_WEEKDAY_NEXT_PREFIX = re.compile(r"(?<=.)(?=星期|礼拜|周)")


def parse_weekdays(value: Any) -> str | None:
    """The weekdays of a roster's 访销日 as ISO digits in the order written: "周二" -> "2",
    "星期二、星期五" -> "25", "2" -> "2", "Tue" -> "2". Empty -> None."""
    if _is_missing(value):
        return None
    if _is_bool(value):
        raise CellError(expected_weekdays())
    if isinstance(value, numbers.Real):
        whole = _integral(float(value))
        if whole is None or whole < 1:
            raise CellError(expected_weekdays())
        value = str(whole)
    text = unicodedata.normalize("NFKC", str(value)).strip(STRIP_CHARS).lower()
    if text in EMPTY_MARKERS or not text:
        return None
    # "周二周五" has no separator but each day its own prefix.
    text = _WEEKDAY_NEXT_PREFIX.sub("、", text)
    days: list[str] = []
    for part in _WEEKDAY_SPLIT.split(text):
        if not part:
            continue
        word = _WEEKDAY_PREFIX.sub("", part)
        word = word[:3] if word[:3] in _WEEKDAY_WORDS else word
        # "25" is how cmgr stores 周二、周五 (and what `db export` writes): one digit a day.
        found = ([_WEEKDAY_WORDS[c] for c in word] if word.isdigit() and set(word) <= set("1234567")
                 else [_WEEKDAY_WORDS.get(word)])
        for day in found:
            if day is None:
                raise CellError(expected_weekdays())
            if str(day) not in days:
                days.append(str(day))
    if not days:
        raise CellError(expected_weekdays())
    return "".join(days)


def _weekdays_of(values: Any) -> tuple[Any, Any]:
    import numpy as np

    out = _scalar_each(values, parse_weekdays)
    parsed = np.empty(len(values), dtype=object)
    parsed[:] = _good_of(out)
    return parsed, _bad_of(out)


def parse_weekdays_series(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """`parse_weekdays` over a column (object Series of ISO digit strings or None, bad mask);
    a roster repeats a handful of values, each parsed once."""
    import numpy as np

    cells = _split_cells(s)
    parsed = np.full(cells.n, None, dtype=object)
    bad = np.zeros(cells.n, dtype=bool)
    for pos, values in ((cells.text_pos, cells.text), (cells.number_pos, cells.number_objects),
                        (cells.other_pos, cells.other)):
        if len(pos):
            parsed[pos], bad[pos] = _via_distinct(values, _weekdays_of)
    bad[cells.moment_pos] = True  # a date is not a weekday
    return _series_result(s, parsed, bad, object)


PER_PACK_PRICE = re.compile(r"^[¥￥]?\s*(\d+(?:\.\d+)?)\s*元?\s*/\s*包$")


def parse_price_per_carton(value: Any) -> float | None:
    """A retail price as the importer reads it, in 元/条: "750", "750元/条", "¥750", or per
    pack "75元/包" (x 10 packs per 条). None for an empty cell; CellError otherwise."""
    if isinstance(value, str):
        m = PER_PACK_PRICE.match(unicodedata.normalize("NFKC", value).strip())
        if m:
            from cmgr.domain import PACKS_PER_CARTON

            return float(m.group(1)) * PACKS_PER_CARTON
    return parse_number(value)

