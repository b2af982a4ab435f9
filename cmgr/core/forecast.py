"""Next month's sales forecast for the monthly report (part d, 次月销售预测).

The series is short (one or two years, sometimes less), so the forecast is chosen, for each
series (a manager's total, each price class; 条 and 金额 apart), among a few simple methods
(METHODS) by a rolling-origin backtest over the last up to 6 complete months, each month
forecast as far ahead as the forecast itself is made. The candidates: the last complete
month and the same month last year (the simple rules the offered forecast must not lose
to), the last month's and the last three months' sales per working day times the target's
working days (cmgr.core.workdays: 国庆, 调休 and each month's working days), last month
times last year's change between the two months, last year's month grown by the recent
year-on-year growth, and the fixed combination used until now. The Spring Festival (春节)
moves between late January and mid February and the weeks before it carry the year's
stocking-up peak, so January and February are forecast as one season (their sum) and split
by where this year's festival falls. How the winner is picked (_choose): the combination
unless another method is clearly better, or a simple rule beats it.

statsforecast / statsmodels are not used: their seasonal models need two full years to fit
a yearly season (most managers have 14 months), know neither the moving festival nor the
working days, and would add numba or scipy to the install and a second or more to the
start-up of a report that must take under two.

An incomplete month is left out, not scaled up. When the caller gives the data's
last order date (`data_end`) and a working day of that month follows it (Monday to
Friday unless an `is_workday` calendar is given), that month is dropped from the
fitting and from the backtest, and the forecast is made from the last complete month,
two months ahead instead of one; the note says so. Scaling the part-month by its
elapsed working days was the alternative, but orders come weekly on each route's day,
so the missing days are not average days (a missing Monday is one route's whole week),
and a guessed month would enter the year-on-year growth and the recent level as
if it were measured.

Pure Python on a few dozen numbers: the series only needs `.items()`, so a
pandas Series works without this module importing pandas. Measured on seeded
synthetic territories and on cmgr databases by bench/backtest_forecast.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

from cmgr.errors import UsageError
from cmgr.i18n import tr

# Gregorian dates of the Spring Festival (农历正月初一).
SPRING_FESTIVAL: dict[int, date] = {
    2015: date(2015, 2, 19), 2016: date(2016, 2, 8), 2017: date(2017, 1, 28),
    2018: date(2018, 2, 16), 2019: date(2019, 2, 5), 2020: date(2020, 1, 25),
    2021: date(2021, 2, 12), 2022: date(2022, 2, 1), 2023: date(2023, 1, 22),
    2024: date(2024, 2, 10), 2025: date(2025, 1, 29), 2026: date(2026, 2, 17),
    2027: date(2027, 2, 6), 2028: date(2028, 1, 26), 2029: date(2029, 2, 13),
    2030: date(2030, 2, 3), 2031: date(2031, 1, 23), 2032: date(2032, 2, 11),
    2033: date(2033, 1, 31), 2034: date(2034, 2, 19), 2035: date(2035, 2, 8),
}

# How sales move around the festival, used to split January+February: over
# `pre_days` before it sales rise by `bump` (flat, or a ramp up to the eve),
# then for `post_days` from it they fall by dip_ratio * bump (shops are stocked,
# many close). The bump is fitted to last year's January/February split; the
# timing is a prior nobody measures from 14 months, so the split is averaged
# over a short-flat and a long-ramp shape.
@dataclass(frozen=True)
class _FestivalShape:
    pre_days: int
    ramp: bool
    post_days: int
    dip_ratio: float


FESTIVAL_SHAPES = (
    _FestivalShape(pre_days=14, ramp=False, post_days=7, dip_ratio=0.5),
    _FestivalShape(pre_days=28, ramp=True, post_days=10, dip_ratio=0.5),
)
# The growth measured on a few months is noisy: shrink it toward 1 by
# n / (n + GROWTH_SHRINK) where n is the number of paired months.
GROWTH_SHRINK = 3.0
GROWTH_CLIP = (0.5, 2.0)
SHORT_WEIGHT = 1 / 3     # weight of the recent level outside January and February
MIN_HISTORY = 3          # months of history before a month can be backtested
MIN_SEASONAL_BACKTEST = 2  # fewest backtest months with a year-ago value for the seasonal-naive comparison
INTERVAL_Z = 1.2816      # 80% two-sided, normal
MIN_REL_ERROR = 0.05     # the interval is never narrower than +-5% * z
PRIOR_REL_ERROR = 0.10   # relative error assumed before the backtest says otherwise
PRIOR_WEIGHT = 2.0       # ... worth this many backtest months

BACKTEST_MONTHS = 6      # the months the methods are compared on (过去6个月)


@dataclass(frozen=True)
class Forecast:
    """One month's forecast by the method that did best lately, with its 80% interval."""

    value: float
    low: float                    # 80% interval, never below 0
    high: float
    method: str                   # the chosen method, in plain Chinese (METHODS)
    backtest_wape: float | None   # the chosen method's WAPE over the backtest months (None: no data)
    naive_wape: float | None      # the better of the two simple rules' WAPE over the same months
    naive_method: str             # which simple rule that is (a METHODS name)
    backtest_months: int          # how many months the WAPEs rest on
    note: str                     # in Chinese: what is missing when the history is short; "" otherwise
    horizon: int = 1              # months from the last complete month used to the target
    partial_month: str | None = None  # "YYYY-MM" left out as incomplete (see data_end)
    method_key: str = "combined"  # the chosen method's key in METHODS
    last_month_wape: float | None = None      # last complete month, over the same months
    seasonal_naive_wape: float | None = None  # same month last year (None: not on every month)
    wapes: dict = field(default_factory=dict)  # every method's WAPE over the same months


