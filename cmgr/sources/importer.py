"""Turn one export file into canonical records of one kind, accounting for every row.

Every data row below the header ends up in exactly one place: the records `parse_rows`
returns (to be stored), `skipped` (blank rows, 合计 rows, exact duplicates within the file: counted and reported), or
`rejects` (with file, sheet, Excel row, column, value and reason). Unreadable optional cells
cost only that cell: the row is kept and a warning names it. No SQL here: the store writes.
"""

from __future__ import annotations

import hashlib
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cmgr.domain import (
    CARTONS_PER_CASE,
    CARTONS_PER_JIAN,
    CUSTOMER_STATUSES,
    FIELD_TYPES,
    PACKS_PER_CARTON,
    SURVEY_LEVELS,
    VISIT_TYPE_SYNONYMS,
    canonical_status,
)
from cmgr.errors import Location
from cmgr.i18n import tr
from cmgr.sources import cells
from cmgr.sources.fields import HEADER_ALIASES, KINDS, Kind, field_for_header
from cmgr.sources.tabular import read_table


@dataclass(frozen=True)
class Issue:
    """A rejected row, or a cell stored empty because it could not be read."""

    file: str
    sheet: str | None
    row: int
    column: str | None
    value: object
    reason: str  # in the user's language
    # REJECTED (a code the callers compare), else what was done, in the user's language
    action: str

    def location(self) -> Location:
        return Location(self.file, self.sheet, self.row, self.column, self.value)

    @property
    def rejected(self) -> bool:
        return self.action == REJECTED

    def action_text(self) -> str:
        """What was done with the row, for the user (the rejects file's action column)."""
        return tr("拒收") if self.rejected else self.action


REJECTED = "rejected"


def stored_without_value() -> str:
    return tr("保存，此值留空")


@dataclass
class ParsedFile:
    kind: str
    file: str
    sheet: str | None
    sha256: str
    header_row: int
    columns: dict[str, str]  # canonical field -> header as written
    ignored_columns: list[str]
    rows_read: int = 0
    skipped_blank: int = 0
    skipped_total: int = 0
    skipped_duplicate: int = 0
    rejects: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # file-level remarks (unit conversions...)
    later_sheets: list[str] = field(default_factory=list)  # workbook sheets still to import

    @property
    def skipped(self) -> int:
        return self.skipped_blank + self.skipped_total + self.skipped_duplicate


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def skipped_sheet_note(sheet: str, reason: str) -> str:
    return tr("工作表 {sheet} 未导入：{reason}", sheet=sheet, reason=reason)


def _header_check(kind: Kind, mapping, kind_is_right: bool = False):
    renames = dict(kind.renames)

    def check(fields: list[str | None], cells_: list) -> str | None:
        present = {renames.get(f, f) for f in fields if f}
        missing = [group for group in kind.required_columns if not present.intersection(group)]
        if not missing:
            return None if kind_is_right else _looks_like_another_kind(kind, present)

        # Each missing column by the headers exports use for it (any one will do).
        wanted = _listing(["/".join(alias for g in group for alias in HEADER_ALIASES[g][:3])
                           for group in missing])
        seen = _listing([str(c) for c in cells_ if c not in (None, "")])
        other = _guess_kind(present)
        if other and other != kind.name:
            return tr("不是{label}（`{kind}`）的导出文件：缺少必需的列 {wanted}。找到的表头：{seen}。"
                      "这看起来像{other_label}（`{other}`）文件。", label=kind.label, kind=kind.name,
                      wanted=wanted, seen=seen, other_label=KINDS[other].label, other=other)
        return tr("不是{label}（`{kind}`）的导出文件：缺少必需的列 {wanted}。找到的表头：{seen}。",
                  label=kind.label, kind=kind.name, wanted=wanted, seen=seen)
    return check


def _listing(items: list[str]) -> str:
    """Items as a list in the user's language: 甲、乙、丙 / 甲, 乙, 丙."""
    text = items[0] if items else ""
    for item in items[1:]:
        text = tr("{before}、{after}", before=text, after=item)
    return text


def _looks_like_another_kind(kind: Kind, present: set[str]) -> str | None:
    """A header that has every required column of another kind and more of that kind's
    columns than of this one's is that kind's export: a visits file taken for a roster would
    reassign customers, an orders file taken for prices would set prices from order lines."""
    own = present.intersection(kind.fields)
    for other in KINDS.values():
        theirs = present.intersection(other.fields)
        if (other.name != kind.name and len(theirs) > len(own)
                and all(present.intersection(group) for group in other.required_columns)):
            return tr("这看起来像{other_label}（`{other}`）文件，不是{label}（`{kind}`）："
                      "其中 {n_theirs} 列是{other_label}的列（{theirs}），{n_own} 列是{label}的列。"
                      "未导入任何内容；请用 `cmgr import {other}`，如果确实是这一类，请加 "
                      "`--kind-is-right`", other_label=other.label, other=other.name,
                      label=kind.label, kind=kind.name, n_theirs=len(theirs),
                      theirs=", ".join(sorted(theirs)), n_own=len(own))
    return None


