"""The figures of the 《客户月度销售情况分析报告》 (duty 4.4, docs/domain.md), parts a-d, from DataFrames.

Pure: no SQL, no files. `cmgr.store.monthly` supplies the aggregated frames, this module turns
one manager's frames into the report as a JSON-ready dict (English keys, the contract of
`--format json` and of the templates; docs/monthly-report.md), and `area_summary` puts the
managers side by side. Only imported by `monthly-report`, so pandas is imported at the top.

Units: 条 (carton) as stored, 箱 (case) = 250 条, 金额 in 元. Every `*_pct` is a percentage
(5.2 means 5.2 %), null where its base is zero or missing; WAPEs are fractions (0.052).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

import pandas as pd

from cmgr.core.kpi import ManagerKpi
from cmgr.domain import (
    CARTONS_PER_CASE,
    NORMAL,
    GradeBand,
    PriceClasses,
    band_for,
    flag_status_label,
    has_left,
    is_active,
)
from cmgr.errors import InputError, Location, UsageError
from cmgr.i18n import tr

UNBANDED = "未定档"
UNCLASSIFIED = "未分类"
NO_BASE = "无同期数据"

# --- months ------------------------------------------------------------------------------------

# The month helpers live in cmgr.core.months (no pandas, for the CLI's option parsing).
from cmgr.core.months import (  # noqa: E402, F401  (re-exported: cmgr.core.monthly.month_add ...)
    BASE_MONTHS,
    month_add,
    month_cn,
    month_first_day,
    month_last_day,
    months_between,
    parse_report_month,
)

# --- inputs ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReportSettings:
    price_classes: PriceClasses = field(default_factory=PriceClasses)
    bands: tuple[GradeBand, ...] = ()
    stopped_lookback_months: int = 2
    decline_pct: float = 30.0
    warning_ratio: float = 0.8
    warning_gap_pct: float = 0.0   # 预警 also needs growth this many points below the band average
    warning_sd: float = 0.0        # ... and this many times the band's spread of growths
    decline_sd: float = 0.0        # 大幅下降: this many spreads below the band average (and decline_pct)
    # A holiday month with no year-ago month to compare with (a territory of 14 months): 预警
    # needs this many spreads below the band average, 大幅下降 as many more as it needs anyway.
    holiday_sd: float = 0.0
    list_rows: int = 15            # customers printed under each problem (all in the xlsx)
    top_n: int = 10
    trend_months: int = 13
    # Decides whether the data's last month is complete (its remaining days all off);
    # the working-day calendar in practice, Monday-Friday when None.
    is_workday: Callable[[date], bool] | None = None
    # Days the calendar has off on which the company took orders all the same
    # (open_days_off, from the order lines): part b counts them as order days.
    order_days_off: frozenset[date] = frozenset()


@dataclass
class ManagerData:
    """One manager's frames, as cmgr.store.monthly returns them (already filtered)."""

    manager: str
    roster: pd.DataFrame            # customer_code, customer_name, grade, joined_on, left_on, status...
    customer_months: pd.DataFrame   # customer_code, month, qty, amount, orders, lines, unvalued_lines
    sku_months: pd.DataFrame        # month, sku_code, sku_name, qty, amount, last_date, ...
    sku_classes: dict[str, str]     # sku_code -> 价类 name (classify_skus)
    data_first_date: str | None     # first and last order date in the whole database
    data_last_date: str | None
    target_cases: float | None = None
    last_visits: pd.DataFrame | None = None   # customer_code, last_visit (None: not loaded)
    has_visits: bool = False                  # any visit of this manager's customers imported
    month_visits: pd.DataFrame | None = None
    flags: pd.DataFrame | None = None         # None: the flags table does not exist
    complaints: pd.DataFrame | None = None    # None: the complaints table does not exist
    sku_names: dict[str, str] = field(default_factory=dict)  # sku_code -> name (sku_name_map)
    surveys: pd.DataFrame | None = None       # None: the surveys table does not exist
    order_weekdays: dict[str, str] = field(default_factory=dict)  # code -> ISO digits ordered on
    kpi: ManagerKpi | None = None             # the month's 网建 figures (cmgr.jobs.kpi.kpis_for)
    settlements_imported: bool = False        # any 电子结算 rows in the database


def sku_name_map(sku_months: pd.DataFrame, prices: pd.DataFrame) -> dict[str, str]:
    """A name for every cigarette code: the latest name on the order lines, else the price
    list's (some exports carry only the code)."""
    names: dict[str, str] = {}
    if len(prices):
        for code, name in zip(prices["sku_code"], prices["sku_name"], strict=True):
            if isinstance(name, str) and name.strip():
                names[str(code)] = name.strip()
    if len(sku_months):
        named = sku_months[sku_months["sku_name"].notna()].sort_values("month")
        for code, name in zip(named["sku_code"], named["sku_name"], strict=True):
            if isinstance(name, str) and name.strip():
                names[str(code)] = name.strip()
    return names


def classify_skus(sku_months: pd.DataFrame, prices: pd.DataFrame,
                  price_classes: PriceClasses) -> tuple[dict[str, str], dict[str, float | None]]:
    """价类 of every cigarette, from one price per 条 per cigarette, the same in every month
    so the classes' history is comparable. On basis "wholesale_price": the qty-weighted
    wholesale price on the order lines of its latest month, else the price list, else
    amount / qty. On basis "retail_guide_price": the price list's guide price. A cigarette
    without a price is 未分类. Returns (classes, the price used)."""
    classes: dict[str, str] = {}
    used: dict[str, float | None] = {}
    list_price = {}
    if len(prices):
        column = ("retail_guide_price" if price_classes.basis == "retail_guide_price"
                  else "wholesale_price")
        for code, value in zip(prices["sku_code"], prices[column], strict=True):
            if value is not None and not pd.isna(value):
                list_price[str(code)] = float(value)
    if len(sku_months):
        frame = sku_months.groupby(["sku_code", "month"], as_index=False)[
            ["qty", "amount", "priced_qty", "priced_value"]].sum()
        frame = frame.sort_values(["sku_code", "month"])
        latest = frame.groupby("sku_code").tail(1)
        for row in latest.itertuples(index=False):
            code = str(row.sku_code)
            price = None
            if price_classes.basis == "retail_guide_price":
                price = list_price.get(code)
            else:
                if row.priced_qty and row.priced_qty > 0:
                    price = float(row.priced_value) / float(row.priced_qty)
                elif code in list_price:
                    price = list_price[code]
                elif row.qty and row.qty > 0 and row.amount:
                    price = float(row.amount) / float(row.qty)
            used[code] = price
            classes[code] = price_classes.classify(price) or UNCLASSIFIED
    return classes, used


# --- small helpers -------------------------------------------------------------------------

def _num(value, digits: int = 2) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if math.isnan(number) or math.isinf(number):
        return None
    return round(number, digits)


def _pct(now: float | None, base: float | None) -> float | None:
    if now is None or base is None or base == 0 or pd.isna(base) or pd.isna(now):
        return None
    return round((float(now) / float(base) - 1.0) * 100.0, 2)


def _cases(qty: float | None) -> float | None:
    return None if qty is None else float(qty) / CARTONS_PER_CASE


def _value_per_case(amount: float | None, qty: float | None) -> float | None:
    if not qty or amount is None:
        return None
    return float(amount) / (float(qty) / CARTONS_PER_CASE)


def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if value is pd.NA or value is pd.NaT:
        return ""
    return str(value)


def _grade(value) -> int | None:
    if value is None or pd.isna(value):
        return None
    return int(value)


def _band_name(grade: int | None, bands: Sequence[GradeBand]) -> str:
    """A customer's band as the report groups it: 未定档 without a 档位; a 档位 no band covers
    is a group of its own, so its sales are not lost."""
    if grade is None:
        return UNBANDED
    band = band_for(grade, bands)
    return band.name if band is not None else f"{grade}档（未配置）"


def next_visit_due(last_visit: date, interval_days: float) -> date:
    """The day the next visit is due: plan-week's rule, so both commands agree."""
    from cmgr.core.visit_plan import next_due_date

    return next_due_date(last_visit, interval_days)


# --- part a: 整体销售情况 ----------------------------------------------------------------------

def _month_totals(sku_months: pd.DataFrame) -> pd.DataFrame:
    if not len(sku_months):
        return pd.DataFrame({"qty": [], "amount": []}, index=pd.Index([], name="month"))
    return sku_months.groupby("month")[["qty", "amount"]].sum()


def _base(totals: pd.DataFrame, month: str, base_month: str, first_month: str | None) -> dict:
    """{base_month, qty_cartons, amount, ..., *_pct} of this month against base_month."""
    now_qty = float(totals["qty"].get(month, 0.0))
    now_amount = float(totals["amount"].get(month, 0.0))
    available = first_month is not None and base_month >= first_month
    if not available:
        return {"base_month": base_month, "available": False, "note": NO_BASE,
                "qty_cartons": None, "cases": None, "amount": None, "value_per_case": None,
                "qty_cartons_pct": None, "amount_pct": None}
    qty = float(totals["qty"].get(base_month, 0.0))
    amount = float(totals["amount"].get(base_month, 0.0))
    return {
        "base_month": base_month, "available": True, "note": "",
        "qty_cartons": _num(qty), "cases": _num(_cases(qty)), "amount": _num(amount),
        "value_per_case": _num(_value_per_case(amount, qty)),
        "qty_cartons_pct": _pct(now_qty, qty), "amount_pct": _pct(now_amount, amount),
    }


def _customer_table(data: ManagerData, month: str, lookback: int, bands) -> pd.DataFrame:
    """One row per customer of the roster (plus any ordering customer missing from it) with
    the quantities of this month, last month and the look-back months."""
    roster = data.roster.copy()
    roster["customer_code"] = roster["customer_code"].astype(str)
    months = [month_add(month, -k) for k in range(0, max(lookback, BASE_MONTHS) + 1)]
    cm = data.customer_months
    cm = cm[cm["month"].isin([*months, month_add(month, -12)])] if len(cm) else cm
    if len(cm):
        qty = cm.pivot_table(index="customer_code", columns="month", values="qty", aggfunc="sum")
        amount = cm.pivot_table(index="customer_code", columns="month", values="amount",
                                aggfunc="sum")
        orders = cm.pivot_table(index="customer_code", columns="month", values="orders",
                                aggfunc="sum")
    else:
        qty = amount = orders = pd.DataFrame(index=pd.Index([], name="customer_code"))
    codes = sorted(set(roster["customer_code"]) | {str(c) for c in qty.index})
    table = pd.DataFrame({"customer_code": codes})
    table = table.merge(roster, on="customer_code", how="left")
    table["in_roster"] = table["customer_code"].isin(set(roster["customer_code"]))
    for k, m in enumerate(months):
        table[f"qty_{k}"] = table["customer_code"].map(qty[m] if m in qty else {}).fillna(0.0)
        table[f"amount_{k}"] = table["customer_code"].map(
            amount[m] if m in amount else {}).fillna(0.0)
    year_ago = month_add(month, -12)
    table["qty_ya"] = table["customer_code"].map(qty[year_ago] if year_ago in qty else {}).fillna(0.0)
    table["amount_ya"] = table["customer_code"].map(
        amount[year_ago] if year_ago in amount else {}).fillna(0.0)
    table["orders_0"] = table["customer_code"].map(
        orders[month] if month in orders else {}).fillna(0)
    if "visit_weekdays" not in table:
        table["visit_weekdays"] = None
    if data.order_weekdays:  # no 访销日 in the roster: the weekdays the customer orders on
        known = table["visit_weekdays"].fillna("").astype(str).str.strip().ne("")
        inferred = table["customer_code"].map(data.order_weekdays)
        table["visit_weekdays"] = table["visit_weekdays"].where(known, inferred)
    table["grade_int"] = [_grade(g) for g in table["grade"]]
    table["band"] = [_band_name(g, bands) for g in table["grade_int"]]
    return table


