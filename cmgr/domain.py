"""The domain's words, defined once (docs/domain.md): customer statuses, grade bands, flag
statuses and their Chinese labels, units, price classes, Chinese numerals, cigarette-name
matching and weekday names.

Every layer imports these; nothing re-spells them. No I/O and no heavy imports: the
configured policy (which bands, which price thresholds) comes from cmgr.config, but the types
and the lookups live here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# --- units -------------------------------------------------------------------------------------
# 1 箱 (case) = 250 条 (cartons) = 2,500 包 (packs). Orders are stored in 条.

CARTONS_PER_CASE = 250  # 箱 = 250 条
CARTONS_PER_JIAN = 50  # 件: shipping carton, commonly 50 条
PACKS_PER_CARTON = 10  # 条 = 10 包
# The 促销品's unit printed on the 签收单 when none is given (份, 张, 个...).
PROMO_ITEM_UNIT = "份"


# --- output file names ---------------------------------------------------------------------------
# The default --out of each document, for the job that writes it and the help that shows it
# (placeholders filled by cmgr.render.output.expand_out).

OUT_MONTHLY_REPORT = "月度报告-{manager}-{month}.{format}"
OUT_PLAN = "客户访问日程表-{manager}-{week}.{format}"
OUT_PLAN_REVIEW = "访问计划执行情况-{week}.xlsx"
OUT_TODAY = "今日走访单-{manager}-{date}.{format}"
OUT_FLAG_LIST = "违规标记清单-{date}.{format}"
OUT_FLAG_REPORT = "价格违规及无证经营情况报告-{date}.{format}"
OUT_COMPLAINT_FORM = "{id}.{format}"
OUT_SPECIAL_VISIT = "特殊访问-{id}.{format}"
OUT_PROMO_LIST = "促销推荐-{manager}-{date}.{format}"
OUT_PROMO_RECEIPT = "签收单-{id}-{date}.{format}"
OUT_AREA_SUMMARY = "片区汇总-{area}-{month}.{format}"


# --- canonical fields ----------------------------------------------------------------------------

# The canonical fields cmgr stores (docs/domain.md, "Canonical fields"), each with the kind of
# value it holds: the parser the importer uses for it (cmgr.sources.cells).
FIELD_TYPES: dict[str, str] = {
    "customer_code": "code",
    "customer_name": "text",
    "license_no": "code",
    "license_expiry": "date",
    "address": "text",
    "phone": "code",
    "grade": "grade",
    "manager": "text",
    "route": "text",
    "lon": "number",
    "lat": "number",
    "joined_on": "date",
    "status": "text",
    "settlement": "text",
    "business_type": "text",
    "visit_weekdays": "weekdays",
    "order_id": "code",
    "order_date": "date",
    "sku_code": "code",
    "sku_name": "text",
    "wholesale_price": "number",
    "qty": "number",
    "qty_jian": "number",
    "qty_xiang": "number",
    "amount": "number",
    "visit_id": "code",
    "visit_date": "date",
    "visit_type": "text",
    "notes": "text",
    "checked_sku": "text",
    "observed_price": "price",
    "retail_guide_price": "number",
    "min_retail_price": "number",
    # settlements (电子结算 export)
    "deduction_id": "code",
    "settle_status": "settle_status",
    "settled_at": "date",
    "fail_reason": "text",
    # supply limits (货源投放)
    "grade_band": "grade_band",
    "limit_qty": "number",
    "valid_from": "date",
    "valid_to": "date",
    # monthly targets
    "month": "month",
    "target_cases": "number",
    # satisfaction survey (满意度调查结果)
    "survey_round": "text",
    "survey_date": "date",
    "survey_item": "text",
    "score": "number",
    "level": "text",
}
CANONICAL_FIELDS = tuple(FIELD_TYPES)

# A satisfaction level as the service centre writes it (满意度调查结果) -> a score out of 100.
SURVEY_LEVELS = {"非常满意": 100.0, "很满意": 100.0, "满意": 80.0, "比较满意": 80.0,
                 "基本满意": 60.0, "一般": 60.0, "不太满意": 40.0, "不满意": 40.0,
                 "很不满意": 20.0, "非常不满意": 20.0}


# --- customer status ---------------------------------------------------------------------------

NORMAL = "正常"
SUSPENDED = "暂停经营"
LEFT = "已退网"
CUSTOMER_STATUSES = (NORMAL, SUSPENDED, LEFT)

# The words exports use for each status; the importer stores the canonical word.
STATUS_SYNONYMS: dict[str, str] = {
    "正常": NORMAL, "营业": NORMAL, "在营": NORMAL, "有效": NORMAL, "正常经营": NORMAL,
    "暂停": SUSPENDED, "暂停经营": SUSPENDED, "停业": SUSPENDED, "歇业": SUSPENDED,
    "已退网": LEFT, "退网": LEFT, "注销": LEFT, "已注销": LEFT,
}


# What a stored status may say for a customer in normal business (empty is the default).
ACTIVE_STATUS_WORDS = ("", *(w for w, s in STATUS_SYNONYMS.items() if s == NORMAL))


def canonical_status(word: str | None) -> str | None:
    """The canonical status of a roster's status word; empty is 正常 (the roster's default);
    None for a word no synonym names (the importer warns and stores it as written)."""
    text = re.sub(r"\s+", "", word or "")
    if not text:
        return NORMAL
    return STATUS_SYNONYMS.get(text)


def is_active(status: str | None) -> bool:
    """In normal business (正常, or no status): planned for visits, judged by the roster
    licence rule, eligible for promotions, counted for overdue visits.

    暂停经营 and 已退网 are not, and neither is a word cmgr does not know (停业整顿, a typo):
    the importer warns about it, and every command treats the customer alike, as not trading
    normally, until the roster says otherwise."""
    return canonical_status(status) == NORMAL


def has_left(status: str | None) -> bool:
    """已退网: out of the network (an unknown word is not: the customer is still served)."""
    return canonical_status(status) == LEFT


# --- settlement method (结算方式 in the roster) --------------------------------------------------

E_SETTLEMENT = "电子结算"
CASH = "现金"


def pays_electronically(method: str | None) -> bool | None:
    """Whether a roster's 结算方式 is 电子结算 (any wording with 电子: 电子结算, 电子支付): True;
    现金: False; empty or another word: None (not known)."""
    text = unicodedata.normalize("NFKC", method or "").strip()
    if "电子" in text:
        return True
    if CASH in text:
        return False
    return None


# --- grade bands (档位 -> visit policy band) -----------------------------------------------------

@dataclass(frozen=True)
class GradeBand:
    """One 档位 band of the visit policy (分级管理规定): its grades, level, name and interval."""

    grade_min: int
    grade_max: int
    level: int
    name: str
    interval_days: float

    def covers(self, grade: int) -> bool:
        return self.grade_min <= grade <= self.grade_max

    @property
    def label(self) -> str:
        """The band as documents show it: 三级（14-20档）."""
        return f"{self.name}（{self.grade_min}-{self.grade_max}档）"


def band_for(grade: int | None, bands: Iterable[GradeBand]) -> GradeBand | None:
    """The band covering a 档位, or None (no grade, or no band covers it)."""
    if grade is None:
        return None
    for band in bands:
        if band.covers(grade):
            return band
    return None


# --- price classes (价类) --------------------------------------------------------------------------

@dataclass(frozen=True)
class PriceClasses:
    """价类 thresholds: lower bounds (inclusive) of 一类..四类 on `basis`; below the last is 五类.
    The defaults are the tax-exclusive allocation price bounds per 条; [price_classes] in the
    configuration replaces them (cmgr.config)."""

    basis: str = "wholesale_price"
    bounds: tuple[float, ...] = (100.0, 70.0, 30.0, 16.5)
    names: tuple[str, ...] = ("一类", "二类", "三类", "四类", "五类")

    def classify(self, price: float | None) -> str | None:
        if price is None or price != price:  # None or NaN
            return None
        for name, bound in zip(self.names, self.bounds, strict=False):
            if price >= bound:
                return name
        return self.names[len(self.bounds)]


# --- flag statuses ---------------------------------------------------------------------------------
# new -> reported (to the area market manager) -> closed with the result, or dismissed.

FLAG_STATUSES = ("new", "reported", "closed", "dismissed")
FLAG_STATUS_LABELS = {"new": "待上报", "reported": "已上报", "closed": "已办结", "dismissed": "已排除"}
OPEN_FLAG_STATUSES = ("new", "reported")  # still in the manager's or the area manager's hands


def flag_status_label(status: str) -> str:
    """The Chinese label every document uses for a flag status (an unknown one as written)."""
    return FLAG_STATUS_LABELS.get(status, status)


# --- plan review: what happened to each planned visit (plan-review) -------------------------------

PLAN_REVIEW_LABELS = {"as_planned": "按计划访问", "other_day": "改日访问", "not_visited": "未访问"}


# --- visit types (访问类型) ---------------------------------------------------------------------------

REGULAR_VISIT, SPECIAL_VISIT = "常规访问", "特殊访问"
VISIT_TYPE_NAMES = (REGULAR_VISIT, SPECIAL_VISIT)
# The words exports, sheets and the command line use for them (seed 4.1.1 定期访问, 4.1.2 特殊访问).
VISIT_TYPE_SYNONYMS = {"常规": REGULAR_VISIT, "常规访问": REGULAR_VISIT, "正常访问": REGULAR_VISIT,
                       "定期访问": REGULAR_VISIT, "regular": REGULAR_VISIT,
                       "特殊": SPECIAL_VISIT, "特殊访问": SPECIAL_VISIT, "special": SPECIAL_VISIT}


# --- weekdays ----------------------------------------------------------------------------------------

WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")  # date.weekday() order


# --- Chinese numerals ------------------------------------------------------------------------------

_CN_DIGITS = {
    "〇": 0, "零": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3,
    "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8,
    "捌": 8, "九": 9, "玖": 9,
}
_CN_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_BIG_UNITS = {"万": 10**4, "萬": 10**4, "亿": 10**8}
_CN_CHARS = frozenset(_CN_DIGITS) | frozenset(_CN_SMALL_UNITS) | frozenset(_CN_BIG_UNITS)
_ARABIC = re.compile(r"\d+(?:\.\d+)?")


def _chinese_integer(text: str) -> int | None:
    """二十 -> 20, 十二 -> 12, 一百零五 -> 105, 两 -> 2, 一百二 -> 120, 二〇二六 -> 2026."""
    if not text or not set(text) <= _CN_CHARS:
        return None
    if all(c in _CN_DIGITS for c in text):  # read digit by digit, as in 二〇二六 or 六五零
        return int("".join(str(_CN_DIGITS[c]) for c in text))
    total = 0  # finished 亿/万 sections
    section = 0  # value inside the current section
    digit: int | None = None
    last_small = 10**5  # units inside a section must decrease
    last_big = 10**9
    zero_seen = False
    for char in text:
        if char in _CN_DIGITS:
            value = _CN_DIGITS[char]
            if value == 0:
                if digit is not None:
                    return None
                zero_seen = True
                continue
            if digit is not None:
                return None  # two digits in a row: 二二十
            digit = value
        elif char in _CN_SMALL_UNITS:
            unit = _CN_SMALL_UNITS[char]
            if unit >= last_small:
                return None
            if digit is None and (section or total or unit != 10):
                return None  # only 十 may stand alone (十二); 百 needs 一百
            section += (1 if digit is None else digit) * unit
            last_small, digit, zero_seen = unit, None, False
        else:
            unit = _CN_BIG_UNITS[char]
            if unit >= last_big or (digit is None and section == 0):
                return None
            section += digit or 0
            total += section * unit
            section, digit, last_small, last_big, zero_seen = 0, None, 10**5, unit, False
    if digit is not None:
        if zero_seen:
            section += digit
        elif last_small < 10**5:  # colloquial 一百二 = 120, 六百五 = 650, 两千三 = 2300
            section += digit * last_small // 10
        elif last_big < 10**9:  # 一万二 = 12000
            section += digit * last_big // 10
        else:
            section += digit
    return total + section


def parse_numeral(text: str) -> float | None:
    """A number written in digits or in Chinese, or None when it is not one.

    45, 23.5, 四十五, 十二, 一百零五, 一百二 (120), 六百五 (650), 两千三 (2300), 六五零 and
    二〇二六 (digit by digit), 一万二 (12000), 一亿二千万, 三点五, 贰拾. Malformed numerals
    (百 alone, 十百, 二二十) are None rather than a guess. No signs, units or separators:
    the callers (cell parsing, note reading) strip those first."""
    if _ARABIC.fullmatch(text):
        return float(text)
    whole, point, fraction = text.partition("点")
    if not point:
        value = _chinese_integer(text)
        return None if value is None else float(value)
    integer = _chinese_integer(whole)
    if integer is None or not fraction or not all(c in _CN_DIGITS for c in fraction):
        return None
    return float(f"{integer}.{''.join(str(_CN_DIGITS[c]) for c in fraction)}")


# --- cigarette (and shop) names for matching --------------------------------------------------------

_DOTS = str.maketrans({c: None for c in "·・•‧∙⋅･●"})
_BRACKETS = str.maketrans({"（": "(", "）": ")", "【": "(", "】": ")", "[": "(", "]": ")",
                           "〔": "(", "〕": ")", "［": "(", "］": ")", "{": "(", "}": ")"})


def normalize_name(name: str | None) -> str:
    """A cigarette or shop name for matching: NFKC (full-width to half-width), all brackets
    as (), no spaces or middle dots, lower case. 中华（软） and 中华 (软) match; so do
    Marlboro・万宝路 and marlboro·万宝路."""
    text = unicodedata.normalize("NFKC", name or "").translate(_BRACKETS).translate(_DOTS)
    return re.sub(r"\s+", "", text).lower()