def _guess_kind(present: set[str]) -> str | None:
    for name, k in KINDS.items():
        if all(present.intersection(group) for group in k.required_columns) and name != "customers":
            return name
    if "customer_code" in present and "customer_name" in present:
        return "customers"
    return None


@dataclass(frozen=True)
class Plausible:
    """Bounds beyond which a cell is taken for a typo, not a value (configuration: import.*).
    A key cell outside them rejects its row; another is stored empty, with a warning."""

    future_days: int = 31  # dates after the export date (or today) plus this many days
    license_years: int = 30  # 许可证有效期 may lie this many years ahead
    qty_min: float = 0.0  # 条 per order line (set below 0 if your exports carry returns)
    qty_max: float = 100_000.0
    price_min: float = 0.0  # 元 per 条, every price column
    price_max: float = 100_000.0
    amount_max: float = 100_000_000.0  # 元 per order line, either sign

    @classmethod
    def from_config(cls, cfg) -> Plausible:
        return cls(**{name: cfg.get(f"import.{name}") for name in cls.__dataclass_fields__})

    def date_ceiling(self, fieldname: str, export_date: str | None) -> str:
        import datetime as dt

        base = max(dt.date.today().isoformat(), export_date or "")
        base_day = dt.date.fromisoformat(base)
        if fieldname == "license_expiry":
            return base_day.replace(year=min(base_day.year + self.license_years, 9998),
                                    day=min(base_day.day, 28)).isoformat()
        return (base_day + dt.timedelta(days=self.future_days)).isoformat()


_PRICE_FIELDS = ("wholesale_price", "retail_guide_price", "min_retail_price", "observed_price")


def _implausible(prep: PreparedFile, fieldname: str, value: pd.Series) -> tuple[pd.Series | None, str]:
    """Cells parsed fine but outside `prep.plausible`: (mask or None, the reason)."""
    p = prep.plausible
    ftype = FIELD_TYPES[fieldname]
    if ftype == "date":
        ceiling = p.date_ceiling(fieldname, prep.export_date)
        if fieldname == "license_expiry":
            why = (tr("日期晚于 {ceiling}（导出日期加 {years} 年）：是笔误吗？", ceiling=ceiling,
                      years=p.license_years) if prep.export_date
                   else tr("日期晚于 {ceiling}（今天加 {years} 年）：是笔误吗？", ceiling=ceiling,
                           years=p.license_years))
        else:
            why = (tr("日期晚于 {ceiling}（导出日期加 {days} 天，`import.future_days`）：是笔误吗？",
                      ceiling=ceiling, days=p.future_days) if prep.export_date
                   else tr("日期晚于 {ceiling}（今天加 {days} 天，`import.future_days`）：是笔误吗？",
                           ceiling=ceiling, days=p.future_days))
        return value.fillna("") > ceiling, why
    keys = ""
    if fieldname in QTY_COLUMN_CARTONS:
        lo, hi, unit, keys = p.qty_min, p.qty_max, "条", "`import.qty_min` / `import.qty_max`"
    elif fieldname in _PRICE_FIELDS:
        lo, hi, unit, keys = p.price_min, p.price_max, "元/条", "`import.price_min` / `import.price_max`"
    elif fieldname == "amount":
        lo, hi, unit, keys = -p.amount_max, p.amount_max, "元", "`import.amount_max`"
    elif fieldname == "lon":
        lo, hi, unit = -180.0, 180.0, "°"
    elif fieldname == "lat":
        lo, hi, unit = -90.0, 90.0, "°"
    else:
        return None, ""
    number = pd.to_numeric(value, errors="coerce")
    why = (tr("超出合理范围 {lo} 至 {hi} {unit}（{keys}）", lo=f"{lo:g}", hi=f"{hi:g}", unit=unit,
              keys=keys) if keys
           else tr("超出合理范围 {lo} 至 {hi} {unit}", lo=f"{lo:g}", hi=f"{hi:g}", unit=unit))
    return (number < lo) | (number > hi), why


@dataclass
class PreparedFile:
    """A file read, its header mapped and its 合计 rows taken out: ready to be parsed in parts
    (`parse_rows`), so that a big file's first parts can be stored while the rest is parsed."""

    parsed: ParsedFile  # header facts now; counts, rejects and warnings as parts are parsed
    kind: Kind
    frame: pd.DataFrame  # the data rows as text cells, column i under header i
    rows: pd.Series  # each frame row's Excel row number
    columns: dict[str, int]  # canonical field -> frame column
    converted: dict[str, int] = field(default_factory=dict)  # header -> cells with own unit
    # Parts parsed so far, for repeats across parts: (their keys in order, their records).
    done: list[tuple[np.ndarray, pd.DataFrame]] = field(default_factory=list)
    plausible: Plausible = field(default_factory=Plausible)
    export_date: str | None = None  # the date written above the header, if any
    formula_cells: object = None  # tabular.RawTable.formula_cells

    def __len__(self) -> int:
        return len(self.frame)