def _customer_ref(row) -> dict:
    return {"customer_code": row.customer_code, "customer_name": _text(row.customer_name),
            "grade": row.grade_int, "band": row.band}


def _served_mask(table: pd.DataFrame, month: str) -> pd.Series:
    """Customers served in the month: in the network during it, or ordering in it."""
    first, last = month_first_day(month).isoformat(), month_last_day(month).isoformat()
    left = table["status"].map(lambda s: has_left(s if isinstance(s, str) else None)).astype(bool)
    left_on = table["left_on"].fillna("").astype(str)
    gone = (left & (left_on.eq("") | (left_on < first))) | (left_on.ne("") & (left_on < first))
    joined = table["joined_on"].fillna("").astype(str)
    not_yet = joined.ne("") & (joined > last)
    return (table["in_roster"] & ~gone & ~not_yet) | (table["qty_0"] > 0)


def _grouped(frame: pd.DataFrame, key: str, month: str, order: list[str]) -> list[dict]:
    """Per price class / band: 条, 箱, 金额, shares, 单箱值 and change against last month and
    the same month last year (from a frame of month, key, qty, amount)."""
    prev, year_ago = month_add(month, -1), month_add(month, -12)
    sums = frame.groupby(["month", key])[["qty", "amount"]].sum() if len(frame) else None

    def get(m: str, k: str, col: str) -> float:
        if sums is None or (m, k) not in sums.index:
            return 0.0
        return float(sums.loc[(m, k), col])

    total_qty = sum(get(month, k, "qty") for k in order)
    total_amount = sum(get(month, k, "amount") for k in order)
    rows = []
    for k in order:
        qty, amount = get(month, k, "qty"), get(month, k, "amount")
        rows.append({
            key: k, "qty_cartons": _num(qty), "cases": _num(_cases(qty)), "amount": _num(amount),
            "value_per_case": _num(_value_per_case(amount, qty)),
            "qty_share_pct": _num(qty / total_qty * 100) if total_qty else None,
            "amount_share_pct": _num(amount / total_amount * 100) if total_amount else None,
            "mom_qty_pct": _pct(qty, get(prev, k, "qty")),
            "yoy_qty_pct": _pct(qty, get(year_ago, k, "qty")),
        })
    return rows


def _class_order(price_classes: PriceClasses, present: Sequence[str]) -> list[str]:
    order = list(price_classes.names)
    if UNCLASSIFIED in present:
        order.append(UNCLASSIFIED)
    return order


def _top_skus(data: ManagerData, month: str, n: int) -> list[dict]:
    sm = data.sku_months
    if not len(sm):
        return []
    this_month = sm[sm["month"] == month]
    now = this_month.groupby("sku_code", as_index=False)[["qty", "amount"]].sum()
    # Each code's greatest name, in Python: pandas's max of an Arrow string column imports
    # pyarrow's query engine (a tenth of a second) for the few dozen codes of a month.
    names: dict = {}
    for code, name in zip(this_month["sku_code"], this_month["sku_name"], strict=True):
        if isinstance(name, str) and (code not in names or name > names[code]):
            names[code] = name
    now["sku_name"] = now["sku_code"].map(names)
    prev = sm[sm["month"] == month_add(month, -1)].groupby("sku_code")["qty"].sum()
    total = float(now["qty"].sum())
    now = now.sort_values(["qty", "sku_code"], ascending=[False, True]).head(n)
    out = []
    for rank, row in enumerate(now.itertuples(index=False), start=1):
        out.append({
            "rank": rank, "sku_code": str(row.sku_code),
            "sku_name": _text(row.sku_name) or data.sku_names.get(str(row.sku_code), ""),
            "price_class": data.sku_classes.get(str(row.sku_code), UNCLASSIFIED),
            "qty_cartons": _num(row.qty), "cases": _num(_cases(row.qty)),
            "amount": _num(row.amount), "share_pct": _num(row.qty / total * 100) if total else None,
            "mom_qty_pct": _pct(row.qty, float(prev.get(row.sku_code, 0.0))),
        })
    return out


def _movers(table: pd.DataFrame, n: int) -> tuple[list[dict], list[dict]]:
    moved = table[(table["qty_0"] > 0) | (table["qty_1"] > 0)].copy()
    moved["change"] = moved["qty_0"] - moved["qty_1"]

    def row_of(r) -> dict:
        return {**_customer_ref(r), "qty_cartons": _num(r.qty_0), "base_qty_cartons": _num(r.qty_1),
                "change_qty_cartons": _num(r.change), "change_pct": _pct(r.qty_0, r.qty_1),
                "amount": _num(r.amount_0), "base_amount": _num(r.amount_1)}

    up = moved[moved["change"] > 0].sort_values(["change", "customer_code"], ascending=[False, True])
    down = moved[moved["change"] < 0].sort_values(["change", "customer_code"], ascending=[True, True])
    return ([row_of(r) for r in up.head(n).itertuples(index=False)],
            [row_of(r) for r in down.head(n).itertuples(index=False)])


def _stopped(table: pd.DataFrame, month: str, lookback: int) -> list[dict]:
    before = [f"qty_{k}" for k in range(1, lookback + 1)]
    mask = (table[before] > 0).any(axis=1) & (table["qty_0"] <= 0)
    out = []
    for r in table[mask].sort_values("customer_code").itertuples(index=False):
        last_k = next(k for k in range(1, lookback + 1) if getattr(r, f"qty_{k}") > 0)
        status = _text(r.status) or NORMAL
        out.append({**_customer_ref(r), "last_order_month": month_add(month, -last_k),
                    "last_qty_cartons": _num(getattr(r, f"qty_{last_k}")), "status": status,
                    "amount_at_stake": _num(getattr(r, f"amount_{last_k}"))})
    out.sort(key=lambda o: (-(o["amount_at_stake"] or 0), o["customer_code"]))
    return out


def _new_customers(table: pd.DataFrame, month: str) -> list[dict]:
    first, last = month_first_day(month).isoformat(), month_last_day(month).isoformat()
    joined = table["joined_on"].fillna("").astype(str)
    mask = (joined >= first) & (joined <= last)
    out = []
    for r in table[mask].sort_values(["joined_on", "customer_code"]).itertuples(index=False):
        out.append({**_customer_ref(r), "joined_on": _text(r.joined_on)[:10],
                    "qty_cartons": _num(r.qty_0), "amount": _num(r.amount_0)})
    return out


# A month "holds a holiday week" when it has this many days off in a row (春节, 国庆, 劳动节):
# then last month is no fair base and customers are compared with the same month last year.
HOLIDAY_WEEK_DAYS = 5


def _days_of_month(month: str) -> list[date]:
    first, last = month_first_day(month), month_last_day(month)
    return [date.fromordinal(n) for n in range(first.toordinal(), last.toordinal() + 1)]


def unmatched_holiday(basis: dict) -> bool:
    """A holiday month compared with the recent months, for want of a year-ago month."""
    return bool(basis["holiday_week"]) and basis["basis"] != "yoy"


def holiday_week(month: str, is_workday: Callable[[date], bool] | None) -> bool:
    workday = is_workday or (lambda d: d.weekday() < 5)
    run = 0
    for day in _days_of_month(month):
        run = 0 if workday(day) else run + 1
        if run >= HOLIDAY_WEEK_DAYS:
            return True
    return False


# A day the calendar has off counts as an order day when the database holds at least this
# share of an ordinary working day's order lines on it: the company took orders that day (some
# cities keep taking orders through 国庆), so the holiday did not move anybody's order. A few
# stray lines (one shop's make-up order) do not make a day.
ORDER_DAY_SHARE = 0.5


