"""Flag engine: from visits, the guide price list and the roster to findings, and the states
a flag goes through.

Pure: the store (cmgr/store/flags.py) reads the rows and writes the findings. The note rules
themselves live in `flag_rules` (lexicon-driven); this module applies them to visits, adds
the structured checks and names every finding with a stable key:

* ``note``           — `scan_note` on the visit's 访问内容 (and, for unlicensed sales, the
  statistical second reader of `flag_model` where the rules found nothing)
* ``observed_price`` — the visit's 实际零售价 of the 检查品规 against the guide price list
* ``roster``         — an active customer ordering or visited while its licence number is
  missing or its licence has expired

The lifecycle follows duties 4.1.3 e-f and 4.7 (docs/domain.md, "Flag statuses"): ``new`` → ``reported`` (to the area market
manager) → ``closed`` with the result, or ``dismissed`` with a reason (a false alarm).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from cmgr.core.flag_rules import (
    Lexicon,
    check_observed_price,
    parse_price,
    trace_note,
)
from cmgr.core.flag_workers import NoteReader
from cmgr.domain import FLAG_STATUS_LABELS, is_active, normalize_name
from cmgr.errors import StateError
from cmgr.i18n import tr

KIND_LABELS = {"unlicensed": "无证经营", "price": "价格违规"}
SOURCE_LABELS = {"note": "访问记录", "observed_price": "实际零售价", "roster": "客户名册",
                 # one case, two pieces of evidence (store.flags.list_cases)
                 "note+observed_price": "访问记录+实际零售价"}
SUBKIND_LABELS = {
    # unlicensed
    "no_license": "无证经营",
    "expired": "许可证过期",
    "revoked_suspended": "许可证注销/吊销/停业仍销售",
    "moved_without_change": "迁址未办变更",
    "borrowed_license": "借用他人许可证",
    "tip_other_outlet": "周边无证经营线索",
    "statistical": "统计读者判断的无证经营",
    "license_missing": "名册无许可证号",
    "license_expired": "名册许可证已过期",
    # price
    "above_guide": "超零售指导价",
    "below_minimum": "低于最低零售价",
    "dumping": "低价倾销/砸价",
    "inconsistent_price": "乱价/价签不符",
    "unmarked_tags": "未明码标价",
    "not_following_guide": "未执行零售指导价",
    "statistical_price": "统计读者判断的价格违规",
}

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NO_LICENCE = {"无", "暂无", "没有", "无证", "未办", "未办理", "空", "null", "none", "nan"}


def subkind_label(subkind: str) -> str:
    """Chinese name of a sub-kind; a company's own sub-kind (custom lexicon) as written."""
    return SUBKIND_LABELS.get(subkind, subkind)


# ---------------------------------------------------------------------------
# Inputs


@dataclass(frozen=True)
class VisitRow:
    """What the engine needs of one visit."""

    visit_key: str
    visit_id: str | None
    visit_date: str  # ISO
    customer_code: str
    manager: str | None
    notes: str | None
    checked_sku: str | None = None
    observed_price: float | None = None
    observed_price_text: str | None = None  # as written, when the import could not parse it


@dataclass(frozen=True)
class PriceRow:
    sku_code: str
    sku_name: str | None
    wholesale_price: float | None
    retail_guide_price: float | None
    min_retail_price: float | None


@dataclass(frozen=True)
class PriceRef:
    """The compliant band of one cigarette: guide price above, minimum price below (元/条)."""

    sku_code: str
    sku_name: str | None
    guide: float | None
    minimum: float | None
    minimum_basis: str  # "最低零售价" | "批发价×1.05" | ""