def prepare_file(path: str | Path, kind_name: str, *, sheet: str | None = None,
                 mapping: dict[str, str] | None = None,
                 kind_is_right: bool = False, plausible: Plausible | None = None) -> PreparedFile:
    """Read one file, map its header and skip its 合计 rows. Raises InputError when the file
    cannot be used at all, or looks like another kind's export (unless `kind_is_right`)."""
    kind = KINDS[kind_name]
    path = Path(path)
    table = read_table(path, sheet=sheet, mapping=mapping,
                       accept_header=_header_check(kind, mapping, kind_is_right))
    columns: dict[str, int] = {}
    written: dict[str, str] = {}
    ignored: list[str] = []
    renames = dict(kind.renames)
    for i, header in enumerate(table.headers):
        fieldname = field_for_header(header, mapping)
        fieldname = renames.get(fieldname, fieldname)
        if fieldname in kind.fields and fieldname not in columns:
            columns[fieldname] = i
            written[fieldname] = header
        elif header.strip():
            ignored.append(tr("{header}（未知）", header=header) if fieldname is None
                           else tr("{header}（第二个 {field} 列）", header=header, field=fieldname)
                           if fieldname in columns
                           else tr("{header}（{field}，`{kind}` 不保存）", header=header,
                                   field=fieldname, kind=kind.name))
    parsed = ParsedFile(kind_name, str(path), table.sheet, sha256_of(path), table.header_row,
                        written, ignored, later_sheets=table.later_sheets)
    parsed.notes.extend(skipped_sheet_note(name, reason) for name, reason in table.skipped_sheets)
    frame = table.frame
    rows = table.row_numbers
    parsed.rows_read = len(frame) + len(table.unreadable)
    parsed.rejects.extend(Issue(parsed.file, parsed.sheet, line, None, raw, reason, REJECTED)
                          for line, reason, raw in table.unreadable)
    extra = {"plausible": plausible or Plausible(), "export_date": table.export_date,
             "formula_cells": table.formula_cells}
    if len(frame) == 0:
        return PreparedFile(parsed, kind, frame, rows, columns, **extra)

    # 合计/总计/小计 rows: skipped, and counted. (Blank rows are found after parsing, so that
    # cells holding only spaces count as blank too.)
    is_total = np.zeros(len(frame), dtype=bool)
    for col in set(range(min(3, frame.shape[1]))) | {columns[f] for f in kind.key_fields if f in columns}:
        s = frame[col]
        # A cheap filter first (every total label has 计 or "total"), the exact test on the hits.
        lowered = s.astype(str).str.lower()
        mask = (s.notna() & (lowered.str.contains("计", regex=False)
                             | lowered.str.contains("total", regex=False))).to_numpy()
        for pos in np.flatnonzero(mask):
            if cells.is_total_label(s.iat[pos]):
                is_total[pos] = True
    parsed.skipped_total = int(is_total.sum())
    if parsed.skipped_total:
        totals = np.flatnonzero(is_total)
        if totals[0] == len(frame) - len(totals):  # the usual case: totals at the very end,
            frame, rows = frame.iloc[: totals[0]], rows.iloc[: totals[0]]  # a cheap slice
        else:
            frame, rows = frame[~is_total], rows[~is_total]
    return PreparedFile(parsed, kind, frame, rows, columns, **extra)