@dataclass(frozen=True)
class _Monthly:
    """A gap-free monthly series; months are indices year * 12 + (month - 1)."""

    start: int
    values: tuple[float, ...]

    @property
    def last(self) -> int:
        return self.start + len(self.values) - 1

    def get(self, month: int, origin: int | None = None) -> float | None:
        """The value of `month`, or None outside the data (or after `origin`)."""
        end = self.last if origin is None else min(origin, self.last)
        if self.start <= month <= end:
            return self.values[month - self.start]
        return None


def _month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def _month_text(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _parse_month(text: object) -> int:
    """'YYYY-MM' (also 'YYYY/MM', 'YYYYMM'), a pandas Period or a date -> month index."""
    if hasattr(text, "year") and hasattr(text, "month"):
        return _month_index(int(text.year), int(text.month))
    if isinstance(text, str):
        raw = text.strip().replace("/", "-")
        if len(raw) == 6 and raw.isdigit():
            raw = f"{raw[:4]}-{raw[4:]}"
        parts = raw.split("-")
        if len(parts) == 2 and all(p.isdigit() for p in parts) and len(parts[0]) == 4:
            year, month = int(parts[0]), int(parts[1])
            if 1 <= month <= 12:
                return _month_index(year, month)
    raise UsageError(tr("无效的月份「{text}」", text=text),
                     hint=tr('月份请写成 YYYY-MM，例如 "2026-12"'))


def _month_cn(index: int) -> str:
    return f"{index // 12}年{index % 12 + 1}月"


def _parse_day(value: object) -> date:
    """A date, a datetime or an ISO "YYYY-MM-DD..." text -> date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            pass
    raise UsageError(tr("无效的数据截止日期「{value}」", value=value),
                     hint=tr("请把最后的订单日期写成 YYYY-MM-DD"))


def _weekday(day: date) -> bool:
    return day.weekday() < 5


def _complete(full: _Monthly, target: int | None, data_end,
              is_workday: Callable[[date], bool] | None) -> tuple[_Monthly, int | None]:
    """The series cut before `target` and after the last month the data cover completely,
    and the incomplete month left out (None when there is none)."""
    end = full.last if target is None else min(full.last, target - 1)
    partial = None
    if data_end is not None and full.values:
        day = _parse_day(data_end)
        month = _month_index(day.year, day.month)
        workday = is_workday or _weekday
        following = day + timedelta(days=1)
        while following.month == day.month and not workday(following):
            following += timedelta(days=1)
        complete = month if following.month != day.month else month - 1
        if complete < end:
            if complete == month - 1 and full.start <= month <= end:
                partial = month
            end = complete
    if end < full.start:
        return _Monthly(full.start, ()), partial
    return _Monthly(full.start, full.values[: end - full.start + 1]), partial


def _to_monthly(series) -> _Monthly:
    """Read a pandas Series (or a mapping) month -> value; missing months and NaN are 0."""
    items = series.items() if hasattr(series, "items") else dict(series).items()
    totals: dict[int, float] = {}
    for key, value in items:
        month = _parse_month(key)
        number = float(value) if value is not None else 0.0
        if math.isnan(number):
            number = 0.0
        totals[month] = totals.get(month, 0.0) + number
    if not totals:
        return _Monthly(0, ())
    start, end = min(totals), max(totals)
    return _Monthly(start, tuple(totals.get(m, 0.0) for m in range(start, end + 1)))


# -- the Spring Festival split ----------------------------------------------------------------

def _jan_share(year: int, bump: float, shape: _FestivalShape) -> float | None:
    """Expected share of January in January+February for a festival of this size."""
    days = _festival_days(year, shape)
    if days is None:
        return None
    jan_days, feb_days, pre_jan, pre_feb, post_jan, post_feb = days
    drop = min(1.0, shape.dip_ratio * bump)
    jan = jan_days + pre_jan * bump - post_jan * drop
    feb = feb_days + pre_feb * bump - post_feb * drop
    return jan / (jan + feb)


@lru_cache(maxsize=128)
def _festival_days(
    year: int, shape: _FestivalShape
) -> tuple[float, float, float, float, float, float] | None:
    """Days of January and February, and the pre- and post-festival weights falling in each."""
    festival = SPRING_FESTIVAL.get(year)
    if festival is None:
        return None
    feb_days = (date(year, 3, 1) - date(year, 2, 1)).days
    sums = {("pre", 1): 0.0, ("pre", 2): 0.0, ("post", 1): 0.0, ("post", 2): 0.0}
    for k in range(1, shape.pre_days + 1):
        day = festival - timedelta(days=k)
        if day.year == year:
            sums["pre", day.month] += 1.0 - (k - 1) / shape.pre_days if shape.ramp else 1.0
    for k in range(shape.post_days):
        day = festival + timedelta(days=k)
        if day.month <= 2:
            sums["post", day.month] += 1.0
    return (31, feb_days, sums["pre", 1], sums["pre", 2], sums["post", 1], sums["post", 2])


def _fit_bump(year: int, jan: float, feb: float, shape: _FestivalShape) -> float | None:
    """The festival bump that reproduces a year's observed January share (bisection)."""
    if jan + feb <= 0 or year not in SPRING_FESTIVAL:
        return None
    observed = jan / (jan + feb)
    lo, hi = 0.0, 6.0
    s_lo, s_hi = _jan_share(year, lo, shape), _jan_share(year, hi, shape)
    if abs(s_hi - s_lo) < 1e-9:
        return None  # this year's split says nothing about the bump
    increasing = s_hi > s_lo
    for _ in range(40):
        mid = (lo + hi) / 2
        if (_jan_share(year, mid, shape) < observed) == increasing:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _festival_jan_share(past_year: int, jan: float, feb: float, year: int) -> float | None:
    """This year's January share of January+February, from a past year's split."""
    shares = []
    for shape in FESTIVAL_SHAPES:
        bump = _fit_bump(past_year, jan, feb, shape)
        share = _jan_share(year, bump, shape) if bump is not None else None
        if share is not None:
            shares.append(share)
    return sum(shares) / len(shares) if shares else None


# -- the methods --------------------------------------------------------------------------------

def _seasonal_naive(h: _Monthly, origin: int, target: int) -> float | None:
    return h.get(target - 12, origin)


def _naive(h: _Monthly, origin: int, target: int) -> float | None:
    return h.get(origin, origin)


def _season_units(month: int) -> tuple[int, ...]:
    """January and February are one season; every other month is its own."""
    if month % 12 in (0, 1):
        jan = month - month % 12
        return (jan, jan + 1)
    return (month,)


def _growth(h: _Monthly, origin: int, units: int = 3, lag: int = 12) -> tuple[float, int]:
    """Year-on-year growth of the last `units` complete seasons, and the months it rests on."""
    now = past = 0.0
    used = months = 0
    month = origin
    seen: set[int] = set()
    while used < units and month - lag >= h.start:
        unit = _season_units(month)
        month -= 1
        if unit[0] in seen:
            continue
        seen.add(unit[0])
        current = [h.get(m, origin) for m in unit]
        before = [h.get(m - lag, origin) for m in unit]
        if None in current or None in before:
            continue  # January without its February yet: the season is not complete
        now += sum(current)
        past += sum(before)
        used += 1
        months += len(unit)
    if used == 0 or past <= 0:
        return 1.0, 0
    return min(max(now / past, GROWTH_CLIP[0]), GROWTH_CLIP[1]), months


def _festival_adjusted_year_ago(h: _Monthly, origin: int, target: int, lag: int = 12) -> float | None:
    """The value of `target` `lag` months earlier, moved to where this year's festival falls."""
    plain = h.get(target - lag, origin)
    if plain is None or target % 12 not in (0, 1):
        return plain
    jan_past, feb_past = (m - lag for m in _season_units(target))
    jan, feb = h.get(jan_past, origin), h.get(feb_past, origin)
    if jan is None or feb is None:
        return plain
    share = _festival_jan_share(jan_past // 12, jan, feb, target // 12)
    if share is None:
        return plain
    return (jan + feb) * (share if target % 12 == 0 else 1.0 - share)


def _seasonal_member(h: _Monthly, origin: int, target: int, lag: int) -> float | None:
    base = _festival_adjusted_year_ago(h, origin, target, lag)
    if base is None:
        return None
    growth, months = _growth(h, origin, lag=lag)
    weight = months / (months + GROWTH_SHRINK)
    return base * (1.0 + weight * (growth - 1.0))


def _ses(values: list[float], alpha: float = 0.4) -> float:
    level = values[0]
    for v in values[1:]:
        level = alpha * v + (1 - alpha) * level
    return level


def _short_member(h: _Monthly, origin: int) -> float | None:
    recent = [v for m in range(h.start, origin + 1) if (v := h.get(m, origin)) is not None]
    if not recent:
        return None
    last3 = recent[-3:]
    return (recent[-1] + sum(last3) / len(last3) + _ses(recent)) / 3


def _combined(h: _Monthly, origin: int, target: int) -> tuple[float | None, bool]:
    """The forecast, and whether it is the seasonal combination (else the short-history one).

    The recent level enters with weight SHORT_WEIGHT: a single year-ago month is noisy
    and the level shrinks it toward the trend, except in January and February where
    the festival makes the recent level meaningless.
    """
    members = [
        value for lag in (12, 24)
        if (value := _seasonal_member(h, origin, target, lag)) is not None
    ]
    if not members:
        return _short_member(h, origin), False
    value = sum(members) / len(members)
    if target % 12 not in (0, 1):
        value = (1.0 - SHORT_WEIGHT) * value + SHORT_WEIGHT * (_short_member(h, origin) or 0.0)
    return max(0.0, value), True


# -- the working-day and holiday-aware methods -------------------------------------------------

@lru_cache(maxsize=8192)
def _workdays_in(is_workday: Callable[[date], bool], month: int) -> int:
    """Working days in a month (index), at least 1 so a rate per working day is defined."""
    day = date(month // 12, month % 12 + 1, 1)
    count = 0
    while day.month == month % 12 + 1:
        count += bool(is_workday(day))
        day += timedelta(days=1)
    return max(count, 1)


def _festival_months(month: int) -> bool:
    return month % 12 in (0, 1)


def _workday_factor(days: Callable[[int], int], month: int, base: int) -> float:
    """How many more working days `month` has than `base`; 1 in January and February, where the
    Spring Festival split already moves the holiday."""
    if _festival_months(month) or _festival_months(base):
        return 1.0
    return days(month) / days(base)


def _workday_naive(h: _Monthly, days, origin: int, target: int) -> float | None:
    last = h.get(origin, origin)
    return None if last is None else last / days(origin) * days(target)


def _recent_workdays(h: _Monthly, days, origin: int, target: int) -> float | None:
    months = [m for m in range(origin - 2, origin + 1) if h.get(m, origin) is not None]
    if not months:
        return None
    rate = sum(h.get(m, origin) for m in months) / sum(days(m) for m in months)
    return rate * days(target)


def _seasonal_ratio(h: _Monthly, days, origin: int, target: int) -> float | None:
    """The last complete month times last year's change from that month to the target month
    (国庆, 中秋 and the other holidays that come back in the same months), each year's
    working days and the Spring Festival's date taken into account."""
    last = h.get(origin, origin)
    then = _festival_adjusted_year_ago(h, origin, target)
    base = _festival_adjusted_year_ago(h, origin, origin)
    if last is None or then is None or base is None or base <= 0:
        return None
    correction = (_workday_factor(days, target, origin)
                  / _workday_factor(days, target - 12, origin - 12))
    return max(0.0, last * then / base * correction)


def _yoy_growth(h: _Monthly, days, origin: int, target: int) -> float | None:
    """The same month last year (moved to this year's Spring Festival), grown by the recent
    year-on-year growth, and scaled by the working days of the two months."""
    value = _seasonal_member(h, origin, target, 12)
    if value is None:
        return None
    return max(0.0, value * _workday_factor(days, target, target - 12))


@dataclass(frozen=True)
class Method:
    key: str
    name: str           # what the report says, in plain Chinese
    predict: Callable   # (history, working days per month, origin, target) -> value or None


METHODS: tuple[Method, ...] = (
    Method("naive", "上月销量（最近一个完整月）", lambda h, d, o, t: _naive(h, o, t)),
    Method("seasonal_naive", "去年同月销量", lambda h, d, o, t: _seasonal_naive(h, o, t)),
    Method("workday_naive", "上月日均销量乘以次月工作日数", _workday_naive),
    Method("recent_workdays", "近三个月日均销量乘以次月工作日数", _recent_workdays),
    Method("seasonal_ratio", "上月销量乘以去年同期的月间变化（按工作日和春节日期校正）",
           _seasonal_ratio),
    Method("yoy_growth", "去年同月销量乘以近几个月的同比增幅（按工作日和春节日期校正）",
           _yoy_growth),
    Method("combined", "去年同月按同比增幅推算并参考近期水平（1-2月按春节日期拆分）",
           lambda h, d, o, t: _combined(h, o, t)[0]),
)
METHOD_NAMES = {m.key: m.name for m in METHODS}
# Words of the method names that only apply to a January or February forecast.
_FESTIVAL_WORDS = ("（1-2月按春节日期拆分）", "和春节日期")


def method_name(key: str, target: int) -> str:
    """The method's name as the report prints it for the forecast of month index `target`:
    without the Spring Festival's words outside January and February."""
    name = METHOD_NAMES[key]
    if not _festival_months(target):
        for words in _FESTIVAL_WORDS:
            name = name.replace(words, "")
    return name
BASELINES = ("naive", "seasonal_naive")   # the simple rules the offered forecast must not lose to
DEFAULT_METHOD = "combined"
FESTIVAL_AWARE = ("seasonal_ratio", "yoy_growth", "combined")  # split January and February
SWITCH_MARGIN = 0.10     # another method is offered when its WAPE is this much lower


# -- backtest and forecast ----------------------------------------------------------------------

def _wape(actual: list[float], predicted: list[float]) -> float | None:
    total = sum(abs(a) for a in actual)
    if total <= 0:
        return None
    return sum(abs(a - p) for a, p in zip(actual, predicted, strict=True)) / total


def _choose(wape: dict, simple: list, target_seasonal: bool, festival_target: bool,
            seasonal_compared: bool) -> str:
    """The method to offer: DEFAULT_METHOD unless the backtest shows clearly better.

    Choosing the lowest WAPE of seven methods on two to six months overfits: measured out of
    sample (bench/backtest_forecast.py) it lost to the fixed combination. So the combination,
    the best over long synthetic tests, stays unless (a) another method beats it by
    SWITCH_MARGIN on months forecast the way the target is (with a year-ago value when the
    target has one; festival-aware methods for January and February), or (b) a simple rule
    beats it, when the best suited method that does not lose to them is offered (the best
    overall if none): never worse than the simple rules in the backtest. (b) is what the
    report promises; on two comparable months it is noisy and costs accuracy out of sample."""
    scored = sorted((w, i, m.key) for i, m in enumerate(METHODS) if (w := wape[m.key]) is not None)
    if not scored:
        return DEFAULT_METHOD
    suited = [(w, key) for w, _, key in scored
              if not festival_target or key in FESTIVAL_AWARE]
    default = wape[DEFAULT_METHOD]
    best_simple = min((w for w, _ in simple), default=None)
    if default is None or (best_simple is not None and default > best_simple):
        fit = [key for w, key in suited if best_simple is None or w <= best_simple]
        return fit[0] if fit else scored[0][2]
    if (seasonal_compared or not target_seasonal) and suited \
            and suited[0][0] < default / (1.0 + SWITCH_MARGIN):
        return suited[0][1]
    return DEFAULT_METHOD


def _backtest(h: _Monthly, months: int, horizon: int, days, target: int | None = None) -> dict:
    """Each of the last `months` months forecast by every method from the data `horizon`
    months before it; the methods compared on the months where both simple rules have a value
    (at least MIN_SEASONAL_BACKTEST, else on every month without seasonal naive); the method
    to offer for `target` (default: the month after the data) chosen by _choose."""
    target = h.last + horizon if target is None else target
    target_seasonal = _combined(h, target - horizon, target)[1] if h.values else False
    festival_target = _festival_months(target)
    first = h.start + MIN_HISTORY - 1 + horizon
    rows = []
    for target in range(max(first, h.last - months + 1), h.last + 1):
        origin = target - horizon
        row = {"month": _month_text(target), "actual": h.values[target - h.start]}
        for method in METHODS:
            row[method.key] = method.predict(h, days, origin, target)
        row["seasonal"] = _combined(h, origin, target)[1]
        rows.append(row)
    with_year_ago = [r for r in rows if r["seasonal_naive"] is not None]
    if rows and len(with_year_ago) == len(rows):
        window, seasonal_compared = rows, True
    elif len(with_year_ago) >= MIN_SEASONAL_BACKTEST:
        window, seasonal_compared = with_year_ago, True
    else:
        window, seasonal_compared = rows, False
    wape: dict[str, float | None] = {}
    for method in METHODS:
        pairs = [(r["actual"], r[method.key]) for r in window if r[method.key] is not None]
        wape[method.key] = (
            _wape([a for a, _ in pairs], [p for _, p in pairs])
            if pairs and len(pairs) == len(window) else None
        )
    simple = [(wape[k], k) for k in BASELINES if wape[k] is not None]
    baseline = min(simple)[1] if simple else "naive"
    offered = _choose(wape, simple, target_seasonal, festival_target, seasonal_compared)
    return {
        "rows": rows,
        "months": [r["month"] for r in window],
        "wape": wape,
        "offered": offered,
        "baseline": baseline,
        "seasonal_compared": seasonal_compared,
        "seasonal_months": len(with_year_ago),
    }


def _days_of(is_workday: Callable[[date], bool] | None) -> Callable[[int], int]:
    workday = is_workday or _weekday
    return lambda month: _workdays_in(workday, month)


def backtest(series, months: int = BACKTEST_MONTHS, *, horizon: int = 1, data_end=None,
             is_workday: Callable[[date], bool] | None = None) -> dict:
    """Rolling-origin backtest of every method over the last up to `months` complete months,
    each forecast `horizon` months ahead (1: from the month before).

    Returns {"months": [the months compared], "wape": {method key: WAPE or None}, "offered":
    the key of the method chosen, "baseline": the better simple rule, "seasonal_compared",
    "seasonal_months", "rows": [per month: actual and each method's forecast],
    "partial_month"}. The WAPEs are measured on the same months: every backtest month when
    each has a year-ago value, else only those that have one (at least 2), else every month
    without seasonal naive. `data_end` (the last order date) leaves out a month the data do
    not cover to its end (module doc); `is_workday` counts each month's working days.
    """
    if not 1 <= horizon <= 12:
        raise UsageError(tr("回测提前期 {horizon} 不在 1-12 个月之内", horizon=horizon))
    h, partial = _complete(_to_monthly(series), None, data_end, is_workday)
    result = _backtest(h, months, horizon, _days_of(is_workday))
    result["partial_month"] = _month_text(partial) if partial is not None else None
    return result


def _interval(value: float, bt: dict, key: str) -> tuple[float, float, int]:
    """An 80% interval: value * (1 +- z * scale), scale from the chosen method's relative
    errors in the backtest, pooled with PRIOR_REL_ERROR as PRIOR_WEIGHT pseudo-months so two
    or three months cannot make the interval absurdly narrow or wide.
    Returns (low, high, the number of backtest months used)."""
    errors = [(r["actual"] - r[key]) / r[key] for r in bt["rows"] if r[key]]
    pooled = (sum(e * e for e in errors) + PRIOR_WEIGHT * PRIOR_REL_ERROR**2) / (
        len(errors) + PRIOR_WEIGHT
    )
    half = INTERVAL_Z * max(MIN_REL_ERROR, math.sqrt(pooled)) * value
    return max(0.0, value - half), value + half, len(errors)


def forecast_next(series, target_month: str, *, data_end=None,
                  is_workday: Callable[[date], bool] | None = None) -> Forecast:
    """Forecast `target_month` ("YYYY-MM") from the complete months before it, by the method
    of METHODS that did best in the backtest (so never worse there than the last complete
    month or the same month last year).

    Months of `series` from `target_month` on are ignored, so a past month can be
    re-forecast as it would have been. Missing months count as 0. `data_end`, the last
    order date in the data (a date or "YYYY-MM-DD"), marks the month it falls in as
    incomplete when a working day of that month follows it (`is_workday`, default Monday to
    Friday, also used to count each month's working days): that month and any later one are
    left out, and the forecast and its backtest are made that many months ahead.
    """
    target = _parse_month(target_month)
    h, partial = _complete(_to_monthly(series), target, data_end, is_workday)
    if not h.values:
        raise UsageError(
            tr("{month} 之前没有完整月份的销售历史，无法预测", month=_month_text(target)),
            hint=tr("请在要预测的月份之前至少导入一个完整月份的订单"),
        )
    origin = h.last
    horizon = target - origin
    if horizon > 12:
        raise UsageError(
            tr("历史数据止于 {end}，比 {month} 早 12 个月以上", end=_month_text(origin),
               month=_month_text(target)),
            hint=tr("请先导入最近几个月的数据"),
        )
    days = _days_of(is_workday)
    bt = _backtest(h, BACKTEST_MONTHS, horizon, days, target)
    key = bt["offered"]
    method = next(m for m in METHODS if m.key == key)
    value = method.predict(h, days, origin, target)
    if value is None:  # cannot happen for a method with a value on every backtest month
        key, value = "combined", _combined(h, origin, target)[0]
    value = max(0.0, value or 0.0)
    low, high, interval_months = _interval(value, bt, key)
    seasonal = _combined(h, origin, target)[1]

    notes = []
    if partial is not None:
        end = _parse_day(data_end)
        notes.append(
            f"{_month_cn(partial)}的订单数据只到 {end.month} 月 {end.day} 日，该月不完整，"
            f"未用于预测；预测依据截至{_month_cn(origin)}的完整月份，"
            f"是提前 {horizon} 个月的预测，误差也按提前 {horizon} 个月检验。"
        )
    history = len(h.values)
    festival_years = {target // 12, target // 12 - 1}
    if not seasonal:
        notes.append(
            f"历史数据只有 {history} 个月，没有去年同月可参照，预测只依据近几个月的水平，"
            f"不含季节变化（如春节、中秋国庆）。"
        )
    elif _festival_months(target) and not festival_years <= SPRING_FESTIVAL.keys():
        notes.append("春节日期表不含该年份，1-2月未按春节日期拆分。")
    if not bt["rows"]:
        notes.append("历史太短，尚无法检验预测误差。")
    elif not bt["seasonal_compared"] and seasonal:
        notes.append("过去几个月大多没有去年同月数据，只与上月销量作了比较。")
    elif len(bt["months"]) < len(bt["rows"]):
        notes.append(
            f"只有 {len(bt['months'])} 个月有去年同月数据可供比较，误差只在这些月份上计算，"
            f"参考价值有限。"
        )
    if interval_months < 3:
        notes.append(
            f"可用于估计误差的月份只有 {interval_months} 个，"
            f"预测区间部分按经验误差 ±{PRIOR_REL_ERROR:.0%} 估计。"
        )

    wape = bt["wape"]
    return Forecast(
        value=value,
        low=low,
        high=high,
        method=method_name(key, target),
        backtest_wape=wape.get(key),
        naive_wape=wape[bt["baseline"]],
        naive_method=method_name(bt["baseline"], target),
        backtest_months=len(bt["months"]),
        note="".join(notes),
        horizon=horizon,
        partial_month=_month_text(partial) if partial is not None else None,
        method_key=key,
        last_month_wape=wape["naive"],
        seasonal_naive_wape=wape["seasonal_naive"] if bt["seasonal_compared"] else None,
        wapes=dict(wape),
    )
