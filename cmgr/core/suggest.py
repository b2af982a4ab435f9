"""The order suggestion at the visit (岗位职责 4.1.3 c: 核对卷烟库存，并对客户订货提出合理建议).

Pure: the customer's own order history in, one suggested quantity in 条 per cigarette out,
each with the reason in a few words. The method (docs/suggest.md, measured by
bench/backtest_suggest.py):

1. The customer's last 16 order days before the day suggested for. A cigarette not on an
   order counts 0 that day: a shop that takes 中华 one week in three needs less of it.
2. Each past quantity is carried to the target day by the season: the territory's orders
   in the same week a year earlier, against its orders in the week a year before that
   order (春节 weeks matched by their distance to 春节, not by the calendar), half of it
   applied (the square root of the ratio). So the weeks before 春节 ask for more and the
   weeks after it for less, as they did last year.
3. The suggestion is the recency-weighted median of those quantities: the amount that is
   wrong by the fewest 条 over the order days like these (an average would be pulled up
   by the odd large order and suggest a little of everything every week).
4. Stock counted at the visit is taken off; a supply limit (货源投放) caps the result, and
   the line says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from cmgr.i18n import tr

# 16 order days (about four months of weekly orders): bench/backtest_suggest.py finds the
# error falling from 6 to 16 and flat beyond; fewer would follow noise, not the customer.
WINDOW_ORDERS = 16
# Weight of the k-th most recent order day (k = 0 is the latest): recent days count a little
# more, so a customer whose sales move (trend) is followed within a few weeks.
RECENCY_DECAY = 0.97
SEASON_CLAMP = (0.3, 3.0)  # a season ratio beyond these is noise in a thin week, not season
# Half of last year's ratio (its square root) is applied: one year's weekly totals are a noisy
# guide and the festival falls on other weekdays. bench/backtest_suggest.py on the sample,
# over the 8 order days up to 2026-01-31, 2026-02-16 (春节), 2026-03-20 and 2026-11-27:
# full ratio 95.9 / 95.0 / 94.7 / 95.5 %, none 95.1 / 94.2 / 96.7 / 95.7 %, half
# 95.2 / 94.1 / 94.6 / 95.5 %: never worse than either.
SEASON_DAMPING = 0.5

# 农历正月初一: the weeks around 春节 are matched across years by their distance to it.
SPRING_FESTIVALS = tuple(date.fromisoformat(d) for d in (
    "2019-02-05", "2020-01-25", "2021-02-12", "2022-02-01", "2023-01-22", "2024-02-10",
    "2025-01-29", "2026-02-17", "2027-02-06", "2028-01-26", "2029-02-13", "2030-02-03"))
FESTIVAL_REACH_DAYS = 60


@dataclass(frozen=True)
class SuggestionLine:
    sku_code: str
    sku_name: str | None
    suggested: int  # 条
    ordered_in: int  # of the `orders` order days looked at
    orders: int
    weekly_avg: float  # 条 per order day over those days (0 where not ordered)
    base: float  # the season-adjusted median before stock and limit
    season: float  # the season ratio applied to the latest order day (1.0 none)
    stock: float | None
    limit: float | None
    limit_binds: bool
    reason: str


@dataclass(frozen=True)
class Suggestion:
    customer_code: str
    order_day: str
    lines: list[SuggestionLine]
    history_orders: int  # order days found before order_day (all, not only the window)
    note: str | None = None  # why nothing is suggested, when nothing is
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(line.suggested for line in self.lines)


class SeasonIndex:
    """The territory's order volume by day, to carry a quantity from one day to another by
    last year's weeks. `ratio(target, past)` is 1.0 where last year is not in the data."""

    def __init__(self, daily_qty: Mapping[str | date, float]) -> None:
        self._daily: dict[date, float] = {}
        for day, qty in daily_qty.items():
            d = day if isinstance(day, date) else date.fromisoformat(str(day)[:10])
            self._daily[d] = self._daily.get(d, 0.0) + float(qty or 0.0)
        self._first = min(self._daily) if self._daily else None
        self._week_cache: dict[date, float | None] = {}

    def _week_total(self, day: date) -> float | None:
        """Orders in the Monday-Sunday week of `day`; None when the data does not cover it."""
        monday = day - timedelta(days=day.weekday())
        if monday in self._week_cache:
            return self._week_cache[monday]
        total = None
        if self._first is not None and monday >= self._first - timedelta(days=6):
            total = sum(self._daily.get(monday + timedelta(days=i), 0.0) for i in range(7))
        self._week_cache[monday] = total
        return total

    @staticmethod
    def year_before(day: date) -> date:
        """The day a year earlier that plays the same part: by 春节 near it, else 52 weeks."""
        for i, festival in enumerate(SPRING_FESTIVALS):
            if abs((day - festival).days) <= FESTIVAL_REACH_DAYS and i > 0:
                return SPRING_FESTIVALS[i - 1] + (day - festival)
        return day - timedelta(days=364)

    def ratio(self, target: date, past: date) -> float:
        a = self._week_total(self.year_before(target))
        b = self._week_total(self.year_before(past))
        if not a or not b:
            return 1.0
        low, high = SEASON_CLAMP
        return min(high, max(low, a / b)) ** SEASON_DAMPING