def parse_rows(prep: PreparedFile, start: int, stop: int) -> pd.DataFrame:
    """Rows [start, stop) of a prepared file as records to store (canonical columns, "_row"
    and "_key"), in key order. Parts must be parsed in order, each once: a key repeated from an
    earlier part is told apart exactly as within one part. Rejects, warnings and skipped
    counts accumulate in `prep.parsed`."""
    kind, kind_name, parsed, columns = prep.kind, prep.parsed.kind, prep.parsed, prep.columns
    written = parsed.columns
    frame, rows = prep.frame.iloc[start:stop], prep.rows.iloc[start:stop]
    out = pd.DataFrame(index=frame.index)
    bad_any = pd.Series(False, index=frame.index)
    reject_reason: dict[int, Issue] = {}
    # Columns parse independently, mostly inside Arrow and NumPy, which release the GIL:
    # two threads take about a third off a million-row file on two cores.
    with ThreadPoolExecutor(max_workers=2) as pool:
        parsed_columns = list(pool.map(lambda item: _parse_column(item[0], frame[item[1]]),
                                       columns.items()))
    for (fieldname, col), (value, bad) in zip(columns.items(), parsed_columns, strict=True):
        raw = frame[col]
        if value.attrs.get("converted"):
            header = written[fieldname]
            prep.converted[header] = prep.converted.get(header, 0) + value.attrs["converted"]
        if FIELD_TYPES[fieldname] == "text":
            value = _without_control_chars(parsed, rows, written[fieldname], raw, value)
        is_key = fieldname in kind.key_fields
        odd, why = _implausible(prep, fieldname, value)
        if odd is not None and odd.any():
            # A quantity in 件 or 箱 stands for the key 数量: without it the row has none.
            is_key = is_key or (fieldname in QTY_COLUMN_CARTONS and "qty" in kind.key_fields)
            value = value.where(~odd, None if value.dtype == object else np.nan)
            for i in odd[odd].index:
                issue = Issue(parsed.file, parsed.sheet, int(rows[i]), written[fieldname], raw[i],
                              why, REJECTED if is_key else stored_without_value())
                if is_key:
                    reject_reason.setdefault(i, issue)
                else:
                    parsed.warnings.append(issue)
            if is_key:
                bad_any |= odd
            is_key = fieldname in kind.key_fields
        out[fieldname] = value
        if fieldname == "grade":
            out["grade_label"] = cells.parse_text_series(raw)[0]
        if fieldname == "observed_price":
            out["observed_price_text"] = raw.where(bad, None)
        if fieldname == "settle_status":
            out["status_text"] = value.attrs["text"]
        if bad.any():
            idx = bad[bad].index
            why = tr("应为{expected}", expected=_expected(FIELD_TYPES[fieldname]))
            action = REJECTED if is_key else stored_without_value()
            for i in idx:
                issue = Issue(parsed.file, parsed.sheet, int(rows[i]), written[fieldname],
                              raw[i], why, action)
                if is_key:
                    reject_reason.setdefault(i, issue)
                else:
                    parsed.warnings.append(issue)
            if is_key:
                bad_any |= bad

    # Rows with nothing in any used column: skipped, and counted.
    blank = out[list(columns)].isna().all(axis=1) if columns else pd.Series(True, index=out.index)
    blank &= ~bad_any
    skipped_blank = int(blank.sum())
    parsed.skipped_blank += skipped_blank
    if skipped_blank:
        out, rows, bad_any = out[~blank], rows[~blank], bad_any[~blank]
    reject_reason = {i: r for i, r in reject_reason.items() if i in out.index}
    # Orders may count in 件 or 箱: convert to 条 on import.
    if kind_name == "orders":
        _orders_quantity(out, parsed)
    # A key field that is empty rejects the row.
    for fieldname in kind.key_fields:
        if fieldname not in out:
            continue
        empty = out[fieldname].isna() & ~bad_any
        header = written.get(fieldname, fieldname)
        for i in empty[empty].index:
            reason = tr("必填的列「{column}」为空", column=header)
            if prep.formula_cells is not None and fieldname in columns and \
                    (int(rows[i]), columns[fieldname]) in prep.formula_cells():
                reason = tr("必填的列「{column}」是没有保存结果的公式（由程序写出的文件）："
                            "请用 Excel 打开、保存，再导入一次", column=header)
            reject_reason.setdefault(i, Issue(parsed.file, parsed.sheet, int(rows[i]),
                                              header, None, reason, REJECTED))
        bad_any |= empty
    if kind.key_any:
        present = [f for f in kind.key_any if f in out]
        lacking = ~bad_any
        for fieldname in present:
            lacking &= out[fieldname].isna()
        words = "/".join(written.get(f, HEADER_ALIASES[f][0]) for f in kind.key_any)
        reason = tr("这一行至少需要以下一项：{columns}", columns=words)
        for i in lacking[lacking].index:
            reject_reason.setdefault(i, Issue(parsed.file, parsed.sheet, int(rows[i]), None, None,
                                              reason, REJECTED))
        bad_any |= lacking
    parsed.rejects.extend(reject_reason.values())
    if bad_any.any():
        out, rows = out[~bad_any], rows[~bad_any]
    out["_row"] = rows.astype(int)
    _normalise(parsed, out)
    out = _dedupe(prep, out).reset_index(drop=True)
    return out


def _without_control_chars(parsed: ParsedFile, rows: pd.Series, header: str, raw: pd.Series,
                           value: pd.Series) -> pd.Series:
    """Text with control characters (NUL, BEL, ESC sequences) taken out, a warning per cell:
    stored raw they would break every xlsx and Word output and the terminal."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from cmgr.inert_text import CONTROL_CHARS

    # One pass in Arrow finds whether any cell needs either fix (most columns: none).
    try:
        texts = pa.array(value, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        texts = None
    if texts is not None and not pc.any(pc.match_substring_regex(
            texts, r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x{9f}]|^'[=+@-]")).as_py():
        return value
    # The apostrophe cmgr's CSV outputs put before formula-like text (inert_text.csv_cell)
    # is taken off again, so `db export` reads back as it was.
    quoted = value.str.match(r"'[=+\-@]", na=False)
    if quoted.any():
        value = value.where(~quoted, value.str[1:])
    has = value.str.contains(CONTROL_CHARS.pattern, regex=True, na=False)
    if not has.any():
        return value
    value = value.copy()
    for i in has[has].index:
        cleaned = CONTROL_CHARS.sub("", value[i]).strip()
        value[i] = cleaned or None
        parsed.warnings.append(Issue(parsed.file, parsed.sheet, int(rows[i]), header,
                                     repr(raw[i]), tr("已去除控制字符"),
                                     tr("清理后保存")))
    return value


def finish_file(prep: PreparedFile) -> ParsedFile:
    """The file's account once every part is parsed: rejects in row order, file-level notes."""
    parsed = prep.parsed
    parsed.rejects.sort(key=lambda r: r.row)
    parsed.warnings.sort(key=lambda w: w.row)  # the same order however the file was cut
    for header, n in prep.converted.items():
        parsed.notes.append(tr("列「{column}」中 {n} 个单元格自带单位（件、箱或条），已按其单位换算",
                               column=header, n=n))
    return parsed