class PriceBook:
    """The guide price list, looked up by 卷烟编码 or by normalised name.

    The minimum is the list's own 最低零售价 where the row has one, otherwise the wholesale
    price times `min_retail_factor` (configuration key flags.price.min_retail_factor).
    """

    def __init__(self, rows: Iterable[PriceRow], min_retail_factor: float = 1.0) -> None:
        self.factor = float(min_retail_factor)
        self.by_code: dict[str, PriceRef] = {}
        self.by_name: dict[str, PriceRef] = {}
        self._seen: dict[str, PriceRef | None] = {}
        for row in rows:
            if row.min_retail_price is not None and row.min_retail_price > 0:
                minimum, basis = float(row.min_retail_price), "最低零售价"
            elif row.wholesale_price is not None and row.wholesale_price > 0:
                minimum = round(float(row.wholesale_price) * self.factor, 2)
                basis = f"批发价×{self.factor:g}"
            else:
                minimum, basis = None, ""
            ref = PriceRef(row.sku_code, row.sku_name, row.retail_guide_price, minimum, basis)
            self.by_code[_code_key(row.sku_code)] = ref
            if row.sku_name:
                # The first of two specs with one normalised name wins; codes stay exact.
                self.by_name.setdefault(normalize_name(row.sku_name), ref)

    def __len__(self) -> int:
        return len(self.by_code)

    def lookup(self, checked: str | None) -> PriceRef | None:
        """The price list row for a 检查品规 given as a code or a name; None when nothing matches."""
        if not checked or not checked.strip():
            return None
        try:
            return self._seen[checked]
        except KeyError:
            pass
        ref = self.by_code.get(_code_key(checked))
        if ref is None:
            ref = self.by_name.get(normalize_name(checked))
        self._seen[checked] = ref  # a city checks the same few hundred names 100,000 times
        return ref


def _code_key(value: str) -> str:
    return unicodedata.normalize("NFKC", str(value)).strip()


@dataclass(frozen=True)
class RosterCustomer:
    customer_code: str
    customer_name: str | None
    manager: str | None
    license_no: str | None
    license_expiry: str | None  # ISO date, or None
    status: str | None
    # When the roster first showed this entry as it is: the day of the roster import that
    # wrote it (or the day it was entered in cmgr). A missing licence is dated by it.
    seen_on: str | None = None


@dataclass(frozen=True)
class LicenceGap:
    """A customer whose roster entry cannot cover its trade: activity after `after` (any
    activity when None) is unlicensed."""

    customer: RosterCustomer
    subkind: str  # "license_missing" | "license_expired"
    after: str | None

    @property
    def flag_key(self) -> str:
        return f"roster|{self.customer.customer_code}|unlicensed|{self.subkind}|{self.after or ''}"


@dataclass(frozen=True)
class Activity:
    """The first order or visit of a customer inside the licence gap."""

    day: str
    what: str  # "order" | "visit"
    visit_key: str | None = None
    visit_id: str | None = None


# ---------------------------------------------------------------------------
# Findings


@dataclass(frozen=True)
class Finding:
    """One flag as the rules found it; `flag_key` is its identity across runs."""

    flag_key: str
    kind: str
    subkind: str
    source: str
    visit_key: str | None
    visit_id: str | None
    visit_date: str | None
    customer_code: str
    manager: str | None
    matched: str
    rule: str
    note: str | None
    observed_price: float | None = None
    reference_price: float | None = None
    deviation: float | None = None
    deviation_pct: float | None = None


@dataclass
class VisitScan:
    """What scanning a batch of visits found, and what it could not check."""

    findings: list[Finding] = field(default_factory=list)
    visits: int = 0
    notes: int = 0
    price_checks: int = 0
    unmatched_skus: Counter = field(default_factory=Counter)  # 检查品规 as written -> visits
    unparsed_prices: list[tuple[str, str]] = field(default_factory=list)  # (visit, text)
    price_without_sku: int = 0

    def merge(self, other: VisitScan) -> None:
        self.findings.extend(other.findings)
        self.visits += other.visits
        self.notes += other.notes
        self.price_checks += other.price_checks
        self.unmatched_skus.update(other.unmatched_skus)
        self.unparsed_prices.extend(other.unparsed_prices)
        self.price_without_sku += other.price_without_sku


def note_key(visit_key: str, kind: str, subkind: str) -> str:
    return f"note|{visit_key}|{kind}|{subkind}"


def observed_key(visit_key: str, subkind: str) -> str:
    return f"observed_price|{visit_key}|price|{subkind}"