def open_days_off(is_workday: Callable[[date], bool] | None,
                  lines_per_day: Mapping[str, int]) -> frozenset[date]:
    """The days the calendar has off on which orders were taken as on a working day, from the
    order lines per day ("YYYY-MM-DD" -> lines; choose_order_days_off counts them)."""
    workday = is_workday or (lambda d: d.weekday() < 5)
    days = {date.fromisoformat(str(k)[:10]): int(n) for k, n in lines_per_day.items() if n}
    working = sorted(n for d, n in days.items() if workday(d))
    if not working:
        return frozenset()
    typical = working[len(working) // 2]
    return frozenset(d for d, n in days.items() if not workday(d) and n >= ORDER_DAY_SHARE * typical)


TYPICAL_DAY_SAMPLE = 9  # working days counted in full for the typical day's lines


def choose_order_days_off(month: str, is_workday: Callable[[date], bool] | None,
                          lines_on: Callable[[date, int | None], int]) -> frozenset[date]:
    """The days off around `month`'s comparison months (the BASE_MONTHS before it, it, and the
    same month last year) on which the orders show the company took orders (open_days_off).

    `lines_on(day, at_most)` counts a day's order lines (stopping at `at_most` when given): the
    days are counted one by one, not grouped over the range, since a city's five months hold
    ~8M lines. A typical working day is the median of TYPICAL_DAY_SAMPLE working days spread
    over the range, counted in full; each day off is counted only up to the share of that
    that makes it open."""
    workday = is_workday or (lambda d: d.weekday() < 5)
    days: list[date] = []
    for first, end in ((month_add(month, -BASE_MONTHS), month_add(month, 1)),
                       (month_add(month, -12), month_add(month, -11))):
        day, stop = month_first_day(first), month_first_day(end)
        while day < stop:
            days.append(day)
            day += timedelta(days=1)
    off = [d for d in days if not workday(d)]
    working = [d for d in days if workday(d)]
    if not off or not working:
        return frozenset()
    step = max(1, len(working) // TYPICAL_DAY_SAMPLE)
    lines = {d.isoformat(): lines_on(d, None) for d in working[step // 2::step]}
    typical = sorted(n for n in lines.values() if n)
    if not typical:
        return frozenset()
    enough = math.ceil(ORDER_DAY_SHARE * typical[len(typical) // 2])
    lines.update((d.isoformat(), lines_on(d, enough)) for d in off)
    return open_days_off(workday, lines)


def order_day_calendar(settings: ReportSettings) -> Callable[[date], bool]:
    """Part b's order days: the working-day calendar, plus the days off the orders show open."""
    workday = settings.is_workday or (lambda d: d.weekday() < 5)
    opened = settings.order_days_off
    if not opened:
        return workday
    return lambda d: d in opened or workday(d)


def month_covered(month: str, first_date: str | None,
                  is_order_day: Callable[[date], bool] | None) -> bool:
    """True when the order data covers all of `month`: it starts before the month, or on or
    before the month's first order day (a territory's data usually starts with a month, and a
    month opening with a holiday opens on the first day after it)."""
    if first_date is None:
        return False
    if first_date[:7] != month:
        return first_date[:7] < month
    order_day = is_order_day or (lambda d: d.weekday() < 5)
    first_open = next((d for d in _days_of_month(month) if order_day(d)), month_first_day(month))
    return first_date[:10] <= first_open.isoformat()


def comparison_words(basis: dict) -> str:
    """What part b's customers are compared with, in the documents' words ("去年同月",
    "前3个月平均"); the docx, html and xlsx all say it with this."""
    if basis["basis"] == "yoy":
        return "去年同月"
    n = len(basis.get("base_months", ())) or BASE_MONTHS
    return "上月" if n == 1 else f"前{n}个月平均"


def comparison_basis(month: str, first_date: str | None,
                     is_order_day: Callable[[date], bool] | None,
                     is_workday: Callable[[date], bool] | None = None) -> dict:
    """What part b compares each customer with: the last BASE_MONTHS months, or the same month
    last year when this month or last month holds a holiday week (and the data covers all of
    last year's month); either way per order day (_order_days: the customer's 访销日, from the
    roster or inferred from its orders), so a month with five Mondays is not a rise.

    `is_order_day` is part b's order calendar (order_day_calendar): a holiday on which the
    orders show the company took orders as usual is no holiday week. `is_workday` (the plain
    calendar) only words the reason. Recent months the data does not cover wholly are left out
    of the average (`base_months`); a year-ago month it covers only in part (the data's first
    month, starting after its first order day) is no base: then the recent months, and the
    reason says so. `first_date`: the data's first order date ("YYYY-MM-DD", or "YYYY-MM")."""
    previous, year_ago = month_add(month, -1), month_add(month, -12)
    recent = [m for m in (month_add(month, -k) for k in range(1, BASE_MONTHS + 1))
              if month_covered(m, first_date, is_order_day)]
    holiday_month = next((m for m in (month, previous) if holiday_week(m, is_order_day)), None)
    on_calendar = next((m for m in (month, previous)
                        if is_workday is not None and holiday_week(m, is_workday)), None)
    year_ago_known = first_date is not None and year_ago >= first_date[:7]
    yoy = holiday_month is not None and month_covered(year_ago, first_date, is_order_day)
    basis = {"basis": "yoy" if yoy else "mom", "base_month": year_ago if yoy else previous,
             "base_months": [year_ago] if yoy else recent,
             "holiday_week": holiday_month is not None}
    words = comparison_words(basis)
    basis["label"] = f"与{words}相比（按订货日数折算）"
    if yoy:
        reason = f"{month_cn(holiday_month)}有长假，环比不可比，按去年同月比较。"
    elif holiday_month is not None and year_ago_known:
        reason = (f"{month_cn(holiday_month)}有长假，但订单数据从 {first_date[:10]} 起才有，"
                  f"去年同月（{month_cn(year_ago)}）不完整，仍按{words}比较，请结合节假日判断。")
    elif holiday_month is not None:
        reason = f"{month_cn(holiday_month)}有长假，但没有去年同月数据，仍按{words}比较，请结合节假日判断。"
    elif on_calendar is not None:
        reason = (f"{month_cn(on_calendar)}虽有长假，但订单显示长假期间照常订货，"
                  f"仍按{words}比较。")
    else:
        reason = ""
    basis["reason"] = reason
    return basis


def infer_order_weekdays(frame: pd.DataFrame, share: float = 0.25) -> dict[str, str]:
    """customer -> ISO weekday digits it ordered on in at least `share` of its order days
    (from store.monthly.order_weekdays), for a roster without 访销日."""
    if frame is None or not len(frame):
        return {}
    frame = frame.assign(iso=frame["weekday"].astype(int).replace(0, 7),
                         days=frame["days"].astype(float))
    totals = frame.groupby("customer_code")["days"].transform("sum")
    kept = frame[frame["days"] >= share * totals].sort_values(["customer_code", "iso"])
    return {str(code): "".join(str(d) for d in group["iso"])
            for code, group in kept.groupby("customer_code")}


def _order_days(month: str, weekdays: str, is_workday, cache: dict) -> int:
    """The order days a weekly customer has in `month`: each week's 访销日 ('25': Tuesday and
    Friday), an order due on a day off moved as the plan moves a visit (visit_plan.route_day:
    to the next working day of its week, else the previous one; none in a week all off),
    counted in the month the order lands in. Around 国庆 that is not the month it was due
    in: 2026-10-01 (a Thursday) is ordered on Wednesday 2026-09-30, so a Thursday customer
    has four October orders, not five. Every working day when no 访销日 is known. At least 1."""
    key = (month, weekdays)
    if key not in cache:
        from cmgr.core.visit_plan import route_day

        workday = is_workday or (lambda d: d.weekday() < 5)
        wanted = sorted({int(c) for c in weekdays if c.isdigit() and 1 <= int(c) <= 7})
        first, last = month_first_day(month), month_last_day(month)
        if not wanted:
            count = sum(1 for d in _days_of_month(month) if workday(d))
        else:
            days = set()
            monday = first.toordinal() - first.weekday()
            while monday <= last.toordinal():
                week = [date.fromordinal(monday + k) for k in range(7)]
                working = [d for d in week if workday(d)]
                for weekday in wanted:
                    day = route_day(week[0], weekday, working)
                    if day is not None and first <= day <= last:
                        days.add(day)
                monday += 7
            count = len(days)
        cache[key] = max(1, count)
    return cache[key]


def like_for_like(table: pd.DataFrame, month: str, basis: dict,
                  is_workday: Callable[[date], bool] | None) -> pd.DataFrame:
    """The customer table with base_qty / base_amount (the comparison month), expected_qty /
    expected_amount (the base scaled by order days), growth (qty_0 / expected - 1, NaN
    without a base) and at_stake (元 below the expected amount)."""
    out = table.copy()
    cache: dict = {}
    days = [_text(w) for w in out["visit_weekdays"]]

    def order_days(m: str) -> pd.Series:
        return pd.Series([_order_days(m, w, is_workday, cache) for w in days], index=out.index,
                         dtype=float)

    now = order_days(month)
    if basis["basis"] == "yoy":
        out["base_qty"], out["base_amount"] = out["qty_ya"], out["amount_ya"]
        then = order_days(basis["base_month"])
    else:  # the last BASE_MONTHS months the data covers, per order day
        base_months = basis.get("base_months")
        if base_months is None:
            base_months = [month_add(month, -k) for k in range(1, BASE_MONTHS + 1)]
        ks = [k for k in range(1, BASE_MONTHS + 1) if month_add(month, -k) in base_months]
        zero = pd.Series(0.0, index=out.index)
        out["base_qty"] = sum((out[f"qty_{k}"] for k in ks), zero)
        out["base_amount"] = sum((out[f"amount_{k}"] for k in ks), zero)
        then = sum((order_days(month_add(month, -k)) for k in ks), zero) if ks else zero + 1.0
    scale = now / then
    out["expected_qty"] = out["base_qty"] * scale
    out["expected_amount"] = out["base_amount"] * scale
    out["growth"] = (out["qty_0"] / out["expected_qty"]).where(out["expected_qty"] > 0) - 1.0
    out["at_stake"] = out["expected_amount"] - out["amount_0"]
    return out


# A band needs this many assessed customers for its own spread; smaller bands use the
# spread of all the manager's customers.
MIN_SPREAD_CUSTOMERS = 8


def _spread(growth: pd.Series) -> float:
    """A robust standard deviation of growths (1.4826 x the median absolute deviation)."""
    g = growth.dropna()
    if len(g) < 2:
        return 0.0
    return float(1.4826 * (g - g.median()).abs().median())


def early_warning(table: pd.DataFrame, ratio: float,
                  band_order: Sequence[str] | None = None,
                  gap_pct: float = 0.0, spread_factor: float = 0.0,
                  ) -> tuple[list[dict], list[dict]]:
    """The provincial 预警 rule: a customer whose month-on-month growth is below `ratio` times
    the average growth of its grade band.

    The band's average growth is weighted by last month's sales (the band's total growth), so
    one tiny shop doubling cannot move it. When that average is negative, "below 0.8 x" would
    flag almost everybody (0.8 x -10% = -8%); the threshold is then average / ratio (-12.5%):
    falling faster than the band by the same proportion. Only customers who ordered in both
    months are assessed: those who stopped are listed as 断订, new ones have no growth.
    The growth is like for like when the table comes from like_for_like (the expected_qty of
    the comparison month), else this month on last month. A customer must also fall below the
    band's average by `gap_pct` points and by `spread_factor` times the band's spread of
    growths (_spread): the rule alone lists 40-50% of the customers, most of them the noise of
    weekly orders, and in a holiday month the spread widens with the calendar's noise.
    Returns (flagged customers, by money at stake; per-band thresholds)."""
    if "expected_qty" not in table:
        table = table.assign(expected_qty=table["qty_1"], base_qty=table["qty_1"],
                             at_stake=table["qty_1"] - table["qty_0"])
    base = table[table["expected_qty"] > 0]
    bands = []
    flagged = []
    order = {name: i for i, name in enumerate(band_order or [])}
    groups = sorted(base.groupby("band"), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))

    def growth_of(frame: pd.DataFrame) -> pd.Series:
        ordering = frame[frame["qty_0"] > 0]
        return ordering["qty_0"] / ordering["expected_qty"] - 1.0

    overall = _spread(growth_of(base))
    for band, group in groups:
        avg = float(group["qty_0"].sum()) / float(group["expected_qty"].sum()) - 1.0
        own = growth_of(group)
        spread = _spread(own) if len(own) >= MIN_SPREAD_CUSTOMERS else overall
        threshold = ratio * avg if avg >= 0 else (avg / ratio if ratio > 0 else avg)
        threshold = min(threshold, avg - max(gap_pct / 100.0, spread_factor * spread))
        bands.append({"band": band, "customers": int(len(group)),
                      "avg_growth_pct": _num(avg * 100), "threshold_pct": _num(threshold * 100),
                      "spread_pct": _num(spread * 100)})
        assessed = group[group["qty_0"] > 0]
        growth = assessed["qty_0"] / assessed["expected_qty"] - 1.0
        for r, g in zip(assessed.itertuples(index=False), growth, strict=True):
            if g < threshold:
                flagged.append({**_customer_ref(r), "qty_cartons": _num(r.qty_0),
                                "base_qty_cartons": _num(r.base_qty),
                                "expected_qty_cartons": _num(r.expected_qty),
                                "growth_pct": _num(g * 100),
                                "band_avg_growth_pct": _num(avg * 100),
                                "threshold_pct": _num(threshold * 100),
                                "gap_pct": _num((g - threshold) * 100),
                                "amount_at_stake": _num(r.at_stake)})
    flagged.sort(key=lambda f: (-(f["amount_at_stake"] or 0), f["customer_code"]))
    return flagged, bands


def _large_declines(table: pd.DataFrame, decline_pct: float, bands: list[dict],
                    spread_factor: float = 0.0) -> list[dict]:
    """Customers ordering in both periods whose like-for-like growth fell below their grade
    band's average by more than decline_pct points and spread_factor times the band's spread
    (a month when every shop sells less is the calendar's doing, not the customers'), by money
    at stake."""
    assessed = table[(table["expected_qty"] > 0) & (table["qty_0"] > 0)].copy()
    assessed["pct"] = assessed["growth"] * 100
    average = {b["band"]: b["avg_growth_pct"] or 0.0 for b in bands}
    margin = {b["band"]: max(decline_pct, spread_factor * (b.get("spread_pct") or 0.0))
              for b in bands}
    assessed["band_avg"] = pd.Series([float(average.get(b, 0.0)) for b in assessed["band"]],
                                     index=assessed.index, dtype=float)
    assessed["margin"] = pd.Series([float(margin.get(b, decline_pct)) for b in assessed["band"]],
                                   index=assessed.index, dtype=float)
    hit = assessed[assessed["pct"] - assessed["band_avg"] < -assessed["margin"]].sort_values(
        ["at_stake", "customer_code"], ascending=[False, True])
    return [{**_customer_ref(r), "qty_cartons": _num(r.qty_0),
             "base_qty_cartons": _num(r.base_qty), "expected_qty_cartons": _num(r.expected_qty),
             "change_pct": _num(r.pct), "band_avg_growth_pct": _num(r.band_avg),
             "amount_at_stake": _num(r.at_stake)}
            for r in hit.itertuples(index=False)]


def overdue_visits(table: pd.DataFrame, data: ManagerData, month: str,
                   bands: Sequence[GradeBand]) -> list[dict] | None:
    """Customers whose next visit (last visit + the band's interval) fell due before the month
    end without a visit; customers never visited are listed with last_visit None. None when
    no visits of this manager's customers were imported (nothing to judge by)."""
    if data.last_visits is None or not data.has_visits:
        return None
    month_end = month_last_day(month)
    last = dict(zip(data.last_visits["customer_code"].astype(str),
                    data.last_visits["last_visit"], strict=True))
    served = table[_served_mask(table, month) & table["in_roster"]]
    out = []
    for r in served.sort_values("customer_code").itertuples(index=False):
        if not is_active(_text(r.status)):
            continue
        band = band_for(r.grade_int, bands)
        if band is None:
            continue
        seen = last.get(r.customer_code)
        if seen:
            due = next_visit_due(date.fromisoformat(str(seen)[:10]), band.interval_days)
            if due < month_end:
                out.append({**_customer_ref(r), "last_visit": str(seen)[:10],
                            "due": due.isoformat(), "days_overdue": (month_end - due).days,
                            "interval_days": band.interval_days})
        else:
            out.append({**_customer_ref(r), "last_visit": None, "due": None,
                        "days_overdue": None, "interval_days": band.interval_days})
    out.sort(key=lambda o: (o["last_visit"] is not None, -(o["days_overdue"] or 0),
                            o["customer_code"]))
    return out


# --- part c: opinions ---------------------------------------------------------------------------

# Topics of customers' opinions in visit notes: a note belongs to every topic one of whose
# words it contains, unless 没/无/不 stands right before the word ("没有意见"). Special visits
# are always listed. Deliberately simple and documented (docs/monthly-report.md).
OPINION_TOPICS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("商品质量", ("质量", "受潮", "霉", "破损", "掉丝", "松散", "异味", "少了一条", "不合格")),
    ("货源供应", ("货源", "断货", "缺货", "多要", "多给", "紧俏", "投放")),
    ("配送服务", ("送货", "配送", "送得", "送晚")),
    ("价格", ("批发价", "调价", "价格会不会")),
    ("订货与结算系统", ("扫码", "连不上", "扣款没成功", "订货平台", "订不上")),
    ("意见建议", ("意见", "反映", "希望", "投诉", "不满", "抱怨", "评价", "提建议", "有建议",
                  "建议公司")),
)
_NEGATIONS = ("没", "无", "不")


def opinion_topics(text: str) -> list[str]:
    topics = []
    for topic, words in OPINION_TOPICS:
        for word in words:
            start = text.find(word)
            while start >= 0:
                before = text[max(0, start - 2):start]
                if not any(n in before for n in _NEGATIONS):
                    topics.append(topic)
                    break
                start = text.find(word, start + 1)
            if topics and topics[-1] == topic:
                break
    return topics


def _opinions(data: ManagerData, month: str) -> dict:
    visits_out, special_out = [], []
    frame = data.month_visits
    if frame is not None and len(frame):
        for r in frame.itertuples(index=False):
            text = "；".join(t for t in (_text(r.notes), _text(r.situation), _text(r.action)) if t)
            is_special = "特殊" in _text(r.visit_type)
            topics = opinion_topics(text)
            item = {"visit_date": _text(r.visit_date)[:10], "customer_code": str(r.customer_code),
                    "customer_name": _text(r.customer_name), "visit_type": _text(r.visit_type),
                    "text": text, "topics": topics}
            if is_special:
                special_out.append(item)
            elif topics:
                visits_out.append(item)
    by_topic = []
    for topic, _ in OPINION_TOPICS:
        items = [v for v in visits_out + special_out if topic in v["topics"]]
        if items:
            by_topic.append({"topic": topic, "count": len(items),
                             "customers": len({v["customer_code"] for v in items}),
                             "example": items[0]["text"]})
    complaints = _month_complaints(data, month)
    return {"visits_loaded": frame is not None, "visit_opinions": visits_out,
            "special_visits": special_out, "by_topic": by_topic, "complaints": complaints}


SATISFACTION_LOW = 60.0      # a score below this is 不满意 (the level 一般 is 60)
SATISFACTION_SHOWN = 5       # lowest items and customers named


def satisfaction(data: ManagerData, bands: Sequence[GradeBand]) -> dict:
    """The latest survey round's satisfaction by item, route and grade band against the round
    before, with the lowest items and customers named. Rounds are ordered by their latest
    date (or their name when undated)."""
    frame = data.surveys
    empty = {"available": frame is not None, "imported": bool(frame is not None and len(frame)),
             "round": None, "previous_round": None, "respondents": 0, "score": None,
             "previous_score": None, "by_item": [], "by_route": [], "by_band": [],
             "lowest_items": [], "lowest_customers": [], "low_customers": 0}
    if frame is None or not len(frame):
        return empty
    frame = frame[frame["score"].notna()].copy()
    if not len(frame):
        return empty
    frame["round"] = frame["survey_round"].fillna(frame["survey_date"]).fillna("")
    order = frame.groupby("round")["survey_date"].max().fillna("").reset_index()
    order = order.sort_values(["survey_date", "round"])
    rounds = list(order["round"])
    latest = rounds[-1]
    previous = rounds[-2] if len(rounds) > 1 else None
    frame["band"] = [_band_name(_grade(g), bands) for g in frame["grade"]]
    frame["route"] = frame["route"].fillna("未分线路")
    now = frame[frame["round"] == latest]
    before = frame[frame["round"] == previous] if previous else frame.iloc[0:0]

    def by(column: str) -> list[dict]:
        prev = before.groupby(column)["score"].mean() if len(before) else {}
        rows = []
        for key, group in now.groupby(column, sort=True):
            score = float(group["score"].mean())
            was = float(prev[key]) if len(before) and key in prev else None
            rows.append({"name": str(key), "score": _num(score), "previous_score": _num(was),
                         "change": _num(score - was) if was is not None else None,
                         "customers": int(group["customer_code"].nunique())})
        return rows

    by_item = by("survey_item")
    per_customer = now.groupby(["customer_code"]).agg(
        customer_name=("customer_name", "first"), score=("score", "mean"),
        low_items=("score", lambda x: int((x < SATISFACTION_LOW).sum()))).reset_index()
    worst_item = {code: g.sort_values("score").iloc[0]["survey_item"]
                  for code, g in now.groupby("customer_code")}
    low = per_customer[per_customer["score"] < SATISFACTION_LOW]
    lowest = per_customer.sort_values(["score", "customer_code"]).head(SATISFACTION_SHOWN)
    return {
        **empty, "round": latest, "previous_round": previous,
        "respondents": int(now["customer_code"].nunique()),
        "score": _num(float(now["score"].mean())),
        "previous_score": _num(float(before["score"].mean())) if len(before) else None,
        "by_item": by_item, "by_route": by("route"), "by_band": by("band"),
        "lowest_items": sorted(by_item, key=lambda r: (r["score"], r["name"]))[:2],
        "lowest_customers": [{"customer_code": r.customer_code,
                              "customer_name": _text(r.customer_name), "score": _num(r.score),
                              "lowest_item": worst_item.get(r.customer_code, "")}
                             for r in lowest.itertuples(index=False)],
        "low_customers": int(len(low)),
    }


def network_figures(kpi: ManagerKpi | None, settlements_imported: bool) -> dict:
    """网建 figures of part a: the manager's ManagerKpi (cmgr.core.kpi, the one computation
    `cmgr kpi` prints too) as a dict under `kpi`, and `text`, the sentence the documents
    print, saying plainly which figures need data not imported yet."""
    if kpi is None:
        return {"in_network": None, "joined": None, "left": None, "kpi": None,
                "text": "网建指标未计算（没有该客户经理的名册数据）。"}
    figures = {k: v for k, v in asdict(kpi).items() if k not in ("manager", "month")}
    parts = [f"在网户数 {kpi.active_customers} 户（本月入网 {kpi.joined} 户，退网 {kpi.left} 户）",
             f"订货率 {_fmt(kpi.order_rate_pct)}%（在网客户中 {kpi.ordering_customers} 户订货）"
             if kpi.order_rate_pct is not None else "订货率 —（没有在网客户）"]
    missing = []
    if not settlements_imported:
        missing.append("电子结算明细尚未导入，电子结算率暂缺")
    elif kpi.settlement_amount_pct is None:
        parts.append("本月没有电子结算记录")
    else:
        parts.append(f"电子结算率 {_fmt(kpi.settlement_amount_pct)}%（按金额；按笔数 "
                     f"{_fmt(kpi.settlement_count_pct)}%）")
    if kpi.target_cases is None:
        missing.append("本月销量目标尚未导入，销量完成率暂缺")
    else:
        parts.append(f"销量 {_fmt(kpi.sales_cases)} 箱，目标 {_fmt(kpi.target_cases)} 箱，"
                     f"完成率 {_fmt(kpi.completion_pct)}%")
    if kpi.value_per_case is not None:
        parts.append(f"单箱值 {_fmt(kpi.value_per_case)} 元")
    if kpi.visit_completion_pct is not None:
        parts.append(f"拜访完成率 {_fmt(kpi.visit_completion_pct)}%（计划 {kpi.visits_planned} 次，"
                     f"完成 {kpi.planned_done} 次）")
    text = "；".join(parts) + "。" + ("".join(m + "。" for m in missing))
    return {"in_network": kpi.active_customers, "joined": kpi.joined, "left": kpi.left,
            "kpi": figures, "text": text}


def _status_label(status: str) -> str:
    from cmgr.core.complaint_flow import STATUS_LABELS

    return STATUS_LABELS.get(status, status)


# The kinds of quality problem the month's complaints are counted by (the first that fits the
# complaint's problem text); a complaint's problem is free text, as many sentences as cases.
COMPLAINT_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("受潮霉变", ("受潮", "霉", "潮湿", "返潮")),
    ("烟支破损", ("破损", "破了", "压扁", "断支", "折断")),
    ("烟丝松散", ("松散", "掉丝", "空头")),
    ("异味", ("异味", "味道", "怪味")),
    ("数量短少", ("少了", "短少", "缺条", "缺包", "少一")),
    ("包装问题", ("包装", "封口", "商标", "条盒")),
)


def complaint_kind(problem: str) -> str:
    for kind, words in COMPLAINT_KINDS:
        if any(w in problem for w in words):
            return kind
    return "其他质量问题"


def _month_complaints(data: ManagerData, month: str) -> dict:
    frame = data.complaints
    if frame is None:
        return {"available": False, "list": [], "by_type": [], "by_sku": [], "by_status": []}
    first, last = month_first_day(month).isoformat(), month_last_day(month).isoformat()
    created = frame["created_at"].fillna("").astype(str).str[:10]
    month_rows = frame[(created >= first) & (created <= last)]
    items = []
    for r in month_rows.itertuples(index=False):
        status = _text(getattr(r, "status", ""))
        items.append({"id": _text(r.id), "created_on": _text(r.created_at)[:10],
                      "customer_code": _text(r.customer_code),
                      "customer_name": _text(r.customer_name),
                      "sku_code": _text(getattr(r, "sku_code", "")),
                      "sku_name": _text(getattr(r, "sku_name", "")),
                      "qty_cartons": _num(getattr(r, "qty", None)),
                      "problem": _text(getattr(r, "problem", "")) or "未注明",
                      "status": status, "status_label": _status_label(status)})

    def count(key: str, label=lambda v: v) -> list[dict]:
        counts: dict[str, int] = {}
        for item in items:
            name = label(item[key] or "未注明")
            counts[name] = counts.get(name, 0) + 1
        return [{"name": k, "count": v}
                for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]

    return {"available": True, "list": items, "by_type": count("problem", complaint_kind),
            "by_sku": count("sku_name"), "by_status": count("status", _status_label)}


# --- part b: problems -----------------------------------------------------------------------

PROBLEM_TITLES: dict[str, str] = {
    "target": "未完成月度目标",
    "decline_total": "销量环比下降",
    "warning": "预警客户（增幅低于同档位平均水平）",
    "decline": "销量大幅下降客户",
    "stopped": "断订客户",
    "price_flags": "价格违规",
    "unlicensed_flags": "无证经营线索",
    "complaints_open": "未结质量投诉",
    "overdue_visits": "逾期未访问客户",
}
# Headings a --notes file may use for each problem (besides the key and the title).
PROBLEM_ALIASES: dict[str, tuple[str, ...]] = {
    "target": ("目标", "完成率", "月度目标"),
    "decline_total": ("环比下降", "销量下降"),
    "warning": ("预警", "预警客户"),
    "decline": ("大幅下降", "下降客户"),
    "stopped": ("断订", "断订客户"),
    "price_flags": ("价格违规", "价格"),
    "unlicensed_flags": ("无证经营", "无证"),
    "complaints_open": ("投诉", "未结投诉", "质量投诉"),
    "overdue_visits": ("逾期访问", "逾期未访", "未访问"),
}
# The heading the placeholders suggest for each problem in a --notes file.
NOTE_HEADINGS: dict[str, str] = {
    "target": "月度目标", "decline_total": "环比下降", "warning": "预警客户", "decline": "大幅下降",
    "stopped": "断订客户", "price_flags": "价格违规", "unlicensed_flags": "无证经营",
    "complaints_open": "未结投诉", "overdue_visits": "逾期未访",
}
# Free-text sections of a --notes file: key -> (Chinese headings).
NOTE_SECTIONS: dict[str, tuple[str, ...]] = {
    "summary": ("整体销售情况", "销售情况", "概况", "销售分析"),
    "other": ("其他", "其他问题", "补充"),
    "opinions": ("意见建议", "客户意见", "意见和建议"),
    "forecast": ("预测", "次月预测", "销售预测"),
}
# Shown (grey) where the manager has not written the cause or the measure yet; the manager
# writes over it in Word, and `--from` reads it back (cmgr.sources.edited_report).
CAUSE_HINT = "请填写原因"
MEASURE_HINT = "请填写对策措施"
OTHER_HINT = "如有其他问题或说明，请在此填写"


@dataclass
class Notes:
    """The manager's own text from a --notes file (format: docs/monthly-report.md)."""

    problems: dict[str, dict[str, str]] = field(default_factory=dict)  # key -> cause, measure
    sections: dict[str, list[str]] = field(default_factory=dict)      # summary, other, ...
    source: str = ""


def combine_notes(first: Notes | None, second: Notes | None) -> Notes | None:
    """Notes from two sources (the Markdown file, then the edited report): what the second
    says about a problem or section replaces the first's."""
    if first is None or second is None:
        return first or second
    problems = {k: dict(v) for k, v in first.problems.items()}
    for key, entry in second.problems.items():
        merged = problems.setdefault(key, {"cause": "", "measure": ""})
        merged.update({k: v for k, v in entry.items() if v})
    sections = {**first.sections, **second.sections}
    return Notes(problems, sections, f"{first.source}; {second.source}")


def _heading_key(heading: str) -> str | None:
    text = heading.strip().strip("#").strip().rstrip("：:").strip()
    low = text.lower()
    for key, title in PROBLEM_TITLES.items():
        if low == key or text == title or text in PROBLEM_ALIASES[key]:
            return key
    for key, names in NOTE_SECTIONS.items():
        if low == key or text in names:
            return key
    return None


_FIELD_RE = re.compile(r"^\s*[-*]?\s*(原因|对策|措施|cause|measure)\s*[：:]\s*(.*)$", re.IGNORECASE)


def parse_notes(text: str, source: str = "notes") -> Notes:
    """Read a --notes file: Markdown headings name a problem or a section, "原因：" and
    "对策："/"措施：" lines start the cause and the measure, blank lines separate paragraphs."""
    notes = Notes(source=source)
    text = re.sub(r"<!--.*?-->", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    key: str | None = None
    current = "cause"
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph and key is not None and key in NOTE_SECTIONS:
            notes.sections.setdefault(key, []).append("".join(paragraph).strip())
        paragraph.clear()

    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("#"):
            flush()
            found = _heading_key(stripped)
            if found is None:
                known = ", ".join(list(PROBLEM_TITLES) + list(NOTE_SECTIONS))
                raise InputError(
                    tr("未知的标题「{heading}」", heading=stripped),
                    Location(source, row=lineno, value=stripped),
                    hint=tr("请用问题或部分的名称：{known}，或它们的中文标题（docs/monthly-report.md）",
                            known=known))
            key, current = found, "cause"
            continue
        if not stripped:
            flush()
            continue
        if key is None:
            key = "other"  # text before the first heading: a free paragraph
        if key in NOTE_SECTIONS:
            paragraph.append(stripped)
            continue
        entry = notes.problems.setdefault(key, {"cause": "", "measure": ""})
        m = _FIELD_RE.match(stripped)
        if m:
            current = "cause" if m.group(1).lower() in ("原因", "cause") else "measure"
            stripped = m.group(2).strip()
            if not stripped:
                continue
        entry[current] = (entry[current] + stripped) if entry[current] else stripped
    flush()
    return notes


def _customers_line(items: list[dict], detail) -> list[dict]:
    return [{"customer_code": i["customer_code"], "customer_name": i["customer_name"],
             "detail": detail(i)} for i in items]


def _fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _fmt_pct(value: float | None) -> str:
    return "—" if value is None else f"{value:+.2f}%"


def _per_workday_change(report: dict, is_workday) -> float:
    """This month's sales per working day against last month's, in percent."""
    workday = is_workday or (lambda d: d.weekday() < 5)
    now = sum(1 for d in _days_of_month(report["month"]) if workday(d)) or 1
    then = sum(1 for d in _days_of_month(report["mom"]["base_month"]) if workday(d)) or 1
    base = report["mom"]["qty_cartons"] or 0.0
    if not base:
        return 0.0
    return ((report["qty_cartons"] or 0.0) / now / (base / then) - 1.0) * 100


def _problems(report: dict, warn_list, warn_bands, declines, overdue, data: ManagerData,
              month: str, settings: ReportSettings) -> list[dict]:
    problems: list[dict] = []

    def add(key: str, summary: str, customers: list[dict] | None = None, count: int | None = None):
        problems.append({"key": key, "title": PROBLEM_TITLES[key], "summary": summary,
                         "count": count if count is not None else len(customers or []),
                         "customers": customers or []})

    target = report["target"]
    if target and target["rate_pct"] is not None and target["rate_pct"] < 100:
        add("target", f"本月销售 {_fmt(report['cases'])} 箱，月度目标 {_fmt(target['cases'])} 箱，"
                      f"完成率 {target['rate_pct']:.2f}%，差 {_fmt(target['cases'] - report['cases'])} 箱。",
            count=1)
    mom = report["mom"]
    basis = report["comparison"]
    if basis["basis"] == "yoy":
        # A holiday month: the fall on last month is the calendar's; judge it on last year.
        yoy = report["yoy"]
        if yoy["available"] and yoy["qty_cartons_pct"] is not None and yoy["qty_cartons_pct"] < 0:
            add("decline_total", f"本月 {_fmt(report['cases'])} 箱，去年同月 {_fmt(yoy['cases'])} 箱，"
                                 f"同比 {_fmt_pct(yoy['qty_cartons_pct'])}（{basis['reason']}）。",
                count=1)
    elif mom["available"] and mom["qty_cartons_pct"] is not None and _per_workday_change(
            report, order_day_calendar(settings)) < 0:
        def drop(row: dict) -> float:  # 条 lost against last month: the classes that matter
            return row["qty_cartons"] - row["qty_cartons"] / (1 + row["mom_qty_pct"] / 100)

        worst = sorted((r for r in report["by_price_class"]
                        if r["mom_qty_pct"] is not None and r["mom_qty_pct"] < 0
                        and r["mom_qty_pct"] > -100), key=drop)[:2]
        detail = "；降幅较大的价类：" + "、".join(
            f"{r['price_class']} {_fmt_pct(r['mom_qty_pct'])}" for r in worst) if worst else ""
        per_day = _per_workday_change(report, order_day_calendar(settings))
        add("decline_total", f"本月 {_fmt(report['cases'])} 箱，上月 {_fmt(mom['cases'])} 箱，"
                             f"环比 {_fmt_pct(mom['qty_cartons_pct'])}，按工作日折算 "
                             f"{_fmt_pct(per_day)}{detail}。", count=1)
    against = comparison_words(basis)
    both = (f"长假月份只列出与前{BASE_MONTHS}个月平均相比也明显偏低的客户。"
            if basis["basis"] == "yoy" else
            "长假月份没有可比的基数，只列出偏离同档位多数客户更远的客户。"
            if unmatched_holiday(basis) and settings.holiday_sd > settings.warning_sd else "")

    def lost(i: dict) -> str:
        return f"，少约 {_fmt(i['amount_at_stake'], 0)} 元" if (i["amount_at_stake"] or 0) > 0 else ""

    stopped = report["stopped"]
    if stopped:
        add("stopped", f"{len(stopped)} 户前 {settings.stopped_lookback_months} 个月有订货、"
                       f"本月未订货。",
            _customers_line(stopped, lambda i: f"最后订货 {i['last_order_month']}，"
                            f"{_fmt(i['last_qty_cartons'], 0)} 条，{_fmt(i['amount_at_stake'], 0)} 元"
                            + (f"，{i['status']}" if i["status"] != NORMAL else "")))
    if declines:
        add("decline", f"{len(declines)} 户销量比{against}（按订货日数折算）的变化比同档位平均"
                       f"低 {settings.decline_pct:g} 个百分点以上，且明显偏离同档位多数客户。"
                       f"{basis['reason']}{both}",
            _customers_line(declines, lambda i: f"{against}折算 {_fmt(i['expected_qty_cartons'], 0)}"
                            f" 条，本月 {_fmt(i['qty_cartons'], 0)} 条，"
                            f"{_fmt_pct(i['change_pct'])}{lost(i)}"))
    if warn_list:
        band_text = "；".join(f"{b['band']}平均 {_fmt_pct(b['avg_growth_pct'])}，预警线 "
                             f"{_fmt_pct(b['threshold_pct'])}" for b in warn_bands)
        add("warning", f"{len(warn_list)} 户比{against}的增幅（按订货日数折算）低于同档位平均增幅的 "
                       f"{settings.warning_ratio:g} 倍"
                       + (f"，且低于平均 {settings.warning_gap_pct:g} 个百分点以上"
                          if settings.warning_gap_pct else "")
                       + ("、明显偏离同档位多数客户" if settings.warning_sd else "")
                       + f"（{band_text}）；低于平均 {settings.decline_pct:g} 个百分点以上的见上一项。"
                       + both,
            _customers_line(warn_list, lambda i: f"{against}折算 {_fmt(i['expected_qty_cartons'], 0)}"
                            f" 条，本月 {_fmt(i['qty_cartons'], 0)} 条，"
                            f"{_fmt_pct(i['growth_pct'])}{lost(i)}"))
    if data.flags is not None and len(data.flags):
        for kind, key in (("price", "price_flags"), ("unlicensed", "unlicensed_flags")):
            rows = data.flags[data.flags["kind"] == kind]
            if "status" in rows:  # a flag the manager dismissed was a false alarm
                rows = rows[rows["status"].fillna("new") != "dismissed"]
            if not len(rows):
                continue
            # One item per case (a visit's note flag and observed-price flag are one, as in
            # `cmgr flag`), its phrases joined, in the order of its first flag.
            cases: dict[object, list] = {}
            for n, r in enumerate(rows.itertuples(index=False)):
                cases.setdefault(getattr(r, "case_key", None) or n, []).append(r)
            items, open_count = [], 0
            for members in cases.values():
                r = members[0]
                name = _text(r.customer_name) or ("（非本户）" if not _text(r.customer_code) else "")
                what = "；".join(dict.fromkeys(
                    _text(getattr(m, "matched", "")) or _text(getattr(m, "note", ""))[:60]
                    for m in members))
                status = _text(getattr(r, "status", "")) or "new"
                open_count += status == "new"
                items.append({"customer_code": _text(r.customer_code), "customer_name": name,
                              "detail": f"{_text(getattr(r, 'visit_date', ''))[:10]} "
                                        f"{flag_status_label(status)}：{what}"})
            add(key, f"本月记录 {len(items)} 条{PROBLEM_TITLES[key]}，其中 {open_count} 条尚未上报。",
                items)
    if data.complaints is not None and len(data.complaints):
        open_rows = data.complaints[data.complaints["status"].fillna("") != "closed"]
        if len(open_rows):
            items = [{"customer_code": _text(r.customer_code),
                      "customer_name": _text(r.customer_name),
                      "detail": f"{_text(r.id)} {_text(getattr(r, 'sku_name', ''))} "
                                f"{_text(getattr(r, 'problem', ''))}，"
                                f"{_status_label(_text(r.status))}（{_text(r.created_at)[:10]} 受理）"}
                     for r in open_rows.itertuples(index=False)]
            add("complaints_open", f"截至月末有 {len(open_rows)} 件质量投诉尚未结案。", items)
    if overdue:
        never = sum(1 for o in overdue if o["last_visit"] is None)
        late = len(overdue) - never
        add("overdue_visits",
            f"{late} 户按分级管理规定应在月末前访问而未访问" + (f"，另有 {never} 户没有访问记录" if never else "")
            + "。",
            _customers_line(overdue, lambda i: (f"上次访问 {i['last_visit']}，应访 {i['due']}，"
                                                f"逾期 {i['days_overdue']} 天")
                            if i["last_visit"] else "无访问记录"))
    return problems


def _merge_notes(problems: list[dict], notes: Notes | None,
                 list_rows: int = 15) -> list[dict]:
    written = dict(notes.problems) if notes else {}
    for p in problems:
        given = written.pop(p["key"], None)
        p["cause"] = (given or {}).get("cause") or ""
        p["measure"] = (given or {}).get("measure") or ""
        p["from_data"] = True
    # A problem the manager wrote about that the data does not show this month: kept, marked.
    for key, given in written.items():
        problems.append({"key": key, "title": PROBLEM_TITLES[key],
                         "summary": "（客户经理补充，本月数据未显示此问题）", "count": 0,
                         "customers": [], "cause": given.get("cause", ""),
                         "measure": given.get("measure", ""), "from_data": False})
    for p in problems:
        p["cause_hint"] = "" if p["cause"] else CAUSE_HINT
        p["measure_hint"] = "" if p["measure"] else MEASURE_HINT
        p["cause_text"] = p["cause"] or f"（{CAUSE_HINT}）"
        p["measure_text"] = p["measure"] or f"（{MEASURE_HINT}）"
        p["customers_shown"] = p["customers"][:list_rows]
        p["customers_more"] = max(0, len(p["customers"]) - list_rows)
    return problems


# --- part d: forecast ---------------------------------------------------------------------------

def _series(frame: pd.DataFrame, months: list[str], column: str) -> dict[str, float]:
    sums = frame.groupby("month")[column].sum() if len(frame) else {}
    return {m: float(sums.get(m, 0.0)) if len(frame) else 0.0 for m in months}


def _forecast_one(series: dict[str, float], target: str, data_end: str | None = None,
                  is_workday: Callable[[date], bool] | None = None):
    from cmgr.core.forecast import forecast_next

    if not series or not any(v for v in series.values()):
        return None
    try:
        return forecast_next(series, target, data_end=data_end, is_workday=is_workday)
    except UsageError:
        return None


def _forecast_part(data: ManagerData, month: str, class_order: list[str],
                   is_workday: Callable[[date], bool] | None = None) -> dict:
    target = month_add(month, 1)
    first = data.data_first_date[:7] if data.data_first_date else month
    history = months_between(max(first, month_add(month, -35)), month)
    sm = data.sku_months[data.sku_months["month"] <= month] if len(data.sku_months) \
        else data.sku_months
    qty_series = _series(sm, history, "qty")
    amount_series = _series(sm, history, "amount")
    qty_fc = _forecast_one(qty_series, target, data.data_last_date, is_workday)
    amount_fc = _forecast_one(amount_series, target, data.data_last_date, is_workday)
    out = {"month": target, "month_cn": month_cn(target), "available": qty_fc is not None,
           "history_months": len(history), "history_from": history[0] if history else None,
           "calendar": forecast_calendar(month, target, qty_series, is_workday)}
    if qty_fc is None:
        out.update({"qty_cartons": None, "cases": None, "amount": None, "low": None, "high": None,
                    "cases_low": None, "cases_high": None, "amount_low": None,
                    "amount_high": None, "method": None, "method_key": None,
                    "backtest_wape": None, "naive_wape": None, "naive_method": None,
                    "last_month_wape": None, "seasonal_naive_wape": None, "backtest_months": 0,
                    "amount_backtest_wape": None, "amount_naive_wape": None,
                    "vs_month_pct": None, "vs_year_ago_pct": None,
                    "note": "没有可用于预测的销售历史。", "by_price_class": [],
                    "statement": ["没有可用于预测的销售历史，本月不作预测。"]})
        return out
    year_ago = qty_series.get(month_add(target, -12))
    out.update({
        "qty_cartons": _num(qty_fc.value), "cases": _num(_cases(qty_fc.value)),
        "low": _num(qty_fc.low), "high": _num(qty_fc.high),
        "cases_low": _num(_cases(qty_fc.low)), "cases_high": _num(_cases(qty_fc.high)),
        "amount": _num(amount_fc.value) if amount_fc else None,
        "amount_low": _num(amount_fc.low) if amount_fc else None,
        "amount_high": _num(amount_fc.high) if amount_fc else None,
        "method": qty_fc.method, "method_key": qty_fc.method_key,
        "backtest_wape": _num(qty_fc.backtest_wape, 4),
        "naive_wape": _num(qty_fc.naive_wape, 4), "naive_method": qty_fc.naive_method,
        "last_month_wape": _num(qty_fc.last_month_wape, 4),
        "seasonal_naive_wape": _num(qty_fc.seasonal_naive_wape, 4),
        "backtest_months": qty_fc.backtest_months,
        "amount_method": amount_fc.method if amount_fc else None,
        "amount_backtest_wape": _num(amount_fc.backtest_wape, 4) if amount_fc else None,
        "amount_naive_wape": _num(amount_fc.naive_wape, 4) if amount_fc else None,
        "vs_month_pct": _pct(qty_fc.value, qty_series.get(month)),
        "vs_year_ago_pct": _pct(qty_fc.value, year_ago) if year_ago else None,
        # this month's orders stop before its last working day: "比本月" compares with a part
        "month_partial_until": (data.data_last_date[:10]
                                if qty_fc.partial_month == month and data.data_last_date else None),
        "note": qty_fc.note,
    })
    by_class = []
    if len(sm):
        classed = sm.assign(price_class=sm["sku_code"].astype(str).map(data.sku_classes)
                            .fillna(UNCLASSIFIED))
        for name in class_order:
            part = classed[classed["price_class"] == name]
            part_qty = _series(part, history, "qty")
            fq = _forecast_one(part_qty, target, data.data_last_date, is_workday)
            fa = _forecast_one(_series(part, history, "amount"), target, data.data_last_date,
                               is_workday)
            if fq is None:
                continue
            ago = part_qty.get(month_add(target, -12))
            by_class.append({
                "price_class": name, "qty_cartons": _num(fq.value), "cases": _num(_cases(fq.value)),
                "low": _num(fq.low), "high": _num(fq.high),
                "cases_low": _num(_cases(fq.low)), "cases_high": _num(_cases(fq.high)),
                "amount": _num(fa.value) if fa else None,
                "vs_month_pct": _pct(fq.value, part_qty.get(month)),
                "vs_year_ago_pct": _pct(fq.value, ago) if ago else None,
                "method": fq.method,
                "backtest_wape": _num(fq.backtest_wape, 4), "naive_wape": _num(fq.naive_wape, 4),
            })
    out["by_price_class"] = by_class
    out["statement"] = forecast_statement(out)
    return out


def forecast_calendar(month: str, target: str, series: dict[str, float],
                      is_workday: Callable[[date], bool] | None) -> dict:
    """The calendar of the month forecast: working days against this month, its holidays, the
    Spring Festival when it is near, and how sales moved between the same two months last
    year (the holidays' effect as measured)."""
    from cmgr.core.forecast import SPRING_FESTIVAL
    from cmgr.core.workdays import holiday_periods

    workday = is_workday or (lambda d: d.weekday() < 5)

    def workdays(m: str) -> int:
        return sum(1 for d in _days_of_month(m) if workday(d))

    first, last = month_first_day(target), month_last_day(target)
    festival = SPRING_FESTIVAL.get(first.year + (1 if first.month == 12 else 0))
    if festival is None or not -10 <= (festival - first).days <= 60:
        festival = None
    then, before = series.get(month_add(target, -12)), series.get(month_add(month, -12))
    return {"workdays": workdays(target), "month_workdays": workdays(month),
            "holidays": holiday_periods(workday, first, last),
            "spring_festival": festival.isoformat() if festival else None,
            "last_year_change_pct": _pct(then, before) if then and before else None,
            "last_year_months": [month_add(month, -12), month_add(target, -12)]}


def _pct_words(value: float | None) -> str:
    if value is None:
        return "—"
    return f"增长 {value:.1f}%" if value >= 0 else f"下降 {-value:.1f}%"


def _day_cn(iso: str) -> str:
    return f"{int(iso[5:7])}月{int(iso[8:10])}日"


def forecast_statement(fc: dict) -> list[str]:
    """Section 四 in the manager's words: the forecast in 箱 and 元 with its range, against
    this month and the same month last year, the coming holidays, and how close the method
    came in the past months."""
    s = []
    amount = (f"，金额约 {fc['amount'] / 10000:,.2f} 万元" if fc.get("amount") else "")
    s.append(f"预计{fc['month_cn']}销售约 {fc['cases']:,.2f} 箱（{fc['qty_cartons']:,.0f} 条）"
             f"{amount}；较有把握的范围是 {fc['cases_low']:,.2f}～{fc['cases_high']:,.2f} 箱"
             + (f"，金额 {fc['amount_low'] / 10000:,.2f}～{fc['amount_high'] / 10000:,.2f} 万元"
                if fc.get("amount_low") is not None else "") + "。")
    compare = []
    if fc.get("vs_month_pct") is not None:
        until = fc.get("month_partial_until")
        compare.append(f"比本月{'（订单数据截至 ' + _day_cn(until) + '，未满月）' if until else ''}"
                       f"{_pct_words(fc['vs_month_pct'])}")
    if fc.get("vs_year_ago_pct") is not None:
        compare.append(f"比去年同月{_pct_words(fc['vs_year_ago_pct'])}")
    if compare:
        s.append("预计" + "，".join(compare) + "。")
    cal = fc["calendar"]
    words = [f"{fc['month_cn']}有 {cal['workdays']} 个工作日（本月 {cal['month_workdays']} 个）"]
    for h in cal["holidays"]:
        words.append(f"{h['name']}放假 {_day_cn(h['start'])}至{_day_cn(h['end'])}（{h['days']} 天）")
    if cal["spring_festival"]:
        words.append(f"春节为 {cal['spring_festival'][:4]}年{_day_cn(cal['spring_festival'])}，"
                     f"节前两到四周是备货高峰，节后一两周订货偏少")
    sentence = "，".join(words)
    if cal["last_year_change_pct"] is not None:
        a, b = cal["last_year_months"]
        sentence += (f"；去年同期，{month_cn(b)}比{month_cn(a)}销量"
                     f"{_pct_words(cal['last_year_change_pct'])}，预测已考虑这些因素")
    s.append(sentence + "。")
    s.append(f"预测方法：{fc['method']}。")
    wape, n = fc["backtest_wape"], fc["backtest_months"]
    if wape is None or not n:
        s.append("历史数据太短，还无法检验预测的准确程度，请谨慎使用。")
    else:
        simple = []
        if fc.get("last_month_wape") is not None:
            simple.append(f"直接用上月销量约为 {fc['last_month_wape']:.0%}")
        if fc.get("seasonal_naive_wape") is not None:
            simple.append(f"用去年同月销量约为 {fc['seasonal_naive_wape']:.0%}")
        s.append(f"过去{n}个月，本方法的平均误差约为 {wape:.0%}"
                 + (f"（同期{'，'.join(simple)}）" if simple else "") + "。")
    if fc.get("note"):
        s.append(fc["note"])
    return s


# --- the report ---------------------------------------------------------------------------------

def _classed_sku_months(data: ManagerData) -> pd.DataFrame:
    """The manager's per-month cigarette sales with each cigarette's price class."""
    sm = data.sku_months
    if len(sm):
        sm = sm.assign(price_class=sm["sku_code"].astype(str).map(data.sku_classes)
                       .fillna(UNCLASSIFIED))
    return sm


def _present_classes(sm: pd.DataFrame) -> list[str]:
    return sorted(set(sm["price_class"])) if len(sm) else []


def _trend_and_mix(sm: pd.DataFrame, totals: pd.DataFrame, month: str, first_month: str | None,
                   class_order: list[str], months: int) -> tuple[list[dict], list[dict]]:
    """The report's `trend` (条, 箱, 金额 of each of the last `months` months) and `price_mix`
    (each price class's share of 条 in those months): what its two charts draw."""
    trend_months = [month_add(month, -k) for k in range(months - 1, -1, -1)]
    trend = []
    for m in trend_months:
        known = first_month is not None and m >= first_month
        q = float(totals["qty"].get(m, 0.0)) if known else None
        a = float(totals["amount"].get(m, 0.0)) if known else None
        trend.append({"month": m, "qty_cartons": _num(q), "cases": _num(_cases(q)),
                      "amount": _num(a)})
    mix = []
    for m in trend_months:
        known = first_month is not None and m >= first_month
        rows = sm[sm["month"] == m] if len(sm) else sm
        total_m = float(rows["qty"].sum()) if len(rows) else 0.0
        shares = {}
        for name in class_order:
            part = float(rows.loc[rows["price_class"] == name, "qty"].sum()) if len(rows) else 0.0
            shares[name] = _num(part / total_m * 100) if known and total_m else None
        mix.append({"month": m, "shares": shares})
    return trend, mix


def chart_series(data: ManagerData, month: str, settings: ReportSettings) -> dict:
    """The series the report's charts draw, as build_report will put them in the report
    ({"trend", "price_mix", "classes"}), from the loaded data alone: a Word report has its
    charts drawn while the rest of the report is computed (jobs.monthly_report)."""
    first_month = data.data_first_date[:7] if data.data_first_date else None
    sm = _classed_sku_months(data)
    class_order = _class_order(settings.price_classes, _present_classes(sm))
    trend, mix = _trend_and_mix(sm, _month_totals(sm), month, first_month, class_order,
                                settings.trend_months)
    return {"trend": trend, "price_mix": mix, "classes": class_order}


def build_report(data: ManagerData, month: str, settings: ReportSettings,
                 notes: Notes | None = None, due_date: date | None = None,
                 series: dict | None = None) -> dict:
    """One manager's report for `month` ("YYYY-MM") as a JSON-ready dict (see module doc).
    `series`: chart_series(data, month, settings) when the caller has it already."""
    first_month = data.data_first_date[:7] if data.data_first_date else None
    sm = _classed_sku_months(data)
    totals = _month_totals(sm)
    qty = float(totals["qty"].get(month, 0.0))
    amount = float(totals["amount"].get(month, 0.0))
    lookback = settings.stopped_lookback_months
    table = _customer_table(data, month, lookback, settings.bands)
    served = _served_mask(table, month)
    ordering = int((table["qty_0"] > 0).sum())
    orders = int(table.loc[table["qty_0"] > 0, "orders_0"].sum())
    warnings: list[str] = []
    not_in_roster = table[~table["in_roster"] & (table["qty_0"] > 0)]
    if len(not_in_roster):
        warnings.append(tr("{n} 个订货客户不在客户名册中（已计入合计）：{codes}",
                           n=len(not_in_roster),
                           codes="、".join(not_in_roster["customer_code"].head(5))))
    month_rows = data.customer_months[data.customer_months["month"] == month] \
        if len(data.customer_months) else data.customer_months
    unvalued = int(month_rows["unvalued_lines"].sum()) if len(month_rows) else 0
    if unvalued:
        warnings.append(tr("{n} 条订单明细既无金额也无批发价，金额按 0 计。", n=unvalued))
    if qty == 0:
        warnings.append(tr("{month}该客户经理的客户没有订单。", month=month_cn(month)))

    last_date = None
    if len(sm) and (sm["month"] == month).any():
        last_date = str(sm.loc[sm["month"] == month, "last_date"].max())[:10]
    data_until = data.data_last_date[:10] if data.data_last_date else None
    complete = data_until is not None and data_until >= month_last_day(month).isoformat()
    coverage_note = ""
    if data_until is None or data_until < month_first_day(month).isoformat():
        coverage_note = f"数据库中没有 {month_cn(month)} 的订单数据。"
    elif not complete:
        coverage_note = (f"订单数据截至 {data_until}，{month_cn(month)}数据不完整，"
                         f"本月及环比、同比数字偏低。")

    target = None
    if data.target_cases:
        cases = qty / CARTONS_PER_CASE
        target = {"cases": _num(data.target_cases),
                  "rate_pct": _num(cases / data.target_cases * 100)}

    class_order = _class_order(settings.price_classes, _present_classes(sm))
    by_class = [{**r} for r in _grouped(sm, "price_class", month, class_order)]

    roster_bands = table.assign(month=month)
    band_order = [b.name for b in settings.bands]
    extra_bands = sorted(set(table["band"]) - set(band_order))
    band_frames = []
    for k in range(0, 2):
        band_frames.append(pd.DataFrame({"month": month_add(month, -k), "band": table["band"],
                                         "qty": table[f"qty_{k}"], "amount": table[f"amount_{k}"]}))
    band_frame = pd.concat(band_frames, ignore_index=True)
    by_band = _grouped(band_frame, "band", month, band_order + extra_bands)
    labels = {b.name: b.label for b in settings.bands}
    for row in by_band:
        in_band = roster_bands["band"] == row["band"]
        row["label"] = labels.get(row["band"], row["band"])
        row["customers"] = int((served & in_band).sum())
        row["ordering_customers"] = int(((table["qty_0"] > 0) & in_band).sum())
        row["cases_per_customer"] = (_num(row["cases"] / row["ordering_customers"])
                                     if row["ordering_customers"] and row["cases"] is not None
                                     else None)
        row.pop("yoy_qty_pct", None)  # per-customer history is loaded for the look-back only
    by_band = [r for r in by_band if r["customers"] or r["qty_cartons"]]

    order_day = order_day_calendar(settings)
    basis = comparison_basis(month, data.data_first_date, order_day, settings.is_workday)
    compared = like_for_like(table, month, basis, order_day)
    stopped = _stopped(table, month, lookback)
    warning_sd, decline_sd = settings.warning_sd, settings.decline_sd
    if unmatched_holiday(basis):
        # A holiday month judged against the recent months only (no year-ago month in the
        # data): the base is not like for like, the calendar widens every shop's swing, and a
        # 14-month territory's 2026-02 listed 23 预警 against a normal August's 22 (2026-05:
        # 28). Only customers further out of line are listed.
        extra = max(0.0, settings.holiday_sd - warning_sd)
        warning_sd, decline_sd = warning_sd + extra, decline_sd + extra
    warn_list, warn_bands = early_warning(compared, settings.warning_ratio, band_order,
                                          settings.warning_gap_pct, warning_sd)
    declines = _large_declines(compared, settings.decline_pct, warn_bands, decline_sd)
    if basis["basis"] == "yoy":
        # A holiday month has no clean base: last year's month was cut by the calendar
        # differently (2026-10-01 is a Thursday, 2025-10-01 a Wednesday; a shop skips the
        # holiday week on the stock it laid in before), and the recent months hold no holiday.
        # A customer is listed only when it is out of line against both, which the calendar
        # alone cannot make it: against last year alone the sample's October listed 22 预警
        # against a normal August's 20.
        recent = like_for_like(table, month, dict(basis, basis="mom", base_months=[
            m for m in (month_add(month, -k) for k in range(1, BASE_MONTHS + 1))
            if month_covered(m, data.data_first_date, order_day)]), order_day)
        recent_warn, recent_bands = early_warning(recent, settings.warning_ratio, band_order,
                                                  settings.warning_gap_pct, settings.warning_sd)
        recent_out = {w["customer_code"] for w in recent_warn} | {
            d["customer_code"] for d in _large_declines(recent, settings.decline_pct,
                                                        recent_bands, settings.decline_sd)}
        warn_list = [w for w in warn_list if w["customer_code"] in recent_out]
        declines = [d for d in declines if d["customer_code"] in recent_out]
    # A customer is listed once, in the most telling table: 断订, then 大幅下降, then 预警;
    # the movers of part a leave out those part b lists.
    in_decline = {d["customer_code"] for d in declines}
    warn_list = [w for w in warn_list if w["customer_code"] not in in_decline]
    listed = in_decline | {w["customer_code"] for w in warn_list} | {
        s_["customer_code"] for s_ in stopped}
    growing, falling = _movers(table[~table["customer_code"].isin(listed)
                                     | (table["qty_0"] > table["qty_1"])], settings.top_n)
    overdue = overdue_visits(table, data, month, settings.bands)

    if series is None:
        trend, mix = _trend_and_mix(sm, totals, month, first_month, class_order,
                                    settings.trend_months)
    else:
        trend, mix = series["trend"], series["price_mix"]

    report = {
        "title": "客户月度销售情况分析报告",
        "month": month, "month_cn": month_cn(month), "manager": data.manager,
        "due_date": due_date.isoformat() if due_date else None,
        "period": {"first_day": month_first_day(month).isoformat(),
                   "last_day": month_last_day(month).isoformat()},
        "data_until": data_until, "month_last_order_date": last_date,
        "data_complete": complete, "coverage_note": coverage_note,
        "customers_served": int(served.sum()), "ordering_customers": ordering,
        "orders": orders, "orders_per_customer": _num(orders / ordering) if ordering else None,
        "qty_cartons": _num(qty), "cases": _num(_cases(qty)), "amount": _num(amount),
        "value_per_case": _num(_value_per_case(amount, qty)),
        "mom": _base(totals, month, month_add(month, -1), first_month),
        "yoy": _base(totals, month, month_add(month, -12), first_month),
        "target": target,
        "by_price_class": by_class, "by_grade_band": by_band,
        "top_skus": _top_skus(data, month, settings.top_n),
        "growing": growing, "falling": falling, "stopped": stopped,
        "new_customers": _new_customers(table, month),
        "comparison": basis,
        "warning_customers": warn_list, "warning_bands": warn_bands,
        "large_declines": declines, "overdue_visits": overdue or [],
        "trend": trend, "price_mix": mix,
        "settings": {"stopped_lookback_months": lookback, "decline_pct": settings.decline_pct,
                     "warning_ratio": settings.warning_ratio,
                     "warning_gap_pct": settings.warning_gap_pct,
                     "warning_sd": settings.warning_sd, "decline_sd": settings.decline_sd,
                     "holiday_sd": settings.holiday_sd,
                     "list_rows": settings.list_rows,
                     "price_class_basis": settings.price_classes.basis,
                     "price_class_bounds": list(settings.price_classes.bounds),
                     "price_class_names": list(settings.price_classes.names)},
        "warnings": warnings,
    }
    problems = _problems(report, warn_list, warn_bands, declines, overdue, data, month, settings)
    report["problems"] = _merge_notes(problems, notes, settings.list_rows)
    report["opinions"] = _opinions(data, month)
    report["opinions"]["satisfaction"] = satisfaction(data, settings.bands)
    report["network"] = network_figures(data.kpi, data.settlements_imported)
    report["forecast"] = _forecast_part(data, month, class_order, settings.is_workday)
    sections = notes.sections if notes else {}
    report["notes"] = {key: list(sections.get(key, [])) for key in NOTE_SECTIONS}
    report["notes_source"] = notes.source if notes else None
    report["other_hint"] = "" if report["notes"]["other"] else OTHER_HINT
    report["summary_text"] = summary_sentences(report)
    return report


def summary_sentences(report: dict) -> list[str]:
    """The opening paragraph of part a, drafted from the figures."""
    s = [f"{report['month_cn']}，所服务客户 {report['customers_served']} 户，其中订货客户 "
         f"{report['ordering_customers']} 户，共 {report['orders']} 单"
         + (f"（户均 {report['orders_per_customer']:.2f} 单）" if report["orders_per_customer"]
            else "")
         + f"；销售卷烟 {_fmt(report['qty_cartons'], 0)} 条，合 {_fmt(report['cases'])} 箱，"
         f"金额 {_fmt(report['amount'])} 元，单箱值 {_fmt(report['value_per_case'])} 元/箱。"]
    for key, label in (("mom", "环比"), ("yoy", "同比")):
        base = report[key]
        if not base["available"]:
            s.append(f"{label}：{NO_BASE}（{base['base_month']}）。")
        else:
            s.append(f"{label}（{base['base_month']}）：销量 {_fmt_pct(base['qty_cartons_pct'])}，"
                     f"金额 {_fmt_pct(base['amount_pct'])}。")
    if report["target"]:
        s.append(f"月度目标 {_fmt(report['target']['cases'])} 箱，完成率 "
                 f"{_fmt(report['target']['rate_pct'])}%。")
    return s


def area_summary(reports: list[dict], month: str, due_date: date | None = None,
                 unassigned: dict | None = None) -> dict:
    """All managers side by side, with the area's totals (from the managers' figures)."""
    rows = []
    for r in reports:
        fc = r["forecast"]
        rows.append({
            "manager": r["manager"], "customers_served": r["customers_served"],
            "ordering_customers": r["ordering_customers"], "orders": r["orders"],
            "qty_cartons": r["qty_cartons"], "cases": r["cases"], "amount": r["amount"],
            "value_per_case": r["value_per_case"],
            "mom_qty_pct": r["mom"]["qty_cartons_pct"], "yoy_qty_pct": r["yoy"]["qty_cartons_pct"],
            "target_cases": r["target"]["cases"] if r["target"] else None,
            "target_rate_pct": r["target"]["rate_pct"] if r["target"] else None,
            "stopped": len(r["stopped"]), "new_customers": len(r["new_customers"]),
            "warning_customers": len(r["warning_customers"]),
            "forecast_cases": fc["cases"], "forecast_backtest_wape": fc["backtest_wape"],
            "forecast_naive_wape": fc["naive_wape"],
        })
    rows.sort(key=lambda x: x["manager"])

    def total(key: str) -> float:
        return sum(x[key] or 0 for x in rows)

    qty, amount = total("qty_cartons"), total("amount")
    mom_base = sum((r["mom"]["qty_cartons"] or 0) for r in reports)
    yoy_base = sum((r["yoy"]["qty_cartons"] or 0) for r in reports)
    yoy_known = all(r["yoy"]["available"] for r in reports) if reports else False
    mom_known = all(r["mom"]["available"] for r in reports) if reports else False
    classes: dict[str, dict[str, float]] = {}
    for r in reports:
        for c in r["by_price_class"]:
            entry = classes.setdefault(c["price_class"], {"qty": 0.0, "amount": 0.0})
            entry["qty"] += c["qty_cartons"] or 0
            entry["amount"] += c["amount"] or 0
    by_class = [{"price_class": k, "qty_cartons": _num(v["qty"]), "cases": _num(_cases(v["qty"])),
                 "amount": _num(v["amount"]),
                 "qty_share_pct": _num(v["qty"] / qty * 100) if qty else None,
                 "value_per_case": _num(_value_per_case(v["amount"], v["qty"]))}
                for k, v in classes.items()]
    return {
        "title": "客户月度销售情况汇总（区域）", "month": month, "month_cn": month_cn(month),
        "due_date": due_date.isoformat() if due_date else None,
        "managers": rows,
        "total": {"managers": len(rows), "customers_served": int(total("customers_served")),
                  "ordering_customers": int(total("ordering_customers")),
                  "orders": int(total("orders")),
                  "qty_cartons": _num(qty), "cases": _num(_cases(qty)), "amount": _num(amount),
                  "value_per_case": _num(_value_per_case(amount, qty)),
                  "mom_qty_pct": _pct(qty, mom_base) if mom_known else None,
                  "yoy_qty_pct": _pct(qty, yoy_base) if yoy_known else None,
                  "stopped": int(total("stopped")), "new_customers": int(total("new_customers")),
                  # each customer has one manager, so the managers' lists add up
                  "warning_customers": int(total("warning_customers")),
                  "forecast_cases": _num(total("forecast_cases"))},
        "by_price_class": by_class,
        "unassigned": unassigned or {"customers": 0, "qty_cartons": 0.0, "amount": 0.0},
    }