def _expected(ftype: str) -> str:
    """What a cell of this field type should hold, in the user's language."""
    if ftype == "code":
        return cells.expected_code()
    if ftype == "date":
        return cells.expected_date()
    if ftype == "number":
        return cells.expected_number()
    if ftype == "weekdays":
        return cells.expected_weekdays()
    return {
        "text": lambda: tr("文本内容"),
        "price": lambda: tr("每条的价格，如 23、23.5 或 230元/条"),
        "grade": lambda: tr("档位，如 12、12档、二十，或 A3 这样的编码"),
        "settle_status": lambda: tr("结算状态，如 成功、扣款成功、已结算、失败、余额不足、未扣款 或 待扣款"),
        "grade_band": lambda: tr("档位段，如 1-8、9~17档、18档以上、12档 或 全部"),
        "month": lambda: tr("月份，如 2026-11、2026年11月、202611，或该月中的一个日期"),
    }[ftype]()


def _parse_column(fieldname: str, raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    ftype = FIELD_TYPES[fieldname]
    if ftype == "code":
        return cells.parse_code_series(raw)
    if ftype == "text":
        return cells.parse_text_series(raw)
    if ftype == "date":
        return cells.parse_date_series_iso(raw)
    if fieldname in QTY_COLUMN_CARTONS:
        return _parse_quantity_series(fieldname, raw)
    if ftype == "number":
        return cells.parse_number_series(raw)
    if ftype == "price":
        return _parse_price_series(raw)
    if ftype == "weekdays":
        return cells.parse_weekdays_series(raw)
    if ftype == "settle_status":
        from cmgr.core.settlements import normalise_status

        return _parse_words_series(raw, normalise_status)
    if ftype == "grade_band":
        return _parse_words_series(raw, _grade_band)
    if ftype == "month":
        return _parse_month_series(raw)
    if ftype == "grade":
        value, bad = cells.parse_int_series(raw)
        # A region's code grade (A3, B1) is not an error: it is kept as grade_label.
        text = raw[bad].astype(str).str.strip()
        coded = text.str.fullmatch(cells.GRADE_CODE)
        bad = bad.copy()
        bad[coded[coded].index] = False
        return value, bad
    raise AssertionError(ftype)


def _parse_words_series(raw: pd.Series, convert) -> tuple[pd.Series, pd.Series]:
    """A column of a few distinct words read through `convert(text) -> value | None` (None:
    not understood): statuses, grade bands, months. Each distinct cell is read once, so a
    million rows cost a factorize. The text as read is in `value.attrs["text"]`."""
    codes, uniques = pd.factorize(raw)  # empty cells: code -1, the None appended below
    texts = [cells.parse_text(u) for u in uniques]
    text = np.array(texts + [None], dtype=object)[codes]
    values = np.array([None if t is None else convert(t) for t in texts] + [None],
                      dtype=object)[codes]
    bad = pd.notna(text) & pd.isna(values)
    value = pd.Series(values, index=raw.index, dtype=object)
    value.attrs["text"] = pd.Series(text, index=raw.index, dtype=object)
    return value, pd.Series(bad, index=raw.index)


_GRADE_RANGE = re.compile(r"^(\d{1,2})\s*档?\s*(?:-|~|—|–|至|到)\s*(\d{1,2})\s*档?$")
_GRADE_FROM = re.compile(r"^(\d{1,2})\s*档?\s*(?:及以上|以上|\+|或以上)$")
_GRADE_UPTO = re.compile(r"^(\d{1,2})\s*档?\s*(?:及以下|以下)$")
_GRADE_ONE = re.compile(r"^(\d{1,2})\s*档?$")
GRADE_TOP = 99  # an open band's upper end ("18档以上")


def _grade_band(text: str) -> str | None:
    """A grade band as "from-to" (both ends included): "1-8档" -> "1-8", "18档以上" -> "18-99",
    "12档" -> "12-12", "全部" -> "1-99"."""
    t = cells._normalize(text).replace(" ", "")
    if t in ("全部", "所有", "所有档位", "全部档位", "不限", "全档位"):
        return f"1-{GRADE_TOP}"
    for pattern, make in ((_GRADE_RANGE, lambda m: (int(m[1]), int(m[2]))),
                          (_GRADE_FROM, lambda m: (int(m[1]), GRADE_TOP)),
                          (_GRADE_UPTO, lambda m: (1, int(m[1]))),
                          (_GRADE_ONE, lambda m: (int(m[1]), int(m[1])))):
        m = pattern.match(t)
        if m:
            low, high = make(m)
            return f"{low}-{high}" if low <= high else None
    return None


_MONTH_TEXT = re.compile(r"^(\d{4})\s*(?:-|/|\.|年)?\s*(\d{1,2})\s*月?(?:份)?$")


def _parse_month_series(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Months as "YYYY-MM": 2026-11, 2026/11, 2026年11月, 202611, or a date (its month)."""
    value, bad = _parse_words_series(raw, _month_of_text)
    if bad.any():  # a date cell or a date written out: its month
        dates, date_bad = cells.parse_date_series_iso(raw[bad])
        ok = ~date_bad & dates.notna()
        value[ok[ok].index] = dates[ok].str.slice(0, 7)
        bad[ok[ok].index] = False
    return value, bad


def _month_of_text(text: str) -> str | None:
    m = _MONTH_TEXT.match(cells._normalize(text).replace(" ", ""))
    if not m or not 1 <= int(m[2]) <= 12 or not 1900 <= int(m[1]) <= 2200:
        return None
    return f"{int(m[1]):04d}-{int(m[2]):02d}"


# Quantities: the column's unit (from its header) in 条, and units a cell may carry itself.
QTY_COLUMN_CARTONS = {"qty": 1, "qty_jian": CARTONS_PER_JIAN, "qty_xiang": CARTONS_PER_CASE}
_CELL_UNIT_CARTONS = {"条": 1, "件": CARTONS_PER_JIAN, "箱": CARTONS_PER_CASE}
_QTY_WITH_UNIT = re.compile(r"^(?P<n>.+?)\s*(?P<u>条|件|箱)$")


def _rescue(raw: pd.Series, value: pd.Series, bad: pd.Series, convert) -> tuple[pd.Series, pd.Series, int]:
    """Cells the number parser refused that `convert(text) -> float | None` can read after
    all (a unit in the cell, a price per 包); each distinct text is tried once, so a column
    full of "2件" costs as little as a clean one. Returns value, bad, and how many were read."""
    if not bad.any():
        return value, bad, 0
    value, bad = value.copy(), bad.copy()
    idx = bad[bad].index
    codes, uniques = pd.factorize(raw[idx].astype(str))
    read = np.array([convert(cells._normalize(u)) for u in uniques], dtype=float)[codes]
    ok = ~np.isnan(read)
    value[idx[ok]] = read[ok]
    bad[idx[ok]] = False
    return value, bad, int(ok.sum())


def _parse_quantity_series(fieldname: str, raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """A quantity column, in 条 whatever its header's unit; a cell that names its own unit
    ("2件", "1箱", "30条") is read in that unit, so "2件" under 数量 is 2 x 50 条 and "20条"
    under 订购量(件) is 20 条, not 20 件. How many cells named a unit is in `value.attrs`."""
    per = QTY_COLUMN_CARTONS[fieldname]
    # 条 in a 件 or 箱 column must be read as 条, not dropped as the number parser would.
    units = cells.DEFAULT_UNITS if per == 1 else tuple(u for u in cells.DEFAULT_UNITS if u != "条")
    value, bad = cells.parse_number_series(raw, units=units)
    value = value * per

    def with_unit(text: str) -> float | None:
        m = _QTY_WITH_UNIT.match(text)
        try:
            number = cells.parse_number(m["n"], units=()) if m else None
        except cells.CellError:
            return None
        return None if number is None else number * _CELL_UNIT_CARTONS[m["u"]]

    value, bad, converted = _rescue(raw, value, bad, with_unit)
    value.attrs["converted"] = converted
    return value, bad


_PER_PACK = cells.PER_PACK_PRICE


def _parse_price_series(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Prices per 条; a price written per 包 ("23元/包") is converted (1 条 = 10 包)."""
    value, bad = cells.parse_number_series(raw)

    def per_pack(text: str) -> float | None:
        m = _PER_PACK.match(text)
        return float(m.group(1)) * PACKS_PER_CARTON if m else None

    value, bad, _ = _rescue(raw, value, bad, per_pack)
    return value, bad


def _orders_quantity(out: pd.DataFrame, parsed: ParsedFile) -> None:
    qty = out["qty"] if "qty" in out else pd.Series(np.nan, index=out.index)
    if "qty_jian" in out:
        fill = qty.isna() & out["qty_jian"].notna()
        qty = qty.where(~fill, out["qty_jian"])  # already in 条
        _note(parsed, tr("以件计的数量已换算为条（1 件 = {n} 条）", n=CARTONS_PER_JIAN))
        del out["qty_jian"]
    if "qty_xiang" in out:
        fill = qty.isna() & out["qty_xiang"].notna()
        qty = qty.where(~fill, out["qty_xiang"])  # already in 条
        _note(parsed, tr("以箱计的数量已换算为条（1 箱 = {n} 条）", n=CARTONS_PER_CASE))
        del out["qty_xiang"]
    out["qty"] = qty
    if "amount" not in out and "wholesale_price" in out:
        out["amount"] = (out["qty"] * out["wholesale_price"]).round(2)
        _note(parsed, tr("金额按 数量 × 批发价 计算（文件中没有「金额」列）"))


def _note(parsed: ParsedFile, text: str) -> None:
    """A file-level remark, once however many parts say it."""
    if text not in parsed.notes:
        parsed.notes.append(text)




def _normalise(parsed: ParsedFile, out: pd.DataFrame) -> None:
    kind_name = parsed.kind
    if kind_name == "survey":
        if "level" in out:
            by_level = out["level"].map(lambda s: SURVEY_LEVELS.get(s.replace(" ", ""))
                                        if isinstance(s, str) else None)
            out["score"] = out["score"].fillna(by_level) if "score" in out else by_level
        # A round is named by its text, else by its date: both name the same survey.
        if "survey_round" not in out:
            out["survey_round"] = None
        if "survey_date" in out:
            out["survey_round"] = out["survey_round"].fillna(out["survey_date"])
    if kind_name == "customers" and "status" in out:
        # Known words are stored canonical; an unknown one as written, with a warning per row,
        # and every command reads it alike (cmgr.domain.is_active: not in normal business).
        words = out["status"].dropna().unique()
        canonical = {w: canonical_status(w) for w in words}
        out["status"] = out["status"].map(lambda s: canonical.get(s) or s if isinstance(s, str)
                                          else s)
        unknown = [w for w, c in canonical.items() if c is None]
        if unknown:
            header = parsed.columns.get("status", "status")
            hit = out[out["status"].isin(unknown)]
            for row, word in zip(hit["_row"], hit["status"], strict=True):
                parsed.warnings.append(Issue(
                    parsed.file, parsed.sheet, int(row), header, word,
                    tr("客户状态「{word}」不在 cmgr 的状态表中（{statuses}及其同义词，见 docs/domain.md）",
                       word=word, statuses="、".join(CUSTOMER_STATUSES)),
                    tr("照原样保存，按非正常经营处理：不排访问、不推荐促销、不按名册查无证")))
    if kind_name == "visits":
        if "visit_type" in out:
            out["visit_type"] = out["visit_type"].map(
                lambda s: VISIT_TYPE_SYNONYMS.get(s.replace(" ", ""), s) if isinstance(s, str) else s)
        else:
            out["visit_type"] = "常规访问"
    if kind_name == "supply":
        band = (out["grade_band"] if "grade_band" in out
                else pd.Series(None, index=out.index, dtype=object)).fillna(f"1-{GRADE_TOP}")
        out["grade_band"] = band
        ends = band.str.split("-", n=1, expand=True)
        out["grade_from"] = ends[0].astype(int)
        out["grade_to"] = ends[1].astype(int)


def record_key(kind_name: str, out: pd.DataFrame) -> np.ndarray:
    """The natural key each kind is stored under (see the README: re-import), as an object
    array of str. Key fields are parsed text by now and never empty (such rows are rejected),
    so plain object-array concatenation works: about 4x faster than pandas string methods."""
    def text(column: str, rows=slice(None)) -> np.ndarray:
        return out[column].to_numpy(dtype=object)[rows]

    n = len(out)
    if kind_name == "customers":
        return text("customer_code")
    if kind_name == "prices":
        return text("sku_code")
    if kind_name == "survey":
        rounds = out["survey_round"].fillna("").to_numpy(dtype=object)
        return rounds + "|" + text("customer_code") + "|" + text("survey_item")
    if kind_name == "orders":
        has_id = out["order_id"].notna().to_numpy() if "order_id" in out else np.zeros(n, bool)
        key = np.empty(n, dtype=object)
        if has_id.any():
            key[has_id] = text("order_id", has_id) + "|" + text("sku_code", has_id)
        lacking = ~has_id
        if lacking.any():
            key[lacking] = ("@" + text("order_date", lacking) + "|" + text("customer_code", lacking)
                            + "|" + text("sku_code", lacking))
        return key
    if kind_name == "settlements":
        # One row per deduction when the export numbers them, else one per order: a later
        # export of the same order (pending -> paid) updates its row.
        key = np.empty(n, dtype=object)
        todo = np.ones(n, bool)
        for column, prefix in (("deduction_id", "#"), ("order_id", "")):
            if column in out:
                has = out[column].notna().to_numpy() & todo
                if has.any():
                    key[has] = prefix + text(column, has)
                todo &= ~has
        if todo.any():
            key[todo] = "@" + text("order_date", todo) + "|" + text("customer_code", todo)
        return key
    if kind_name == "supply":
        start = (out["valid_from"].fillna("").to_numpy(dtype=object) if "valid_from" in out
                 else np.full(n, "", dtype=object))
        return text("sku_code") + "|" + text("grade_band") + "|" + start
    if kind_name == "targets":
        return text("manager") + "|" + text("month")
    if kind_name == "visits":
        has_id = out["visit_id"].notna().to_numpy() if "visit_id" in out else np.zeros(n, bool)
        key = np.empty(n, dtype=object)
        if has_id.any():
            key[has_id] = text("visit_id", has_id)
        lacking = ~has_id
        if lacking.any():
            notes = (out["notes"].fillna("").to_numpy(dtype=object)[lacking] if "notes" in out
                     else np.full(int(lacking.sum()), "", dtype=object))
            kind = out["visit_type"].fillna("").to_numpy(dtype=object)[lacking]
            key[lacking] = ("@" + text("visit_date", lacking) + "|" + text("customer_code", lacking)
                            + "|" + kind + "|" + notes)
        return key
    raise AssertionError(kind_name)


def _dedupe(prep: PreparedFile, out: pd.DataFrame) -> pd.DataFrame:
    """Exact repeats within one file are skipped (counted); a key repeated with other values
    is rejected with the row it clashes with, since silently keeping either would lose data.
    The file's first row of a key wins, whichever part it is in.

    Returns the part in key order (stable: the file's first of equal keys comes first), which
    is what finds repeats here, and what the store wants: B-tree writes in key order are about
    twice as fast as in file order.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    kind_name, parsed = prep.parsed.kind, prep.parsed
    if out.empty:
        out["_key"] = pd.Series(dtype=object)
        return out
    key = record_key(kind_name, out)
    order = pc.sort_indices(pa.array(key, type=pa.large_string())).to_numpy()
    if not (order[1:] > order[:-1]).all():  # not in key order already
        out, key = out.iloc[order], key[order]
    out["_key"] = pd.Series(key, index=out.index, dtype=object)  # no inference into str: 0.1 s
    value_cols = [c for c in out.columns if c not in ("_row", "_key")]
    drop = np.zeros(len(key), dtype=bool)
    # Keys kept by an earlier part: every row of theirs here is a repeat of that kept row.
    # Only where this part's key range overlaps an earlier part's (nowhere for an export
    # sorted by its key; at the seams for one sorted by order but not by cigarette), and
    # searched for within the overlap only.
    for earlier_keys, earlier in prep.done:
        if earlier_keys[-1] < key[0] or earlier_keys[0] > key[-1]:
            continue
        a, b = np.searchsorted(key, earlier_keys[0], "left"), np.searchsorted(key, earlier_keys[-1], "right")
        lo, hi = np.searchsorted(earlier_keys, key[0], "left"), np.searchsorted(earlier_keys, key[-1], "right")
        hit = pc.index_in(pa.array(key[a:b], type=pa.large_string()),
                          value_set=pa.array(earlier_keys[lo:hi], type=pa.large_string()))
        for j in np.flatnonzero(hit.is_valid().to_numpy(zero_copy_only=False)):
            pos = a + j
            _repeat(parsed, out.iloc[pos], earlier.iloc[lo + hit[int(j)].as_py()], value_cols)
            drop[pos] = True
    # Repeats inside this part (keys new to the file), each against its key's first row here.
    again = np.zeros(len(key), dtype=bool)
    again[1:] = (key[1:] == key[:-1]) & ~drop[1:]
    if again.any():
        first_pos = np.maximum.accumulate(np.where(again, 0, np.arange(len(key))))
        for pos in np.flatnonzero(again):
            _repeat(parsed, out.iloc[pos], out.iloc[first_pos[pos]], value_cols)
        drop |= again
    out = out[~drop]
    if len(out):
        prep.done.append((key[~drop], out))
    return out


def _repeat(parsed: ParsedFile, row: pd.Series, first: pd.Series, value_cols: list[str]) -> None:
    """A row repeating the key of an earlier kept row: the same values, skipped and counted;
    other values, rejected naming the row it clashes with."""
    if all(_same(row[c], first[c]) for c in value_cols):
        parsed.skipped_duplicate += 1
    else:
        parsed.rejects.append(_clash(parsed, int(row["_row"]), row["_key"], int(first["_row"])))


def _same(a, b) -> bool:
    return (pd.isna(a) and pd.isna(b)) if (pd.isna(a) or pd.isna(b)) else a == b


def _clash(parsed: ParsedFile, row: int, key: str, first_row: int) -> Issue:
    return Issue(parsed.file, parsed.sheet, row, None, key,
                 tr("与第 {first_row} 行的键相同（{key_words}），但值不同", first_row=first_row,
                    key_words=_key_words(parsed.kind)),
                 REJECTED)


def _key_words(kind_name: str) -> str:
    return {"customers": lambda: "客户编码", "prices": lambda: "卷烟编码",
            "orders": lambda: tr("订单编号 + 卷烟编码；没有订单编号时为 日期 + 客户 + 卷烟"),
            "visits": lambda: tr("访问编号；没有时为 日期 + 客户 + 类型 + 内容"),
            "settlements": lambda: tr("扣款流水号，其次订单编号，其次 订货日期 + 客户编码"),
            "supply": lambda: "卷烟编码 + 档位段 + 开始日期", "targets": lambda: "客户经理 + 月份",
            "survey": lambda: "轮次 + 客户编码 + 调查项目"}[kind_name]()