def scan_visits(visits: Iterable[VisitRow], lexicon: Lexicon, prices: PriceBook, *,
                notes: NoteReader | None = None) -> VisitScan:
    """Every note and observed-price finding of `visits`.

    Identical notes are read once (`notes`, shared across batches by the caller, who may
    have handed them to worker processes ahead): "正常走访，无异常" and copied remarks recur
    thousands of times in a city's notes.
    """
    reader = notes if notes is not None else NoteReader(lexicon)
    out = VisitScan()
    for visit in visits:
        out.visits += 1
        text = visit.notes
        if text and text.strip():
            out.notes += 1
            for f in reader.findings(text):
                out.findings.append(Finding(
                    note_key(visit.visit_key, f.kind, f.subkind), f.kind, f.subkind, "note",
                    visit.visit_key, visit.visit_id, visit.visit_date, visit.customer_code,
                    visit.manager, f.matched, f.rule, text))
        if visit.observed_price is not None or (visit.observed_price_text or "").strip():
            finding = _price_finding(visit, prices, out)
            if finding is not None:
                out.findings.append(finding)
    return out


def _price_finding(visit: VisitRow, prices: PriceBook, out: VisitScan) -> Finding | None:
    who = visit.visit_id or visit.visit_key
    observed = visit.observed_price
    if observed is None:
        try:
            observed = parse_price(visit.observed_price_text)
        except ValueError:
            out.unparsed_prices.append((who, str(visit.observed_price_text)))
            return None
        if observed is None:
            return None
    sku = (visit.checked_sku or "").strip()
    if not sku:
        out.price_without_sku += 1
        return None
    ref = prices.lookup(sku)
    if ref is None:
        out.unmatched_skus[sku] += 1
        return None
    out.price_checks += 1
    check = check_observed_price(observed, ref.guide, ref.minimum)
    if check is None:
        return None
    name = ref.sku_name or ref.sku_code
    if check.subkind == "above_guide":
        matched = f"{name} 实际零售价{check.observed:g}元/条，高于零售指导价{check.reference:g}元/条"
        rule = "price.above_guide: 实际零售价高于零售指导价"
    else:
        # The basis only when the minimum was derived (批发价×1.05): "低于最低零售价 99 元/条
        # （最低零售价）" says the same thing twice.
        basis = (f"（{ref.minimum_basis}）"
                 if ref.minimum_basis and ref.minimum_basis != "最低零售价" else "")
        matched = f"{name} 实际零售价{check.observed:g}元/条，低于最低零售价{check.reference:g}元/条{basis}"
        rule = f"price.below_minimum: 实际零售价低于最低零售价{basis}"
    return Finding(observed_key(visit.visit_key, check.subkind), "price", check.subkind,
                   "observed_price", visit.visit_key, visit.visit_id, visit.visit_date,
                   visit.customer_code, visit.manager, matched, rule, visit.notes,
                   check.observed, check.reference, check.deviation, check.deviation_pct)


# ---------------------------------------------------------------------------
# The roster rule


def licence_missing(license_no: str | None) -> bool:
    """No licence number: empty, a word like 无/暂无, or anything without a digit."""
    text = unicodedata.normalize("NFKC", license_no or "").strip()
    if not text or text.lower() in _NO_LICENCE:
        return True
    return not any(ch.isdigit() for ch in text)


def licence_gap(customer: RosterCustomer) -> LicenceGap | None:
    """Why an active customer's trade may be unlicensed, or None.

    A missing licence number makes every order and visit unlicensed; an expiry date makes
    those after it unlicensed. A customer without an expiry date (the export does not carry
    one) is not judged on it.
    """
    if not is_active(customer.status):
        return None
    if licence_missing(customer.license_no):
        return LicenceGap(customer, "license_missing", None)
    expiry = (customer.license_expiry or "").strip()
    if _ISO_DATE.match(expiry):
        return LicenceGap(customer, "license_expired", expiry)
    return None