def next_order_day(order_days: Sequence[str], on_or_after: date,
                   visit_weekdays: str | None = None) -> date:
    """The customer's next order day from `on_or_after`: the next of its roster 访销日
    (ISO weekday digits, '25' = Tuesday and Friday) when known, else of the weekday it
    ordered on most among its last 8 order days, else `on_or_after` itself."""
    weekdays = {int(d) for d in (visit_weekdays or "") if d.isdigit() and 1 <= int(d) <= 7}
    if not weekdays and order_days:
        counts: dict[int, int] = {}
        for d in sorted(order_days)[-8:]:
            wd = date.fromisoformat(d[:10]).isoweekday()
            counts[wd] = counts.get(wd, 0) + 1
        weekdays = {max(counts, key=lambda wd: (counts[wd], -wd))}
    if not weekdays:
        return on_or_after
    for k in range(7):
        day = on_or_after + timedelta(days=k)
        if day.isoweekday() in weekdays:
            return day
    return on_or_after


def _weighted_median(values: Sequence[float], weights: Sequence[float]) -> float:
    pairs = sorted(zip(values, weights, strict=True))
    half = sum(weights) / 2.0
    acc = 0.0
    for value, weight in pairs:
        acc += weight
        if acc >= half - 1e-12:
            return value
    return pairs[-1][0] if pairs else 0.0


def _fmt(qty: float) -> str:
    return f"{qty:.1f}".rstrip("0").rstrip(".")


def suggest_order(customer_code: str, history: Sequence[tuple[str, str, float]], order_day: date,
                  *, season: SeasonIndex | None = None, stock: Mapping[str, float] | None = None,
                  limits: Mapping[str, float] | None = None,
                  names: Mapping[str, str] | None = None,
                  window: int | None = None) -> Suggestion:
    """The suggested order of `customer_code` for `order_day`.

    history: the customer's order lines (order_date ISO, sku_code, qty in 条), any order;
    lines on or after `order_day` are not looked at. stock: 条 counted at the visit by
    cigarette; limits: 条 per order by cigarette (货源投放, for this customer's grade)."""
    day = order_day.isoformat()
    stock = stock or {}
    limits = limits or {}
    names = names or {}
    by_day: dict[str, dict[str, float]] = {}
    for order_date, sku, qty in history:
        d = str(order_date)[:10]
        if d < day and qty:
            by_day.setdefault(d, {})
            by_day[d][sku] = by_day[d].get(sku, 0.0) + float(qty)
    if not by_day:
        return Suggestion(customer_code, day, [], 0,
                          note=tr("无订货记录，不作建议：该户在此日期之前没有订单"))
    days = sorted(by_day)[-(window or WINDOW_ORDERS):]
    skus = sorted({sku for d in days for sku in by_day[d]} | {s for s, q in stock.items() if q})
    weights = [RECENCY_DECAY ** (len(days) - 1 - i) for i in range(len(days))]
    ratios = [season.ratio(order_day, date.fromisoformat(d)) if season else 1.0 for d in days]
    lines = []
    for sku in skus:
        raw = [by_day[d].get(sku, 0.0) for d in days]
        carried = [q * r for q, r in zip(raw, ratios, strict=True)]
        base = _weighted_median(carried, weights)
        ordered_in = sum(1 for q in raw if q > 0)
        avg = sum(raw) / len(days)
        on_hand = stock.get(sku)
        want = base - (on_hand or 0.0)
        suggested = max(0, math.floor(want + 0.5))
        limit = limits.get(sku)
        binds = limit is not None and suggested > limit
        if binds:
            suggested = int(math.floor(limit))
        parts = [f"近{len(days)}次订货{ordered_in}次订购，次均 {_fmt(avg)} 条"]
        if abs(ratios[-1] - 1.0) >= 0.05:
            parts.append(f"季节系数 {ratios[-1]:.2f}")
        if on_hand is not None:
            parts.append(f"库存 {_fmt(on_hand)} 条")
        if binds:
            parts.append(f"货源限量 {_fmt(limit)} 条（按限量）")
        elif limit is not None:
            parts.append(f"限量 {_fmt(limit)} 条")
        parts.append(f"建议 {suggested} 条" if suggested else
                     ("库存足够，本次不订" if on_hand and base > 0 else "不常订，本次不建议"))
        lines.append(SuggestionLine(sku, names.get(sku), suggested, ordered_in, len(days),
                                    round(avg, 2), round(base, 2), round(ratios[-1], 3),
                                    on_hand, limit, binds, "，".join(parts)))
    lines.sort(key=lambda x: (-x.suggested, -x.weekly_avg, x.sku_code))
    return Suggestion(customer_code, day, lines, len(by_day))