def roster_finding(gap: LicenceGap, activity: Activity) -> Finding:
    """The roster flag of a licence gap, dated when the condition was first seen, not by the
    customer's first order (often years before anyone could have known): an expired licence
    on the day after its expiry date, a missing one on the day the roster showing it was
    imported (`seen_on`; the first trade inside the gap when that is unknown). The first order
    or visit inside the gap stays the evidence (`matched`, the visit's key)."""
    c = gap.customer
    what = "订货" if activity.what == "order" else "被走访"
    if gap.subkind == "license_missing":
        day = c.seen_on or activity.day
        matched = ("客户名册无许可证号" + (f"（{c.seen_on}导入的名册）" if c.seen_on else "")
                   + f"；{activity.day}{what}")
        rule = "roster.license_missing: 正常经营客户无许可证号，仍在订货或被走访"
    else:
        try:
            day = (date.fromisoformat(gap.after) + timedelta(days=1)).isoformat()
        except (TypeError, ValueError):  # not a real date: the first trade after it
            day = activity.day
        matched = f"许可证有效期至{gap.after}；{activity.day}仍{what}"
        rule = "roster.license_expired: 许可证已过有效期，仍在订货或被走访"
    return Finding(gap.flag_key, "unlicensed", gap.subkind, "roster", activity.visit_key,
                   activity.visit_id, day, c.customer_code, c.manager, matched, rule,
                   None)


# ---------------------------------------------------------------------------
# A later visit saying the problem is fixed

_TRAILING_PHRASE = re.compile(r"\(([^()]*)\)\s*$")


def resolution_in(note: str | None, kind: str, lexicon: Lexicon) -> str | None:
    """The phrase of a note saying a problem of `kind` is fixed (已整改, 证已经下来了), as the
    note reader judges it (a problem mention it marks resolved), or None."""
    if not note:
        return None
    for trace in trace_note(note, lexicon):
        if trace.kind == kind and trace.outcome.startswith("resolved"):
            m = _TRAILING_PHRASE.search(trace.outcome)
            return m.group(1) if m else trace.matched
    return None


def close_proposals(flags: Iterable[tuple[int, str, str, str | None]],
                    later_visits: Iterable[tuple[str, str, str]], lexicon: Lexicon
                    ) -> dict[int, str]:
    """flag id -> "DATE 访问记录：PHRASE" for each open flag (id, customer, kind, date) whose
    customer has a visit after it (customer, date, note) saying the problem is fixed; the
    latest such visit is named. The manager confirms with `flag review ID --close`."""
    by_customer: dict[str, list[tuple[str, str]]] = {}
    for code, day, note in later_visits:
        by_customer.setdefault(code, []).append((day, note))
    out: dict[int, str] = {}
    for flag_id, code, kind, seen in flags:
        for day, note in sorted(by_customer.get(code, ()), reverse=True):
            if seen and day <= seen:
                break
            phrase = resolution_in(note, kind, lexicon)
            if phrase:
                out[flag_id] = f"{day} 访问记录：{phrase}"
                break
    return out


# ---------------------------------------------------------------------------
# Lifecycle

ACTIONS = ("report", "close", "dismiss")
_TRANSITIONS = {
    ("new", "report"): "reported",
    ("reported", "close"): "closed",
    ("new", "dismiss"): "dismissed",
    ("reported", "dismiss"): "dismissed",
}


def next_status(flag_id: int, status: str, action: str) -> str:
    """The status after `action`, or StateError saying why the step is refused."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    target = _TRANSITIONS.get((status, action))
    if target is not None:
        return target
    if status == "new" and action == "close":
        raise StateError(tr("标记 {id} 还没有上报：不能办结", id=flag_id),
                         hint=tr("请先上报（`cmgr flag review {id} --report`），或作为误报排除"
                                 "（`--dismiss --reason ...`）", id=flag_id))
    if status == "reported" and action == "report":
        raise StateError(tr("标记 {id} 已经上报", id=flag_id),
                         hint=tr("请填写结果办结：`cmgr flag review {id} --close --result ...`",
                                 id=flag_id))
    if status in ("closed", "dismissed"):
        label = FLAG_STATUS_LABELS[status]
        message = {
            "report": lambda: tr("标记 {id} 已是「{label}」（`{status}`）；不能再上报", id=flag_id,
                                 label=label, status=status),
            "close": lambda: tr("标记 {id} 已是「{label}」（`{status}`）；不能再办结", id=flag_id,
                                label=label, status=status),
            "dismiss": lambda: tr("标记 {id} 已是「{label}」（`{status}`）；不能再排除", id=flag_id,
                                  label=label, status=status),
        }[action]()
        raise StateError(message,
                         hint=tr("已办结或已排除的标记不能再改；其历史记录会保留"))
    raise StateError(tr("标记 {id}：状态「{status}」下不允许 `{action}`", id=flag_id, status=status,
                        action=action))
